"""Answer -> Telegram HTML. Pure: no I/O, no python-telegram-bot.

Every message is built from `Rendered` pieces that carry the HTML and the text Telegram will show,
so lengths are measured the way Telegram counts them (UTF-16 code units of the shown text) and the
plain-text fallback is exactly the same text without markup. All dynamic text passes `text()`,
which escapes it; the only tags used are b, i, a, blockquote (optionally expandable).
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index import DocumentInfo

from ..answer import ANSWERED, SMALL_TALK, Answer, Citation, Result, Section
from ..feedback.report import Summary
from ..render import citation_line, plural
from ..safetext import without_control, without_surrogates

MAX_UTF16 = 4096  # Telegram's limit for one message's text, after entities are parsed
LONG_PASSAGE = 300  # passages longer than this (characters shown) fold into an expandable quote
MIN_PASSAGE = 120  # a result never gets less room than this for its passage, when it has that much
MAX_LINK = 2000
ELLIPSIS = "…"

# A sentence ends at . ! ? or … plus closing quotes/brackets, before whitespace.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
_SAFE_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


@dataclass(frozen=True)
class Rendered:
    """A piece of a Telegram message: its HTML, and the text Telegram shows for it."""

    html: str
    plain: str

    def __add__(self, other: Rendered) -> Rendered:
        return Rendered(self.html + other.html, self.plain + other.plain)

    @property
    def size(self) -> int:
        """Length as Telegram counts it: UTF-16 code units of the shown text."""
        return utf16_len(self.plain)


EMPTY = Rendered("", "")
NEWLINE = Rendered("\n", "\n")
PARAGRAPH = Rendered("\n\n", "\n\n")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clean(value: str) -> str:
    """Text safe to send: no control characters (newlines and tabs kept), no lone surrogates."""
    return without_surrogates(without_control(value))


def text(value: str) -> Rendered:
    """Dynamic text, escaped: `<b>` in a question comes back as the four characters `<b>`."""
    value = clean(value)
    return Rendered(html.escape(value, quote=False), value)


def tag(name: str, inner: Rendered, attributes: str = "") -> Rendered:
    """`inner` inside one of the tags Telegram supports; empty stays empty (Telegram drops it)."""
    if not inner.plain:
        return inner
    return Rendered(f"<{name}{attributes}>{inner.html}</{name}>", inner.plain)


def bold(inner: Rendered) -> Rendered:
    """Bold."""
    return tag("b", inner)


def italic(inner: Rendered) -> Rendered:
    """Italic."""
    return tag("i", inner)


def quote(inner: Rendered, expandable: bool = False) -> Rendered:
    """A blockquote; expandable ones show a few lines until tapped."""
    return tag("blockquote", inner, " expandable" if expandable else "")


def link(url: str | None, inner: Rendered) -> Rendered:
    """`inner` linked to `url` when it is a plain http(s) URL; otherwise `inner` alone."""
    if not url or len(url) > MAX_LINK or not _SAFE_URL.fullmatch(url):
        return inner  # javascript:, data: and the like are never linked
    return tag("a", inner, f' href="{html.escape(url, quote=True)}"')


def join(parts: Iterable[Rendered], separator: Rendered = NEWLINE) -> Rendered:
    """Non-empty parts, separated."""
    out = EMPTY
    for part in parts:
        if part.plain:
            out = part if not out.plain else out + separator + part
    return out


def shorten(value: str, limit: int) -> str:
    """`value` cut to at most `limit` UTF-16 units at a word boundary, marked with an ellipsis."""
    value = clean(value)
    end = _word_cut(value, limit)
    return value if end == len(value) else value[:end] + ELLIPSIS


def cut_at_sentence(value: str, limit: int) -> str:
    """The longest prefix of `value` that ends a sentence and fits in `limit` UTF-16 units.

    Falls back to a word boundary when no sentence ends early enough; a cut is marked with `…`.
    """
    end, mark = _cut(value, limit)
    return value[:end] + mark


def _cut(value: str, limit: int) -> tuple[int, str]:
    """Where to cut `value` so that the prefix plus its marker fit in `limit` units."""
    if utf16_len(value) <= limit:
        return len(value), ""
    room = _prefix_units(value, max(limit - 2, 0))  # room for " …"
    ends = [m.end() for m in _SENTENCE_END.finditer(value, 0, room + 1) if m.end() <= room]
    if ends and ends[-1] >= room // 3:
        return ends[-1], " " + ELLIPSIS
    return _word_cut(value, limit), ELLIPSIS


def _word_cut(value: str, limit: int) -> int:
    """Where to cut `value` at a word boundary so that it plus `…` fits; len(value) if it fits."""
    if utf16_len(value) <= limit:
        return len(value)
    end = _prefix_units(value, max(limit - 1, 0))
    space = value.rfind(" ", 0, end + 1)
    if space > end // 2:
        end = space
    return len(value[:end].rstrip())


def _prefix_units(value: str, units: int) -> int:
    """The largest index i such that value[:i] is at most `units` UTF-16 units long."""
    if len(value) == utf16_len(value):  # no characters outside the BMP: units are characters
        return min(units, len(value))
    total = 0
    for i, char in enumerate(value):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > units:
            return i
    return len(value)


def highlighted(
    passage: str, spans: Sequence[tuple[int, int]], begin: int = 0, end: int | None = None
) -> Rendered:
    """passage[begin:end] with the spans in bold; spans overlapping or outside it are skipped."""
    end = len(passage) if end is None else end
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if a < begin or b > end or a >= b or (merged and a < merged[-1][1]):
            continue
        if merged and not passage[merged[-1][1] : a].strip():  # "287(g) program": one bold run
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    out, last = EMPTY, begin
    for a, b in merged:
        out = out + text(passage[last:a]) + bold(text(passage[a:b]))
        last = b
    return out + text(passage[last:end])


# ---------------------------------------------------------------- answers


def page_count(answer: Answer, per_page: int) -> int:
    """How many pages of `per_page` results the answer has (0 when it has none)."""
    return -(-len(answer.results) // max(per_page, 1))


def to_html(
    answer: Answer, page: int = 0, per_page: int = 3, *, echo: bool = False, example: str | None = None
) -> Rendered:
    """One page of an answer: best sentence, the passages (matched words bold), one citation each.

    Answers without results become the "nothing found" message, which suggests `example`. `echo`
    repeats the question first (for questions the user did not type, such as example buttons).
    """
    if answer.status == SMALL_TALK:
        return text(answer.note or "")
    if answer.status != ANSWERED or not answer.results:
        return not_found_html(answer, example, echo=echo)
    per_page = max(per_page, 1)
    page = min(max(page, 0), page_count(answer, per_page) - 1)
    shown = answer.results[page * per_page : (page + 1) * per_page]
    for scale in (1.0, 0.5, 0.25):
        rendered = _page(answer, shown, page, per_page, echo, scale)
        if rendered.size <= MAX_UTF16:
            return rendered
    # Only absurd titles and notes get here: plain text, cut, is still a valid message.
    plain = cut_at_sentence(rendered.plain, MAX_UTF16)
    return text(plain)


def _page(
    answer: Answer,
    shown: Sequence[Result],
    page: int,
    per_page: int,
    echo: bool,
    scale: float,
) -> Rendered:
    head: list[Rendered] = []
    if echo:
        head.append(italic(text("Q: " + shorten(answer.question, int(300 * scale)))))
    head.extend(italic(text(shorten(n, int(400 * scale)))) for n in notices(answer))
    lead = shown[0].sentence.strip()
    if lead != shown[0].text.strip():  # a one-sentence passage is not repeated above itself
        head.append(bold(text(shorten(lead, int(600 * scale)))))
    citations = [citation_html(r.citation, r.rank, scale) for r in shown]
    total = len(answer.results)
    footer = EMPTY
    if total > per_page:
        first, last = page * per_page + 1, page * per_page + len(shown)
        footer = italic(text(f"Results {first}–{last} of {total}"))
    # The fixed parts, then the passages share what is left, in rank order.
    skeleton = join([join(head), *citations, footer], PARAGRAPH)
    budget = MAX_UTF16 - skeleton.size - 4 * len(shown) - 8  # separators between passages
    bodies: list[Rendered] = []
    for i, result in enumerate(shown):
        reserve = sum(min(utf16_len(r.text), MIN_PASSAGE) for r in shown[i + 1 :])
        body = _passage(result, max(budget - reserve, 0))
        budget -= body.size
        bodies.append(body)
    blocks = [join(head)]
    for body, cite in zip(bodies, citations, strict=True):
        blocks.append(join([body, cite]))
    blocks.append(footer)
    return join(blocks, PARAGRAPH)


def _passage(result: Result, room: int) -> Rendered:
    """The result's passage in a blockquote, cut at a sentence boundary to fit `room` units."""
    if room < 20:
        return EMPTY
    passage, spans = result.text, result.highlights
    if clean(passage) != passage:  # removing control characters would move the highlights
        passage, spans = clean(passage), ()
    begin = len(passage) - len(passage.lstrip())
    stop = len(passage.rstrip())
    end, mark = _cut(passage[begin:stop], room)
    inner = highlighted(passage, spans, begin, begin + end) + text(mark)
    return quote(inner, expandable=end > LONG_PASSAGE)


