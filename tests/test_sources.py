"""Listing the documents: the paged API and `qabot sources`."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from bot.answer import Answerer
from index import IndexBusyError, build_index, list_sources, load_index
from index.storage import rebuild_lock
from tests.test_cli import run


def _docs(folder: Path, count: int) -> Path:
    folder.mkdir()
    lines = [json.dumps({"_id": f"n{i:02d}", "title": f"Story {i:02d}", "published": f"2025-01-{i + 1:02d}",
                         "text": f"Story number {i} is about bridge {i}."}) for i in range(count)]
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_sources_are_paged_in_index_order(tmp_path: Path) -> None:
    build_index([_docs(tmp_path / "docs", 25)], tmp_path / "index.json", engine="archive")
    answerer = Answerer(load_index(tmp_path / "index.json"))
    first = answerer.sources(0, 10)
    assert (first.total, first.offset, first.next_offset) == (25, 0, 10)
    assert [d.title for d in first.documents][:2] == ["Story 00", "Story 01"]
    last = answerer.sources(20, 10)
    assert (len(last.documents), last.next_offset) == (5, None)
    assert last.documents[-1].published == "2025-01-25"
    with pytest.raises(ValueError):
        list_sources(answerer.index.documents, -1, 10)


def test_qabot_sources_prints_a_page_and_the_next_offset(tmp_path: Path) -> None:
    build_index([_docs(tmp_path / "docs", 12)], tmp_path / "index.json")
    proc = run(["sources", "--index", "index.json", "--limit", "5", "--offset", "5"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "6. Story 05 (2025-01-06)" in proc.stdout
    assert "6-10 of 12 documents; next page: --offset 10" in proc.stdout
    proc = run(["sources", "--index", "index.json", "--json", "--limit", "50"], cwd=tmp_path)
    page = json.loads(proc.stdout)
    assert page["total"] == 12 and page["next_offset"] is None and len(page["documents"]) == 12


def test_a_second_archive_rebuild_at_once_is_refused(tmp_path: Path) -> None:
    docs = _docs(tmp_path / "docs", 3)
    out = tmp_path / "index.json"
    errors: list[BaseException] = []
    with rebuild_lock(out):
        def other() -> None:
            try:
                build_index([docs], out, engine="archive")
            except BaseException as err:  # noqa: BLE001 - handed to the test thread
                errors.append(err)

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert isinstance(errors[0], IndexBusyError)
    assert "another rebuild" in str(errors[0]) and not out.exists()
