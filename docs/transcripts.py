"""Writes docs/transcripts.md: what a user sees, produced by the real code, not typed by hand.

The Telegram part runs the real `qabot telegram` process against the Bot API emulator (real HTTP on
127.0.0.1) and records the messages as Telegram shows them, with their buttons; the console part
runs the chat at 80 columns.

    .venv/bin/python docs/transcripts.py
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from bot.answer import Answerer  # noqa: E402
from bot.console import Chat  # noqa: E402
from index import build_index, load_index  # noqa: E402
from tests.emulator import BotApiEmulator  # noqa: E402
from tests.telegram_support import DOCS, TOKEN, last_call_index, launch_bot  # noqa: E402

OUT = REPO / "docs" / "transcripts.md"
USER = 5001
QUESTION = "immigration police"
CONSOLE = ["What is the 287(g) program?", ":src 1", "hello", ":why"]


def shown(message: dict[str, Any], title: str) -> str:
    """A message as text: what Telegram shows, then its buttons, one row a line."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    buttons = ["  ".join(f"[ {b['text']} ]" for b in row) for row in rows]
    body = "\n".join([message["text"], *buttons])
    return f"### {title}\n\n```text\n{body}\n```\n"


def telegram(index: Path, workdir: Path) -> list[str]:
    with BotApiEmulator(token=TOKEN) as emu:
        bot = launch_bot(emu, workdir, index, QABOT_LOG_LEVEL="WARNING")
        try:
            emu.wait_for_call("setMyCommands", after_call_index=-1, timeout=30)
            start = last_call_index(emu)
            emu.user_sends("/start", user_id=USER)
            welcome = emu.wait_for_bot_message(USER, after_call_index=start)
            start = last_call_index(emu)
            emu.user_sends(QUESTION, user_id=USER)
            answer = emu.wait_for_bot_message(USER, after_call_index=start)
            page1 = shown(answer, f"A question: “{QUESTION}”")
            start = last_call_index(emu)
            emu.user_presses(answer, "More results")
            page2 = emu.wait_for_call("editMessageText", lambda c: c.ok, after_call_index=start).result
            start = last_call_index(emu)
            emu.user_presses(page2, "Section [5]")
            section = emu.wait_for_call("editMessageText", lambda c: c.ok, after_call_index=start).result
        finally:
            bot.stop()
    return [
        shown(welcome, "/start"),
        page1,
        shown(page2, "“More results”: page 2, a section button per result"),
        shown(section, "“Section [5]” on page 2"),
    ]


def console(index: Path) -> str:
    out = io.StringIO()
    session = Chat(Answerer(load_index(index)), 3, out, width=80)
    for line in CONSOLE:
        out.write(f"? {line}\n")
        session.handle(line)
    return f"### The console chat at 80 columns\n\n```text\n{out.getvalue()}```\n"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index.json"
        build_index([DOCS], index)
        parts = telegram(index, Path(tmp) / "bot")
        os.chdir(REPO)  # the console's index names files as a user of the repository sees them
        chat_index = Path(tmp) / "chat.json"
        build_index([DOCS.relative_to(REPO)], chat_index)
        parts.append(console(chat_index))
    head = (
        "# Transcripts\n\nWhat a user sees, made by `.venv/bin/python docs/transcripts.py` from the real "
        "code: the Telegram messages come from the real bot process talking to the Bot API emulator "
        "(bold, italics and links are not shown here; buttons are in `[ ]`, one row a line), the console "
        "from `qabot chat` at 80 columns.\n"
    )
    OUT.write_text("\n".join([head, *parts]), encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
