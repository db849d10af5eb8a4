"""Opening an index: the file says which engine wrote it."""

from __future__ import annotations

from pathlib import Path

from .engine import Engine
from .engines.archive import load_archive
from .engines.small import load_small
from .storage import read_index


def load_index(path: Path) -> Engine:
    """Load the index at `path` (its folder or its file) with the engine that built it; never
    re-tokenizes the passages."""
    data = read_index(path)
    if data.get("kind") == "archive":
        # The file points to an archive folder (the sparse-matrix engine for big indexes).
        archive = load_archive(path, data)
        archive.path = path
        return archive
    return load_small(path, data)
