"""Answer -> Telegram HTML: escaping, supported tags only, Telegram's length limit, sentence cuts."""

from __future__ import annotations

import dataclasses

import pytest

from bot.answer import ANSWERED, Answerer, Citation, Result
from bot.telegram.html import (
    MAX_UTF16,
    Rendered,
    citation_html,
    cut_at_sentence,
    help_html,
    inline_html,
    section_to_html,
    sources_html,
    start_html,
    text,
    to_html,
    utf16_len,
)
from index import DocumentInfo
from tests.emulator import check_telegram_html
from tests.emulator.html_check import parse_telegram_html

HOSTILE = [
    "<b>police</b>",
    "</blockquote> police",
    "police &amp; ICE &lt;",
    '<a href="javascript:alert(1)">police</a>',
    "javascript:alert(document.cookie) police",
    "<tg-spoiler>police</tg-spoiler> <pre>",
    "police \x00\x07 \ud800 control",
    "👮 police 🚓 " * 40,
]


def shown(rendered: Rendered) -> str:
    """What Telegram would display; raises if Telegram would refuse the HTML."""
    plain = check_telegram_html(rendered.html)
    assert plain == rendered.plain  # the plain-text fallback is exactly the shown text
    return plain


def with_text(result: Result, body: str, highlights: tuple[tuple[int, int], ...] = ()) -> Result:
    """The same result with another passage text (for documents we do not have)."""
    return dataclasses.replace(
        result, text=body, sentence=body[:80], sentence_span=(0, 80), highlights=highlights
    )


@pytest.mark.parametrize("question", HOSTILE + [q.replace("police", "zebra") for q in HOSTILE])
def test_hostile_questions_render_as_valid_html(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question, 30)
    rendered = to_html(answer, 0, 3, echo=True)  # echoed in answers, and always when not found
    plain = shown(rendered)
    assert utf16_len(plain) <= MAX_UTF16
    # The question is echoed literally, never as markup.
    if len(answer.question) < 200:
        assert answer.question in plain
    _, entities = parse_telegram_html(rendered.html)
    assert all(e["type"] != "text_link" for e in entities)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<b>", "&lt;b&gt;"),
        ("</blockquote>", "&lt;/blockquote&gt;"),
        ("&amp;", "&amp;amp;"),
        ('"quoted"', '"quoted"'),
    ],
)
def test_dynamic_text_is_escaped(raw: str, escaped: str) -> None:
    assert text(raw).html == escaped
    assert check_telegram_html(text(raw).html) == raw


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://example.com/a?b=1&c=2", True),
        ("http://example.com/", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>", False),
        ('https://example.com/"><b>x', False),
        ("ftp://example.com/file", False),
    ],
)
def test_citation_links_only_plain_http_urls(answerer: Answerer, url: str, linked: bool) -> None:
    result = answerer.answer("287(g) program").results[0]
    citation = dataclasses.replace(result.citation, url=url, title="<Title & Co>")
    rendered = citation_html(citation, 1)
    plain = shown(rendered)
    assert plain.startswith("[1] <Title & Co> - 287(g) program, para ")
    _, entities = parse_telegram_html(rendered.html)
    links = [e for e in entities if e["type"] == "text_link"]
    assert [e["url"] for e in links] == ([url] if linked else [])


def test_answer_page_has_sentence_bold_terms_and_one_citation_per_result(answerer: Answerer) -> None:
    answer = answerer.answer("Who is the new DHS Secretary?", 30)
    rendered = to_html(answer, 0, 3)
    plain = shown(rendered)
    top = answer.results[0]
    assert plain.startswith(top.sentence.strip())  # best sentence first
    for result in answer.results[:3]:
        assert f"[{result.rank}] {result.citation.title}" in plain
    _, entities = parse_telegram_html(rendered.html)
    bold = {plain[e["offset"] : e["offset"] + e["length"]].lower() for e in entities if e["type"] == "bold"}
    assert any("secretary" in b for b in bold)
    assert any(e["type"] in ("blockquote", "expandable_blockquote") for e in entities)
    assert f"Results 1–3 of {len(answer.results)}" in plain


