"""What an inline button carries back when pressed: `kind:key[:number]`, within Telegram's 64 bytes.

Every button of the bot is made and read here, so the format lives in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PAGE = "p"  # "More results" / "« Previous" / "« Back to results": key = result set, number = page
SECTION = "s"  # "Section [n]": key = result set, number = the result's place in it
EXAMPLE = "q"  # an example question from /start: key = its number
SOURCES = "o"  # a /sources page: key = the offset of its first document
UP = "u"  # 👍 on an answer: key = result set, number = the page shown (its first result is rated)
DOWN = "d"  # 👎, likewise
NEWSROOM = "n"  # "Ask the newsroom": key = the message id of the reader's question in that chat
ADD = "a"  # "Add to the archive" (number 1) / "Cancel" (0) under an editor's link: key = the proposal

_DATA = re.compile(r"([psqoudna]):([A-Za-z0-9_-]{1,16})(?::(\d{1,3}))?")


@dataclass(frozen=True)
class Press:
    """A parsed button press."""

    kind: str
    key: str
    number: int = 0


def data(kind: str, key: str | int, number: int | None = None) -> str:
    """The callback data of a button."""
    return f"{kind}:{key}" if number is None else f"{kind}:{key}:{number}"


def pattern(kind: str) -> str:
    """The regex a CallbackQueryHandler uses to route presses of `kind`."""
    return rf"^{kind}:"


def parse(value: str | None) -> Press | None:
    """The press, or None for data this bot did not make (an old message, a forged press)."""
    match = _DATA.fullmatch(value or "")
    if match is None:
        return None
    kind, key, number = match.groups()
    return Press(kind, key, int(number or 0))
