"""The feedback store's one exception; its message says what to do."""


class FeedbackError(Exception):
    """The feedback database cannot be used (damaged, from a newer qabot, locked too long)."""
