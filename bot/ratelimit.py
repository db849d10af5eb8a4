"""Per-user flood limit: at most N questions in any window, and one "slow down" notice per burst."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    """What to do with one request of a user."""

    ALLOW = "allow"
    NOTIFY = "notify"  # over the limit, and the user has not been told since their last allowed request
    DROP = "drop"  # over the limit, already told when asking works again


@dataclass
class _UserState:
    """One user's recent allowed requests, and whether they were told to slow down since."""

    times: deque[float] = field(default_factory=deque)
    noticed: bool = False


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
        self._expire(state, now)
        if len(state.times) < self.limit:
            state.times.append(now)
            # A new burst after this one gets its own notice: a user told "try again in 40 s"
            # who comes back and fills the window again must hear why they get no answer.
            state.noticed = False
            return Verdict.ALLOW
        if not state.noticed:
            state.noticed = True
            return Verdict.NOTIFY
        return Verdict.DROP

    def retry_after(self, user_id: int) -> int:
        """Whole seconds until `user_id` may ask again (0 when they may ask now)."""
        state = self._users.get(user_id)
        if state is None:
            return 0
        now = self._clock()
        self._expire(state, now)
        if len(state.times) < self.limit:
            return 0
        # The oldest counted request leaves the window then, and frees one place.
        return max(1, math.ceil(state.times[0] + self.window - now))

    def __len__(self) -> int:
        return len(self._users)

    def _expire(self, state: _UserState, now: float) -> None:
        while state.times and state.times[0] <= now - self.window:
            state.times.popleft()

    def _sweep(self, now: float) -> None:
        """Forget users with nothing left in their window, so memory follows active users only."""
        horizon = now - self.window
        self._users = {uid: s for uid, s in self._users.items() if s.times and s.times[-1] > horizon}
        self._next_sweep = now + self.window
