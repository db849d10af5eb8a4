"""Telegram Bot API emulator: a local HTTP server the real bot talks to in end-to-end tests.

The bot under test is pointed at ``emu.base_url`` (PTB: ``Bot(token, base_url=...)``);
test code plays the user through the driver methods and observes ``emu.calls``.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import itertools
import json
import math
import re
import select
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .html_check import MAX_CAPTION_UTF16, TelegramBadRequest, parse_message_text, utf16_len

JSON = dict[str, Any]

# Every method of the real Bot API (as of PTB v22), so that an unimplemented method
# answers 400 "not supported by emulator" while a misspelt one answers 404 like Telegram.
_TELEGRAM_METHODS = frozenset(
    """
    addStickerToSet answerCallbackQuery answerGuestQuery answerInlineQuery
    answerPreCheckoutQuery answerShippingQuery answerWebAppQuery approveChatJoinRequest
    approveSuggestedPost banChatMember banChatSenderChat close closeForumTopic
    closeGeneralForumTopic convertGiftToStars copyMessage copyMessages createChatInviteLink
    createChatSubscriptionInviteLink createForumTopic createInvoiceLink createNewStickerSet
    declineChatJoinRequest declineSuggestedPost deleteAllMessageReactions
    deleteBusinessMessages deleteChatPhoto deleteChatStickerSet deleteForumTopic deleteMessage
    deleteMessageReaction deleteMessages deleteMyCommands deleteStickerFromSet
    deleteStickerSet deleteStory deleteWebhook editChatInviteLink
    editChatSubscriptionInviteLink editForumTopic editGeneralForumTopic editMessageCaption
    editMessageChecklist editMessageLiveLocation editMessageMedia editMessageReplyMarkup
    editMessageText editStory editUserStarSubscription exportChatInviteLink forwardMessage
    forwardMessages getAvailableGifts getBusinessAccountGifts getBusinessAccountStarBalance
    getBusinessConnection getChat getChatAdministrators getChatGifts getChatMember
    getChatMemberCount getChatMenuButton getCustomEmojiStickers getFile
    getForumTopicIconStickers getGameHighScores getMe getMyCommands
    getMyDefaultAdministratorRights getMyDescription getMyName getMyShortDescription
    getMyStarBalance getStarTransactions getStickerSet getUpdates getUserChatBoosts
    getUserGifts getUserProfilePhotos getWebhookInfo giftPremiumSubscription
    hideGeneralForumTopic leaveChat logOut pinChatMessage postStory promoteChatMember
    readBusinessMessage refundStarPayment removeBusinessAccountProfilePhoto
    removeChatVerification removeUserVerification reopenForumTopic reopenGeneralForumTopic
    replaceStickerInSet repostStory restrictChatMember revokeChatInviteLink
    savePreparedInlineMessage sendAnimation sendAudio sendChatAction sendChecklist
    sendContact sendDice sendDocument sendGame sendGift sendInvoice sendLocation
    sendMediaGroup sendMessage sendMessageDraft sendPaidMedia sendPhoto sendPoll sendSticker
    sendVenue sendVideo sendVideoNote sendVoice setBusinessAccountBio
    setBusinessAccountGiftSettings setBusinessAccountName setBusinessAccountProfilePhoto
    setBusinessAccountUsername setChatAdministratorCustomTitle setChatDescription
    setChatMenuButton setChatPermissions setChatPhoto setChatStickerSet setChatTitle
    setCustomEmojiStickerSetThumbnail setGameScore setMessageReaction setMyCommands
    setMyDefaultAdministratorRights setMyDescription setMyName setMyShortDescription
    setPassportDataErrors setStickerEmojiList setStickerKeywords setStickerMaskPosition
    setStickerPositionInSet setStickerSetThumbnail setStickerSetTitle setUserEmojiStatus
    setWebhook stopMessageLiveLocation stopPoll transferBusinessAccountStars transferGift
    unbanChatMember unbanChatSenderChat unhideGeneralForumTopic unpinAllChatMessages
    unpinAllForumTopicMessages unpinAllGeneralForumTopicMessages unpinChatMessage
    upgradeGift uploadStickerFile verifyChat verifyUser
    """.split()
)
_METHOD_BY_LOWER = {name.lower(): name for name in _TELEGRAM_METHODS}

# Parameters whose value is a JSON-serialized object even in form-encoded requests.
_JSON_PARAMS = frozenset(
    "reply_markup entities caption_entities reply_parameters link_preview_options results "
    "commands allowed_updates scope menu_button button media".split()
)
_CHAT_ACTIONS = frozenset(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document "
    "choose_sticker find_location record_video_note upload_video_note".split()
)
# Update kinds Telegram leaves out unless allowed_updates names them explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_BUTTON_ACTIONS = tuple(
    "url callback_data web_app login_url switch_inline_query switch_inline_query_current_chat "
    "switch_inline_query_chosen_chat copy_text callback_game pay".split()
)
_INLINE_RESULT_TYPES = frozenset(
    "article photo gif mpeg4_gif video audio voice document location venue contact game sticker".split()
)
_COMMAND_SCOPES = frozenset(
    "default all_private_chats all_group_chats all_chat_administrators chat chat_administrators chat_member".split()
)
_PATH_RE = re.compile(r"/bot([^/]*)/([^/]+)")
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_BUTTON_URL_RE = re.compile(r"(?i)(?:https?|tg)://\S+")
_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}")

CONFLICT_POLLING = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """A Bot API error answer; ``fault`` names the test script that caused it, if any."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None, fault: str | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters, self.fault = code, description, parameters, fault


