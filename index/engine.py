"""What every engine offers: the `Engine` protocol, the hits it returns and the documents it holds.

Two engines implement it: search.Index (rank-bm25, the card's engine, for the article and small
folders) and archive.ArchiveIndex (memory-mapped arrays, for big archives). They differ in storage
and speed only; both score with the same fields and weights (parity tests prove it).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from .analysis.acronyms import AcronymTable
    from .analysis.passages import Passage
    from .analysis.tokens import Analyzer
    from .semantic import Vectors

# Three fields score a passage (weights chosen with bench/tune_ranking.py, see docs/quality.md):
# - its text (weight 1);
# - its heading: the document's title and the section heading, so that "endorsed" (only in the
#   heading "Letter endorsed") finds the section's passages without outranking their text;
# - its whole document (title and all passages), so that a passage of a document that is about the
#   question as a whole ranks above a stray mention. It is added only to passages that match on
#   their own: a passage that matches nothing never scores above 0.
HEADING_WEIGHT = 0.6
DOCUMENT_WEIGHT = 0.6


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
    updated: str | None = None  # the date of the last correction (see Document.updated)


@dataclass(frozen=True)
class Hit:
    """One search result: the passage's id in the index and its BM25 score (always > 0)."""

    passage_id: int
    score: float


class Engine(Protocol):
    """A loaded index: passages and documents, BM25 search over their terms, and what the question
    side needs (spelling correction, stems, vectors)."""

    @property
    def documents(self) -> Sequence[DocumentInfo]:
        """The documents, in index order."""
        ...

    @property
    def passages(self) -> Sequence[Passage]:
        """The passages, in (document, offset) order."""
        ...

    @property
    def stems(self) -> dict[str, str]:
        """Every indexed word -> its stem."""
        ...

    @property
    def acronyms(self) -> dict[str, tuple[str, ...]]:
        """Acronym term -> the terms of its expansion."""
        ...

    @property
    def vocabulary(self) -> Collection[str]:
        """Every term of the passages' text and headings."""
        ...

    @property
    def fingerprint(self) -> str:
        """Of the documents it was built from."""
        ...

    @property
    def roots(self) -> tuple[str, ...]:
        """The folders it was built from."""
        ...

    @property
    def home(self) -> Path | None:
        """The folder holding the index and its companion files."""
        ...

    @property
    def path(self) -> Path | None:
        """The index file or folder it was loaded from."""
        ...

    @property
    def analyzer(self) -> Analyzer:
        """Text -> terms with this index's stem tables (tokens.py)."""
        ...

    @property
    def acronym_table(self) -> AcronymTable:
        """The acronyms with lookups for the question side."""
        ...

    def search(self, weights: Mapping[str, float], limit: int = 50) -> list[Hit]:
        """Passages holding any of the weighted terms, best first; ties go to document order."""
        ...

    def idf(self, term: str) -> float:
        """The term's idf in the passages' text (or, failing that, in the headings); 0.0 if absent."""
        ...

    def df(self, term: str) -> int:
        """How many passages hold `term` in their text."""
        ...

    def max_idf(self) -> float:
        """The idf a term found in no passage would have: the weight of an unknown word."""
        ...

    def passage_count(self) -> int:
        """How many passages the index holds."""
        ...

    def passage_terms(self, passage_id: int) -> dict[str, int]:
        """Term frequencies of one passage's text."""
        ...

    def matched_terms(self, passage_id: int, terms: Iterable[str]) -> list[str]:
        """Which of `terms` the passage holds, in its text or in its section heading."""
        ...

    @property
    def text_vocabulary(self) -> frozenset[str]:
        """The terms of the passages' text (without heading-only words)."""
        ...

    @property
    def vectors(self) -> Vectors | None:
        """The passages' and sentences' vectors, or None when the index has none."""
        ...

    def vector_inputs(self) -> tuple[list[str], list[str], np.ndarray]:
        """What the encoder embeds for this index: passage inputs, sentence inputs, bounds."""
        ...

    def correct(self, word: str) -> str | None:
        """The indexed word closest to a (misspelt) normalised word, or None."""
        ...

    def know_english(self) -> None:
        """Load the English word -> stem table kept beside the index, once."""
        ...

    def warm_up(self) -> None:
        """Load now what the first unknown question word would load."""
        ...

    def companion(self, name: str) -> Path:
        """The path of a file named `name` that belongs with this index."""
        ...
