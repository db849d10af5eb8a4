"""A followed feed's links: RSS and Atom (feedparser), or an XML sitemap with `lastmod`."""

from __future__ import annotations

import time
import urllib.parse
from dataclasses import dataclass

import feedparser
from lxml import etree

_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# A sitemap is data from the internet: no DTDs, no entities, no network, no gigantic trees.
_SAFE_XML = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


class FeedError(Exception):
    """A followed URL whose content is no feed or sitemap that can be read; the message says why."""


@dataclass(frozen=True)
class Entry:
    """One article link of a feed, with the date the feed gives for its last change, if any."""

    link: str
    updated: str | None  # ISO 8601, as the feed said it (normalised to UTC for RSS/Atom)


@dataclass(frozen=True)
class Feed:
    """What a feed lists: article links, and for a sitemap index the sitemaps it names."""

    kind: str  # "rss", "atom", "sitemap" or "sitemap index"
    title: str | None
    entries: tuple[Entry, ...]
    sitemaps: tuple[str, ...] = ()


def parse_feed(body: bytes, url: str) -> Feed:
    """The links of the feed or sitemap `body`, fetched from `url` (relative links resolved)."""
    head = body[:2048].lstrip()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return _sitemap(body, url)
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    entries = tuple(
        # dict.get: feedparser's own get maps a missing "updated" to "published", with a warning.
        Entry(link, _iso(dict.get(e, "updated_parsed") or dict.get(e, "published_parsed")))
        for e in parsed.entries
        if (link := _http_link(url, e.get("link")))
    )
    if not entries:
        why = parsed.get("bozo_exception")
        reason = f"not an RSS/Atom feed or sitemap ({why})" if why else "the feed lists no article links"
        raise FeedError(reason)
    version = str(parsed.get("version") or "")
    title = parsed.feed.get("title")
    return Feed("atom" if version.startswith("atom") else "rss", str(title) if title else None, entries)


def _sitemap(body: bytes, url: str) -> Feed:
    try:
        root = etree.fromstring(body, _SAFE_XML)
    except etree.XMLSyntaxError as err:
        raise FeedError(f"not a valid sitemap ({err})") from None
    tag = etree.QName(root).localname
    items: list[Entry] = []
    for node in root:
        if not isinstance(node.tag, str):
            continue  # comments and processing instructions
        loc = _child_text(node, "loc")
        link = _http_link(url, loc)
        if link:
            items.append(Entry(link, _child_text(node, "lastmod")))
    if tag == "sitemapindex":
        return Feed("sitemap index", None, (), tuple(e.link for e in items))
    if tag != "urlset" or not items:
        raise FeedError("the sitemap lists no article links")
    return Feed("sitemap", None, tuple(items))


def _child_text(node: etree._Element, name: str) -> str | None:
    child = node.find(_SITEMAP_NS + name)
    if child is None:
        child = node.find(name)  # sitemaps written without the namespace
    text = (child.text or "").strip() if child is not None else ""
    return text or None


def _http_link(base: str, link: object) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    full = urllib.parse.urljoin(base, link.strip())
    return full if urllib.parse.urlsplit(full).scheme in ("http", "https") else None


def _iso(parsed: time.struct_time | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed) if parsed else None
