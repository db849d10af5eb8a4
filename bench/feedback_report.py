"""The report's memory does not grow with the feedback database: peak RSS and time of
`qabot report --json` and `--csv` over 10k, 100k and 1M recorded questions (and a vote per 10).

    .venv/bin/python bench/feedback_report.py [--sizes 10000 100000 1000000]

Rows are generated straight into the database (a year of questions: 1M is about 2,700 a day), with
a realistic spread of not-found questions over 50,000 distinct term sets, so the grouping has work
to do. Each report runs in its own process; its peak RSS comes from the kernel (getrusage).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from bot.feedback import FeedbackStore, database_path  # noqa: E402

YEAR = 365 * 86400.0
STATUSES = ("answered",) * 6 + ("low_confidence",) * 2 + ("not_found",) * 2


def fill(index: Path, size: int) -> None:
    """`size` questions over the last year, a vote on every tenth."""
    path = database_path(index)
    FeedbackStore(path).close()
    rng = random.Random(size)
    now = time.time()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO questions VALUES (?, ?, ?, 'telegram', ?, ?, ?, ?, ?, ?, ?, ?, 'fp')",
            (
                (f"q{n}", now - rng.random() * YEAR * 0.24, f"user{rng.randrange(5000)}",
                 f"what about topic {t} and its {t % 97} sides, reader {n}?", f"side{t % 97} topic{t}",
                 rng.choice(STATUSES), rng.random(), f"doc{t % 3000}", f"Article {t % 3000}", 100, 400)
                for n in range(size) for t in [int(rng.paretovariate(1.2)) % 50_000]
            ),
        )
        conn.executemany(
            "INSERT INTO votes (question_id, at, user_key, vote, rank, doc_id, title, start_char, end_char, "
            "excerpt, confidence, fingerprint) VALUES (?, ?, 'u', ?, 1, ?, 'Article', 100, ?, ?, 0.5, 'fp')",
            ((f"q{n}", now - rng.random() * YEAR * 0.24, rng.choice((1, -1)), f"doc{n % 3000}", 400 + n % 7,
              "passage text " * 20) for n in range(0, size, 10)),
        )


def measure(index: Path, form: str, out: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, bytes written) of one report in a child process (os.wait4 gives
    that child's own peak)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    started = time.perf_counter()
    with open(out, "wb") as sink:
        child = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "report", form, "--since", "all", "--index", str(index)],
            cwd=REPO, env=env, stdout=sink,
        )
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"qabot report {form} failed")
    return seconds, usage.ru_maxrss / 1024, out.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    print("| questions | database | report | seconds | peak RSS | output |")
    print("|---|---|---|---|---|---|")
    for size in [0, *sorted(args.sizes)]:  # 0: the baseline, an empty database
        with tempfile.TemporaryDirectory() as tmp:
            index = Path(tmp) / "idx"
            fill(index, size)
            mb = sum(p.stat().st_size for p in database_path(index).parent.glob("feedback.sqlite*")) / 1e6
            for form in ("--json", "--csv"):
                seconds, peak, written = measure(index, form, Path(tmp) / "report.out")
                label = f"{size:,}" if size else "0 (baseline)"
                print(f"| {label} | {mb:.0f} MB | {form} | {seconds:.1f} | {peak:.0f} MB | {written / 1e6:.1f} MB |",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
