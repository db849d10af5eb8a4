"""Followed feeds against a local site: first refresh, 304s, corrections, faults, forget, the CLI.

Every fetch goes through LoopbackOnly (a connection anywhere but 127.0.0.1 fails the test) and
host names resolve through stub_resolver (no DNS query leaves the machine)."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.follow.articles import Article, save_article
from bot.follow.fetch import Fetcher, FetchError, FetchPolicy
from bot.follow.refresh import RefreshReport, follow, forget, refresh, today
from bot.follow.state import FollowError, load_state
from bot.render import sources_to_terminal, to_terminal
from index import build_index, load_index
from index.storage import index_paths, rebuild_lock
from tests.site_support import PRIVATE_HOST, SITE_HOST, LoopbackOnly, NewsSite, Story, stub_resolver
from tests.test_cli import run as run_qabot

ALLOW = ("127.0.0.1/32",)


def stories() -> list[Story]:
    """Three articles for the RSS feed."""
    return [
        Story("lighthouse", "Last lighthouse keeper retires", [
            "The last lighthouse keeper on the northern coast retired on Friday after 41 years.",
            "Marta Velez kept the lamp at Cape Harrow burning through storms and blackouts.",
            "The lighthouse will now run automatically, the coast guard said.",
        ], updated="Fri, 20 Nov 2026 08:00:00 GMT"),
        Story("glacier", "Glacier lost a fifth of its ice", [
            "The Sorrel glacier lost a fifth of its ice in ten years, surveyors reported.",
            "Meltwater from the glacier feeds three valleys and a hydroelectric dam.",
        ], updated="Fri, 20 Nov 2026 09:00:00 GMT"),
        Story("orchard", "Orchard town celebrates record apple harvest", [
            "Growers in Pell Valley picked a record 90,000 tonnes of apples this autumn.",
            "The harvest festival drew twelve thousand visitors to the orchard town.",
        ], updated="Fri, 20 Nov 2026 10:00:00 GMT"),
    ]


@pytest.fixture
def site() -> Iterator[NewsSite]:
    """The publisher's site on 127.0.0.1."""
    with NewsSite() as news:
        news.stories = stories()
        news.sitemap_stories = [Story("ferry", "New ferry links the islands", [
            "A new electric ferry now links the Tarn islands to the mainland twice an hour.",
            "The crossing takes twenty minutes and costs four euros.",
        ], updated="2026-11-21")]
        yield news


@pytest.fixture
def index(tmp_path: Path) -> Path:
    """An index of a folder with one article of its own."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "council.txt").write_text("Council meets\n\nThe town council meets on Mondays in the old hall.\n")
    out = tmp_path / "index"
    build_index([docs], out, semantic=False)
    return out


def fetcher(**limits: float) -> Fetcher:
    """A fetcher for the test site: stub names, loopback-only transport, no pause between requests."""
    policy = FetchPolicy(allow=ALLOW, delay=0.0, **limits)  # type: ignore[arg-type]
    return Fetcher(policy, resolver=stub_resolver(), transport=LoopbackOnly())


def run_refresh(index: Path, notes: list[str] | None = None, **limits: float) -> RefreshReport:
    """One refresh with the test fetcher; messages go to `notes`."""
    said = notes if notes is not None else []

    async def go() -> RefreshReport:
        async with fetcher(**limits) as f:
            return await refresh(index, [], f, said.append)

    return asyncio.run(go())


def follow_all(index: Path, site: NewsSite) -> None:
    """Follow the site's feed and sitemap."""

    async def go() -> None:
        async with fetcher() as f:
            await follow(index, f"{site.base}/feed.xml", f)
            await follow(index, f"{site.base}/sitemap.xml", f)

    asyncio.run(go())


def ask(index: Path, question: str) -> str:
    """The answer from the index as it is on disk now."""
    return to_terminal(Answerer(load_index(index), encoder=False).answer(question))


