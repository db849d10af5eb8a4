"""Example questions for /start, derived from the index: "What is the X?" about what the articles
are mainly about, each checked to be answered well before it is offered."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .answer import ANSWERED, Answerer

# "the" and a named thing: capitalised words or words with digits ("287(g)"), short joiners
# inside ("Department of Homeland Security"), and at most one lower-case head noun at the end
# ("program"). A phrase found after "the" keeps its article, so the question reads well.
_WORD = r"(?:[A-Z][\w’'&-]*\w|\d[\w()’'-]*[A-Za-z)])"
_PHRASE = re.compile(
    rf"\b[Tt]he\s+({_WORD}(?:\s+(?:(?:of|for|and|on)\s+)?{_WORD})*(?:\s+[a-z]{{3,}})?)(?=[\s,.;:!?)”’]|$)"
)
MAX_WORDS = 6
MAX_NAME_CHARS = 50
# Scanning a million-passage archive would delay startup: the first passages of the documents
# are where news articles name their subject.
MAX_PASSAGES = 5000
HEADING_BONUS = 3  # a phrase that is a section heading is what that part of the article is about
LEAD_BONUS = 2  # a phrase in a document's first passage is what the article is about


@dataclass(frozen=True)
class _Candidate:
    phrase: str  # as written after "the"
    doc_id: str
    score: int
    first: int  # the passage it first appears in, for stable ties


def example_questions(answerer: Answerer, count: int = 3) -> list[str]:
    """Up to `count` questions about the articles' main subjects, each answered with confidence by a
    passage holding all its words, no two by the same passage; documents take turns."""
    candidates = _candidates(answerer)
    questions: list[str] = []
    used_passages: set[int] = set()
    used_terms: set[str] = set()
    # First one question per document, then the rest in score order.
    for rounds in (True, False):
        used_docs: set[str] = set()
        for cand in candidates:
            if len(questions) == count:
                return questions
            terms = answerer.index.analyzer.tokenize(cand.phrase)
            if (rounds and cand.doc_id in used_docs) or used_terms.issuperset(terms):
                continue
            # "What is the X?" only where the answer's best sentence says what X is ("The X, which
            # ... allows ...", "The X is ..."); otherwise it asks what the article says about X.
            for question in (_what_is(cand.phrase), f"What does it say about the {cand.phrase}?"):
                answer = answerer.answer(question, 1)
                if answer.status != ANSWERED or answer.low_confidence:
                    continue
                top = answer.results[0]
                defines = re.match(rf"the {re.escape(cand.phrase)}(,| is | are )", top.sentence, re.IGNORECASE)
                if set(terms) <= set(top.matched) and (defines or not question.startswith("What is")):
                    break
            else:
                continue
            if question in questions or top.passage_id in used_passages:
                continue
            questions.append(question)
            used_docs.add(cand.doc_id)
            used_passages.add(top.passage_id)
            used_terms.update(terms)
    return questions


def _what_is(phrase: str) -> str:
    last = phrase.split()[-1]
    plural = last.islower() and last.endswith("s") and not last.endswith(("ss", "us", "is"))
    return f"What {'are' if plural else 'is'} the {phrase}?"


def _candidates(answerer: Answerer) -> list[_Candidate]:
    """Named phrases found after "the", best first: passages mentioning them, plus bonuses for a
    section heading and for the document's first passage."""
    index = answerer.index
    tokenize = index.analyzer.tokenize
    headings = {tuple(tokenize(s)) for d in index.documents for s in d.sections}
    mentions: Counter[tuple[str, str]] = Counter()
    lead: set[tuple[str, str]] = set()
    first: dict[tuple[str, str], int] = {}
    seen_docs: set[str] = set()
    for position in range(min(len(index.passages), MAX_PASSAGES)):
        passage = index.passages[position]
        opening = passage.doc_id not in seen_docs
        seen_docs.add(passage.doc_id)
        found = {name for m in _PHRASE.finditer(passage.text) if (name := _name(m.group(1), tokenize)) is not None}
        for phrase in found:
            key = (phrase, passage.doc_id)
            mentions[key] += 1
            first.setdefault(key, position)
            if opening:
                lead.add(key)
    out = []
    for key, count in mentions.items():
        phrase, doc_id = key
        score = count + LEAD_BONUS * (key in lead) + HEADING_BONUS * (tuple(tokenize(phrase)) in headings)
        out.append(_Candidate(phrase, doc_id, score, first[key]))
    return sorted(out, key=lambda c: (-c.score, c.first, c.phrase))


def _name(phrase: str, tokenize: Callable[[str], list[str]]) -> str | None:
    """The phrase if it names something ("287(g) program"), else None ("60-strong group")."""
    words = phrase.split()
    if len(words) < 2 or len(words) > MAX_WORDS or len(phrase) > MAX_NAME_CHARS:
        return None
    if words[0][0].isdigit() and "-" in words[0]:
        return None  # a number-word ("60-strong group") describes, it does not name
    if words[-1].islower() and words[-1].endswith(("ed", "ly")):
        return None  # "the DHS announced": a verb or adverb, not the head noun
    if len(tokenize(phrase)) < 2:
        return None
    return " ".join(words)
