import json
import threading
from pathlib import Path

import pytest

from index import (
    IndexBusyError,
    IndexCorruptError,
    IndexMissingError,
    NoDocumentsError,
    build_index,
    load_index,
    load_or_build,
)
from index.storage import companion_path, index_paths, rebuild_lock


def test_index_is_plain_json_with_version_and_fingerprint(docs_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "ix" / "index.json"
    summary = build_index([docs_copy], out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "qabot-index" and data["version"] == 3
    assert len(data["fingerprint"]) == 64
    assert (summary.documents, summary.passages) == (1, 15)
    assert not list(out.parent.glob("*.tmp"))


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"\xff\xfe", b"[]", b'{"format": "other"}',
     b'{"format": "qabot-index", "version": 99}',
     b'{"format": "qabot-index", "version": 3, "tokenizer": 3}'],
)
def test_corrupt_or_incompatible_index_raises_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "index.json"
    path.write_bytes(content)
    with pytest.raises(IndexCorruptError, match="qabot index"):
        load_index(path)


def test_missing_index_names_the_rebuild_command(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="qabot index"):
        load_index(tmp_path / "nope.json")


def test_a_failed_rebuild_leaves_the_old_index(docs_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "index.json"
    build_index([docs_copy], out)
    before = out.read_bytes()
    for f in docs_copy.iterdir():
        f.unlink()
    (docs_copy / "binary.txt").write_bytes(b"\x00\x00")
    with pytest.raises(NoDocumentsError):
        build_index([docs_copy], out)
    assert out.read_bytes() == before
    messages: list[str] = []
    index = load_or_build(out, [docs_copy], messages.append)
    assert len(index.passages) == 15
    assert any("answering from the previous index" in m for m in messages)


def test_changed_docs_are_rebuilt_on_load(docs_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "index.json"
    build_index([docs_copy], out)
    (docs_copy / "extra.md").write_text("Budget news\n\nThe council approved the budget.\n", encoding="utf-8")
    messages: list[str] = []
    index = load_or_build(out, [docs_copy], messages.append)
    assert len(index.documents) == 2
    assert any("changed" in m for m in messages)
    messages.clear()
    load_or_build(out, [docs_copy], messages.append)
    assert messages == []


def test_a_second_rebuild_at_once_is_refused(docs_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "index.json"
    with rebuild_lock(out):
        result: list[BaseException] = []

        def other() -> None:
            try:
                build_index([docs_copy], out)
            except BaseException as err:  # noqa: BLE001 - handed to the test thread
                result.append(err)

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert isinstance(result[0], IndexBusyError)
    assert not out.exists()


def test_a_crash_while_writing_leaves_the_old_index(docs_copy: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "index.json"
    build_index([docs_copy], out)
    before = out.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("index.storage.os.replace", disk_full)
    (docs_copy / "extra.md").write_text("News\n\nMore text here.\n", encoding="utf-8")
    with pytest.raises(OSError, match="No space"):
        build_index([docs_copy], out)
    assert out.read_bytes() == before
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("given, file, home", [
    ("ix", "ix/index.json", "ix"),
    ("my.json", "my.json", "my.json.d"),
    ("ix/index.json", "ix/index.json", "ix"),
])
def test_an_index_names_one_folder_for_everything_it_keeps(
    docs_copy: Path, tmp_path: Path, given: str, file: str, home: str
) -> None:
    paths = index_paths(tmp_path / given)
    assert (paths.file, paths.home) == (tmp_path / file, tmp_path / home)
    assert companion_path(tmp_path / given, "vectors.npy") == tmp_path / home / "vectors.npy"
    for reserved in ("index.json", "archives", "segments", "rebuild.lock", "english-stems.tsv", "../x", ""):
        with pytest.raises(ValueError):
            paths.companion(reserved)
    build_index([docs_copy], tmp_path / given)
    index = load_index(tmp_path / given)
    assert index.companion("vectors.npy") == tmp_path / home / "vectors.npy"
    assert (tmp_path / home / "rebuild.lock").is_file() and (tmp_path / file).is_file()
