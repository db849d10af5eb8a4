"""What the index remembers of its followed feeds and fetched articles: `follow.json` beside it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from index import companion_path, write_json

from ..errors import QabotError

STATE_FILE = "follow.json"
STATE_VERSION = 1


class FollowError(QabotError):
    """A follow / refresh / forget request that cannot be done; the message says what to do."""


@dataclass(frozen=True)
class FeedState:
    """A followed feed and the validators of its last complete fetch (for a conditional GET)."""

    url: str
    since: str  # the day it was followed
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class ArticleState:
    """An article saved into the documents folder, keyed by its canonical URL."""

    url: str  # canonical: the document's identity (a correction replaces it in place)
    link: str  # the link it was fetched from (the feed's, or the one an editor sent)
    file: str  # the saved page
    digest: str  # of title and text: a change is a correction
    first_seen: str
    updated: str | None = None  # the day a correction was seen (or the page's own modified date)
    feed: str | None = None  # the feed that listed it; None when added by hand
    lastmod: str | None = None  # the feed's date for it: unchanged means not fetched again
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FollowState:
    """Followed feeds and fetched articles (articles stay when their feed drops them)."""

    feeds: tuple[FeedState, ...] = ()
    articles: tuple[ArticleState, ...] = field(default_factory=tuple)
    forgotten: tuple[str, ...] = ()  # links (and canonical URLs) a refresh does not fetch again
    unbuilt: bool = False  # saved articles the index does not hold yet (the last rebuild failed)

    def feed(self, url: str) -> FeedState | None:
        """The followed feed with this URL."""
        return next((f for f in self.feeds if f.url == url), None)

    def article(self, url: str) -> ArticleState | None:
        """The article with this canonical URL or fetched from this link."""
        return next((a for a in self.articles if url in (a.url, a.link)), None)

    def with_feed(self, feed: FeedState) -> FollowState:
        """This state with `feed` added, or replacing the one with its URL."""
        if self.feed(feed.url) is not None:
            return replace(self, feeds=tuple(feed if f.url == feed.url else f for f in self.feeds))
        return replace(self, feeds=(*self.feeds, feed))

    def with_article(self, article: ArticleState) -> FollowState:
        """This state with `article` added, or replacing the one with its canonical URL."""
        if any(a.url == article.url for a in self.articles):
            return replace(self, articles=tuple(article if a.url == article.url else a for a in self.articles))
        return replace(self, articles=(*self.articles, article))

    def without_feed(self, url: str) -> FollowState:
        """This state without the feed `url` (its articles stay)."""
        return replace(self, feeds=tuple(f for f in self.feeds if f.url != url))

    def without_article(self, url: str) -> FollowState:
        """This state without the article `url`, which refreshes leave out from now on."""
        gone = self.article(url)
        links = (gone.url, gone.link) if gone is not None else (url,)
        return replace(
            self,
            articles=tuple(a for a in self.articles if a is not gone),
            forgotten=(*self.forgotten, *(x for x in dict.fromkeys(links) if x not in self.forgotten)),
        )

    def remembered(self, url: str) -> FollowState:
        """This state with `url` no longer forgotten (an editor added it again)."""
        return replace(self, forgotten=tuple(x for x in self.forgotten if x != url))


def state_path(index: Path) -> Path:
    """The state file of the index `index`."""
    return companion_path(index, STATE_FILE)


def load_state(index: Path) -> FollowState:
    """The index's follow state (empty when nothing was ever followed or added)."""
    path = state_path(index)
    try:
        data: Any = json.loads(path.read_bytes())
    except FileNotFoundError:
        return FollowState()
    except (OSError, ValueError) as err:
        raise FollowError(f"cannot read {path} ({err}); move it away to start again") from None
    try:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"version {data.get('version')!r}")
        return FollowState(
            tuple(FeedState(**f) for f in data["feeds"]),
            tuple(ArticleState(**a) for a in data["articles"]),
            tuple(str(x) for x in data.get("forgotten", ())),
            bool(data.get("unbuilt", False)),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise FollowError(f"{path} is damaged ({err}); move it away to start again") from None


def save_state(index: Path, state: FollowState) -> None:
    """Write the state atomically beside the index."""
    write_json(state_path(index), {
        "version": STATE_VERSION,
        "feeds": [asdict(f) for f in state.feeds],
        "articles": [asdict(a) for a in state.articles],
        "forgotten": list(state.forgotten),
        "unbuilt": state.unbuilt,
    })
