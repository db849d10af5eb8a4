"""`qabot report`: what readers asked and did not find, what they rated 👎, read with SQL cursors.

Every section is a query whose rows are read one at a time and written out as they come, so a
year of questions is never held in memory: SQLite does the grouping and sorting (on disk when it
must), and the writers stream JSON or CSV row by row.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, TextIO

from .errors import FeedbackError
from .records import STATUS_LOW, STATUS_NOT_FOUND
from .store import connect, database_path, migrate, purge

TEXT_ROWS = 10  # rows per section on a terminal; --json / --csv give them all
_SINCE = re.compile(r"(\d{1,5})\s*([hdw])")
_UNITS = {"h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}


@dataclass(frozen=True)
class Totals:
    """Counts over the period: questions by status, and votes."""

    questions: int
    not_found: int
    low_confidence: int
    up: int
    down: int

    @property
    def not_found_rate(self) -> float:
        """Share of questions answered "not found"."""
        return self.not_found / self.questions if self.questions else 0.0

    @property
    def low_confidence_rate(self) -> float:
        """Share of questions answered with a low-confidence notice."""
        return self.low_confidence / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class Gap:
    """Questions with the same analysed terms that found nothing (or little): a story lead."""

    question: str | None  # the latest wording; None when question text is not kept
    terms: str
    status: str
    confidence: float  # the mean over the group
    count: int


@dataclass(frozen=True)
class VoteRow:
    """One reader's vote (their last choice on that passage), with what they were looking for."""

    at: str
    question: str | None
    terms: str | None
    vote: str  # "up" or "down"
    rank: int
    doc_id: str
    title: str
    start: int
    end: int
    reason: str | None
    reason_terms: str | None


@dataclass(frozen=True)
class Disliked:
    """A passage readers rated 👎, with how often."""

    doc_id: str
    title: str
    start: int
    end: int
    down: int
    up: int
    excerpt: str
    question: str | None  # a question it was shown for (the latest)


@dataclass(frozen=True)
class AskedDocument:
    """A document whose passage answered questions, with how many."""

    doc_id: str
    title: str | None
    count: int


@dataclass(frozen=True)
class Day:
    """One day's questions and its not-found rate (UTC days)."""

    day: str
    questions: int
    not_found: int
    low_confidence: int
    not_found_rate: float


@dataclass(frozen=True)
class Summary:
    """What /report shows: the rates and the top gaps."""

    since: float
    totals: Totals
    gaps: tuple[Gap, ...]


def parse_since(raw: str, now: float) -> float:
    """The start of the period as a Unix time: "7d", "24h", "2w", a date "2026-01-31", or "all"."""
    text = raw.strip().lower()
    if text == "all":
        return 0.0
    match = _SINCE.fullmatch(text)
    if match:
        return now - int(match.group(1)) * _UNITS[match.group(2)]
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since takes 7d, 24h, 2w, a date such as 2026-01-31, or all; not {raw!r}") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def open_database(index: Path, retention_days: int, now: float) -> sqlite3.Connection:
    """The feedback database of `index`, brought up to date and purged of rows past retention."""
    path = database_path(index)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path)
    try:
        migrate(conn)
        purge(conn, retention_days, now)
    except (sqlite3.Error, FeedbackError):
        conn.close()
        raise
    return conn


def totals(conn: sqlite3.Connection, since: float) -> Totals:
    """The period's counts."""
    asked = conn.execute(
        "SELECT COUNT(*), TOTAL(status = ?), TOTAL(status = ?) FROM questions WHERE at >= ?",
        (STATUS_NOT_FOUND, STATUS_LOW, since),
    ).fetchone()
    votes = conn.execute("SELECT TOTAL(vote = 1), TOTAL(vote = -1) FROM votes WHERE at >= ?", (since,)).fetchone()
    return Totals(int(asked[0]), int(asked[1]), int(asked[2]), int(votes[0]), int(votes[1]))


def gaps(conn: sqlite3.Connection, since: float) -> Iterator[Gap]:
    """Not-found and low-confidence questions grouped by their terms, most asked first."""
    # SQLite gives the bare column `question` from the row holding MAX(at): the latest wording.
    rows = conn.execute(
        """SELECT question, MAX(at), terms, status, AVG(confidence), COUNT(*) AS n FROM questions
        WHERE at >= ? AND status IN (?, ?) GROUP BY terms, status ORDER BY n DESC, terms, status""",
        (since, STATUS_NOT_FOUND, STATUS_LOW),
    )
    for question, _, terms, status, confidence, count in rows:
        yield Gap(question, terms, status, round(confidence, 4), count)


def votes(conn: sqlite3.Connection, since: float) -> Iterator[VoteRow]:
    """Every vote of the period, oldest first."""
    rows = conn.execute(
        """SELECT v.at, q.question, q.terms, v.vote, v.rank, v.doc_id, v.title, v.start_char, v.end_char,
        v.reason, v.reason_terms FROM votes v LEFT JOIN questions q ON q.id = v.question_id
        WHERE v.at >= ? ORDER BY v.at""",
        (since,),
    )
    for at, question, terms, vote, rank, doc_id, title, start, end, reason, reason_terms in rows:
        yield VoteRow(
            _iso(at), question, terms, "up" if vote > 0 else "down", rank, doc_id, title, start, end,
            reason, reason_terms,
        )


