"""qabot's search engine: documents -> passages -> BM25 index -> hits. Knows nothing of Telegram.

This module is the package's public API: bot/ and the scripts import from here only.
"""

from .analysis.acronyms import spelled_out
from .analysis.documents import Document, Skipped, read_documents
from .analysis.passages import Passage, split_document
from .analysis.tokens import STOPWORDS, term_spans, tokenize
from .analysis.webpages import extract_article
from .build import (
    DEFAULT_DOCS,
    DEFAULT_INDEX,
    ENGINES,
    BuildSummary,
    build_index,
    describe,
    fingerprint,
    load_or_build,
    plan_rebuild,
    recorded_roots,
    warnings,
)
from .engine import DocumentInfo, Engine, Hit
from .engines.small import Index
from .errors import (
    IndexBusyError,
    IndexCorruptError,
    IndexMissingError,
    NoDocumentsError,
    QabotIndexError,
)
from .load import load_index
from .progress import BuildProgress, ProgressCallback
from .query import Query, parse_question, with_names_corrected, with_spelled_out
from .reranking import Ranking, Scored, rerank
from .semantic import Encoder, default_encoder
from .sources import SourcePage, list_sources
from .storage import companion_path, file_lock, index_paths, write_bytes, write_json

__all__ = [
    "DEFAULT_DOCS",
    "DEFAULT_INDEX",
    "ENGINES",
    "STOPWORDS",
    "BuildProgress",
    "BuildSummary",
    "Document",
    "DocumentInfo",
    "Encoder",
    "Engine",
    "Hit",
    "Index",
    "IndexBusyError",
    "IndexCorruptError",
    "IndexMissingError",
    "NoDocumentsError",
    "Passage",
    "ProgressCallback",
    "QabotIndexError",
    "Query",
    "Ranking",
    "Scored",
    "Skipped",
    "SourcePage",
    "build_index",
    "companion_path",
    "default_encoder",
    "describe",
    "extract_article",
    "file_lock",
    "fingerprint",
    "index_paths",
    "list_sources",
    "load_index",
    "load_or_build",
    "parse_question",
    "with_names_corrected",
    "with_spelled_out",
    "plan_rebuild",
    "read_documents",
    "recorded_roots",
    "rerank",
    "spelled_out",
    "split_document",
    "term_spans",
    "tokenize",
    "warnings",
    "write_bytes",
    "write_json",
]
