"""Telegram handlers: one typed async function per user action (questions, buttons, commands).

Searches run in a worker thread, over the index the service serves when the question arrives; the
answer's buttons keep reading that same index. Messages go out through send.py.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import cast

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from ..answer import MAX_RESULTS, NOT_FOUND, Answer, Answerer
from ..feedback import DOWN, UP
from ..followup import Context, Conversation
from ..ratelimit import Verdict
from ..render import plural
from ..results_store import ResultSet
from . import callbacks
from .html import Rendered, help_html, page_count, section_to_html, sources_html, start_html, text, to_html
from .send import ack, edit_rendered, reply, thread_id, typing
from .state import state

log = logging.getLogger(__name__)

PAGES = 10  # a question can be paged through this many pages of results
MORE = "More results"
PREVIOUS = "« Previous"
BACK = "« Back to results"
UP_LABEL = "👍"
DOWN_LABEL = "👎"
CHOSEN = " ✓"  # after the label of the vote this chat gave on the page shown
ASK_NEWSROOM = "Ask the newsroom"
SECTIONS_PER_ROW = 3
ANSWERS_REMEMBERED = 50  # per chat: a reply to one of these answers follows on from it
SOURCES_PAGE = 10  # documents per /sources page

EXPIRED = "These results have expired. Please ask your question again."
SLOW_DOWN = "You are asking faster than I can answer well. Please try again in {seconds} s."
AS_TEXT = "Please send me your question as text: I can only read words."
NOT_ALLOWED = "Sorry, only the bot's admins can do that."
UNKNOWN_COMMAND = "I don't know that command. Send /help to see what I can do."


# ---------------------------------------------------------------- limits and gates


async def allowlist_gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """With an allowlist set, updates from other chats stop here and get no answer."""
    allowed = state(context).settings.allowed_chats
    if not allowed:
        return
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.id in allowed:
        return
    if chat is None and user is not None and user.id in allowed:  # inline mode has no chat
        return
    log.info("ignored an update from a chat that is not on the allowlist")
    raise ApplicationHandlerStop


def section_label(rank: int) -> str:
    """The label of the button that opens result `rank`'s section."""
    return f"Section [{rank}]"


async def _within_limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Count one question against the user's flood limit; over it, say once when asking works
    again. Only questions count: commands, paging and section buttons and stickers cost no search."""
    user = update.effective_user
    if user is None:
        return True
    limit = state(context).questions
    verdict = limit.check(user.id)
    if verdict is Verdict.ALLOW:
        return True
    query = update.callback_query
    if verdict is Verdict.NOTIFY:
        log.info("a user reached the flood limit; telling them when to try again")
        notice = SLOW_DOWN.format(seconds=limit.retry_after(user.id))
        if query is not None:
            await ack(query, notice, alert=True)
        else:
            await reply(update, context, text(notice))
    elif query is not None:
        await ack(query)
    return False


# ---------------------------------------------------------------- questions


def answer_keyboard(
    key: str, page: int, pages: int, shown: Sequence[int], voting: bool = False, vote: int | None = None
) -> InlineKeyboardMarkup:
    """👍 / 👎 (with `voting`; `vote` marks the one given) and paging buttons in one row, then one
    section button per result on the page (`shown`: their ranks)."""
    first = []
    if voting:
        for kind, label, value in ((callbacks.UP, UP_LABEL, UP), (callbacks.DOWN, DOWN_LABEL, DOWN)):
            chosen = label + CHOSEN if vote == value else label
            first.append(InlineKeyboardButton(chosen, callback_data=callbacks.data(kind, key, page)))
    if page > 0:
        first.append(InlineKeyboardButton(PREVIOUS, callback_data=callbacks.data(callbacks.PAGE, key, page - 1)))
    if page + 1 < pages:
        first.append(InlineKeyboardButton(MORE, callback_data=callbacks.data(callbacks.PAGE, key, page + 1)))
    # The button names the result it opens and carries its place in the result set, not the page.
    sections = [
        InlineKeyboardButton(section_label(r), callback_data=callbacks.data(callbacks.SECTION, key, r - 1))
        for r in shown
    ]
    rows = [sections[i : i + SECTIONS_PER_ROW] for i in range(0, len(sections), SECTIONS_PER_ROW)]
    return InlineKeyboardMarkup([first, *rows] if first else rows)


def page_keyboard(
    answer: Answer, key: str, page: int, per_page: int, voting: bool, vote: int | None = None
) -> InlineKeyboardMarkup:
    """The buttons under page `page` of an answer kept under `key`."""
    shown = answer.results[page * per_page : (page + 1) * per_page]
    return answer_keyboard(key, page, page_count(answer, per_page), [r.rank for r in shown], voting, vote)


async def _search(
    context: ContextTypes.DEFAULT_TYPE, question: str, k: int, follows: Context | None = None
) -> tuple[Answer, Answerer]:
    """Answer in a worker thread, so one slow search never holds up other chats."""
    # One read of the served index: the answer and its buttons use it even if a reload swaps it.
    answerer = state(context).service.answerer
    answer = await asyncio.to_thread(answerer.answer, question, k, True, follows)
    return answer, answerer


def _conversation(context: ContextTypes.DEFAULT_TYPE) -> Conversation:
    """This chat's last answered question, for follow-ups (PTB keeps chat_data per chat)."""
    data = context.chat_data if context.chat_data is not None else {}
    return cast(Conversation, data.setdefault("conversation", Conversation()))


