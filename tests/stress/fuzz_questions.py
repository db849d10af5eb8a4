"""Generated hostile questions through answer() and every renderer, as many as asked for; prints
how many were tried (tests/test_fuzz.py runs 2,000 of them in `make test`).

    .venv/bin/python -m tests.stress.fuzz_questions --examples 20000 [--seed N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

from bot.answer import Answerer  # noqa: E402
from index import build_index, load_index  # noqa: E402
from tests.fuzz_support import HOSTILE_DOC, check_answer, questions  # noqa: E402


def run(examples: int, random_seed: int) -> int:
    """Check `examples` generated questions; returns how many were tried (raises on a failure)."""
    tried: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "hostile"
        root.mkdir()
        (root / "hostile.md").write_bytes(HOSTILE_DOC.encode("utf-8"))
        build_index([REPO / "docs" / "articles", root], Path(tmp) / "index.json")
        answerer = Answerer(load_index(Path(tmp) / "index.json"))

        @seed(random_seed)
        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(questions())
        def property_holds(question: str) -> None:
            tried.append(question)
            check_answer(answerer, question)

        property_holds()
    return len(tried)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    tried = run(args.examples, args.seed)
    print(f"{tried} generated questions tried (seed {args.seed}) in {time.perf_counter() - started:.0f} s: "
          "no exception, every Telegram message valid and within 4096 UTF-16 units, every citation exact, "
          "no raw control character on the console")
    return 0


if __name__ == "__main__":
    sys.exit(main())
