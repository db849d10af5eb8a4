"""Readers' feedback in Telegram: 👍 / 👎, "What were you looking for?", "Ask the newsroom" and
the editors' replies, and the admins' /report. One handler per user action.

A vote is acknowledged ("Thanks") only once the feedback store has committed it; the event loop
awaits that without blocking (the store writes from its own thread).
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import ForceReply, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes, filters

from ..config import Settings
from ..feedback import DOWN, UP, FeedbackError, FeedbackRecorder, report
from . import callbacks
from .handlers import EXPIRED, admin_only, page_keyboard
from .html import newsroom_html, page_count, report_html, text
from .send import ack, edit_markup, reply, send_rendered
from .state import Prompt, Route, state

log = logging.getLogger(__name__)

LOOKING_FOR = "What were you looking for? Reply to this message if you like: the editors read every answer."
THANKS_UP = "Thanks! Noted as helpful."
THANKS_DOWN = "Thanks. Noted as not helpful."
NOT_SAVED = "Sorry, your vote could not be saved. Please try again in a moment."
NO_VOTES = "Votes are not recorded by this bot."
REASON_NOTED = "Thanks, that goes to the editors."
REASON_LOST = "Sorry, I can no longer tell which answer that was about. Please vote on it again."
SENT_TO_NEWSROOM = "Sent to the newsroom. If an editor replies, you will get it here."
NEWSROOM_UNREACHABLE = "Sorry, the newsroom cannot be reached right now."
QUESTION_GONE = "I cannot find your question any more (deleted?). Please ask it again."
DELIVERED = "Sent to the reader."
NOT_DELIVERED = "The reader's chat is gone (they blocked the bot or left); the reply was not delivered."
ROUTE_LOST = (
    "I can no longer route this reply: that question was forwarded before the bot restarted, or more "
    "than a week ago. Replies can be sent only to questions forwarded since."
)
REPORT_DAYS = 7


class ReplyToPrompt(filters.MessageFilter):
    """A text reply to the bot's "What were you looking for?"."""

    def filter(self, message: Message) -> bool:
        """Whether `message` answers the prompt."""
        replied = message.reply_to_message
        return bool(
            message.text and replied is not None and replied.from_user is not None and replied.from_user.is_bot
            and (replied.text or "").startswith(LOOKING_FOR)
        )


class ReplyToForward(filters.MessageFilter):
    """A reply to a question the bot forwarded (in the editors' chat)."""

    def filter(self, message: Message) -> bool:
        """Whether `message` replies to a forwarded question."""
        replied = message.reply_to_message
        return bool(
            (message.text or message.caption) and replied is not None and replied.forward_origin is not None
            and replied.from_user is not None and replied.from_user.is_bot
        )


def open_recorder(settings: Settings) -> FeedbackRecorder | None:
    """The feedback recorder for the served index, or None (switched off, or its database unusable:
    the bot then answers without recording, and says why in its log)."""
    if not settings.feedback:
        return None
    try:
        return FeedbackRecorder.open(settings.index_path, settings.store_questions, settings.retention_days)
    except (FeedbackError, OSError) as err:
        log.error("questions and votes are not recorded: %s", err)
        return None