@dataclass(frozen=True)
class Call:
    """One request the bot made and how the emulator answered it."""

    index: int
    method: str
    params: JSON
    ok: bool
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    parameters: JSON | None = None
    # Set when the failure is not the bot's doing: "injected", "blocked", "migrated",
    # "dropped" (scripted by the test) or "abandoned" (answer to a poll the client left).
    fault: str | None = None
    timestamp: float = 0.0

    @property
    def error(self) -> str | None:
        """Telegram's error description, or None for a successful call."""
        return self.description


@dataclass
class _Fault:
    """A scripted failure for the next ``count`` matching calls."""

    method: str
    error: ApiError
    count: int
    chat_id: int | str | None

    def matches(self, method: str, raw: JSON) -> bool:
        """Whether a call to ``method`` with ``raw`` params should fail."""
        if self.method not in ("*", method.lower()):
            return False
        return self.chat_id is None or str(raw.get("chat_id")) == str(self.chat_id)


@dataclass
class _TokenBucket:
    """Per-chat flood control: ``burst`` messages at once, refilled at ``rate`` per second."""

    burst: float
    rate: float
    tokens: float
    stamp: float

    def take(self, now: float) -> int:
        """Spend one token; return 0 on success or the seconds to wait."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0
        return max(1, math.ceil((1 - self.tokens) / self.rate))


class _Params:
    """Typed access to request parameters, which arrive as strings (forms) or JSON values."""

    def __init__(self, raw: JSON, client_gone: Callable[[], bool] = lambda: False) -> None:
        self.raw = raw
        self.client_gone = client_gone

    def get(self, name: str) -> Any:
        """The raw value, with an empty string meaning absent as in Telegram."""
        value = self.raw.get(name)
        return None if value is None or value == "" else value

    def string(self, name: str) -> str | None:
        """A string parameter."""
        value = self.get(name)
        return value if value is None or isinstance(value, str) else json.dumps(value)

    def number(self, name: str) -> float | None:
        """A numeric parameter (forms send numbers as text)."""
        value = self.get(name)
        if value is None:
            return None
        try:
            if isinstance(value, bool):
                raise ValueError(name)
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f'Bad Request: field "{name}" must be a valid Number') from None

    def integer(self, name: str) -> int | None:
        """An integer parameter."""
        value = self.number(name)
        return None if value is None else int(value)

    def flag(self, name: str) -> bool:
        """A boolean parameter; PTB sends ``true``/``false``."""
        value = self.get(name)
        return value is True or value == 1 or (isinstance(value, str) and value.lower() in ("true", "1"))

    def obj(self, name: str, what: str | None = None) -> Any:
        """A JSON-serialized parameter, decoded."""
        value = self.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {what or name} JSON object") from None


def decode_request(query: str, content_type: str, body: bytes) -> JSON:
    """Merge query-string and body parameters of any encoding Telegram accepts."""
    params: JSON = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return params
    if kind == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("JSON body must be an object")
        params.update(data)
    elif kind == "multipart/form-data":
        params.update(_decode_multipart(content_type, body))
    else:
        params.update(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return params


def _decode_multipart(content_type: str, body: bytes) -> JSON:
    """Text fields as strings, uploaded files as a short description."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("bad multipart body")
    params: JSON = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            params[str(name)] = payload.decode("utf-8")
        else:
            params[str(name)] = {"filename": filename, "content_type": part.get_content_type(), "size": len(payload)}
    return params


