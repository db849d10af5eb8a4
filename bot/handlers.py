"""Telegram handlers: one typed async function per user action, and the one error handler.

Shared state lives in `application.bot_data[STATE]` as a `BotState`, read back with `state()`.
Searches run in a worker thread; every message goes out through `send_rendered`/`edit_rendered`,
which resend once as plain text when Telegram refuses the HTML and follow migrated groups.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import cast

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ApplicationHandlerStop, ContextTypes

from index import QabotIndexError, load_or_build

from .answer import MAX_RESULTS, Answer, Answerer
from .config import Settings
from .examples import example_questions
from .followup import Context, Conversation
from .ratelimit import FloodLimit, Verdict
from .render import citation_line, plural
from .results_store import ResultSet, ResultStore
from .telegram_html import (
    Rendered,
    about,
    help_html,
    inline_hint_html,
    inline_html,
    page_count,
    section_to_html,
    shorten,
    sources_html,
    start_html,
    text,
    to_html,
)

log = logging.getLogger(__name__)

STATE = "qabot"
PAGES = 10  # a question can be paged through this many pages of results
INLINE_RESULTS = 10
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
CONFLICT_LOG_EVERY = 60.0

MORE = "More results"
PREVIOUS = "« Previous"
BACK = "« Back to results"
SECTIONS_PER_ROW = 3
ANSWERS_REMEMBERED = 50  # per chat: a reply to one of these answers follows on from it

EXPIRED = "These results have expired. Please ask your question again."
SLOW_DOWN = "You are asking faster than I can answer well. Please try again in {seconds} s."
AS_TEXT = "Please send me your question as text: I can only read words."
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
NOT_ALLOWED = "Sorry, only the bot's admins can do that."
UNKNOWN_COMMAND = "I don't know that command. Send /help to see what I can do."

_CALLBACK = re.compile(r"([psqo]):([A-Za-z0-9_-]{1,16})(?::(\d{1,3}))?")
SOURCES_PAGE = 10  # documents per /sources page


@dataclass
class BotState:
    """What the handlers share: the answerer, the result sets behind buttons, the flood limits."""

    settings: Settings
    answerer: Answerer
    results: ResultStore
    questions: FloodLimit
    inline: FloodLimit
    examples: list[str] = field(default_factory=list)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    conflict_logged: float | None = None

    @property
    def per_page(self) -> int:
        """Results per page: the configured number of results."""
        return self.settings.top_k


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    """The shared state, as put into bot_data by the application builder."""
    return cast(BotState, context.bot_data[STATE])


# ---------------------------------------------------------------- sending


def _cannot_parse(err: BadRequest) -> bool:
    return "can't parse entities" in err.message.lower()


def _not_modified(err: BadRequest) -> bool:
    return "message is not modified" in err.message.lower()


def _gone(err: BadRequest) -> bool:
    message = err.message.lower()
    return "message to edit not found" in message or "message can't be edited" in message


def _query_too_old(err: BadRequest) -> bool:
    message = err.message.lower()
    return "query is too old" in message or "query id is invalid" in message


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
                chat_id,
                rendered.html,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                reply_parameters=reply,
                message_thread_id=thread_id,
                link_preview_options=NO_PREVIEW,
            )
        except BadRequest as err:
            if not _cannot_parse(err):
                raise
            log.warning("Telegram refused a reply's HTML (%s); resending it as plain text", err)
            return await bot.send_message(
                chat_id,
                rendered.plain,
                parse_mode=None,
                reply_markup=markup,
                reply_parameters=reply,
                message_thread_id=thread_id,
                link_preview_options=NO_PREVIEW,
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
    for body, mode in ((rendered.html, ParseMode.HTML), (rendered.plain, None)):
        try:
            await bot.edit_message_text(
                body,
                parse_mode=mode,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
                **where,  # type: ignore[arg-type]
            )
            return
        except BadRequest as err:
            if _not_modified(err):
                return  # a double press: the message already shows this
            if _cannot_parse(err) and mode is not None:
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


async def _ack(query: CallbackQuery, notice: str | None = None, alert: bool = False) -> None:
    """Answer a button press (Telegram shows a spinner until then); a late answer is no error."""
    try:
        await query.answer(notice, show_alert=alert)
    except BadRequest as err:
        if not _query_too_old(err):
            raise
        log.info("a button press was answered too late (%s); acting on it anyway", err)


async def _typing(bot: Bot, chat_id: int, thread_id: int | None) -> None:
    """The typing indicator; a failure here must not stop the answer."""
    try:
        await bot.send_chat_action(chat_id, ChatAction.TYPING, message_thread_id=thread_id)
    except TelegramError as err:
        log.debug("typing indicator not shown: %s", type(err).__name__)


def _thread_id(message: Message | None) -> int | None:
    return message.message_thread_id if message is not None and message.is_topic_message else None


def _reply_to(update: Update) -> int | None:
    """In groups answers reply to the asking message; in private chats they need not."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or chat.type == ChatType.PRIVATE:
        return None
    return message.message_id


