"""Determinism: the same 200 questions through `qabot ask --json` (over stdin) under different
PYTHONHASHSEED values must give byte-identical output.

    .venv/bin/python -m tests.stress.determinism              # 10 seeds
    .venv/bin/python -m tests.stress.determinism --seeds 3
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from index import build_index  # noqa: E402

EVAL = REPO / "docs" / "eval" / "article.jsonl"
SEEDS = [0, 1, 2, 3, 42, 1234, 99999, 2**31 - 1, 3141592, 4294967295]
EXTRA = ["ICE", "DHS", "287(g)", "police", "detainers", "Mayorkas", "Obama", "secure communities",
         "immigrtion", "polise", "when", "how many", "who", "letter", "sheriff", "jail", "zebra", "48 hours"]


def questions(count: int = 200) -> list[str]:
    """The evaluation questions, then made-up ones (misspellings, fragments, unknown words)."""
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    found = [row["question"] for row in rows]
    rng = random.Random(6)
    while len(found) < count:
        found.append(" ".join(rng.sample(EXTRA, rng.randint(1, 4))) + rng.choice(["?", "", "!"]))
    return found[:count]


def ask_all(index: Path, text: str, seed: int, cwd: Path) -> bytes:
    """`qabot ask --json` over stdin under PYTHONHASHSEED=seed; its stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QABOT_", "TELEGRAM_"))}
    env.update(PYTHONHASHSEED=str(seed), PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "--top-k", "5", "--index", str(index)],
        input=text.encode("utf-8"), capture_output=True, cwd=cwd, env=env, timeout=300, check=True,
    )
    return done.stdout


def run(seeds: list[int], index: Path | None = None, count: int = 200) -> dict[int, str]:
    """Digest of the output under each seed (building an index of the bundled docs if none given)."""
    asked = "\n".join(questions(count)) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        if index is None:
            index = Path(tmp) / "index.json"
            build_index([REPO / "docs" / "articles"], index)
        outputs = {seed: ask_all(index, asked, seed, Path(tmp)) for seed in seeds}
    lines = {len(out.splitlines()) for out in outputs.values()}
    assert lines == {count}, lines
    return {seed: hashlib.sha256(out).hexdigest() for seed, out in outputs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help=f"how many of {SEEDS}")
    args = parser.parse_args()
    digests = run(SEEDS[: args.seeds])
    for seed, digest in digests.items():
        print(f"PYTHONHASHSEED={seed}: sha256 {digest}")
    same = len(set(digests.values())) == 1
    print(f"200 questions, {len(digests)} seeds: {'byte-identical' if same else 'DIFFERENT'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
