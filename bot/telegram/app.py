"""Wiring for the Telegram bot: the Application (handlers, Defaults, startup and shutdown work) and
running it with PTB's own loop (long polling, or a webhook)."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import urllib.parse
from dataclasses import dataclass

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from index import load_or_build

from ..answer import Answerer
from ..config import DEFAULT_API_URL, Settings
from ..errors import EXIT_USAGE, ConfigError, StartError
from ..follow.fetch import Fetcher, fetch_policy
from ..logsafe import RedactingFilter, secret_parts, setup_logging
from ..ratelimit import FloodLimit
from ..results_store import ResultStore
from ..service import Service
from . import archive, callbacks, feedback, handlers
from .errors import error_handler
from .inline import inline_question
from .pacing import ChatPacedRateLimiter
from .state import STATE, BotState

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
COMMANDS = [
    BotCommand("start", "What I know, with example questions"),
    BotCommand("help", "How to ask, and what the citations mean"),
    BotCommand("sources", "The articles I answer from"),
    BotCommand("ask", "Ask a question (handy in groups)"),
]
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates in webhook mode, and the secret it sends back."""

    url: str
    listen: str
    port: int
    secret: str


def webhook(settings: Settings, url: str | None, listen: str | None, port: int | None) -> Webhook | None:
    """The webhook to serve (command-line values win over settings), or None for long polling."""
    url = url or settings.webhook_url
    if not url:
        return None
    secret = settings.webhook_secret
    if secret is None:
        # Telegram sends back whatever secret setWebhook was given: a fresh one works.
        secret = secrets.token_urlsafe(32)
    elif not _WEBHOOK_SECRET.fullmatch(secret):
        raise ConfigError("QABOT_WEBHOOK_SECRET may only hold A-Z, a-z, 0-9, _ and - (1-256)")
    return Webhook(url, listen or settings.webhook_listen, port or settings.webhook_port, secret)


def build_application(settings: Settings, service: Service) -> Application:
    """The Application with every handler registered and the shared state in bot_data."""
    if not settings.token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
    application = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(_file_url(settings.api_url))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(ChatPacedRateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .build()
    )
    application.bot_data[STATE] = BotState(
        settings=settings,
        service=service,
        results=ResultStore(settings.result_sets, settings.result_age),
        questions=FloodLimit(settings.rate_limit, 60.0),
        inline=FloodLimit(settings.rate_limit * 3, 60.0),
        fetcher=Fetcher(fetch_policy(settings)),
    )
    message = filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, handlers.allowlist_gate), group=-1)
    for name, callback in (
        ("start", handlers.start_command),
        ("help", handlers.help_command),
        ("sources", handlers.sources_command),
        ("ask", handlers.ask_command),
        ("reload", handlers.reload_command),
        ("report", feedback.report_command),
        ("add", archive.add_command),
    ):
        application.add_handler(CommandHandler(name, callback, filters=message))
    # A photo or file with a caption is asked like a text: the caption is the question.
    asked = (filters.TEXT & ~filters.COMMAND) | filters.CAPTION
    # Before the questions: a reply to "What were you looking for?" is a reason, not a question,
    # and in the editors' chat a reply to a forwarded question goes back to the reader.
    reason = message & ~filters.COMMAND & feedback.ReplyToPrompt()
    application.add_handler(MessageHandler(reason, feedback.reason_reply))
    if settings.editor_chat is not None:
        application.add_handler(MessageHandler(
            message & filters.Chat(settings.editor_chat) & ~filters.COMMAND & feedback.ReplyToForward(),
            feedback.newsroom_reply,
        ))
    # Before questions: a private message that is only a link is an article offered for the archive.
    application.add_handler(
        MessageHandler(message & filters.ChatType.PRIVATE & filters.Regex(archive.LINK), archive.link_message)
    )
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
    for kind, callback in (
        (callbacks.PAGE, handlers.page_button),
        (callbacks.SECTION, handlers.section_button),
        (callbacks.EXAMPLE, handlers.example_button),
        (callbacks.SOURCES, handlers.sources_button),
        (callbacks.UP, feedback.vote_button),
        (callbacks.DOWN, feedback.vote_button),
        (callbacks.NEWSROOM, feedback.newsroom_button),
        (callbacks.ADD, archive.add_button),
    ):
        application.add_handler(CallbackQueryHandler(callback, pattern=callbacks.pattern(kind)))
    application.add_handler(CallbackQueryHandler(handlers.stale_button))
    application.add_handler(InlineQueryHandler(inline_question))
    application.add_error_handler(error_handler)
    return application


