"""The feedback database: SQLite in WAL mode beside the index, written by one thread.

The bot's event loop never waits on the disk: `record` queues a question and returns; `vote`
returns a Future that resolves once the vote's transaction is committed, so a vote is acknowledged
to a reader only when it is on disk (synchronous=FULL). The writer commits whatever is queued in
one transaction, so a burst of questions costs one fsync, not one each. Several processes may
share the file: SQLite's locks serialise their writers, and each waits up to `busy_timeout`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import astuple
from pathlib import Path
from typing import Any

from index import index_paths

from .errors import FeedbackError
from .records import Asked, Vote

log = logging.getLogger(__name__)

DATABASE = "feedback.sqlite"
BATCH = 500  # writes committed in one transaction at most
QUEUE_LIMIT = 100_000  # writes waiting; past it questions are dropped (logged), never the loop blocked
BUSY_SECONDS = 10.0
RETRIES = 3  # of a batch another process kept locked past the busy timeout
PURGE_EVERY = 3600.0  # seconds between deletions of rows older than the retention period

# Migration N (1-based) brings the schema from version N-1 to N. Append, never edit: a database
# made by an earlier release is brought up to date by the steps it has not had.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE questions (
            id TEXT PRIMARY KEY,
            at REAL NOT NULL,
            user_key TEXT NOT NULL,
            channel TEXT NOT NULL,
            question TEXT,
            terms TEXT NOT NULL,
            status TEXT NOT NULL,
            confidence REAL NOT NULL,
            doc_id TEXT,
            title TEXT,
            start_char INTEGER,
            end_char INTEGER,
            fingerprint TEXT NOT NULL
        )""",
        "CREATE INDEX questions_at ON questions (at)",
        """CREATE TABLE votes (
            question_id TEXT NOT NULL,
            at REAL NOT NULL,
            user_key TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            rank INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            title TEXT NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            excerpt TEXT NOT NULL,
            confidence REAL NOT NULL,
            fingerprint TEXT NOT NULL,
            reason TEXT,
            reason_terms TEXT,
            changes INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (question_id, user_key, doc_id, start_char)
        )""",
        "CREATE INDEX votes_at ON votes (at)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

_INSERT_QUESTION = "INSERT OR IGNORE INTO questions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_UPSERT_VOTE = """INSERT INTO votes (question_id, at, user_key, vote, rank, doc_id, title, start_char,
    end_char, excerpt, confidence, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (question_id, user_key, doc_id, start_char) DO UPDATE SET
    at = excluded.at, rank = excluded.rank, changes = changes + (vote != excluded.vote), vote = excluded.vote"""
_SET_REASON = """UPDATE votes SET reason = ?, reason_terms = ?
    WHERE question_id = ? AND user_key = ? AND doc_id = ? AND start_char = ?"""

Write = tuple[str, tuple[Any, ...], "Future[Any] | None"]
_STOP: Write = ("stop", (), None)


def database_path(index: Path) -> Path:
    """Where the feedback of the index `index` is kept: inside the index's folder."""
    return index_paths(index).companion(DATABASE)


def connect(path: Path, busy_seconds: float = BUSY_SECONDS) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun explicitly), WAL, durable commits."""
    try:
        conn = sqlite3.connect(path, timeout=busy_seconds, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as err:
        raise FeedbackError(f"cannot open the feedback database {path} ({err}); move it away to start anew") from err
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE (take the write lock now, so a busy database fails here, not mid-way)..COMMIT."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to SCHEMA_VERSION; returns the version the database was at."""
    try:
        with transaction(conn):
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            found = int(row[0]) if row else 0
            if found > SCHEMA_VERSION:
                raise FeedbackError(
                    f"the feedback database has schema version {found}; this qabot knows up to "
                    f"{SCHEMA_VERSION}: upgrade qabot"
                )
            for steps in MIGRATIONS[found:]:
                for statement in steps:
                    conn.execute(statement)
            if row is None:
                conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            else:
                conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
    except sqlite3.DatabaseError as err:
        raise FeedbackError(f"the feedback database cannot be updated ({err}); move it away to start anew") from err
    return found


def purge(conn: sqlite3.Connection, retention_days: int, now: float) -> int:
    """Delete questions and votes older than `retention_days`; returns how many rows went."""
    cutoff = now - retention_days * 86400.0
    with transaction(conn):
        gone = conn.execute("DELETE FROM questions WHERE at < ?", (cutoff,)).rowcount
        gone += conn.execute("DELETE FROM votes WHERE at < ?", (cutoff,)).rowcount
    return gone