async def vote_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍 / 👎: rate the first result of the page shown; acknowledged once the vote is stored.
    Pressing the other one changes the vote."""
    query = update.callback_query
    press = callbacks.parse(query.data if query else None)
    if query is None or press is None:
        return
    st = state(context)
    kept = st.results.get(press.key)
    if kept is None:
        await ack(query, EXPIRED)
        return
    if st.feedback is None or kept.question_id is None:
        await ack(query, NO_VOTES)
        return
    answer = kept.answer
    page = min(press.number, page_count(answer, st.per_page) - 1)
    result = answer.results[page * st.per_page]
    vote = UP if press.kind == callbacks.UP else DOWN
    done = st.feedback.vote(
        kept.question_id, answer, result, "telegram", query.from_user.id, vote, kept.answerer.index.fingerprint
    )
    try:
        await asyncio.wrap_future(done)
    except FeedbackError as err:
        log.error("a vote was not saved: %s", err)
        await ack(query, NOT_SAVED, alert=True)
        return
    await ack(query, THANKS_UP if vote == UP else THANKS_DOWN)
    message = query.message
    if message is None:
        return
    mark = (message.chat.id, press.key, page)
    before = st.marks.get(mark)
    st.marks[mark] = vote
    if before == vote:
        return
    await edit_markup(context.bot, query, page_keyboard(answer, press.key, page, st.per_page, voting=True, vote=vote))
    if vote == DOWN and message.chat.type == ChatType.PRIVATE:  # in a group the question would be noise
        # Kept before the question goes out: the reader's reply may arrive before send_rendered returns.
        st.prompts[(message.chat.id, query.from_user.id)] = Prompt(kept.question_id, result)
        await send_rendered(
            context.bot, message.chat.id, text(LOOKING_FOR), reply_to=message.message_id,
            markup=ForceReply(input_field_placeholder="What you were looking for"),
        )


async def reason_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply to "What were you looking for?": kept with the reader's 👎 (never logged)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.reply_to_message is None or not message.text:
        return
    st = state(context)
    prompt = st.prompts.get((message.chat.id, user.id))  # their latest 👎 in this chat
    if st.feedback is None or prompt is None:
        await reply(update, context, text(REASON_LOST))
        return
    done = st.feedback.reason(prompt.question_id, prompt.result, "telegram", user.id, message.text)
    try:
        await asyncio.wrap_future(done)
    except FeedbackError as err:
        log.error("a reason was not saved: %s", err)
        await reply(update, context, text(NOT_SAVED))
        return
    st.prompts.pop((message.chat.id, user.id))
    await reply(update, context, text(REASON_NOTED))


async def newsroom_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"Ask the newsroom": forward the reader's question to the editors' chat."""
    query = update.callback_query
    press = callbacks.parse(query.data if query else None)
    if query is None or press is None:
        return
    st = state(context)
    editors, message = st.settings.editor_chat, query.message
    if editors is None or message is None or not press.key.isdigit():
        await ack(query, EXPIRED)
        return
    try:
        forwarded = await context.bot.forward_message(editors, message.chat.id, int(press.key))
    except BadRequest as err:
        if "message to forward not found" not in err.message.lower():
            log.error("could not forward a question to the editors' chat: %s", err)
            await ack(query, NEWSROOM_UNREACHABLE, alert=True)
            return
        await ack(query, QUESTION_GONE, alert=True)
        return
    except Forbidden as err:
        log.error("the editors' chat (QABOT_EDITOR_CHAT) does not accept the bot: %s", err)
        await ack(query, NEWSROOM_UNREACHABLE, alert=True)
        return
    st.routes[forwarded.message_id] = Route(message.chat.id, int(press.key))
    log.info("forwarded a reader's question to the editors' chat")
    await ack(query, SENT_TO_NEWSROOM)
    await edit_markup(context.bot, query, None)  # asked once; the button goes


async def newsroom_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An editor's reply to a forwarded question: sent to the reader as a reply to their question."""
    message = update.effective_message
    if message is None or message.reply_to_message is None:
        return
    st = state(context)
    route = st.routes.get(message.reply_to_message.message_id)
    if route is None:
        await reply(update, context, text(ROUTE_LOST))
        return
    sent = await send_rendered(
        context.bot, route.chat_id, newsroom_html(message.text or message.caption or ""), reply_to=route.message_id
    )
    log.info("sent an editor's reply to a reader" if sent else "an editor's reply could not be delivered")
    await reply(update, context, text(DELIVERED if sent else NOT_DELIVERED))


async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report (admins only): the week's not-found and unsure rates and its top five gaps."""
    if not await admin_only(update, context, "/report"):
        return
    st = state(context)
    if not st.settings.feedback:
        await reply(update, context, text("Questions are not recorded (QABOT_FEEDBACK=off): there is no report."))
        return
    try:
        summary = await asyncio.to_thread(_week, st.settings)
    except FeedbackError as err:
        await reply(update, context, text(f"The report cannot be made: {err}"))
        return
    await reply(update, context, report_html(summary, REPORT_DAYS))


def _week(settings: Settings) -> report.Summary:
    """The last REPORT_DAYS days' summary, read from the feedback database."""
    now = time.time()
    conn = report.open_database(settings.index_path, settings.retention_days, now)
    try:
        return report.summary(conn, now - REPORT_DAYS * 86400.0)
    finally:
        conn.close()
