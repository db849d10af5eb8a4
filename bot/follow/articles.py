"""A fetched article page: extracted with the index's HTML path, saved as a page a person can read
and diff (one paragraph a line), under a name that follows from its canonical URL."""

from __future__ import annotations

import hashlib
import html
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from index import extract_article, write_bytes

from .fetch import Page

FOLDER = "followed"  # inside the documents folder: where fetched articles are saved
_SLUG = re.compile(r"[^a-z0-9]+")
# Less main text than this is a menu, a teaser or a login wall, not an article: not worth an answer.
MIN_ARTICLE_CHARS = 80


class NotAnArticle(Exception):
    """A fetched page with no article text (an index page, a login wall, a PDF)."""


@dataclass(frozen=True)
class Article:
    """An article as extracted from its page."""

    url: str  # canonical
    link: str  # where it was fetched from (after redirects)
    title: str
    paragraphs: tuple[str, ...]
    published: str | None
    author: str | None
    modified: str | None  # the page's own article:modified_time, when it differs from `published`
    etag: str | None = None  # the page's validators, for the next conditional GET
    last_modified: str | None = None

    @property
    def digest(self) -> str:
        """A digest of title and text: a different digest under the same URL is a correction."""
        return hashlib.sha256("\n\n".join((self.title, *self.paragraphs)).encode()).hexdigest()

    def preview(self, lines: int = 3) -> str:
        """The first `lines` paragraphs."""
        return "\n\n".join(self.paragraphs[:lines])


def article_of(page: Page) -> Article:
    """The article of a fetched page, read as the index reads .html files; NotAnArticle when it
    holds no main text."""
    doc = extract_article(page.body)
    if doc is None or len(doc.text) < MIN_ARTICLE_CHARS:
        raise NotAnArticle("not an article (no main text)")
    return Article(
        url=_canonical(doc.url, page.url),
        link=page.url,
        title=doc.title,
        paragraphs=tuple(p for p in doc.text.split("\n\n") if p.strip()),
        published=doc.published,
        author=doc.author,
        modified=doc.updated,
        etag=page.etag,
        last_modified=page.last_modified,
    )


def _canonical(declared: str | None, fetched: str) -> str:
    """The page's canonical URL when it names one on the same site; else the URL it came from.
    (A page must not claim another site's article and overwrite it.)"""
    if declared:
        absolute = urllib.parse.urljoin(fetched, declared)
        a, b = urllib.parse.urlsplit(absolute), urllib.parse.urlsplit(fetched)
        if a.scheme in ("http", "https") and _site(a.hostname) == _site(b.hostname):
            return urllib.parse.urlunsplit(a._replace(fragment=""))
    return fetched


def _site(host: str | None) -> str:
    host = (host or "").lower()
    return host.removeprefix("www.")


def article_file(folder: Path, url: str) -> Path:
    """Where the article with canonical URL `url` is saved under the documents folder `folder`:
    always the same file for the same URL, so that a correction replaces it in place."""
    parts = urllib.parse.urlsplit(url)
    host = _SLUG.sub("-", _site(parts.hostname)).strip("-") or "site"
    slug = _SLUG.sub("-", parts.path.lower()).strip("-")[-60:].strip("-") or "index"
    tag = hashlib.sha256(url.encode()).hexdigest()[:8]
    return folder / FOLDER / host / f"{slug}-{tag}.html"


def save_article(path: Path, article: Article, updated: str | None) -> None:
    """Write the article as a plain page the index's HTML path reads back: title, canonical URL,
    dates (article:modified_time when corrected) and one paragraph a line."""
    esc = html.escape
    meta = [
        f'<link rel="canonical" href="{esc(article.url)}">',
        *([f'<meta property="article:published_time" content="{esc(article.published)}">']
          if article.published else []),
        *([f'<meta property="article:modified_time" content="{esc(updated)}">'] if updated else []),
        *([f'<meta name="author" content="{esc(article.author)}">'] if article.author else []),
    ]
    lines = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{esc(article.title)}</title>",
        *meta,
        "</head>",
        "<body>",
        "<article>",
        f"<h1>{esc(article.title)}</h1>",
        *(f"<p>{esc(p)}</p>" for p in article.paragraphs),
        "</article>",
        "</body>",
        "</html>",
        "",
    ]
    write_bytes(path, "\n".join(lines).encode("utf-8"))
