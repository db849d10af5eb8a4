"""Bad documents: each gives a named warning or a clear refusal, and the previous index keeps serving.

Every case starts from a good index of a small docs folder, turns the folder bad, and asks
`load_or_build` (what every answering command and /reload's rebuild go through) for the index.
"""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import pytest

from bot.answer import ANSWERED, Answerer
from index import Index, load_index, load_or_build
from index.analysis import documents as documents_module
from tests.conftest import copy_english

GOOD = "Police and immigration\n\nThe police chief said ICE detainers last 48 hours in the county jail.\n"
OTHER = "Second article\n\nThe sheriff signed a 287(g) agreement with federal immigration agents.\n"


def digest(index: Index) -> str:
    """What an index serves: its passages' texts and offsets."""
    rows = "\n".join(f"{p.doc_id}|{p.start}|{p.end}|{p.text}" for p in index.passages)
    return hashlib.sha256(rows.encode("utf-8")).hexdigest()


@pytest.fixture
def served(tmp_path: Path, article_index_path: Path) -> tuple[Path, Path, str]:
    """(docs folder, index path, digest of the good index) with the good index built."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "ix" / "index.json"
    copy_english(article_index_path, out)
    index = load_or_build(out, [docs], lambda _: None)
    return docs, out, digest(index)


def rebuild(docs: Path, out: Path) -> tuple[Index, list[str]]:
    messages: list[str] = []
    return load_or_build(out, [docs], messages.append), messages


def assert_answers(index: Index) -> None:
    assert Answerer(index).answer("How long do ICE detainers last?").status == ANSWERED


def empty(docs: Path) -> None:
    for file in docs.iterdir():
        file.unlink()


def only_binary(docs: Path) -> None:
    empty(docs)
    rng = random.Random(7)
    for n in range(3):
        (docs / f"blob{n}.txt").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    (docs / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


@pytest.mark.parametrize("make_bad", [empty, only_binary], ids=["empty folder", "only binary files"])
def test_a_folder_with_nothing_to_index_is_refused_and_the_old_index_serves(
    served: tuple[Path, Path, str], make_bad
) -> None:
    docs, out, before = served
    make_bad(docs)
    index, messages = rebuild(docs, out)
    assert digest(index) == before and digest(load_index(out)) == before
    refusal = [m for m in messages if "rebuild failed" in m]
    assert refusal and "no documents with text" in refusal[0] and "previous index" in refusal[0]
    assert_answers(index)


def undecodable(docs: Path) -> str:
    # Bytes that are neither UTF-8 nor any legacy encoding charset-normalizer makes sense of.
    rng = random.Random(7)
    blob = bytes(rng.randrange(256) for _ in range(4096)).replace(b"\x00", b"")
    (docs / "noise.txt").write_bytes(blob)
    with pytest.raises(UnicodeDecodeError) as bad:
        blob.decode("utf-8")
    bad_at = bad.value.start
    return f"skipped {docs / 'noise.txt'}: not text: not UTF-8 (bad byte at offset {bad_at}) and no other encoding fits"


def duplicate(docs: Path) -> str:
    (docs / "copy-of-good.txt").write_text(GOOD.replace(" the county", "  the\ncounty"), encoding="utf-8")
    return f"skipped {docs / 'good.txt'}: duplicate of {docs / 'copy-of-good.txt'}"


def symlink_outside(docs: Path) -> str:
    secret = docs.parent / "secret.txt"
    secret.write_text("Secret\n\nThe admin password is hunter2.\n", encoding="utf-8")
    os.symlink(secret, docs / "link.txt")
    return f"skipped {docs / 'link.txt'}: it points outside the docs folder"


def symlinked_folder_outside(docs: Path) -> str:
    outside = docs.parent / "elsewhere"
    outside.mkdir()
    (outside / "private.txt").write_text("Private\n\nThe admin password is hunter2.\n", encoding="utf-8")
    os.symlink(outside, docs / "sub")
    return ""  # os.walk does not follow folder links: nothing from there is read


def too_big(docs: Path) -> str:
    with open(docs / "huge.txt", "wb") as f:  # sparse: no disk used
        f.truncate(documents_module.MAX_DOCUMENT_BYTES + 1)
    limit = documents_module.MAX_DOCUMENT_BYTES // (1024 * 1024)
    return f"skipped {docs / 'huge.txt'}: larger than {limit} MB"


@pytest.mark.parametrize("make_bad", [undecodable, duplicate, symlink_outside, symlinked_folder_outside, too_big])
def test_a_bad_file_next_to_good_ones_is_named_and_the_rest_indexed(
    served: tuple[Path, Path, str], make_bad
) -> None:
    docs, out, _ = served
    (docs / "other.txt").write_text(OTHER, encoding="utf-8")
    warning = make_bad(docs)
    index, messages = rebuild(docs, out)
    if warning:
        assert any(warning in m for m in messages), messages
    assert sorted(d.doc_id for d in index.documents) in (["good.txt", "other.txt"], ["copy-of-good.txt", "other.txt"])
    assert not any("hunter2" in p.text for p in index.passages)
    assert_answers(index)
    assert digest(load_index(out)) == digest(index)


def test_one_2mb_line_is_indexed_in_bounded_passages(served: tuple[Path, Path, str]) -> None:
    docs, out, _ = served
    rng = random.Random(3)
    words = [f"w{n}" for n in range(3000)] + ["police", "detainers"]
    sentence = " ".join(rng.choice(words) for _ in range(60)) + ". "
    line = (sentence * (2 * 1024 * 1024 // len(sentence) + 1))[: 2 * 1024 * 1024]
    (docs / "one-line.txt").write_text("One line\n\n" + line, encoding="utf-8")
    index, messages = rebuild(docs, out)
    long_doc = [p for p in index.passages if p.doc_id == "one-line.txt"]
    assert long_doc and max(len(p.text) for p in long_doc) < 20_000
    text = (docs / "one-line.txt").read_text(encoding="utf-8")
    assert all(text[p.start : p.end] == p.text for p in long_doc)
    assert_answers(index)


def test_a_file_deleted_while_the_rebuild_reads_it_is_named_and_skipped(
    served: tuple[Path, Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, out, _ = served
    (docs / "vanishing.txt").write_text(OTHER, encoding="utf-8")
    real_read = documents_module._read_bytes

    def read_after_delete(file: Path, root_real: Path) -> bytes:
        if file.name == "vanishing.txt":
            file.unlink()  # gone between listing the folder and reading the file
        return real_read(file, root_real)

    monkeypatch.setattr(documents_module, "_read_bytes", read_after_delete)
    index, messages = rebuild(docs, out)
    assert any(m.startswith(f"warning: skipped {docs / 'vanishing.txt'}: cannot be read") for m in messages), messages
    assert [d.doc_id for d in index.documents] == ["good.txt"]
    assert_answers(index)
    monkeypatch.undo()
    # The next load sees the folder as it is now, and does not rebuild again and again.
    again, messages = rebuild(docs, out)
    assert [d.doc_id for d in again.documents] == ["good.txt"]
    third, messages = rebuild(docs, out)
    assert messages == [] and digest(third) == digest(again)


@pytest.mark.slow
def test_a_50mb_file_is_indexed(served: tuple[Path, Path, str]) -> None:
    """About 30 s (the archive engine takes over above 4 MB): in `make stress`, not `make test`."""
    docs, out, _ = served
    rng = random.Random(5)
    words = [f"w{n}" for n in range(5000)] + ["police", "immigration"]
    block = "\n\n".join(" ".join(rng.choice(words) for _ in range(80)) + "." for _ in range(200))
    with open(docs / "big.txt", "w", encoding="utf-8") as f:
        f.write("Big file\n\n")
        while f.tell() < 50 * 1024 * 1024:
            f.write(block + "\n\n")
    index, messages = rebuild(docs, out)
    assert sorted(d.doc_id for d in index.documents) == ["big.txt", "good.txt"]
    assert len(index.passages) > 100_000
    assert_answers(index)