def citation_html(citation: Citation, rank: int | None = None, scale: float = 1.0) -> Rendered:
    """`[rank] Title - Section, para N`, the title linked when the document has a URL."""
    title = shorten(citation.title, int(120 * scale)) or "Untitled"
    section = shorten(citation.section, int(80 * scale)) if citation.section else None
    short = dataclasses.replace(citation, title=title, section=section)
    line = citation_line(short)
    prefix = text(f"[{rank}] ") if rank is not None else EMPTY
    rest = line[len(title) :]
    return prefix + italic(link(citation.url, text(title)) + text(rest))


def notices(answer: Answer) -> list[str]:
    """Lines to show above an answer: a spelling correction, the note, and for a low-confidence
    answer which words of the question the article does not hold (the same lines as the console)."""
    return answer.notices()


def not_found_html(answer: Answer, example: str | None = None, *, echo: bool = False) -> Rendered:
    """Nothing to show: the Answer's note (one sentence saying so, then what the articles cover),
    and a suggestion: an example question the bot answers, or /sources. `echo` as in to_html."""
    note = answer.note or "Sorry, I found no passage with the words of your question."
    extra = [n for n in notices(answer) if n != answer.note]
    if example:
        suggestion = text(f"Try for example: “{shorten(example, 200)}”, or send /sources.")
    else:
        suggestion = text("Try other words, or send /sources to see what I know.")
    asked = italic(text("Q: " + shorten(answer.question, 300))) if echo else EMPTY
    return join(
        [asked, text(shorten(note, 1500)), *(italic(text(shorten(n, 400))) for n in extra), suggestion],
        PARAGRAPH,
    )


