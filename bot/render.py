"""Answer -> terminal text and Answer -> JSON-ready dict. No I/O."""

from __future__ import annotations

import re
from typing import Any

from index import SourcePage

from .answer import Answer, Citation, Result, Section

BOLD, RESET = "\033[1m", "\033[0m"
# Control characters from documents or questions never reach the terminal (they could move the
# cursor or change colours); tabs and newlines are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def citation_line(c: Citation) -> str:
    """`Title - Section, para N` (no section: `Title, para N`)."""
    where = f"{c.title} - {c.section}" if c.section else c.title
    return f"{where}, para {c.paragraph}"


def to_terminal(answer: Answer, bold: bool = False, results: tuple[Result, ...] | None = None) -> str:
    """The answer as console text: best sentence, then each passage with its citation."""
    shown = answer.results if results is None else results
    lines = [_safe(n) for n in answer.notices()]
    if shown:
        if shown[0].rank == 1:
            lines.append(f"» {_safe(shown[0].sentence)}")
        for result in shown:
            lines.append("")
            lines.append(f"[{result.rank}] {_highlight(result, bold)}")
            lines.append(f"    {_safe(_source(result.citation))}")
    return "\n".join(lines)


def section_to_terminal(section: Section) -> str:
    """A whole section as console text."""
    heading = f"{section.title} - {section.section}" if section.section else section.title
    body = [f"(para {p.paragraph}) {_safe(p.text)}" for p in section.passages]
    return "\n\n".join([_safe(heading), *body])


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


def _source(c: Citation) -> str:
    # The document's date after the citation: "Title - Section, para N, 2025-03-14 (path) url".
    dated = f"{citation_line(c)}, {c.published}" if c.published else citation_line(c)
    where = f"({c.path})" + (f" {c.url}" if c.url else "")
    return f"{dated} {where}"


def sources_to_terminal(page: SourcePage) -> str:
    """One page of the index's documents as console lines: number, title, date, link, path."""
    if not page.documents:
        return f"No documents here (the index holds {page.total})."
    lines = []
    for number, doc in enumerate(page.documents, start=page.offset + 1):
        extra = ", ".join(x for x in (doc.published, doc.url) if x)
        lines.append(f"{number}. {_safe(doc.title)}" + (f" ({_safe(extra)})" if extra else ""))
        lines.append(f"    {_safe(doc.path)}, {doc.passages} passages")
    shown = f"{page.offset + 1}-{page.offset + len(page.documents)} of {page.total} documents"
    if page.next_offset is not None:
        shown += f"; next page: --offset {page.next_offset}"
    return "\n".join([*lines, shown])


def _highlight(result: Result, bold: bool) -> str:
    if not bold:
        return _safe(result.text)
    out, last = [], 0
    for a, b in result.highlights:
        out.append(_safe(result.text[last:a]))
        out.append(BOLD + _safe(result.text[a:b]) + RESET)
        last = b
    out.append(_safe(result.text[last:]))
    return "".join(out)


def _safe(text: str) -> str:
    return _CONTROL.sub("", text)
