"""The archive engine: the same Lucene-idf BM25 as `scoring.LuceneBM25`, over sparse arrays.

rank-bm25 walks every passage in Python for every question term (about 1 s a question at a million
passages). Here each term's postings (passage ids and term counts, sorted by passage) are one slice
of memory-mapped arrays, so a question costs time in proportion to the postings of its terms.
Scores are computed with rank-bm25's formula, in float64, adding terms in the same order, so they
are the same numbers and ties break the same way (lower passage id first).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from . import tokens
from .archive_store import archives_dir, read_archive
from .errors import IndexCorruptError
from .passages import Passage, sentence_spans
from .queryside import QuerySide
from .search import DocumentInfo, Hit


class ArchiveIndex(QuerySide):
    """Passages, documents and BM25 postings loaded from an archive folder (arrays mmapped).

    Scores the passages' text only: the heading and document fields and the learned acronyms of the
    small engine (search.Index) are not built for archives yet (docs/archive.md)."""

    def __init__(self, folder: Path, meta: dict[str, Any], documents: list[dict],
                 arrays: dict[str, np.ndarray]) -> None:
        self.folder = folder
        self.fingerprint: str = str(meta["fingerprint"])
        self.roots: tuple[str, ...] = tuple(str(r) for r in meta["roots"])
        self.stems: dict[str, str] = meta["stems"]
        self.documents: list[DocumentInfo] = [
            DocumentInfo(
                doc_id=d["doc_id"], path=d["path"], title=d["title"], url=d["url"],
                published=d["published"], author=d["author"], sections=tuple(d["sections"]),
                passages=d["passages"],
            )
            for d in documents
        ]
        self._sections: list[str] = meta["sections"]
        self._a = {k: np.asarray(v) for k, v in arrays.items()}  # plain views: no memmap overhead
        terms: list[str] = meta["vocabulary"]
        self._column = {t: i for i, t in enumerate(terms)}
        self.vocabulary = self._column.keys()
        n = int(meta["passages"])
        if len(arrays["p_doc"]) != n or len(arrays["col_ptr"]) != len(terms) + 1:
            raise ValueError("array sizes do not match the metadata")
        params = meta["params"]
        self.k1, self.b = float(params["k1"]), float(params["b"])
        doc_len = np.asarray(arrays["p_len"], dtype=np.int64)
        self.avgdl = int(doc_len.sum()) / n
        # rank-bm25's length normalisation, written as it writes it so the floats are identical.
        self._norm = self.k1 * (1 - self.b + self.b * doc_len / self.avgdl)
        self._idf = np.asarray(arrays["idf"])
        self._ptr = np.asarray(arrays["col_ptr"])
        self._rows = self._a["rows"]
        self._weights = self._a["weights"]
        self._wmax = self._a["wmax"]
        self._buffers = threading.local()
        self.passages = _Passages(self)
        self.acronyms: dict[str, tuple[str, ...]] = {}
        self._init_query_side()

    def df(self, term: str) -> int:
        """How many passages hold `term`."""
        col = self._column.get(term)
        return 0 if col is None else int(self._ptr[col + 1] - self._ptr[col])

    def passage_count(self) -> int:
        """How many passages the index holds."""
        return len(self._norm)

    def idf(self, term: str) -> float:
        """The term's idf, 0.0 for a term no passage holds."""
        col = self._column.get(term)
        return 0.0 if col is None else float(self._idf[col])

    def search(self, terms: Iterable[str], limit: int = 50) -> list[Hit]:
        """Passages holding any of `terms`, best first; ties go to document order.

        `terms` may be a term -> weight mapping (as for search.Index); archives learn no acronyms,
        so every weight the question side gives them is 1 and only the terms count."""
        cols = [self._column[t] for t in dict.fromkeys(terms) if t in self._column]
        if not cols or limit <= 0:
            return []
        return self._exact_top(cols, self._candidates(cols, limit), limit)

    def _candidates(self, cols: list[int], limit: int) -> np.ndarray:
        """Sorted passage ids among which the best `limit` are sure to be.

        The terms' postings are added into a per-thread score buffer, rarest term first. The
        longest lists are held back (MaxScore): if the `limit`-th best partial score already beats
        the most those terms could add together, no passage outside the ones found can reach the
        top, and the held-back lists are only looked up for the few passages that still could.
        """
        spans = [(int(self._ptr[c]), int(self._ptr[c + 1])) for c in cols]
        bounds = [float(self._idf[c] * self._wmax[c]) for c in cols]
        order = sorted(range(len(cols)), key=lambda i: (spans[i][1] - spans[i][0], i))
        held: list[int] = []
        while len(held) + 1 < len(order) and sum(bounds[i] for i in [*held, order[-1 - len(held)]]) \
                <= HOLD_SHARE * sum(bounds):
            held.append(order[-1 - len(held)])
        scores = self._scores_buffer()
        touched = [self._add(scores, cols[i], *spans[i]) for i in order[: len(order) - len(held)]]
        rows = touched[0] if len(touched) == 1 else np.concatenate(touched)
        values = scores[rows]
        remaining = sum(bounds[i] for i in held)
        theta = _kth_best(values, limit * len(touched)) if held else 0.0
        if held and theta > remaining * _SAFE_ABOVE:
            scores[rows] = 0.0  # leave the buffer clean for the next question of this thread
            keep = values + remaining >= theta * _SAFE_BELOW
            rows, values = _distinct(rows[keep], values[keep])
            for i in held:
                a, b = spans[i]
                values = values + self._idf[cols[i]] * _weights_at(
                    self._rows[a:b], self._weights[a:b], rows)
            return rows[values >= _kth_best(values, limit) * _SAFE_BELOW]
        for i in held:  # nothing to gain: add the long lists too
            touched.append(self._add(scores, cols[i], *spans[i]))
        if held:
            rows = np.concatenate(touched)
            values = scores[rows]
        scores[rows] = 0.0
        # A passage appears once per term it holds, always with the same score: the best `limit`
        # passages are among the best limit * terms entries (ties and rounding kept).
        cut = _kth_best(values, limit * len(touched))
        return _distinct(rows[values >= cut * _SAFE_BELOW], values[values >= cut * _SAFE_BELOW])[0]

    def _add(self, scores: np.ndarray, col: int, a: int, b: int) -> np.ndarray:
        # One cast to numpy's index type: fancy indexing with int32 casts on every use.
        rows = self._rows[a:b].astype(np.intp)
        np.add.at(scores, rows, self._idf[col] * self._weights[a:b])
        return rows

    def _exact_top(self, cols: list[int], rows: np.ndarray, limit: int) -> list[Hit]:
        """The best `limit` of `rows` (sorted), scored exactly as rank-bm25 does: term by term in
        question order, so the floats, and so the order and its ties, are rank-bm25's."""
        scores = np.zeros(len(rows))
        for c in cols:
            a, b = int(self._ptr[c]), int(self._ptr[c + 1])
            scores += self._idf[c] * _weights_at(self._rows[a:b], self._weights[a:b], rows)
        order = np.lexsort((rows, -scores))[:limit]
        return [Hit(int(rows[i]), float(scores[i])) for i in order]

    def passage_terms(self, passage_id: int) -> dict[str, int]:
        """Term frequencies of one passage."""
        return dict(Counter(tokens.tokenize(self.passages[passage_id].text)))

    def passage(self, i: int) -> Passage:
        """Passage `i`, built from the arrays (sentence spans computed for whole paragraphs)."""
        a = self._a
        doc = self.documents[int(a["p_doc"][i])]
        t0, t1 = (int(x) for x in a["p_text"][i])
        text = bytes(a["text"][t0:t1]).decode("utf-8")
        s0, s1 = (int(x) for x in a["p_sent"][i])
        flat = a["sents"][s0:s1].tolist()
        spans = tuple(zip(flat[0::2], flat[1::2], strict=True)) or tuple(sentence_spans(text))
        section = int(a["p_section"][i])
        return Passage(
            doc_id=doc.doc_id, path=doc.path, title=doc.title,
            section=self._sections[section] if section >= 0 else None,
            paragraph=int(a["p_para"][i]), url=doc.url,
            start=int(a["p_start"][i]), end=int(a["p_end"][i]), text=text,
            sentences=spans, published=doc.published,
        )

    def _scores_buffer(self) -> np.ndarray:
        # One zeroed buffer per thread, reused: allocating 8 MB per question costs more than
        # clearing the few entries a question touched.
        buf = getattr(self._buffers, "scores", None)
        if buf is None:
            buf = self._buffers.scores = np.zeros(len(self._norm), dtype=np.float64)
        return buf


