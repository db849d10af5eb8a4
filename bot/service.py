"""The index being served, and the one way to replace it.

`Service.current` is a `Served` snapshot: an Answerer over one index and what is derived from that
index (the example questions /start offers). A reload builds the whole next snapshot first, then
swaps it in with one attribute assignment (atomic in CPython), so a question, its buttons and /start
all read one index. The file watcher, Telegram's /reload and the console all reload through here.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index import QabotIndexError, index_paths, load_index, load_or_build

from .answer import Answerer
from .examples import example_questions
from .render import plural

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Served:
    """An answerer over one index, with the example questions drawn from that same index."""

    answerer: Answerer
    examples: tuple[str, ...] = ()


class Service:
    """Owns the served index; reloads it when its file changes, or on request."""

    def __init__(
        self,
        answerer: Answerer,
        path: Path,
        docs: Sequence[Path] | None = None,
        examples: bool = False,
    ) -> None:
        self.path = path
        self.docs = docs  # folders a rebuild on request may seed a first build from
        self._examples = examples
        self._file = index_paths(path).file  # what a rebuild replaces (path may name the folder)
        self._seen = self._stamp()
        self._lock = threading.Lock()  # one reload at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.current = self._serve(answerer)

    @property
    def answerer(self) -> Answerer:
        """The answerer over the index served now."""
        return self.current.answerer

    @property
    def busy(self) -> bool:
        """Whether a reload is running now."""
        return self._lock.locked()

    def reload(self, rebuild: bool = False, notify: Callable[[str], None] | None = None) -> tuple[bool, str]:
        """Load the index now (with `rebuild`, first rebuilt from its folders when they changed) and
        serve it; (False, reason) keeps the current index serving."""
        with self._lock:
            stamp = self._stamp()
            try:
                if rebuild:
                    index = load_or_build(self.path, self.docs, notify or log.info)
                else:
                    index = load_index(self.path)
            except (QabotIndexError, OSError, ValueError, MemoryError) as err:
                # Remember the stamp: a broken file is not retried every poll, only once it changes.
                self._seen = stamp
                message = f"kept the current index: the index at {self.path} did not load ({err})"
                log.warning(message)
                return False, message
            self.current = self._serve(self.answerer.over(index))
            self._seen = self._stamp()
            message = (
                f"reloaded {self.path}: {plural(len(index.documents), 'document')}, "
                f"{plural(len(index.passages), 'passage')}"
            )
            log.info(message)
            return True, message

    def check(self) -> tuple[bool, str] | None:
        """Reload if the index file changed since it was last loaded; None when it did not."""
        if self._stamp() == self._seen:
            return None
        return self.reload()

    def start(self, interval: float = POLL_SECONDS) -> None:
        """Watch the index file in a daemon thread every `interval` seconds until stop()."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="qabot-index-watcher", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (waits for a reload in progress)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _serve(self, answerer: Answerer) -> Served:
        examples = tuple(example_questions(answerer)) if self._examples else ()
        return Served(answerer, examples)

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the watcher must outlive any one bad reload
                log.exception("index reload check failed; the current index keeps serving")

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self._file)
        except OSError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns
