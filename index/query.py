"""A question -> weighted search terms: spelling corrected, acronyms and expansions added."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rapidfuzz.distance import OSA

from .analysis.acronyms import spelled_out, with_acronyms
from .analysis.function_words import function_words
from .analysis.tokens import STOPWORDS, word_pieces, word_spans

if TYPE_CHECKING:
    from .engine import Engine

MAX_TERMS = 32  # distinct terms searched at most, so a huge question cannot stall the process
# A question word no passage holds that may be an acronym the articles only spell out: 2-5 letters
# ("NYU", "mnras" as readers type it); longer unknown words are names or misspellings.
_ACRONYM_SHAPED = re.compile(r"[A-Za-z]{2,5}")
# Units a reader types in lower case: "km per second" asks about kilometres, not "Kevin McAleenan".
UNITS = frozenset(
    "km kms kg kgs cm mm nm mg ml mph kph kmh kwh mwh gwh kw mw gw hz khz mhz ghz gb mb kb tb lb lbs oz ft "
    "yd sq cc".split()
)
# A name misspelt as another word ("paul tory" for Paul Torrey) is at most this many edits away.
NAME_EDITS = 2
_NAME = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"  # "Torrey", "Contreras-Arroyo"; a possessive "’s" stays outside


@dataclass(frozen=True)
class Query:
    """The terms to search for, with weights, and what was done to the question to get them."""

    weights: dict[str, float]  # term -> weight, in question order
    words: dict[str, str]  # term -> the question's word it stands for (as the user wrote it)
    corrections: tuple[tuple[str, str], ...]  # (word as written, indexed word used instead)
    expansions: tuple[tuple[str, tuple[str, ...]], ...]  # (acronym term, expansion terms) used
    unmatched: tuple[str, ...]  # question words that no passage holds
    # (acronym as written, the words a passage spells it out with): "NYU" read as "New York University"
    spelled: tuple[tuple[str, str], ...] = ()
    # (word as written, the name it was read as): "tory" beside "paul" read as "Torrey"
    names: tuple[tuple[str, str], ...] = ()
    # Function words of another language dropped ("qué", "el"): the question is in that language.
    foreign: int = 0

    @property
    def terms(self) -> tuple[str, ...]:
        """The question's own terms (after correction), without added expansions."""
        return tuple(self.words)

    def borrowing(self, terms: tuple[str, ...], weight: float) -> Query:
        """This query with another question's `terms` added at `weight` (a follow-up question
        leaning on the previous one); terms it already has keep their own weight."""
        weights = dict(self.weights)
        words = dict(self.words)
        for term in terms:
            if term not in weights:
                weights[term] = weight
                words[term] = term
        return replace(self, weights=weights, words=words)


def parse_question(text: str, index: Engine) -> Query:
    """Turn a question into a Query against `index`."""
    weights: dict[str, float] = {}
    words: dict[str, str] = {}
    corrections: list[tuple[str, str]] = []
    unmatched: list[str] = []
    analyzer = index.analyzer
    pieces = word_pieces(text)
    foreign = _foreign_words(pieces, text, index)
    for piece, start, end in pieces:
        if len(words) >= MAX_TERMS:
            break
        if piece in foreign:
            continue  # "¿quién es el nuevo secretario?": "quién", "el" are not words an answer lacks
        if not analyzer.is_known(piece):
            index.know_english()
        written = text[start:end]
        # A word in neither the documents nor the English dictionary is first tried as a misspelling
        # of an indexed word (whose stem is known): only a word that is not one needs nltk's stemmer.
        better = None if analyzer.is_known(piece) else index.correct(piece)
        if better is not None and analyzer.stem(better) in index.vocabulary:
            corrections.append((written, better))
            term = analyzer.stem(better)
        else:
            term = analyzer.stem(piece)
            if term not in index.vocabulary and term not in words:
                unmatched.append(written)
        if term not in words:
            words[term] = written
            weights[term] = 1.0
    expansions = _add_acronyms(weights, index)
    dropped = sum(1 for piece, _, _ in pieces if piece in foreign)
    return Query(weights, words, tuple(dict.fromkeys(corrections)), expansions, tuple(unmatched), foreign=dropped)


def _foreign_words(pieces: list[tuple[str, int, int]], text: str, index: Engine) -> frozenset[str]:
    """The question's function words of another language (function_words.py), when it reads as
    written in one: two such words ("qué", "los"), or one where at least half of the words the
    documents do not use are not English ("cuantos medicos firmaron"). An English question keeps
    its one look-alike: "tariffs on eu goods" is about the EU, not the Portuguese "eu" (I). Words
    the documents use, or written in capitals ("EU"), are never dropped."""
    analyzer = index.analyzer
    listed = function_words()
    found = {
        piece for piece, start, end in pieces
        if piece in listed and not analyzer.in_documents(piece) and not text[start:end].isupper()
        and not text[:start].endswith(".")  # "workpermit.com"
    }
    if not found:
        return frozenset()
    if len(found) == 1:
        # Names the documents use ("Mayorkas", "ICE") say nothing of the question's language.
        others = [piece for piece, _, _ in pieces if piece not in found and not analyzer.in_documents(piece)]
        index.know_english()
        if not others or sum(1 for piece in others if not analyzer.is_known(piece)) * 2 < len(others):
            return frozenset()
    return frozenset(found)


