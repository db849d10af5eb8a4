"""The fetcher that talks to the internet on the publisher's behalf: safe addresses, bounded pages,
robots.txt, one request at a time per host with a pause between them, conditional GETs.

Every hop (the first request and each redirect) resolves the host and refuses loopback, private,
link-local (cloud metadata), shared, multicast and reserved addresses unless the allow list names
the host or its range; the request is then sent to the address that was checked (the URL's host
replaced by it, the name kept in Host and TLS SNI), so that a second DNS answer cannot point the
connection somewhere else.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
import urllib.parse
import urllib.robotparser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import httpx

from ..config import Settings

MAX_REDIRECTS = 5
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_SECONDS = 3600.0  # how long a host's robots.txt is trusted before it is fetched again
ROBOTS_RETRY_SECONDS = 600.0  # how long an unreachable robots.txt keeps the host closed
_REDIRECTS = frozenset((301, 302, 303, 307, 308))
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses the name resolves to.
Resolver = Callable[[str, int], Awaitable[list[str]]]


def _user_agent() -> str:
    try:
        release = version("qabot")
    except PackageNotFoundError:
        release = "dev"
    return f"qabot/{release} (news archive refresher; fetches only feeds its editors follow)"


class FetchError(Exception):
    """A page that could not be fetched; the message says why in a few words."""


class StatusError(FetchError):
    """The server answered with an error status (404, 410, 500, ...)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


@dataclass(frozen=True)
class FetchPolicy:
    """The fetcher's limits (QABOT_FETCH_* settings)."""

    allow: tuple[str, ...] = ()  # host names or CIDR ranges let through despite their addresses
    timeout: float = 20.0  # seconds for one request, redirects included
    max_bytes: int = 10 * 1024 * 1024
    delay: float = 1.0  # seconds between two requests to the same host
    user_agent: str = field(default_factory=_user_agent)


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The fetcher's limits from the settings."""
    return FetchPolicy(
        allow=settings.fetch_allow,
        timeout=float(settings.fetch_timeout),
        max_bytes=settings.fetch_max_mb * 1024 * 1024,
        delay=float(settings.fetch_delay),
    )


@dataclass(frozen=True)
class Page:
    """A fetched page (status 200), or a 304 answer to a conditional GET (`body` empty)."""

    url: str  # after redirects
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        """The server said the page did not change since the ETag / date we sent."""
        return self.status == 304


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, from the system's resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _blocked(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # is_global is False for loopback, private, link-local (169.254.169.254), shared (100.64/10),
    # unspecified and reserved ranges; multicast can be "global" and is no web server either.
    return not address.is_global or address.is_multicast


@dataclass(frozen=True)
class _Allow:
    hosts: frozenset[str]
    networks: tuple[Network, ...]

    @classmethod
    def of(cls, entries: tuple[str, ...]) -> _Allow:
        hosts: set[str] = set()
        networks: list[Network] = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def permits(self, host: str, address: Address) -> bool:
        return host in self.hosts or any(address in net for net in self.networks) or not _blocked(address)


