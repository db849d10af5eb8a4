"""The archive engine: the small engine's scores (search.Index: text, heading and document BM25
with Lucene idf, weighted terms, learned acronyms) over sparse arrays.

rank-bm25 walks every passage in Python for every question term (about 1 s a question at a million
passages). Here each term's postings in each field (passage, heading-group or document ids, sorted,
with rank-bm25's term-frequency factor) are one slice of memory-mapped arrays, so a question costs
time in proportion to the postings of its terms. The final scores are computed with rank-bm25's
formula, in float64, combining fields and terms in search.Index's order, so they are the same
numbers and ties break the same way (lower passage id first).
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np

from ..analysis import tokens
from ..analysis.acronyms import AcronymAdder
from ..analysis.passages import Passage, sentence_spans
from ..engine import DOCUMENT_WEIGHT, HEADING_WEIGHT, DocumentInfo, Hit
from ..errors import IndexCorruptError
from ..storage import index_paths
from .archive_spelling import stored_word_table
from .archive_store import archives_dir, read_archive
from .queryside import QuerySide

_postings: Any
try:  # compiled at install time (setup.py); without it the numpy loops below do the work
    from . import _postings  # type: ignore[attr-defined,no-redef]
except ImportError:  # pragma: no cover - depends on the machine that installed the package
    _postings = None


class ArchiveIndex(QuerySide):
    """Passages, documents and BM25 postings loaded from an archive folder (arrays mmapped).

    Scores exactly as search.Index does (docs/archive.md): same fields, weights and acronyms."""

    def __init__(self, folder: Path, meta: dict[str, Any], documents: list[dict],
                 arrays: dict[str, np.ndarray]) -> None:
        self.folder = folder
        self.fingerprint: str = str(meta["fingerprint"])
        self.roots: tuple[str, ...] = tuple(str(r) for r in meta["roots"])
        self.stems: dict[str, str] = meta["stems"]
        self.documents: Sequence[DocumentInfo] = _documents(documents)
        self._sections: list[str] = meta["sections"]
        for name, array in arrays.items():
            if name in _SERVING_ARRAYS:
                _prefault(array)
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
        # The compiled loops read these arrays' memory directly: only with the dtypes they expect.
        self.compiled = _postings is not None and all(
            self._a[k].dtype == t for k, t in _COMPILED_DTYPES.items())
        self._text = _Field(self._ptr, self._rows, self._weights, self._wmax, self._idf)
        self._heading = _Field(*(self._a[f"h_{k}"] for k in ("ptr", "rows", "weights", "wmax", "idf")))
        self._document = _Field(*(self._a[f"d_{k}"] for k in ("ptr", "rows", "weights", "wmax", "idf")))
        self._g_start = self._a["g_start"]
        self._g_start_view = _view(self._g_start)
        self._p_doc = self._a["p_doc"]
        if len(self._g_start) == 0 or int(self._g_start[-1]) != n or len(self._heading.ptr) != len(terms) + 1 \
                or len(self._document.ptr) != len(terms) + 1:
            raise ValueError("field array sizes do not match the metadata")
        self._buffers = threading.local()
        self.passages: Sequence[Passage] = _Built(n, self.passage, "passage id")
        self.acronyms: dict[str, tuple[str, ...]] = {
            str(k): tuple(str(t) for t in v) for k, v in meta["acronyms"].items()}
        self._adder = AcronymAdder(self.acronyms)
        self._init_query_side(stored_word_table(meta, self._a))

    def df(self, term: str) -> int:
        """How many passages hold `term` in their text."""
        col = self._column.get(term)
        return 0 if col is None else int(self._ptr[col + 1] - self._ptr[col])

    def passage_count(self) -> int:
        """How many passages the index holds."""
        return len(self._norm)

    def idf(self, term: str) -> float:
        """The term's idf in the passages' text (or, failing that, in the headings); 0.0 if absent."""
        col = self._column.get(term)
        if col is None:
            return 0.0
        return float(self._idf[col] if self._ptr[col + 1] > self._ptr[col] else self._heading.idf[col])

    @property
    def text_vocabulary(self) -> frozenset[str]:
        """The terms of the passages' text (without heading-only words)."""
        return frozenset(t for t, c in self._column.items() if self._ptr[c + 1] > self._ptr[c])

    def search(self, weights: Mapping[str, float], limit: int = 50) -> list[Hit]:
        """Passages holding any of the weighted terms, best first; ties go to document order.

        The same hits and the same scores as search.Index.search on the same documents."""
        wanted = [(self._column[t], float(w)) for t, w in weights.items() if t in self._column and w > 0]
        if not wanted or limit <= 0:
            return []
        pick = self._compiled_candidates if self.compiled else self._candidates
        return self._exact_top(wanted, pick(wanted, limit), limit)

    def _compiled_candidates(self, wanted: list[tuple[int, float]], limit: int) -> np.ndarray:
        """Sorted passage ids among which the best `limit` are sure to be (index/_postings.c).

        Every posting of the question's terms is added up once: documents first (their buffer is
        small), then text and headings a block of passages at a time, each touched passage's
        text + heading + document score compared with the running `limit`-th best. Passages
        within rounding of it are kept: the sums here add the terms in another order than
        `_exact_top`, which decides."""
        text, heading, d = self._text, self._heading, self._document
        buffers = self._compiled_buffers()
        doc_count = 0
        text_lists, heading_lists = [], []
        for col, weight in wanted:
            a, b = text.span(col)
            if b > a:
                text_lists.append((text.rows[a:b], text.weights[a:b], weight * text.idf[col]))
            a, b = heading.span(col)
            if b > a:
                heading_lists.append((heading.rows[a:b], heading.weights[a:b],
                                      weight * HEADING_WEIGHT * heading.idf[col]))
        try:
            for col, weight in wanted:
                a, b = d.span(col)
                if b > a:
                    doc_count = _postings.accumulate(buffers.doc_scores, buffers.doc_touched, doc_count,
                                                     d.rows[a:b], d.weights[a:b], weight * d.idf[col])
            found = _postings.best(buffers.block, buffers.touched, text_lists, heading_lists, self._g_start,
                                   buffers.doc_scores, self._p_doc, DOCUMENT_WEIGHT, limit, 1 - _SAFE_BELOW,
                                   buffers.out, buffers.out_values)
            if doc_count > len(buffers.doc_scores) // 16:  # one sweep beats that many scattered stores
                buffers.doc_scores.fill(0.0)
            else:
                _postings.clear(buffers.doc_scores, buffers.doc_touched, doc_count)
        except ValueError as err:
            # A damaged archive named an entry out of range: leave clean buffers, say so.
            buffers.block.fill(0.0)
            buffers.doc_scores.fill(0.0)
            raise IndexCorruptError(f"the index at {self.folder} is damaged ({err}); "
                                    "rebuild it with `qabot index`") from None
        return buffers.out[:found].astype(np.intp)

    def _candidates(self, wanted: list[tuple[int, float]], limit: int) -> np.ndarray:
        """Sorted passage ids among which the best `limit` are sure to be.

        Each document's score is added up first (documents are few). Then the text and heading
        postings are added into a per-thread score buffer, rarest term first. The longest lists
        are held back (MaxScore): if the `limit`-th best partial score already beats the most
        those terms could add, no passage outside the ones found (and the passages of the few
        documents whose score alone could lift them that far) can reach the top, and the held-back
        lists are only looked up for those passages.
        """
        text, heading = self._text, self._heading
        sizes = [text.size(c) + heading.size(c) for c, _ in wanted]
        bounds = [w * text.bound(c) + w * HEADING_WEIGHT * heading.bound(c) for c, w in wanted]
        order = sorted(range(len(wanted)), key=lambda i: (sizes[i], i))
        held: list[int] = []
        while len(held) + 1 < len(order) and sum(bounds[i] for i in [*held, order[-1 - len(held)]]) \
                <= HOLD_SHARE * sum(bounds):
            held.append(order[-1 - len(held)])
        scores, doc_scores = self._scores_buffers()
        doc_rows = self._add_documents(doc_scores, wanted)
        touched: list[np.ndarray] = []
        for i in order[: len(order) - len(held)]:
            touched.extend(self._add(scores, *wanted[i]))
        try:
            rows = np.concatenate(touched) if touched else np.zeros(0, dtype=np.intp)
            values = scores[rows] + DOCUMENT_WEIGHT * doc_scores[self._p_doc[rows]]
            remaining = sum(bounds[i] for i in held)
            theta = _kth_best(values, limit * len(touched)) if held else 0.0
            if held and theta > remaining * _SAFE_ABOVE:
                # A passage no searched list touched scores at most `remaining` plus its
                # document's part: only the passages of documents that could reach theta so.
                rich = np.unique(doc_rows[DOCUMENT_WEIGHT * doc_scores[doc_rows] + remaining
                                          >= theta * _SAFE_BELOW])
                first = np.searchsorted(self._p_doc, rich, "left")
                last = np.searchsorted(self._p_doc, rich, "right")
                if int((last - first).sum()) <= _MAX_EXTRA + 4 * limit:
                    keep = values + remaining >= theta * _SAFE_BELOW
                    rows = np.union1d(rows[keep], _ranges(first, last))
                    partial = scores[rows]
                    for i in held:
                        partial = partial + self._text_and_heading_at(rows, *wanted[i])
                    values = partial + np.where(
                        partial > 0, DOCUMENT_WEIGHT * doc_scores[self._p_doc[rows]], 0.0)
                    return rows[values >= _kth_best(values, limit) * _SAFE_BELOW]
            for i in held:  # nothing to gain: add the long lists too
                touched.extend(self._add(scores, *wanted[i]))
            if held:
                rows = np.concatenate(touched)
                values = scores[rows] + DOCUMENT_WEIGHT * doc_scores[self._p_doc[rows]]
            # A passage appears once per list that holds it, always with the same value: the best
            # `limit` passages are among the best limit * lists entries (ties and rounding kept).
            cut = _kth_best(values, limit * len(touched)) * _SAFE_BELOW
            return _distinct(rows[values >= cut], values[values >= cut])[0]
        finally:
            # Leave the buffers clean for the next question of this thread.
            for part in touched:
                scores[part] = 0.0
            doc_scores[doc_rows] = 0.0

    def _add(self, scores: np.ndarray, col: int, weight: float) -> list[np.ndarray]:
        """Add one term's text and heading scores into `scores`; the passages touched."""
        touched = []
        a, b = self._text.span(col)
        if b > a:
            # One cast to numpy's index type: fancy indexing with int32 casts on every use. A
            # term's postings name each passage once, so a plain += is safe (no np.add.at).
            rows = self._rows[a:b].astype(np.intp)
            scores[rows] += weight * (self._idf[col] * self._weights[a:b])
            touched.append(rows)
        h = self._heading
        a, b = h.span(col)
        if b > a:
            groups = h.rows[a:b]
            first, last = self._g_start[groups], self._g_start[groups + 1]
            rows = _ranges(first, last)
            scores[rows] += np.repeat((weight * HEADING_WEIGHT) * (h.idf[col] * h.weights[a:b]), last - first)
            touched.append(rows)
        return touched

    def _add_documents(self, doc_scores: np.ndarray, wanted: list[tuple[int, float]]) -> np.ndarray:
        """Add the terms' document scores into `doc_scores`; the documents touched."""
        d = self._document
        parts = []
        for col, weight in wanted:
            a, b = d.span(col)
            if b > a:
                rows = d.rows[a:b].astype(np.intp)
                doc_scores[rows] += weight * (d.idf[col] * d.weights[a:b])
                parts.append(rows)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)

    def _text_and_heading_at(self, rows: np.ndarray, col: int, weight: float) -> np.ndarray:
        """One term's text and heading scores of `rows` (sorted passage ids), 0.0 where absent."""
        text, h = self._text, self._heading
        score = weight * (text.idf[col] * text.at(col, rows))
        if h.size(col):
            score = score + (weight * HEADING_WEIGHT) * (h.idf[col] * h.at(col, self._group_of(rows)))
        return score

    def _group_of(self, rows: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._g_start, rows, "right") - 1

    def _exact_top(self, wanted: list[tuple[int, float]], rows: np.ndarray, limit: int) -> list[Hit]:
        """The best `limit` of `rows` (sorted), scored exactly as search.Index scores them: field
        by field, term by term in question order, so the floats, the order and its ties are its."""
        text, h, d = self._text, self._heading, self._document
        groups, docs = self._group_of(rows), self._p_doc[rows]
        if self.compiled:  # the same operations in the same order, in C (index/_postings.c)
            scores = np.empty(len(rows))
            terms = [
                (*field.slices(col), field.idf[col], w)
                for col, weight in wanted
                for field, w in ((text, weight), (h, weight * HEADING_WEIGHT), (d, weight))
            ]
            _postings.exact(rows.astype(np.int32), groups.astype(np.int32), docs.astype(np.int32),
                            [sum(terms[i:i + 3], ()) for i in range(0, len(terms), 3)], DOCUMENT_WEIGHT, scores)
        else:
            scores = np.zeros(len(rows))
            documents = np.zeros(len(rows))
            for col, weight in wanted:
                scores += weight * (text.idf[col] * text.at(col, rows))
                scores += (weight * HEADING_WEIGHT) * (h.idf[col] * h.at(col, groups))
                documents += weight * (d.idf[col] * d.at(col, docs))
            scores += np.where(scores > 0, DOCUMENT_WEIGHT * documents, 0.0)
        found = scores > 0
        rows, scores = rows[found], scores[found]
        order = np.lexsort((rows, -scores))[:limit]
        return [Hit(int(rows[i]), float(scores[i])) for i in order]

    def passage_terms(self, passage_id: int) -> dict[str, int]:
        """Term frequencies of one passage's text (with the acronyms of spelled-out expansions)."""
        return dict(Counter(self._adder(self.analyzer.tokenize(self._text_of(passage_id)))))

    def matched_terms(self, passage_id: int, terms: Iterable[str]) -> list[str]:
        """Which of `terms` the passage holds, in its text or in its heading."""
        group = bisect_right(self._g_start_view, passage_id) - 1
        return [
            t for t in terms
            if (c := self._column.get(t)) is not None
            and (self._text.holds(c, passage_id) or self._heading.holds(c, group))
        ]

    def _text_of(self, i: int) -> str:
        t0, t1 = (int(x) for x in self._a["p_text"][i])
        return bytes(self._a["text"][t0:t1]).decode("utf-8")

    def passage(self, i: int) -> Passage:
        """Passage `i`, built from the arrays (sentence spans computed for whole paragraphs)."""
        a = self._a
        doc = self.documents[int(a["p_doc"][i])]
        text = self._text_of(i)
        s0, s1 = (int(x) for x in a["p_sent"][i])
        flat = a["sents"][s0:s1].tolist()
        spans = tuple(zip(flat[0::2], flat[1::2], strict=True)) or tuple(sentence_spans(text))
        section = int(a["p_section"][i])
        return Passage(
            doc_id=doc.doc_id, path=doc.path, title=doc.title,
            section=self._sections[section] if section >= 0 else None,
            paragraph=int(a["p_para"][i]), url=doc.url,
            start=int(a["p_start"][i]), end=int(a["p_end"][i]), text=text,
            sentences=spans, published=doc.published, updated=doc.updated,
        )

    def _compiled_buffers(self) -> _Buffers:
        buffers = getattr(self._buffers, "compiled", None)
        if buffers is None:
            buffers = self._buffers.compiled = _Buffers(len(self._norm), len(self.documents))
        return buffers

    def _scores_buffers(self) -> tuple[np.ndarray, np.ndarray]:
        # One zeroed buffer per thread for passages and one for documents, reused: allocating
        # 8 MB per question costs more than clearing the few entries a question touched.
        bufs = getattr(self._buffers, "scores", None)
        if bufs is None:
            bufs = self._buffers.scores = (np.zeros(len(self._norm)), np.zeros(len(self.documents)))
        return bufs