def _answered(context: ContextTypes.DEFAULT_TYPE) -> dict[int, Context]:
    """The chat's recent answers by their message id: a reply to one follows on from it."""
    data = context.chat_data if context.chat_data is not None else {}
    return cast(dict[int, Context], data.setdefault("answered", {}))


def _follows(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Context | None:
    """What a question follows on from: the answer it replies to, else the chat's last one."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        earlier = _answered(context).get(replied.message_id)
        if earlier is not None:
            return replace(earlier, at=time.monotonic(), explicit=True)
    return _conversation(context).context()


async def answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str, *, echo: bool = False
) -> None:
    """Typing indicator, search off the event loop, then one HTML message with buttons."""
    st = state(context)
    chat = update.effective_chat
    if chat is None:
        return
    log.info("answering a question in a %s chat (%d characters)", chat.type, len(question))
    typed = asyncio.create_task(typing(context.bot, chat.id, thread_id(update.effective_message)))
    conversation = _conversation(context)
    answer, answerer = await _search(
        context, question, min(MAX_RESULTS, st.per_page * PAGES), _follows(update, context)
    )
    conversation.record(answer)
    question_id = _record(update, context, answer, answerer)
    await typed
    markup = None
    if answer.results:
        key = st.results.put(answer, answerer, question_id)
        markup = page_keyboard(answer, key, 0, st.per_page, voting=question_id is not None)
    elif answer.status == NOT_FOUND and st.settings.editor_chat is not None and update.message is not None:
        # The question is a message of the reader's own: the editors get it forwarded.
        newsroom = callbacks.data(callbacks.NEWSROOM, update.message.message_id)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(ASK_NEWSROOM, callback_data=newsroom)]])
    example = next((q for q in st.service.current.examples if q != answer.question), None)
    rendered = to_html(answer, 0, st.per_page, echo=echo, example=example)
    sent = await reply(update, context, rendered, markup)
    remembered = conversation.context()
    if sent is not None and answer.results and remembered is not None:
        answered = _answered(context)
        answered[sent.message_id] = remembered
        while len(answered) > ANSWERS_REMEMBERED:
            del answered[next(iter(answered))]


def _record(
    update: Update, context: ContextTypes.DEFAULT_TYPE, answer: Answer, answerer: Answerer
) -> str | None:
    """Queue the question for the feedback store (never waits); its id, or None when not recorded."""
    feedback = state(context).feedback
    asker = update.effective_user or update.effective_chat
    if feedback is None or asker is None:
        return None
    return feedback.asked(answer, "telegram", asker.id, answerer.index.fingerprint)


async def question_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message in a private chat is a question; so is the caption of a photo or file."""
    message = update.effective_message
    if message is None:
        return
    question = message.text or message.caption
    if not question or not await _within_limit(update, context):
        return
    await answer_question(update, context, question)


def addressed_question(message: Message, bot: Bot) -> str | None:
    """The question in a group message that mentions or replies to the bot; None if not for it."""
    body = message.text or message.caption or ""
    mentioned = False
    if bot.username:
        pattern = re.compile(rf"@{re.escape(bot.username)}\b", re.IGNORECASE)
        if pattern.search(body):
            mentioned = True
            body = pattern.sub(" ", body)
    entities = (
        message.parse_entities([MessageEntity.TEXT_MENTION])
        if message.text
        else message.parse_caption_entities([MessageEntity.TEXT_MENTION])
    )
    for entity, value in entities.items():
        if entity.user is not None and entity.user.id == bot.id:
            mentioned = True
            body = body.replace(value, " ", 1)
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        mentioned = True
    return " ".join(body.split()) if mentioned else None


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group: answer text that mentions the bot or replies to it; ignore the rest."""
    message = update.effective_message
    if message is None:
        return
    question = addressed_question(message, context.bot)
    if question is None:
        return
    if not question:
        name = f"@{context.bot.username}" if context.bot.username else "me"
        await reply(update, context, text(f"Ask me after the mention, like: {name} who wrote the letter?"))
        return
    if await _within_limit(update, context):
        await answer_question(update, context, question)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask question: the way to ask in groups (works in private chats too)."""
    message = update.effective_message
    if message is None:
        return
    parts = (message.text or "").split(maxsplit=1)
    question = parts[1].strip() if len(parts) > 1 else ""
    if not question:
        await reply(update, context, text("Write the question after the command: /ask who wrote the letter?"))
        return
    if await _within_limit(update, context):
        await answer_question(update, context, question)


async def not_text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice and the like: ask for the question as text."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if chat.type != ChatType.PRIVATE:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
            return  # not addressed to the bot
    await reply(update, context, text(AS_TEXT))


# ---------------------------------------------------------------- buttons


async def _pressed_result_set(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[CallbackQuery, str, ResultSet, int] | None:
    """The result set a button points to, acknowledged: (query, key, kept, number); None when
    there is nothing to do (unparsable data, or an expired set: "ask again")."""
    query = update.callback_query
    press = callbacks.parse(query.data if query else None)
    if query is None or press is None:
        return None
    kept = state(context).results.get(press.key)
    if kept is None:
        await ack(query, EXPIRED)
        return None
    await ack(query)
    return query, press.key, kept, press.number


async def page_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"More results", "Previous" and "Back to results": show a page in place. Anyone may page."""
    pressed = await _pressed_result_set(update, context)
    if pressed is None:
        return
    query, key, kept, page = pressed
    st = state(context)
    per_page = st.per_page
    page = min(page, page_count(kept.answer, per_page) - 1)
    rendered = to_html(kept.answer, page, per_page)
    vote = st.marks.get((query.message.chat.id, key, page)) if query.message is not None else None
    markup = page_keyboard(kept.answer, key, page, per_page, kept.question_id is not None, vote)
    await edit_rendered(context.bot, query, rendered, markup)


async def section_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"Section [n]": the whole section around result n, with a way back to its page."""
    pressed = await _pressed_result_set(update, context)
    if pressed is None:
        return
    query, key, kept, number = pressed
    result = kept.answer.results[min(number, len(kept.answer.results) - 1)]
    section = await asyncio.to_thread(kept.answerer.section, result.passage_id)
    rendered = section_to_html(section, focus=result.citation.start, url=result.citation.url, rank=result.rank)
    page = (result.rank - 1) // state(context).per_page
    back = InlineKeyboardMarkup([[InlineKeyboardButton(BACK, callback_data=callbacks.data(callbacks.PAGE, key, page))]])
    await edit_rendered(context.bot, query, rendered, back)


async def example_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An example question from /start: ask it."""
    query = update.callback_query
    press = callbacks.parse(query.data if query else None)
    if query is None or press is None or not await _within_limit(update, context):
        return
    examples = state(context).service.current.examples
    number = int(press.key) if press.key.isdigit() else -1
    if not 0 <= number < len(examples):
        await ack(query, EXPIRED)
        return
    await ack(query)
    await answer_question(update, context, examples[number], echo=True)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button this version of the bot does not know (an old message): ask again."""
    query = update.callback_query
    if query is not None:
        await ack(query, EXPIRED)


# ---------------------------------------------------------------- commands


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: which articles the bot knows, and three example questions as buttons."""
    served = state(context).service.current
    index = served.answerer.index
    rendered = start_html(index.documents, len(index.passages), bool(served.examples))
    buttons = [
        [InlineKeyboardButton(q, callback_data=callbacks.data(callbacks.EXAMPLE, n))]
        for n, q in enumerate(served.examples)
    ]
    await reply(update, context, rendered, InlineKeyboardMarkup(buttons) if buttons else None)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: how to ask, the commands, what the citations mean."""
    await reply(update, context, help_html(context.bot.username))


def _sources_page(answerer: Answerer, offset: int) -> tuple[Rendered, InlineKeyboardMarkup | None]:
    """One /sources page and its "« Previous" / "More sources »" buttons."""
    page = answerer.sources(offset, SOURCES_PAGE)
    buttons = []
    if page.offset > 0:
        previous = max(page.offset - SOURCES_PAGE, 0)
        buttons.append(InlineKeyboardButton("« Previous", callback_data=callbacks.data(callbacks.SOURCES, previous)))
    if page.next_offset is not None:
        following = callbacks.data(callbacks.SOURCES, page.next_offset)
        buttons.append(InlineKeyboardButton("More sources »", callback_data=following))
    markup = InlineKeyboardMarkup([buttons]) if buttons else None
    return sources_html(page.documents, page.offset, page.total), markup


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: the documents with title, sections and link, a page at a time."""
    rendered, markup = _sources_page(state(context).service.answerer, 0)
    await reply(update, context, rendered, markup)


async def sources_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /sources page button: show that page in the same message."""
    query = update.callback_query
    press = callbacks.parse(query.data if query else None)
    if query is None or press is None or not press.key.isdigit():
        return
    answerer = state(context).service.answerer
    offset = int(press.key)
    if offset >= len(answerer.index.documents):
        await ack(query, EXPIRED)  # the index shrank since the list was shown
        return
    await ack(query)
    rendered, markup = _sources_page(answerer, offset)
    await edit_rendered(context.bot, query, rendered, markup)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have (private chats only)."""
    await reply(update, context, text(UNKNOWN_COMMAND))


async def admin_only(update: Update, context: ContextTypes.DEFAULT_TYPE, command: str) -> bool:
    """Whether the sender is one of the bot's admins; others are told so, and the refusal logged."""
    user = update.effective_user
    if user is not None and user.id in state(context).settings.admin_ids:
        return True
    log.info("refused %s from a user who is not an admin", command)
    await reply(update, context, text(NOT_ALLOWED))
    return False


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (admins only): rebuild or reload the index and answer from it, without a restart."""
    if not await admin_only(update, context, "/reload"):
        return
    st = state(context)
    if st.service.busy:
        await reply(update, context, text("A reload is already running."))
        return
    notes: list[str] = []
    ok, message = await asyncio.to_thread(st.service.reload, True, notes.append)
    if not ok:
        await reply(update, context, text(f"Reload failed; still answering from the previous index. {message}"))
        return
    index = st.service.answerer.index
    summary = f"Reloaded: {plural(len(index.documents), 'document')}, {plural(len(index.passages), 'passage')}."
    await reply(update, context, text("\n".join([summary, *notes[-5:]])))


