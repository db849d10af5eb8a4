"""Server-side result sets behind the answer buttons, bounded in number and in age.

Telegram's callback data holds at most 64 bytes, so a button carries a short key into this store
instead of the results. A key that was evicted or aged out reads as None: "ask again".
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from .answer import Answer, Answerer

DEFAULT_MAX_SETS = 1000
DEFAULT_MAX_AGE = 24 * 3600.0
KEY_BYTES = 6  # 8 URL-safe characters


@dataclass(frozen=True)
class ResultSet:
    """One question's ranked results, kept for its buttons."""

    answer: Answer
    answerer: Answerer  # the one that answered: section buttons read the same index after a reload
    created: float


class ResultStore:
    """Keeps the newest `max_sets` result sets for at most `max_age` seconds. Event-loop only."""

    def __init__(
        self,
        max_sets: int = DEFAULT_MAX_SETS,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_sets < 1:
            raise ValueError(f"max_sets must be at least 1, not {max_sets}")
        if max_age <= 0:
            raise ValueError(f"max_age must be positive, not {max_age}")
        self.max_sets = max_sets
        self.max_age = max_age
        self._clock = clock
        self._sets: OrderedDict[str, ResultSet] = OrderedDict()

    def put(self, answer: Answer, answerer: Answerer) -> str:
        """Keep `answer` and return the key its buttons carry."""
        now = self._clock()
        self._expire(now)
        while len(self._sets) >= self.max_sets:
            self._sets.popitem(last=False)
        key = secrets.token_urlsafe(KEY_BYTES)
        while key in self._sets:
            key = secrets.token_urlsafe(KEY_BYTES)
        self._sets[key] = ResultSet(answer, answerer, now)
        return key

    def get(self, key: str) -> ResultSet | None:
        """The result set under `key`, or None when it is unknown or too old."""
        self._expire(self._clock())
        return self._sets.get(key)

    def __len__(self) -> int:
        return len(self._sets)

    def _expire(self, now: float) -> None:
        # Sets are kept in insertion order, so the oldest are at the front.
        while self._sets:
            key, first = next(iter(self._sets.items()))
            if now - first.created < self.max_age:
                break
            del self._sets[key]
