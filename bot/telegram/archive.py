"""Keeping the archive fresh from the running bot: the followed feeds refreshed on a schedule
(PTB's JobQueue), and editors adding an article by its link (/add URL, or a bare link in a private
chat): the bot fetches it, shows what it would add, and adds it when the editor presses the button."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import Application, ContextTypes

from index import QabotIndexError

from ..errors import QabotError
from ..follow.articles import Article, NotAnArticle
from ..follow.fetch import FetchError
from ..follow.refresh import add_article, fetch_article, refresh
from ..follow.state import load_state
from ..render import plural
from . import callbacks
from .html import Rendered, bold, italic, join, shorten, text
from .send import ack, edit_rendered, reply, typing
from .state import STATE, BotState, state

log = logging.getLogger(__name__)

ONLY_EDITORS = "Sorry, only editors can add articles. You can ask me questions about the ones I have."
ADD_USAGE = "Send /add with the article's link, for example: /add https://example.com/news/a-story"
ADD = "Add to the archive"
CANCEL = "Cancel"
PRIVATE_ONLY = "Please send me the link in a private chat: the preview is for your eyes."
GONE = "This link has expired, or it was sent by another editor. Please send it again."
FIRST_REFRESH_SECONDS = 5.0  # after start: an archive that was offline catches up at once
PREVIEW_PARAGRAPHS = 3
PREVIEW_CHARS = 700
# A private message that is one link and nothing else: an editor offering an article.
LINK = r"^\s*https?://\S+\s*$"


def schedule_refresh(application: Application) -> None:
    """Refresh the followed feeds every QABOT_REFRESH_MINUTES (nothing when it is 0)."""
    minutes = cast(BotState, application.bot_data[STATE]).settings.refresh_minutes
    if minutes <= 0 or application.job_queue is None:
        return
    application.job_queue.run_repeating(
        refresh_job, interval=minutes * 60.0, first=FIRST_REFRESH_SECONDS, name="refresh"
    )
    log.info("refreshing the followed feeds every %s", plural(minutes, "minute"))


async def refresh_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The scheduled refresh: new and corrected articles in, the index rebuilt and served."""
    st = state(context)
    try:
        if not load_state(st.service.path).feeds:
            return
        report = await refresh(st.service.path, st.settings.docs_dirs, st.fetcher, log.warning)
    except (QabotError, QabotIndexError) as err:
        log.warning("the scheduled refresh did not run: %s", err)
        return
    log.info(report.summary())
    if report.rebuilt:
        await asyncio.to_thread(st.service.check)


async def add_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/add URL (editors): fetch the article and show what would be added, with a confirm button."""
    await _propose(update, context, " ".join(context.args or []).strip())


async def link_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A bare link in a private chat: editors are offered to add it; others hear who can."""
    message = update.effective_message
    await _propose(update, context, (message.text or "").strip() if message else "")


async def _propose(update: Update, context: ContextTypes.DEFAULT_TYPE, url: str) -> None:
    st = state(context)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.id not in st.settings.admin_ids:
        log.info("refused an article link from a user who is not an editor")
        await reply(update, context, text(ONLY_EDITORS))
        return
    if chat.type != ChatType.PRIVATE:
        await reply(update, context, text(PRIVATE_ONLY))
        return
    if not url:
        await reply(update, context, text(ADD_USAGE))
        return
    await typing(context.bot, chat.id, None)
    try:
        article = await fetch_article(st.fetcher, url)
    except (FetchError, NotAnArticle) as err:
        await reply(update, context, text(f"I could not add {shorten(url, 200)}: {err}."))
        return
    if article is None:  # a 304 to a GET without validators: the server is confused
        await reply(update, context, text(f"I could not add {shorten(url, 200)}: the server sent no page."))
        return
    key = st.proposals.put(article, user.id)
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(ADD, callback_data=callbacks.data(callbacks.ADD, key, 1)),
        InlineKeyboardButton(CANCEL, callback_data=callbacks.data(callbacks.ADD, key, 0)),
    ]])
    await reply(update, context, preview_html(article), buttons)


def preview_html(article: Article) -> Rendered:
    """What an article would add: title, date, link, its first paragraphs, and the question."""
    facts = [f"published {article.published}" if article.published else "no date found", article.url]
    opening = shorten("\n".join(article.paragraphs[:PREVIEW_PARAGRAPHS]), PREVIEW_CHARS)
    return join([
        bold(text(shorten(article.title, 300))),
        italic(text(shorten(" · ".join(facts), 500))),
        text(""),
        text(opening),
        text(""),
        text(f"{plural(len(article.paragraphs), 'paragraph')}. Add it to the archive?"),
    ])


async def add_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"Add to the archive" / "Cancel" under an editor's link: add it (and serve it), or drop it."""
    query, user = update.callback_query, update.effective_user
    press = callbacks.parse(query.data if query else None)
    if query is None or press is None or user is None:
        return
    st = state(context)
    proposal = st.proposals.take(press.key, user.id) if user.id in st.settings.admin_ids else None
    if proposal is None:
        await ack(query, GONE if user.id in st.settings.admin_ids else ONLY_EDITORS)
        return
    title = shorten(proposal.article.title, 200)
    if press.number == 0:
        await ack(query)
        await edit_rendered(context.bot, query, text(f"Not added: {title}"), None)
        return
    await ack(query, "Adding it…")
    notes: list[str] = []
    try:
        change = await asyncio.to_thread(
            add_article, st.service.path, st.settings.docs_dirs, proposal.article, notes.append
        )
    except (QabotError, QabotIndexError, OSError) as err:
        log.warning("adding an article failed: %s", err)
        await edit_rendered(context.bot, query, text(f"Could not add {title}: {err}"), None)
        return
    await asyncio.to_thread(st.service.check)
    count = len(st.service.answerer.index.documents)
    if change is None:
        done = f"Already in the archive, unchanged: {title}"
    elif change.corrected:
        done = f"Updated in the archive (a corrected version): {title}. I answer from {plural(count, 'document')}."
    else:
        done = f"Added to the archive: {title}. I answer from {plural(count, 'document')} now."
    failed = [n for n in notes if "failed" in n or n.startswith("warning")]
    await edit_rendered(context.bot, query, text("\n".join([done, *failed[-2:]])), None)