def section_to_html(
    section: Section, focus: int | None = None, url: str | None = None, rank: int | None = None
) -> Rendered:
    """A whole section: heading ("[rank] " first when it is a result's), then each paragraph
    (`focus`, a passage start, in bold)."""
    heading = shorten(section.title, 200) + (
        f" - {shorten(section.section, 150)}" if section.section else ""
    )
    head = bold(link(url, text(heading)))
    if rank is not None:
        head = text(f"[{rank}] ") + head
    paragraphs = section.passages
    label = "paras" if len({p.paragraph for p in paragraphs}) > 1 else "para"
    numbers = sorted({p.paragraph for p in paragraphs})
    span = f"{numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else f"{numbers[0]}" if numbers else ""
    footer = italic(text(f"The whole section ({label} {span}).")) if numbers else EMPTY
    cut_note = italic(text("The section goes on; the rest did not fit in one message."))
    budget = MAX_UTF16 - head.size - max(footer.size, cut_note.size) - 8
    blocks: list[Rendered] = []
    cut = False
    for passage in paragraphs:
        entry = f"({passage.paragraph}) " + passage.text.strip()
        room = budget - 2
        if room < 40:
            cut = True
            break
        shown = cut_at_sentence(entry, room)
        piece = text(shown)
        if focus is not None and passage.start == focus:
            piece = bold(piece)
        blocks.append(piece)
        budget -= piece.size + 2
        if shown != entry:
            cut = True
            break
    return join([head, *blocks, cut_note if cut else footer], PARAGRAPH)


def inline_html(result: Result) -> Rendered:
    """One result as an inline-mode message: the passage (matched words bold) and its citation."""
    cite = citation_html(result.citation, None)
    body = _passage(result, MAX_UTF16 - cite.size - 8)
    return join([body, cite])


# ---------------------------------------------------------------- commands


def about(documents: Sequence[DocumentInfo]) -> str:
    """What the bot answers about, in a few words: "the article “T”" or "the 8 articles I know"."""
    if len(documents) == 1:
        return f"the article “{shorten(documents[0].title, 100)}”"
    return f"the {len(documents)} articles I know"


def inline_hint_html(documents: Sequence[DocumentInfo], bot_username: str | None) -> Rendered:
    """What the inline hint sends when picked: how to ask the bot."""
    me = f"@{bot_username}" if bot_username else "the bot"
    return text(
        f"I answer questions about {about(documents)}, quoting the passages that answer them. "
        f"Type {me} and a question in any chat, or ask me in a private chat."
    )


