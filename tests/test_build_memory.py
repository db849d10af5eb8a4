"""The archive build lets go of what it has read: cached segments' pages leave the process's memory
once merged (index/mapped.py), and what is built stays the same."""

from __future__ import annotations

import mmap
import sys
from pathlib import Path

import numpy as np
import pytest

from index.engines.archive_build import cache_dir, merge
from index.engines.archive_store import ArchiveWriter
from index.mapped import release
from index.pipeline import analyse, catalogue
from tests.test_archive_engine import _zipf_corpus

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps").is_file() or sys.platform != "linux",
                                reason="reads the process's mappings from /proc")


def _resident(paths: set[str]) -> tuple[int, int]:
    """Bytes resident and bytes mapped, over this process's mappings of the files `paths`."""
    resident = size = 0
    current = False
    with open("/proc/self/smaps", encoding="utf-8") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5 and ":" not in fields[0]:
                current = len(fields) >= 6 and fields[5] in paths
                if current:
                    lo, hi = (int(x, 16) for x in fields[0].split("-"))
                    size += hi - lo
            elif current and fields[0] == "Rss:":
                resident += int(fields[1]) * 1024
    return resident, size


def test_a_released_view_of_a_mapped_file_leaves_memory_and_reads_back_the_same(tmp_path: Path) -> None:
    data = np.arange(4 * mmap.PAGESIZE, dtype=np.int64)
    file = tmp_path / "data.bin"
    file.write_bytes(data.tobytes())
    with open(file, "rb") as handle:
        mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    view = np.frombuffer(mapping, np.int64, len(data) - 8, 64)  # not page-aligned, as in a segment
    assert int(view.sum()) == int(data[8:].sum())  # touches every page
    before, size = _resident({str(file)})
    assert before == size
    release(view)
    after, _ = _resident({str(file)})
    assert after <= 2 * mmap.PAGESIZE  # the two pages it shares with the bytes around it
    assert np.array_equal(view, data[8:])  # read back from the page cache
    release(np.ones(10))  # not mapped: nothing happens
    del view
    mapping.close()


def test_the_merge_leaves_the_segments_pages_behind(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _zipf_corpus(docs, 1500)
    out = tmp_path / "index"
    analysed = analyse([docs], cache_dir(out), lambda _: None)
    files = {str(p) for p in cache_dir(out).iterdir()}
    _, size = _resident(files)
    assert size >= 1 << 20  # big enough for the pages left at arrays' edges to be a small share
    writer = ArchiveWriter(tmp_path / "archive")
    merged = merge(analysed.segments, catalogue(analysed), writer.add)
    assert merged is not None
    meta, documents, passages = merged
    writer.finish(meta, documents)
    resident, _ = _resident(files)
    # Each segment's 14 arrays share at most two pages each with their neighbours, plus its header.
    assert resident <= len(files) * 32 * mmap.PAGESIZE < size // 4
    assert passages == sum(d["passages"] for d in documents)
