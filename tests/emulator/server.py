"""Telegram Bot API emulator: a local HTTP server the real bot talks to in end-to-end tests.

The bot under test is pointed at ``emu.base_url`` (PTB: ``Bot(token, base_url=...)``);
test code plays the user through the driver methods and observes ``emu.calls``.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from .content import (
    _check_inline_keyboard,
    _parse_text,
    _set_content,
    _without_reply,
)
from .html_check import MAX_CAPTION_UTF16
from .observing import Observing
from .transport import (
    _Server,
)
from .users import UserActions
from .wire import (
    _CHAT_ACTIONS,
    _COMMAND_SCOPES,
    _INLINE_RESULT_TYPES,
    _METHOD_BY_LOWER,
    _OPT_IN_UPDATES,
    _PATH_RE,
    _TELEGRAM_METHODS,
    _TOKEN_RE,
    CONFLICT_POLLING,
    JSON,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    Call,
    _error_payload,
    _Fault,
    _Params,
    _readable,
    _TokenBucket,
    decode_request,
)


class BotApiEmulator(UserActions, Observing):
    """A fake api.telegram.org for one bot, plus a driver to play its users."""

    def __init__(
        self,
        token: str = "123456:ABC-test",
        bot_username: str = "qabot_test_bot",
        rate_limit_burst: int = 5,
        rate_limit_per_second: float = 1.0,
        *,
        bot_first_name: str = "QA Bot",
        privacy_mode: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        # With privacy mode on (Telegram's default) group messages reach the bot only
        # when they are commands, mention it or reply to it.
        self.privacy_mode = privacy_mode
        self._burst = rate_limit_burst
        self._rate = rate_limit_per_second
        self._cond = threading.Condition(threading.RLock())
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._messages: dict[int, dict[int, JSON]] = {}
        self._last_message_id: dict[int, int] = {}
        self._inline_messages: dict[str, JSON] = {}
        self._updates: list[JSON] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._parked_polls = 0
        self._callback_queries: dict[str, JSON] = {}
        self._inline_queries: dict[str, JSON] = {}
        self._next_query_id = 4_000_000_000_000_000_001
        self._file_numbers = itertools.count(1)  # next() on a count is atomic under the GIL
        self._webhook_url = ""
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._menu_buttons: dict[int | None, JSON] = {}
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._faults: list[_Fault] = []
        self._delays: list[list[Any]] = []
        self._drops = 0
        self._buckets: dict[int, _TokenBucket] = {}
        self._calls: list[Call] = []
        self._consumed: set[int] = set()
        self._handlers: dict[str, Callable[[_Params], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "close": lambda p: True,
            "logOut": lambda p: True,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getChat": self._get_chat,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": lambda p: self._set_description(p, "description", 512),
            "getMyDescription": lambda p: self._get_description(p, "description"),
            "setMyShortDescription": lambda p: self._set_description(p, "short_description", 120),
            "getMyShortDescription": lambda p: self._get_description(p, "short_description"),
        }

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> BotApiEmulator:
        """Listen on a free port of 127.0.0.1."""
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="bot-api-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; pending long polls return at once."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.cut_connections()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> BotApiEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port, once started."""
        if self._server is None:
            raise RuntimeError("emulator not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What to pass as PTB's base_url; PTB appends ``<token>/<method>``."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ------------------------------------------------------------ request flow

    def answer_http(
        self, path: str, query: str, content_type: str, body: bytes, client_gone: Callable[[], bool] = lambda: False
    ) -> tuple[int, JSON] | None:
        """Status and JSON body for one HTTP request; None means reset the connection."""
        match = _PATH_RE.fullmatch(path)
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, name = match.groups()
        method = _METHOD_BY_LOWER.get(name.lower(), name)
        try:
            raw: JSON | None = decode_request(query, content_type, body)
        except (ValueError, UnicodeDecodeError):
            raw = None
        params = raw if raw is not None else {}
        if token == self.token and method == "getUpdates" and self._take_drop(params):
            return None
        delay = self._take_delay(method) if token == self.token else 0.0
        if delay:
            self._stopping.wait(delay)
            if method == "getUpdates" and client_gone():
                # The client retried meanwhile; polling now would only cut its new poll short.
                self._record(method, params, error=ApiError(0, "client left during delay", fault="abandoned"))
                return None
        with self._cond:
            try:
                result = self._dispatch(token, method, raw, client_gone)
            except ApiError as err:
                self._record(method, params, error=err)
                return err.code, _error_payload(err)
            self._record(method, params, result=result)
            return 200, {"ok": True, "result": result}

    def _dispatch(self, token: str, method: str, raw: JSON | None, client_gone: Callable[[], bool]) -> Any:
        """Authenticate, apply scripted faults and run the method."""
        if token != self.token:
            # Telegram: 401 for a well-formed but wrong token, 404 for a malformed one.
            raise ApiError(401, "Unauthorized") if _TOKEN_RE.fullmatch(token) else ApiError(404, "Not Found")
        if method not in _TELEGRAM_METHODS:
            raise ApiError(404, "Not Found")
        if raw is None:
            raise ApiError(400, "Bad Request: can't parse request parameters")
        for fault in self._faults:
            if fault.matches(method, raw):
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                err = fault.error
                raise ApiError(err.code, err.description, err.parameters, err.fault)
        handler = self._handlers.get(method)
        if handler is None:
            raise ApiError(400, "Bad Request: method not supported by emulator")
        return handler(_Params(raw, client_gone))

    def _record(self, method: str, raw: JSON, *, result: Any = None, error: ApiError | None = None) -> None:
        """Append to the call log and wake waiters."""
        with self._cond:
            call = Call(
                index=len(self._calls),
                method=method,
                params=_readable(raw),
                ok=error is None,
                result=copy.deepcopy(result),
                error_code=error.code if error else None,
                description=error.description if error else None,
                parameters=error.parameters if error else None,
                fault=error.fault if error else None,
                timestamp=time.time(),
            )
            self._calls.append(call)
            self._cond.notify_all()

    def _take_drop(self, raw: JSON) -> bool:
        """Consume one scripted connection drop."""
        with self._cond:
            if self._drops <= 0:
                return False
            self._drops -= 1
            self._record("getUpdates", raw, error=ApiError(0, "connection reset by emulator", fault="dropped"))
            return True

    def _take_delay(self, method: str) -> float:
        """Consume one scripted delay for ``method``."""
        with self._cond:
            for entry in self._delays:
                if entry[0] == method.lower():
                    entry[2] -= 1
                    if entry[2] <= 0:
                        self._delays.remove(entry)
                    return float(entry[1])
        return 0.0

    # ------------------------------------------------------------ shared checks

    def _chat(self, p: _Params, *, sending: bool) -> JSON:
        """Resolve chat_id; for sends also apply block and migration scripts."""
        ref = p.get("chat_id")
        if ref is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._find_chat(ref)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if sending and chat["id"] in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat["id"]]},
                fault="migrated",
            )
        if sending and chat["id"] in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user", fault="blocked")
        return chat

    def _find_chat(self, ref: Any) -> JSON | None:
        """A known chat by numeric id or @username."""
        if isinstance(ref, str) and ref.startswith("@"):
            return next((c for c in self._chats.values() if c.get("username", "").lower() == ref[1:].lower()), None)
        try:
            return self._chats.get(int(ref))
        except (TypeError, ValueError):
            return None

    def _throttle(self, chat_id: int) -> None:
        """Per-chat flood control answering 429 like Telegram."""
        if self._burst <= 0 or self._rate <= 0:
            return
        now = time.monotonic()
        bucket = self._buckets.setdefault(chat_id, _TokenBucket(self._burst, self._rate, self._burst, now))
        retry_after = bucket.take(now)
        if retry_after:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    def _text(self, p: _Params) -> tuple[str, list[JSON]]:
        """The message text and entities as Telegram would store them."""
        return _parse_text(p.string("text"), p.string("parse_mode"), p.obj("entities"))

    def _markup(self, p: _Params, *, inline_only: bool = False) -> JSON | None:
        """Validate reply_markup; return it if it is an inline keyboard (the only kind echoed)."""
        markup = p.obj("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            _check_inline_keyboard(markup["inline_keyboard"])
            return markup if markup["inline_keyboard"] else None
        if inline_only:
            raise ApiError(400, "Bad Request: can't parse inline keyboard markup JSON object")
        if isinstance(markup, dict) and isinstance(markup.get("keyboard"), list):
            rows = markup["keyboard"]
            if all(
                isinstance(row, list)
                and all(isinstance(b, str) or (isinstance(b, dict) and isinstance(b.get("text"), str)) for b in row)
                for row in rows
            ):
                return None
        elif isinstance(markup, dict) and (markup.get("remove_keyboard") is True or markup.get("force_reply") is True):
            return None
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")

    def _reply_target(self, p: _Params, chat_id: int) -> JSON | None:
        """The message replied to, from reply_parameters or reply_to_message_id."""
        reply = p.obj("reply_parameters", "reply parameters")
        if reply is None and p.get("reply_to_message_id") is not None:
            reply = {
                "message_id": p.integer("reply_to_message_id"),
                "allow_sending_without_reply": p.flag("allow_sending_without_reply"),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise ApiError(400, "Bad Request: can't parse reply parameters JSON object")
        chat = self._find_chat(reply.get("chat_id", chat_id))
        target = self._messages.get(chat["id"], {}).get(reply["message_id"]) if chat else None
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return _without_reply(target)

    def _store_message(self, chat: JSON, sender: JSON, content: JSON) -> JSON:
        """Give a message the chat's next id and keep it."""
        chat_id = chat["id"]
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message = {
            "message_id": message_id,
            "from": dict(sender),
            "chat": dict(chat),
            "date": int(time.time()),
            **content,
        }
        self._messages.setdefault(chat_id, {})[message_id] = message
        return message

    def _bot_user(self) -> JSON:
        """The bot as a User."""
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name, "username": self.bot_username}

    # ------------------------------------------------------------ bot methods

    def _get_me(self, p: _Params) -> JSON:
        """getMe."""
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, p: _Params) -> list[JSON]:
        """getUpdates with real long polling; a newer poll ends an older one with 409."""
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.integer("offset") or 0
        limit = min(max(p.integer("limit") or 100, 1), 100)
        timeout = max(p.number("timeout") or 0.0, 0.0)
        allowed = p.obj("allowed_updates", "allowed updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()  # terminates an older long poll
        deadline = time.monotonic() + timeout
        parked = False
        try:
            while True:
                if generation != self._poll_generation:
                    # A poll its client already abandoned (PTB cancels it on shutdown, then
                    # polls once more) gets the 409 too, but nobody reads it: not a bot error.
                    raise ApiError(409, CONFLICT_POLLING, fault="abandoned" if p.client_gone() else None)
                batch = self._deliverable()[:limit]
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or self._stopping.is_set():
                    return copy.deepcopy(batch)
                if not parked:
                    parked = True
                    self._parked_polls += 1
                    self._cond.notify_all()  # for wait_for_polling
                self._cond.wait(remaining)
        finally:
            self._parked_polls -= int(parked)

    def _deliverable(self) -> list[JSON]:
        """Queued updates, dropping kinds that allowed_updates excludes."""
        allowed = set(self._allowed_updates)

        def wanted(update: JSON) -> bool:
            kind = next(k for k in update if k != "update_id")
            return kind in allowed if allowed else kind not in _OPT_IN_UPDATES

        self._updates = [u for u in self._updates if wanted(u)]
        return self._updates

    def _set_webhook(self, p: _Params) -> bool:
        """setWebhook (stored only: the emulator never pushes to it)."""
        url = p.string("url") or ""
        if url and not url.lower().startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook_url = url
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, p: _Params) -> bool:
        """deleteWebhook."""
        self._webhook_url = ""
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, p: _Params) -> JSON:
        """getWebhookInfo."""
        return {"url": self._webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _send_message(self, p: _Params) -> JSON:
        """sendMessage."""
        chat = self._chat(p, sending=True)
        text, entities = self._text(p)
        markup = self._markup(p)
        reply_to = self._reply_target(p, chat["id"])
        self._throttle(chat["id"])
        content: JSON = {}
        _set_content(content, text, entities, markup)
        if reply_to:
            content["reply_to_message"] = reply_to
        return copy.deepcopy(self._store_message(chat, self._bot_user(), content))

    def _edit_target(self, p: _Params) -> tuple[JSON, int | None]:
        """The stored message an edit refers to, and its chat (None for inline messages)."""
        inline_id = p.string("inline_message_id")
        if inline_id:
            if inline_id not in self._inline_messages:
                raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
            return self._inline_messages[inline_id], None
        chat = self._chat(p, sending=True)
        message_id = p.integer("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = self._messages.get(chat["id"], {}).get(message_id)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message, chat["id"]

    def _edit_message_text(self, p: _Params) -> JSON | bool:
        """editMessageText; omitting reply_markup removes the keyboard, as on Telegram."""
        message, chat_id = self._edit_target(p)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._text(p)
        markup = self._markup(p, inline_only=True)
        old = (message["text"], message.get("entities", []), message.get("reply_markup"))
        if (text, entities, markup) == old:
            raise ApiError(400, NOT_MODIFIED)
        if chat_id is not None:
            self._throttle(chat_id)
        _set_content(message, text, entities, markup)
        message["edit_date"] = int(time.time())
        return True if chat_id is None else copy.deepcopy(message)

    def _edit_message_reply_markup(self, p: _Params) -> JSON | bool:
        """editMessageReplyMarkup."""
        message, chat_id = self._edit_target(p)
        markup = self._markup(p, inline_only=True)
        if markup == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        if chat_id is not None:
            self._throttle(chat_id)
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return True if chat_id is None else copy.deepcopy(message)

    def _delete_message(self, p: _Params) -> bool:
        """deleteMessage."""
        chat = self._chat(p, sending=False)
        message_id = p.integer("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        if self._messages.get(chat["id"], {}).pop(message_id, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _send_chat_action(self, p: _Params) -> bool:
        """sendChatAction (not rate limited)."""
        self._chat(p, sending=True)
        if p.string("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _answer_callback_query(self, p: _Params) -> bool:
        """answerCallbackQuery: each query can be answered once."""
        text = p.string("text") or ""
        if len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query = self._callback_queries.get(p.string("callback_query_id") or "")
        if query is None or "answer" in query:
            raise ApiError(400, QUERY_TOO_OLD)
        query["answer"] = {"text": text, "show_alert": p.flag("show_alert"), "url": p.string("url")}
        return True

    def _answer_inline_query(self, p: _Params) -> bool:
        """answerInlineQuery with Telegram's result checks."""
        query = self._inline_queries.get(p.string("inline_query_id") or "")
        if query is None or "results" in query:
            raise ApiError(400, QUERY_TOO_OLD)
        results = p.obj("results", "inline query results")
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: can't parse inline query results JSON object")
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        prepared = [self._inline_result(result, seen) for result in results]
        query["results"] = prepared
        return True

    def _inline_result(self, result: Any, seen: set[str]) -> JSON:
        """Validate one InlineQueryResult; return it with its message text parsed."""
        if not isinstance(result, dict) or result.get("type") not in _INLINE_RESULT_TYPES:
            raise ApiError(400, "Bad Request: can't parse InlineQueryResult JSON object")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        if result_id in seen:
            raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        seen.add(result_id)
        prepared = copy.deepcopy(result)
        content = result.get("input_message_content")
        if result["type"] == "article":
            if not isinstance(result.get("title"), str) or not result["title"].strip():
                raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
            if not isinstance(content, dict):
                raise ApiError(400, "Bad Request: can't parse InputMessageContent JSON object")
        if isinstance(content, dict) and "message_text" in content:
            text, entities = _parse_text(
                content.get("message_text"), content.get("parse_mode"), content.get("entities")
            )
            prepared["input_message_content"] = {"message_text": text, "entities": entities}
        if result.get("caption"):
            _parse_text(
                result["caption"],
                result.get("parse_mode"),
                result.get("caption_entities"),
                limit=MAX_CAPTION_UTF16,
                empty_error="Bad Request: message caption is empty",
                long_error="Bad Request: message caption is too long",
            )
        markup = result.get("reply_markup")
        if markup is not None:
            if not isinstance(markup, dict) or "inline_keyboard" not in markup:
                raise ApiError(400, "Bad Request: can't parse inline keyboard markup JSON object")
            _check_inline_keyboard(markup["inline_keyboard"])
        return prepared

    def _commands_key(self, p: _Params) -> tuple[str, str]:
        """Commands are stored per (scope, language_code)."""
        scope = p.obj("scope", "BotCommandScope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _COMMAND_SCOPES:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        language = p.string("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise ApiError(400, "Bad Request: invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    def _set_my_commands(self, p: _Params) -> bool:
        """setMyCommands."""
        commands = p.obj("commands", "bot commands")
        if not isinstance(commands, list) or not all(isinstance(c, dict) for c in commands):
            raise ApiError(400, "Bad Request: can't parse bot commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(p)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _get_my_commands(self, p: _Params) -> list[JSON]:
        """getMyCommands."""
        return copy.deepcopy(self._commands.get(self._commands_key(p), []))

    def _delete_my_commands(self, p: _Params) -> bool:
        """deleteMyCommands."""
        self._commands.pop(self._commands_key(p), None)
        return True

    def _get_chat(self, p: _Params) -> JSON:
        """getChat, answering a ChatFullInfo with the fields PTB v22 requires."""
        chat = self._chat(p, sending=False)
        gifts = dict.fromkeys(
            ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"), False
        )
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}

    def _set_chat_menu_button(self, p: _Params) -> bool:
        """setChatMenuButton."""
        chat_id = self._chat(p, sending=False)["id"] if p.get("chat_id") is not None else None
        button = p.obj("menu_button", "menu button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
            raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        self._menu_buttons[chat_id] = button
        return True

    def _get_chat_menu_button(self, p: _Params) -> JSON:
        """getChatMenuButton."""
        chat_id = self._chat(p, sending=False)["id"] if p.get("chat_id") is not None else None
        button = self._menu_buttons.get(chat_id) or self._menu_buttons.get(None)
        return copy.deepcopy(button or {"type": "commands"})

    def _set_description(self, p: _Params, field: str, limit: int) -> bool:
        """setMyDescription / setMyShortDescription."""
        text = p.string(field) or ""
        if len(text) > limit:
            raise ApiError(400, f"Bad Request: BOT_{field.upper()}_INVALID")
        self._descriptions[(field, p.string("language_code") or "")] = text
        return True

    def _get_description(self, p: _Params, field: str) -> JSON:
        """getMyDescription / getMyShortDescription."""
        return {field: self._descriptions.get((field, p.string("language_code") or ""), "")}
