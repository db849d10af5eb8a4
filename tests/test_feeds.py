"""Reading feeds and sitemaps: RSS, Atom, sitemaps with lastmod, sitemap indexes, hostile XML."""

from __future__ import annotations

import pytest

from bot.follow.feeds import Entry, FeedError, parse_feed

BASE = "https://news.example/feed"

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Daily</title>
<entry><title>One</title><link href="/2026/one"/><updated>2026-11-20T08:00:00+01:00</updated></entry>
<entry><title>Two</title><link href="https://news.example/2026/two"/><published>2026-11-21T09:30:00Z</published></entry>
<entry><title>Mail</title><link href="mailto:desk@news.example"/></entry>
</feed>"""

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Daily</title>
<item><title>A</title><link>https://news.example/a</link><pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>B</title><link> https://news.example/b </link></item>
</channel></rss>"""

SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<!-- made by hand -->
<url><loc>https://news.example/a</loc><lastmod>2026-11-20</lastmod></url>
<url><loc>https://news.example/b</loc></url>
</urlset>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example/sitemap-2026.xml</loc></sitemap>
<sitemap><loc>/sitemap-2025.xml</loc></sitemap>
</sitemapindex>"""


def test_atom_links_are_made_absolute_with_dates_in_utc() -> None:
    feed = parse_feed(ATOM, BASE)
    assert (feed.kind, feed.title) == ("atom", "Daily")
    assert feed.entries == (
        Entry("https://news.example/2026/one", "2026-11-20T07:00:00Z"),
        Entry("https://news.example/2026/two", "2026-11-21T09:30:00Z"),
    )


def test_rss_entries_with_and_without_a_date() -> None:
    feed = parse_feed(RSS, BASE)
    assert feed.kind == "rss"
    assert feed.entries == (Entry("https://news.example/a", "2026-11-24T10:00:00Z"),
                            Entry("https://news.example/b", None))


def test_a_sitemap_gives_its_lastmod() -> None:
    feed = parse_feed(SITEMAP, BASE)
    assert feed.kind == "sitemap"
    assert feed.entries == (Entry("https://news.example/a", "2026-11-20"), Entry("https://news.example/b", None))


def test_a_sitemap_index_names_its_sitemaps() -> None:
    feed = parse_feed(SITEMAP_INDEX, BASE)
    assert (feed.kind, feed.entries) == ("sitemap index", ())
    assert feed.sitemaps == ("https://news.example/sitemap-2026.xml", "https://news.example/sitemap-2025.xml")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html><body><p>Our news</p></body></html>", "lists no article links"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not an RSS/Atom feed or sitemap"),
        (b"<urlset><url><loc>https://news.example/a</loc>", "not a valid sitemap"),
        # An external entity (XXE) is not read: the sitemap has no links at all then.
        (b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
         b"<urlset><url><loc>&x;</loc></url></urlset>", "lists no article links"),
    ],
)
def test_what_is_not_a_feed_says_why(body: bytes, reason: str) -> None:
    with pytest.raises(FeedError, match=reason):
        parse_feed(body, BASE)