def test_pages_show_the_following_results(answerer: Answerer) -> None:
    answer = answerer.answer("immigration police", 30)
    assert len(answer.results) > 3
    plain = shown(to_html(answer, 1, 3))
    assert "[4] " in plain and "[1] " not in plain
    last = shown(to_html(answer, 99, 3))  # past the end: the last page
    assert f"[{len(answer.results)}] " in last


def test_long_passages_fold_into_an_expandable_blockquote(answerer: Answerer) -> None:
    answer = answerer.answer("police", 30)
    body = "The police met the mayor. " * 20
    long = dataclasses.replace(answer, results=(with_text(answer.results[0], body, ((4, 10),)),))
    rendered = to_html(long, 0, 3)
    assert "<blockquote expandable>" in rendered.html
    assert "<b>police</b>" in rendered.html
    shown(rendered)


def test_messages_over_the_limit_are_cut_at_a_sentence_boundary(answerer: Answerer) -> None:
    answer = answerer.answer("police", 30)
    sentence = "Officers 🚓 of the state police wrote to the department about detainers. "
    huge = tuple(
        with_text(r, sentence * 60, ((27, 33),)) for r in answer.results[:5]
    )
    rendered = to_html(dataclasses.replace(answer, results=huge), 0, 5)
    plain = shown(rendered)
    assert utf16_len(plain) <= MAX_UTF16
    assert utf16_len(plain) > MAX_UTF16 - 400  # the room is used, not thrown away
    assert "detainers. …" in plain  # cut after a full sentence, marked
    for rank in range(1, 6):
        assert f"[{huge[rank - 1].rank}] " in plain  # every citation survives the cut


def test_a_sentence_without_end_is_cut_at_a_word() -> None:
    value = "word " * 2000
    cut = cut_at_sentence(value, 100)
    assert utf16_len(cut) <= 100 and cut.endswith("…") and not cut.endswith(" …")
    assert cut_at_sentence("Short. Text.", 100) == "Short. Text."
    assert cut_at_sentence("One sentence here. Two sentences here.", 25) == "One sentence here. …"


def test_astral_characters_count_as_two_units() -> None:
    value = "🚓" * 3000  # 6000 UTF-16 units
    cut = cut_at_sentence(value, 4096)
    assert utf16_len(cut) <= 4096
    assert cut.startswith("🚓")


def test_nothing_found_names_the_article_and_what_it_covers(answerer: Answerer) -> None:
    answer = answerer.answer("zebras and unicorns", 30)
    assert not answer.results
    plain = shown(to_html(answer))
    assert plain.startswith(
        "I could not find that in the article “Push for police to stop working with US immigration "
        "agencies”: it does not mention “zebras” or “unicorns”."
    )
    assert "287(g) program" in plain
    assert "/sources" in plain


@pytest.mark.parametrize("question", ["zeppelin", "zebras and unicorns", "   ", "the of and"])
def test_nothing_found_says_it_once_in_one_sentence_then_what_helps(answerer: Answerer, question: str) -> None:
    """Issue 12 item 4: no "Nothing found for" prefix repeating the note, no three sentences for spaces."""
    answer = answerer.answer(question)
    plain = shown(to_html(answer, example="What is the 287(g) program?"))
    first, *rest = plain.split("\n\n")
    assert "Nothing found" not in plain
    for word in question.split():
        assert plain.count(word) <= 1 or word in ("the", "of", "and")  # no word of the question twice
    # One sentence saying so, then what the article covers; then one suggestion.
    assert first.count(". ") == 1 and ("It covers: 287(g) program" in first)
    assert rest == ["Try for example: “What is the 287(g) program?”, or send /sources."]