class _Buffers:
    """One thread's working memory for index/_postings.c (reused: allocating it per question cost
    more than the question). Score buffers are all zeros between questions."""

    # Passages scored at a time: 128 KB of scores, which stay in the CPU's cache.
    BLOCK = 16384

    def __init__(self, passages: int, documents: int) -> None:
        self.block = np.zeros(min(self.BLOCK, passages))
        self.touched = np.zeros(len(self.block) + 1, dtype=np.int32)  # +1: the loops store branch-free
        self.doc_scores = np.zeros(documents)
        self.doc_touched = np.zeros(documents + 1, dtype=np.int32)
        self.out = np.zeros(passages, dtype=np.int32)
        self.out_values = np.zeros(passages)


@dataclass(frozen=True)
class _Field:
    """One field's postings in CSC layout: per term a slice of ids and tf factors, and its idf."""

    ptr: np.ndarray
    rows: np.ndarray
    weights: np.ndarray
    wmax: np.ndarray
    idf: np.ndarray

    def span(self, col: int) -> tuple[int, int]:
        return int(self.ptr[col]), int(self.ptr[col + 1])

    def slices(self, col: int) -> tuple[np.ndarray, np.ndarray]:
        """The term's ids and tf factors."""
        a, b = self.span(col)
        return self.rows[a:b], self.weights[a:b]

    def size(self, col: int) -> int:
        return int(self.ptr[col + 1] - self.ptr[col])

    def bound(self, col: int) -> float:
        """The most the term adds to one entry's score, before the query weight."""
        return float(self.idf[col] * self.wmax[col])

    def holds(self, col: int, row: int) -> bool:
        """Whether entry `row` holds the term."""
        # Plain bisection over memoryviews (Python ints): numpy's per-call cost was 10x the search.
        ptr, ids = self._views
        a, b = ptr[col], ptr[col + 1]
        i = bisect_left(ids, row, a, b)
        return i < b and ids[i] == row

    @cached_property
    def _views(self) -> tuple[memoryview, memoryview]:
        return _view(self.ptr), _view(self.rows)

    def at(self, col: int, rows: np.ndarray) -> np.ndarray:
        """The term's tf factor for each of `rows` (sorted), 0.0 where the entry lacks it."""
        a, b = self.span(col)
        return _weights_at(self.rows[a:b], self.weights[a:b], rows)


