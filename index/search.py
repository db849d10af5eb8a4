"""The loaded index and the search call: terms in, ranked hits (passage id + score) out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import tokens
from .errors import IndexCorruptError
from .passages import Passage
from .scoring import LuceneBM25
from .storage import read_index

if TYPE_CHECKING:
    from .archive import ArchiveIndex


@dataclass(frozen=True)
class DocumentInfo:
    """What the index keeps of a document: its metadata and section headings, not its text."""

    doc_id: str
    path: str
    title: str
    url: str | None
    published: str | None
    author: str | None
    sections: tuple[str, ...]
    passages: int


@dataclass(frozen=True)
class Hit:
    """One search result: the passage's id in the index and its BM25 score (always > 0)."""

    passage_id: int
    score: float


class Index:
    """Passages, their documents and a BM25 model over the passages' terms."""

    def __init__(
        self,
        documents: list[DocumentInfo],
        passages: list[Passage],
        terms: list[list[str]],
        stems: dict[str, str],
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
        params = params or {}
        self._bm25 = LuceneBM25(terms, **{k: params[k] for k in ("k1", "b") if k in params})
        self.vocabulary: frozenset[str] = frozenset(self._bm25.idf)

    def idf(self, term: str) -> float:
        """The term's idf, 0.0 for a term no passage holds."""
        return self._bm25.idf.get(term, 0.0)

    def search(self, terms: list[str], limit: int = 50) -> list[Hit]:
        """Passages holding any of `terms`, best first; ties go to document order."""
        wanted = [t for t in dict.fromkeys(terms) if t in self.vocabulary]
        if not wanted or limit <= 0:
            return []
        scores = self._bm25.get_scores(wanted)
        found = [Hit(i, float(s)) for i, s in enumerate(scores) if s > 0.0]
        # Passages are stored in (document, offset) order, so the id breaks ties deterministically.
        found.sort(key=lambda h: (-h.score, h.passage_id))
        return found[:limit]

    def passage_terms(self, passage_id: int) -> dict[str, int]:
        """Term frequencies of one passage."""
        return self._bm25.doc_freqs[passage_id]


def load_index(path: Path) -> Index | ArchiveIndex:
    """Load an index file written by `build_index`; never re-tokenizes the passages."""
    data = read_index(path)
    if data.get("kind") == "archive":
        # The file points to an archive folder (the sparse-matrix engine for big indexes).
        from .archive import load_archive

        return load_archive(path, data)
    try:
        index = _from_data(data)
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise IndexCorruptError(
            f"the index at {path} is damaged ({type(err).__name__}); rebuild it with `qabot index`"
        ) from None
    tokens.remember_stems(index.stems)
    return index


def _from_data(data: dict[str, Any]) -> Index:
    if data["tokenizer"] != tokens.TOKENIZER_VERSION:
        raise ValueError("tokenizer version differs")
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
        )
        for d in data["documents"]
    ]
    passages: list[Passage] = []
    terms: list[list[str]] = []
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
            )
        )
        terms.append([str(t) for t in p["terms"]])
    stems = {str(k): str(v) for k, v in data["stems"].items()}
    return Index(
        documents,
        passages,
        terms,
        stems,
        fingerprint=str(data["fingerprint"]),
        roots=tuple(str(r) for r in data["roots"]),
        params={k: float(v) for k, v in data.get("params", {}).items()},
    )
