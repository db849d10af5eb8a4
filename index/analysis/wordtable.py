"""The words a spelling correction may choose, laid out so that one correction reads a small part.

Words sorted by length (ASCII ones first within a length), their UTF-8 bytes in one blob with
offsets, and per word a 32-bit letter-presence mask: a-z one bit each, any other character one of
six bits by its code point. One edit changes which characters a word holds by at most two (a
substitution: one gone, one new; an insertion or deletion: one, and the length by one; a
transposition: none), and so at most two bits of the mask. A word within n edits of a question
word therefore has a length within n of it and popcount(mask ^ question mask) + |length
difference| <= 2n: numpy checks that over the words of the few lengths in reach, then a check of
letter positions (`_aligned`) over the ASCII ones, and only the survivors are compared letter by
letter (spelling.py). The arrays are plain numbers: an archive stores them at build time and maps
them at load (docs/archive.md), so its first correction builds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

# The layout's version: masks stored by one qabot must be what this one computes for a question.
WORDTABLE_VERSION = 1
# Array names in an archive folder (archive_store.py).
ARRAY_NAMES = ("spell_text", "spell_offsets", "spell_masks", "spell_starts", "spell_ascii")
_OTHER_BITS = 6  # characters outside a-z share bits 26..31


@dataclass(frozen=True)
class WordTable:
    """Words by length: UTF-8 bytes, offsets, letter masks, and where each length starts."""

    text: np.ndarray  # uint8: the words' bytes, one after another
    offsets: np.ndarray  # int64, words + 1: word i is text[offsets[i]:offsets[i + 1]]
    masks: np.ndarray  # uint32, one per word
    starts: np.ndarray  # int64: the words of length L are starts[L]..starts[L + 1] - 1
    ascii_ends: np.ndarray  # int64: of those, starts[L]..ascii_ends[L] - 1 are ASCII (L bytes each)

    @classmethod
    def of(cls, words: Iterable[str]) -> WordTable:
        """The table of `words` (each taken once, empty ones left out), by length, and within a
        length the ASCII words first, each part in the words' own order (a correction's choice
        does not depend on it)."""
        unique = list(dict.fromkeys(w for w in words if w))
        lengths = np.fromiter(map(len, unique), dtype=np.int64, count=len(unique))
        wide = np.fromiter((not w.isascii() for w in unique), dtype=np.int64, count=len(unique))
        # numpy's stable sort by (length, ASCII or not): a million (length, word) keys took seconds.
        keys = 2 * lengths + wide
        order = np.argsort(keys, kind="stable")
        keys, lengths = keys[order], lengths[order]
        joined = "".join([unique[i] for i in order.tolist()])
        points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        firsts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=firsts[1:])
        # Each word's UTF-8 size from its code points: one encoding of all words, no per-word bytes.
        widths = 1 + (points >= 0x80).astype(np.int32) + (points >= 0x800) + (points >= 0x10000)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        if len(lengths):
            np.cumsum(np.add.reduceat(widths, firsts), out=offsets[1:])
        bounds = 2 * np.arange((int(lengths[-1]) if len(lengths) else 0) + 2)
        return cls(
            text=np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8),
            offsets=offsets,
            masks=_masks(points, firsts),
            starts=np.searchsorted(keys, bounds).astype(np.int64),
            ascii_ends=np.searchsorted(keys, bounds + 1).astype(np.int64),
        )

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> WordTable:
        """The table stored as ARRAY_NAMES (checked for shape and type, not read through)."""
        text, offsets, masks, starts, ascii_ends = (arrays[name] for name in ARRAY_NAMES)
        if (text.dtype != np.uint8 or offsets.dtype != np.int64 or masks.dtype != np.uint32
                or starts.dtype != np.int64 or ascii_ends.dtype != np.int64 or len(offsets) != len(masks) + 1
                or len(starts) < 2 or len(ascii_ends) != len(starts)
                or int(starts[-1]) != len(masks) or int(offsets[-1]) != len(text)):
            raise ValueError("the spelling table's arrays do not fit together")
        return cls(text, offsets, masks, starts, ascii_ends)

    def arrays(self) -> dict[str, np.ndarray]:
        """The table as ARRAY_NAMES -> array, for storing."""
        return dict(zip(ARRAY_NAMES, (self.text, self.offsets, self.masks, self.starts, self.ascii_ends), strict=True))

    def __len__(self) -> int:
        return len(self.masks)

    def near(self, word: str, edits: int) -> list[str]:
        """The words that may be within `edits` edits of `word` (a superset: OSA decides)."""
        size = len(word)
        points = np.frombuffer(word.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        mask = np.uint32(_masks(points, np.zeros(1, dtype=np.int64))[0] if size else 0)
        found: list[str] = []
        for length in range(max(size - edits, 1), min(size + edits, len(self.starts) - 2) + 1):
            a, e, b = int(self.starts[length]), int(self.ascii_ends[length]), int(self.starts[length + 1])
            budget = 2 * edits - abs(length - size)
            if e > a:
                hits = np.flatnonzero(np.bitwise_count(self.masks[a:e] ^ mask) <= budget)
                found.extend(self._aligned(a, e, length, hits, points, edits, budget))
            if b > e:
                hits = np.flatnonzero(np.bitwise_count(self.masks[e:b] ^ mask) <= budget) + e
                found.extend(self._word(i) for i in hits.tolist())
        return found

    def _aligned(self, a: int, e: int, length: int, hits: np.ndarray, points: np.ndarray, edits: int,
                 budget: int) -> list[str]:
        """Of the ASCII words a + hits (all of `length` bytes), those passing the position check.

        Within n edits, every letter of one word that is not inserted or substituted is found in the
        other within n places of its own position (insertions, deletions and transpositions move
        letters by one place each), so at most n letters of either word miss that window; and as
        the masks' count, the misses of both words with the length difference are at most 2n (an
        insertion or deletion: one miss and one of length; a substitution: a miss in each). Dense
        vocabularies (reference codes: "ref" and five letters) pass the mask check by the hundred
        thousand; this check leaves a few thousand, with one comparison per (position, place)."""
        if len(hits) == 0:
            return []
        first = int(self.offsets[a])
        block = self.text[first:first + (e - a) * length]
        if len(block) != (e - a) * length:  # a damaged table: no position check
            return [self._word(a + int(i)) for i in hits]
        columns = block.reshape(-1, length)[hits].T.copy()  # one row per position: compared whole
        word_missing = np.zeros(len(hits), dtype=np.int32)
        question_missing = np.zeros(len(hits), dtype=np.int32)
        near_question = [np.zeros(len(hits), dtype=bool) for _ in range(len(points))]
        for j in range(length):
            near_word = np.zeros(len(hits), dtype=bool)
            for k in range(max(j - edits, 0), min(j + edits + 1, len(points))):
                if points[k] < 128:  # other characters are never in an ASCII word
                    same = columns[j] == np.uint8(points[k])
                    near_word |= same
                    near_question[k] |= same
            word_missing += ~near_word
        for near in near_question:
            question_missing += ~near
        kept = columns.T[(word_missing <= edits) & (question_missing <= edits)
                         & (word_missing + question_missing <= budget)]
        joined = kept.tobytes().decode("ascii", "replace")  # "replace": one character per byte
        return [joined[i:i + length] for i in range(0, len(joined), length)]

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
