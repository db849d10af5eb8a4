"""Running the real `qabot telegram` process against the Bot API emulator, and checking its output."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.emulator import BotApiEmulator, check_telegram_html, utf16_len

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "articles"
# A token of Telegram's shape whose second half is distinctive enough to search logs for.
TOKEN = "7012345678:AAFz-Qabot_TestTokenSecondHalf_9x8y7w"
TOKEN_SECOND_HALF = TOKEN.split(":", 1)[1]
ARTICLE_TITLE = "Push for police to stop working with US immigration agencies"
SENDING_METHODS = ("sendMessage", "editMessageText")
_RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ([A-Z]+) ")


def qabot_command() -> list[str]:
    """The installed `qabot` script next to this Python, else the module."""
    script = Path(sys.executable).with_name("qabot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def bot_env(api_url: str, workdir: Path, index: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process: nothing from the caller's TELEGRAM_/QABOT_ variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "QABOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        QABOT_INDEX=str(index),
        QABOT_DOCS=str(DOCS),
        QABOT_LOG_LEVEL="DEBUG",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class BotProcess:
    """A running `qabot telegram` process; its stdout and stderr go to `log_path`."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def logs(self) -> str:
        """Everything the process has written so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then SIGKILL if it does not stop; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


def launch_bot(
    emulator: BotApiEmulator | None,
    workdir: Path,
    index: Path,
    *,
    api_url: str | None = None,
    wait_for: str | None = "deleteWebhook",
    timeout: float = 30.0,
    **extra: str,
) -> BotProcess:
    """Start `qabot telegram` in `workdir`; wait until it calls `wait_for` on the emulator."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"bot-{time.monotonic_ns()}.log"
    url = api_url or (emulator.base_url if emulator is not None else "http://127.0.0.1:9/bot")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*qabot_command(), "telegram"],
            cwd=workdir,
            env=bot_env(url, workdir, index, **extra),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    bot = BotProcess(process, log_path)
    if emulator is not None and wait_for is not None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                emulator.wait_for_call(wait_for, timeout=0.2, after_call_index=-1)
                break
            except TimeoutError:
                if process.poll() is not None:
                    raise RuntimeError(f"the bot exited with {process.returncode}:\n{bot.logs()}") from None
                if time.monotonic() > deadline:
                    bot.stop()
                    raise RuntimeError(f"the bot did not start:\n{bot.logs()}") from None
    return bot


def sent_texts(emulator: BotApiEmulator, since: int = -1) -> list[dict[str, Any]]:
    """Params of every message text the emulator accepted from the bot after call `since`."""
    return [
        c.params
        for c in emulator.calls
        if c.index > since and c.ok and c.method in SENDING_METHODS
    ]


def assert_valid_output(
    emulator: BotApiEmulator, since: int = -1, expected_errors: tuple[str, ...] = ()
) -> None:
    """No call was rejected (scripted faults and `expected_errors` aside); every text the emulator
    accepted is valid Telegram HTML of at most 4096 UTF-16 units."""
    rejected = [
        (c.method, c.description)
        for c in emulator.errors()
        if c.index > since and not any(e in (c.description or "") for e in expected_errors)
    ]
    assert rejected == []
    for params in sent_texts(emulator, since):
        body = params["text"]
        shown = check_telegram_html(body) if params.get("parse_mode") == "HTML" else body
        assert utf16_len(shown.strip()) <= 4096
    for call in emulator.calls:
        if call.index > since and call.ok and call.method == "answerInlineQuery":
            for result in call.params["results"]:
                content = result["input_message_content"]
                shown = check_telegram_html(content["message_text"])
                assert utf16_len(shown.strip()) <= 4096


def last_call_index(emulator: BotApiEmulator) -> int:
    """The index of the newest call, -1 when there is none."""
    calls = emulator.calls
    return calls[-1].index if calls else -1


def wait_quiet(emulator: BotApiEmulator, seconds: float = 1.0) -> None:
    """Wait until the bot made no call for `seconds` (a way to see that nothing more comes)."""
    last = last_call_index(emulator)
    while True:
        time.sleep(seconds)
        now = last_call_index(emulator)
        if now == last:
            return
        last = now


def log_records(logs: str) -> list[tuple[str, str]]:
    """(level, text) of each record in bot output; traceback lines belong to their record, and
    the CLI's own one-line messages ("qabot: ...") are records of level OUTPUT."""
    records: list[tuple[str, str]] = []
    for line in logs.splitlines():
        match = _RECORD_START.match(line)
        if match:
            records.append((match.group(1), line))
        elif line.startswith("qabot: ") or not records:
            records.append(("OUTPUT", line))
        else:
            records[-1] = (records[-1][0], records[-1][1] + "\n" + line)
    return records
