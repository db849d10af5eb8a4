"""Follow-up questions in a chat: "and the Republicans?", "what did he say next?", "why?".

A follow-up is read against the previous question and its answer: "next" / "before" move to the
neighbouring passage; a question led by a pronoun or a connector, or too short to stand alone,
borrows the previous question's terms at a lower weight. Context expires after CONTEXT_SECONDS.
Front ends keep one Conversation per chat (console: one; Telegram: per chat, in chat_data).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

CONTEXT_SECONDS = 600.0
BORROWED_WEIGHT = 0.4  # the previous question's terms count this much against the new one's

_NEXT = re.compile(r"\b(?:next|after\s+that|then\s+what|and\s+then|what\s+else|continue|go\s+on)\b", re.I)
# "What's next (for them)?", "what are the next steps": the future, asked of the article, not the
# passage after the last answer.
_WHATS_NEXT = re.compile(r"\bwhat(?:'s|’s|\s+is|\s+are)\s+(?:the\s+)?next\b(?!\s+(?:passage|paragraph|part|bit))", re.I)
_BEFORE = re.compile(r"\b(?:before\s+that|previous(?:ly)?|earlier|just\s+before)\b", re.I)
_LEADS = re.compile(r"^\W*(?:and|but|so|also|what\s+about|how\s+about|then|or)\b", re.I)
_POINTS_BACK = re.compile(
    r"\b(?:he|she|they|him|her|them|his|hers|their|theirs|it|its|that|this|those|these|there)\b", re.I
)
_BARE_WHY = re.compile(r"^\W*(?:why|how|how\s+so|who\s+said\s+(?:that|it|this)|says\s+who)\W*$", re.I)


@dataclass(frozen=True)
class Context:
    """What a follow-up may lean on: the previous question, its terms, the passage it got."""

    question: str
    terms: tuple[str, ...]
    passage_id: int | None
    doc_id: str | None
    at: float
    explicit: bool = False  # the user replied to that answer: follow on whatever the wording


def reads_as_followup(question: str, own_terms: int) -> bool:
    """Whether a question leans on the previous one (pronoun- or connector-led, or too short)."""
    if _BARE_WHY.match(question) or _LEADS.match(question):
        return True
    if own_terms <= 1:
        return True
    return own_terms <= 3 and bool(_POINTS_BACK.search(question))


def step(question: str) -> int:
    """+1 for "what came next", -1 for "what came before", 0 otherwise."""
    if _NEXT.search(question) and not _WHATS_NEXT.search(question):
        return 1
    if _BEFORE.search(question):
        return -1
    return 0


class Conversation:
    """The last answered question of one chat, while it is fresh."""

    def __init__(self, ttl: float = CONTEXT_SECONDS) -> None:
        self.ttl = ttl
        self._last: Context | None = None

    def record(self, answer: object) -> None:
        """Remember an answer (a bot.answer.Answer) as the context of the next question."""
        results = getattr(answer, "results", ())
        terms = tuple(getattr(answer, "terms", ()))
        if not terms and not results:
            return  # a greeting or an empty question does not change the subject
        top = results[0] if results else None
        self._last = Context(
            question=str(getattr(answer, "question", "")),
            terms=terms,
            passage_id=top.passage_id if top is not None else None,
            doc_id=top.citation.doc_id if top is not None else None,
            at=time.monotonic(),
        )

    def context(self) -> Context | None:
        """The previous question's context, or None when there is none or it expired."""
        if self._last is None or time.monotonic() - self._last.at > self.ttl:
            return None
        return self._last

    def forget(self) -> None:
        """Start afresh (a new topic, or the user asked to)."""
        self._last = None
