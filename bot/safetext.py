"""Text made safe to search, show on a terminal and send: one definition of the characters to drop."""

from __future__ import annotations

import re

# C0 and C1 control characters except tab and newline (terminal escapes, NULs, bells).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Lone UTF-16 surrogates: they cannot be encoded, so Telegram and UTF-8 output would refuse them.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def without_control(text: str, replacement: str = "") -> str:
    """`text` with control characters (but tabs and newlines) replaced by `replacement`."""
    return _CONTROL.sub(replacement, text)


def without_surrogates(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)