# What index/_postings.c reads (anything else, e.g. an archive from another numpy, takes the numpy path).
_COMPILED_DTYPES = {"rows": np.int32, "weights": np.float64, "h_rows": np.int32, "h_weights": np.float64,
                    "d_rows": np.int32, "d_weights": np.float64, "g_start": np.int64, "p_doc": np.int32}

# Held-back (longest) lists carry at most this share of the score bound (0.5 measured best on
# the SciFact questions at 1M passages: 0.35 and 0.65 were slower).
HOLD_SHARE = 0.5
# Bounds and partial sums add the terms in another order than the exact scores: allow for
# rounding (about 1e-15 relative) so no passage is dropped by it.
_SAFE_ABOVE = 1 + 1e-9
_SAFE_BELOW = 1 - 1e-9
# Passages looked up besides those the searched lists found (those of documents whose own score
# could lift them into the top); above this, MaxScore gives up and adds the held-back lists.
_MAX_EXTRA = 2000


# What answering reads: the postings and the per-passage arrays (not the passages' text, nor the
# raw term counts, which only builds and benchmarks read).
_SERVING_ARRAYS = frozenset((
    "col_ptr", "rows", "weights", "h_ptr", "h_rows", "h_weights", "d_ptr", "d_rows", "d_weights", "g_start",
    "p_doc", "p_text", "p_sent", "p_section", "p_para", "p_start", "p_end", "p_len",
))

