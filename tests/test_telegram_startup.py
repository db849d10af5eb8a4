"""The bot process's edges: missing or rejected token, unreachable API, 409 Conflict, webhook mode
with its secret token, and the chat allowlist. Each test runs its own `qabot telegram` process."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import api_url, load_settings
from bot.errors import ConfigError
from tests.emulator import BotApiEmulator
from tests.emulator.server import CONFLICT_POLLING
from tests.telegram_support import (
    ARTICLE_TITLE,
    TOKEN,
    TOKEN_SECOND_HALF,
    BotProcess,
    assert_valid_output,
    bot_env,
    last_call_index,
    log_records,
    qabot_command,
    wait_quiet,
)

StartBot = Callable[..., BotProcess]


def run_to_exit(workdir: Path, index: Path, api_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [*qabot_command(), "telegram"],
        cwd=workdir,
        env=bot_env(api_url, workdir, index, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_token_is_one_line_naming_env_and_exit_2(tmp_path: Path, article_index_path: Path) -> None:
    done = run_to_exit(tmp_path, article_index_path, "http://127.0.0.1:9/bot", TELEGRAM_BOT_TOKEN="")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0] and ".env" in lines[0]


def test_rejected_token_is_one_line_exit_2_and_never_printed(
    tmp_path: Path, article_index_path: Path
) -> None:
    with BotApiEmulator(token="999:another-bots-token-entirely") as emu:
        done = run_to_exit(tmp_path, article_index_path, emu.base_url)
    assert done.returncode == 2
    output = done.stdout + done.stderr
    assert TOKEN not in output and TOKEN_SECOND_HALF not in output
    assert "Traceback" not in output
    errors = [text for level, text in log_records(done.stderr) if level in ("OUTPUT", "ERROR")]
    assert len(errors) == 1 and "rejected the bot token" in errors[0] and ".env" in errors[0]


def test_unreachable_api_is_one_line_and_exit_1(tmp_path: Path, article_index_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = run_to_exit(tmp_path, article_index_path, f"http://127.0.0.1:{port}/bot")
    assert done.returncode == 1
    errors = [text for level, text in log_records(done.stderr) if level in ("OUTPUT", "ERROR")]
    assert len(errors) == 1 and "cannot reach the Telegram Bot API" in errors[0]
    assert "Traceback" not in done.stderr and TOKEN_SECOND_HALF not in done.stderr


def test_conflict_gets_one_clear_message_and_the_bot_keeps_serving(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    emulator.fail_next("getUpdates", 409, CONFLICT_POLLING, count=2)
    bot = start_bot(emulator)
    emulator.user_sends("ICE detainers", user_id=3001)
    answer = emulator.wait_for_bot_message(3001, timeout=20)
    assert ARTICLE_TITLE in answer["text"]
    conflicts = [t for level, t in log_records(bot.logs()) if level == "ERROR" and "409 Conflict" in t]
    assert len(conflicts) == 1
    assert "another instance of this bot is polling" in conflicts[0]
    assert "Traceback" not in conflicts[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post_update(port: int, update: dict[str, object], secret: str | None) -> int:
    """POST an update to the bot's webhook as Telegram would; returns the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/qabot-hook", json.dumps(update).encode(), headers, method="POST"
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as err:
            return int(err.code)
        except OSError:  # not listening yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_webhook_mode_checks_the_secret_token_on_every_request(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    port, secret = free_port(), "webhook_Secret-123456"
    bot = start_bot(
        emulator,
        wait_for="setWebhook",
        QABOT_WEBHOOK_URL="https://bot.example.invalid/qabot-hook",
        QABOT_WEBHOOK_PORT=str(port),
        QABOT_WEBHOOK_SECRET=secret,
    )
    call = emulator.wait_for_call("setWebhook", after_call_index=-1)
    assert call.params["url"] == "https://bot.example.invalid/qabot-hook"
    assert call.params["secret_token"] == secret
    emulator.add_chat(3101)
    message = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": 3101, "type": "private", "first_name": "Alice"},
        "from": {"id": 3101, "is_bot": False, "first_name": "Alice"},
        "text": "What is the 287(g) program?",
    }
    assert post_update(port, {"update_id": 1, "message": message}, None) == 403
    assert post_update(port, {"update_id": 2, "message": message}, "wrong-secret") == 403
    wait_quiet(emulator, 0.5)
    assert not [c for c in emulator.calls if c.method == "sendMessage"]  # refused: not answered
    assert post_update(port, {"update_id": 3, "message": message}, secret) == 200
    answer = emulator.wait_for_bot_message(3101)
    assert "287(g)" in answer["text"] and ARTICLE_TITLE in answer["text"]
    assert secret not in bot.logs()
    assert_valid_output(emulator)


