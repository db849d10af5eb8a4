"""Per-chat pacing on top of PTB's AIORateLimiter, so one flooded chat never slows the others."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

# Telegram: about one message a second in one chat (short bursts pass), 20 a minute in a group.
CHAT_BURST = 3
CHAT_PER_SECOND = 1.0
_PACED_ENDPOINTS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})
_UNLIMITED_ENDPOINTS = frozenset({"sendChatAction"})


class ChatPacedRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (overall and per-group limits, 429s waited out) plus a per-chat pace.

    A 429 makes AIORateLimiter pause every request of the bot, so one user flooding their own chat
    would slow everyone down; pacing each chat below Telegram's limit keeps that from happening.
    """

    def __init__(self, burst: int = CHAT_BURST, per_second: float = CHAT_PER_SECOND, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._burst = burst
        self._per_second = per_second
        self._chats: dict[int | str, AsyncLimiter] = {}

    def _pace(self, chat_id: int | str) -> AsyncLimiter:
        if len(self._chats) > 1024:  # forget chats whose limiter is idle again
            for key, limiter in list(self._chats.items()):
                if limiter.has_capacity(limiter.max_rate):
                    del self._chats[key]
        if chat_id not in self._chats:
            self._chats[chat_id] = AsyncLimiter(self._burst, self._burst / self._per_second)
        return self._chats[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the chat's pace, then apply AIORateLimiter's limits and retries."""
        if endpoint in _UNLIMITED_ENDPOINTS:
            # Telegram's ~30 a second is about messages; counting typing indicators against it
            # would halve the answers the bot can send.
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        if endpoint in _PACED_ENDPOINTS and isinstance(chat_id, int | str):
            async with self._pace(chat_id):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