def test_corrections_and_low_confidence_are_shown(answerer: Answerer) -> None:
    real = answerer.answer("do cops arrest migrants")
    assert real.low_confidence
    assert "Not sure this answers it: the article does not mention cops, arrest" in shown(to_html(real))
    answer = answerer.answer("police", 30)
    unsure = dataclasses.replace(answer, corrections=(("<polise>", "police"),), low_confidence=True)
    plain = shown(to_html(unsure, 0, 3))
    assert "Showing results for police (not <polise>)." in plain
    assert "Not sure this answers it" in plain
    missing = answerer.answer("zebras", 30)
    corrected = dataclasses.replace(missing, corrections=(("zebras", "zebra"),))
    assert "Showing results for zebra (not zebras)." in shown(to_html(corrected))


def test_section_view_is_valid_and_fits(answerer: Answerer) -> None:
    top = answerer.answer("287(g) program").results[0]
    section = answerer.section(top.passage_id)
    plain = shown(section_to_html(section, focus=top.citation.start, url="https://example.com"))
    assert plain.startswith(f"{top.citation.title} - 287(g) program")
    assert top.text.strip() in plain
    long = dataclasses.replace(
        section, passages=tuple(dataclasses.replace(p, text="A police report. " * 200) for p in section.passages)
    )
    cut = shown(section_to_html(long))
    assert utf16_len(cut) <= MAX_UTF16
    assert "The section goes on" in cut


def test_inline_message_carries_its_citation(answerer: Answerer) -> None:
    result = answerer.answer("ICE detainers").results[0]
    plain = shown(inline_html(result))
    assert f"{result.citation.title}" in plain and f"para {result.citation.paragraph}" in plain


def test_command_texts_are_valid(answerer: Answerer) -> None:
    index = answerer.index
    start = shown(start_html(index.documents, len(index.passages), True))
    assert index.documents[0].title in start and f"({len(index.passages)} passages)" in start
    assert "/start" in shown(help_html("qabot_test_bot")) and "para 4" in shown(help_html(None))
    sources = shown(sources_html(index.documents))
    assert "Sections: 287(g) program; Letter endorsed; No change overnight" in sources
    many = [dataclasses.replace(index.documents[0], title=f"Article {n} " + "x" * 200) for n in range(60)]
    assert utf16_len(shown(sources_html(many))) <= MAX_UTF16
    assert utf16_len(shown(start_html(many, 900, False))) <= MAX_UTF16


def test_answer_without_results_is_never_rendered_as_one(answerer: Answerer) -> None:
    answer = answerer.answer("police", 30)
    empty = dataclasses.replace(answer, status=ANSWERED, results=())
    assert shown(to_html(empty)).startswith("Sorry, I found no passage with the words of your question.")


def test_citation_line_matches_the_console_wording() -> None:
    citation = Citation("d", "Title", None, 3, "docs/a.txt", None, 0, 10)
    assert shown(citation_html(citation, 2)) == "[2] Title, para 3"


def test_sources_show_each_link_once_and_count_in_good_english() -> None:
    """Issue 12 item 7: the URL was shown as a linked title and again as a line; "1 passages"."""
    url = "https://example.org/news/harbor-bridge"
    docs = [
        DocumentInfo("a", "a.md", "City council approves new harbor bridge", url, None, None, ("Vote",), 1),
        DocumentInfo("b", "b.md", "Second story", None, None, None, (), 2),
    ]
    rendered = sources_html(docs)
    plain = shown(rendered)
    assert url not in plain and rendered.html.count(url) == 1  # the title carries the link
    assert "\n1 passage\n" in plain
    assert "1 passages" not in plain and "2 passages" in plain
    assert "(1 passage)" in shown(start_html(docs[:1], 1, False))


def test_section_view_names_the_result_it_opens(answerer: Answerer) -> None:
    """Issue 12 item 1: a section opened from result [5] says so."""
    result = answerer.answer("immigration police", 6).results[4]
    section = answerer.section(result.passage_id)
    plain = shown(section_to_html(section, focus=result.citation.start, rank=result.rank))
    assert plain.startswith("[5] Push for police")