def _readable(raw: JSON) -> JSON:
    """Params as recorded for tests: JSON-encoded values decoded where possible."""
    readable = dict(raw)
    for name in _JSON_PARAMS & readable.keys():
        if isinstance(readable[name], str):
            try:
                readable[name] = json.loads(readable[name])
            except ValueError:
                pass
    return readable


def _error_payload(err: ApiError) -> JSON:
    """Telegram's error body."""
    payload: JSON = {"ok": False, "error_code": err.code, "description": err.description}
    if err.parameters:
        payload["parameters"] = err.parameters
    return payload


def _without_reply(message: JSON) -> JSON:
    """A message as nested in reply_to_message (Telegram nests only one level)."""
    nested = copy.deepcopy(message)
    nested.pop("reply_to_message", None)
    return nested


def _set_content(message: JSON, text: str, entities: list[JSON], markup: JSON | None) -> None:
    """Store text, entities and inline keyboard, omitting empty fields like Telegram."""
    message["text"] = text
    for key, value in (("entities", entities), ("reply_markup", markup)):
        if value:
            message[key] = value
        else:
            message.pop(key, None)


def _detect_entities(text: str) -> list[JSON]:
    """bot_command and mention entities Telegram adds to what users type."""
    entities: list[JSON] = []
    taken: list[range] = []
    for kind, pattern in (("bot_command", _COMMAND_RE), ("mention", _MENTION_RE)):
        for match in pattern.finditer(text):
            if any(match.start() in span for span in taken):
                continue
            taken.append(range(match.start(), match.end()))
            entities.append(
                {"offset": utf16_len(text[: match.start()]), "length": utf16_len(match.group()), "type": kind}
            )
    return sorted(entities, key=lambda e: e["offset"])


