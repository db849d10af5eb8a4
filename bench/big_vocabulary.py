"""The big-vocabulary figures of issue 11: `python -m bench.big_vocabulary` prints them.

Real archives have big vocabularies (names, numbers, typos). This takes `make bench`'s 1M-passage
corpus as one .jsonl file (bench/corpus.py), titles each document "Archive item <i>" and ends each
paragraph with a reference code made of letters (one distinct word per passage, about a million),
builds it, and measures in fresh processes:

- build s and build peak RSS (main process; the largest worker's separately);
- `qabot ask --json --top-k 10 QUESTION` wall time, start to exit (start-up + first answer);
- the first answer that needs a spelling correction, and one that needs none, in one process
  (the correction's price is the difference), and the steady state: the SciFact questions at
  top-k 10 with JSON rendering, median.

Each figure is taken in --rounds fresh processes (medians printed); with --base, another checkout's
code answers from the same index in the same run, alternating with this one, as a baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.corpus import DATA, copy_scifact, single_file
from bench.corpus import questions as scifact_questions

REPO = Path(__file__).resolve().parent.parent


def _code(n: int) -> str:
    letters = []
    n += 26**4  # at least five letters: short words are not spelling-corrected
    while n:
        n, r = divmod(n, 26)
        letters.append(chr(97 + r))
    return "ref" + "".join(letters)


def make_big_vocabulary(passages: int) -> Path:
    """The single-file corpus with item titles and one reference code per paragraph."""
    source = single_file(passages, copy_scifact()) / "archive.jsonl"
    folder = DATA / f"bigvocab-{passages}"
    target = folder / "archive.jsonl"
    if target.is_file() and (folder / ".generated").is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    code = 0
    with open(source, encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
        for i, line in enumerate(lines):
            record = json.loads(line)
            record["title"] = f"Archive item {i}"
            paragraphs = record["text"].split("\n\n")
            for p in range(len(paragraphs)):
                paragraphs[p] += f" Reference {_code(code)}."
                code += 1
            record["text"] = "\n\n".join(paragraphs)
            out.write(json.dumps(record) + "\n")
    (folder / ".generated").write_text(str(passages))
    return folder


def main(argv: list[str] | None = None) -> int:
    """Build the corpus and the index, then print the figures as JSON lines."""
    parser = argparse.ArgumentParser(prog="python -m bench.big_vocabulary", description=__doc__)
    parser.add_argument("step", nargs="?", default="all", choices=["all", "answers"])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--skip-build", action="store_true", help="measure the index already at --out")
    parser.add_argument("--base", type=Path, default=None,
                        help="also measure this checkout's serving code on the same index, alternating "
                             "with this one (make it with `git worktree add /tmp/base main`)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per figure and checkout")
    args = parser.parse_args(argv)
    out = args.out or DATA / f"index-bigvocab-{args.passages}"
    if args.step == "answers":
        return _answers(out)
    docs = make_big_vocabulary(args.passages)
    if not args.skip_build:
        shutil.rmtree(out, ignore_errors=True)
        built = subprocess.run([sys.executable, "-m", "bench.run", "build", "--docs", str(docs), "--out", str(out)],
                               capture_output=True, text=True, check=True)
        print(built.stdout.strip(), flush=True)
    meta = json.loads((out / "index.json").read_text())
    vocabulary = len(json.loads((out / "archives" / meta["archive"] / "meta.json").read_bytes())["vocabulary"])
    print(json.dumps({"distinct_terms": vocabulary}), flush=True)
    trees = {"head": REPO} | ({"base": args.base.resolve()} if args.base else {})
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():  # alternating: the machine's load falls on both alike
            runs[name].append(_measure(tree, out))
    for name, rounds in runs.items():
        print(json.dumps({"tree": name, "rounds": len(rounds),
                          **{key: statistics.median(r[key] for r in rounds) for key in rounds[0]},
                          "all": rounds}), flush=True)
    return 0


def _measure(tree: Path, out: Path) -> dict[str, float]:
    """In fresh processes running `tree`'s code: `qabot ask` wall time, then the answers step."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    scifact = tree / "bench" / "data" / "scifact"
    if not scifact.exists():  # another checkout reads the same questions
        scifact.parent.mkdir(parents=True, exist_ok=True)
        scifact.symlink_to(DATA / "scifact")
    question = scifact_questions(DATA / "scifact")[0]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot.cli", "ask", "--json", "--top-k", "10", "--index", str(out),
                    question], capture_output=True, check=True, cwd=tree, env=env)
    wall = time.perf_counter() - started
    answers = subprocess.run([sys.executable, "-m", "bench.big_vocabulary", "answers", "--out", str(out)],
                             capture_output=True, text=True, check=True, cwd=tree, env=env)
    figures = json.loads(answers.stdout.strip().splitlines()[-1])
    return {"ask_wall_s": wall, **{k: v for k, v in figures.items() if isinstance(v, float)}}


def _answers(out: Path) -> int:
    from bot.answer import Answerer
    from bot.render import to_json
    from index import load_index

    answerer = Answerer(load_index(out))
    questions = scifact_questions(DATA / "scifact")
    answerer.answer(questions[0], k=10)  # start-up work (nltk, first sentence split) out of the way
    t = time.perf_counter()
    answerer.answer("what do vitamin supplements do for bone density", k=10)
    plain_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    corrected = answerer.answer("what do vitamin supplemnts do for bone densty", k=10)
    first_correction_ms = (time.perf_counter() - t) * 1000
    times = []
    for question in questions:
        t = time.perf_counter()
        json.dumps(to_json(answerer.answer(question, k=10)))
        times.append((time.perf_counter() - t) * 1000)
    print(json.dumps({
        "no_correction_ms": plain_ms, "first_correction_ms": first_correction_ms,
        "corrected_to": getattr(corrected, "corrections", None) and str(corrected.corrections),
        "steady_p50_ms_top10_json": statistics.median(times), "questions": len(times),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
