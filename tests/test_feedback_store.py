"""The feedback store: schema and migrations, votes durable once acknowledged (kill -9), several
processes on one file, retention, and the report's grouping and streamed formats."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.feedback import DOWN, UP, FeedbackError, FeedbackRecorder, FeedbackStore, asked_record, database_path, report
from bot.feedback.privacy import UserKeys, load_salt
from bot.feedback.store import SCHEMA_VERSION, connect, migrate

REPO = Path(__file__).resolve().parents[1]


def writer(database: Path, name: str, count: int) -> subprocess.Popen[str]:
    """The child process of tests/feedback_writer.py."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.feedback_writer", str(database), name, str(count)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def vote_ids(database: Path) -> set[str]:
    with sqlite3.connect(database) as conn:
        return {row[0] for row in conn.execute("SELECT question_id FROM votes")}


def test_a_new_database_has_the_current_schema_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite"
    FeedbackStore(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= {
        "questions", "votes", "schema_version",
    }
    # Opening again migrates nothing and keeps the one version row.
    FeedbackStore(path).close()
    assert conn.execute("SELECT COUNT(*), MAX(version) FROM schema_version").fetchone() == (1, SCHEMA_VERSION)


def test_a_database_from_a_newer_qabot_is_refused_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite"
    FeedbackStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(FeedbackError, match="schema version 99.*upgrade qabot"):
        FeedbackStore(path)


def test_a_file_that_is_not_a_database_is_refused_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(FeedbackError, match="move it away"):
        FeedbackStore(path)


def test_the_database_lives_inside_the_index_folder(tmp_path: Path) -> None:
    assert database_path(tmp_path / "idx") == tmp_path / "idx" / "feedback.sqlite"
    assert database_path(tmp_path / "my.json") == tmp_path / "my.json.d" / "feedback.sqlite"
    assert database_path(tmp_path / "index.json") == tmp_path / "feedback.sqlite"


def test_a_vote_is_committed_when_its_future_resolves_and_a_second_vote_replaces_it(
    tmp_path: Path, answerer: Answerer
) -> None:
    recorder = FeedbackRecorder.open(tmp_path / "idx", keep_text=True, retention_days=90)
    answer = answerer.answer("What is the 287(g) program?", 10)
    qid = recorder.asked(answer, "telegram", 4242, answerer.index.fingerprint)
    assert qid is not None
    recorder.vote(qid, answer, answer.results[0], "telegram", 4242, UP, "fp").result(10)
    # Another connection (as another process would) sees it now, before any close or flush.
    path = database_path(tmp_path / "idx")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT vote, changes FROM votes").fetchall() == [(UP, 0)]
    recorder.vote(qid, answer, answer.results[0], "telegram", 4242, DOWN, "fp").result(10)
    assert recorder.reason(qid, answer.results[0], "telegram", 4242, "the dates").result(10) is True
    assert recorder.reason(qid, answer.results[1], "telegram", 4242, "no vote there").result(10) is False
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT vote, changes, reason, reason_terms FROM votes").fetchall() == [
            (DOWN, 1, "the dates", "date")
        ]
    recorder.close()


def test_votes_acknowledged_before_a_kill_9_survive_it(tmp_path: Path) -> None:
    """20 writer processes killed mid-write (questions and votes in flight): after each, the file
    opens, passes integrity_check, and holds every vote the writer had acknowledged."""
    path = tmp_path / "f.sqlite"
    rng = random.Random(14)
    acknowledged: set[str] = set()
    for round_ in range(20):
        child = writer(path, f"r{round_}", 0)
        assert child.stdout is not None
        first = child.stdout.readline()  # it is writing now
        assert first, child.stderr.read() if child.stderr else ""
        acknowledged.add(first.strip())
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(child.pid, signal.SIGKILL)
        rest, _ = child.communicate()
        acknowledged.update(line.strip() for line in rest.splitlines() if line.strip())
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        missing = acknowledged - vote_ids(path)
        assert missing == set(), f"round {round_}: {len(missing)} acknowledged vote(s) lost"
    assert len(acknowledged) >= 40  # the kills did land mid-stream, not before any write
    print(f"20 SIGKILLs of a writer: {len(acknowledged)} acknowledged votes, all stored; integrity_check ok")


