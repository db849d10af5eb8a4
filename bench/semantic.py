"""The reranker's cost, side by side with BM25 alone in the same run (medians; the machine is shared).

    .venv/bin/python -m bench.semantic [--runs 7]

1. one-shot `qabot ask` on the bundled article, wall time including the model's load;
2. a question answered in-process over the bundled article (the eval questions), and over the
   four evaluation articles;
3. building the bundled article's index with and without vectors (nothing cached).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.answer import Answerer
from bot.evaluate import load_questions
from index import build_index, load_index

REPO = Path(__file__).resolve().parent.parent
QUESTION = "how many democrats want the 287(g) program ended"


def _one_shot(index: Path, semantic: bool, runs: int) -> list[float]:
    env = {**os.environ, "QABOT_SEMANTIC": "on" if semantic else "off"}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [str(REPO / ".venv" / "bin" / "qabot"), "ask", "--index", str(index), QUESTION],
            cwd=REPO, env=env, check=True, capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return times


def _in_process(answerer: Answerer, questions: list[str], runs: int) -> list[float]:
    for q in questions:  # warm: the first use loads the model and fills the question's memo
        answerer.answer(q)
    times = []
    for _ in range(runs):
        for q in questions:
            # A new wording each time, so the encoder's memo of seen questions does not help.
            text = f"{q} ({_} )"
            started = time.perf_counter()
            answerer.answer(text)
            times.append(time.perf_counter() - started)
    return times


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {1000 * statistics.median(values):7.1f} ms   p95 {1000 * p95:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        article = folder / "article" / "index.json"
        started = time.perf_counter()
        build_index([REPO / "docs" / "articles"], folder / "plain" / "index.json", semantic=False)
        plain_build = time.perf_counter() - started
        started = time.perf_counter()
        summary = build_index([REPO / "docs" / "articles"], article, semantic=True)
        vector_build = time.perf_counter() - started
        print(f"build, bundled article: BM25 only {plain_build:.2f} s; "
              f"with {summary.vectors} vectors {vector_build:.2f} s")

        semantic = _one_shot(article, True, args.runs)
        plain = _one_shot(article, False, args.runs)
        print(f"one-shot `qabot ask` wall: semantic median {statistics.median(semantic):.3f} s, "
              f"BM25 alone median {statistics.median(plain):.3f} s ({args.runs} runs each)")

        index = load_index(article)
        questions = [q.question for q in load_questions(REPO / "docs" / "eval" / "article.jsonl")]
        for name, answerer in (("semantic", Answerer(index)), ("BM25 alone", Answerer(index, encoder=None))):
            print(f"in-process, bundled article, {name:<10}: {_ms(_in_process(answerer, questions, 3))}")

        four = folder / "four" / "index.json"
        build_index([REPO / "docs" / "articles", REPO / "docs" / "eval" / "articles"], four)
        index = load_index(four)
        news = [q.question for q in load_questions(REPO / "docs" / "eval" / "news.jsonl")]
        for name, answerer in (("semantic", Answerer(index)), ("BM25 alone", Answerer(index, encoder=None))):
            print(f"in-process, four articles,   {name:<10}: {_ms(_in_process(answerer, news, 2))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
