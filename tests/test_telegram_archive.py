"""The bot over a many-document index: paged /sources, and a rebuilt index picked up live."""

from __future__ import annotations

import time
from pathlib import Path

from index import build_index
from tests.emulator import BotApiEmulator
from tests.telegram_support import assert_valid_output, launch_bot


def write_docs(folder: Path, count: int, topic: str = "harbour") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"story-{n:02d}.md").write_text(
            f"---\ntitle: Story {n:02d} about the {topic}\nurl: https://example.org/{n}\n---\n"
            f"The {topic} board met on day {n} and approved plan number {n}.\n",
            encoding="utf-8",
        )


def test_sources_pages_and_a_rebuilt_index_is_picked_up_without_restart(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, 23)
    index = tmp_path / "ix" / "index.json"
    build_index([docs], index)
    bot = launch_bot(emulator, tmp_path / "bot", index, QABOT_DOCS=str(docs))
    try:
        emulator.user_sends("/sources", user_id=4101)
        first = emulator.wait_for_bot_message(4101)
        assert "Documents 1-10 of 23" in first["text"] and "Story 00 about the harbour" in first["text"]
        assert "Story 10" not in first["text"]
        emulator.user_presses(first, "More sources »", user_id=4101)
        edit = emulator.wait_for_call("editMessageText")
        assert "Documents 11-20 of 23" in edit.result["text"] and "Story 10" in edit.result["text"]

        # A rebuild beside the running bot (a new topic word) is answered from without a restart.
        emulator.user_sends("lighthouse plan", user_id=4102)
        assert "I could not find that" in emulator.wait_for_bot_message(4102)["text"]
        write_docs(docs, 23, topic="lighthouse")
        build_index([docs], index)
        deadline = time.monotonic() + 20
        while True:
            emulator.user_sends("lighthouse plan", user_id=4102)
            text = emulator.wait_for_bot_message(4102)["text"]
            if "lighthouse" in text and "I could not find that" not in text:
                break
            assert time.monotonic() < deadline, "the rebuilt index was not picked up"
            time.sleep(1.5)
        assert "reloaded" in bot.logs()
        assert_valid_output(emulator)
    finally:
        bot.stop()
