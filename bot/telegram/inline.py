"""Inline mode (`@bot question` in any chat): cited passages ready to send, or a hint."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from ..answer import Answer
from ..ratelimit import Verdict
from ..render import citation_line
from .html import about, inline_hint_html, inline_html, shorten
from .send import cannot_parse
from .state import state

log = logging.getLogger(__name__)

INLINE_RESULTS = 10


def _inline_results(answer: Answer, plain: bool) -> list[InlineQueryResultArticle]:
    results = []
    for result in answer.results[:INLINE_RESULTS]:
        rendered = inline_html(result)
        # HTML and no preview are the Application's defaults; plain text turns the parse mode off.
        content = (
            InputTextMessageContent(rendered.plain, parse_mode=None)
            if plain
            else InputTextMessageContent(rendered.html)
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
    served = state(context).service.current
    examples = served.examples
    description = f"For example: {examples[0]}" if examples else "I reply with the passages that answer it."
    rendered = inline_hint_html(served.answerer.index.documents, context.bot.username)
    return InlineQueryResultArticle(
        id="hint",
        title=shorten(title, 120),
        description=shorten(description, 200),
        input_message_content=InputTextMessageContent(rendered.html),
    )


async def inline_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline mode: up to 10 passages with their citations, ready to send to any chat; a hint
    saying what to type when the query is empty, matches nothing or comes too fast."""
    query = update.inline_query
    if query is None:
        return
    st = state(context)
    answerer = st.service.answerer
    question = query.query.strip()
    asking = f"Type a question about {about(answerer.index.documents)}"
    if not question:
        await query.answer([_inline_hint(context, asking)], cache_time=5, is_personal=True)
        return
    if st.inline.check(query.from_user.id) is not Verdict.ALLOW:
        wait = f"Too many questions: try again in {st.inline.retry_after(query.from_user.id)} s"
        await query.answer([_inline_hint(context, wait)], cache_time=5, is_personal=True)
        return
    # Off the event loop, so one slow search never holds up other chats.
    answer = await asyncio.to_thread(answerer.answer, question, INLINE_RESULTS)
    if not answer.results:
        hint = _inline_hint(context, f"Nothing found. {asking}")
        await query.answer([hint], cache_time=5, is_personal=True)
        return
    try:
        await query.answer(_inline_results(answer, plain=False), cache_time=60)
    except BadRequest as err:
        if not cannot_parse(err):
            raise
        log.warning("Telegram refused inline results' HTML (%s); sending them as plain text", err)
        await query.answer(_inline_results(answer, plain=True), cache_time=60)