def test_first_refresh_adds_every_article_of_the_feed_and_sitemap(index: Path, site: NewsSite) -> None:
    follow_all(index, site)
    notes: list[str] = []
    report = run_refresh(index, notes)
    assert sorted(c.title for c in report.changes) == sorted(s.title for s in [*site.stories, *site.sitemap_stories])
    assert not any(c.corrected for c in report.changes) and report.rebuilt and not report.warnings
    loaded = load_index(index)
    urls = {d.url for d in loaded.documents}
    assert {f"{site.base}/news/{s}" for s in ("lighthouse", "glacier", "orchard", "ferry")} <= urls
    assert "Cape Harrow" in ask(index, "Who kept the lamp at Cape Harrow?")
    assert "twenty minutes" in ask(index, "How long does the ferry crossing to the Tarn islands take?")
    # Saved as readable pages, one paragraph a line, that the HTML path reads back.
    saved = Path(load_state(index).article(f"{site.base}/news/glacier").file).read_text()  # type: ignore[union-attr]
    assert "<p>Meltwater from the glacier feeds three valleys and a hydroelectric dam.</p>\n" in saved
    glacier = next(d for d in loaded.documents if d.url == f"{site.base}/news/glacier")
    assert glacier.title == "Glacier lost a fifth of its ice" and glacier.published == "2026-11-20"
    assert glacier.updated is None


def test_second_refresh_with_304s_fetches_nothing_and_rebuilds_nothing(index: Path, site: NewsSite) -> None:
    follow_all(index, site)
    run_refresh(index)
    stamp = index_paths(index).file.stat().st_mtime_ns
    before = len(site.hits)
    report = run_refresh(index)
    later = site.hits[before:]
    assert report.changes == () and not report.rebuilt and report.fetched == 0 and report.unchanged == 2
    assert [(h.path, h.status, h.conditional) for h in later if h.path != "/robots.txt"] == [
        ("/feed.xml", 304, True), ("/sitemap.xml", 304, True)]
    assert index_paths(index).file.stat().st_mtime_ns == stamp


def test_a_new_article_in_the_feed_is_the_only_page_fetched(index: Path, site: NewsSite) -> None:
    follow_all(index, site)
    run_refresh(index)
    site.stories.append(Story("bridge", "Old stone bridge reopens", [
        "The old stone bridge over the Lune reopened after two years of repairs.",
        "Engineers replaced every one of its four thousand stones by hand.",
    ], updated="Sat, 21 Nov 2026 08:00:00 GMT"))
    before = len(site.hits)
    report = run_refresh(index)
    assert [c.title for c in report.changes] == ["Old stone bridge reopens"] and report.rebuilt
    assert [p for p in site.paths() [before:] if p.startswith("/news/")] == ["/news/bridge"]
    assert "four thousand stones" in ask(index, "How many stones were replaced on the bridge?")


def test_a_corrected_article_is_reindexed_in_place_and_marked_updated(index: Path, site: NewsSite) -> None:
    follow_all(index, site)
    run_refresh(index)
    first = {d.url: d.doc_id for d in load_index(index).documents}
    glacier = site.stories[1]
    glacier.paragraphs[0] = "The Sorrel glacier lost a quarter of its ice in ten years, surveyors reported."
    glacier.updated = "Sun, 22 Nov 2026 12:00:00 GMT"
    report = run_refresh(index)
    assert [(c.title, c.corrected) for c in report.changes] == [("Glacier lost a fifth of its ice", True)]
    loaded = load_index(index)
    url = f"{site.base}/news/glacier"
    assert {d.url: d.doc_id for d in loaded.documents} == first  # same documents, same ids
    doc = next(d for d in loaded.documents if d.url == url)
    assert doc.updated == today()
    answer = ask(index, "How much ice did the Sorrel glacier lose?")
    assert "a quarter of its ice" in answer and "a fifth of its ice in ten years" not in answer
    assert f"updated {today()}" in answer
    assert f"updated {today()}" in sources_to_terminal(Answerer(loaded, encoder=False).sources(0, 50))


