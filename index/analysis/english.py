"""English words with their stems, so that question words outside the documents rarely need nltk.

Importing nltk takes longer than a console answer may take (docs/benchmarks.md). pyspellchecker's English
dictionary (128k words) stemmed with nltk's Snowball stemmer is cached next to the index, once per
machine and library version; a question word found there needs no stemmer, and a word missing from
it is not English, which is what the spelling corrector wants to know.

The cache is a sorted "word<TAB>stem" text file searched by bisection in place: reading it whole
into a dict would cost a console question a noticeable wait.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from ..storage import write_bytes
from . import tokens

CACHE_NAME = "english-stems.tsv"


def cache_key() -> str:
    """Changes whenever the words or their stems could change."""
    return f"pyspellchecker {version('pyspellchecker')}; nltk {version('nltk')}; tokenizer {tokens.TOKENIZER_VERSION}"


class EnglishStems:
    """Lookups in the sorted word -> stem table."""

    def __init__(self, data: bytes) -> None:
        first = data.find(b"\n")
        self._data = data
        self._start = first + 1

    def stem(self, word: str) -> str | None:
        """The stem of an English word, None for a word that is not in the dictionary."""
        key = word.encode("utf-8") + b"\t"
        data, lo, hi = self._data, self._start, len(self._data)
        # Bisection over byte positions: each probe moves to the start of the next line.
        while lo < hi:
            mid = (lo + hi) // 2
            line_start = data.rfind(b"\n", self._start - 1, mid) + 1
            line_end = data.find(b"\n", line_start)
            line_end = len(data) if line_end < 0 else line_end
            line = data[line_start:line_end]
            if line.startswith(key):
                return line[len(key):].decode("utf-8")
            if line < key:
                lo = line_end + 1
            else:
                hi = line_start
        return None

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.stem(word) is not None


def load_english(folder: Path) -> EnglishStems:
    """The cached English word -> stem table in `folder`, made first if missing or outdated."""
    path = folder / CACHE_NAME
    key = cache_key()
    try:
        data = path.read_bytes()
        if data.split(b"\n", 1)[0].decode("utf-8") == key:
            return EnglishStems(data)
    except (OSError, UnicodeDecodeError):
        pass
    table = _stem_dictionary()
    lines = [key.encode("utf-8")] + sorted(f"{w}\t{s}".encode() for w, s in table.items())
    data = b"\n".join(lines) + b"\n"
    try:
        write_bytes(path, data)
    except OSError:
        pass  # a read-only folder: answer from memory, make the table again next time
    return EnglishStems(data)


def _stem_dictionary() -> dict[str, str]:
    from spellchecker import SpellChecker

    words = SpellChecker(language="en", distance=1).word_frequency.dictionary
    table: dict[str, str] = {}
    for word in sorted(words):
        for piece in tokens.normalize_word(word):
            if piece not in tokens.STOPWORDS and piece not in table:
                table[piece] = tokens.stem(piece)
    return table
