"""Follow, refresh, add and forget: what is new or corrected is saved into the documents folder,
then the index is rebuilt through the one rebuild path (a failed rebuild leaves the old one serving)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from index import QabotIndexError, companion_path, file_lock, fingerprint, load_or_build, recorded_roots

from .articles import Article, NotAnArticle, article_file, article_of, save_article
from .feeds import Entry, Feed, FeedError, parse_feed
from .fetch import Fetcher, FetchError, checked_url
from .state import ArticleState, FeedState, FollowError, FollowState, load_state, save_state

Notify = Callable[[str], None]
SAVE_EVERY = 50  # articles between two saves of the state during a refresh


@dataclass(frozen=True)
class Change:
    """An article added to the archive or corrected in it."""

    url: str
    title: str
    corrected: bool


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did: articles added and corrected, pages fetched, problems, the rebuild."""

    changes: tuple[Change, ...]
    fetched: int  # pages downloaded (a 304 is not one)
    unchanged: int  # conditional GETs answered 304
    warnings: tuple[str, ...]
    rebuilt: bool
    rebuild_seconds: float = 0.0  # the rebuild's wall time (0 when nothing changed)

    def summary(self) -> str:
        """One line for people."""
        added = sum(not c.corrected for c in self.changes)
        corrected = len(self.changes) - added
        if self.rebuilt:
            rebuilt = f"; index rebuilt in {self.rebuild_seconds:.1f} s"
        elif self.rebuild_seconds:
            rebuilt = "; the rebuild failed, the previous index serves (the next refresh tries again)"
        else:
            rebuilt = "; index unchanged"
        problems = f", {len(self.warnings)} problem(s)" if self.warnings else ""
        return (
            f"Refresh: {added} new article(s), {corrected} corrected, {self.fetched} page(s) fetched, "
            f"{self.unchanged} unchanged (304){problems}{rebuilt}"
        )


def today() -> str:
    """Today's date (UTC) as YYYY-MM-DD."""
    return datetime.datetime.now(datetime.UTC).date().isoformat()


@contextlib.contextmanager
def follow_lock(index: Path) -> Iterator[None]:
    """One refresh / add / forget at a time per index, across processes (a bot and the CLI)."""
    with file_lock(companion_path(index, "follow.lock"), "another refresh of this index is running; try later"):
        yield


def articles_folder(index: Path, seed: Sequence[Path]) -> Path:
    """The documents folder articles are saved into: the index's first folder (for a first
    build, the first configured one)."""
    roots = recorded_roots(index) or list(seed)
    folder = next((r for r in roots if not r.is_file()), None)
    if folder is None:
        raise FollowError(f"the index at {index} reads no documents folder to save articles into")
    return folder


async def follow(index: Path, url: str, fetcher: Fetcher) -> Feed:
    """Check that `url` is a feed or sitemap and record it; the next refresh fetches its articles."""
    url = _url(url)
    state = load_state(index)
    if state.feed(url) is not None:
        raise FollowError(f"{url} is already followed (`qabot follow --list`)")
    try:
        feed = await _read_feed(fetcher, url)
    except (FetchError, FeedError) as err:
        raise FollowError(f"{url}: {err}") from None
    with follow_lock(index):
        save_state(index, load_state(index).with_feed(FeedState(url, today())))
    return feed


def unfollow(index: Path, url: str) -> None:
    """Stop following the feed `url`; its articles stay in the archive."""
    with follow_lock(index):
        state = load_state(index)
        if state.feed(url) is None:
            raise FollowError(f"{url} is not followed (`qabot follow --list` shows what is)")
        save_state(index, state.without_feed(url))


def forget(index: Path, seed: Sequence[Path], url: str, notify: Notify) -> ArticleState:
    """Take the article with canonical URL (or link) `url` out of the archive and rebuild."""
    with follow_lock(index):
        state = load_state(index)
        article = state.article(url)
        if article is None:
            raise FollowError(
                f"no fetched article has the link {url} (`qabot sources` shows each document's link)"
            )
        Path(article.file).unlink(missing_ok=True)
        save_state(index, replace(state.without_article(article.url), unbuilt=True))
        rebuild(index, seed, notify)
    return article


async def fetch_article(fetcher: Fetcher, url: str, known: ArticleState | None = None) -> Article | None:
    """The article at `url`, or None when the server says it did not change since `known`."""
    page = await fetcher.get(
        url, known.etag if known else None, known.last_modified if known else None
    )
    if page.not_modified:
        return None
    return article_of(page)


def keep_article(
    state: FollowState, folder: Path, article: Article, feed: str | None = None, lastmod: str | None = None
) -> tuple[FollowState, Change | None]:
    """Save `article` under the documents folder `folder`: the state that records it, and the
    Change (None when its text is what the archive already holds)."""
    known = state.article(article.url)
    if known is not None and known.digest == article.digest:
        same = replace(known, lastmod=lastmod or known.lastmod, etag=article.etag,
                       last_modified=article.last_modified)
        return state.with_article(same), None
    path = Path(known.file) if known is not None else article_file(folder, article.url)
    updated = None if known is None else (article.modified or today())
    save_article(path, article, updated)
    kept = ArticleState(
        url=article.url, link=article.link, file=path.as_posix(), digest=article.digest,
        first_seen=known.first_seen if known else today(), updated=updated,
        feed=feed or (known.feed if known else None), lastmod=lastmod,
        etag=article.etag, last_modified=article.last_modified,
    )
    return state.with_article(kept), Change(article.url, article.title, corrected=known is not None)


