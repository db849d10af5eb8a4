"""What the handlers share, kept in `application.bot_data` and read back with `state()`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from telegram.ext import ContextTypes

from ..answer import Result
from ..config import Settings
from ..feedback import FeedbackRecorder
from ..follow.fetch import Fetcher
from ..follow.pending import Proposals
from ..ratelimit import FloodLimit
from ..results_store import ResultStore
from ..service import Service
from .recent import Recent

STATE = "qabot"
ROUTE_AGE = 7 * 86400.0  # an editor's reply to a forwarded question reaches the reader for this long


@dataclass(frozen=True)
class Prompt:
    """A "What were you looking for?" the bot asked after a 👎: the vote's question and passage."""

    question_id: str
    result: Result


@dataclass(frozen=True)
class Route:
    """Where an editor's reply to a forwarded question goes: the reader's chat and question.
    Kept in memory only: storing it would store the reader's chat id."""

    chat_id: int
    message_id: int


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
    feedback: FeedbackRecorder | None = None  # opened in post_init; None with QABOT_FEEDBACK=off
    # The vote each chat last gave on a page of an answer, to mark its button: (chat, key, page) -> vote.
    marks: Recent[tuple[int, str, int], int] = field(default_factory=lambda: Recent(10_000, 86400.0))
    # The last 👎 of each reader in each chat, which a reply to "What were you looking for?" explains.
    prompts: Recent[tuple[int, int], Prompt] = field(default_factory=lambda: Recent(10_000, 86400.0))
    routes: Recent[int, Route] = field(default_factory=lambda: Recent(1000, ROUTE_AGE))

    @property
    def per_page(self) -> int:
        """Results per page: the configured number of results."""
        return self.settings.top_k


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    """The shared state, as put into bot_data by the application builder."""
    return cast(BotState, context.bot_data[STATE])
