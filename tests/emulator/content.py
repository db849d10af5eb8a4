"""What Telegram checks in a message's content: entities, keyboards, text and captions."""

from __future__ import annotations

import copy
from typing import Any

from .html_check import TelegramBadRequest, parse_message_text, utf16_len
from .wire import (
    _BUTTON_ACTIONS,
    _BUTTON_URL_RE,
    _COMMAND_RE,
    _MENTION_RE,
    JSON,
    ApiError,
)


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
