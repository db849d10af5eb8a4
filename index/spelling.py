"""Spelling correction of question words against the index's own vocabulary.

pyspellchecker does the work twice over: its English dictionary tells a real word ("write", "born",
"shaw") from a misspelling, so real words are never "corrected"; and a checker loaded with the
index's own words (names included) finds the closest indexed word, one edit away before two (a
swapped pair of letters is one edit), the word found in more passages first.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from spellchecker import SpellChecker

MIN_LENGTH = 4  # shorter words have too many one-edit neighbours to correct safely


def max_edits(word: str) -> int:
    """Edits allowed for a word of this length: one up to six letters, two above."""
    return 1 if len(word) <= 6 else 2


@lru_cache(maxsize=1)
def _english() -> SpellChecker:
    # Loaded on the first unknown question word only: it takes about 0.2 s.
    return SpellChecker(language="en", distance=1)


def is_english_word(word: str) -> bool:
    """True for a word in pyspellchecker's English dictionary."""
    return word in _english()


class Speller:
    """Finds the closest indexed word to a misspelt one."""

    def __init__(self, words: Mapping[str, int]) -> None:
        # words: normalised word -> how many passages hold its stem (the weight of a candidate)
        self._checker = SpellChecker(language=None, distance=2)
        self._checker.word_frequency.load_json(
            {w: max(n, 1) for w, n in words.items() if w.isalpha() and len(w) >= MIN_LENGTH - 1}
        )

    def correct(self, word: str) -> str | None:
        """The best indexed word within the allowed edits of `word`, or None."""
        if len(word) < MIN_LENGTH or not word.isalpha() or is_english_word(word):
            return None
        checker = self._checker
        found = checker.known(checker.edit_distance_1(word))
        if not found and max_edits(word) > 1:
            found = checker.known(checker.edit_distance_2(word))
        if not found:
            return None
        # The word found in most passages; alphabetical order settles ties the same way every run.
        return min(found, key=lambda w: (-checker.word_usage_frequency(w), w))
