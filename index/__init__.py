"""qabot's search engine: documents -> passages -> BM25 index -> hits. Knows nothing of Telegram."""

from .build import BuildSummary, build_index, describe, fingerprint, load_or_build
from .documents import Document, Skipped, read_documents
from .errors import (
    IndexBusyError,
    IndexCorruptError,
    IndexMissingError,
    NoDocumentsError,
    QabotIndexError,
)
from .passages import Passage, split_document
from .search import DocumentInfo, Hit, Index, load_index
from .sources import SourcePage, list_sources
from .tokens import STOPWORDS, term_spans, tokenize

__all__ = [
    "BuildSummary",
    "Document",
    "DocumentInfo",
    "Hit",
    "Index",
    "IndexBusyError",
    "IndexCorruptError",
    "IndexMissingError",
    "NoDocumentsError",
    "Passage",
    "QabotIndexError",
    "STOPWORDS",
    "Skipped",
    "SourcePage",
    "build_index",
    "describe",
    "fingerprint",
    "load_index",
    "list_sources",
    "load_or_build",
    "read_documents",
    "split_document",
    "term_spans",
    "tokenize",
]
