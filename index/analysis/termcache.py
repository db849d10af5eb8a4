"""Fast terms for rebuilds: each distinct word is normalised and stemmed once, then looked up.

`tokens.tokenize` does the same per word occurrence; on an archive of a million passages that is
most of the rebuild. The terms are the same by construction (same word pattern, same per-word
normalisation, stopwords and stems); a test checks it on real text.
"""

from __future__ import annotations

import re
from itertools import chain

from . import tokens

_WORD_RE = re.compile(tokens.WORD_PATTERN)


class TermIds(dict[str, tuple[int, ...]]):
    """word -> ids of its terms; ids index `terms`, numbered in the order terms are first met."""

    def __init__(self) -> None:
        super().__init__()
        self.terms: list[str] = []
        self.ids: dict[str, int] = {}
        self.stems: dict[str, str] = {}  # normalised word -> stem, stored in the index
        self.pieces: dict[str, tuple[str, ...]] = {}  # word -> its normalised non-stopword pieces

    def __missing__(self, word: str) -> tuple[int, ...]:
        found: list[int] = []
        pieces = [p for p in tokens.normalize_word(word) if p not in tokens.STOPWORDS]
        self.pieces[word] = tuple(pieces)
        for piece in pieces:
            term = self.stems.get(piece)
            if term is None:
                term = self.stems[piece] = tokens.stem(piece)
            ident = self.ids.get(term)
            if ident is None:
                ident = self.ids[term] = len(self.terms)
                self.terms.append(term)
            found.append(ident)
        ids = tuple(found)
        self[word] = ids
        return ids

    def of(self, text: str) -> list[int]:
        """The term ids of `text`, in order (the ids of `tokens.tokenize(text)`)."""
        return self.of_words(words_of(text))

    def of_words(self, words: list[str]) -> list[int]:
        """The term ids of words found by `words_of`, in order."""
        return list(chain.from_iterable(map(self.__getitem__, words)))

    def stems_of(self, words: set[str]) -> dict[str, str]:
        """normalised word -> stem for the given words (all seen through this cache)."""
        return {p: self.stems[p] for w in words for p in self.pieces.get(w, ())}


def words_of(text: str) -> list[str]:
    """The words of `text`, as `tokens.word_spans` finds them."""
    return _WORD_RE.findall(text)
