"""The one error handler: log (never the token or the user's text), apologise, keep running."""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from .html import text
from .send import not_modified, query_too_old, reply
from .state import state

log = logging.getLogger(__name__)

CONFLICT_LOG_EVERY = 60.0
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."


def _describe(update: object) -> str:
    """What an update was, without its text."""
    if not isinstance(update, Update):
        return "no update (polling)" if update is None else type(update).__name__
    kind = next(
        (
            name
            for name in ("message", "callback_query", "inline_query", "edited_message")
            if getattr(update, name) is not None
        ),
        "other",
    )
    chat = update.effective_chat
    return f"update {update.update_id} ({kind}{f' in a {chat.type} chat' if chat else ''})"


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error (never the token or the user's text), apologise, and keep running."""
    err = context.error
    if isinstance(err, BadRequest) and (not_modified(err) or query_too_old(err)):
        log.debug("ignored: %s", err)
        return
    if isinstance(err, Forbidden):
        log.info("a chat blocked or removed the bot: %s", err)
        return
    if isinstance(err, Conflict):
        st = state(context)
        now = time.monotonic()
        if st.conflict_logged is None or now - st.conflict_logged >= CONFLICT_LOG_EVERY:
            st.conflict_logged = now
            log.error(
                "409 Conflict: another instance of this bot is polling Telegram with the same "
                "token, and only one of them gets each update. Stop the other instance."
            )
        return
    if update is None and isinstance(err, (NetworkError, RetryAfter)):
        log.warning("fetching updates failed (%s: %s); retrying", type(err).__name__, err)
        return
    log.error("error while handling %s", _describe(update), exc_info=err)
    if isinstance(update, Update):
        await _apologise(update, context)


async def _apologise(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(SORRY)
        elif update.effective_chat is not None:
            await reply(update, context, text(SORRY))
    except TelegramError as err:
        log.warning("could not apologise either: %s", type(err).__name__)
