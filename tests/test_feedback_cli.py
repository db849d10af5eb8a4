"""Feedback from the console (`:good` / `:bad [N]`) and `qabot report`, as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

from bot.feedback import database_path
from tests.test_cli import run, workdir  # noqa: F401 - the fixture

CHAT = (
    "What is the 287(g) program?\n:bad 2\nthe dates of the agreements\n:good\n"
    "who won the zebra race in 1850?\n:good\n:bad 9\n:quit\n"
)


def test_console_votes_and_the_report_holds_them(workdir: Path) -> None:  # noqa: F811
    chat = run(["chat"], workdir, stdin=CHAT)
    assert chat.returncode == 0, chat.stderr
    assert "result [2] marked as not helpful. What were you looking for?" in chat.stdout
    assert "Thanks, noted for the editors." in chat.stdout
    assert "result [1] marked as helpful" in chat.stdout
    assert "The last question found nothing to show" in chat.stdout  # no vote on "not found"
    proc = run(["report", "--json", "--since", "1d"], workdir)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [(v["question"], v["vote"], v["rank"], v["reason"]) for v in data["votes"]] == [
        ("What is the 287(g) program?", "down", 2, "the dates of the agreements"),
        ("What is the 287(g) program?", "up", 1, None),
    ]
    assert [(q["question"], q["status"], q["count"]) for q in data["questions"]] == [
        ("who won the zebra race in 1850?", "not_found", 1)
    ]
    assert data["totals"]["questions"] == 2 and data["totals"]["not_found_rate"] == 0.5
    text = run(["report"], workdir).stdout
    assert "who won the zebra race in 1850?" in text and "50.0% not found" in text
    rows = list(csv.DictReader(io.StringIO(run(["report", "--csv"], workdir).stdout)))
    assert {r["section"] for r in rows} == {"questions", "votes", "disliked", "documents", "days"}


def test_report_refuses_a_bad_period_in_one_line(workdir: Path) -> None:  # noqa: F811
    proc = run(["report", "--since", "yesterday"], workdir)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "qabot report: --since takes 7d, 24h, 2w, a date such as 2026-01-31, or all; not 'yesterday'"
    ]


def test_a_damaged_feedback_database_is_one_line_and_the_chat_still_answers(workdir: Path) -> None:  # noqa: F811
    path = database_path(workdir / ".qabot")
    path.write_bytes(b"not a database" * 200)
    proc = run(["report"], workdir)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert "move it away" in proc.stderr and "Traceback" not in proc.stderr
    chat = run(["chat"], workdir, stdin="What is the 287(g) program?\n:good\n")
    assert chat.returncode == 0 and "287(g)" in chat.stdout
    assert "questions and votes are not recorded" in chat.stderr
    assert "Votes are not recorded here" in chat.stdout


def test_with_store_questions_off_no_question_text_reaches_the_database(workdir: Path) -> None:  # noqa: F811
    chat = run(["chat"], workdir, stdin=CHAT, QABOT_STORE_QUESTIONS="off")
    assert chat.returncode == 0, chat.stderr
    typed = ["What is the 287(g) program?", "the dates of the agreements", "who won the zebra race in 1850?"]
    home = database_path(workdir / ".qabot").parent
    stored = b"".join(p.read_bytes() for p in home.glob("feedback.sqlite*"))
    assert [t for t in typed if t.encode() in stored] == []
    data = json.loads(run(["report", "--json"], workdir).stdout)
    # Counts and terms are kept: the gap is still there, without its wording.
    assert [(q["question"], q["terms"], q["count"]) for q in data["questions"]] == [(None, "1850 race won zebra", 1)]
    assert [(v["vote"], v["reason"], v["reason_terms"]) for v in data["votes"]] == [
        ("down", None, "agreement date"), ("up", None, None)
    ]
    with sqlite3.connect(database_path(workdir / ".qabot")) as conn:
        assert conn.execute("SELECT COUNT(*) FROM questions WHERE question IS NOT NULL").fetchone() == (0,)
