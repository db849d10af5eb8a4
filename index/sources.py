"""The documents an index holds, a page at a time (for `qabot sources` and Telegram's /sources)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .engine import DocumentInfo

DEFAULT_PAGE = 20
MAX_PAGE = 200


@dataclass(frozen=True)
class SourcePage:
    """One page of the index's documents, in index (doc_id) order."""

    documents: tuple[DocumentInfo, ...]
    offset: int  # index of documents[0] among all documents
    total: int  # how many documents the index holds

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, None on the last page."""
        end = self.offset + len(self.documents)
        return end if end < self.total else None


def list_sources(documents: Sequence[DocumentInfo], offset: int = 0,
                 limit: int = DEFAULT_PAGE) -> SourcePage:
    """Documents [offset, offset + limit) of `documents`; limit is capped at MAX_PAGE."""
    if offset < 0:
        raise ValueError(f"offset must be 0 or more, not {offset}")
    if limit < 1:
        raise ValueError(f"limit must be 1 or more, not {limit}")
    limit = min(limit, MAX_PAGE)
    return SourcePage(tuple(documents[offset : offset + limit]), offset, len(documents))
