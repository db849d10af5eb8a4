"""The archive's spelling table (analysis/wordtable.py): made once at build time from the words of
the stems table, stored beside the postings and memory-mapped at load, so the first question that
needs a correction reads a few slices of it instead of sorting a million words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..analysis.spelling import word_table
from ..analysis.wordtable import ARRAY_NAMES, WORDTABLE_VERSION, WordTable
from .archive_store import ArchiveWriter


def write_word_table(writer: ArchiveWriter, meta: dict[str, Any]) -> None:
    """Add the spelling table of `meta`'s stems to the archive being written; meta records its version."""
    for name, array in word_table(meta["stems"]).arrays().items():
        writer.add(name, array)
    meta["spelling"] = WORDTABLE_VERSION


def stored_word_table(meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> WordTable | None:
    """The archive's stored table; None for an archive without one of this version (one built
    before tables were stored: its speller makes the table in memory at the first correction)."""
    if meta.get("spelling") != WORDTABLE_VERSION or not all(name in arrays for name in ARRAY_NAMES):
        return None
    return WordTable.from_arrays(arrays)