def _check_inline_keyboard(rows: Any) -> None:
    """Validate inline_keyboard rows and buttons like Telegram."""
    prefix = "Bad Request: can't parse inline keyboard button: "
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, prefix + 'Field "inline_keyboard" must be an Array of Arrays')
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict):
            raise ApiError(400, prefix + "InlineKeyboardButton must be an Object")
        if not isinstance(button.get("text"), str) or not button["text"].strip():
            raise ApiError(400, prefix + 'Field "text" must be a non-empty String')
        actions = [name for name in _BUTTON_ACTIONS if name in button]
        if not actions:
            raise ApiError(400, prefix + "Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise ApiError(400, prefix + "exactly one of the optional fields must be used")
        data = button.get("callback_data")
        if "callback_data" in button and (not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64):
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if "url" in button and not _BUTTON_URL_RE.fullmatch(str(button["url"])):
            raise ApiError(400, f"Bad Request: inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")


def _check_entity_list(entities: Any) -> None:
    """Explicit ``entities`` must be a list of well-formed MessageEntity objects."""
    ok = isinstance(entities, list) and all(
        isinstance(e, dict)
        and isinstance(e.get("type"), str)
        and isinstance(e.get("offset"), int)
        and e["offset"] >= 0
        and isinstance(e.get("length"), int)
        and e["length"] > 0
        for e in entities
    )
    if not ok:
        raise ApiError(400, "Bad Request: can't parse entities JSON object")


def _parse_text(text: str | None, parse_mode: str | None, entities: Any, **limits: Any) -> tuple[str, list[JSON]]:
    """Telegram's text rules, with errors turned into API errors."""
    if entities:
        _check_entity_list(entities)
    try:
        return parse_message_text(text, parse_mode, entities or None, **limits)
    except TelegramBadRequest as err:
        raise ApiError(400, err.description) from None


class _Server(ThreadingHTTPServer):
    """Threaded HTTP server that remembers open connections so stop() can cut them."""

    daemon_threads = True

    def __init__(self, emulator: BotApiEmulator) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def cut_connections(self) -> None:
        """Close keep-alive connections so handler threads end with the server."""
        with self.connections_lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into emulator calls."""

    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    server: _Server

    def setup(self) -> None:
        """Register the connection."""
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        """Telegram accepts GET."""
        self.serve()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        """And POST, which PTB always uses."""
        self.serve()

    def serve(self) -> None:
        """Answer one request."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = urllib.parse.urlsplit(self.path)
        answer = self.server.emulator.answer_http(
            url.path, url.query, self.headers.get("Content-Type", ""), body, self.client_gone
        )
        if answer is None:
            # Reset instead of answering: SO_LINGER 0 turns close() into an RST.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        status, payload = answer
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (e.g. the bot was killed mid long poll)
            self.close_connection = True

    def client_gone(self) -> bool:
        """Whether the client closed the connection while we were still working."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        """Keep test output quiet."""


class BotApiEmulator:
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
            "forwardMessage": self._forward_message,
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

    def _forward_message(self, p: _Params) -> JSON:
        """forwardMessage: a copy in `chat_id`, sent by the bot, with `forward_origin` naming the
        original sender (Bot API 7.0+); forwarding a forward keeps the first origin."""
        chat = self._chat(p, sending=True)
        if p.get("from_chat_id") is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        source = self._find_chat(p.get("from_chat_id"))
        if source is None:
            raise ApiError(400, "Bad Request: chat not found")
        message_id = p.integer("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        original = self._messages.get(source["id"], {}).get(message_id)
        if original is None:
            raise ApiError(400, "Bad Request: message to forward not found")
        self._throttle(chat["id"])
        kept = ("text", "entities", "caption", "caption_entities", "photo", "document", "sticker")
        content: JSON = {k: copy.deepcopy(v) for k, v in original.items() if k in kept}
        content["forward_origin"] = copy.deepcopy(
            original.get("forward_origin")
            or {"type": "user", "date": original["date"], "sender_user": dict(original["from"])}
        )
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

    # ------------------------------------------------------------ driver: users

    def add_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        title: str = "Test group",
        first_name: str = "Alice",
        username: str | None = None,
    ) -> JSON:
        """Make a chat known without a message (e.g. a subscriber the bot writes to first)."""
        with self._cond:
            user_id = chat_id if chat_type == "private" else 1001
            user = self._users.get(user_id) or self._make_user(user_id, first_name, username)
            return copy.deepcopy(self._ensure_chat(chat_id, chat_type, user, title))

    def user_sends(
        self,
        text: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Alice",
        reply_to_message_id: int | None = None,
        username: str | None = None,
        chat_title: str = "Test group",
    ) -> JSON:
        """The user writes ``text``; returns the Message (queued as an update if the bot sees it)."""
        content: JSON = {"text": text}
        entities = _detect_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(
            content, user_id, chat_id, chat_type, first_name, reply_to_message_id, username, chat_title
        )

    def user_sends_sticker(
        self,
        emoji: str = "👍",
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Alice",
        reply_to_message_id: int | None = None,
        chat_title: str = "Test group",
    ) -> JSON:
        """The user sends a sticker."""
        n = next(self._file_numbers)
        sticker = {
            "file_id": f"CAACAgIAAxkBAAI{n}",
            "file_unique_id": f"AgAD{n}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 20480,
        }
        return self._user_message(
            {"sticker": sticker}, user_id, chat_id, chat_type, first_name, reply_to_message_id, None, chat_title
        )

    def user_sends_photo(
        self,
        caption: str | None = None,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Alice",
        reply_to_message_id: int | None = None,
        chat_title: str = "Test group",
    ) -> JSON:
        """The user sends a photo, optionally captioned."""
        n = next(self._file_numbers)
        photo = [
            {
                "file_id": f"AgACAgIAAxkBAAI{n}{size}",
                "file_unique_id": f"AQAD{n}{size}",
                "width": size,
                "height": size * 3 // 4,
                "file_size": size * 100,
            }
            for size in (90, 1280)
        ]
        content: JSON = {"photo": photo}
        if caption:
            content["caption"] = caption
            entities = _detect_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return self._user_message(
            content, user_id, chat_id, chat_type, first_name, reply_to_message_id, None, chat_title
        )

    def user_sends_document(
        self,
        caption: str | None = None,
        *,
        file_name: str = "notes.pdf",
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Alice",
        reply_to_message_id: int | None = None,
        chat_title: str = "Test group",
    ) -> JSON:
        """The user sends a file, optionally captioned."""
        n = next(self._file_numbers)
        document = {
            "file_id": f"BQACAgIAAxkBAAI{n}",
            "file_unique_id": f"AgADd{n}",
            "file_name": file_name,
            "mime_type": "application/pdf",
            "file_size": 40960,
        }
        content: JSON = {"document": document}
        if caption:
            content["caption"] = caption
            entities = _detect_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return self._user_message(
            content, user_id, chat_id, chat_type, first_name, reply_to_message_id, None, chat_title
        )

    def user_presses(self, message: JSON | str, button_text_or_data: str, *, user_id: int | None = None) -> str:
        """The user presses an inline button of a bot message (or inline_message_id); returns the query id."""
        with self._cond:
            if isinstance(message, str):
                stored = self._inline_messages.get(message)
                if stored is None:
                    raise LookupError(f"unknown inline message {message!r}")
                chat_id = None
            else:
                chat_id = message["chat"]["id"]
                stored = self._messages.get(chat_id, {}).get(message["message_id"])
                if stored is None:
                    raise LookupError(f"message {message['message_id']} in chat {chat_id} no longer exists")
            button = self._find_button(stored, button_text_or_data)
            if user_id is None:
                private = chat_id is not None and self._chats[chat_id]["type"] == "private"
                user_id = chat_id if private and chat_id is not None else 1001
            user = self._users.get(user_id) or self._make_user(user_id, "Alice", None)
            query_id = self._new_query_id()
            query: JSON = {
                "id": query_id,
                "from": dict(user),
                "chat_instance": str((abs(chat_id or 0) * 2654435761) % 2**62),
                "data": button["callback_data"],
            }
            if isinstance(message, str):
                query["inline_message_id"] = message
            else:
                query["message"] = copy.deepcopy(stored)
            self._callback_queries[query_id] = {}
            self._enqueue({"callback_query": query})
            return query_id

    def user_inline_query(self, query: str, *, user_id: int = 1001, offset: str = "", first_name: str = "Alice") -> str:
        """The user types ``@bot query``; returns the inline query id."""
        with self._cond:
            user = self._users.get(user_id) or self._make_user(user_id, first_name, None)
            query_id = self._new_query_id()
            self._inline_queries[query_id] = {"user": user}
            self._enqueue(
                {
                    "inline_query": {
                        "id": query_id,
                        "from": dict(user),
                        "query": query,
                        "offset": offset,
                        "chat_type": "sender",
                    }
                }
            )
            return query_id

    def user_picks_inline_result(self, query_id: str, result_id: str) -> str:
        """The user sends an answered inline result; returns its inline_message_id for edits."""
        with self._cond:
            results = self._inline_queries.get(query_id, {}).get("results")
            if results is None:
                raise LookupError(f"inline query {query_id!r} was not answered")
            result = next((r for r in results if r["id"] == result_id), None)
            if result is None:
                raise LookupError(f"inline query {query_id!r} has no result {result_id!r}")
            content = result.get("input_message_content") or {}
            inline_id = f"AgAAA{self._new_query_id()}"
            message: JSON = {"from": self._bot_user()}
            if "message_text" in content:
                _set_content(message, content["message_text"], content["entities"], None)
            if result.get("reply_markup"):
                message["reply_markup"] = copy.deepcopy(result["reply_markup"])
            self._inline_messages[inline_id] = message
            return inline_id

    def _make_user(self, user_id: int, first_name: str, username: str | None) -> JSON:
        """Create or refresh a user."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        if username:
            user["username"] = username
        self._users[user_id] = user
        return user

    def _ensure_chat(self, chat_id: int, chat_type: str, user: JSON, title: str) -> JSON:
        """The chat, created on first use."""
        if chat_id in self._migrated:
            raise ValueError(f"chat {chat_id} was migrated to {self._migrated[chat_id]}")
        if chat_type == "private":
            if chat_id != user["id"]:
                raise ValueError("a private chat's id is the user's id")
            chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                chat["username"] = user["username"]
        elif chat_type in ("group", "supergroup"):
            if chat_id >= 0:
                raise ValueError("group chats have negative ids")
            chat = {"id": chat_id, "type": chat_type, "title": title}
        else:
            raise ValueError(f"unsupported chat type {chat_type!r}")
        return self._chats.setdefault(chat_id, chat)

    def _user_message(
        self,
        content: JSON,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        first_name: str,
        reply_to_message_id: int | None,
        username: str | None,
        chat_title: str,
    ) -> JSON:
        """Store a user's message and queue it for the bot if Telegram would deliver it."""
        with self._cond:
            user = self._make_user(user_id, first_name, username)
            chat = self._ensure_chat(user_id if chat_id is None else chat_id, chat_type, user, chat_title)
            if reply_to_message_id is not None:
                target = self._messages.get(chat["id"], {}).get(reply_to_message_id)
                if target is None:
                    raise LookupError(f"no message {reply_to_message_id} in chat {chat['id']}")
                content["reply_to_message"] = _without_reply(target)
            message = self._store_message(chat, user, content)
            if self._bot_sees(message):
                self._enqueue({"message": message})
            return copy.deepcopy(message)

    def _bot_sees(self, message: JSON) -> bool:
        """Privacy mode: in groups only commands, mentions and replies to the bot arrive."""
        if message["chat"]["type"] == "private" or not self.privacy_mode:
            return True
        reply = message.get("reply_to_message")
        if reply and reply["from"]["id"] == self.bot_id:
            return True
        text = message.get("text") or message.get("caption") or ""
        me = "@" + self.bot_username.lower()
        for word in (text[m.start() : m.end()].lower() for m in _COMMAND_RE.finditer(text)):
            if "@" not in word or word.endswith(me):
                return True
        return any(m.group().lower() == me for m in _MENTION_RE.finditer(text))

    def _find_button(self, message: JSON, wanted: str) -> JSON:
        """An inline button by text, else by callback_data."""
        buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        button = next((b for b in buttons if b["text"] == wanted), None) or next(
            (b for b in buttons if b.get("callback_data") == wanted), None
        )
        if button is None:
            raise LookupError(f"no button {wanted!r}; buttons: {[b['text'] for b in buttons]}")
        if "callback_data" not in button:
            raise ValueError(f"button {wanted!r} has no callback_data")
        return button

    def _new_query_id(self) -> str:
        """Telegram query ids are long opaque strings."""
        self._next_query_id += 1
        return str(self._next_query_id)

    def _enqueue(self, payload: JSON) -> None:
        """Queue an update and wake the long poll."""
        self._updates.append({"update_id": self._next_update_id, **copy.deepcopy(payload)})
        self._next_update_id += 1
        self._cond.notify_all()

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
