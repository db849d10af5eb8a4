import os
from pathlib import Path

from index.analysis.documents import read_documents


def test_bad_files_are_skipped_with_a_reason_naming_them(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("Good title\n\nA paragraph about police.\n", encoding="utf-8")
    (docs / "empty.txt").write_text("  \n", encoding="utf-8")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02 binary")
    (docs / "latin1.txt").write_bytes("Caf\xe9 title\n\nbody\n".encode("latin-1"))
    (docs / "title-only.md").write_text("Only a title\n", encoding="utf-8")
    (docs / "image.png").write_bytes(b"\x89PNG")
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret\n\nnot for the index\n", encoding="utf-8")
    os.symlink(outside, docs / "link.txt")
    found, skipped = read_documents(docs)
    assert [d.doc_id for d in found] == ["good.txt", "latin1.txt"]
    assert found[1].title == "Caf\xe9 title" and found[1].encoding == "cp1252"
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert reasons == {
        "binary.txt": "binary, not text",
        "empty.txt": "empty",
        "link.txt": "it points outside the docs folder",
        "title-only.md": "no text",
    }


def test_nested_folders_are_read_in_a_stable_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "c").mkdir(parents=True)
    for rel in ("b/z.txt", "a/c/y.md", "x.txt"):
        (tmp_path / rel).write_text(f"{rel}\n\nText of {rel}.\n", encoding="utf-8")
    found, _ = read_documents(tmp_path)
    assert [d.doc_id for d in found] == ["a/c/y.md", "b/z.txt", "x.txt"]


def test_crlf_files_keep_offsets_true_to_python_text_reading(tmp_path: Path) -> None:
    (tmp_path / "w.txt").write_bytes(b"Title\r\n\r\nFirst para.\r\n\r\nSecond para.\r\n")
    found, _ = read_documents(tmp_path)
    assert found[0].text == (tmp_path / "w.txt").read_text(encoding="utf-8")


def test_jsonl_documents_one_per_line(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        '{"_id": "1", "title": "One", "text": "First text.", "url": "https://x.org/1"}\n'
        "not json\n"
        '{"id": 2, "title": "Two", "text": "Second text."}\n'
        '{"id": 3, "title": "No text"}\n',
        encoding="utf-8",
    )
    found, skipped = read_documents(tmp_path)
    assert [(d.doc_id, d.title, d.url) for d in found] == [
        ("a.jsonl#1", "One", "https://x.org/1"),
        ("a.jsonl#2", "Two", None),
    ]
    assert [s.path.rsplit("/", 1)[-1] for s in skipped] == ["a.jsonl:2", "a.jsonl:4"]