def test_an_article_dropped_by_the_feed_stays_until_forgotten(index: Path, site: NewsSite) -> None:
    follow_all(index, site)
    run_refresh(index)
    url = f"{site.base}/news/orchard"
    site.stories = site.stories[:2]
    run_refresh(index)
    assert url in {d.url for d in load_index(index).documents}
    saved = Path(load_state(index).article(url).file)  # type: ignore[union-attr]
    forget(index, [], url, lambda _: None)
    assert url not in {d.url for d in load_index(index).documents} and not saved.exists()
    with pytest.raises(FollowError, match="no fetched article"):
        forget(index, [], url, lambda _: None)
    # Forgotten while its feed still lists it: the next refresh leaves it out.
    site.stories = stories()
    before = len(site.hits)
    report = run_refresh(index)
    assert "/feed.xml" in site.paths()[before:] and "/news/orchard" not in site.paths()[before:]
    assert report.changes == ()
    assert url not in {d.url for d in load_index(index).documents}


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/gone", "HTTP 404"),
        ("/broken", "HTTP 500"),
        ("/slow", "no answer within 1 s"),
        ("/huge", "larger than 1 MB"),
        ("/moved", f"{PRIVATE_HOST} resolves to 10.20.30.40, a private or reserved address"),
        ("/empty", "not an article"),
        ("/loop", "more than 5 redirects"),
    ],
)
def test_each_fault_is_one_warning_and_the_refresh_goes_on(
    index: Path, site: NewsSite, path: str, reason: str
) -> None:
    site.feed_extra = [path]
    follow_all(index, site)
    notes: list[str] = []
    report = run_refresh(index, notes, timeout=1.0, max_bytes=1024 * 1024)
    warnings = [n for n in notes if n.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith(f"warning: {site.base}{path}: {reason}"), warnings
    assert len(report.changes) == 4 and report.rebuilt  # every other article was added
    if path == "/huge":
        assert site.big_bytes_sent < 10 * 1024 * 1024  # the 50 MB page was not read to its end


def test_a_malformed_feed_is_one_warning_and_the_other_feed_is_read(index: Path, site: NewsSite) -> None:
    follow_all(index, site)
    site.feed_override = b"<?xml version='1.0'?><rss><channel><item><title>half a feed"
    notes: list[str] = []
    report = run_refresh(index, notes)
    warnings = [n for n in notes if n.startswith("warning:")]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"warning: feed {site.base}/feed.xml: not an RSS/Atom feed or sitemap (")
    assert [c.title for c in report.changes] == ["New ferry links the islands"]


def test_a_failed_rebuild_keeps_the_old_index_and_the_next_refresh_builds(index: Path, site: NewsSite) -> None:
    follow_all(index, site)
    notes: list[str] = []
    with rebuild_lock(index):  # another rebuild holds the index: this one fails
        report = run_refresh(index, notes)
    assert len(report.changes) == 4 and not report.rebuilt and "the rebuild failed" in report.summary()
    assert any("answering from the previous index" in n for n in notes)
    assert {d.doc_id for d in load_index(index).documents} == {"council.txt"}
    report = run_refresh(index)  # the feeds answer 304, but the saved articles are still to index
    assert report.changes == () and report.rebuilt
    assert "Cape Harrow" in ask(index, "Who kept the lamp at Cape Harrow?")
    assert not run_refresh(index).rebuilt


def test_a_failed_article_is_fetched_again_next_time(index: Path, site: NewsSite) -> None:
    site.feed_extra = ["/broken"]
    follow_all(index, site)
    run_refresh(index)
    before = len(site.hits)
    run_refresh(index)
    # The feed was not marked done: it is read again in full, and the broken page retried.
    assert "/broken" in site.paths()[before:]


def test_robots_txt_is_honoured(index: Path, site: NewsSite) -> None:
    site.robots = "User-agent: *\nDisallow: /news/glacier\n"
    follow_all(index, site)
    notes: list[str] = []
    report = run_refresh(index, notes)
    assert "/news/glacier" not in site.paths()
    assert any("robots.txt" in n and "/news/glacier" in n for n in notes)
    assert len(report.changes) == 3


def test_an_unreachable_robots_txt_closes_the_site_for_the_run(index: Path, site: NewsSite) -> None:
    follow_all(index, site)
    site.robots_status = 503
    before = len(site.hits)
    notes: list[str] = []
    report = run_refresh(index, notes)
    assert report.changes == () and site.paths()[before:] == ["/robots.txt"]  # asked once, then nothing
    assert [n.split(": ", 2)[2] for n in notes] == [
        f"robots.txt of {site.base} could not be read (HTTP 503); not fetching there"] * 2


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://news.test/feed", "only http and https"),
        ("http://metadata.test/latest/meta-data/", "169.254.169.254, a private or reserved address"),
        (f"http://{PRIVATE_HOST}/feed.xml", "10.20.30.40, a private or reserved address"),
        ("http://[::1]:9/feed.xml", "::1, a private or reserved address"),
        ("http://[::ffff:10.0.0.1]/x", "a private or reserved address"),
        ("http://user:pw@news.test/feed", "user name or password"),
    ],
)
def test_the_fetcher_refuses_unsafe_links(url: str, reason: str) -> None:
    async def go() -> None:
        async with Fetcher(FetchPolicy(delay=0.0), stub_resolver(), LoopbackOnly()) as f:
            await f.get(url)

    with pytest.raises(FetchError, match=reason.replace("[", r"\[").replace(".", r"\.")):
        asyncio.run(go())


