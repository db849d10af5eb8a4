"""Question -> Answer: ranked passages, the best sentence of each, citations. No rendering."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index import Index, Passage, SourcePage, list_sources, term_spans
from index.query import Query, parse_question

from .answer_types import expected_type, holds_type

DEFAULT_K = 3
MAX_RESULTS = 50  # a result set never holds more than this many passages
MAX_QUESTION_CHARS = 1000  # longer questions are cut: a 4,000-character message must not stall

# The confidence gate, calibrated on docs/eval/article.jsonl (see `qabot eval`): below the first
# figure the answer is "not found"; below the second it is shown with a low-confidence notice.
NOT_FOUND_BELOW = 0.10
LOW_CONFIDENCE_BELOW = 0.40

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
    corrections: tuple[tuple[str, str], ...] = ()  # (word as written, word searched instead)
    confidence: float = 0.0  # 0..1: share of the question's weight the top passage covers
    low_confidence: bool = False  # answered, but the evidence is thin: say so
    words: dict[str, str] = field(default_factory=dict)  # term -> the question's word for it

    @property
    def showing_results_for(self) -> str | None:
        """"Showing results for ..." when a misspelt word was corrected, else None."""
        if not self.corrections:
            return None
        fixed = ", ".join(f"{right} (not {wrong})" for wrong, right in self.corrections)
        return f"Showing results for {fixed}."

    @property
    def why(self) -> str | None:
        """For a low-confidence answer: which words of the question the article does not hold."""
        if not (self.low_confidence and self.results):
            return None
        if self.unmatched:
            return f"Not sure this answers it: the article does not mention {', '.join(self.unmatched[:6])}."
        missing = [self.words.get(t, t) for t in self.terms if t not in self.results[0].matched]
        if missing:
            return f"Not sure this answers it: the best passage does not mention {', '.join(missing[:6])}."
        return "Not sure this answers it: the best passage matches only part of the question."

    def notices(self) -> list[str]:
        """Every line a front end shows above the results: correction, note, low-confidence why."""
        return [n for n in (self.showing_results_for, self.note, self.why) if n]


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

    def answer(self, question: str, k: int = DEFAULT_K, gate: bool = True) -> Answer:
        """The best `k` passages for `question` (k is capped at MAX_RESULTS). With `gate` off, an
        answer is given whenever any passage matches (benchmarks measure ranking that way)."""
        index = self.index  # one read: a reload swapping self.index mid-answer cannot mix indexes
        if not isinstance(question, str):
            raise TypeError(f"answer() takes a str question, not {type(question).__name__}")
        k = max(1, min(int(k), MAX_RESULTS))
        cleaned = clean_question(question)
        truncated = len(cleaned) > MAX_QUESTION_CHARS
        cleaned = _cut_question(cleaned)
        query = parse_question(cleaned, index)
        terms = query.terms
        if not terms:
            return Answer(cleaned, NO_QUESTION, (), _usage_hint(index), (), ())
        hits = index.search(query.weights, limit=k)
        confidence = _confidence(index, query, hits[0].passage_id) if hits else 0.0
        wanted = expected_type(cleaned)
        wrong_type = bool(hits) and wanted is not None and not holds_type(
            index.passages[hits[0].passage_id].text, wanted
        )
        if not hits or (gate and (confidence < NOT_FOUND_BELOW or wrong_type)):
            note = _not_found_note(index, query.unmatched, wanted if wrong_type else None)
            return Answer(
                cleaned, NOT_FOUND, (), note, terms, query.unmatched, query.corrections, confidence,
                words=query.words,
            )
        results = tuple(
            _result(index, rank, hit.passage_id, hit.score, query)
            for rank, hit in enumerate(hits, start=1)
        )
        note = (
            f"Your question was long; I searched its first {MAX_QUESTION_CHARS} characters."
            if truncated
            else None
        )
        return Answer(
            cleaned, ANSWERED, results, note, terms, query.unmatched, query.corrections,
            confidence, gate and confidence < LOW_CONFIDENCE_BELOW, query.words,
        )

    def sources(self, offset: int = 0, limit: int = 20) -> SourcePage:
        """One page of the documents the index holds (for `qabot sources` and /sources)."""
        return list_sources(self.index.documents, offset, limit)

    def section(self, passage_id: int) -> Section:
        """The passages of the section around `passage_id`: its neighbours in the same document
        under the same heading (passages are stored in document order, so this reads only the
        section, not the whole index)."""
        index = self.index
        passages = index.passages
        anchor = passages[passage_id]

        def same(i: int) -> bool:
            p = passages[i]
            return p.doc_id == anchor.doc_id and p.section == anchor.section

        first = passage_id
        while first > 0 and same(first - 1):
            first -= 1
        last = passage_id
        while last + 1 < len(passages) and same(last + 1):
            last += 1
        return Section(anchor.title, anchor.section, tuple(passages[i] for i in range(first, last + 1)))


def _result(index: Index, rank: int, passage_id: int, score: float, query: Query) -> Result:
    passage = index.passages[passage_id]
    wanted = set(query.weights)
    spans = [(t, a, b) for t, a, b in term_spans(passage.text) if t in wanted]
    matched = tuple(index.matched_terms(passage_id, query.weights))
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


def _confidence(index: Index, query: Query, passage_id: int) -> float:
    """Share of the question's idf weight that the passage covers; an acronym and its expansion
    count as one concept, and a word no passage holds weighs as much as the rarest indexed word."""
    held = set(index.matched_terms(passage_id, query.weights))
    concepts: list[tuple[float, bool]] = []
    grouped: set[str] = set()
    for acronym, expansion in query.expansions:
        members = {acronym, *expansion}
        grouped |= members
        covered = acronym in held or all(t in held for t in expansion)
        concepts.append((index.idf(acronym), covered))
    unknown = index.max_idf()
    for term in query.terms:
        if term in grouped:
            continue
        weight = index.idf(term) if term in index.vocabulary else unknown
        concepts.append((weight, term in held))
    total = sum(w for w, _ in concepts)
    return sum(w for w, covered in concepts if covered) / total if total else 0.0


def _cut_question(question: str) -> str:
    """The first MAX_QUESTION_CHARS characters, cut at a word boundary: a word cut in half would be
    searched (and reported as not found) as a word of its own."""
    if len(question) <= MAX_QUESTION_CHARS:
        return question
    space = question.rfind(" ", 0, MAX_QUESTION_CHARS + 1)
    return question[: space if space > 0 else MAX_QUESTION_CHARS].rstrip()


def _titles(index: Index) -> str:
    if len(index.documents) == 1:
        return f"the article “{index.documents[0].title}”"
    return f"the {len(index.documents)} articles I know"


def _listing(items: list[str], shown: int) -> str:
    """`a, b and c`; past `shown` items, `a, b, c and 5 more`."""
    if len(items) > shown:
        return f"{', '.join(items[:shown])} and {len(items) - shown} more"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _topics(index: Index) -> str:
    """One article: its section headings. Several: the articles' titles (a few, then how many more)."""
    documents = index.documents
    if len(documents) > 1:
        return f" They include {_listing([f'“{d.title}”' for d in documents], 3)}."
    sections = list(documents[0].sections) if documents else []
    return f" It covers: {_listing(sections, 8)}." if sections else ""


def _not_found_note(index: Index, unmatched: tuple[str, ...], wanted: str | None = None) -> str:
    """One sentence saying so (and why, when the reason is known), then what the articles cover."""
    words = [f"“{w}”" for w in unmatched[:5]]
    if words:
        joined = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
        verb = "does" if len(index.documents) == 1 else "do"
        why = f": {'it' if verb == 'does' else 'they'} {verb} not mention {joined}"
    elif wanted is not None:
        why = f": the closest passage gives no {wanted}"
    else:
        why = ""
    return f"I could not find that in {_titles(index)}{why}.{_topics(index)}"


def _usage_hint(index: Index) -> str:
    return f"Ask me a question in words about {_titles(index)}.{_topics(index)}"
