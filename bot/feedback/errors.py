"""The feedback store's one exception; its message says what to do."""

from ..errors import QabotError


class FeedbackError(QabotError):
    """The feedback database cannot be used (damaged, from a newer qabot, locked too long)."""