async def _reply(update: Update, context: ContextTypes.DEFAULT_TYPE, rendered: Rendered,
                 markup: InlineKeyboardMarkup | None = None) -> Message | None:
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
        thread_id=_thread_id(update.effective_message),
    )


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
            await _ack(query, notice, alert=True)
        else:
            await _reply(update, context, text(notice))
    elif query is not None:
        await _ack(query)
    return False


# ---------------------------------------------------------------- questions


def answer_keyboard(key: str, page: int, pages: int, shown: Sequence[int]) -> InlineKeyboardMarkup:
    """Paging buttons, and one section button per result on the page (`shown`: their ranks)."""
    paging = []
    if page > 0:
        paging.append(InlineKeyboardButton(PREVIOUS, callback_data=f"p:{key}:{page - 1}"))
    if page + 1 < pages:
        paging.append(InlineKeyboardButton(MORE, callback_data=f"p:{key}:{page + 1}"))
    # The button names the result it opens and carries its place in the result set, not the page.
    sections = [InlineKeyboardButton(section_label(r), callback_data=f"s:{key}:{r - 1}") for r in shown]
    rows = [sections[i : i + SECTIONS_PER_ROW] for i in range(0, len(sections), SECTIONS_PER_ROW)]
    return InlineKeyboardMarkup([paging, *rows] if paging else rows)


def _page_keyboard(key: str, answer: Answer, page: int, per_page: int) -> InlineKeyboardMarkup:
    shown = answer.results[page * per_page : (page + 1) * per_page]
    return answer_keyboard(key, page, page_count(answer, per_page), [r.rank for r in shown])


async def _search(
    context: ContextTypes.DEFAULT_TYPE, question: str, k: int, follows: Context | None = None
) -> tuple[Answer, Answerer]:
    """Answer in a worker thread, so one slow search never holds up other chats."""
    # One read of the index: the answer and its section buttons use the same one even if /reload
    # swaps it meanwhile.
    answerer = state(context).answerer.pinned()
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
    thread_id = _thread_id(update.effective_message)
    typing = asyncio.create_task(_typing(context.bot, chat.id, thread_id))
    conversation = _conversation(context)
    answer, answerer = await _search(
        context, question, min(MAX_RESULTS, st.per_page * PAGES), _follows(update, context)
    )
    conversation.record(answer)
    await typing
    markup = None
    if answer.results:
        key = st.results.put(answer, answerer.index)
        markup = _page_keyboard(key, answer, 0, st.per_page)
    example = next((q for q in st.examples if q != answer.question), None)
    rendered = to_html(answer, 0, st.per_page, echo=echo, example=example)
    sent = await _reply(update, context, rendered, markup)
    remembered = conversation.context()
    if sent is not None and answer.results and remembered is not None:
        answered = _answered(context)
        answered[sent.message_id] = remembered
        while len(answered) > ANSWERS_REMEMBERED:
            del answered[next(iter(answered))]


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
        await _reply(update, context, text(f"Ask me after the mention, like: {name} who wrote the letter?"))
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
        await _reply(update, context, text("Write the question after the command: /ask who wrote the letter?"))
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
    await _reply(update, context, text(AS_TEXT))


# ---------------------------------------------------------------- buttons


def _parse_callback(data: str | None) -> tuple[str, str, int] | None:
    match = _CALLBACK.fullmatch(data or "")
    if match is None:
        return None
    kind, key, page = match.groups()
    return kind, key, int(page or 0)


