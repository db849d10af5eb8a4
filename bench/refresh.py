"""`qabot refresh` on a followed archive: 1,000 articles already held, 10 new in the feed.

A local site on 127.0.0.1 (tests/site_support.NewsSite) serves an RSS feed and the article pages,
their text SciFact sentences recombined (bench/corpus.py, fixed seed). The first refresh fetches
the 1,000 articles and builds the index; that state is kept, and each timed run starts from a copy
of it, adds 10 articles to the feed and refreshes. Printed: the refresh's rebuild (the issue's
figure, <= 5 s), the whole refresh (fetching and saving the 10 pages too), and as baselines, in
the same run, builds from scratch of the same 1,010 articles: with the engine `auto` picks (the
archive, from 500 files) and with the small engine (which re-reads every file at each rebuild).

    .venv/bin/python -m bench.refresh [--docs 1000] [--new 10] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from email.utils import formatdate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import copy_scifact, sentences_and_titles  # noqa: E402
from bot.follow.fetch import Fetcher, FetchPolicy  # noqa: E402
from bot.follow.refresh import RefreshReport, follow, refresh  # noqa: E402
from index import build_index, index_paths  # noqa: E402
from tests.site_support import NewsSite, Story, stub_resolver  # noqa: E402


def stories(count: int, seed: int = 7) -> list[Story]:
    """`count` articles of 3-14 paragraphs of SciFact sentences."""
    sentences, titles = sentences_and_titles(copy_scifact())
    rng = random.Random(seed)
    made = []
    for n in range(count):
        paragraphs = [" ".join(rng.choice(sentences) for _ in range(rng.randint(1, 4)))
                      for _ in range(rng.randint(3, 14))]
        when = formatdate(1_790_000_000 + n * 600, usegmt=True)
        made.append(Story(f"a{n:05d}", rng.choice(titles), paragraphs, updated=when))
    return made


def timed_refresh(index: Path, docs: Path) -> tuple[RefreshReport, float]:
    """One refresh with the fetcher the CLI uses (allow list for 127.0.0.1, no pause)."""

    async def go() -> RefreshReport:
        policy = FetchPolicy(allow=("127.0.0.1/32",), delay=0.0)
        async with Fetcher(policy, resolver=stub_resolver()) as fetcher:
            return await refresh(index, [docs], fetcher, lambda _: None)

    started = time.perf_counter()
    report = asyncio.run(go())
    return report, time.perf_counter() - started


def main() -> None:
    """Print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--new", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    every = stories(args.docs + args.new)
    with tempfile.TemporaryDirectory(prefix="qabot-bench-refresh-") as tmp, NewsSite() as site:
        work = Path(tmp)
        docs, index, kept = work / "docs", work / "index", work / "kept"
        docs.mkdir()
        site.stories = every[: args.docs]

        async def follow_feed() -> None:
            async with Fetcher(FetchPolicy(allow=("127.0.0.1/32",), delay=0.0), stub_resolver()) as f:
                await follow(index, f"{site.base}/feed.xml", f)

        index_paths(index).home.mkdir(parents=True)
        asyncio.run(follow_feed())
        first, first_s = timed_refresh(index, docs)
        print(f"first refresh: {len(first.changes)} articles fetched, saved and indexed in {first_s:.1f} s "
              f"(rebuild {first.rebuild_seconds:.1f} s)")
        shutil.copytree(work, kept, ignore=shutil.ignore_patterns("kept"))
        rebuilds, totals, scratch, small = [], [], [], []
        for run in range(args.runs):
            for name in ("docs", "index"):
                shutil.rmtree(work / name)
                shutil.copytree(kept / name, work / name)  # copy2: the files keep their mtimes
            site.stories = every
            report, total = timed_refresh(index, docs)
            assert len(report.changes) == args.new and report.rebuilt, report.summary()
            rebuilds.append(report.rebuild_seconds)
            totals.append(total)
            started = time.perf_counter()
            summary = build_index([docs], work / f"scratch-{run}", semantic=False)
            scratch.append(time.perf_counter() - started)
            started = time.perf_counter()
            build_index([docs], work / f"small-{run}", engine="bm25", semantic=False)
            small.append(time.perf_counter() - started)
            print(f"run {run + 1}: rebuild {report.rebuild_seconds:.2f} s, refresh {total:.2f} s, "
                  f"from scratch {scratch[-1]:.2f} s ({summary.documents} documents, {summary.passages} "
                  f"passages, {summary.engine} engine), small engine from scratch {small[-1]:.2f} s")
        print(f"median of {args.runs}: refresh's rebuild {statistics.median(rebuilds):.2f} s, whole refresh "
              f"{statistics.median(totals):.2f} s; baselines: build from scratch {statistics.median(scratch):.2f} s, "
              f"small engine (rebuilds every file) {statistics.median(small):.2f} s")


if __name__ == "__main__":
    main()
