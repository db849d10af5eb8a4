"""Question -> Answer: ranked passages, the best sentence of each, citations. No rendering."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index import Index, Passage, SourcePage, list_sources, term_spans

DEFAULT_K = 3
MAX_RESULTS = 50  # a result set never holds more than this many passages
MAX_QUESTION_CHARS = 1000  # longer questions are cut: a 4,000-character message must not stall
MAX_TERMS = 32  # distinct terms searched at most

ANSWERED = "answered"
NOT_FOUND = "not_found"
NO_QUESTION = "no_question"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from, checkable against the source: file_text[start:end] == text."""

    doc_id: str
    title: str
    section: str | None
    paragraph: int
    path: str
    url: str | None
    start: int
    end: int
    published: str | None = None


@dataclass(frozen=True)
class Result:
    """One ranked passage with its best sentence, citation and the words that matched."""

    rank: int
    score: float
    passage_id: int
    text: str
    sentence: str
    sentence_span: tuple[int, int]  # the best sentence, as offsets into `text`
    citation: Citation
    matched: tuple[str, ...]  # the question's terms found in this passage
    highlights: tuple[tuple[int, int], ...]  # spans in `text` of words that matched


@dataclass(frozen=True)
class Answer:
    """Everything a front end shows for one question."""

    question: str
    status: str  # ANSWERED, NOT_FOUND or NO_QUESTION
    results: tuple[Result, ...]
    note: str | None
    terms: tuple[str, ...]  # the question's search terms, in order
    unmatched: tuple[str, ...]  # question words that no passage holds


@dataclass(frozen=True)
class Section:
    """A whole section of a document, for "show me the rest"."""

    title: str
    section: str | None
    passages: tuple[Passage, ...]


def clean_question(text: str) -> str:
    """The question made safe to search and to echo: no control characters, no lone surrogates."""
    text = _SURROGATE.sub("\ufffd", text)
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


class Answerer:
    """Answers questions from one index; the index can be swapped while questions are answered."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def answer(self, question: str, k: int = DEFAULT_K) -> Answer:
        """The best `k` passages for `question` (k is capped at MAX_RESULTS)."""
        index = self.index  # one read: a reload swapping self.index mid-answer cannot mix indexes
        if not isinstance(question, str):
            raise TypeError(f"answer() takes a str question, not {type(question).__name__}")
        k = max(1, min(int(k), MAX_RESULTS))
        cleaned = clean_question(question)
        truncated = len(cleaned) > MAX_QUESTION_CHARS
        cleaned = cleaned[:MAX_QUESTION_CHARS]
        words: dict[str, str] = {}  # term -> the question's word it came from
        for term, start, end in term_spans(cleaned):
            words.setdefault(term, cleaned[start:end])
        terms = tuple(list(words)[:MAX_TERMS])
        if not terms:
            return Answer(cleaned, NO_QUESTION, (), _usage_hint(index), (), ())
        unmatched = tuple(words[t] for t in terms if t not in index.vocabulary)
        hits = index.search(list(terms), limit=k)
        if not hits:
            return Answer(cleaned, NOT_FOUND, (), _not_found_note(index, unmatched), terms, unmatched)
        results = tuple(
            _result(index, rank, hit.passage_id, hit.score, set(terms))
            for rank, hit in enumerate(hits, start=1)
        )
        note = (
            f"Your question was long; I searched its first {MAX_QUESTION_CHARS} characters."
            if truncated
            else None
        )
        return Answer(cleaned, ANSWERED, results, note, terms, unmatched)

    def sources(self, offset: int = 0, limit: int = 20) -> SourcePage:
        """One page of the documents the index holds (for `qabot sources` and /sources)."""
        return list_sources(self.index.documents, offset, limit)

    def section(self, passage_id: int) -> Section:
        """All passages of the section (of the same document) that holds `passage_id`."""
        index = self.index
        anchor = index.passages[passage_id]
        same = tuple(
            p
            for p in index.passages
            if p.doc_id == anchor.doc_id and p.section == anchor.section
        )
        return Section(anchor.title, anchor.section, same)


def _result(index: Index, rank: int, passage_id: int, score: float, wanted: set[str]) -> Result:
    passage = index.passages[passage_id]
    spans = [(t, a, b) for t, a, b in term_spans(passage.text) if t in wanted]
    matched = tuple(dict.fromkeys(t for t, _, _ in spans))
    highlights = tuple(dict.fromkeys((a, b) for _, a, b in spans))
    a, b = _best_sentence(index, passage, spans)
    citation = Citation(
        doc_id=passage.doc_id,
        title=passage.title,
        section=passage.section,
        paragraph=passage.paragraph,
        path=passage.path,
        url=passage.url,
        start=passage.start,
        end=passage.end,
        published=passage.published,
    )
    return Result(
        rank=rank,
        score=score,
        passage_id=passage_id,
        text=passage.text,
        sentence=passage.text[a:b],
        sentence_span=(a, b),
        citation=citation,
        matched=matched,
        highlights=highlights,
    )


def _best_sentence(
    index: Index, passage: Passage, spans: list[tuple[str, int, int]]
) -> tuple[int, int]:
    """The sentence holding the most idf weight of distinct question terms; the first on ties."""
    best, best_weight = passage.sentences[0], -1.0
    for a, b in passage.sentences:
        found = {t for t, s, e in spans if a <= s and e <= b}
        weight = sum(index.idf(t) for t in sorted(found))
        if weight > best_weight:
            best, best_weight = (a, b), weight
    return best


def _titles(index: Index) -> str:
    if len(index.documents) == 1:
        return f"the article “{index.documents[0].title}”"
    return f"the {len(index.documents)} articles I know"


def _topics(index: Index) -> str:
    sections = list(dict.fromkeys(s for d in index.documents for s in d.sections))
    if not sections:
        return ""
    shown = ", ".join(sections[:8]) + (", …" if len(sections) > 8 else "")
    return f" It covers: {shown}."


def _not_found_note(index: Index, unmatched: tuple[str, ...]) -> str:
    missing = f" No passage mentions {', '.join(unmatched[:5])}." if unmatched else ""
    return f"I could not find that in {_titles(index)}.{missing}{_topics(index)}"


def _usage_hint(index: Index) -> str:
    return f"Ask me a question in words about {_titles(index)}.{_topics(index)}"
