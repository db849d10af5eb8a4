"""Spelling correction of question words against the index's own vocabulary.

Two libraries, each for its part: pyspellchecker's English dictionary tells a real word ("write",
"born", "shaw") from a misspelling, so real words are never "corrected"; rapidfuzz finds the indexed
words (names included) within one or two edits, by optimal string alignment distance (a swapped pair
of letters is one edit), in C++ (pyspellchecker's own two-edit search is far too slow for a chat).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

from .wordtable import WordTable

MIN_LENGTH = 4  # shorter words have too many one-edit neighbours to correct safely


def max_edits(word: str) -> int:
    """Edits allowed for a word of this length: one up to five letters, two from six ("tarrif"
    is two edits from "tariff": a doubled letter moved is a common slip)."""
    return 1 if len(word) <= 5 else 2


@lru_cache(maxsize=1)
def _english() -> SpellChecker:
    # Loaded on the first unknown question word only: reading the dictionary is slow.
    return SpellChecker(language="en", distance=1)


def is_english_word(word: str, english: Container[str] | None = None) -> bool:
    """True for a word in pyspellchecker's English dictionary (`english`: the index's cached copy
    of it, english.py, which spares loading the dictionary)."""
    if english is not None:
        return word in english
    return word in _english()


class Speller:
    """Finds the closest indexed word to a misspelt one."""

    def __init__(
        self,
        words: Mapping[str, int] | Iterable[str] | WordTable,
        df: Callable[[str], int] | None = None,
        english: Container[str] | None = None,
    ) -> None:
        if df is None:
            if not isinstance(words, Mapping):
                raise ValueError("without df, words must map each word to its passage count")
            counts = dict(words)

            def df(word: str) -> int:
                return counts.get(word, 0)
        # words: normalised words (or their table, made at build time: wordtable.py), with how
        # many passages hold each (the weight of a candidate) either as a mapping or from
        # `df(word)`, asked only of the few candidates a correction finds: asking it of every word
        # of a million-word vocabulary would delay the first correction.
        self._table = words if isinstance(words, WordTable) else word_table(words)
        self._df = df
        self._english = english
        self._seen: dict[str, str | None] = {}  # users repeat their misspellings

    def correct(self, word: str) -> str | None:
        """The best indexed word within the allowed edits of `word`, or None."""
        if len(word) < MIN_LENGTH or not word.isalpha() or is_english_word(word, self._english):
            return None
        if word not in self._seen:
            if len(self._seen) >= 4096:
                self._seen.clear()
            self._seen[word] = self._closest(word)
        return self._seen[word]

    def _closest(self, word: str) -> str | None:
        edits = max_edits(word)
        near = self._table.near(word, edits)
        found = process.extract(word, near, scorer=OSA.distance, score_cutoff=edits, limit=None)
        if not found:
            return None
        # Fewest edits first, then the word in most passages, then alphabetical (stable every run).
        # Passage counts are asked only of the closest (a dense vocabulary has thousands in reach).
        fewest = min(c[1] for c in found)
        return min((c for c in found if c[1] == fewest), key=lambda c: (-(self._df(c[0]) or 0), c[0]))[0]


def word_table(words: Iterable[str]) -> WordTable:
    """The table of the words a correction may choose among `words`: alphabetic ones, of at least
    MIN_LENGTH - 1 letters (a word within one edit of a four-letter question word)."""
    return WordTable.of(w for w in words if w.isalpha() and len(w) >= MIN_LENGTH - 1)
