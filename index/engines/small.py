"""The loaded index and the search call: terms in, ranked hits (passage id + score) out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import tokens
from ..analysis.passages import Passage
from ..engine import DOCUMENT_WEIGHT, HEADING_WEIGHT, DocumentInfo, Hit
from ..errors import IndexCorruptError
from ..storage import index_paths
from .queryside import QuerySide
from .scoring import LuceneBM25


class Index(QuerySide):
    """Passages, their documents and a BM25 model over the passages' terms."""

    def __init__(
        self,
        documents: list[DocumentInfo],
        passages: list[Passage],
        terms: list[list[str]],
        stems: dict[str, str],
        *,
        headings: list[list[str]] | None = None,
        doc_of: list[int] | None = None,
        doc_terms: list[list[str]] | None = None,
        acronyms: dict[str, tuple[str, ...]] | None = None,
        fingerprint: str = "",
        roots: tuple[str, ...] = (),
        params: dict[str, float] | None = None,
    ) -> None:
        if not passages:
            raise ValueError("an index needs at least one passage")
        self.documents = documents
        self.passages = passages
        self.fingerprint = fingerprint
        self.roots = roots
        self.stems = stems
        self.acronyms = acronyms or {}
        params = params or {}
        bm25_params = {k: params[k] for k in ("k1", "b") if k in params}
        self._bm25 = LuceneBM25(terms, **bm25_params)
        headings = headings or [[] for _ in passages]
        # rank-bm25 divides by the average length: a field that is empty everywhere has none.
        self._headings = LuceneBM25(headings, **bm25_params) if any(headings) else None
        self._doc_of = np.array(doc_of if doc_of is not None else [0] * len(passages))
        self._documents = LuceneBM25(doc_terms, **bm25_params) if doc_terms and any(doc_terms) else None
        self.vocabulary: frozenset[str] = frozenset(self._bm25.idf) | frozenset(
            self._headings.idf if self._headings else ()
        )
        self._init_query_side()

    def idf(self, term: str) -> float:
        """The term's idf in the passages' text (or, failing that, in the headings); 0.0 if absent."""
        value = self._bm25.idf.get(term)
        if value is None and self._headings is not None:
            value = self._headings.idf.get(term)
        return value or 0.0

    def search(self, weights: Mapping[str, float], limit: int = 50) -> list[Hit]:
        """Passages holding any of the weighted terms, best first; ties go to document order.

        The archive engine (archive.py) computes the very same floats over its arrays."""
        wanted = [(t, w) for t, w in weights.items() if t in self.vocabulary and w > 0]
        if not wanted or limit <= 0:
            return []
        scores = np.zeros(len(self.passages))
        whole = self._documents
        documents = np.zeros(whole.corpus_size) if whole is not None else None
        for term, weight in wanted:
            scores += weight * self._bm25.get_scores([term])
            if self._headings is not None:
                scores += (weight * HEADING_WEIGHT) * self._headings.get_scores([term])
            if whole is not None and documents is not None:
                documents += weight * whole.get_scores([term])
        if documents is not None:
            scores += np.where(scores > 0, DOCUMENT_WEIGHT * documents[self._doc_of], 0.0)
        return _ranked(scores, limit)

    def passage_terms(self, passage_id: int) -> dict[str, int]:
        """Term frequencies of one passage's text."""
        return self._bm25.doc_freqs[passage_id]

    def matched_terms(self, passage_id: int, terms: Iterable[str]) -> list[str]:
        """Which of `terms` the passage holds, in its text or in its section heading."""
        body = self._bm25.doc_freqs[passage_id]
        heading = self._headings.doc_freqs[passage_id] if self._headings else {}
        return [t for t in terms if t in body or t in heading]

    @property
    def text_vocabulary(self) -> frozenset[str]:
        """The terms of the passages' text (without heading-only words)."""
        return frozenset(self._bm25.idf)

    def df(self, term: str) -> int:
        """How many passages hold `term` in their text."""
        return self._bm25.df.get(term, 0)

    def passage_count(self) -> int:
        """How many passages the index holds."""
        return len(self.passages)


def _ranked(scores: np.ndarray, limit: int) -> list[Hit]:
    found = [Hit(i, float(s)) for i, s in enumerate(scores) if s > 0.0]
    # Passages are stored in (document, offset) order, so the id breaks ties deterministically.
    found.sort(key=lambda h: (-h.score, h.passage_id))
    return found[:limit]


def load_small(path: Path, data: dict[str, Any]) -> Index:
    """The small engine from an index file's contents (read by load.load_index)."""
    if data.get("tokenizer") != tokens.TOKENIZER_VERSION:
        raise IndexCorruptError(
            f"the index at {path} was built by another version of qabot (tokenizer "
            f"{data.get('tokenizer')!r}, this one uses {tokens.TOKENIZER_VERSION}); "
            "rebuild it with `qabot index`"
        )
    try:
        index = _from_data(data)
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise IndexCorruptError(
            f"the index at {path} is damaged ({type(err).__name__}); rebuild it with `qabot index`"
        ) from None
    index.home = index_paths(path).home
    index.path = path
    return index


def _from_data(data: dict[str, Any]) -> Index:
    documents = [
        DocumentInfo(
            doc_id=str(d["doc_id"]),
            path=str(d["path"]),
            title=str(d["title"]),
            url=d["url"],
            published=d["published"],
            author=d["author"],
            sections=tuple(str(s) for s in d["sections"]),
            passages=int(d["passages"]),
            updated=d.get("updated"),
        )
        for d in data["documents"]
    ]
    passages: list[Passage] = []
    terms: list[list[str]] = []
    headings: list[list[str]] = []
    doc_of: list[int] = []
    doc_terms: list[list[str]] = [[str(t) for t in d["title_terms"]] for d in data["documents"]]
    for p in data["passages"]:
        doc = documents[p["doc"]]
        start, end, text = int(p["start"]), int(p["end"]), str(p["text"])
        if end - start != len(text):
            raise ValueError("passage offsets do not match its text")
        passages.append(
            Passage(
                doc_id=doc.doc_id,
                path=doc.path,
                title=doc.title,
                section=p["section"],
                paragraph=int(p["paragraph"]),
                url=doc.url,
                start=start,
                end=end,
                text=text,
                sentences=tuple((int(a), int(b)) for a, b in p["sentences"]),
                published=doc.published,
                updated=doc.updated,
            )
        )
        terms.append([str(t) for t in p["terms"]])
        headings.append([str(t) for t in p["heading"]])
        doc_of.append(int(p["doc"]))
        doc_terms[p["doc"]].extend(terms[-1])
    stems = {str(k): str(v) for k, v in data["stems"].items()}
    acronyms = {str(k): tuple(str(t) for t in v) for k, v in data["acronyms"].items()}
    return Index(
        documents,
        passages,
        terms,
        stems,
        headings=headings,
        doc_of=doc_of,
        doc_terms=doc_terms,
        acronyms=acronyms,
        fingerprint=str(data["fingerprint"]),
        roots=tuple(str(r) for r in data["roots"]),
        params={k: float(v) for k, v in data.get("params", {}).items()},
    )
