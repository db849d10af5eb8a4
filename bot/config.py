"""The one place that reads configuration: the environment, then a `.env` file, then defaults."""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from index import DEFAULT_DOCS, DEFAULT_INDEX

from .errors import ConfigError
from .logsafe import RedactingFilter, secret_parts

DEFAULT_API_URL = "https://api.telegram.org/bot"


@dataclass(frozen=True)
class Settings:
    """Everything qabot can be configured with (see .env.example)."""

    token: str | None = field(default=None, repr=False)  # never printed
    api_url: str = DEFAULT_API_URL
    docs_dirs: tuple[Path, ...] = (DEFAULT_DOCS,)
    index_path: Path = DEFAULT_INDEX
    top_k: int = 3
    allowed_chats: frozenset[int] = frozenset()
    admin_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    rate_limit: int = 20  # questions per user per minute in Telegram
    result_sets: int = 1000  # answers kept for their buttons
    result_age: float = 86400.0  # seconds an answer's buttons keep working
    semantic: bool = True  # rerank with the bundled encoder where installed (QABOT_SEMANTIC=off: BM25 alone)
    feedback: bool = True  # record questions and votes in the index's feedback database
    store_questions: bool = True  # off: the feedback database keeps counts and terms, no question text
    retention_days: int = 90  # feedback rows older than this are deleted
    editor_chat: int | None = None  # Telegram chat that "Ask the newsroom" forwards questions to
    # Followed feeds (`qabot follow`, bot/follow/): the fetcher's limits and the bot's schedule.
    fetch_allow: tuple[str, ...] = ()  # hosts or CIDR ranges fetched although private (intranets, tests)
    fetch_timeout: int = 20  # seconds per page, redirects included
    fetch_max_mb: int = 10  # a bigger page is cut off and skipped
    fetch_delay: int = 1  # seconds between two requests to one host
    refresh_minutes: int = 0  # the running bot refreshes the followed feeds this often (0: never)


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Read settings; variables set in the environment win over those in `env_file`."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    docs = get("QABOT_DOCS")
    token = get("TELEGRAM_BOT_TOKEN")
    try:
        base_url = api_url(get("TELEGRAM_API_URL"))
    except ConfigError as err:  # a URL pasted with the token in it must not print the token
        raise ConfigError(RedactingFilter(secret_parts(token)).redact(str(err))) from None
    return Settings(
        token=token,
        api_url=base_url,
        docs_dirs=tuple(Path(p) for p in docs.split(os.pathsep) if p) if docs else (DEFAULT_DOCS,),
        index_path=Path(get("QABOT_INDEX") or DEFAULT_INDEX),
        top_k=_int("QABOT_TOP_K", get("QABOT_TOP_K"), 3, low=1, high=10),
        allowed_chats=_ids("QABOT_ALLOWED_CHATS", get("QABOT_ALLOWED_CHATS")),
        admin_ids=_ids("QABOT_ADMIN_IDS", get("QABOT_ADMIN_IDS")),
        log_level=_level(get("QABOT_LOG_LEVEL")),
        webhook_url=get("QABOT_WEBHOOK_URL"),
        webhook_listen=get("QABOT_WEBHOOK_LISTEN") or "127.0.0.1",
        webhook_port=_int("QABOT_WEBHOOK_PORT", get("QABOT_WEBHOOK_PORT"), 8443, low=1, high=65535),
        webhook_secret=get("QABOT_WEBHOOK_SECRET"),
        rate_limit=_int("QABOT_RATE_LIMIT", get("QABOT_RATE_LIMIT"), 20, low=1, high=10000),
        result_sets=_int("QABOT_RESULT_SETS", get("QABOT_RESULT_SETS"), 1000, low=1, high=1_000_000),
        result_age=float(
            _int("QABOT_RESULT_MAX_AGE", get("QABOT_RESULT_MAX_AGE"), 86400, low=1, high=30 * 86400)
        ),
        semantic=_switch("QABOT_SEMANTIC", get("QABOT_SEMANTIC"), True),
        feedback=_switch("QABOT_FEEDBACK", get("QABOT_FEEDBACK"), True),
        store_questions=_switch("QABOT_STORE_QUESTIONS", get("QABOT_STORE_QUESTIONS"), True),
        retention_days=_int("QABOT_RETENTION_DAYS", get("QABOT_RETENTION_DAYS"), 90, low=1, high=36500),
        editor_chat=_chat_id("QABOT_EDITOR_CHAT", get("QABOT_EDITOR_CHAT")),
        fetch_allow=tuple(p for p in (get("QABOT_FETCH_ALLOW") or "").replace(",", " ").split() if p),
        fetch_timeout=_int("QABOT_FETCH_TIMEOUT", get("QABOT_FETCH_TIMEOUT"), 20, low=1, high=600),
        fetch_max_mb=_int("QABOT_FETCH_MAX_MB", get("QABOT_FETCH_MAX_MB"), 10, low=1, high=1024),
        fetch_delay=_int("QABOT_FETCH_DELAY", get("QABOT_FETCH_DELAY"), 1, low=0, high=600),
        refresh_minutes=_int("QABOT_REFRESH_MINUTES", get("QABOT_REFRESH_MINUTES"), 0, low=0, high=7 * 24 * 60),
    )


def api_url(raw: str | None) -> str:
    """TELEGRAM_API_URL as PTB's base URL, which the token is appended to: `.../bot`.

    Local Bot API servers document their address as the server root (`http://127.0.0.1:8081`);
    PTB would append the token to the port. The root gets `/bot`; any other path is kept."""
    if raw is None:
        return DEFAULT_API_URL
    url = raw.strip().rstrip("/")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(
            f"TELEGRAM_API_URL must be an http(s) URL such as https://api.telegram.org/bot or "
            f"http://127.0.0.1:8081, not {raw!r}"
        )
    return url + "/bot" if not parts.path else url


def _switch(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    value = raw.lower()
    if value in ("1", "on", "true", "yes"):
        return True
    if value in ("0", "off", "false", "no"):
        return False
    raise ConfigError(f"{name} must be on or off, not {raw!r}")


def _int(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _ids(name: str, raw: str | None) -> frozenset[int]:
    if raw is None:
        return frozenset()
    try:
        return frozenset(int(part) for part in raw.replace(",", " ").split())
    except ValueError:
        raise ConfigError(f"{name} must be a comma-separated list of numeric ids") from None


def _chat_id(name: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a numeric chat id such as -1001234567890, not {raw!r}") from None


def _level(raw: str | None) -> str:
    level = (raw or "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"QABOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {raw!r}")
    return level
