"""The same work timed in two checkouts of qabot, alternating, in one run (medians; the machine is shared).

    .venv/bin/python -m bench.compare_trees --base /path/to/old/checkout [--head .] [--rounds 5]

Make the base checkout with `git worktree add /tmp/base <rev>`. Each round runs, in a fresh process
per tree (that tree's code on PYTHONPATH, its own docs/ as input):
1. building the small engine's index of docs/articles + docs/eval/articles (no vectors, no cache);
2. the same as an archive;
3. loading the small index and answering every evaluation question (BM25 alone, gate on): median ms;
4. the same over the archive.
It prints each figure's median per tree and head / base. Used for the restructure (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Runs inside the measured tree: prints one JSON object of timings.
_WORK = r"""
import json, statistics, sys, tempfile, time
from pathlib import Path
from bot.answer import Answerer
from index import build_index, load_index
questions = [json.loads(line)["question"] for name in ("docs/eval/article.jsonl", "docs/eval/news.jsonl")
             for line in open(name, encoding="utf-8") if line.strip()]
roots = [Path("docs/articles"), Path("docs/eval/articles")]
out = {}
with tempfile.TemporaryDirectory() as tmp:
    for engine in ("bm25", "archive"):
        path = Path(tmp) / engine
        started = time.perf_counter()
        build_index(roots, path, engine=engine, semantic=False)
        out[f"build {engine} (s)"] = time.perf_counter() - started
        answerer = Answerer(load_index(path), encoder=False)
        answerer.answer(questions[0])  # loads the stemmer and word lists once
        times = []
        for q in questions:
            started = time.perf_counter()
            answerer.answer(q)
            times.append((time.perf_counter() - started) * 1000)
        out[f"answer {engine} (ms, median)"] = statistics.median(times)
print(json.dumps(out))
"""


def _measure(tree: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree), "QABOT_SEMANTIC": "off"}
    done = subprocess.run([sys.executable, "-c", _WORK], cwd=tree, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Alternate the two trees for --rounds rounds and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the checkout to compare against")
    parser.add_argument("--head", type=Path, default=REPO, help="the checkout measured (default: this one)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"base": [], "head": []}
    for _ in range(args.rounds):
        runs["base"].append(_measure(args.base.resolve()))
        runs["head"].append(_measure(args.head.resolve()))
    print(f"{'figure':<28} {'base':>10} {'head':>10} {'head/base':>10}   ({args.rounds} rounds, medians)")
    for key in runs["base"][0]:
        base = statistics.median(r[key] for r in runs["base"])
        head = statistics.median(r[key] for r in runs["head"])
        print(f"{key:<28} {base:>10.3f} {head:>10.3f} {head / base:>10.2f}")


if __name__ == "__main__":
    main()
