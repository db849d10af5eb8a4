"""Import formats, duplicates and broken documents, through both engines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answer import Answerer
from index import NoDocumentsError, build_index, load_index, read_documents, split_document
from index.analysis import documents as documents_module

PAGE = """<!doctype html><html><head><title>Mayor signs budget | Springfield Times</title>
<link rel="canonical" href="https://example.com/news/mayor-budget">
<meta property="article:published_time" content="2025-03-14T09:00:00Z">
<script>var tracker = "script words must not be indexed";</script></head>
<body><nav><a href="/">Home</a> | <a href="/sports">Navigation sports link</a></nav>
<div class="ad">Buy cheap wristwatches now!</div>
<article><h1>Mayor signs the 2025 budget</h1>
<p>The mayor of Springfield signed the 2025 city budget on Friday, ending weeks of debate over
police funding and road repairs.</p>
<p>The budget allocates $12 million to road repairs, the largest sum in a decade, according to
the city's finance office.</p>
<h2>Police funding</h2>
<p>Council members agreed to keep police funding flat after a long public hearing on Thursday.</p>
</article><footer>Copyright 2025 Springfield Times. Subscribe to our newsletter.</footer>
</body></html>"""


def _write_mixed(docs: Path) -> None:
    (docs / "news" / "2025").mkdir(parents=True)
    (docs / "news" / "2025" / "budget.html").write_text(PAGE, encoding="utf-8")
    (docs / "plain.txt").write_text(
        "Harbour dredging starts\n\nThe harbour authority began dredging the channel on Monday.\n",
        encoding="utf-8")
    (docs / "news" / "fair.md").write_text(
        "---\ntitle: County fair opens\nurl: https://example.com/fair\npublished: 2025-06-01\n---\n"
        "The county fair opened with a record number of livestock entries.\n", encoding="utf-8")
    records = [
        {"_id": "s1", "title": "School board vote", "text": "The school board voted to extend "
         "the library hours.", "url": "https://example.com/s1", "published": "2025-02-02"},
        {"id": 7, "title": "Bridge closure", "text": "The old bridge closes for repairs in May."},
    ]
    (docs / "news" / "feed.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")


def test_html_page_keeps_article_text_title_canonical_url_and_date(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    docs, skipped = read_documents(tmp_path)
    assert skipped == []
    doc = docs[0]
    assert doc.title == "Mayor signs the 2025 budget"
    assert doc.url == "https://example.com/news/mayor-budget"
    assert doc.published == "2025-03-14"
    for left_out in ("script words", "Navigation sports", "wristwatches", "newsletter"):
        assert left_out not in doc.text
    passages = split_document(doc)
    # Offsets point into the extracted text (the document text), not into the HTML.
    assert all(doc.text[p.start : p.end] == p.text for p in passages)
    assert [p.section for p in passages] == [None, None, "Police funding"]


@pytest.mark.parametrize("engine", ["bm25", "archive"])
def test_every_format_in_nested_folders_is_indexed_and_cited_with_its_date(
    tmp_path: Path, engine: str
) -> None:
    docs = tmp_path / "docs"
    _write_mixed(docs)
    out = tmp_path / "ix" / "index.json"
    summary = build_index([docs], out, engine=engine)
    assert (summary.documents, summary.skipped) == (5, ())
    answerer = Answerer(load_index(out))
    cases = {
        "How much money goes to road repairs?": ("news/2025/budget.html", "2025-03-14"),
        "What did the harbour authority dredge?": ("plain.txt", None),
        "livestock entries at the county fair": ("news/fair.md", "2025-06-01"),
        "library hours": ("news/feed.jsonl#s1", "2025-02-02"),
        "When does the old bridge close?": ("news/feed.jsonl#7", None),
    }
    for question, (doc_id, published) in cases.items():
        best = answerer.answer(question).results[0]
        assert (best.citation.doc_id, best.citation.published) == (doc_id, published), question
    titles = {d.title for d in answerer.sources(0, 10).documents}
    assert "Mayor signs the 2025 budget" in titles and "Bridge closure" in titles


@pytest.mark.parametrize("engine", ["bm25", "archive"])
def test_duplicate_documents_are_indexed_once(tmp_path: Path, engine: str) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    body = "The mayor opened the new library on Main Street.\n\nIt holds ten thousand books.\n"
    (docs / "a.txt").write_text("Library opens\n\n" + body, encoding="utf-8")
    (docs / "b.md").write_text("---\ntitle: Library opens (copy)\n---\n" + body.replace("\n\n", "\n\n\n"),
                               encoding="utf-8")
    (docs / "c.jsonl").write_text(json.dumps({"_id": "x", "text": body}) + "\n", encoding="utf-8")
    summary = build_index([docs], tmp_path / "index.json", engine=engine)
    assert summary.documents == 1
    reasons = sorted(s.reason for s in summary.skipped)
    assert reasons == [f"duplicate of {docs.as_posix()}/a.txt"] * 2
    answer = Answerer(load_index(tmp_path / "index.json")).answer("How many books?", 5)
    # The passage is there once (the reranker may add the other passage, nearest in meaning).
    texts = [r.text for r in answer.results]
    assert texts.count("It holds ten thousand books.") == 1 and len(set(texts)) == len(texts)


@pytest.mark.parametrize("engine", ["bm25", "archive"])
def test_broken_files_are_skipped_by_name_and_the_rebuild_goes_on(tmp_path: Path, engine: str) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("Good\n\nThe ferry timetable changes in June.\n", encoding="utf-8")
    (docs / "binary.html").write_bytes(b"\x00\x01\x02\x03" * 100)
    (docs / "empty.html").write_text("<html><body><script>x()</script></body></html>", encoding="utf-8")
    (docs / "latin1.txt").write_bytes("Caf\xe9\n\nbody text here\n".encode("latin-1"))
    (docs / "bad.jsonl").write_text('{"_id": 1, "text": "fine record about trams"}\n{oops\n[1]\n',
                                    encoding="utf-8")
    summary = build_index([docs], tmp_path / "index.json", engine=engine)
    assert summary.documents == 3  # good.txt, latin1.txt (decoded) and the one good JSON line
    skipped = sorted((Path(s.path).name, s.reason) for s in summary.skipped)
    assert skipped == [
        ("bad.jsonl:2", "not valid JSON (Expecting property name enclosed in double quotes)"),
        ("bad.jsonl:3", "not a JSON object"),
        ("binary.html", "no article text"),
        ("empty.html", "no article text"),
    ]
    assert [(Path(n.path).name, n.reason) for n in summary.notes] == [
        ("latin1.txt", "not UTF-8; read as cp1252 (detected)")]
    index = load_index(tmp_path / "index.json")
    assert "ferri" in index.vocabulary and "tram" in index.vocabulary


@pytest.mark.parametrize("engine", ["bm25", "archive"])
def test_no_documents_names_everything_that_was_skipped(tmp_path: Path, engine: str) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "binary.txt").write_bytes(b"\x00\x01 not text")
    (docs / "feed.jsonl").write_text('{"_id": 1, "title": "no text"}\nnot json\n', encoding="utf-8")
    (docs / "scan.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(NoDocumentsError) as refused:
        build_index([docs], tmp_path / "ix", engine=engine)
    message = str(refused.value)
    assert f"{docs}/binary.txt: binary, not text" in message
    assert f"{docs}/feed.jsonl:1: needs an `_id` (or `id`) and a non-empty `text`" in message
    assert f"{docs}/feed.jsonl:2: not valid JSON" in message
    assert "1 other file(s) not read (e.g. scan.pdf)" in message
    assert not (tmp_path / "ix" / "index.json").exists()


@pytest.mark.parametrize("engine", ["bm25", "archive"])
def test_the_size_limit_is_per_document_not_per_jsonl_file(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small limit stands in for 64 MB (the same code path, without writing 64 MB in a test).
    monkeypatch.setattr(documents_module, "MAX_DOCUMENT_BYTES", 2000)
    docs = tmp_path / "docs"
    docs.mkdir()
    lines = [json.dumps({"_id": i, "title": f"Item {i}", "text": f"Report {i} about the tram depot."})
             for i in range(100)]
    lines[41] = json.dumps({"_id": 41, "title": "Huge", "text": "tram " * 1000})
    (docs / "archive.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert (docs / "archive.jsonl").stat().st_size > 2000
    (docs / "page.txt").write_text("Page\n\n" + "tram depot " * 300, encoding="utf-8")
    summary = build_index([docs], tmp_path / "ix", engine=engine)
    assert summary.documents == 99
    too_big = f"larger than {2000 / 1024 / 1024:g} MB for one document"
    assert [(Path(s.path).name, s.reason) for s in summary.skipped] == [
        ("archive.jsonl:42", too_big), ("page.txt", too_big)]
