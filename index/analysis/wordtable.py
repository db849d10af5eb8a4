"""The words a spelling correction may choose, laid out so that one correction reads a small part.

Words sorted by length, their UTF-8 bytes in one blob with offsets, and per word a 32-bit
letter-presence mask: a-z one bit each, any other character one of six bits by its code point.
One edit changes which characters a word holds by at most two (a substitution: one gone, one new;
an insertion or deletion: one, and the length by one; a transposition: none), and so at most two
bits of the mask. A word within n edits of a question word therefore has a length within n of it
and popcount(mask ^ question mask) + |length difference| <= 2n: numpy checks that over the words of
the few lengths in reach, and only the survivors (a few hundred of a million) are compared letter
by letter (spelling.py). The arrays are plain numbers: an archive stores them at build time and maps
them at load (docs/archive.md), so its first correction builds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

# The layout's version: masks stored by one qabot must be what this one computes for a question.
WORDTABLE_VERSION = 1
# Array names in an archive folder (archive_store.py).
ARRAY_NAMES = ("spell_text", "spell_offsets", "spell_masks", "spell_starts")
_OTHER_BITS = 6  # characters outside a-z share bits 26..31


@dataclass(frozen=True)
class WordTable:
    """Words by length: UTF-8 bytes, offsets, letter masks, and where each length starts."""

    text: np.ndarray  # uint8: the words' bytes, one after another
    offsets: np.ndarray  # int64, words + 1: word i is text[offsets[i]:offsets[i + 1]]
    masks: np.ndarray  # uint32, one per word
    starts: np.ndarray  # int64: the words of length L are starts[L]..starts[L + 1] - 1

    @classmethod
    def of(cls, words: Iterable[str]) -> WordTable:
        """The table of `words` (each taken once, empty ones left out), by length, in their own
        order within a length (a correction's choice does not depend on it)."""
        unique = list(dict.fromkeys(w for w in words if w))
        lengths = np.fromiter(map(len, unique), dtype=np.int64, count=len(unique))
        # numpy's stable sort by length alone: a million (length, word) keys took seconds.
        order = np.argsort(lengths, kind="stable")
        lengths = lengths[order]
        joined = "".join([unique[i] for i in order.tolist()])
        points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        firsts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=firsts[1:])
        # Each word's UTF-8 size from its code points: one encoding of all words, no per-word bytes.
        widths = 1 + (points >= 0x80).astype(np.int32) + (points >= 0x800) + (points >= 0x10000)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        if len(lengths):
            np.cumsum(np.add.reduceat(widths, firsts), out=offsets[1:])
        longest = int(lengths[-1]) if len(lengths) else 0
        return cls(
            text=np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8),
            offsets=offsets,
            masks=_masks(points, firsts),
            starts=np.searchsorted(lengths, np.arange(longest + 2)).astype(np.int64),
        )

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> WordTable:
        """The table stored as ARRAY_NAMES (checked for shape and type, not read through)."""
        text, offsets, masks, starts = (arrays[name] for name in ARRAY_NAMES)
        if (text.dtype != np.uint8 or offsets.dtype != np.int64 or masks.dtype != np.uint32
                or starts.dtype != np.int64 or len(offsets) != len(masks) + 1 or len(starts) < 2
                or int(starts[-1]) != len(masks) or int(offsets[-1]) != len(text)):
            raise ValueError("the spelling table's arrays do not fit together")
        return cls(text, offsets, masks, starts)

    def arrays(self) -> dict[str, np.ndarray]:
        """The table as ARRAY_NAMES -> array, for storing."""
        return dict(zip(ARRAY_NAMES, (self.text, self.offsets, self.masks, self.starts), strict=True))

    def __len__(self) -> int:
        return len(self.masks)

    def near(self, word: str, edits: int) -> list[str]:
        """The words that may be within `edits` edits of `word` (a superset: OSA decides)."""
        size = len(word)
        points = np.frombuffer(word.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        mask = int(_masks(points, np.zeros(1, dtype=np.int64))[0]) if size else 0
        found: list[str] = []
        for length in range(max(size - edits, 0), min(size + edits, len(self.starts) - 2) + 1):
            a, b = int(self.starts[length]), int(self.starts[length + 1])
            if a >= b:
                continue
            budget = 2 * edits - abs(length - size)
            hits = np.flatnonzero(np.bitwise_count(self.masks[a:b] ^ np.uint32(mask)) <= budget) + a
            found.extend(self._word(i) for i in hits.tolist())
        return found

    def _word(self, i: int) -> str:
        # "replace": a damaged table gives a word no index holds (never chosen), not an error.
        return bytes(self.text[self.offsets[i]:self.offsets[i + 1]]).decode("utf-8", "replace")


def _masks(points: np.ndarray, firsts: np.ndarray) -> np.ndarray:
    """Each word's letter mask, from all words' code points and where each word starts in them."""
    if len(firsts) == 0:
        return np.zeros(0, dtype=np.uint32)
    letter = (points >= 97) & (points <= 122)
    bits = np.where(letter, points - 97, 26 + points % _OTHER_BITS).astype(np.uint32)
    # No word is empty (reduceat would give an empty word its next character's bit).
    return np.bitwise_or.reduceat(np.left_shift(np.uint32(1), bits), firsts).astype(np.uint32)
