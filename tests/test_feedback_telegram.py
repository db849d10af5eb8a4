"""Feedback in Telegram, end to end: the real bot process against the Bot API emulator.

Votes (👍 / 👎, changed, on a paged answer), "What were you looking for?", the "Ask the newsroom"
round trip and /report; then `qabot report --json` holds exactly those rows. The bot is killed with
SIGKILL while readers vote, and keeps every vote it acknowledged; with QABOT_STORE_QUESTIONS=off no
question text reaches the database or the logs.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answerer
from bot.feedback import database_path
from bot.feedback.privacy import UserKeys
from index import load_index
from tests.emulator import BotApiEmulator
from tests.telegram_support import (
    TOKEN,
    assert_valid_output,
    last_call_index,
    launch_bot,
    log_records,
    qabot_command,
)

JSON = dict[str, Any]
READER = 14001
SECOND_READER = 14002
PRIVATE_READER = 9_140_014_003  # a long id: a chance match inside random hex is then unlikely too
ADMIN = 14009
EDITOR = 14020
NEWSROOM = -1_000_000_014
UP, DOWN = "👍", "👎"
LOOKING_FOR = "What were you looking for?"


def own_index(article_index_path: Path, target: Path) -> Path:
    """A copy of the session's article index, so that this test's feedback database is its own."""
    shutil.copytree(
        article_index_path.parent, target, ignore=shutil.ignore_patterns("feedback.sqlite*"), dirs_exist_ok=True
    )
    return target / "index.json"


def ask(emu: BotApiEmulator, text: str, user: int, **kwargs: Any) -> JSON:
    start = last_call_index(emu)
    emu.user_sends(text, user_id=user, **kwargs)
    return emu.wait_for_bot_message(kwargs.get("chat_id", user), after_call_index=start)


def buttons(message: JSON) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def acknowledged(emu: BotApiEmulator, query: str, timeout: float = 20.0) -> str:
    """The text the bot answered a button press with (waits for it)."""
    emu.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query, timeout, after_call_index=-1
    )
    answer = emu.callback_answer(query)
    assert answer is not None
    return str(answer["text"])


def vote(emu: BotApiEmulator, message: JSON, button: str, user: int) -> tuple[str, JSON]:
    """Press 👍 or 👎; returns the acknowledgement and the message with its keyboard as it then is."""
    start = last_call_index(emu)
    query = emu.user_presses(message, button, user_id=user)
    text = acknowledged(emu, query)
    call = emu.wait_for_call(
        "editMessageReplyMarkup", lambda c: c.ok and c.result["message_id"] == message["message_id"],
        after_call_index=start,
    )
    return text, call.result


def report_json(index: Path, workdir: Path) -> JSON:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "QABOT_"))}
    proc = subprocess.run(
        [*qabot_command(), "report", "--json", "--index", str(index)], cwd=workdir, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_vote_change_page_reason_newsroom_and_the_report_holds_exactly_those(
    tmp_path: Path, article_index_path: Path
) -> None:
    index = own_index(article_index_path, tmp_path / "idx")
    answerer = Answerer(load_index(index))
    with BotApiEmulator(token=TOKEN) as emu:
        emu.add_chat(NEWSROOM, "supergroup", title="Newsroom")
        bot = launch_bot(
            emu, tmp_path / "bot", index, QABOT_EDITOR_CHAT=str(NEWSROOM), QABOT_ADMIN_IDS=str(ADMIN),
            QABOT_LOG_LEVEL="INFO",
        )
        try:
            # Ask, vote 👍, change it to 👎 (no reason given), page, vote 👍 on the second page.
            first = ask(emu, "What is the 287(g) program?", READER)
            assert buttons(first)[:3] == [UP, DOWN, "More results"]
            thanks, marked = vote(emu, first, UP, READER)
            assert thanks.startswith("Thanks") and buttons(marked)[:2] == [f"{UP} ✓", DOWN]
            start = last_call_index(emu)
            thanks, marked = vote(emu, marked, DOWN, READER)
            assert thanks.startswith("Thanks") and buttons(marked)[:2] == [UP, f"{DOWN} ✓"]
            prompt = emu.wait_for_bot_message(READER, after_call_index=start)
            assert prompt["text"].startswith(LOOKING_FOR)
            start = last_call_index(emu)
            emu.user_presses(marked, "More results", user_id=READER)
            page2 = emu.wait_for_call(
                "editMessageText", lambda c: c.ok and c.result["message_id"] == first["message_id"],
                after_call_index=start,
            ).result
            assert "[4] " in page2["text"] and buttons(page2)[:2] == [UP, DOWN]
            thanks, marked = vote(emu, page2, UP, READER)
            assert buttons(marked)[:2] == [f"{UP} ✓", DOWN]

            # 👎 with a reason, given by replying to the question the bot asks.
            second = ask(emu, "Who is the new DHS Secretary?", READER)
            start = last_call_index(emu)
            vote(emu, second, DOWN, READER)
            prompt = emu.wait_for_bot_message(READER, after_call_index=start)
            assert prompt["text"].startswith(LOOKING_FOR)
            noted = ask(emu, "when he was sworn in", READER, reply_to_message_id=prompt["message_id"])
            assert noted["text"].startswith("Thanks")

            # Not found: "Ask the newsroom"; an editor's reply comes back as a reply to the question.
            start = last_call_index(emu)
            question = emu.user_sends("who won the zebra race in 1850?", user_id=READER)
            lost = emu.wait_for_bot_message(READER, after_call_index=start)
            assert "could not find" in lost["text"] and "Ask the newsroom" in buttons(lost)
            query = emu.user_presses(lost, "Ask the newsroom", user_id=READER)
            assert "newsroom" in acknowledged(emu, query)
            forwarded = emu.wait_for_call("forwardMessage", lambda c: c.ok, after_call_index=start).result
            assert forwarded["chat"]["id"] == NEWSROOM and forwarded["text"] == "who won the zebra race in 1850?"
            start = last_call_index(emu)
            emu.user_sends("Nobody has covered it yet; we will look into it.", user_id=EDITOR, chat_id=NEWSROOM,
                           chat_type="supergroup", reply_to_message_id=forwarded["message_id"])
            back = emu.wait_for_bot_message(READER, after_call_index=start)
            assert "From the newsroom" in back["text"] and "we will look into it" in back["text"]
            assert back["reply_to_message"]["message_id"] == question["message_id"]
            assert "reader" in emu.wait_for_bot_message(NEWSROOM, after_call_index=start)["text"]

            # /report: admins only, the week's rates and its gaps in one message.
            refused = ask(emu, "/report", SECOND_READER)
            assert "admins" in refused["text"]
            weekly = ask(emu, "/report", ADMIN)
            assert "who won the zebra race in 1850?" in weekly["text"] and "not found" in weekly["text"]
            assert_valid_output(emu)
        finally:
            assert bot.stop() == 0, bot.logs()[-3000:]

    data = report_json(index, tmp_path)
    asked = {q: answerer.answer(q, 30) for q in
             ("What is the 287(g) program?", "Who is the new DHS Secretary?", "who won the zebra race in 1850?")}
    one, two = asked["What is the 287(g) program?"].results, asked["Who is the new DHS Secretary?"].results
    assert [(v["question"], v["vote"], v["doc_id"], v["start"], v["end"], v["reason"]) for v in data["votes"]] == [
        ("What is the 287(g) program?", "down", one[0].citation.doc_id, one[0].citation.start, one[0].citation.end,
         None),
        ("What is the 287(g) program?", "up", one[3].citation.doc_id, one[3].citation.start, one[3].citation.end,
         None),
        ("Who is the new DHS Secretary?", "down", two[0].citation.doc_id, two[0].citation.start, two[0].citation.end,
         "when he was sworn in"),
    ]
    gaps = [(q, "not_found" if not a.results else "low_confidence") for q, a in asked.items()
            if not a.results or a.low_confidence]
    assert [(q["question"], q["status"], q["count"]) for q in data["questions"]] == [(q, s, 1) for q, s in gaps]
    assert ("who won the zebra race in 1850?", "not_found") in gaps
    assert data["totals"]["questions"] == 3 and (data["totals"]["up"], data["totals"]["down"]) == (1, 2)


def _voting_reader(emu: BotApiEmulator, user: int, stop: threading.Event, acked: list[tuple[int, str, str]]) -> None:
    """Ask, vote, note each vote the bot acknowledged, until `stop` (or the bot is gone)."""
    n = 0
    while not stop.is_set():
        question = f"What is the 287(g) program? ({user}.{n})"
        n += 1
        try:
            start = last_call_index(emu)
            emu.user_sends(question, user_id=user)
            answer = emu.wait_for_bot_message(user, timeout=10, after_call_index=start)
            choice = UP if n % 2 else DOWN
            query = emu.user_presses(answer, choice, user_id=user)
            emu.wait_for_call("answerCallbackQuery", lambda c, q=query: c.params["callback_query_id"] == q,
                              timeout=10, after_call_index=start)
        except TimeoutError:
            return
        reply = emu.callback_answer(query)
        if reply is not None and reply["text"].startswith("Thanks"):
            acked.append((user, question, choice))


def _kill_rounds(tmp_path: Path, article_index_path: Path, rounds: int) -> None:
    index = own_index(article_index_path, tmp_path / "idx")
    rng = random.Random(1414)
    acked: list[tuple[int, str, str]] = []
    for round_ in range(rounds):
        with BotApiEmulator(token=TOKEN, rate_limit_burst=0) as emu:
            bot = launch_bot(emu, tmp_path / f"bot{round_}", index, QABOT_LOG_LEVEL="WARNING",
                             QABOT_RATE_LIMIT="10000")
            stop = threading.Event()
            readers = [threading.Thread(target=_voting_reader, args=(emu, 14100 + r, stop, acked))
                       for r in range(4)]
            for reader in readers:
                reader.start()
            time.sleep(rng.uniform(1.0, 3.0))
            os.kill(bot.process.pid, signal.SIGKILL)
            bot.process.wait(10)
            stop.set()
            for reader in readers:
                reader.join(15)
        path = database_path(index)
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            stored = set(conn.execute(
                "SELECT v.user_key, q.question, v.vote FROM votes v JOIN questions q ON q.id = v.question_id"
            ))
        keys = UserKeys.beside(path)
        expected = {(keys.key("telegram", user), question, 1 if c == UP else -1) for user, question, c in acked}
        missing = expected - stored
        assert missing == set(), f"round {round_}: {len(missing)} acknowledged vote(s) lost"
    assert len(acked) >= rounds * 4  # the readers did vote before each kill
    print(f"{rounds} SIGKILLs of the bot: {len(acked)} acknowledged votes, all stored; integrity_check ok")


def test_killing_the_bot_mid_write_loses_no_acknowledged_vote(tmp_path: Path, article_index_path: Path) -> None:
    """Three SIGKILLs while four readers ask and vote (`make stress` runs twenty)."""
    _kill_rounds(tmp_path, article_index_path, 3)


@pytest.mark.slow
def test_killing_the_bot_twenty_times_loses_no_acknowledged_vote(tmp_path: Path, article_index_path: Path) -> None:
    _kill_rounds(tmp_path, article_index_path, 20)


def test_no_raw_user_id_and_with_store_questions_off_no_text_in_database_or_logs(
    tmp_path: Path, article_index_path: Path
) -> None:
    index = own_index(article_index_path, tmp_path / "idx")
    typed = ["What is the 287(g) program?", "who won the zebra race in 1850?", "the dates of the agreements"]
    with BotApiEmulator(token=TOKEN) as emu:
        bot = launch_bot(emu, tmp_path / "bot", index, QABOT_STORE_QUESTIONS="off", QABOT_LOG_LEVEL="DEBUG")
        try:
            answer = ask(emu, typed[0], PRIVATE_READER)
            start = last_call_index(emu)
            vote(emu, answer, DOWN, PRIVATE_READER)
            prompt = emu.wait_for_bot_message(PRIVATE_READER, after_call_index=start)
            noted = ask(emu, typed[2], PRIVATE_READER, reply_to_message_id=prompt["message_id"])
            assert noted["text"].startswith("Thanks")
            ask(emu, typed[1], PRIVATE_READER)
        finally:
            assert bot.stop() == 0
        logs = bot.logs()
    home = database_path(index).parent
    stored = b"".join(p.read_bytes() for p in sorted(home.glob("feedback.sqlite*")))
    assert [t for t in typed if t.encode() in stored] == []
    assert [t for t in typed if t in logs] == []
    assert "answering a question" in logs and "DEBUG" in {level for level, _ in log_records(logs)}
    # As a number of its own: ten digits may turn up inside the random hex of a key or an id.
    assert re.search(rb"(?<![0-9a-f])" + str(PRIVATE_READER).encode() + rb"(?![0-9a-f])", stored) is None
    with sqlite3.connect(database_path(index)) as conn:
        rows = conn.execute("SELECT user_key, question, terms FROM questions ORDER BY at").fetchall()
        votes = conn.execute("SELECT user_key, reason, reason_terms FROM votes").fetchall()
    keys = UserKeys.beside(database_path(index))
    assert rows == [(keys.key("telegram", PRIVATE_READER), None, "287g program"),
                    (keys.key("telegram", PRIVATE_READER), None, "1850 race won zebra")]
    assert votes == [(keys.key("telegram", PRIVATE_READER), None, "agreement date")]


def test_the_scan_above_finds_question_text_when_it_is_kept(tmp_path: Path, article_index_path: Path) -> None:
    """The control for the test above: with QABOT_STORE_QUESTIONS on (the default) at DEBUG, the same
    scan finds the question in the database, and in PTB's DEBUG log of the update."""
    index = own_index(article_index_path, tmp_path / "idx")
    with BotApiEmulator(token=TOKEN) as emu:
        bot = launch_bot(emu, tmp_path / "bot", index, QABOT_LOG_LEVEL="DEBUG")
        try:
            ask(emu, "who won the zebra race in 1850?", READER)
        finally:
            assert bot.stop() == 0
    stored = b"".join(p.read_bytes() for p in sorted(database_path(index).parent.glob("feedback.sqlite*")))
    assert b"who won the zebra race in 1850?" in stored
    assert "who won the zebra race in 1850?" in bot.logs()