def run_bot(settings: Settings, hook: Webhook | None) -> None:
    """Serve the index over Telegram until stopped; StartError when the bot cannot start."""
    if not settings.token:
        raise StartError(
            "no bot token: set TELEGRAM_BOT_TOKEN in .env (see .env.example) or in the environment", EXIT_USAGE
        )
    redactor = setup_logging(settings.log_level, [*secret_parts(settings.token), hook.secret if hook else ""])
    logging.getLogger("telegram.ext").addFilter(_not_startup_failures)
    if not settings.store_questions and logging.getLogger().level < logging.INFO:
        # PTB logs every update's payload at DEBUG: with question text kept nowhere, not there either.
        logging.getLogger("telegram").setLevel(logging.INFO)
    index = load_or_build(settings.index_path, settings.docs_dirs, log.info)
    answerer = Answerer(index, encoder=settings.semantic)
    log.info(answerer.mode())
    service = Service(answerer, settings.index_path, settings.docs_dirs, examples=True)
    try:
        serve(build_application(settings, service), hook)
    except InvalidToken:
        if settings.api_url != DEFAULT_API_URL:
            # A local Bot API server answers 404 for a wrong path just as for a wrong token.
            raise StartError(redactor.redact(
                f"the Bot API at {settings.api_url} rejected the bot token or has no such path "
                f"(tried {_tried(settings)}); check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL in .env "
                "or the environment"
            ), EXIT_USAGE) from None
        raise StartError(
            "Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN in .env "
            "or the environment (a new token comes from @BotFather)", EXIT_USAGE
        ) from None
    except NetworkError as err:
        where = redactor.redact(f"{settings.api_url} (tried {_tried(settings)})")
        raise StartError(f"cannot reach the Telegram Bot API at {where}: {_one_line(redactor, err)}") from None
    except OSError as err:  # e.g. the webhook port is taken
        raise StartError(f"cannot start the bot: {_one_line(redactor, err)}") from None
    except TelegramError as err:
        raise StartError(f"Telegram refused to start the bot: {_one_line(redactor, err)}") from None


def _not_startup_failures(record: logging.LogRecord) -> bool:
    """PTB logs a failed start with a traceback; run_bot says it in one line instead."""
    return not (record.levelno >= logging.ERROR and "Bootstrap Initialize" in record.getMessage())


def _tried(settings: Settings) -> str:
    """The first request's URL, with the token left out."""
    return f"{settings.api_url}<token>/getMe"


def _one_line(redactor: RedactingFilter, err: BaseException) -> str:
    return redactor.redact(" ".join(str(err).split()))


def serve(application: Application, hook: Webhook | None) -> None:
    """Run until SIGINT/SIGTERM: PTB initialises (a rejected token raises here), runs post_init,
    polls or listens, and on a signal stops, runs post_stop and shuts down."""
    if hook is None:
        log.info("long polling for updates")
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
        return
    log.info("webhook mode: listening on %s:%d for %s", hook.listen, hook.port, hook.url)
    application.run_webhook(
        listen=hook.listen,
        port=hook.port,
        url_path=urllib.parse.urlsplit(hook.url).path.strip("/"),
        webhook_url=hook.url,
        secret_token=hook.secret,
        allowed_updates=ALLOWED_UPDATES,
    )


def _file_url(api_url: str) -> str:
    """The file download URL that goes with a Bot API URL (`.../bot` -> `.../file/bot`)."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("bot")] + "file/bot"
    return base + "/file/bot"


async def _post_init(application: Application) -> None:
    """Startup work: the command menu, a warm index, the index watcher, the feedback store."""
    st: BotState = application.bot_data[STATE]
    service = st.service
    st.feedback = await asyncio.to_thread(feedback.open_recorder, st.settings)
    try:
        await application.bot.set_my_commands(COMMANDS)
    except TelegramError as err:  # the menu is a convenience: answer questions without it
        log.warning("could not register the command menu: %s", err)
    # The search loads its stemmer and word lists on the first word it does not know; pay that
    # once here, not in the first users' answers (several at once would each load them).
    index = service.answerer.index
    await asyncio.to_thread(index.warm_up)
    # A rebuilt index (`qabot index` run beside the bot) is picked up without a restart.
    service.start()
    archive.schedule_refresh(application)
    log.info(
        "@%s is answering from %d document(s), %d passages",
        application.bot.username,
        len(index.documents),
        len(index.passages),
    )


async def _post_stop(application: Application) -> None:
    """Shutdown work: stop watching the index; commit what the feedback store has queued."""
    log.info("stopping")
    st: BotState = application.bot_data[STATE]
    await asyncio.to_thread(st.service.stop)
    await st.fetcher.close()
    if st.feedback is not None:
        await asyncio.to_thread(st.feedback.close)
