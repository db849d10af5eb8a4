"""Per-user flood limit: at most N questions in any window, and one "slow down" notice per window."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    """What to do with one request of a user."""

    ALLOW = "allow"
    NOTIFY = "notify"  # over the limit, and the user has not been told in this window
    DROP = "drop"  # over the limit, already told


@dataclass
class _UserState:
    """One user's recent allowed requests and when they were last told to slow down."""

    times: deque[float] = field(default_factory=deque)
    noticed: float | None = None


class FloodLimit:
    """A sliding-window limit per user id. Not thread-safe: use it from the event loop only."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        if window <= 0:
            raise ValueError(f"window must be positive, not {window}")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._users: dict[int, _UserState] = {}
        self._next_sweep = clock() + window

    def check(self, user_id: int) -> Verdict:
        """Count one request of `user_id` if it is allowed, and say what to do with it."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        state = self._users.setdefault(user_id, _UserState())
        while state.times and state.times[0] <= now - self.window:
            state.times.popleft()
        if len(state.times) < self.limit:
            state.times.append(now)
            return Verdict.ALLOW
        if state.noticed is None or now - state.noticed >= self.window:
            state.noticed = now
            return Verdict.NOTIFY
        return Verdict.DROP

    def __len__(self) -> int:
        return len(self._users)

    def _sweep(self, now: float) -> None:
        """Forget users with nothing left in their window, so memory follows active users only."""
        horizon = now - self.window
        self._users = {
            uid: s
            for uid, s in self._users.items()
            if (s.times and s.times[-1] > horizon) or (s.noticed is not None and s.noticed > horizon)
        }
        self._next_sweep = now + self.window
