from pathlib import Path

from index.analysis.documents import read_documents
from index.analysis.passages import MAX_WORDS, split_document
from tests.conftest import ARTICLE, ARTICLES


def article_passages():
    docs, skipped = read_documents(ARTICLES)
    assert skipped == []
    return docs[0], split_document(docs[0])


def test_every_passage_is_an_exact_slice_of_the_file_as_python_reads_it() -> None:
    doc, passages = article_passages()
    file_text = ARTICLE.read_text(encoding="utf-8")
    assert len(passages) == 15
    for p in passages:
        assert file_text[p.start : p.end] == p.text
        for a, b in p.sentences:
            assert p.text[a:b].strip() == p.text[a:b]


def test_title_headings_and_boilerplate_are_not_passages() -> None:
    doc, passages = article_passages()
    assert doc.title == "Push for police to stop working with US immigration agencies"
    texts = " ".join(p.text for p in passages)
    assert "donate" not in texts
    assert "Workpermit.com" not in texts and "0344 991 9222" not in texts
    assert all(p.text != doc.title for p in passages)
    assert [p.section for p in passages].count(None) == 3
    assert {p.section for p in passages} == {None, "287(g) program", "Letter endorsed", "No change overnight"}


def test_paragraphs_are_numbered_from_one_across_sections() -> None:
    _, passages = article_passages()
    assert [p.paragraph for p in passages] == list(range(1, 16))
    p4 = passages[3]
    assert p4.section == "287(g) program" and p4.text.startswith("The 287(g) program, which existed")


def test_long_paragraphs_split_at_sentences_and_keep_their_number(tmp_path: Path) -> None:
    sentence = "The council met on Monday to discuss the new budget for schools and roads. "
    (tmp_path / "long.txt").write_text("Title\n\n" + sentence * 40 + "\n\nShort end.\n", encoding="utf-8")
    docs, _ = read_documents(tmp_path)
    passages = split_document(docs[0])
    long_parts = [p for p in passages if p.paragraph == 1]
    assert len(long_parts) >= 3
    text = docs[0].text
    for p in long_parts:
        assert len(p.text.split()) <= MAX_WORDS
        assert p.text.endswith(".") and text[p.start : p.end] == p.text
    assert passages[-1].paragraph == 2


def test_markdown_front_matter_gives_metadata(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: Council budget\nurl: https://example.org/budget\npublished: 2024-01-02\n"
        "author: Jo\n---\n# Money\n\nThe council approved the budget.\n",
        encoding="utf-8",
    )
    docs, _ = read_documents(tmp_path)
    doc = docs[0]
    assert (doc.title, doc.url, doc.published, doc.author) == (
        "Council budget", "https://example.org/budget", "2024-01-02", "Jo",
    )
    passages = split_document(doc)
    assert [(p.section, p.text) for p in passages] == [("Money", "The council approved the budget.")]


def test_a_heading_that_repeats_the_title_is_not_a_section(tmp_path: Path) -> None:
    """Issue 12 item 7: front matter's title, then the same as a Markdown H1, cited
    "City council approves new harbor bridge - City council approves new harbor bridge"."""
    from bot.answer import Answerer
    from bot.render import citation_line
    from index import build_index, load_index

    (tmp_path / "bridge.md").write_text(
        "---\ntitle: City council approves new harbor bridge\n---\n\n"
        "# City council approves new harbor bridge\n\nThe council voted for the bridge on Monday.\n\n"
        "## Costs\n\nThe bridge costs nine million.\n",
        encoding="utf-8",
    )
    build_index([tmp_path], tmp_path / "ix.json")
    answerer = Answerer(load_index(tmp_path / "ix.json"))
    first = answerer.answer("council voted bridge").results[0]
    assert citation_line(first.citation) == "City council approves new harbor bridge, para 1"
    assert answerer.index.documents[0].sections == ("Costs",)