def test_the_allow_list_lets_a_named_host_through(site: NewsSite) -> None:
    async def go(allow: tuple[str, ...]) -> int:
        async with Fetcher(FetchPolicy(allow=allow, delay=0.0), stub_resolver(), LoopbackOnly()) as f:
            return (await f.get(f"{site.base}/feed.xml")).status

    assert asyncio.run(go((SITE_HOST,))) == 200
    with pytest.raises(FetchError, match="private or reserved"):
        asyncio.run(go(("10.0.0.0/8",)))


def test_requests_to_one_host_wait_their_turn(site: NewsSite) -> None:
    async def go() -> float:
        async with Fetcher(FetchPolicy(allow=ALLOW, delay=0.3), stub_resolver(), LoopbackOnly()) as f:
            loop = asyncio.get_running_loop()
            started = loop.time()
            await asyncio.gather(*(f.get(f"{site.base}/news/{s.slug}") for s in site.stories))
            return loop.time() - started

    # Three pages (and robots.txt) one after the other, 0.3 s apart: at least 0.9 s in all.
    assert asyncio.run(go()) >= 0.9


def _cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run_qabot(args, tmp_path, QABOT_INDEX=str(tmp_path / "index"), QABOT_DOCS=str(tmp_path / "docs"),
                     QABOT_FETCH_ALLOW="127.0.0.1", QABOT_FETCH_DELAY="0", QABOT_SEMANTIC="off")


def test_the_command_line(index: Path, site: NewsSite, tmp_path: Path) -> None:
    feed = f"http://127.0.0.1:{site.port}/feed.xml"
    done = _cli(["follow", feed], tmp_path)
    assert done.returncode == 0 and "Following" in done.stdout and "rss, 3 links" in done.stdout, done.stderr
    assert feed in _cli(["follow", "--list"], tmp_path).stdout
    done = _cli(["refresh"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "new: Last lighthouse keeper retires" in done.stdout and "3 new article(s)" in done.stdout
    orchard = f"http://127.0.0.1:{site.port}/news/orchard"
    assert orchard in _cli(["sources"], tmp_path).stdout
    done = _cli(["forget", orchard], tmp_path)
    assert done.returncode == 0 and orchard not in _cli(["sources"], tmp_path).stdout
    done = _cli(["follow", "--remove", feed], tmp_path)
    assert done.returncode == 0 and "articles stay" in done.stdout
    for bad, message in [
        (["follow", "gopher://x"], "only http and https"),
        (["follow", f"http://127.0.0.1:{site.port}/gone"], "HTTP 404"),
        (["refresh"], "no feed is followed"),
        (["forget", "http://nowhere.example/x"], "no fetched article"),
    ]:
        done = _cli(bad, tmp_path)
        assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("engine", ["bm25", "archive"])
def test_both_engines_carry_a_correction_date_into_citations(tmp_path: Path, engine: str) -> None:
    docs = tmp_path / "docs"
    article = Article("https://news.example/a", "https://news.example/a", "Dam inspection finds cracks",
                      ("Inspectors found three cracks in the Holm dam wall during the autumn survey.",
                       "Repairs will start in spring, the water board said."), "2026-11-02", None, None)
    save_article(docs / "a.html", article, "2026-11-27")
    other = replace(article, url="https://news.example/b", title="Other", paragraphs=(
        "The ferry timetable changes on Sunday, with two more crossings in the evening.",))
    save_article(docs / "b.html", other, None)
    build_index([docs], tmp_path / "index", engine=engine, semantic=False)
    loaded = load_index(tmp_path / "index")
    assert {d.title: d.updated for d in loaded.documents} == {"Dam inspection finds cracks": "2026-11-27",
                                                             "Other": None}
    answer = Answerer(loaded, encoder=False).answer("How many cracks did inspectors find in the Holm dam?")
    assert answer.results[0].citation.updated == "2026-11-27"
    assert "Dam inspection finds cracks, para 1, 2026-11-02, updated 2026-11-27" in to_terminal(answer)
