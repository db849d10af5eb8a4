"""Reading a news web page (.html): its article's main text, title, canonical URL, date and author.

The page's main text is extracted with trafilatura, a library made for news pages (it drops scripts,
navigation, ads, footers and comments). The extracted text *is* the document text: passage offsets
point into it, not into the HTML source. Paragraphs are separated by blank lines so that the
passage splitter sees the page's paragraphs; the title, when the page repeats it as the first line,
is metadata and not a passage.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

_EXTRA_NEWLINES = re.compile(r"\n\s*\n+")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class _Silence(logging.Filter):
    """trafilatura logs every page it finds empty at WARNING; the rebuild reports those itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


@dataclass(frozen=True)
class Article:
    """What a news page holds: its main text (paragraphs separated by blank lines) and metadata."""

    title: str
    text: str
    url: str | None
    published: str | None
    author: str | None
    updated: str | None = None  # the page's article:modified_time, when it is not the publication day


def extract_article(raw: bytes) -> Article | None:
    """The page's article, or None when the page holds no article text."""
    if b"\x00" in raw[:4096]:
        return None
    # Imported here: trafilatura (with lxml) is slow to import, and only .html files need it.
    import trafilatura

    for name in ("trafilatura", "htmldate", "courlan"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Silence) for f in logger.filters):
            logger.addFilter(_Silence())
    try:
        page: Any = trafilatura.bare_extraction(
            raw,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            favor_precision=True,
            deduplicate=False,
        )
    except (ValueError, TypeError, RecursionError, LookupError):
        # trafilatura raises these for markup it cannot parse; the caller skips the file.
        return None
    if page is None or not (page.text or "").strip():
        return None
    lines = [line.strip() for line in page.text.replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    title = (page.title or "").strip()
    if lines and title and lines[0] == title:
        lines = lines[1:]  # the page's <h1>: the title is metadata, not a passage
    if not lines:
        return None
    title = title or lines[0]
    body = "\n\n".join(lines)
    return Article(
        title=title,
        text=body,
        url=(page.url or "").strip() or None,
        published=(page.date or "").strip() or None,
        author=(page.author or "").strip() or None,
        updated=_updated(raw, page.date),
    )


def _updated(raw: bytes, published: str | None) -> str | None:
    """The date of the page's last correction (`article:modified_time`, as `qabot refresh` writes
    it), or None when it has none or it is the publication day."""
    from lxml import etree, html

    try:
        values = html.fromstring(raw).xpath(
            "//meta[@property='article:modified_time' or @name='article:modified_time']/@content"
        )
    except (ValueError, TypeError, LookupError, etree.ParserError):
        return None
    day = str(values[0]).strip()[:10] if values else ""
    return day if _DAY.fullmatch(day) and day != (published or "")[:10] else None
