"""The segment cache files (index/segments.py): what is saved loads back, and a damaged entry is
recomputed rather than trusted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index import build_index, load_index
from index.analysis import segments
from index.analysis.segments import SUFFIX, Source, compute_segment, load_segment, save_segment, sources_of
from index.engines.archive_build import cache_dir
from index.engines.archive_store import archives_dir

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


def _feed(count: int, start: int = 0) -> str:
    return "".join(
        json.dumps({"_id": f"n{i:04d}", "title": f"Harbour report {i}",
                    "text": f"Ferry {i} left the harbour at {i % 24} o'clock.\n\nThe pier {i % 7} was busy."}) + "\n"
        for i in range(start, start + count))


def test_a_big_jsonl_file_is_read_in_parts_and_an_append_tokenizes_only_the_last_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    feed = docs / "archive.jsonl"
    feed.write_text(_feed(300), encoding="utf-8")
    whole = build_index([docs], tmp_path / "whole", engine="archive")  # one part: the file is small
    assert whole.computed == 1
    monkeypatch.setattr(segments, "CHUNK_BYTES", 4096)
    parts = sources_of(feed, docs, "docs")
    assert len(parts) >= 8 and all(p.span is not None for p in parts)
    assert parts[0].span[0] == 0 and parts[-1].span[1] == feed.stat().st_size
    assert all(a.span[1] == b.span[0] for a, b in zip(parts, parts[1:], strict=False))  # no gap, no overlap
    split = build_index([docs], tmp_path / "split", engine="archive")
    assert split.computed == len(parts)
    # The parts make the very same index as the whole file.
    one, many = load_index(tmp_path / "whole"), load_index(tmp_path / "split")
    assert [(p.doc_id, p.start, p.end, p.text) for p in one.passages] == \
           [(p.doc_id, p.start, p.end, p.text) for p in many.passages]
    weights = {"ferri": 1.0, "harbour": 0.5, "pier": 1.0}
    assert one.search(weights, 20) == many.search(weights, 20)
    # Appending 20 documents and a bad line tokenizes the last part and the new ones only.
    with open(feed, "a", encoding="utf-8") as f:
        f.write(_feed(20, start=300) + "{oops\n")
    after = sources_of(feed, docs, "docs")
    appended = build_index([docs], tmp_path / "split", engine="archive")
    assert appended.documents == 320
    assert appended.reused == len(parts) - 1 and appended.computed == len(after) - len(parts) + 1
    assert [(Path(s.path).name, s.reason.split(" (")[0]) for s in appended.skipped] == [
        ("archive.jsonl:321", "not valid JSON")]
    index = load_index(tmp_path / "split")
    assert index.documents[-1].doc_id == "archive.jsonl#n0319"
