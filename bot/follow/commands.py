"""`qabot follow`, `qabot refresh`, `qabot forget`: the command-line side of followed feeds."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ..config import Settings
from .state import FollowError, load_state

# The commands import httpx and feedparser when they run: `qabot ask` should not pay for them.


def _notify(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_follow(args: argparse.Namespace, settings: Settings) -> int:
    """Follow a feed, list the followed ones, or stop following one."""
    from .fetch import Fetcher, fetch_policy
    from .refresh import follow, unfollow

    index = settings.index_path
    if args.list:
        state = load_state(index)
        if not state.feeds:
            print("No feed is followed; add one with `qabot follow URL`.")
        for feed in state.feeds:
            count = sum(a.feed == feed.url for a in state.articles)
            print(f"{feed.url} (since {feed.since}, {count} article(s) fetched)")
        return 0
    if args.remove:
        unfollow(index, args.remove)
        print(f"No longer following {args.remove}; its articles stay (`qabot forget URL` removes one).")
        return 0
    if not args.url:
        raise FollowError("give a feed's URL, or --list, or --remove URL")

    async def run() -> str:
        async with Fetcher(fetch_policy(settings)) as fetcher:
            feed = await follow(index, args.url, fetcher)
        links = len(feed.entries) or len(feed.sitemaps)
        kind = "sitemaps" if feed.sitemaps else "links"
        return f"Following {args.url.strip()} ({feed.kind}, {links} {kind} now); `qabot refresh` fetches them."

    print(asyncio.run(run()))
    return 0


def cmd_refresh(args: argparse.Namespace, settings: Settings) -> int:
    """Fetch what is new or corrected in the followed feeds and rebuild the index."""
    from .fetch import Fetcher, fetch_policy
    from .refresh import refresh

    async def run() -> str:
        async with Fetcher(fetch_policy(settings)) as fetcher:
            report = await refresh(settings.index_path, settings.docs_dirs, fetcher, _notify)
        lines = [f"{'corrected' if c.corrected else 'new'}: {c.title} <{c.url}>" for c in report.changes]
        return "\n".join([*lines, report.summary()])

    print(asyncio.run(run()))
    return 0


def cmd_forget(args: argparse.Namespace, settings: Settings) -> int:
    """Take a fetched article out of the archive."""
    from .refresh import forget

    article = forget(settings.index_path, settings.docs_dirs, args.url, _notify)
    print(f"Forgot {article.url} (deleted {article.file}).")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register `follow`, `refresh` and `forget` on the `qabot` parser."""
    p = sub.add_parser("follow", help="follow a site's RSS/Atom feed or sitemap (--list, --remove URL)")
    p.add_argument("url", nargs="?", help="the feed's or sitemap's URL")
    p.add_argument("--list", action="store_true", help="list the followed feeds")
    p.add_argument("--remove", metavar="URL", help="stop following this feed (its articles stay)")
    p.set_defaults(func=cmd_follow)

    p = sub.add_parser("refresh", help="fetch new and corrected articles of the followed feeds, then rebuild")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("forget", help="take an article fetched from a feed or a link out of the archive")
    p.add_argument("url", help="the article's link (as `qabot sources` shows it)")
    p.set_defaults(func=cmd_forget)