@dataclass
class _HostTurn:
    """One host's queue: one request at a time, `delay` seconds apart."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: float = float("-inf")


class Fetcher:
    """Fetches pages under a FetchPolicy; use as `async with Fetcher(policy) as fetcher`."""

    def __init__(
        self,
        policy: FetchPolicy,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy
        self._allow = _Allow.of(policy.allow)
        self._resolve = resolver
        self._client = httpx.AsyncClient(
            transport=transport, follow_redirects=False, trust_env=False,
            timeout=httpx.Timeout(policy.timeout), headers={"User-Agent": policy.user_agent},
        )
        self._turns: dict[str, _HostTurn] = {}
        # origin -> (until when, the rules; None: everything allowed; a FetchError: unreachable, nothing allowed)
        self._robots: dict[str, tuple[float, urllib.robotparser.RobotFileParser | FetchError | None]] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Page:
        """GET `url` (conditionally, with `etag` / `last_modified`), following up to MAX_REDIRECTS
        redirects; FetchError says why a page could not be had."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(MAX_REDIRECTS + 1):
            parts = _checked_url(url)
            # The address first: a redirect to a private address is named as such, not as robots.txt.
            await self._address((parts.hostname or "").lower(), _port(parts))
            await self._check_robots(parts)
            page_or_next = await self._hop(parts, headers, self.policy.max_bytes)
            if isinstance(page_or_next, Page):
                return page_or_next
            url = page_or_next
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    async def _hop(self, parts: urllib.parse.SplitResult, headers: dict[str, str], limit: int) -> Page | str:
        """One request: the Page, or the URL a redirect points to."""
        host = (parts.hostname or "").lower()
        port = _port(parts)
        address = await self._address(host, port)
        turn = self._turns.setdefault(host, _HostTurn())
        async with turn.lock:
            wait = turn.last + self.policy.delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                async with asyncio.timeout(self.policy.timeout):
                    return await self._send(parts, address, port, headers, limit)
            except (TimeoutError, httpx.TimeoutException):
                raise FetchError(f"no answer within {self.policy.timeout:g} s") from None
            except httpx.HTTPError as err:
                raise FetchError(f"cannot connect ({type(err).__name__}: {err})") from None
            finally:
                turn.last = time.monotonic()

    async def _send(
        self, parts: urllib.parse.SplitResult, address: Address, port: int, headers: dict[str, str], limit: int
    ) -> Page | str:
        target = httpx.URL(parts.geturl()).copy_with(host=str(address))
        host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        request = self._client.build_request(
            "GET", target, headers={**headers, "Host": host_header or ""},
            extensions={"sni_hostname": parts.hostname} if parts.scheme == "https" else {},
        )
        response = await self._client.send(request, stream=True)
        try:
            if response.status_code in _REDIRECTS and "location" in response.headers:
                return urllib.parse.urljoin(parts.geturl(), response.headers["location"])
            if response.status_code == 304:
                body = b""
            elif response.status_code != 200:
                raise StatusError(response.status_code)
            else:
                body = await _read_limited(response, limit)
        finally:
            await response.aclose()
            self._client.cookies.clear()  # a crawler keeps no sessions, and sites must not share cookies
        return Page(
            url=parts.geturl(), status=response.status_code, body=body,
            etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"),
        )

    async def _address(self, host: str, port: int) -> Address:
        """The address to connect to: every address the host resolves to must be allowed."""
        try:
            found = [ipaddress.ip_address(a.split("%")[0]) for a in await self._resolve(host, port)]
        except (OSError, UnicodeError, ValueError) as err:
            raise FetchError(f"cannot resolve {host} ({err})") from None
        if not found:
            raise FetchError(f"cannot resolve {host}")
        refused = [a for a in found if not self._allow.permits(host, a)]
        if refused:
            raise FetchError(
                f"{host} resolves to {refused[0]}, a private or reserved address "
                "(QABOT_FETCH_ALLOW lets a host or range through)"
            )
        return found[0]

    async def _check_robots(self, parts: urllib.parse.SplitResult) -> None:
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.path == "/robots.txt":
            return
        expires, rules = self._robots.get(origin, (0.0, None))
        if expires < time.monotonic():
            try:
                rules = await self._fetch_robots(origin)
                self._robots[origin] = (time.monotonic() + ROBOTS_SECONDS, rules)
            except FetchError as err:
                # Remembered for a while: a dead site costs one timeout, not one per article.
                rules = err
                self._robots[origin] = (time.monotonic() + ROBOTS_RETRY_SECONDS, rules)
        if isinstance(rules, FetchError):
            raise FetchError(str(rules))
        if rules is not None and not rules.can_fetch(self.policy.user_agent, parts.geturl()):
            raise FetchError(f"robots.txt of {parts.netloc} disallows it")

    async def _fetch_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """The host's rules; None (everything allowed) when it has no robots.txt (RFC 9309: 4xx)."""
        url = f"{origin}/robots.txt"
        try:
            for _ in range(MAX_REDIRECTS + 1):
                page = await self._hop(_checked_url(url), {}, ROBOTS_MAX_BYTES)
                if isinstance(page, Page):
                    break
                url = page
            else:
                return None
        except StatusError as err:
            if 400 <= err.status < 500:
                return None
            raise FetchError(f"robots.txt of {origin} could not be read ({err}); not fetching there") from None
        except FetchError as err:
            # RFC 9309: robots.txt unreachable (5xx, no answer) means "crawl nothing" for now.
            raise FetchError(f"robots.txt of {origin} could not be read ({err}); not fetching there") from None
        rules = urllib.robotparser.RobotFileParser(url)
        rules.parse(page.body.decode("utf-8", "replace").splitlines())
        return rules


def _port(parts: urllib.parse.SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def _checked_url(url: str) -> urllib.parse.SplitResult:
    try:
        parts = urllib.parse.urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise FetchError(f"not a valid URL: {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"only http and https links can be fetched, not {url!r}")
    if parts.username or parts.password:
        raise FetchError("links with a user name or password are not fetched")
    return parts._replace(fragment="")


async def _read_limited(response: httpx.Response, limit: int) -> bytes:
    """The body, or FetchError once it passes `limit` bytes (nothing more is read)."""
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise FetchError(f"larger than {_size(limit)} ({_size(int(length))}); not fetched")
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > limit:
            raise FetchError(f"larger than {_size(limit)}; cut off there and skipped")
        chunks.append(chunk)
    return b"".join(chunks)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.3g} MB"


def checked_url(url: str) -> str:
    """`url` when it is an http(s) link the fetcher would try; FetchError says why not."""
    return _checked_url(url).geturl()