# Linux 5.14's madvise(MADV_POPULATE_READ) (Python 3.11's mmap module does not name it yet).
_MADV_POPULATE_READ = 22


def _prefault(array: np.ndarray) -> None:
    """Map a memory-mapped array's pages now, in one call at start-up: otherwise answers fault them
    in one page at a time, and a question whose terms had not been asked before is slower than the
    rest (docs/archive.md). Best effort: an older kernel, or an array numpy did not map, faults
    pages in on use."""
    mapping = getattr(array, "_mmap", None)  # numpy's memmap keeps its mmap.mmap here
    try:
        if mapping is not None:
            mapping.madvise(_MADV_POPULATE_READ)
    except (OSError, ValueError):
        pass


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


def _ranges(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """The concatenated ranges first[i]..last[i]-1 (as numpy's index type)."""
    sizes = last - first
    if len(sizes) == 0:
        return np.zeros(0, dtype=np.intp)
    offsets = np.repeat(first - (np.cumsum(sizes) - sizes), sizes)
    return (np.arange(int(sizes.sum())) + offsets).astype(np.intp)


def _weights_at(posting_rows: np.ndarray, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The term's weight for each of `rows` (sorted), 0.0 where the passage lacks the term."""
    if len(posting_rows) == 0 or len(rows) == 0:
        return np.zeros(len(rows))
    pos = np.searchsorted(posting_rows, rows)
    pos[pos == len(posting_rows)] = 0
    return np.where(posting_rows[pos] == rows, weights[pos], 0.0)


_DOCUMENT_KEYS = frozenset(("doc_id", "path", "title", "url", "published", "author", "sections", "passages"))


_T = TypeVar("_T")


class _Built(Sequence[_T]):
    """A read-only sequence whose items are made when asked for, by `make(i)`."""

    def __init__(self, size: int, make: Callable[[int], _T], what: str) -> None:
        self._size, self._make, self._what = size, make, what

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, i: int) -> _T: ...
    @overload
    def __getitem__(self, i: slice) -> list[_T]: ...
    def __getitem__(self, i: int | slice) -> _T | list[_T]:
        if isinstance(i, slice):
            return [self._make(j) for j in range(*i.indices(self._size))]
        if i < 0:
            i += self._size
        if not 0 <= i < self._size:
            raise IndexError(f"{self._what} out of range")
        return self._make(i)

    def __iter__(self) -> Iterator[_T]:
        return (self._make(i) for i in range(self._size))


def _documents(records: list[dict]) -> _Built[DocumentInfo]:
    """The archive's documents, each made a DocumentInfo when first asked for: making all of them
    at load took 0.6 s of a million-passage archive's start-up (118,000 documents)."""
    if not isinstance(records, list) or not all(type(d) is dict and d.keys() >= _DOCUMENT_KEYS for d in records):
        raise ValueError("documents.json does not hold the documents' fields")
    made: dict[int, DocumentInfo] = {}

    def make(i: int) -> DocumentInfo:
        if i not in made:
            d = records[i]
            made[i] = DocumentInfo(
                doc_id=d["doc_id"], path=d["path"], title=d["title"], url=d["url"],
                published=d["published"], author=d["author"], sections=tuple(d["sections"]),
                passages=d["passages"], updated=d.get("updated"),
            )
        return made[i]

    return _Built(len(records), make, "document number")


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
    index.home = index_paths(index_path).home
    return index


def _view(array: np.ndarray) -> memoryview:
    """The array's memory, contiguous, as the compiled loops read it."""
    return memoryview(np.ascontiguousarray(array).data)
