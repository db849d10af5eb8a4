"""Wiring for the Telegram bot: building the Application and running it (long polling or webhook)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import secrets
import signal
import sys
import urllib.parse
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from index import load_or_build

from . import handlers
from .answer import Answerer
from .config import DEFAULT_API_URL, ConfigError, Settings
from .examples import example_questions
from .logsafe import RedactingFilter, secret_parts, setup_logging
from .ratelimit import FloodLimit
from .reloader import IndexReloader
from .results_store import ResultStore

log = logging.getLogger(__name__)

EXIT_USAGE = 2
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
COMMANDS = [
    BotCommand("start", "What I know, with example questions"),
    BotCommand("help", "How to ask, and what the citations mean"),
    BotCommand("sources", "The articles I answer from"),
    BotCommand("ask", "Ask a question (handy in groups)"),
]
# Telegram: about one message a second in one chat (short bursts pass), 20 a minute in a group.
CHAT_BURST = 3
CHAT_PER_SECOND = 1.0
_PACED_ENDPOINTS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})
_UNLIMITED_ENDPOINTS = frozenset({"sendChatAction"})
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ChatPacedRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (overall and per-group limits, 429s waited out) plus a per-chat pace.

    A 429 makes AIORateLimiter pause every request of the bot, so one user flooding their own chat
    would slow everyone down; pacing each chat below Telegram's limit keeps that from happening.
    """

    def __init__(self, burst: int = CHAT_BURST, per_second: float = CHAT_PER_SECOND, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._burst = burst
        self._per_second = per_second
        self._chats: dict[int | str, AsyncLimiter] = {}

    def _pace(self, chat_id: int | str) -> AsyncLimiter:
        if len(self._chats) > 1024:  # forget chats whose limiter is idle again
            for key, limiter in list(self._chats.items()):
                if limiter.has_capacity(limiter.max_rate):
                    del self._chats[key]
        if chat_id not in self._chats:
            self._chats[chat_id] = AsyncLimiter(self._burst, self._burst / self._per_second)
        return self._chats[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the chat's pace, then apply AIORateLimiter's limits and retries."""
        if endpoint in _UNLIMITED_ENDPOINTS:
            # Telegram's ~30 a second is about messages; counting typing indicators against it
            # would halve the answers the bot can send.
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        if endpoint in _PACED_ENDPOINTS and isinstance(chat_id, int | str):
            async with self._pace(chat_id):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


def build_application(settings: Settings, answerer: Answerer) -> Application:
    """The Application with every handler registered and the shared state in bot_data."""
    if not settings.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
    application = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(_file_url(settings.api_url))
        .rate_limiter(ChatPacedRateLimiter(max_retries=3))
        .concurrent_updates(True)
        .build()
    )
    application.bot_data[handlers.STATE] = handlers.BotState(
        settings=settings,
        answerer=answerer,
        results=ResultStore(settings.result_sets, settings.result_age),
        questions=FloodLimit(settings.rate_limit, 60.0),
        inline=FloodLimit(settings.rate_limit * 3, 60.0),
    )
    message = filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, handlers.allowlist_gate), group=-1)
    for name, callback in (
        ("start", handlers.start_command),
        ("help", handlers.help_command),
        ("sources", handlers.sources_command),
        ("ask", handlers.ask_command),
        ("reload", handlers.reload_command),
    ):
        application.add_handler(CommandHandler(name, callback, filters=message))
    # A photo or file with a caption is asked like a text: the caption is the question.
    asked = (filters.TEXT & ~filters.COMMAND) | filters.CAPTION
    application.add_handler(
        MessageHandler(message & filters.ChatType.PRIVATE & asked, handlers.question_message)
    )
    application.add_handler(
        MessageHandler(message & filters.ChatType.GROUPS & asked, handlers.group_message)
    )
    application.add_handler(
        MessageHandler(message & filters.ChatType.PRIVATE & filters.COMMAND, handlers.unknown_command)
    )
    application.add_handler(
        MessageHandler(message & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.not_text_message)
    )
    application.add_handler(CallbackQueryHandler(handlers.page_button, pattern=r"^p:"))
    application.add_handler(CallbackQueryHandler(handlers.section_button, pattern=r"^s:"))
    application.add_handler(CallbackQueryHandler(handlers.example_button, pattern=r"^q:"))
    application.add_handler(CallbackQueryHandler(handlers.sources_button, pattern=r"^o:"))
    application.add_handler(CallbackQueryHandler(handlers.stale_button))
    application.add_handler(InlineQueryHandler(handlers.inline_question))
    application.add_error_handler(handlers.error_handler)
    return application


def _file_url(api_url: str) -> str:
    """The file download URL that goes with a Bot API URL (`.../bot` -> `.../file/bot`)."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("bot")] + "file/bot"
    return base + "/file/bot"


async def _post_init(application: Application) -> None:
    """Startup work: the command menu and the example questions."""
    st: handlers.BotState = application.bot_data[handlers.STATE]
    try:
        await application.bot.set_my_commands(COMMANDS)
    except TelegramError as err:  # the menu is a convenience: answer questions without it
        log.warning("could not register the command menu: %s", err)
    st.examples = await asyncio.to_thread(example_questions, st.answerer)
    # The search loads its stemmer and word lists on the first word it does not know; pay that
    # once here, not in the first users' answers (several at once would each load them).
    await asyncio.to_thread(st.answerer.index.warm_up)
    index = st.answerer.index
    log.info(
        "@%s is answering from %d document(s), %d passages",
        application.bot.username,
        len(index.documents),
        len(index.passages),
    )


def run_bot(settings: Settings, args: argparse.Namespace) -> int:
    """Run the bot until it is stopped; returns the process exit code."""
    if not settings.token:
        print(
            "qabot: no bot token: set TELEGRAM_BOT_TOKEN in .env (see .env.example) "
            "or in the environment",
            file=sys.stderr,
        )
        return EXIT_USAGE
    webhook_url = getattr(args, "webhook_url", None) or settings.webhook_url
    secret = settings.webhook_secret
    if webhook_url:
        if secret is None:
            # Telegram sends back whatever secret setWebhook was given: a fresh one works.
            secret = secrets.token_urlsafe(32)
        elif not _WEBHOOK_SECRET.fullmatch(secret):
            raise ConfigError("QABOT_WEBHOOK_SECRET may only hold A-Z, a-z, 0-9, _ and - (1-256)")
    redactor = setup_logging(settings.log_level, [*secret_parts(settings.token), secret or ""])
    index = load_or_build(settings.index_path, settings.docs_dirs, log.info)
    answerer = Answerer(index, encoder=settings.semantic)
    log.info(answerer.mode())
    application = build_application(settings, answerer)
    try:
        asyncio.run(_serve(application, settings, args, webhook_url, secret))
    except InvalidToken:
        if settings.api_url != DEFAULT_API_URL:
            # A local Bot API server answers 404 for a wrong path just as for a wrong token.
            message = (
                f"qabot: the Bot API at {settings.api_url} rejected the bot token or has no such path "
                f"(tried {_tried(settings)}); check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL in .env "
                "or the environment"
            )
            print(redactor.redact(message), file=sys.stderr)
            return EXIT_USAGE
        print(
            "qabot: Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN in .env "
            "or the environment (a new token comes from @BotFather)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except NetworkError as err:
        where = redactor.redact(f"{settings.api_url} (tried {_tried(settings)})")
        print(f"qabot: cannot reach the Telegram Bot API at {where}: {_one_line(redactor, err)}", file=sys.stderr)
        return 1
    except OSError as err:  # e.g. the webhook port is taken
        print(f"qabot: cannot start the bot: {_one_line(redactor, err)}", file=sys.stderr)
        return 1
    except TelegramError as err:
        print(f"qabot: Telegram refused to start the bot: {_one_line(redactor, err)}", file=sys.stderr)
        return 1
    return 0


def _tried(settings: Settings) -> str:
    """The first request's URL, with the token left out."""
    return f"{settings.api_url}<token>/getMe"


def _one_line(redactor: RedactingFilter, err: BaseException) -> str:
    return redactor.redact(" ".join(str(err).split()))


async def _serve(
    application: Application,
    settings: Settings,
    args: argparse.Namespace,
    webhook_url: str | None,
    secret: str | None,
) -> None:
    """Initialise (getMe: a rejected token raises here), serve until SIGINT/SIGTERM, shut down."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    st: handlers.BotState = application.bot_data[handlers.STATE]
    # A rebuilt index file (`qabot index` run beside the bot) is picked up without a restart.
    reloader = IndexReloader(st.answerer, settings.index_path)
    reloader.start()
    try:
        async with application:
            await _serve_started(application, settings, args, webhook_url, secret, stop)
    finally:
        reloader.stop()


async def _serve_started(
    application: Application,
    settings: Settings,
    args: argparse.Namespace,
    webhook_url: str | None,
    secret: str | None,
    stop: asyncio.Event,
) -> None:
    """Start polling or the webhook and serve until `stop` is set."""
    await _post_init(application)
    updater = application.updater
    if updater is None:
        raise RuntimeError("the Application was built without an Updater")
    if webhook_url:
        listen = getattr(args, "listen", None) or settings.webhook_listen
        port = getattr(args, "port", None) or settings.webhook_port
        await updater.start_webhook(
            listen=listen,
            port=port,
            url_path=urllib.parse.urlsplit(webhook_url).path.strip("/"),
            webhook_url=webhook_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        log.info("webhook mode: listening on %s:%d for %s", listen, port, webhook_url)
    else:

        def polling_error(err: TelegramError) -> None:
            application.create_task(application.process_error(update=None, error=err))

        await updater.start_polling(
            allowed_updates=ALLOWED_UPDATES, error_callback=polling_error
        )
        log.info("long polling for updates")
    await application.start()
    await stop.wait()
    log.info("stopping")
    await updater.stop()
    await application.stop()
