"""Articles fetched for an editor and waiting for their confirmation (bounded, and they expire)."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from .articles import Article

PENDING_MAX = 50
PENDING_SECONDS = 3600.0


@dataclass(frozen=True)
class Proposal:
    """An article an editor asked to add, not yet confirmed."""

    article: Article
    editor: int  # the user id of the editor who sent the link: only they can confirm it
    made: float


class Proposals:
    """The proposals waiting for a press, oldest dropped first past `size`."""

    def __init__(self, size: int = PENDING_MAX, age: float = PENDING_SECONDS) -> None:
        self._items: OrderedDict[str, Proposal] = OrderedDict()
        self._size, self._age = size, age

    def put(self, article: Article, editor: int) -> str:
        """Keep `article` for `editor`; returns the key its buttons carry."""
        key = secrets.token_urlsafe(9)  # 12 characters: fits the callback data format
        self._items[key] = Proposal(article, editor, time.monotonic())
        while len(self._items) > self._size:
            self._items.popitem(last=False)
        return key

    def take(self, key: str, editor: int) -> Proposal | None:
        """The proposal `key` of `editor`, removed; None when unknown, expired or someone else's."""
        found = self._items.get(key)
        if found is None or found.editor != editor:
            return None
        del self._items[key]
        return found if time.monotonic() - found.made <= self._age else None