def start_html(documents: Sequence[DocumentInfo], passages: int, has_examples: bool) -> Rendered:
    """/start: which articles the bot knows and how many passages, then the example questions."""
    if len(documents) == 1:
        doc = documents[0]
        known = text("I answer questions about the article ") + bold(text(shorten(doc.title, 300)))
        known = known + text(f" ({plural(passages, 'passage')}).")
    else:
        listed = [
            text("• ") + bold(text(shorten(d.title, 200))) + text(f" ({plural(d.passages, 'passage')})")
            for d in documents[:10]
        ]
        more = [text(f"…and {len(documents) - 10} more: see /sources.")] if len(documents) > 10 else []
        known = join(
            [text(f"I answer questions about {len(documents)} articles ({plural(passages, 'passage')}):"),
             *listed, *more]
        )
    how = text(
        "Ask in your own words: I reply with the passages that answer you, the matching words "
        "in bold, and where each comes from. /help explains more."
    )
    examples = text("Try one of these:" if has_examples else "Ask me anything about it.")
    return join([text("Hello!"), known, how, examples], PARAGRAPH)


def help_html(bot_username: str | None) -> Rendered:
    """/help: how to ask, the commands, what a citation means."""
    me = f"@{bot_username}" if bot_username else "me"
    return join(
        [
            bold(text("How to ask")),
            text(
                "Write a question in plain words. I answer with the best sentence first, then the "
                "passage it comes from with your words in bold, and a citation for every result."
            ),
            bold(text("Citations")),
            text(
                "[1] Title - Section, para 4: [1] is the rank of the result, “Section” the "
                "heading it sits under, and “para 4” the 4th paragraph of the article. A linked "
                "title opens the article."
            ),
            bold(text("Buttons")),
            text("More results: the next passages. Section [n]: the whole section around result n."),
            bold(text("Commands")),
            text(
                "/start – what I know, with example questions\n"
                "/help – this help\n"
                "/sources – the articles, their sections and links\n"
                "/ask question – ask me (handy in groups)"
            ),
            bold(text("In groups and other chats")),
            text(
                f"In a group, mention me ({me} your question), reply to one of my messages, or "
                f"use /ask. In any chat, type {me} and a question to pick a passage to send."
            ),
        ],
        PARAGRAPH,
    )


def sources_html(documents: Sequence[DocumentInfo], offset: int = 0, total: int | None = None) -> Rendered:
    """/sources: each document with its title, passage count, sections and link; with `total`, a
    "Documents a-b of n" line for one page of a longer list."""
    blocks: list[Rendered] = []
    if total is not None and total > len(documents):
        blocks.append(italic(text(f"Documents {offset + 1}-{offset + len(documents)} of {total}")))
    used = sum(b.size + 2 for b in blocks)
    for n, doc in enumerate(documents):
        # The title carries the link: a second line with the bare URL showed it twice.
        lines = [bold(link(doc.url, text(shorten(doc.title, 300))))]
        facts = [plural(doc.passages, "passage")]
        if doc.published:
            facts.append(f"published {shorten(doc.published, 40)}")
        if doc.updated:
            facts.append(f"updated {shorten(doc.updated, 40)}")
        lines.append(text(", ".join(facts)))
        if doc.sections:
            lines.append(text("Sections: " + shorten("; ".join(doc.sections), 600)))
        block = join(lines)
        if used + block.size + 100 > MAX_UTF16:
            blocks.append(italic(text(f"…and {len(documents) - n} more.")))
            break
        blocks.append(block)
        used += block.size + 2
    if not blocks:
        return text("I know no documents yet.")
    return join(blocks, PARAGRAPH)


REPORT_QUESTION = 200  # characters of a question /report shows


def report_html(summary: Summary, days: int) -> Rendered:
    """/report: the period's rates and its top gaps (questions not found or unsure), in one message."""
    totals = summary.totals
    head = bold(text(f"Readers' questions, last {plural(days, 'day')}"))
    rates = text(
        f"{plural(totals.questions, 'question')}: {100 * totals.not_found_rate:.0f}% not found, "
        f"{100 * totals.low_confidence_rate:.0f}% answered unsure. Votes: {totals.up} 👍, {totals.down} 👎."
    )
    if summary.gaps:
        title = bold(text("Asked and not found (story leads):"))
        gaps = [
            text(f"{n}. ") + text(shorten(g.question or f"[{g.terms}]", REPORT_QUESTION))
            + italic(text(f" ({plural(g.count, 'time')}{'' if g.status == 'not_found' else ', unsure'})"))
            for n, g in enumerate(summary.gaps, start=1)
        ]
        listing = join([title, *gaps])
    else:
        listing = text("Every question found an answer.")
    more = italic(text("All of it: qabot report --since 7d (or --json / --csv) on the server."))
    return join([head, rates, listing, more], PARAGRAPH)


def newsroom_html(reply: str) -> Rendered:
    """An editor's answer to a reader's question, marked as from the newsroom."""
    return join([bold(text("📰 From the newsroom:")), text(reply)])
