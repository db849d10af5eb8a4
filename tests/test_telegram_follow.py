"""The running bot keeps its archive fresh: the scheduled refresh, `qabot refresh` beside it, and an
editor's /add with the confirm button, over the real bot process and the Bot API emulator. The
publisher's site is a local server on 127.0.0.1 (QABOT_FETCH_ALLOW lets only that through)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index import build_index
from tests.emulator import BotApiEmulator
from tests.site_support import NewsSite, Story
from tests.telegram_support import (
    TOKEN,
    BotProcess,
    assert_valid_output,
    last_call_index,
    launch_bot,
    log_records,
)
from tests.test_cli import run as run_qabot
from tests.test_follow import stories

EDITOR = 1500
READER = 1501
JSON = dict[str, Any]
BRIDGE = Story("bridge", "Old stone bridge reopens", [
    "The old stone bridge over the Lune reopened after two years of repairs.",
    "Engineers replaced every one of its four thousand stones by hand.",
], updated="Sat, 21 Nov 2026 08:00:00 GMT")
HARBOUR = Story("harbour", "Harbour gets a new seawall", [
    "Workers finished a seawall of granite blocks around the harbour of Port Ainsley on Thursday.",
    "The wall is built to hold back waves of up to nine metres during winter storms.",
], updated="Sun, 22 Nov 2026 08:00:00 GMT")


@pytest.fixture(scope="module")
def site() -> Iterator[NewsSite]:
    """The publisher: its feed lists three articles the bot's archive does not have yet."""
    with NewsSite() as news:
        news.stories = stories()
        news.sitemap_stories = [BRIDGE]  # not in the feed: reachable for /add
        yield news


@pytest.fixture(scope="module")
def emu() -> Iterator[BotApiEmulator]:
    """The Bot API emulator."""
    with BotApiEmulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory, site: NewsSite) -> Path:
    """A docs folder with one article of its own, its index, and the site's feed followed."""
    work = tmp_path_factory.mktemp("follow-bot")
    docs = work / "docs"
    docs.mkdir()
    (docs / "council.txt").write_text("Council meets\n\nThe town council meets on Mondays in the old hall.\n")
    build_index([docs], work / "index", semantic=False)
    done = run_qabot(["follow", f"http://127.0.0.1:{site.port}/feed.xml"], work, **_env(work))
    assert done.returncode == 0, done.stderr
    return work


def _env(work: Path) -> dict[str, str]:
    return {"QABOT_INDEX": str(work / "index"), "QABOT_DOCS": str(work / "docs"),
            "QABOT_FETCH_ALLOW": "127.0.0.1", "QABOT_FETCH_DELAY": "0"}


@pytest.fixture(scope="module")
def bot(emu: BotApiEmulator, work: Path) -> Iterator[BotProcess]:
    """`qabot telegram`, refreshing the feed at start and then hourly; EDITOR is an admin."""
    process = launch_bot(emu, work / "bot", work / "index", QABOT_ADMIN_IDS=str(EDITOR),
                         QABOT_REFRESH_MINUTES="60", **_env(work))
    yield process
    process.stop()
    # The token never, and the links editors and readers sent not above DEBUG (they are user messages).
    logs = process.logs()
    assert TOKEN not in logs and TOKEN.split(":", 1)[1] not in logs
    loud = "\n".join(text for level, text in log_records(logs) if level != "DEBUG")
    assert "/news/bridge" not in loud and "/news/kiln" not in loud and "/gone" not in loud


@pytest.fixture
def since(emu: BotApiEmulator, bot: BotProcess) -> Iterator[int]:
    """Everything the bot sends in a test is valid Telegram output, and the bot keeps running."""
    start = last_call_index(emu)
    yield start
    assert bot.process.poll() is None, bot.logs()[-3000:]
    assert_valid_output(emu, start)


def ask(emu: BotApiEmulator, text: str, user: int) -> JSON:
    """The user sends `text`; the bot's next message in that chat."""
    start = last_call_index(emu)
    emu.user_sends(text, user_id=user)
    return emu.wait_for_bot_message(user, timeout=60, after_call_index=start)


