"""Load through the Bot API emulator: 50 users asking at once for five minutes, one of them
flooding, and an admin /reload in the middle. Prints the figures; exit code 0 when
  * every other user's answers arrived with p99 under 2 s and none was lost,
  * the flooder got at most one "slow down" notice per rate-limit window (and at least one),
  * no user got an apology, the /reload answered, and the emulator rejected no call.

    .venv/bin/python -m tests.stress.load                    # 50 users, 300 s
    .venv/bin/python -m tests.stress.load --seconds 60       # a shorter run

The real `qabot telegram` process runs at WARNING with the default flood limit (20 questions a
minute). Normal users think 2.5-4.5 s between questions, so they stay under that limit; the
flooder sends 10 messages a second without waiting. Latency runs from the user's message reaching
the emulator to the emulator accepting the bot's answer. RSS is the bot process's resident memory
(VmRSS) after warm-up and at the end.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.telegram_load import Answers, percentile, questions  # noqa: E402
from index import build_index  # noqa: E402
from tests.emulator import BotApiEmulator  # noqa: E402
from tests.telegram_support import DOCS, TOKEN, launch_bot  # noqa: E402

NOTICE = "faster than I can answer"
SORRY = "Sorry, something went wrong"
RATE_LIMIT, WINDOW = 20, 60.0
ADMIN = 99_999


def rss_kb(pid: int) -> int:
    """Resident memory of process `pid` in kB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run(users: int, seconds: float, seed: int = 0) -> int:
    """Run the load and print the figures; returns the exit code."""
    pool = questions()
    latencies: list[float] = []
    asked = lost = 0
    lock = threading.Lock()
    flood_sent = 0
    reload_reply: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, BotApiEmulator(token=TOKEN) as emu:
        index = Path(tmp) / "index.json"
        build_index([DOCS], index)
        bot = launch_bot(emu, Path(tmp) / "bot", index, QABOT_LOG_LEVEL="WARNING",
                         QABOT_RATE_LIMIT=str(RATE_LIMIT), QABOT_ADMIN_IDS=str(ADMIN))
        pid = bot.process.pid
        answers = Answers(emu)
        normal = [200_000 + n for n in range(users - 1)]
        flooder = 300_000
        for chat in [*normal, flooder, ADMIN]:
            answers.watch(chat)
        answers.thread.start()
        # Warm-up: one question, so the start RSS is the serving process, not the half-loaded one.
        emu.user_sends(pool[0], user_id=ADMIN)
        answers.wait(ADMIN, 1, timeout=30)
        rss_start = rss_kb(pid)
        rss_peak = rss_start
        stop_at = time.monotonic() + seconds

        def user(n: int) -> None:
            nonlocal asked, lost
            rng = random.Random(seed * 1000 + n)
            chat, got = normal[n], 0
            time.sleep(rng.uniform(0, 1.0))
            while time.monotonic() < stop_at:
                question = rng.choice(pool)
                sent = time.time()
                emu.user_sends(question, user_id=chat)
                with lock:
                    asked += 1
                arrived = answers.wait(chat, got + 1, timeout=30)
                if arrived is None:
                    with lock:
                        lost += 1
                    got = len(answers.arrived[chat])
                    continue
                got += 1
                with lock:
                    latencies.append(arrived - sent)
                time.sleep(rng.uniform(2.5, 4.5))

        def flood() -> None:
            nonlocal flood_sent
            while time.monotonic() < stop_at:
                emu.user_sends(f"{pool[flood_sent % len(pool)]} ({flood_sent})", user_id=flooder)
                flood_sent += 1
                time.sleep(0.1)

        def admin() -> None:
            time.sleep(seconds / 2)
            build_index([DOCS], index)  # the index file is rewritten (new inode) mid-run ...
            have = len(answers.arrived[ADMIN])
            emu.user_sends("/reload", user_id=ADMIN)  # ... and the admin reloads it
            if answers.wait(ADMIN, have + 1, timeout=60) is not None:
                reload_reply.append(emu.chat_messages(ADMIN)[-1]["text"])

        threads = [threading.Thread(target=user, args=(n,)) for n in range(users - 1)]
        threads += [threading.Thread(target=flood), threading.Thread(target=admin)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        samples: list[int] = []  # RSS once a minute: warm-up growth, then flat (or not)
        while any(t.is_alive() for t in threads):
            time.sleep(5)
            rss_peak = max(rss_peak, rss_kb(pid))
            if time.perf_counter() - started >= 60 * (len(samples) + 1):
                samples.append(rss_kb(pid))
        time.sleep(3)  # the flooder's last answers
        wall = time.perf_counter() - started
        rss_end = rss_kb(pid)
        answers.stop.set()
        sent = [c for c in emu.calls if c.ok and c.method == "sendMessage"]
        to_flooder = [(c.timestamp, c.params["text"]) for c in sent if c.result["chat"]["id"] == flooder]
        sorry = [c for c in sent if SORRY in c.params.get("text", "")]
        rejected = [c for c in emu.errors() if c.method != "getUpdates"]
        alive = bot.process.poll() is None
        bot.stop()
    notices = [t for t, text in to_flooder if NOTICE in text]
    gaps = [b - a for a, b in zip(notices, notices[1:], strict=False)]
    windows = math.ceil(wall / WINDOW)
    p99 = percentile(latencies, 0.99) if latencies else float("inf")
    print(f"users: {users} ({users - 1} asking, 1 flooding) + 1 admin, {wall:.0f} s")
    print(f"other users: asked {asked}, answered {len(latencies)}, lost {lost}")
    if latencies:
        print(f"latency question -> answer: p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    print(f"flooder: sent {flood_sent}, answered {len(to_flooder) - len(notices)}, notices {len(notices)} "
          f"(windows of {WINDOW:.0f} s: {windows}; gaps between notices: "
          f"{', '.join(f'{g:.0f} s' for g in gaps) or '-'})")
    print(f"reload mid-run: {reload_reply[0].splitlines()[0] if reload_reply else 'NO REPLY'}")
    print(f"apologies: {len(sorry)}, calls rejected: {len(rejected)}, bot alive at the end: {alive}")
    print(f"bot RSS: start {rss_start / 1024:.1f} MB, end {rss_end / 1024:.1f} MB, peak {rss_peak / 1024:.1f} MB; "
          f"each minute: {', '.join(f'{kb / 1024:.1f}' for kb in samples) or '-'} MB")
    ok = (
        lost == 0 and len(latencies) == asked and p99 < 2.0 and 1 <= len(notices) <= windows
        and all(g >= WINDOW - 1 for g in gaps) and bool(reload_reply)
        and reload_reply[0].startswith("Reloaded") and not sorry and not rejected and alive
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    return run(args.users, args.seconds, args.seed)


if __name__ == "__main__":
    sys.exit(main())
