"""Generated hostile questions and the properties every answer must keep, shared by
tests/test_fuzz.py (in `make test`) and tests/stress/fuzz_questions.py (a longer run)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import strategies as st

from bot.answer import Answer, Answerer
from bot.render import BOLD, RESET, section_to_terminal, to_json, to_terminal
from bot.telegram.html import inline_html, page_count, section_to_html, to_html
from tests.emulator import check_telegram_html, utf16_len

REPO = Path(__file__).resolve().parents[1]

# A document that is itself hostile: markup, entities, emoji, right-to-left text, zero-width and
# control characters, CRLF line ends and a `javascript:` link, so the renderers escape document
# text as well as question text.
HOSTILE_DOC = (
    "---\r\ntitle: <b>Police</b> & ICE &amp; \u202eevil\u202c 👮\r\nurl: javascript:alert(1)\r\n---\r\n"
    "## <i>Section</i> &lt;one&gt;\r\n\r\n"
    "The police chief said <b>no</b> &amp; ICE agreed. Detainers last 48 hours 👮🏽‍♀️.\r\n\r\n"
    "شرطة الهجرة police immigration \u200b zero\u200dwidth \x07bell\x1b[31m red.\r\n\r\n"
    "Visit https://example.com/?a=1&b=<2> or javascript:alert(document.cookie) for police news.\r\n\r\n"
    + "Long police paragraph about immigration detainers. " * 200
    + "\r\n"
)

FRAGMENTS = [
    "", " ", "\t", "\n", "   \n\t ", "the", "of the", "what is the", "and or but", "?", "?!?", "...", "—",
    "police", "ICE", "detainers", "Mayorkas", "DHS Secretary", "287(g)", "48 hours", "immigration",
    "👮", "🚓", "👩🏽‍⚖️", "🇺🇸", "שלום", "مرحبا شرطة", "\u202e", "\u202d", "\u200b", "\u200d", "\ufeff",
    "\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\r", "\ud800", "\udfff", "\udc80x",
    "<b>", "</b>", "<i>x</i>", "</blockquote>", "<blockquote expandable>", "<tg-spoiler>", "<pre>",
    '<a href="javascript:alert(1)">x</a>', "<script>alert(1)</script>", "&amp;", "&lt;", "&gt;",
    "&quot;", "&#0;", "&#x1F46E;", "&nbsp;", "&", "<", ">", '"', "'",
    "https://example.com/?a=1&b=2", "http://x.y/<b>", "javascript:alert(1)", "tg://user?id=1",
    "mailto:a@b.c", "*bold*", "_it_", "`code`", "[link](http://x)", "\\", "%s", "{0}", "$(rm -rf /)",
    # The look-ups for words no passage holds: acronyms only the question uses, misspelt names.
    "NYU", "nyu", "ZQX", "(", "alejandro mayorcas", "jan schakowski", "naureen shaw", "when do", "stand for",
    # Shares, units, and words of other languages (read as that language only with company).
    "what percent", "what tariff rate", "25%", "km", "eu", "EU", "workpermit.com", "quien", "¿qué", "los", "où",
]

_any_char = st.characters(codec=None, exclude_categories=())  # every code point, surrogates included
_word = st.sampled_from(FRAGMENTS)
_noise = st.text(alphabet=_any_char, max_size=40)
_piece = st.one_of(_word, _word, _noise)


@st.composite
def questions(draw: st.DrawFn) -> str:
    """Hostile questions: fragments and random code points, sometimes blown up to 5,000 characters."""
    text = " ".join(draw(st.lists(_piece, max_size=12)))
    if draw(st.integers(0, 9)) == 0:
        text = (text or "police ") * (5000 // max(len(text), 1) + 1)
        text = text[:5000]
    return text


_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # category Cc, tab and newline aside


def _has_raw_control(text: str) -> bool:
    return _RAW_CONTROL.search(text) is not None


def _source_text(path: str) -> str:
    file = Path(path) if Path(path).is_absolute() else REPO / path
    return file.read_text(encoding="utf-8")


def check_answer(answerer: Answerer, question: str) -> Answer:
    """Answer `question` and render it every way; raise AssertionError (or the renderer's error)
    when a property breaks."""
    answer = answerer.answer(question, 6)
    # Citations select their text exactly in the source file.
    for result in answer.results:
        c = result.citation
        assert _source_text(c.path)[c.start : c.end] == result.text, c
        a, b = result.sentence_span
        assert result.text[a:b] == result.sentence
    # Console: no raw control characters (the bold escapes are the renderer's own).
    for bold in (False, True):
        shown = to_terminal(answer, bold=bold).replace(BOLD, "").replace(RESET, "")
        assert not _has_raw_control(shown), repr(shown[:200])
    # JSON: serialisable and writable as UTF-8 (no lone surrogates), and round-trips.
    line = json.dumps(to_json(answer), ensure_ascii=False)
    line.encode("utf-8")
    assert json.loads(line) == to_json(answer)
    # Telegram: every page, the section view and the inline message are valid and fit.
    pages = max(page_count(answer, 3), 1)
    rendered = [to_html(answer, page, 3, echo=page == 0) for page in range(pages)]
    rendered += [inline_html(r) for r in answer.results[:3]]
    for result in answer.results[:1]:
        section = answerer.section(result.passage_id)
        rendered.append(section_to_html(section, focus=result.citation.start, url=result.citation.url))
        assert not _has_raw_control(section_to_terminal(section))
    for message in rendered:
        plain = check_telegram_html(message.html)
        assert plain == message.plain
        assert 0 < utf16_len(plain.strip()) <= 4096
    return answer
