"""The segment cache files (index/segments.py): what is saved loads back, and a damaged entry is
recomputed rather than trusted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from index import build_index
from index.archive_build import cache_dir
from index.archive_store import archives_dir
from index.segments import SUFFIX, Source, compute_segment, load_segment, save_segment

ARTICLE = """Storm closes the harbour

The National Weather Service (NWS) warned of high winds on Monday.

Ferries stayed in port; the National Weather Service expects calmer seas by Wednesday.
"""


def test_a_saved_segment_loads_back_the_same(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "storm.txt").write_text(ARTICLE, encoding="utf-8")
    segment = compute_segment(Source(docs / "storm.txt", docs, "docs"))
    save_segment(tmp_path / "cache", "k", segment)
    loaded = load_segment(tmp_path / "cache", "k")
    assert loaded is not None
    assert loaded.meta == segment.meta
    assert set(loaded.arrays) == set(segment.arrays)
    for name, array in segment.arrays.items():
        assert loaded.arrays[name].dtype == array.dtype and np.array_equal(loaded.arrays[name], array), name


def test_a_damaged_cache_entry_is_recomputed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "storm.txt").write_text(ARTICLE, encoding="utf-8")
    (docs / "other.txt").write_text("Harbour news\n\nThe ferries sail again.\n", encoding="utf-8")
    out = tmp_path / "ix" / "index.json"
    build_index([docs], out, engine="archive")
    first = _archive_files(out)
    entries = sorted(cache_dir(out).glob(f"*{SUFFIX}"))
    assert len(entries) == 2
    entries[0].write_bytes(entries[0].read_bytes()[:100])  # cut short
    entries[1].write_bytes(b"QABOTSEG" + b"\xff" * 64)  # garbage header
    assert all(load_segment(cache_dir(out), e.stem) is None for e in entries)
    build_index([docs], out, engine="archive")
    assert _archive_files(out) == first
    assert all(load_segment(cache_dir(out), e.stem) is not None for e in entries)  # written again


def _archive_files(out: Path) -> dict[str, bytes]:
    folder = archives_dir(out) / json.loads(out.read_text())["archive"]
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    meta = json.loads(files.pop("meta.json"))
    meta.pop("fingerprint")
    files["meta.json"] = json.dumps(meta).encode()
    return files