def test_several_processes_write_one_database_without_losing_anything(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite"
    FeedbackStore(path).close()
    children = [writer(path, f"p{n}", 200) for n in range(4)]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert len(out.split()) == 200
    assert len(vote_ids(path)) == 800
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM questions").fetchone() == (4 * 200 * 11,)


def test_rows_past_retention_are_deleted_when_the_store_opens(tmp_path: Path, answerer: Answerer) -> None:
    path = tmp_path / "f.sqlite"
    day = 86400.0
    now = time.time()
    store = FeedbackStore(path, retention_days=90)
    old = asked_record(answerer.answer("zebras"), "k" * 32, "console", "fp", True, at=now - 91 * day)
    new = asked_record(answerer.answer("zebras"), "k" * 32, "console", "fp", True, at=now - 89 * day)
    assert old is not None and new is not None
    store.record(old)
    store.record(new)
    store.flush(10)
    store.close()
    FeedbackStore(path, retention_days=90).close()
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT id FROM questions")] == [new.id]


def test_the_salt_is_made_once_and_kept_private(tmp_path: Path) -> None:
    salt = tmp_path / "f.sqlite.salt"
    first = load_salt(salt)
    assert load_salt(salt) == first and len(first) == 32
    assert salt.stat().st_mode & 0o077 == 0
    keys = UserKeys(first)
    assert keys.key("telegram", 1) != keys.key("telegram", 2) != keys.key("console", 1)
    assert keys.key("telegram", 1) != UserKeys(b"another salt of 16+ bytes").key("telegram", 1)


def _recorded(tmp_path: Path, answerer: Answerer, questions: list[str], keep_text: bool = True) -> Path:
    index = tmp_path / "idx"
    recorder = FeedbackRecorder.open(index, keep_text=keep_text, retention_days=90)
    for n, question in enumerate(questions):
        recorder.asked(answerer.answer(question, 10), "console", f"user{n % 3}", answerer.index.fingerprint)
    recorder.store.flush(10)
    recorder.close()
    return index


QUESTIONS = [
    "Who won the zebra race?",
    "who won the zebra races",  # same stems as the first: one group of two
    "Zebra race winners?",  # "winner" is another term: a group of its own
    "What is the 287(g) program?",  # answered: not a gap
    "hello",  # small talk: not a question, not recorded
]


def test_the_report_groups_not_found_questions_by_their_analysed_terms(tmp_path: Path, answerer: Answerer) -> None:
    index = _recorded(tmp_path, answerer, QUESTIONS)
    conn = report.open_database(index, 90, time.time())
    found = list(report.gaps(conn, 0.0))
    assert [(g.terms, g.count, g.status) for g in found] == [
        ("race won zebra", 2, "not_found"),
        ("race winner zebra", 1, "not_found"),
    ]
    assert found[0].question == "who won the zebra races"  # the latest wording
    totals = report.totals(conn, 0.0)
    assert (totals.questions, totals.not_found) == (4, 3)
    assert [(d.questions, d.not_found) for d in report.days(conn, 0.0)] == [(4, 3)]
    assert [d.count for d in report.documents(conn, 0.0)] == [1]


def test_json_and_csv_are_streamed_whole_and_parse(tmp_path: Path, answerer: Answerer) -> None:
    index = _recorded(tmp_path, answerer, QUESTIONS * 3)
    conn = report.open_database(index, 90, time.time())
    out = io.StringIO()
    report.write_json(conn, 0.0, out)
    data = json.loads(out.getvalue())
    assert {"questions", "votes", "disliked", "documents", "days", "totals"} <= data.keys()
    assert [q["count"] for q in data["questions"]] == [6, 3]
    assert set(data["questions"][0]) >= {"question", "status", "confidence", "count"}
    out = io.StringIO()
    report.write_csv(conn, 0.0, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["count"] for r in rows if r["section"] == "questions"] == ["6", "3"]
    assert [r["day"] for r in rows if r["section"] == "days"] != []


def test_the_report_reads_a_cursor_not_the_table(tmp_path: Path, answerer: Answerer) -> None:
    """A report over many rows writes its first rows before it has read the last ones."""
    index = _recorded(tmp_path, answerer, QUESTIONS[:1])
    path = database_path(index)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO questions VALUES (?, ?, 'u', 'console', ?, ?, 'not_found', 0, NULL, NULL, NULL, NULL, 'fp')",
            ((f"id{n}", time.time(), f"q{n}", f"term{n}") for n in range(20_000)),
        )
    conn = report.open_database(index, 90, time.time())

    class Watch(io.StringIO):
        writes = 0

        def write(self, text: str) -> int:
            self.writes += 1
            return super().write(text)

    out = Watch()
    report.write_json(conn, 0.0, out)
    assert out.writes > 20_000  # one write per row, not one for the whole document
    assert len(json.loads(out.getvalue())["questions"]) == 20_001


@pytest.mark.parametrize("since", ["7d", "24h", "2w", "2026-01-31", "all"])
def test_since_accepts_the_documented_forms(since: str) -> None:
    now = 1_800_000_000.0
    assert 0.0 <= report.parse_since(since, now) < now


@pytest.mark.parametrize("since", ["7", "yesterday", "7y", "-3d"])
def test_since_refuses_other_forms_with_a_message(since: str) -> None:
    with pytest.raises(ValueError, match="--since takes"):
        report.parse_since(since, 1_800_000_000.0)


def test_migrate_reports_the_version_it_found(tmp_path: Path) -> None:
    conn = connect(tmp_path / "f.sqlite")
    assert migrate(conn) == 0
    assert migrate(conn) == SCHEMA_VERSION
