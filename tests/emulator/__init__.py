"""Telegram Bot API emulator for end-to-end tests of the bot."""

from .html_check import (
    TelegramBadRequest,
    TelegramHtmlError,
    check_telegram_html,
    parse_message_text,
    parse_telegram_html,
    utf16_len,
)
from .server import BotApiEmulator, Call

__all__ = [
    "BotApiEmulator",
    "Call",
    "TelegramBadRequest",
    "TelegramHtmlError",
    "check_telegram_html",
    "parse_message_text",
    "parse_telegram_html",
    "utf16_len",
]
