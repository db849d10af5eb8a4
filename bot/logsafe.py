"""Logging that never shows a secret: a redaction filter on the handler, noisy request loggers quiet."""

from __future__ import annotations

import logging
import sys
import urllib.parse
from collections.abc import Iterable

REDACTED = "[redacted]"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# httpx logs every request URL at INFO, and the Bot API URL holds the token; tornado's access log
# names webhook paths. Their warnings still come through.
QUIET_LOGGERS = ("httpx", "httpcore", "tornado.access")


def secret_parts(token: str | None) -> list[str]:
    """What must never be logged of a bot token: all of it, and the part after the colon alone."""
    if not token:
        return []
    parts = [token]
    _, _, secret = token.partition(":")
    if len(secret) >= 8:
        parts.append(secret)
    return parts


class RedactingFilter(logging.Filter):
    """Replaces secrets in a record's message, traceback and stack text before any handler shows it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        found: set[str] = set()
        for secret in secrets:
            if secret:
                found.update({secret, urllib.parse.quote(secret, safe=""), repr(secret)[1:-1]})
        # Longest first, so that a token is replaced whole before its second half is looked for.
        self._secrets = sorted(found, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """`text` with every secret replaced by REDACTED."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad %-format in someone's log call: show the raw parts, redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def setup_logging(level: str, secrets: Iterable[str]) -> RedactingFilter:
    """Log to stderr at `level` through a redacting handler; returns the filter for other uses."""
    redactor = RedactingFilter(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(redactor)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # warnings then pass the same filter
    return redactor
