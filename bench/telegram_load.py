"""Load figure for the Telegram bot: questions answered per second and question -> answer latency.

Runs the real `qabot telegram` process against the Bot API emulator (real HTTP on 127.0.0.1) with
N simulated users in their own private chats. Each user asks a question from the evaluation set,
waits for the answer, optionally "thinks", and asks the next one. Latency is measured from the
user's message reaching the emulator to the emulator accepting the bot's answer.

    .venv/bin/python bench/telegram_load.py                # 20 users, 15 questions each
    .venv/bin/python bench/telegram_load.py --think 1.0    # users pause 1 s between questions
    .venv/bin/python bench/telegram_load.py --ramp         # add users until answers/s stop rising,
                                                           # then hold the ceiling for 60 s
    .venv/bin/python bench/telegram_load.py --feedback --users 50 --questions 200 --vote-every 10 --think 2.5
                                    # the feedback store's cost: the same load with QABOT_FEEDBACK=off
                                    # (no votes) and on (every 10th answer voted), side by side

The bot paces each chat at about one message a second (Telegram's limit, with short bursts), so
with no think time a user's answers queue behind that pace: the figure then shows the pace, not
the search. Use --think to see the bot's own latency.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from index import build_index  # noqa: E402
from tests.emulator import BotApiEmulator  # noqa: E402
from tests.emulator.server import _Server  # noqa: E402
from tests.telegram_support import DOCS, TOKEN, launch_bot  # noqa: E402

EVAL = REPO / "docs" / "eval" / "article.jsonl"
LOOKING_FOR = "What were you looking for?"  # the bot's question after a 👎 (a message, not an answer)
# The emulator's HTTP server keeps socketserver's listen backlog of 5: when the bot opens its first
# 40 connections at once, the kernel drops SYNs and the client retries after 1 s and 3 s, which
# measures the emulator, not the bot. Telegram's servers have no such limit.
_Server.request_queue_size = 128


def questions() -> list[str]:
    """The evaluation set's questions that have an answer in the article."""
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows if row.get("gold")]


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Answers:
    """One thread follows the emulator's call log and wakes the user whose chat got an answer.

    (Twenty threads blocking in the emulator's own wait helpers would each rescan the whole call
    log under its lock on every request, and slow the emulator down: the figure would be theirs.)
    """

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.arrived: dict[int, list[float]] = {}
        self.messages: dict[int, list[dict]] = {}
        self.events: dict[int, threading.Event] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._follow, daemon=True)

    def watch(self, chat: int) -> None:
        self.arrived[chat] = []
        self.messages[chat] = []
        self.events[chat] = threading.Event()

    def wait(self, chat: int, count: int, timeout: float) -> float | None:
        """When the chat's `count`-th answer arrived (emulator clock), None on timeout."""
        deadline = time.monotonic() + timeout
        while len(self.arrived[chat]) < count:
            if not self.events[chat].wait(max(0.0, deadline - time.monotonic())):
                return None
            self.events[chat].clear()
        return self.arrived[chat][count - 1]

    def _follow(self) -> None:
        seen = 0
        while not self.stop.is_set():
            calls = self.emu.calls
            for call in calls[seen:]:
                if call.ok and call.method == "sendMessage":
                    chat = call.result["chat"]["id"]
                    if call.result.get("text", "").startswith(LOOKING_FOR):
                        continue  # the question after a 👎, not an answer
                    if chat in self.arrived:
                        self.messages[chat].append(call.result)
                        self.arrived[chat].append(call.timestamp)
                        self.events[chat].set()
            seen = len(calls)
            time.sleep(0.002)


def run(users: int, per_user: int, think: float) -> int:
    """Run the load and print the figures; returns the exit code."""
    pool = questions()
    latencies: list[float] = []
    first_round: list[float] = []
    lost: list[int] = []
    lock = threading.Lock()
    with tempfile.TemporaryDirectory() as tmp, BotApiEmulator(token=TOKEN) as emu:
        index = Path(tmp) / "index.json"
        build_index([DOCS], index)
        bot = launch_bot(
            emu, Path(tmp) / "bot", index, QABOT_LOG_LEVEL="WARNING", QABOT_RATE_LIMIT="10000"
        )
        answers = Answers(emu)
        chats = [100_000 + n for n in range(users)]
        for chat in chats:
            answers.watch(chat)
        answers.thread.start()
        try:
            def user(n: int) -> None:
                chat = chats[n]
                for i in range(per_user):
                    question = pool[(n * per_user + i) % len(pool)]
                    sent = time.time()
                    emu.user_sends(question, user_id=chat)
                    arrived = answers.wait(chat, i + 1, timeout=60)
                    if arrived is None:
                        with lock:
                            lost.append(chat)
                        return
                    with lock:
                        latencies.append(arrived - sent)
                        if i == 0:
                            first_round.append(arrived - sent)
                    if think:
                        time.sleep(think)

            threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        finally:
            answers.stop.set()
            bot.stop()
        rejected = [c for c in emu.errors() if c.method != "getUpdates"]
    asked = users * per_user
    print(f"users: {users}, questions each: {per_user}, think time: {think:.1f} s")
    print(f"answered: {len(latencies)} of {asked} in {wall:.1f} s")
    if latencies:
        print(f"throughput: {len(latencies) / wall:.1f} questions/second")
        print(
            f"latency question -> answer: p50 {percentile(latencies, 0.50) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, "
            f"mean {statistics.fmean(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
        )
        print(
            f"first question of each user (all at once, cold connections): "
            f"max {max(first_round) * 1000:.0f} ms"
        )
    print(f"calls the emulator rejected (429s included): {len(rejected)}")
    if lost:
        print(f"users whose answer never came: {sorted(set(lost))}")
    return 0 if len(latencies) == asked else 1


@dataclass
class FeedbackRun:
    """One run of --feedback: answers' and votes' latencies, and what the database then held."""

    store: bool
    seconds: float
    latencies: list[float]
    vote_latencies: list[float]
    asked: int
    votes_sent: int
    votes_acknowledged: int
    stored_questions: int | None
    stored_votes: int | None
    bot_cpu: float


def feedback_run(users: int, per_user: int, vote_every: int, think: float, store: bool) -> FeedbackRun:
    """`users` readers ask `per_user` distinct questions each; with the store on, every
    `vote_every`-th answer gets a 👍 or 👎 and the reader waits for the bot's "Thanks"."""
    import sqlite3

    from bot.feedback import database_path

    pool = questions()
    latencies: list[float] = []
    vote_latencies: list[float] = []
    sent_votes = [0]
    lock = threading.Lock()
    with tempfile.TemporaryDirectory() as tmp, BotApiEmulator(token=TOKEN) as emu:
        index = Path(tmp) / "index.json"
        build_index([DOCS], index)
        bot = launch_bot(
            emu, Path(tmp) / "bot", index, QABOT_LOG_LEVEL="WARNING", QABOT_RATE_LIMIT="10000",
            QABOT_FEEDBACK="on" if store else "off",
        )
        answers = Answers(emu)
        chats = [300_000 + n for n in range(users)]
        for chat in chats:
            answers.watch(chat)
        answers.thread.start()

        def user(n: int) -> None:
            chat = chats[n]
            due = False  # a vote is due: on this answer, or the next one that has the buttons
            for i in range(per_user):
                # Worded anew each time, as real readers' questions are: no cache (the encoder's memo) helps.
                question = f"{pool[(n * per_user + i) % len(pool)]} ({n}.{i})"
                sent = time.time()
                emu.user_sends(question, user_id=chat)
                arrived = answers.wait(chat, i + 1, timeout=60)
                if arrived is None:
                    return
                with lock:
                    latencies.append(arrived - sent)
                message = answers.messages[chat][i]
                due = due or (store and (i + 1) % vote_every == 0)
                if due and "reply_markup" in message:  # "not found" answers have nothing to rate
                    due = False
                    pressed = time.time()
                    query = emu.user_presses(message, "👍" if (n + i) % 2 else "👎", user_id=chat)
                    with lock:
                        sent_votes[0] += 1
                    while (reply := emu.callback_answer(query)) is None and time.time() - pressed < 60:
                        time.sleep(0.005)
                    if reply is not None and reply["text"].startswith("Thanks"):
                        with lock:
                            vote_latencies.append(time.time() - pressed)
                if think:
                    time.sleep(think)

        threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
        started, bot0 = time.perf_counter(), cpu_seconds(bot.process.pid)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall, bot_cpu = time.perf_counter() - started, cpu_seconds(bot.process.pid) - bot0
        answers.stop.set()
        bot.stop()
        stored_questions = stored_votes = None
        if store:
            with sqlite3.connect(database_path(index)) as conn:
                stored_questions = conn.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
                stored_votes = conn.execute("SELECT COUNT(*) FROM votes").fetchone()[0]
    return FeedbackRun(store, wall, latencies, vote_latencies, users * per_user, sent_votes[0],
                       len(vote_latencies), stored_questions, stored_votes, bot_cpu / wall)


def feedback_compare(users: int, per_user: int, vote_every: int, think: float, rounds: int) -> int:
    """Runs without and with the store, alternating, and prints them side by side."""
    print(f"{users} users, {per_user} distinct questions each, think {think:.1f} s; with the store every "
          f"{vote_every}th answer is voted on (the reader waits for the bot's \"Thanks\")\n")
    print("| run | store | answered | answers/s | p50 | p99 | votes acknowledged | vote p50 | vote p99 "
          "| rows stored (questions / votes) | bot CPU |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    runs: list[FeedbackRun] = []
    for round_ in range(rounds):
        for store in (False, True):
            run_ = feedback_run(users, per_user, vote_every, think, store)
            runs.append(run_)
            lat, votes = run_.latencies, run_.vote_latencies
            print(
                f"| {round_ + 1} | {'on' if store else 'off'} | {len(lat)} of {run_.asked} "
                f"| {len(lat) / run_.seconds:.1f} | {_ms(lat, 0.5)} | {_ms(lat, 0.99)} "
                f"| {f'{run_.votes_acknowledged} of {run_.votes_sent}' if store else '-'} "
                f"| {_ms(votes, 0.5) if store else '-'} | {_ms(votes, 0.99) if store else '-'} "
                f"| {f'{run_.stored_questions} / {run_.stored_votes}' if store else '-'} | {run_.bot_cpu:.0%} |",
                flush=True,
            )
    off = [p for r in runs if not r.store for p in [percentile(r.latencies, 0.99)]]
    on = [p for r in runs if r.store for p in [percentile(r.latencies, 0.99)]]
    print(f"\nanswers' p99, median over rounds: without the store {statistics.median(off) * 1000:.0f} ms, "
          f"with it {statistics.median(on) * 1000:.0f} ms (ratio {statistics.median(on) / statistics.median(off):.2f})")
    lost = [r for r in runs if r.store and (r.stored_questions != r.asked or r.stored_votes != r.votes_acknowledged
                                            or r.votes_acknowledged != r.votes_sent)]
    print(f"runs with the store that lost a question or a vote: {len(lost)}")
    return 1 if lost else 0


def _ms(values: list[float], share: float) -> str:
    return f"{percentile(values, share) * 1000:.0f} ms" if values else "-"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Step:
    """One load level: answers per second, latencies and CPU over its measured window."""

    users: int
    seconds: float
    answers: int
    p50: float
    p99: float
    bot_cpu: float  # share of one core
    driver_cpu: float  # the emulator and the simulated users, this process

    @property
    def rate(self) -> float:
        return self.answers / self.seconds


def ramp(
    start: int, step: int, most: int, seconds: float, sustain: float, think: float, distinct: bool = False
) -> int:
    """Add users until answers per second stop rising (under 5% more), then hold the best level."""
    pool = questions()
    samples: list[tuple[float, float]] = []  # (answer arrived, latency)
    lock = threading.Lock()
    active = [0]
    stop = threading.Event()
    with tempfile.TemporaryDirectory() as tmp, BotApiEmulator(token=TOKEN) as emu:
        index = Path(tmp) / "index.json"
        build_index([DOCS], index)
        bot = launch_bot(emu, Path(tmp) / "bot", index, QABOT_LOG_LEVEL="WARNING", QABOT_RATE_LIMIT="10000")
        answers = Answers(emu)
        chats = [200_000 + n for n in range(most)]
        for chat in chats:
            answers.watch(chat)
        answers.thread.start()

        def user(n: int) -> None:
            asked = 0
            while not stop.is_set():
                if n >= active[0]:
                    time.sleep(0.05)
                    continue
                sent = time.time()
                text = pool[(n + asked) % len(pool)]
                if distinct:  # a wording never asked before: no cache (the encoder's memo) helps
                    text = f"{text} ({n}.{asked})"
                emu.user_sends(text, user_id=chats[n])
                asked += 1
                arrived = answers.wait(chats[n], asked, timeout=60)
                if arrived is None:
                    return
                with lock:
                    samples.append((arrived, arrived - sent))
                if think:
                    time.sleep(think)

        def measure(users: int, length: float) -> Step:
            active[0] = users
            time.sleep(min(5.0, length / 4))  # let the new users' first bursts pass
            t0, bot0, own0 = time.time(), cpu_seconds(bot.process.pid), sum(os.times()[:2])
            time.sleep(length)
            t1, bot1, own1 = time.time(), cpu_seconds(bot.process.pid), sum(os.times()[:2])
            with lock:
                window = [lat for at, lat in samples if t0 <= at < t1]
            return Step(
                users, t1 - t0, len(window),
                percentile(window, 0.5) if window else math.nan,
                percentile(window, 0.99) if window else math.nan,
                (bot1 - bot0) / (t1 - t0), (own1 - own0) / (t1 - t0),
            )

        threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(most)]
        for thread in threads:
            thread.start()
        steps: list[Step] = []
        try:
            users = start
            while users <= most:
                steps.append(measure(users, seconds))
                print(_row(steps[-1]), flush=True)
                best = max(steps[:-1], key=lambda s: s.rate, default=None)
                if best is not None and steps[-1].rate < best.rate * 1.05:
                    break
                users += step
            ceiling = max(steps, key=lambda s: s.rate)
            held = measure(ceiling.users, sustain)
            print(_row(held, f"held {sustain:.0f} s"), flush=True)
        finally:
            stop.set()
            answers.stop.set()
            bot.stop()
        rejected = [c for c in emu.errors() if c.method != "getUpdates"]
    print(f"\nceiling: {ceiling.rate:.1f} answers/s with {ceiling.users} users; held for {sustain:.0f} s: "
          f"{held.rate:.1f} answers/s, p50 {held.p50 * 1000:.0f} ms, p99 {held.p99 * 1000:.0f} ms, "
          f"bot CPU {held.bot_cpu:.0%} of a core")
    print(f"calls the emulator rejected (429s included): {len(rejected)}")
    return 0


def _row(step: Step, label: str = "") -> str:
    return (f"| {step.users} {label} | {step.rate:.1f} | {step.p50 * 1000:.0f} ms | {step.p99 * 1000:.0f} ms "
            f"| {step.bot_cpu:.0%} | {step.driver_cpu:.0%} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=15, help="questions per user")
    parser.add_argument("--think", type=float, default=0.0, help="seconds a user waits between questions")
    parser.add_argument("--ramp", action="store_true", help="add users until answers/s stop rising")
    parser.add_argument("--distinct", action="store_true",
                        help="--ramp: every question worded anew, so no cache helps (the reranker embeds each)")
    parser.add_argument("--start", type=int, default=10, help="--ramp: users at the first level")
    parser.add_argument("--step", type=int, default=10, help="--ramp: users added per level")
    parser.add_argument("--most", type=int, default=120, help="--ramp: at most this many users")
    parser.add_argument("--seconds", type=float, default=20.0, help="--ramp: measured seconds per level")
    parser.add_argument("--sustain", type=float, default=60.0, help="--ramp: seconds the ceiling is held")
    parser.add_argument("--feedback", action="store_true",
                        help="the same load without and with the feedback store (votes too), side by side")
    parser.add_argument("--vote-every", type=int, default=10, help="--feedback: vote on every Nth answer")
    parser.add_argument("--rounds", type=int, default=1, help="--feedback: alternate off/on this many times")
    args = parser.parse_args()
    if args.feedback:
        return feedback_compare(args.users, args.questions, args.vote_every, args.think, args.rounds)
    if args.ramp:
        print("| users | answers/s | p50 | p99 | bot CPU (of one core) | emulator + users CPU |")
        print("|---|---|---|---|---|---|")
        return ramp(args.start, args.step, args.most, args.seconds, args.sustain, args.think, args.distinct)
    return run(args.users, args.questions, args.think)


if __name__ == "__main__":
    sys.exit(main())
