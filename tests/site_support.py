"""A publisher's site on 127.0.0.1 for the feed tests (feed, sitemap, article pages, ETags, faults),
and the fetcher's test parts: a stub resolver and a transport that refuses anything but loopback."""

from __future__ import annotations

import hashlib
import html
import ipaddress
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

SITE_HOST = "news.test"  # resolves to 127.0.0.1 through stub_resolver
PRIVATE_HOST = "intranet.test"  # resolves to a private address: the fetcher must never connect there
BIG_PAGE_BYTES = 50 * 1024 * 1024


@dataclass
class Story:
    """An article the site publishes."""

    slug: str
    title: str
    paragraphs: list[str]
    published: str = "2026-11-20"
    updated: str | None = None  # the feed's date for the story (RFC 822 in RSS, ISO in sitemaps)

    def page(self, base: str) -> bytes:
        """The article's web page, with navigation and a footer around the article."""
        body = "".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs)
        return (
            f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(self.title)} | Daily</title>'
            f'<link rel="canonical" href="{base}/news/{self.slug}">'
            f'<meta property="article:published_time" content="{self.published}T08:00:00Z">'
            f"</head><body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
            f"<article><h1>{html.escape(self.title)}</h1>{body}</article>"
            f"<footer>Copyright Daily News. All rights reserved.</footer></body></html>"
        ).encode()


@dataclass
class Hit:
    """A request the site answered."""

    path: str
    status: int
    conditional: bool


class NewsSite:
    """A site with /feed.xml (RSS), /sitemap.xml and /news/<slug> pages; answers conditional GETs
    with 304; fault routes: /broken (500), /gone (404), /slow (answers late), /huge (50 MB),
    /moved (redirect to a private host), /loop (endless redirects), /empty (no article)."""

    def __init__(self, slow_seconds: float = 3.0) -> None:
        self.stories: list[Story] = []
        self.sitemap_stories: list[Story] = []
        self.feed_extra: list[str] = []  # more <item> links (fault routes)
        self.feed_override: bytes | None = None  # a malformed feed
        self.robots = ""
        self.robots_status = 200  # another status: robots.txt answers it (with no body)
        self.hits: list[Hit] = []
        self.big_bytes_sent = 0
        self.slow_seconds = slow_seconds
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The port the site listens on."""
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        """The site's root URL by its test host name (resolved by stub_resolver)."""
        return f"http://{SITE_HOST}:{self.port}"

    def __enter__(self) -> NewsSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def paths(self, prefix: str = "") -> list[str]:
        """The paths requested so far (starting with `prefix`)."""
        with self._lock:
            return [h.path for h in self.hits if h.path.startswith(prefix)]

    def feed(self, base: str) -> bytes:
        """The RSS feed."""
        if self.feed_override is not None:
            return self.feed_override
        items = "".join(
            f"<item><title>{html.escape(s.title)}</title><link>{base}/news/{s.slug}</link>"
            + (f"<pubDate>{s.updated}</pubDate>" if s.updated else "")
            + "</item>"
            for s in self.stories
        ) + "".join(f"<item><title>x</title><link>{base}{path}</link></item>" for path in self.feed_extra)
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Daily</title>'
            f"<link>{base}/</link>{items}</channel></rss>"
        ).encode()

    def sitemap(self, base: str) -> bytes:
        """The XML sitemap with lastmod."""
        urls = "".join(
            f"<url><loc>{base}/news/{s.slug}</loc><lastmod>{s.updated or s.published}</lastmod></url>"
            for s in self.sitemap_stories
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        ).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                host = self.headers.get("Host", f"127.0.0.1:{site.port}")
                self._answer(f"http://{host}")

            def _record(self, status: int) -> None:
                # Before the answer goes out: the fetcher may act on it before this thread runs on.
                conditional = "If-None-Match" in self.headers or "If-Modified-Since" in self.headers
                with site._lock:
                    site.hits.append(Hit(self.path, status, conditional))

            def _answer(self, base: str) -> int:
                path = self.path
                stories = {f"/news/{s.slug}": s for s in [*site.stories, *site.sitemap_stories]}
                if path == "/robots.txt" and site.robots_status != 200:
                    return self._send(site.robots_status)
                if path == "/robots.txt":
                    return self._send(200, site.robots.encode(), "text/plain") if site.robots else self._send(404)
                if path == "/feed.xml":
                    return self._send(200, site.feed(base), "application/rss+xml")
                if path == "/sitemap.xml":
                    return self._send(200, site.sitemap(base), "application/xml")
                if path in stories:
                    return self._send(200, stories[path].page(base), "text/html")
                if path == "/broken":
                    return self._send(500)
                if path == "/slow":
                    time.sleep(site.slow_seconds)  # recorded when it answers, after the fetcher gave up
                    return self._send(200, Story("slow", "Slow", ["Late."]).page(base), "text/html")
                if path == "/huge":
                    return self._huge()
                if path == "/moved":
                    return self._redirect(f"http://{PRIVATE_HOST}:{site.port}/news/secret")
                if path.startswith("/loop"):
                    return self._redirect(f"{path}x")
                if path == "/empty":
                    return self._send(200, b"<html><body><nav>Home</nav></body></html>", "text/html")
                return self._send(404)

            def _send(self, status: int, body: bytes = b"", kind: str = "text/plain") -> int:
                tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if status == 200 and self.headers.get("If-None-Match") == tag:
                    status, body = 304, b""
                self._record(status)
                self.send_response(status)
                if status in (200, 304):
                    self.send_header("ETag", tag)
                    self.send_header("Last-Modified", formatdate(0, usegmt=True))
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return status

            def _redirect(self, location: str) -> int:
                self._record(302)
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 302

            def _huge(self) -> int:
                # No Content-Length: the fetcher must count what it reads and stop.
                self._record(200)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
                try:
                    while site.big_bytes_sent < BIG_PAGE_BYTES:
                        self.wfile.write(chunk)
                        site.big_bytes_sent += len(chunk)
                except OSError:
                    pass  # the fetcher hung up: what the test wants
                return 200

        return Handler


def stub_resolver(table: dict[str, str] | None = None) -> Callable:
    """A resolver for the fetcher that knows only the test host names (no DNS query is sent)."""
    known = {SITE_HOST: "127.0.0.1", PRIVATE_HOST: "10.20.30.40", "metadata.test": "169.254.169.254",
             **(table or {})}

    async def resolve(host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if host not in known:
            raise OSError(f"unknown test host {host}")
        return [known[host]]

    return resolve


class LoopbackOnly(httpx.AsyncBaseTransport):
    """httpx's transport, refusing (with an error no code catches) any connection not to 127.0.0.1."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.refused: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            loopback = ipaddress.ip_address(request.url.host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            self.refused.append(str(request.url))
            raise AssertionError(f"the test transport refused a connection to {request.url.host}")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