# Held-back (longest) lists carry at most this share of the score bound (0.5 measured best on
# the SciFact questions at 1M passages: 0.35 and 0.65 were slower).
HOLD_SHARE = 0.5
# Bounds and partial sums add the terms in another order than the exact scores: allow for
# rounding (about 1e-15 relative) so no passage is dropped by it.
_SAFE_ABOVE = 1 + 1e-9
_SAFE_BELOW = 1 - 1e-9


def _kth_best(values: np.ndarray, k: int) -> float:
    """The k-th largest value; 0.0 (keep everything) when there are fewer than k."""
    if len(values) < k or k <= 0:
        return 0.0
    return float(np.partition(values, len(values) - k)[len(values) - k])


def _distinct(rows: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted, each once (all entries of a row carry the same value)."""
    order = np.argsort(rows, kind="stable")
    rows, values = rows[order], values[order]
    first = np.concatenate(([True], rows[1:] != rows[:-1])) if len(rows) else np.zeros(0, bool)
    return rows[first], values[first]


def _weights_at(posting_rows: np.ndarray, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The term's weight for each of `rows` (sorted), 0.0 where the passage lacks the term."""
    if len(posting_rows) == 0 or len(rows) == 0:
        return np.zeros(len(rows))
    pos = np.searchsorted(posting_rows, rows)
    pos[pos == len(posting_rows)] = 0
    return np.where(posting_rows[pos] == rows, weights[pos], 0.0)


class _Passages(Sequence[Passage]):
    """The archive's passages as a read-only sequence, each built when asked for."""

    def __init__(self, index: ArchiveIndex) -> None:
        self._index = index
        self._n = len(index._norm)

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> Passage: ...
    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...
    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return [self._index.passage(j) for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("passage id out of range")
        return self._index.passage(i)

    def __iter__(self) -> Iterator[Passage]:
        return (self._index.passage(i) for i in range(self._n))


def load_archive(index_path: Path, pointer: dict[str, Any]) -> ArchiveIndex:
    """Load the archive the index file `index_path` points to; never re-tokenizes."""
    try:
        folder = archives_dir(index_path) / str(pointer["archive"])
        if pointer["tokenizer"] != tokens.TOKENIZER_VERSION:
            raise ValueError("tokenizer version differs")
        meta, documents, arrays = read_archive(folder)
        index = ArchiveIndex(folder, meta, documents, arrays)
    except IndexCorruptError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise IndexCorruptError(
            f"the index at {index_path} is damaged ({type(err).__name__}: {err}); "
            "rebuild it with `qabot index`"
        ) from None
    tokens.remember_stems(index.stems)
    index.cache_dir = index_path.parent
    return index
