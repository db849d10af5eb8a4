"""Crash-safe rebuilds: SIGKILL at random moments leaves the old index or the new one, and a disk
that fills up mid-write leaves the old index serving and says why."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest

from bot import cli
from index import QabotIndexError, build_index, load_index, load_or_build
from index.analysis.english import CACHE_NAME
from index.storage import index_paths
from tests.conftest import ARTICLES, copy_english
from tests.stress.kill_rebuilds import run

KILLS = 5  # per engine; `make stress` runs 100 per engine


@pytest.mark.parametrize("engine", ["bm25", "archive"])
def test_random_kills_leave_the_old_or_the_new_index(
    tmp_path: Path, article_index_path: Path, engine: str
) -> None:
    report = run(KILLS, engine, seed=1, work=tmp_path, stems=index_paths(article_index_path).home / CACHE_NAME)
    assert report.kills == KILLS and report.bad == 0, report.line()


def disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def changed_docs(tmp_path: Path, article_index_path: Path) -> tuple[Path, Path, bytes]:
    """(docs, index, old index bytes): an index of the article, then a new article in the docs."""
    docs = tmp_path / "docs"
    shutil.copytree(ARTICLES, docs)
    out = tmp_path / "ix" / "index.json"
    copy_english(article_index_path, out)
    build_index([docs], out)
    (docs / "extra.md").write_text("Harbor news\n\nThe harbor ferry schedule changed on Monday.\n",
                                   encoding="utf-8")
    return docs, out, out.read_bytes()


@pytest.mark.parametrize("where", ["index.storage.os.replace", "index.storage.os.fsync"])
def test_a_full_disk_keeps_the_old_index_serving_and_says_why(
    changed_docs: tuple[Path, Path, bytes], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    docs, out, before = changed_docs
    monkeypatch.setattr(where, disk_full)
    notes: list[str] = []
    index = load_or_build(out, [docs], notes.append)
    assert out.read_bytes() == before and not list(out.parent.glob("*.tmp"))
    assert len(index.documents) == 1
    assert any("No space left on device" in n and "previous index" in n for n in notes), notes


def test_a_full_disk_archive_write_keeps_the_old_index(
    changed_docs: tuple[Path, Path, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, out, _ = changed_docs
    build_index([docs], out, engine="archive")
    (docs / "extra2.md").write_text("School news\n\nTeachers went on strike.\n", encoding="utf-8")
    before = out.read_bytes()
    monkeypatch.setattr("index.engines.archive_store.np.save", disk_full)
    with pytest.raises(OSError):
        build_index([docs], out, engine="archive")
    assert out.read_bytes() == before
    assert "strike" not in json.dumps([p.text for p in load_index(out).passages])


def test_a_full_disk_with_no_previous_index_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("index.storage.os.replace", disk_full)
    with pytest.raises(QabotIndexError, match="No space left on device"):
        load_or_build(tmp_path / "ix" / "index.json", [ARTICLES], lambda _: None)


def test_qabot_ask_answers_from_the_old_index_when_the_disk_is_full(
    changed_docs: tuple[Path, Path, bytes], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    docs, out, before = changed_docs
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QABOT_DOCS", str(docs))
    monkeypatch.setenv("QABOT_INDEX", str(out))
    monkeypatch.setattr("index.storage.os.replace", disk_full)
    code = cli.main(["ask", "Who is the new DHS Secretary?", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Mayorkas" in json.loads(captured.out)["answers"][0]["text"]
    assert "No space left on device" in captured.err and "Traceback" not in captured.err
    assert out.read_bytes() == before
