"""Observing the bot: the calls it made, waiting for them, and faults scripted into its next calls."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

from .wire import (
    JSON,
    ApiError,
    Call,
    _Fault,
)


class Observing:
    """The driver's observing side: calls, waits, and scripted faults (mixed into BotApiEmulator)."""

    # ------------------------------------------------------------ driver: observing

    @property
    def calls(self) -> list[Call]:
        """Every request so far, oldest first."""
        with self._cond:
            return list(self._calls)

    def errors(self, include_faults: bool = False) -> list[Call]:
        """Calls the emulator rejected; scripted faults only with ``include_faults``."""
        return [c for c in self.calls if not c.ok and (include_faults or c.fault is None)]

    def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
        *,
        after_call_index: int | None = None,
    ) -> Call:
        """The first matching call not yet returned by a wait (or after the given index)."""

        def match(call: Call) -> bool:
            return call.method.lower() == method.lower() and (predicate is None or predicate(call))

        return self._wait(match, timeout, after_call_index, f"{method} call")

    def wait_for_bot_message(self, chat_id: int, timeout: float = 10.0, after_call_index: int | None = None) -> JSON:
        """The next message the bot successfully sent to ``chat_id`` (as returned to it)."""

        def match(call: Call) -> bool:
            return call.ok and call.method == "sendMessage" and call.result["chat"]["id"] == chat_id

        return copy.deepcopy(self._wait(match, timeout, after_call_index, f"sendMessage to {chat_id}").result)

    def _wait(self, match: Callable[[Call], bool], timeout: float, after: int | None, what: str) -> Call:
        """Block until a call matches; each call is handed out once."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self._calls:
                    skip = call.index in self._consumed if after is None else call.index <= after
                    if not skip and match(call):
                        self._consumed.add(call.index)
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = [(c.method, c.ok, c.description) for c in self._calls[-8:]]
                    raise TimeoutError(f"no {what} within {timeout}s; last calls: {recent}")
                self._cond.wait(remaining)

    def wait_for_polling(self, timeout: float = 10.0) -> None:
        """Block until the bot has a getUpdates long poll waiting (i.e. it is up and idle)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._parked_polls > 0, timeout):
                raise TimeoutError(f"the bot did not long-poll within {timeout}s")

    def chat_messages(self, chat_id: int, include_user: bool = False) -> list[JSON]:
        """Messages now in the chat (edits applied, deletions gone); the bot's only by default."""
        with self._cond:
            stored = sorted(self._messages.get(chat_id, {}).items())
            return [copy.deepcopy(m) for _, m in stored if include_user or m["from"]["id"] == self.bot_id]

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot."""
        with self._cond:
            return copy.deepcopy(self._updates)

    def callback_answer(self, query_id: str) -> JSON | None:
        """How the bot answered a callback query (text, show_alert, url), if it did."""
        with self._cond:
            return copy.deepcopy(self._callback_queries.get(query_id, {}).get("answer"))

    # ------------------------------------------------------------ driver: faults

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        count: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*" = any) fail with this Telegram error."""
        parameters: JSON = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        error = ApiError(error_code, description, parameters or None, fault="injected")
        with self._cond:
            self._faults.append(_Fault(method.lower(), error, count, chat_id))

    def block_user(self, chat_id: int) -> None:
        """The user blocks the bot: sends to the chat answer 403."""
        with self._cond:
            self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        """The user unblocks the bot."""
        with self._cond:
            self._blocked.discard(chat_id)

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """A group becomes a supergroup: sends to ``old_id`` answer 400 with migrate_to_chat_id."""
        with self._cond:
            title = self._chats.get(old_id, {}).get("title", "Test group")
            self._chats[new_id] = {"id": new_id, "type": "supergroup", "title": title}
            self._migrated[old_id] = new_id

    def drop_connections_next(self, n: int = 1) -> None:
        """Reset the connection instead of answering the next ``n`` getUpdates."""
        with self._cond:
            self._drops += n

    def delay_next(self, method: str, seconds: float, count: int = 1) -> None:
        """Hold the next ``count`` calls of ``method`` for ``seconds`` before handling them."""
        with self._cond:
            self._delays.append([method.lower(), seconds, count])