class FeedbackStore:
    """The feedback database of one index, and the thread that writes it."""

    def __init__(
        self, path: Path, retention_days: int = 90, clock: Callable[[], float] = time.time,
        busy_seconds: float = BUSY_SECONDS,
    ) -> None:
        self.path = path
        self.retention_days = retention_days
        self._clock = clock
        self._busy = busy_seconds
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(path, busy_seconds)
        self._purged = time.monotonic()
        try:
            migrate(conn)
            purge(conn, retention_days, clock())
        except sqlite3.DatabaseError as err:
            raise FeedbackError(f"the feedback database {path} cannot be used ({err})") from err
        finally:
            conn.close()
        self._queue: queue.Queue[Write] = queue.Queue(QUEUE_LIMIT)
        self._dropped = 0
        self._thread = threading.Thread(target=self._run, name="qabot-feedback-writer", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ called from any thread

    def record(self, asked: Asked) -> None:
        """Queue a question; returns at once (a full queue drops it and counts the loss)."""
        try:
            self._queue.put_nowait(("ask", astuple(asked), None))
        except queue.Full:
            self._dropped += 1
            if self._dropped % 1000 == 1:
                log.warning("the feedback database is not keeping up: %d question(s) not recorded", self._dropped)

    def vote(self, vote: Vote) -> Future[None]:
        """Queue a vote; the Future resolves once it is committed (or fails with FeedbackError).
        A second vote by the same user on the same passage of the same answer replaces the first."""
        return self._submit("vote", astuple(vote))

    def reason(
        self, question_id: str, user: str, doc_id: str, start: int, reason: str | None, terms: str
    ) -> Future[bool]:
        """Attach what a reader was looking for to their vote; resolves to False if there is no such vote."""
        return self._submit("reason", (reason, terms, question_id, user, doc_id, start))

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything queued so far is committed."""
        self._submit("flush", ()).result(timeout)

    def close(self) -> None:
        """Commit what is queued and stop the writer."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    def _submit(self, kind: str, args: tuple[Any, ...]) -> Future[Any]:
        done: Future[Any] = Future()
        if not self._thread.is_alive():
            done.set_exception(FeedbackError("the feedback store is closed"))
            return done
        try:
            self._queue.put_nowait((kind, args, done))
        except queue.Full:
            done.set_exception(FeedbackError("the feedback database is not keeping up; try again shortly"))
        return done

    # ------------------------------------------------------------ the writer thread

    def _run(self) -> None:
        try:
            conn = connect(self.path, self._busy)
        except FeedbackError as err:
            log.error("the feedback writer cannot start: %s", err)
            self._fail_all(err)
            return
        try:
            while True:
                batch = [self._queue.get()]
                while len(batch) < BATCH:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                work = [w for w in batch if w is not _STOP]
                if work:
                    self._write(conn, work)
                if len(work) < len(batch):
                    return
                if time.monotonic() - self._purged > PURGE_EVERY:
                    self._purged = time.monotonic()
                    self._guarded(lambda: purge(conn, self.retention_days, self._clock()))
        finally:
            conn.close()

    def _fail_all(self, err: FeedbackError) -> None:
        """After the writer failed to start: fail whatever is and will be queued, until stopped."""
        while (item := self._queue.get()) is not _STOP:
            if item[2] is not None:
                item[2].set_exception(err)

    def _write(self, conn: sqlite3.Connection, work: list[Write]) -> None:
        """Apply `work` in one transaction, then resolve its Futures (never before the commit)."""
        for attempt in range(1, RETRIES + 1):
            outcomes: list[Any] = []
            try:
                with transaction(conn):
                    outcomes = [self._apply(conn, kind, args) for kind, args, _ in work]
                break
            except sqlite3.OperationalError as err:  # locked past the busy timeout, disk full, ...
                if attempt == RETRIES:
                    log.error("could not write %d feedback row(s) to %s: %s", len(work), self.path, err)
                    outcomes = [FeedbackError(f"the feedback database is busy or unwritable ({err})")] * len(work)
                else:
                    log.warning("the feedback database is busy (%s); retrying", err)
                    time.sleep(0.1 * attempt)
            except sqlite3.Error as err:  # damaged under us: these rows fail, the writer goes on
                log.error("could not write %d feedback row(s) to %s: %s", len(work), self.path, err)
                outcomes = [FeedbackError(f"the feedback database cannot be written ({err})")] * len(work)
                break
        for (_, _, done), outcome in zip(work, outcomes, strict=True):
            if done is None:
                continue
            if isinstance(outcome, Exception):
                done.set_exception(outcome)
            else:
                done.set_result(outcome)

    @staticmethod
    def _apply(conn: sqlite3.Connection, kind: str, args: tuple[Any, ...]) -> Any:
        try:
            if kind == "ask":
                conn.execute(_INSERT_QUESTION, args)
            elif kind == "vote":
                conn.execute(_UPSERT_VOTE, args)
            elif kind == "reason":
                return conn.execute(_SET_REASON, args).rowcount > 0
            return None
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError) as err:
            # One bad row fails alone (SQLite undoes just that statement); the batch commits.
            log.error("a feedback row was refused: %s", err)
            return FeedbackError(f"the feedback row was refused ({err})")

    def _guarded(self, work: Callable[[], object]) -> None:
        try:
            work()
        except sqlite3.Error as err:
            log.warning("deleting old feedback failed (%s); trying again later", err)
