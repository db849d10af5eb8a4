"""SIGKILL rebuilds at random moments and check, after each kill, that the index on disk loads and
is exactly the old index or exactly the new one (both engines).

    .venv/bin/python -m tests.stress.kill_rebuilds              # 100 kills per engine
    .venv/bin/python -m tests.stress.kill_rebuilds --kills 10 --engine archive --seed 3

The rebuild runs in a forked child that has already imported everything, so the kills land in the
rebuild itself (reading, splitting, scoring, writing, renaming), not in Python's start-up. Kill
moments are drawn uniformly from 0 to 1.2 x the measured rebuild time; the ones after the end
find the rebuild finished (the new index). Exit code 0 when every kill was survived.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.answer import Answerer  # noqa: E402
from index import build_index, load_index  # noqa: E402
from index.storage import index_paths  # noqa: E402

ARTICLES = REPO / "docs" / "articles"
QUESTIONS = ["Who is the new DHS Secretary?", "ICE detainers 48 hours", "sheriff agreement county",
             "What is the 287(g) program?", "harbor ferry schedule"]
_WORDS = ("police sheriff county immigration detainers agreement federal agents jail court judge "
          "mayor council budget harbor ferry schedule school teachers strike weather storm").split()


@dataclass
class Report:
    """What a run of kills found."""

    engine: str
    kills: int = 0
    old: int = 0  # the kill came before the swap: the old index was on disk
    new: int = 0  # the kill came after the swap (or the rebuild had finished)
    bad: int = 0  # the index did not load, or was neither the old nor the new one
    seconds: float = 0.0  # how long one rebuild takes

    def line(self) -> str:
        return (f"{self.engine}: {self.kills} kills, {self.kills - self.bad} survived "
                f"({self.old} left the old index, {self.new} the new one), {self.bad} broken")


def write_corpus(docs: Path, variant: int) -> None:
    """The docs folder as variant 0 (old) or 1 (new: two articles changed, one added)."""
    for file in docs.glob("gen-*.md"):
        file.unlink()
    rng = random.Random(11)
    for n in range(40 + variant):
        body = "\n\n".join(" ".join(rng.choice(_WORDS) for _ in range(40)) + "." for _ in range(12))
        if variant and n in (3, 17):
            body += "\n\nA late correction: the harbor ferry schedule changed on Monday."
        (docs / f"gen-{n:03}.md").write_text(f"Local news {n}\n\n{body}\n", encoding="utf-8")


def digest(index_path: Path) -> str:
    """What the index on disk serves: its documents, passages and the scored answers to QUESTIONS."""
    index = load_index(index_path)
    answerer = Answerer(index)
    rows: list[object] = [len(index.documents), len(index.passages)]
    for question in QUESTIONS:
        answer = answerer.answer(question, 5, gate=False)
        rows.append([(r.citation.doc_id, r.citation.start, r.citation.end, r.text, round(r.score, 9))
                     for r in answer.results])
    return hashlib.sha256(json.dumps(rows).encode("utf-8")).hexdigest()


def _fork_build(docs: Path, out: Path, engine: str) -> int:
    pid = os.fork()
    if pid == 0:  # the child: rebuild, then leave without running the parent's cleanup
        code = 0
        try:
            build_index([ARTICLES, docs], out, engine)
        except BaseException:  # noqa: BLE001 - any failure is the child's exit code
            code = 1
        os._exit(code)
    return pid


def run(kills: int, engine: str, seed: int = 0, work: Path | None = None, stems: Path | None = None) -> Report:
    """Kill `kills` rebuilds of the `engine` index at random moments; check the index after each."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        docs, out = Path(tmp) / "docs", Path(tmp) / "ix" / "index.json"
        docs.mkdir()
        out.parent.mkdir()
        if stems is not None:  # the English stems table a first build on a machine makes (~2.5 s)
            index_paths(out).home.mkdir(exist_ok=True)
            shutil.copy(stems, index_paths(out).home)
        digests = []
        for variant in (1, 0):  # built both ways; the old one (0) ends up on disk
            write_corpus(docs, variant)
            build_index([ARTICLES, docs], out, engine)
            digests.insert(0, digest(out))
        write_corpus(docs, 1)
        started = time.perf_counter()
        os.waitpid(_fork_build(docs, out, engine), 0)
        took = time.perf_counter() - started
        write_corpus(docs, 0)
        build_index([ARTICLES, docs], out, engine)
        old, new = digests
        assert old != new
        on_disk = 0
        report = Report(engine, seconds=took)
        for _ in range(kills):
            target = 1 - on_disk
            write_corpus(docs, target)
            pid = _fork_build(docs, out, engine)
            time.sleep(rng.uniform(0, 1.2 * took))
            os.kill(pid, signal.SIGKILL)  # a no-op on a finished child that was not yet reaped
            os.waitpid(pid, 0)
            report.kills += 1
            try:
                found = digest(out)
            except Exception as err:  # noqa: BLE001 - any failure to load is what we look for
                print(f"kill {report.kills}: the index does not load: {err}", file=sys.stderr)
                report.bad += 1
                build_index([ARTICLES, docs], out, engine)
                on_disk = target
                continue
            if found == digests[on_disk]:
                report.old += 1
            elif found == digests[target]:
                report.new += 1
                on_disk = target
            else:
                print(f"kill {report.kills}: the index is neither the old nor the new one", file=sys.stderr)
                report.bad += 1
                build_index([ARTICLES, docs], out, engine)
                on_disk = target
        # Leftovers are harmless, but a rebuild must still run (no stale lock) and clean up.
        write_corpus(docs, 1 - on_disk)
        build_index([ARTICLES, docs], out, engine)
        assert digest(out) == digests[1 - on_disk]
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100, help="kills per engine")
    parser.add_argument("--engine", choices=["bm25", "archive", "both"], default="both")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    engines = ["bm25", "archive"] if args.engine == "both" else [args.engine]
    reports = [run(args.kills, engine, args.seed) for engine in engines]
    for report in reports:
        print(f"{report.engine}: a rebuild takes {report.seconds * 1000:.0f} ms")
        print(report.line())
    return 0 if all(r.bad == 0 for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
