"""The archive on disk: a folder of plain arrays (.npy) and JSON with a format version, no pickle.

An index file (the JSON the small engine also uses) points to the current archive folder. A rebuild
writes a new folder next to it, syncs it, then replaces the index file atomically: a crash at any
moment leaves the old index or the new one, and a reader that resolved the old folder keeps it.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.lib import format as npformat

from ..analysis.wordtable import ARRAY_NAMES as SPELLING_ARRAYS
from ..analysis.wordtable import WORDTABLE_VERSION
from ..errors import IndexCorruptError
from ..mapped import release
from ..storage import fsync_dir, index_paths

ARCHIVE_FORMAT = "qabot-archive"
ARCHIVE_VERSION = 4
# Folders kept besides the current one: a process that read the old index file a moment before the
# swap can still open the folder it names.
KEEP_OLD = 1
ARRAYS = (
    "p_doc", "p_start", "p_end", "p_para", "p_section", "p_len", "p_text", "p_sent",
    "text", "sents", "col_ptr", "rows", "tfs", "weights", "wmax", "idf",
    # Headings (per group of passages sharing one, g_start) and documents: the same BM25 parts.
    "g_start", "h_ptr", "h_rows", "h_tfs", "h_weights", "h_wmax", "h_idf",
    "d_ptr", "d_rows", "d_tfs", "d_weights", "d_wmax", "d_idf",
)


def archives_dir(index_path: Path) -> Path:
    """Where the archive folders of the index `index_path` live."""
    return index_paths(index_path).archives


class ArchiveWriter:
    """Writes a new archive folder, each array (synced) in a background thread as soon as it is
    added, so the disk works while the merge computes the next arrays (writes and fsync release
    the GIL). `finish` completes the folder; until then it has no meta.json and is never loaded."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder  # made with the first array: a merge that finds nothing leaves nothing
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="archive-writer")
        self._jobs: dict[str, Future[None]] = {}

    def add(self, name: str, array: np.ndarray | list[np.ndarray]) -> None:
        """Write one of ARRAYS (the array must not change afterwards); a list of 1-d arrays of one
        type is written as their concatenation, without making it in memory."""
        if not self._jobs:
            self.folder.mkdir(parents=True)
        def save(out: BinaryIO) -> None:
            if isinstance(array, list):
                _save_parts(out, array)
            else:
                _save(out, array)

        self._jobs[name] = self._pool.submit(_write, self.folder / f"{name}.npy", save)

    def finish(self, meta: dict[str, Any], documents: list[dict]) -> None:
        """Wait for the arrays (raising the first error), then write the JSON files and sync."""
        missing = [name for name in ARRAYS if name not in self._jobs]
        if missing:
            raise ValueError(f"archive arrays not written: {missing}")
        for job in self._jobs.values():
            job.result()
        self._pool.shutdown()
        folder = self.folder
        _write(folder / "documents.json", lambda out: out.write(_json(documents)))
        # meta.json last: a folder without it is unfinished and never loaded.
        _write(folder / "meta.json", lambda out: out.write(_json(
            {"format": ARCHIVE_FORMAT, "version": ARCHIVE_VERSION, **meta})))
        fsync_dir(folder)
        fsync_dir(folder.parent)

    def abandon(self) -> None:
        """After a failure: stop writing and delete the unfinished folder."""
        for job in self._jobs.values():
            job.cancel()
        self._pool.shutdown(wait=True)
        if self._jobs:
            shutil.rmtree(self.folder, ignore_errors=True)


def read_archive(folder: Path) -> tuple[dict[str, Any], list[dict], dict[str, np.ndarray]]:
    """Metadata, documents and arrays of an archive; big arrays are memory-mapped, not read."""
    try:
        meta = json.loads((folder / "meta.json").read_bytes())
        if meta.get("format") != ARCHIVE_FORMAT or meta.get("version") != ARCHIVE_VERSION:
            raise IndexCorruptError(
                f"the archive at {folder} has format {meta.get('format')!r} version "
                f"{meta.get('version')!r}; this qabot reads version {ARCHIVE_VERSION}: "
                "rebuild it with `qabot index`"
            )
        documents = json.loads((folder / "documents.json").read_bytes())
        # The spelling table (archive_spelling.py) is read when meta.json names its version.
        names = ARRAYS + (SPELLING_ARRAYS if meta.get("spelling") == WORDTABLE_VERSION else ())
        arrays = {
            name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            for name in names
        }
    except (OSError, ValueError) as err:
        raise IndexCorruptError(
            f"the archive at {folder} cannot be read ({err}); rebuild it with `qabot index`"
        ) from None
    return meta, documents, arrays


def prune(index_path: Path, current: str) -> None:
    """Delete archive folders other than `current` and the KEEP_OLD newest before it."""
    base = archives_dir(index_path)
    names = sorted((p.name for p in base.iterdir() if p.is_dir()), reverse=True)
    keep = {current}
    keep.update([n for n in names if n < current][:KEEP_OLD])
    for name in names:
        if name not in keep:
            shutil.rmtree(base / name, ignore_errors=True)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _save(out: BinaryIO, array: np.ndarray) -> None:
    np.save(out, array, allow_pickle=False)


def _save_parts(out: BinaryIO, parts: list[np.ndarray]) -> None:
    """The .npy file of the concatenation of `parts` (the same bytes as np.save writes)."""
    dtype = parts[0].dtype if parts else np.dtype(np.uint8)
    if any(p.dtype != dtype or p.ndim != 1 for p in parts):
        raise ValueError("parts of one array must be 1-d and of one type")
    header = {"descr": npformat.dtype_to_descr(dtype), "fortran_order": False,
              "shape": (sum(len(p) for p in parts),)}
    npformat.write_array_header_1_0(out, header)
    for part in parts:
        out.write(np.ascontiguousarray(part).data)
        release(part)  # a view of a cached segment: its pages are not read again


def _write(path: Path, fill: Any) -> None:
    with open(path, "wb") as out:
        fill(out)
        out.flush()
        os.fsync(out.fileno())
