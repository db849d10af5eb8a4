"""Sending and editing messages: HTML first, once more as plain text when Telegram cannot parse it;
migrated groups followed, blocked chats and late button answers taken in stride.

HTML parse mode and "no link preview" are the Application's Defaults (app.py); the plain-text
fallback turns the parse mode off explicitly.
"""

from __future__ import annotations

import logging

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import ContextTypes

from .html import Rendered

log = logging.getLogger(__name__)


def cannot_parse(err: BadRequest) -> bool:
    """Telegram refused the HTML."""
    return "can't parse entities" in err.message.lower()


def not_modified(err: BadRequest) -> bool:
    """An edit to the text the message already shows (a double press)."""
    return "message is not modified" in err.message.lower()


def query_too_old(err: BadRequest) -> bool:
    """A button press answered after Telegram stopped waiting for it."""
    message = err.message.lower()
    return "query is too old" in message or "query id is invalid" in message


def _gone(err: BadRequest) -> bool:
    message = err.message.lower()
    return "message to edit not found" in message or "message can't be edited" in message


async def send_rendered(
    bot: Bot,
    chat_id: int,
    rendered: Rendered,
    *,
    reply_to: int | None = None,
    markup: InlineKeyboardMarkup | None = None,
    thread_id: int | None = None,
) -> Message | None:
    """Send as HTML, or once as plain text if Telegram cannot parse it; None if the chat is gone."""
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    try:
        try:
            return await bot.send_message(
                chat_id, rendered.html, reply_markup=markup, reply_parameters=reply, message_thread_id=thread_id
            )
        except BadRequest as err:
            if not cannot_parse(err):
                raise
            log.warning("Telegram refused a reply's HTML (%s); resending it as plain text", err)
            return await bot.send_message(
                chat_id,
                rendered.plain,
                parse_mode=None,
                reply_markup=markup,
                reply_parameters=reply,
                message_thread_id=thread_id,
            )
    except ChatMigrated as err:
        log.info("a group became a supergroup; answering in the new chat")
        # Message ids differ in the new chat, so the reply reference is dropped.
        return await send_rendered(bot, err.new_chat_id, rendered, markup=markup)
    except Forbidden as err:
        log.info("not answering a chat that blocked or removed the bot (%s)", err)
        return None


async def edit_rendered(
    bot: Bot, query: CallbackQuery, rendered: Rendered, markup: InlineKeyboardMarkup | None
) -> None:
    """Replace the text of the message holding the pressed button; unchanged text is fine."""
    message = query.message
    where: dict[str, int | str]
    if query.inline_message_id:
        where = {"inline_message_id": query.inline_message_id}
    elif message is not None:
        where = {"chat_id": message.chat.id, "message_id": message.message_id}
    else:
        return
    plain: dict[str, None] = {"parse_mode": None}  # overrides the HTML default
    for body, mode in ((rendered.html, {}), (rendered.plain, plain)):
        try:
            await bot.edit_message_text(body, reply_markup=markup, **mode, **where)  # type: ignore[arg-type]
            return
        except BadRequest as err:
            if not_modified(err):
                return  # a double press: the message already shows this
            if cannot_parse(err) and not mode:
                log.warning("Telegram refused an edit's HTML (%s); resending it as plain text", err)
                continue
            if _gone(err) and message is not None and "chat_id" in where:
                # Too old (48 hours) or deleted: show the page as a new message instead.
                log.info("the message with the pressed button can no longer be edited (%s)", err)
                await send_rendered(bot, message.chat.id, rendered, markup=markup)
                return
            raise
        except Forbidden as err:
            log.info("not editing in a chat that blocked or removed the bot (%s)", err)
            return


async def ack(query: CallbackQuery, notice: str | None = None, alert: bool = False) -> None:
    """Answer a button press (Telegram shows a spinner until then); a late answer is no error."""
    try:
        await query.answer(notice, show_alert=alert)
    except BadRequest as err:
        if not query_too_old(err):
            raise
        log.info("a button press was answered too late (%s); acting on it anyway", err)


async def typing(bot: Bot, chat_id: int, thread_id: int | None) -> None:
    """The typing indicator; a failure here must not stop the answer."""
    try:
        await bot.send_chat_action(chat_id, ChatAction.TYPING, message_thread_id=thread_id)
    except TelegramError as err:
        log.debug("typing indicator not shown: %s", type(err).__name__)


def thread_id(message: Message | None) -> int | None:
    """The forum topic a message is in, so the answer goes to the same topic."""
    return message.message_thread_id if message is not None and message.is_topic_message else None


def _reply_to(update: Update) -> int | None:
    """In groups answers reply to the asking message; in private chats they need not."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or chat.type == ChatType.PRIVATE:
        return None
    return message.message_id


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    rendered: Rendered,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send `rendered` to the chat of `update` (replying to it in groups)."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await send_rendered(
        context.bot,
        chat.id,
        rendered,
        reply_to=_reply_to(update),
        markup=markup,
        thread_id=thread_id(update.effective_message),
    )