def test_with_an_allowlist_other_chats_get_no_answer(
    emulator: BotApiEmulator, start_bot: StartBot
) -> None:
    start_bot(emulator, QABOT_ALLOWED_CHATS="3201, -1003201")
    start = last_call_index(emulator)
    emulator.user_sends("ICE detainers", user_id=3202)
    emulator.user_inline_query("ICE detainers", user_id=3202)
    emulator.user_sends("/start", user_id=3202)
    emulator.user_sends("ICE detainers", user_id=3201)
    assert ARTICLE_TITLE in emulator.wait_for_bot_message(3201)["text"]
    wait_quiet(emulator, 0.5)
    answered = [c for c in emulator.calls if c.index > start and c.method != "getUpdates"]
    assert {str(c.params.get("chat_id")) for c in answered} == {"3201"}
    assert_valid_output(emulator)


@pytest.mark.parametrize("suffix", ["", "/", "/bot", "/bot/"])
def test_the_api_url_may_be_the_server_root_or_the_bot_form(
    emulator: BotApiEmulator, start_bot: StartBot, suffix: str
) -> None:
    """Issue 12 item 9: `http://127.0.0.1:8081`, as local Bot API servers write their address,
    failed with InvalidURL("Invalid port: '8081[redacted]'")."""
    root = f"http://127.0.0.1:{emulator.port}"
    start_bot(emulator, api_url=root + suffix)
    emulator.user_sends("ICE detainers", user_id=3301)
    assert ARTICLE_TITLE in emulator.wait_for_bot_message(3301, timeout=20)["text"]


def test_an_api_url_that_does_not_work_says_what_was_tried(
    emulator: BotApiEmulator, tmp_path: Path, article_index_path: Path
) -> None:
    url = f"http://127.0.0.1:{emulator.port}/api"  # the emulator serves /bot<token>/ only
    done = run_to_exit(tmp_path, article_index_path, url)
    assert done.returncode == 2
    errors = [text for level, text in log_records(done.stderr) if level in ("OUTPUT", "ERROR")]
    assert len(errors) == 1, done.stderr
    assert f"tried {url}<token>/getMe" in errors[0] and "TELEGRAM_API_URL" in errors[0]
    assert TOKEN_SECOND_HALF not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081/bot"),
        ("http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot"),
        ("https://api.telegram.org/bot", "https://api.telegram.org/bot"),
        ("https://proxy.example/telegram/bot/", "https://proxy.example/telegram/bot"),
        (None, "https://api.telegram.org/bot"),
    ],
)
def test_api_url_forms(raw: str | None, expected: str) -> None:
    assert api_url(raw) == expected


@pytest.mark.parametrize("raw", ["127.0.0.1:8081", "ftp://x", "http://host:port", f"https://x/bot{TOKEN}?a=1"])
def test_unusable_api_urls_are_one_clear_line_without_the_token(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", raw)
    with pytest.raises(ConfigError, match="TELEGRAM_API_URL must be an http") as err:
        load_settings(None)
    assert TOKEN_SECOND_HALF not in str(err.value)