def ask_until(emu: BotApiEmulator, question: str, wanted: str, seconds: float = 120.0) -> JSON:
    """Ask every few seconds until the answer holds `wanted` (the refresh runs in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = ask(emu, question, READER)
        if wanted in answer["text"] or time.monotonic() > deadline:
            return answer
        time.sleep(2)


def press(
    emu: BotApiEmulator, message: JSON, button: str, user: int, wait: float = 60.0
) -> tuple[JSON | None, JSON | None]:
    """`user` presses `button`: the answer to the press, and the edited message (None if none came)."""
    start = last_call_index(emu)
    query = emu.user_presses(message, button, user_id=user)
    emu.wait_for_call("answerCallbackQuery", lambda c: c.params["callback_query_id"] == query,
                      after_call_index=start)
    try:
        edit = emu.wait_for_call("editMessageText", lambda c: c.ok, timeout=wait, after_call_index=start)
    except TimeoutError:
        return emu.callback_answer(query), None
    return emu.callback_answer(query), edit.result


def test_the_scheduled_refresh_brings_the_feed_in_without_a_restart(
    emu: BotApiEmulator, bot: BotProcess, since: int
) -> None:
    pid = bot.process.pid
    answer = ask_until(emu, "Who kept the lamp at Cape Harrow?", "Last lighthouse keeper retires")
    assert "Marta Velez" in answer["text"] and "Last lighthouse keeper retires" in answer["text"]
    assert bot.process.pid == pid and bot.process.poll() is None
    assert "Refresh: 3 new article(s)" in bot.logs()


def test_a_refresh_beside_the_bot_is_served_at_once(
    emu: BotApiEmulator, bot: BotProcess, site: NewsSite, work: Path, since: int
) -> None:
    ask_until(emu, "Who kept the lamp at Cape Harrow?", "Last lighthouse keeper retires")  # the first refresh is done
    site.stories.append(HARBOUR)
    done = run_qabot(["refresh"], work, **_env(work))
    assert done.returncode == 0 and "new: Harbour gets a new seawall" in done.stdout, done.stderr
    answer = ask_until(emu, "How high are the waves the Port Ainsley seawall holds back?", "nine metres", 30)
    assert "Harbour gets a new seawall" in answer["text"]


def test_an_editor_adds_an_article_by_link_with_the_confirm_button(
    emu: BotApiEmulator, site: NewsSite, since: int
) -> None:
    url = f"http://127.0.0.1:{site.port}/news/bridge"
    assert "four thousand stones" not in ask(emu, "How many stones did the engineers replace?", READER)["text"]
    preview = ask(emu, f"/add {url}", EDITOR)
    assert preview["text"].startswith("Old stone bridge reopens\npublished 2026-11-20")
    assert "The old stone bridge over the Lune reopened" in preview["text"]
    assert [b["text"] for row in preview["reply_markup"]["inline_keyboard"] for b in row] == [
        "Add to the archive", "Cancel"]
    # Another user cannot confirm the editor's proposal.
    notice, edit = press(emu, preview, "Add to the archive", READER, wait=3.0)
    assert edit is None and notice is not None and "only editors" in notice["text"]
    notice, edit = press(emu, preview, "Add to the archive", EDITOR)
    assert edit is not None and edit["text"].startswith("Added to the archive: Old stone bridge reopens."), edit
    answer = ask(emu, "How many stones did the engineers replace?", READER)
    assert "four thousand stones" in answer["text"] and "Old stone bridge reopens" in answer["text"]
    # Sent again: nothing changed.
    again = ask(emu, url, EDITOR)
    _, edit = press(emu, again, "Add to the archive", EDITOR)
    assert edit is not None and edit["text"].startswith("Already in the archive, unchanged")


def test_cancel_adds_nothing(emu: BotApiEmulator, site: NewsSite, since: int) -> None:
    site.sitemap_stories.append(Story("kiln", "Potters relight the town kiln", [
        "Potters in Esk relit the wood-fired kiln that had stood cold since 1962.",
        "The first firing took three days and used eight tonnes of larch.",
    ]))
    preview = ask(emu, f"http://127.0.0.1:{site.port}/news/kiln", EDITOR)
    _, edit = press(emu, preview, "Cancel", EDITOR)
    assert edit is not None and edit["text"] == "Not added: Potters relight the town kiln"
    assert "eight tonnes of larch" not in ask(emu, "How much larch did the kiln firing use?", READER)["text"]


@pytest.mark.parametrize(
    ("text", "user", "reply"),
    [
        ("http://127.0.0.1:{port}/news/bridge", READER, "Sorry, only editors can add articles."),
        ("/add http://127.0.0.1:{port}/news/bridge", READER, "Sorry, only editors can add articles."),
        ("/add", EDITOR, "Send /add with the article's link"),
        ("http://127.0.0.1:{port}/gone", EDITOR, "I could not add http://127.0.0.1:{port}/gone: HTTP 404."),
        ("http://127.0.0.1:{port}/empty", EDITOR, "not an article (no main text)"),
        ("/add http://10.1.2.3/news", EDITOR, "10.1.2.3, a private or reserved address"),
        ("/add file:///etc/passwd", EDITOR, "only http and https links can be fetched"),
    ],
)
def test_links_that_cannot_be_added_get_a_clear_reply(
    emu: BotApiEmulator, site: NewsSite, since: int, text: str, user: int, reply: str
) -> None:
    answer = ask(emu, text.format(port=site.port), user)
    assert reply.format(port=site.port) in answer["text"]
    assert "reply_markup" not in answer


def test_add_in_a_group_asks_for_a_private_chat(emu: BotApiEmulator, site: NewsSite, since: int) -> None:
    start = last_call_index(emu)
    emu.user_sends(f"/add http://127.0.0.1:{site.port}/news/bridge", user_id=EDITOR, chat_id=-1500,
                   chat_type="group")
    answer = emu.wait_for_bot_message(-1500, timeout=30, after_call_index=start)
    assert answer["text"].startswith("Please send me the link in a private chat")
