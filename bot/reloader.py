"""Live reload: swap a rebuilt index into a running Answerer, or keep the old one and say why.

The swap is one attribute assignment (atomic in CPython): `Answerer.answer` reads `self.index`
once per question, so a question is answered wholly from the old index or wholly from the new one.
The new index is fully loaded before the swap; one that fails to load is refused and logged.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from index import QabotIndexError, load_index
from index.storage import index_paths

from .answer import Answerer

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0


class IndexReloader:
    """Watches the index file (inode, size, mtime) and reloads the Answerer's index on change."""

    def __init__(self, answerer: Answerer, path: Path) -> None:
        self.answerer = answerer
        self.path = path
        self._file = index_paths(path).file  # what a rebuild replaces (path may name the folder)
        self._seen = self._stamp()
        self._lock = threading.Lock()  # one reload at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def reload(self) -> tuple[bool, str]:
        """Load the index file now and swap it in; (False, reason) keeps the old index serving."""
        with self._lock:
            stamp = self._stamp()
            try:
                index = load_index(self.path)
            except (QabotIndexError, OSError, ValueError, MemoryError) as err:
                # Remember the stamp: a broken file is not retried every poll, only once it changes.
                self._seen = stamp
                message = f"kept the current index: the index at {self.path} did not load ({err})"
                log.warning(message)
                return False, message
            self.answerer.index = index
            self._seen = stamp
            message = (
                f"reloaded {self.path}: {len(index.documents)} document(s), "
                f"{len(index.passages)} passages"
            )
            log.info(message)
            return True, message

    def check(self) -> tuple[bool, str] | None:
        """Reload if the index file changed since it was last loaded; None when it did not."""
        if self._stamp() == self._seen:
            return None
        return self.reload()

    def start(self, interval: float = POLL_SECONDS) -> None:
        """Poll in a daemon thread every `interval` seconds until stop()."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="qabot-index-reloader", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop polling (waits for a reload in progress)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the poller must outlive any one bad reload
                log.exception("index reload check failed; the current index keeps serving")

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self._file)
        except OSError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns
