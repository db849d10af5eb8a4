"""A small bounded, ageing map for what the bot remembers about recent messages (in memory only)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """The newest `most` entries, each kept at most `max_age` seconds; the oldest go first. Event-loop only."""

    def __init__(self, most: int, max_age: float = math.inf, clock: Callable[[], float] = time.monotonic) -> None:
        if most < 1:
            raise ValueError(f"most must be at least 1, not {most}")
        self.most = most
        self.max_age = max_age
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def __setitem__(self, key: K, value: V) -> None:
        now = self._clock()
        self._items.pop(key, None)
        self._items[key] = (now, value)
        self._expire(now)
        while len(self._items) > self.most:
            self._items.popitem(last=False)

    def get(self, key: K) -> V | None:
        """The value under `key`, or None when there is none or it is too old."""
        self._expire(self._clock())
        kept = self._items.get(key)
        return None if kept is None else kept[1]

    def pop(self, key: K) -> V | None:
        """Remove and return the value under `key` (None when there is none)."""
        value = self.get(key)
        self._items.pop(key, None)
        return value

    def __len__(self) -> int:
        return len(self._items)

    def _expire(self, now: float) -> None:
        while self._items:
            at, _ = next(iter(self._items.values()))
            if now - at < self.max_age:
                break
            self._items.popitem(last=False)
