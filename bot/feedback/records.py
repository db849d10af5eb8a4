"""What the feedback store keeps: one row per question asked, one per vote. No raw user ids."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from ..answer import ANSWERED, NOT_FOUND, Answer, Result

UP = 1
DOWN = -1
# The status of a question in the store and in the report.
STATUS_ANSWERED = "answered"
STATUS_LOW = "low_confidence"
STATUS_NOT_FOUND = "not_found"
EXCERPT_CHARS = 300  # of a rated passage, so the report shows what readers disliked


@dataclass(frozen=True)
class Asked:
    """One question asked; `question` is None when question text is not kept (QABOT_STORE_QUESTIONS=off)."""

    id: str
    at: float
    user: str  # salted hash of the user id (privacy.UserKeys)
    channel: str  # "telegram" or "console"
    question: str | None
    terms: str  # the question's analysed terms, sorted and space-separated: the report groups by them
    status: str
    confidence: float
    doc_id: str | None  # the top passage, when there is one
    title: str | None
    start: int | None
    end: int | None
    fingerprint: str  # of the index that answered


@dataclass(frozen=True)
class Vote:
    """One reader's 👍 (UP) or 👎 (DOWN) on one passage of one answer."""

    question_id: str
    at: float
    user: str
    vote: int
    rank: int
    doc_id: str
    title: str
    start: int
    end: int
    excerpt: str
    confidence: float
    fingerprint: str


def status_of(answer: Answer) -> str | None:
    """The stored status of an answer; None for greetings and texts with no words to search."""
    if answer.status == ANSWERED:
        return STATUS_LOW if answer.low_confidence else STATUS_ANSWERED
    if answer.status == NOT_FOUND:
        return STATUS_NOT_FOUND
    return None


def new_id() -> str:
    """A question's id, made here so that recording it never waits for the database."""
    return secrets.token_hex(8)


def asked_record(
    answer: Answer, user: str, channel: str, fingerprint: str, keep_text: bool, at: float | None = None
) -> Asked | None:
    """The row for `answer`, or None when it was not a question (see status_of)."""
    status = status_of(answer)
    if status is None:
        return None
    top = answer.results[0] if answer.results else None
    return Asked(
        id=new_id(),
        at=time.time() if at is None else at,
        user=user,
        channel=channel,
        question=answer.question if keep_text else None,
        terms=" ".join(sorted(set(answer.terms))),
        status=status,
        confidence=round(answer.confidence, 4),
        doc_id=top.citation.doc_id if top else None,
        title=top.citation.title if top else None,
        start=top.citation.start if top else None,
        end=top.citation.end if top else None,
        fingerprint=fingerprint,
    )


def vote_record(
    question_id: str, answer: Answer, result: Result, user: str, vote: int, fingerprint: str
) -> Vote:
    """The row for a vote on `result`, one of `answer`'s results."""
    if vote not in (UP, DOWN):
        raise ValueError(f"a vote is UP (1) or DOWN (-1), not {vote!r}")
    citation = result.citation
    return Vote(
        question_id=question_id,
        at=time.time(),
        user=user,
        vote=vote,
        rank=result.rank,
        doc_id=citation.doc_id,
        title=citation.title,
        start=citation.start,
        end=citation.end,
        excerpt=result.text[:EXCERPT_CHARS],
        confidence=round(answer.confidence, 4),
        fingerprint=fingerprint,
    )
