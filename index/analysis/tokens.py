"""One text -> terms function, used for passages and questions alike."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Protocol

# Bump when the terms produced for a text change: an index built with another version is rebuilt.
TOKENIZER_VERSION = 3

# Invisible "format" characters (zero-width space/joiners, soft hyphen, BOM) may sit inside a word;
# they are part of the word here and removed during normalisation.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_APOSTROPHES = "'\u2019\u02bc\u2018`\u00b4"
# A word: letters/digits (plus invisible characters), apostrophe-joined parts ("Biden's"), and a
# bracketed single letter or digit after a number, so that "287(g)" is one word, like "287g".
WORD_PATTERN = (
    rf"[\w{_INVISIBLE}]+(?:[{_APOSTROPHES}][\w{_INVISIBLE}]+)*(?:(?<=\d)\([^\W_]\))?"
)
_PIECES = re.compile(r"[^\W_]+")
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_POSSESSIVE = re.compile(r"'s$")


def _load_stopwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


STOPWORDS = _load_stopwords()

class EnglishLookup(Protocol):
    """english.EnglishStems, as seen from here."""

    def stem(self, word: str) -> str | None: ...

    def __contains__(self, word: object) -> bool: ...


@lru_cache(maxsize=1)
def _snowball() -> Callable[[str], str]:
    # Imported lazily (importing nltk is slow; see docs/benchmarks.md): see Analyzer. SnowballStemmer("english")
    # needs no downloaded data
    # (only ignore_stopwords=True would load the stopwords corpus).
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("english").stem


@lru_cache(maxsize=100_000)
def _stem_uncached(word: str) -> str:
    return _snowball()(word)


def load_stemmer() -> None:
    """Import nltk's stemmer now rather than on the first unknown word (long-running servers)."""
    _snowball()


def stem(word: str) -> str:
    """The Snowball (Porter2) stem of one normalised word."""
    return _stem_uncached(word)


@lru_cache(maxsize=1 << 16)
def normalize_word(word: str) -> tuple[str, ...]:
    """NFKC, case folding, plain apostrophes, invisible characters and "(g)" brackets removed.

    Cached: the same few thousand words make up most text, and answers re-read their passages."""
    text = unicodedata.normalize("NFKC", word).casefold()
    text = _INVISIBLE_RE.sub("", text)
    for mark in _APOSTROPHES[1:]:
        text = text.replace(mark, "'")
    text = _POSSESSIVE.sub("", text).replace("'", "").replace("(", "").replace(")", "")
    # NFKC can turn one character into several (for example "½" -> "1⁄2"); keep word pieces only.
    return tuple(_PIECES.findall(text))


# Word spans come from this one expression. nltk's RegexpTokenizer(WORD_PATTERN) gives the same
# spans (a test checks it), but it sits behind `import nltk`, which console questions avoid.
_WORD_RE = re.compile(WORD_PATTERN)


def word_spans(text: str) -> list[tuple[int, int]]:
    """Start and end of every word in `text`."""
    return [m.span() for m in _WORD_RE.finditer(text)]


def word_pieces(text: str) -> list[tuple[str, int, int]]:
    """Every normalised non-stopword word of `text` with its span, before stemming."""
    if not isinstance(text, str):
        raise TypeError(f"expected a str, not {type(text).__name__}")
    out: list[tuple[str, int, int]] = []
    for start, end in word_spans(text):
        for piece in normalize_word(text[start:end]):
            if piece not in STOPWORDS:
                out.append((piece, start, end))
    return out


def term_spans(text: str) -> list[tuple[str, int, int]]:
    """Every term of `text` with the character span of the word it came from."""
    return _PLAIN.term_spans(text)


def tokenize(text: str) -> list[str]:
    """Turn text into search terms: normalised, stopwords dropped, Snowball-stemmed."""
    return _PLAIN.tokenize(text)


def words_and_stems(text: str) -> dict[str, str]:
    """Every normalised non-stopword word of `text` with its stem (stored in the index)."""
    return {piece: stem(piece) for piece, _, _ in word_pieces(text)}


class Analyzer:
    """Text -> terms as one index sees them: the same terms as `tokenize`, but stems are looked up
    first in the index's own word -> stem table and its English table (english.py), so questions
    made of known words never import nltk. Owned by the index: a second index loaded in the same
    process has its own."""

    def __init__(self, stems: Mapping[str, str] | None = None, english: EnglishLookup | None = None) -> None:
        self._stems: Mapping[str, str] = stems or {}
        self._english = english
        # Answers re-read passages word by word (highlights, best sentence): one lookup per word.
        self._word_terms = lru_cache(maxsize=1 << 16)(self._terms_of_word)

    def use_english(self, table: EnglishLookup) -> None:
        """Also take stems from this English word table before asking nltk."""
        self._english = table
        self._word_terms.cache_clear()

    def stem(self, word: str) -> str:
        """The Snowball stem of one normalised word (from the tables when they know it)."""
        known = self._stems.get(word)
        if known is None and self._english is not None:
            known = self._english.stem(word)
        return known if known is not None else _stem_uncached(word)

    def in_documents(self, word: str) -> bool:
        """Whether the index's documents use `word` (as normalised)."""
        return word in self._stems

    def is_known(self, word: str) -> bool:
        """Whether the stem of `word` is known without nltk."""
        return word in self._stems or (self._english is not None and word in self._english)

    def tokenize(self, text: str) -> list[str]:
        """`tokenize(text)`, with this index's stem tables."""
        return [self.stem(piece) for piece, _, _ in word_pieces(text)]

    def term_spans(self, text: str) -> list[tuple[str, int, int]]:
        """`term_spans(text)`, with this index's stem tables."""
        out: list[tuple[str, int, int]] = []
        for match in _WORD_RE.finditer(text):
            terms = self._word_terms(match.group())
            if terms:
                start, end = match.span()
                out.extend((term, start, end) for term in terms)
        return out

    def _terms_of_word(self, word: str) -> tuple[str, ...]:
        return tuple(self.stem(piece) for piece in normalize_word(word) if piece not in STOPWORDS)


# Building an index tokenizes with no stem tables (nltk is loaded for it anyway); never given any.
_PLAIN = Analyzer()