def add_article(index: Path, seed: Sequence[Path], article: Article, notify: Notify) -> Change | None:
    """Add one article (an editor's link) and rebuild; None when the archive already holds its text."""
    with follow_lock(index):
        state = load_state(index).remembered(article.url).remembered(article.link)
        state, change = keep_article(state, articles_folder(index, seed), article)
        save_state(index, replace(state, unbuilt=state.unbuilt or change is not None))
        if change is not None:
            rebuild(index, seed, notify)
    return change


async def refresh(index: Path, seed: Sequence[Path], fetcher: Fetcher, notify: Notify) -> RefreshReport:
    """Fetch what is new or changed in every followed feed, save it, and rebuild once if anything
    was; each problem becomes one warning (via `notify`) and the rest goes on."""
    with follow_lock(index):
        return await _refresh(index, seed, fetcher, notify)


async def _refresh(index: Path, seed: Sequence[Path], fetcher: Fetcher, notify: Notify) -> RefreshReport:
    state = load_state(index)
    if not state.feeds:
        raise FollowError("no feed is followed; add one with `qabot follow URL`")
    folder = articles_folder(index, seed)
    changes: list[Change] = []
    warnings: list[str] = []
    counts = {"fetched": 0, "unchanged": 0}

    def warn(message: str) -> None:
        warnings.append(message)
        notify(f"warning: {message}")

    for feed_state in state.feeds:
        try:
            page = await fetcher.get(feed_state.url, feed_state.etag, feed_state.last_modified)
        except FetchError as err:
            warn(f"feed {feed_state.url}: {err}")
            continue
        if page.not_modified:
            counts["unchanged"] += 1
            continue
        counts["fetched"] += 1
        try:
            entries = await _entries(fetcher, parse_feed(page.body, page.url), warn)
        except FeedError as err:
            warn(f"feed {feed_state.url}: {err}")
            continue
        complete = True
        for n, entry in enumerate(entries, start=1):
            if entry.link in state.forgotten:
                continue  # `qabot forget`: an editor took it out
            known = state.article(entry.link)
            if known is not None and entry.updated is not None and known.lastmod == entry.updated:
                continue  # the feed says it did not change
            try:
                article = await fetch_article(fetcher, entry.link, known)
            except (FetchError, NotAnArticle) as err:
                warn(f"{entry.link}: {err}")
                complete = complete and isinstance(err, NotAnArticle)  # retried next time, unless no article
                continue
            if article is None:
                counts["unchanged"] += 1
                if known is not None:
                    state = state.with_article(replace(known, lastmod=entry.updated))
                continue
            counts["fetched"] += 1
            if article.url in state.forgotten:
                continue
            state, change = keep_article(state, folder, article, feed_state.url, entry.updated)
            if change is not None:
                changes.append(change)
                state = replace(state, unbuilt=True)
            if n % SAVE_EVERY == 0:
                save_state(index, state)  # an interrupted first refresh of a big feed keeps its work
        if complete:
            # Only a feed whose every article was had is not fetched again while it is unchanged.
            state = state.with_feed(replace(feed_state, etag=page.etag, last_modified=page.last_modified))
        save_state(index, state)
    started = time.perf_counter()
    # Also when nothing is new but a failed rebuild left saved articles out of the index.
    rebuilt = state.unbuilt and await asyncio.to_thread(rebuild, index, seed, notify)
    seconds = time.perf_counter() - started if state.unbuilt else 0.0
    return RefreshReport(tuple(changes), counts["fetched"], counts["unchanged"], tuple(warnings), rebuilt, seconds)


async def _entries(fetcher: Fetcher, feed: Feed, warn: Notify) -> list[Entry]:
    """The feed's entries; for a sitemap index, those of the sitemaps it names."""
    entries = list(feed.entries)
    for url in feed.sitemaps:
        try:
            entries.extend((await _read_feed(fetcher, url)).entries)
        except (FetchError, FeedError) as err:
            warn(f"sitemap {url}: {err}")
    return entries


async def _read_feed(fetcher: Fetcher, url: str) -> Feed:
    page = await fetcher.get(url)
    return parse_feed(page.body, page.url)


def rebuild(index: Path, seed: Sequence[Path], notify: Notify) -> bool:
    """Rebuild the index from its folders (the one rebuild path); False when the rebuild failed
    and the previous index keeps serving (`notify` has said why)."""
    try:
        built = load_or_build(index, seed, notify)
    except QabotIndexError as err:
        notify(f"warning: the index could not be built ({err})")
        return False
    if built.fingerprint != fingerprint([Path(r) for r in built.roots]):
        return False  # load_or_build said why, and kept the previous index
    save_state(index, replace(load_state(index), unbuilt=False))
    return True


def _url(url: str) -> str:
    try:
        return checked_url(url)
    except FetchError as err:
        raise FollowError(str(err)) from None
