"""Answer -> terminal text and Answer -> JSON-ready dict. No I/O.

Terminal text wraps at word boundaries to a given width (textwrap; the caller measures the terminal
with shutil); without a width (output to a pipe or file) lines are left whole.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from index import SourcePage

from .answer import Answer, Citation, Result, Section
from .safetext import without_control

BOLD, RESET = "\033[1m", "\033[0m"
# Control characters from documents or questions never reach the terminal (they could move the
# cursor or change colours); tabs and newlines are kept.


def plural(count: int, noun: str) -> str:
    """`1 passage`, `2 passages` (regular English plurals only: the nouns here are all regular)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def citation_line(c: Citation) -> str:
    """`Title - Section, para N` (no section: `Title, para N`), then `, updated DATE` for a corrected article."""
    where = f"{c.title} - {c.section}" if c.section else c.title
    line = f"{where}, para {c.paragraph}"
    return f"{line}, updated {c.updated}" if c.updated else line


def to_terminal(
    answer: Answer,
    bold: bool = False,
    results: tuple[Result, ...] | None = None,
    width: int | None = None,
    passage_lines: int | None = None,
) -> str:
    """The answer as console text: best sentence, then each passage with a compact citation
    (`Title - Section, para N`; the file is shown by `:src N`). With `width`, lines wrap at word
    boundaries; with `passage_lines`, a longer passage is cut there and ends in "…"."""
    shown = answer.results if results is None else results
    lines = [line for n in answer.notices() for line in wrap(_safe(n), width)]
    if shown:
        lead = shown[0].sentence.strip()
        # A one-sentence passage is not repeated above itself, and is then never cut.
        whole = shown[0].rank == 1 and lead == shown[0].text.strip()
        if shown[0].rank == 1 and not whole:
            lines.extend(wrap(_safe(lead), width, "» ", "  "))
        for result in shown:
            if lines:
                lines.append("")
            most = None if whole and result.rank == 1 else passage_lines
            lines.extend(_passage_lines(result, bold, width, most))
            lines.extend(wrap(_safe(_citation(result.citation)), width, "    ", "    "))
    return "\n".join(lines)


def section_to_terminal(section: Section, rank: int | None = None, width: int | None = None) -> str:
    """A whole section as console text: `[rank] Title - Section`, the file and link, the paragraphs."""
    heading = f"{section.title} - {section.section}" if section.section else section.title
    if rank is not None:
        heading = f"[{rank}] {heading}"
    first = section.passages[0] if section.passages else None
    where = [first.path + (f" {first.url}" if first.url else "")] if first is not None else []
    blocks = [_safe(heading), *(_safe(w) for w in where)]
    head = "\n".join(line for block in blocks for line in wrap(block, width))
    body = ["\n".join(wrap(f"(para {p.paragraph}) {_safe(p.text)}", width)) for p in section.passages]
    return "\n\n".join([head, *body])


def wrap(text: str, width: int | None, first: str = "", rest: str = "") -> list[str]:
    """`text` as lines of at most `width` columns, broken between words (a word longer than a line,
    such as a URL, gets a line of its own, whole), the first line led by `first`, the others by
    `rest`; without a width, one line."""
    spans = _spans(text, width, first, rest)
    return [(rest if i else first) + text[a:b] for i, (a, b) in enumerate(spans)] or [first.rstrip()]


def _spans(text: str, width: int | None, first: str, rest: str) -> list[tuple[int, int]]:
    """Where textwrap breaks `text`: (start, end) offsets of each line, so that highlights can be
    placed in the wrapped lines. textwrap keeps the text between breaks as it is once every
    whitespace character is made a space (one for one), so each line is found in order."""
    if width is None:
        return [(0, len(text))] if text else []
    flat = re.sub(r"\s", " ", text)
    wrapper = textwrap.TextWrapper(
        width=max(width, len(first) + 10, len(rest) + 10),
        initial_indent=first,
        subsequent_indent=rest,
        expand_tabs=False,
        break_long_words=False,
        break_on_hyphens=False,
    )
    spans, pos = [], 0
    for i, line in enumerate(wrapper.wrap(flat)):
        line = line[len(rest if i else first) :]
        start = flat.find(line, pos)
        spans.append((start, start + len(line)))
        pos = start + len(line)
    return spans


def to_json(answer: Answer, results: tuple[Result, ...] | None = None) -> dict[str, Any]:
    """The answer in the documented `--json` shape (scripts depend on it: change nothing lightly)."""
    shown = answer.results if results is None else results
    return {
        "question": answer.question,
        "answers": [
            {
                "rank": r.rank,
                "score": r.score,
                "text": r.text,
                "sentence": r.sentence,
                "citation": {
                    "doc_id": r.citation.doc_id,
                    "title": r.citation.title,
                    "section": r.citation.section,
                    "paragraph": r.citation.paragraph,
                    "path": r.citation.path,
                    "url": r.citation.url,
                    "updated": r.citation.updated,
                    "start": r.citation.start,
                    "end": r.citation.end,
                },
            }
            for r in shown
        ],
        "note": " ".join(answer.notices()) or None,
        "confidence": round(answer.confidence, 4),
        "low_confidence": answer.low_confidence,
    }


def _citation(c: Citation) -> str:
    # The document's date after the citation: "Title - Section, para N, 2025-03-14, updated 2025-03-15".
    line = citation_line(replace(c, updated=None))
    dates = [d for d in (c.published, f"updated {c.updated}" if c.updated else None) if d]
    return ", ".join([line, *dates])


def sources_to_terminal(page: SourcePage) -> str:
    """One page of the index's documents as console lines: number, title, date, link, path."""
    if not page.documents:
        return f"No documents here (the index holds {page.total})."
    lines = []
    for number, doc in enumerate(page.documents, start=page.offset + 1):
        updated = f"updated {doc.updated}" if doc.updated else None
        extra = ", ".join(x for x in (doc.published, updated, doc.url) if x)
        lines.append(f"{number}. {_safe(doc.title)}" + (f" ({_safe(extra)})" if extra else ""))
        lines.append(f"    {_safe(doc.path)}, {doc.passages} passages")
    shown = f"{page.offset + 1}-{page.offset + len(page.documents)} of {page.total} documents"
    if page.next_offset is not None:
        shown += f"; next page: --offset {page.next_offset}"
    return "\n".join([*lines, shown])


def _passage_lines(result: Result, bold: bool, width: int | None, most: int | None) -> list[str]:
    """`[rank] passage`, wrapped under its number, matched words in bold, cut after `most` lines."""
    text = result.text.strip()
    offset = result.text.find(text)
    first, rest = f"[{result.rank}] ", " " * 4
    spans = _spans(text, width, first, rest)
    cut = most is not None and len(spans) > most
    if cut:
        spans = spans[:most]
        a, b = spans[-1]
        if width is not None and len(rest) + (b - a) + 2 > width:  # room for " …"
            space = text.rfind(" ", a, b)
            spans[-1] = (a, space if space > a else b)
    marks = [(a - offset, b - offset) for a, b in result.highlights] if bold else []
    lines = [(rest if i else first) + _bolded(text, a, b, marks) for i, (a, b) in enumerate(spans)]
    if cut:
        lines[-1] = lines[-1].rstrip() + " …"
    return lines


def _bolded(text: str, start: int, end: int, marks: Sequence[tuple[int, int]]) -> str:
    """text[start:end] with the parts inside `marks` in bold."""
    out, last = [], start
    for a, b in marks:
        a, b = max(a, start), min(b, end)
        if a >= b or a < last:
            continue
        out.append(_safe(text[last:a]))
        out.append(BOLD + _safe(text[a:b]) + RESET)
        last = b
    out.append(_safe(text[last:end]))
    return "".join(out)


def _safe(text: str) -> str:
    return without_control(text)
