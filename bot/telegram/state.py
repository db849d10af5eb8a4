"""What the handlers share, kept in `application.bot_data` and read back with `state()`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from telegram.ext import ContextTypes

from ..config import Settings
from ..follow.fetch import Fetcher
from ..follow.pending import Proposals
from ..ratelimit import FloodLimit
from ..results_store import ResultStore
from ..service import Service

STATE = "qabot"


@dataclass
class BotState:
    """The served index, the result sets behind buttons, the flood limits."""

    settings: Settings
    service: Service
    results: ResultStore
    questions: FloodLimit
    inline: FloodLimit
    fetcher: Fetcher  # fetches editors' links and the followed feeds
    proposals: Proposals = field(default_factory=Proposals)  # editors' links awaiting their confirmation
    conflict_logged: float | None = None

    @property
    def per_page(self) -> int:
        """Results per page: the configured number of results."""
        return self.settings.top_k


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    """The shared state, as put into bot_data by the application builder."""
    return cast(BotState, context.bot_data[STATE])
