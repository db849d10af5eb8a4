"""Readers' feedback: every question asked and every vote, kept in SQLite beside the index, and the report."""

from .errors import FeedbackError
from .privacy import UserKeys
from .recorder import FeedbackRecorder
from .records import DOWN, UP, Asked, Vote, asked_record, status_of, vote_record
from .store import FeedbackStore, database_path

__all__ = [
    "DOWN",
    "UP",
    "Asked",
    "FeedbackError",
    "FeedbackRecorder",
    "FeedbackStore",
    "UserKeys",
    "Vote",
    "asked_record",
    "database_path",
    "status_of",
    "vote_record",
]
