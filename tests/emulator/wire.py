"""The Bot API's wire format as the emulator reads it: method names, request decoding, errors."""

from __future__ import annotations

import email.parser
import email.policy
import json
import math
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