def disliked(conn: sqlite3.Connection, since: float) -> Iterator[Disliked]:
    """Passages rated 👎, most often first."""
    rows = conn.execute(
        """SELECT v.doc_id, v.title, v.start_char, v.end_char, TOTAL(v.vote = -1) AS down, TOTAL(v.vote = 1),
        v.excerpt, q.question, MAX(v.at) FROM votes v LEFT JOIN questions q ON q.id = v.question_id
        WHERE v.at >= ? GROUP BY v.doc_id, v.start_char, v.end_char HAVING down > 0
        ORDER BY down DESC, v.doc_id, v.start_char""",
        (since,),
    )
    for doc_id, title, start, end, down, up, excerpt, question, _ in rows:
        yield Disliked(doc_id, title, start, end, int(down), int(up), excerpt, question)


def documents(conn: sqlite3.Connection, since: float) -> Iterator[AskedDocument]:
    """Documents by how many questions their passage answered first."""
    rows = conn.execute(
        """SELECT doc_id, title, COUNT(*) AS n FROM questions WHERE at >= ? AND doc_id IS NOT NULL
        GROUP BY doc_id ORDER BY n DESC, doc_id""",
        (since,),
    )
    for doc_id, title, count in rows:
        yield AskedDocument(doc_id, title, count)


def days(conn: sqlite3.Connection, since: float) -> Iterator[Day]:
    """The not-found rate by UTC day."""
    rows = conn.execute(
        """SELECT date(at, 'unixepoch') AS day, COUNT(*), TOTAL(status = ?), TOTAL(status = ?) FROM questions
        WHERE at >= ? GROUP BY day ORDER BY day""",
        (STATUS_NOT_FOUND, STATUS_LOW, since),
    )
    for day, count, not_found, low in rows:
        yield Day(day, count, int(not_found), int(low), round(not_found / count, 4))


def summary(conn: sqlite3.Connection, since: float, top: int = 5) -> Summary:
    """The rates and the `top` gaps (for /report)."""
    found: list[Gap] = []
    for gap in gaps(conn, since):
        found.append(gap)
        if len(found) == top:
            break
    return Summary(since, totals(conn, since), tuple(found))


# (name in the JSON / CSV, row type, query), in the order they are written.
SECTIONS: tuple[tuple[str, type, Callable[[sqlite3.Connection, float], Iterator[Any]]], ...] = (
    ("questions", Gap, gaps),
    ("votes", VoteRow, votes),
    ("disliked", Disliked, disliked),
    ("documents", AskedDocument, documents),
    ("days", Day, days),
)


def write_json(conn: sqlite3.Connection, since: float, out: TextIO) -> None:
    """One JSON object, written a row at a time: since, totals, then each section as an array."""
    count = totals(conn, since)
    head = {
        "since": _iso(since),
        "totals": {**asdict(count), "not_found_rate": round(count.not_found_rate, 4),
                   "low_confidence_rate": round(count.low_confidence_rate, 4)},
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1])
    for name, _, rows in SECTIONS:
        out.write(f', "{name}": [')
        for n, row in enumerate(rows(conn, since)):
            out.write(("" if n == 0 else ", ") + "\n" + json.dumps(asdict(row), ensure_ascii=False))
        out.write("]")
    out.write("}\n")


def write_csv(conn: sqlite3.Connection, since: float, out: TextIO) -> None:
    """One CSV table: a `section` column, then the union of the sections' columns."""
    columns: list[str] = ["section"]
    for _, kind, _ in SECTIONS:
        columns.extend(f.name for f in fields(kind) if f.name not in columns)
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for name, _, rows in SECTIONS:
        for row in rows(conn, since):
            writer.writerow({"section": name, **asdict(row)})


def write_text(conn: sqlite3.Connection, since: float, out: TextIO, rows: int = TEXT_ROWS) -> None:
    """The report for a person at a terminal: each section's first `rows` lines."""
    count = totals(conn, since)
    out.write(
        f"Since {_iso(since)[:16].replace('T', ' ')} UTC: {count.questions} question(s), "
        f"{_percent(count.not_found_rate)} not found, {_percent(count.low_confidence_rate)} unsure; "
        f"votes: {count.up} up, {count.down} down.\n"
    )
    _section(out, "Not found or unsure, grouped by their words", rows, (
        f"{g.count:>5}  {_status(g.status):<9} {g.question or '(text not kept)'}  [{g.terms}]"
        for g in gaps(conn, since)
    ))
    _section(out, "Rated down most often", rows, (
        f"{d.down:>5}  {d.title} [{d.start}:{d.end}] (up {d.up}): {_line(d.excerpt)}" for d in disliked(conn, since)
    ))
    _section(out, "Reasons readers gave", rows, (
        f"  {v.question or v.terms or ''} -> {v.reason or v.reason_terms}"
        for v in votes(conn, since) if v.reason or v.reason_terms
    ))
    _section(out, "Documents asked about most", rows, (
        f"{d.count:>5}  {d.title or d.doc_id}" for d in documents(conn, since)
    ))
    _section(out, "Not-found rate by day", 10_000, (
        f"  {d.day}  {d.questions:>6} asked  {_percent(d.not_found_rate):>6} not found" for d in days(conn, since)
    ))


def _section(out: TextIO, title: str, limit: int, lines: Iterator[str]) -> None:
    out.write(f"\n{title}:\n")
    shown = extra = 0
    for line in lines:
        if shown < limit:
            out.write(line + "\n")
            shown += 1
        else:
            extra += 1
    if shown == 0:
        out.write("  (none)\n")
    if extra:
        out.write(f"  ... and {extra} more (qabot report --csv lists them all)\n")


def _status(status: str) -> str:
    return "not found" if status == STATUS_NOT_FOUND else "unsure"


def _percent(rate: float) -> str:
    return f"{100 * rate:.1f}%"


def _line(text: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _iso(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).isoformat(timespec="seconds")
