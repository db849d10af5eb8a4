"""Compiled loops (index/_postings.c) against the numpy fallback, side by side in one process.

`python -m bench.loops [--index bench/data/index-1000000/index.json]` (after `make bench` built it):
the same archive loaded twice, once with each, `search(weights, 3)` for every SciFact training
question, alternating; prints both medians, their ratio, and how many hit lists are identical.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench.corpus import DATA, questions
from index import load_index
from index.engines import archive
from index.query import parse_question


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loops", description=__doc__)
    parser.add_argument("--index", type=Path, default=DATA / "index-1000000" / "index.json")
    args = parser.parse_args()
    compiled = load_index(args.index)
    saved, archive._postings = archive._postings, None
    try:
        fallback = load_index(args.index)
    finally:
        archive._postings = saved
    if not compiled.compiled:
        raise SystemExit("bench: index/_postings.c is not compiled here (`pip install -e .` builds it)")
    weights = [parse_question(q, compiled).weights for q in questions(DATA / "scifact")]
    fast, slow, same = [], [], 0
    for w in weights:
        t = time.perf_counter()
        a = compiled.search(w, 3)
        fast.append(time.perf_counter() - t)
        t = time.perf_counter()
        b = fallback.search(w, 3)
        slow.append(time.perf_counter() - t)
        same += a == b
    f, s = statistics.median(fast) * 1000, statistics.median(slow) * 1000
    print(f"{len(compiled.passages):,} passages, {len(weights)} questions: search p50 compiled {f:.2f} ms, "
          f"numpy {s:.2f} ms ({s / f:.1f}x); identical hits and scores {same}/{len(weights)}")


if __name__ == "__main__":
    main()