def _add_acronyms(weights: dict[str, float], index: Engine) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A spelled-out expansion in the question also searches its acronym, which the index adds to
    passages that spell it out too; the expansion's words then share one unit of weight, so the
    concept counts once, not once per word."""
    used: list[tuple[str, tuple[str, ...]]] = []
    order = list(weights)
    for acronym, expansion in _relevant_acronyms(order, index):
        if acronym in weights:
            used.append((acronym, expansion))
            continue
        if with_acronyms(order, {acronym: expansion}) == order:
            continue
        for term in expansion:
            weights[term] = 1.0 / len(expansion)
        weights[acronym] = 1.0
        used.append((acronym, expansion))
    return tuple(used)


def _relevant_acronyms(order: list[str], index: Engine) -> list[tuple[str, tuple[str, ...]]]:
    """The index's acronyms (in its order) that the loop above can use for these terms: those the
    question names, those whose expansion starts with one of its terms, and acronyms among those
    expansions (they join the weights on the way). The others change nothing, and an archive
    learns thousands of acronyms: checking them all cost milliseconds a question."""
    table = index.acronym_table
    found = {table.position[t] for t in order if t in table.position}
    for term in order:
        for position in table.by_first.get(term, ()):
            found.add(position)
            _, expansion = table.items[position]
            found.update(table.position[t] for t in expansion if t in table.position)
    return [table.items[p] for p in sorted(found)]


def with_spelled_out(query: Query, index: Engine, texts: Iterable[str]) -> Query:
    """`query` with each acronym-shaped word that no passage holds ("NYU") linked to the capitalised
    words with its initials that one of `texts` (the first search's passages) holds ("New York
    University"): those words are searched, sharing the acronym's weight, and it is no longer
    unmatched. `query` itself when there is nothing to link."""
    # Written in capitals, or not an English word or a unit: "nyu" may be NYU, "pay" is not PAY,
    # "km" is not KM.
    analyzer = index.analyzer
    wanted = [
        w for w in query.unmatched
        if _ACRONYM_SHAPED.fullmatch(w)
        and (w.isupper() or not (analyzer.is_known(w.lower()) or w.lower() in UNITS))
    ]
    if not wanted:
        return query
    found: dict[str, str] = {}
    for text in texts:
        for word in wanted:
            # Its capitals must all be in the text before a phrase with those initials can be.
            capitals = word.upper()
            if word in found or not all(c in text for c in capitals):
                continue
            if (words := spelled_out(text, capitals)) is not None:
                found[word] = words
        if len(found) == len(wanted):
            break
    if not found:
        return query
    weights = dict(query.weights)
    expansions = list(query.expansions)
    linked: dict[str, str] = {}
    tokenize = index.analyzer.tokenize
    for word, words in found.items():
        acronym = tokenize(word)
        expansion = tuple(t for t in dict.fromkeys(tokenize(words)) if t not in weights)
        if len(acronym) != 1 or not expansion:
            continue
        for term in expansion:
            weights[term] = 1.0 / len(expansion)
        expansions.append((acronym[0], expansion))
        linked[word] = words
    if not linked:
        return query
    unmatched = tuple(w for w in query.unmatched if w not in linked)
    return replace(
        query, weights=weights, expansions=tuple(expansions), unmatched=unmatched, spelled=tuple(linked.items())
    )


def with_names_corrected(query: Query, question: str, index: Engine, texts: Iterable[str]) -> Query:
    """`query` with a question word that no passage holds, written beside a word that one of
    `texts` writes beside a capitalised word within NAME_EDITS edits of it, read as that word:
    "paul tory" -> Paul Torrey, "laurence white" -> Lawrence White. The spelling corrector leaves
    such words alone because they are English; the name beside them is the evidence. `query`
    itself when there is nothing to correct."""
    unmatched = {w for w in query.unmatched if w.isalpha() and len(w) >= 3}
    if not unmatched:
        return query
    words = [question[a:b] for a, b in word_spans(question)]
    # (misspelt word, the word beside it, whether the name follows that word in the text)
    # The word beside it must say something ("paul", "white"): "the" stands beside every name.
    pairs = [
        (w, words[j], j < i)
        for i, w in enumerate(words)
        if w in unmatched
        for j in (i - 1, i + 1)
        if 0 <= j < len(words) and words[j] not in unmatched and words[j].lower() not in STOPWORDS
    ]
    if not pairs:
        return query
    # The name as the text writes it, beside the question's other word (which may be in any case).
    patterns = [
        (w, re.compile(rf"(?i:\b{re.escape(n)})\s+({_NAME})" if after else rf"\b({_NAME})\s+(?i:{re.escape(n)}\b)"))
        for w, n, after in pairs
    ]
    found: dict[str, str] = {}
    for text in texts:
        for word, pattern in patterns:
            for match in pattern.finditer(text) if word not in found else ():
                # Misspelt names keep their first letter (tory/Torrey, laurence/Lawrence, aroyo/Arroyo).
                name = match.group(1)
                a, b = word.lower(), name.lower()
                if a != b and a[0] == b[0] and OSA.distance(a, b) <= NAME_EDITS:
                    found[word] = name
                    break
        if len(found) == len(unmatched):
            break
    stem = index.analyzer.stem
    fixed = {w: n for w, n in found.items() if stem(n.lower()) in index.vocabulary}
    if not fixed:
        return query
    weights: dict[str, float] = {}
    written: dict[str, str] = {}
    for term, weight in query.weights.items():
        word = query.words.get(term, "")
        searched = stem(fixed[word].lower()) if word in fixed else term
        weights.setdefault(searched, weight)
        if term in query.words:
            written.setdefault(searched, word)
    corrections = (*query.corrections, *fixed.items())
    unmatched_left = tuple(w for w in query.unmatched if w not in fixed)
    return replace(
        query, weights=weights, words=written, corrections=corrections, unmatched=unmatched_left,
        names=tuple(fixed.items()),
    )