async def _pressed_result_set(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[CallbackQuery, str, ResultSet, int] | None:
    """The result set a button points to, acknowledged: (query, key, kept, number); None when
    there is nothing to do (unparsable data, or an expired set: "ask again")."""
    query = update.callback_query
    parsed = _parse_callback(query.data if query else None)
    if query is None or parsed is None:
        return None
    kept = state(context).results.get(parsed[1])
    if kept is None:
        await _ack(query, EXPIRED)
        return None
    await _ack(query)
    return query, parsed[1], kept, parsed[2]


async def page_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"More results", "Previous" and "Back to results": show a page in place. Anyone may page."""
    pressed = await _pressed_result_set(update, context)
    if pressed is None:
        return
    query, key, kept, page = pressed
    per_page = state(context).per_page
    page = min(page, page_count(kept.answer, per_page) - 1)
    rendered = to_html(kept.answer, page, per_page)
    await edit_rendered(context.bot, query, rendered, _page_keyboard(key, kept.answer, page, per_page))


async def section_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"Section [n]": the whole section around result n, with a way back to its page."""
    pressed = await _pressed_result_set(update, context)
    if pressed is None:
        return
    query, key, kept, number = pressed
    result = kept.answer.results[min(number, len(kept.answer.results) - 1)]
    section = await asyncio.to_thread(Answerer(kept.index).section, result.passage_id)
    rendered = section_to_html(section, focus=result.citation.start, url=result.citation.url, rank=result.rank)
    page = (result.rank - 1) // state(context).per_page
    back = InlineKeyboardMarkup([[InlineKeyboardButton(BACK, callback_data=f"p:{key}:{page}")]])
    await edit_rendered(context.bot, query, rendered, back)


async def example_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An example question from /start: ask it."""
    query = update.callback_query
    parsed = _parse_callback(query.data if query else None)
    if query is None or parsed is None or not await _within_limit(update, context):
        return
    examples = state(context).examples
    number = int(parsed[1]) if parsed[1].isdigit() else -1
    if not 0 <= number < len(examples):
        await _ack(query, EXPIRED)
        return
    await _ack(query)
    await answer_question(update, context, examples[number], echo=True)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button this version of the bot does not know (an old message): ask again."""
    query = update.callback_query
    if query is not None:
        await _ack(query, EXPIRED)


# ---------------------------------------------------------------- inline mode


def _inline_results(answer: Answer, plain: bool) -> list[InlineQueryResultArticle]:
    results = []
    for result in answer.results[:INLINE_RESULTS]:
        rendered = inline_html(result)
        content = InputTextMessageContent(
            rendered.plain if plain else rendered.html,
            parse_mode=None if plain else ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
        )
        results.append(
            InlineQueryResultArticle(
                id=str(result.passage_id),
                title=shorten(result.sentence.strip(), 120) or "Passage",
                description=shorten(citation_line(result.citation), 200),
                input_message_content=content,
            )
        )
    return results


def _inline_hint(context: ContextTypes.DEFAULT_TYPE, title: str) -> InlineQueryResultArticle:
    """The one result shown when there is nothing to offer: what to type, and an example."""
    st = state(context)
    examples = st.examples
    description = f"For example: {examples[0]}" if examples else "I reply with the passages that answer it."
    rendered = inline_hint_html(st.answerer.index.documents, context.bot.username)
    return InlineQueryResultArticle(
        id="hint",
        title=shorten(title, 120),
        description=shorten(description, 200),
        input_message_content=InputTextMessageContent(
            rendered.html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
        ),
    )


async def inline_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline mode: up to 10 passages with their citations, ready to send to any chat; a hint
    saying what to type when the query is empty, matches nothing or comes too fast."""
    query = update.inline_query
    if query is None:
        return
    st = state(context)
    question = query.query.strip()
    asking = f"Type a question about {about(st.answerer.index.documents)}"
    if not question:
        await query.answer([_inline_hint(context, asking)], cache_time=5, is_personal=True)
        return
    if st.inline.check(query.from_user.id) is not Verdict.ALLOW:
        wait = f"Too many questions: try again in {st.inline.retry_after(query.from_user.id)} s"
        await query.answer([_inline_hint(context, wait)], cache_time=5, is_personal=True)
        return
    answer, _ = await _search(context, question, INLINE_RESULTS)
    if not answer.results:
        hint = _inline_hint(context, f"Nothing found. {asking}")
        await query.answer([hint], cache_time=5, is_personal=True)
        return
    try:
        await query.answer(_inline_results(answer, plain=False), cache_time=60)
    except BadRequest as err:
        if not _cannot_parse(err):
            raise
        log.warning("Telegram refused inline results' HTML (%s); sending them as plain text", err)
        await query.answer(_inline_results(answer, plain=True), cache_time=60)


# ---------------------------------------------------------------- commands


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: which articles the bot knows, and three example questions as buttons."""
    st = state(context)
    index = st.answerer.index
    rendered = start_html(index.documents, len(index.passages), bool(st.examples))
    buttons = [[InlineKeyboardButton(q, callback_data=f"q:{n}")] for n, q in enumerate(st.examples)]
    await _reply(update, context, rendered, InlineKeyboardMarkup(buttons) if buttons else None)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: how to ask, the commands, what the citations mean."""
    await _reply(update, context, help_html(context.bot.username))


def _sources_page(answerer: Answerer, offset: int) -> tuple[Rendered, InlineKeyboardMarkup | None]:
    """One /sources page and its "« Previous" / "More sources »" buttons."""
    page = answerer.sources(offset, SOURCES_PAGE)
    buttons = []
    if page.offset > 0:
        buttons.append(InlineKeyboardButton("« Previous", callback_data=f"o:{max(page.offset - SOURCES_PAGE, 0)}"))
    if page.next_offset is not None:
        buttons.append(InlineKeyboardButton("More sources »", callback_data=f"o:{page.next_offset}"))
    markup = InlineKeyboardMarkup([buttons]) if buttons else None
    return sources_html(page.documents, page.offset, page.total), markup


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: the documents with title, sections and link, a page at a time."""
    rendered, markup = _sources_page(state(context).answerer, 0)
    await _reply(update, context, rendered, markup)


async def sources_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /sources page button: show that page in the same message."""
    query = update.callback_query
    parsed = _parse_callback(query.data if query else None)
    if query is None or parsed is None or not parsed[1].isdigit():
        return
    answerer = state(context).answerer
    offset = int(parsed[1])
    if offset >= len(answerer.index.documents):
        await _ack(query, EXPIRED)  # the index shrank since the list was shown
        return
    await _ack(query)
    rendered, markup = _sources_page(answerer, offset)
    await edit_rendered(context.bot, query, rendered, markup)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have (private chats only)."""
    await _reply(update, context, text(UNKNOWN_COMMAND))


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (admins only): rebuild or reload the index and answer from it, without a restart."""
    st = state(context)
    user = update.effective_user
    if user is None or user.id not in st.settings.admin_ids:
        log.info("refused /reload from a user who is not an admin")
        await _reply(update, context, text(NOT_ALLOWED))
        return
    if st.reload_lock.locked():
        await _reply(update, context, text("A reload is already running."))
        return
    async with st.reload_lock:
        notes: list[str] = []
        try:
            index = await asyncio.to_thread(
                load_or_build, st.settings.index_path, st.settings.docs_dirs, notes.append
            )
        except QabotIndexError as err:
            log.error("reload failed: %s", err)
            await _reply(update, context, text(f"Reload failed; still answering from the previous index. {err}"))
            return
        st.answerer.index = index  # one attribute swap: questions already running keep their index
        st.examples = await asyncio.to_thread(example_questions, st.answerer)
    log.info("reloaded: %d documents, %d passages", len(index.documents), len(index.passages))
    summary = f"Reloaded: {plural(len(index.documents), 'document')}, {plural(len(index.passages), 'passage')}."
    await _reply(update, context, text("\n".join([summary, *notes[-5:]])))


# ---------------------------------------------------------------- errors


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
    if isinstance(err, BadRequest) and (_not_modified(err) or _query_too_old(err)):
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
            await _reply(update, context, text(SORRY))
    except TelegramError as err:
        log.warning("could not apologise either: %s", type(err).__name__)
