"""The archive benchmark: `python -m bench.run` (or `make bench`) prints the table of docs/benchmarks.md.

For each size it builds a corpus (bench/corpus.py), then in fresh processes: a full rebuild, a
rebuild after one document changed, start-up to the first answer, every SciFact training question
answered (term processing, search and best sentence: the whole `Answerer.answer`), and the
baseline, rank-bm25's `BM25Okapi.get_scores` over the same passages' terms on a sample of the same
questions. It also checks that the baseline and the archive give the same top-10 lists.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.corpus import (
    DATA,
    SCIFACT_SOURCE,
    append_documents,
    change_one_document,
    copy_scifact,
    make_corpus,
    restore,
    single_file,
    truncate_to,
)
from bench.corpus import questions as scifact_questions
from index.storage import index_paths

TOP = 10


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, or one of its measuring steps (run in a child process)."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("step", nargs="?", default="all", choices=["all", "build", "serve", "baseline"])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--scifact", type=Path, default=SCIFACT_SOURCE)
    parser.add_argument("--baseline-questions", type=int, default=0,
                        help="questions timed on the baseline (default 50, 10 at 1M passages)")
    parser.add_argument("--single", type=int, default=1_000_000, metavar="PASSAGES",
                        help="also the same corpus as ONE .jsonl file of this many passages (0: skip)")
    parser.add_argument("--docs", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.step == "build":
        return _step_build(args.docs, args.out)
    if args.step == "serve":
        return _step_serve(args.out)
    if args.step == "baseline":
        return _step_baseline(args.out, args.baseline_questions)
    scifact = copy_scifact(args.scifact)
    rows = []
    for size in (int(s) for s in args.sizes.split(",") if s):
        rows.extend(_measure(size, scifact, args.baseline_questions or (10 if size >= 1_000_000 else 50)))
        print(_table(rows), flush=True)
    if args.single:
        print(_single_table(_measure_single(args.single, scifact)), flush=True)
    return 0


def _measure_single(size: int, scifact: Path) -> dict:
    """The corpus as one .jsonl file: full build, build peak RSS, 1,000 documents appended, answers."""
    folder = single_file(size, scifact)
    file = folder / "archive.jsonl"
    out = DATA / f"index-single-{size}"
    shutil.rmtree(out, ignore_errors=True)
    full = _child("build", "--docs", folder, "--out", out)
    before = append_documents(file, 1000, scifact)
    try:
        appended = _child("build", "--docs", folder, "--out", out)
    finally:
        truncate_to(file, before)
    started = time.perf_counter()
    serve = _child("serve", "--out", out, first_line_at=started)
    return {"passages": full["passages"], "file_mb": file.stat().st_size / 1e6, "build_s": full["seconds"],
            "build_peak_mb": full["peak_mb"], "worker_peak_mb": full["worker_peak_mb"],
            "append_s": appended["seconds"], "append_parts": appended["computed"], "parts": full["computed"],
            "startup_s": serve["startup_s"], "p50_ms": serve["p50_ms"], "p99_ms": serve["p99_ms"],
            "serve_peak_mb": serve["peak_mb"]}


def _single_table(r: dict) -> str:
    head = ("| passages | file MB | build s | build peak MB (main / worker) | +1,000 docs s (% of build) | "
            "start-up s | p50 ms | p99 ms | serving peak MB |")
    return "\n".join([head, "|" + "---|" * 9, "| " + " | ".join([
        f"{r['passages']:,}", f"{r['file_mb']:,.0f}", f"{r['build_s']:.1f}",
        f"{r['build_peak_mb']:,.0f} / {r['worker_peak_mb']:,.0f}",
        f"{r['append_s']:.1f} ({100 * r['append_s'] / r['build_s']:.0f}%, {r['append_parts']} of {r['parts']} parts)",
        f"{r['startup_s']:.2f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", f"{r['serve_peak_mb']:,.0f}",
    ]) + " |"])


def _measure(size: int, scifact: Path, baseline_questions: int) -> list[dict]:
    docs = make_corpus(size, scifact)
    out = DATA / f"index-{size}" / "index.json"
    shutil.rmtree(out.parent, ignore_errors=True)
    full = _child("build", "--docs", docs, "--out", out)
    changed = change_one_document(docs)
    try:
        again = _child("build", "--docs", docs, "--out", out)
    finally:
        restore(*changed)
    started = time.perf_counter()
    serve = _child("serve", "--out", out, first_line_at=started)
    base = _child("baseline", "--out", out, "--baseline-questions", str(baseline_questions))
    paths = index_paths(out)
    disk = _du(paths.file) + _du(paths.archives / json.loads(paths.file.read_text())["archive"])
    project = {
        "engine": "archive (qabot)", "passages": full["passages"], "build_s": full["seconds"],
        "rebuild1_s": again["seconds"], "load_s": serve["startup_s"], "p50_ms": serve["p50_ms"],
        "p99_ms": serve["p99_ms"], "per_s": serve["per_s"], "peak_mb": serve["peak_mb"],
        "disk_mb": disk / 1e6, "questions": serve["questions"],
        "cache_mb": _du(paths.segments) / 1e6,
    }
    baseline = {
        "engine": "rank-bm25 get_scores", "passages": full["passages"], "build_s": base["build_s"],
        "rebuild1_s": None, "load_s": None, "p50_ms": base["p50_ms"], "p99_ms": base["p99_ms"],
        "per_s": base["per_s"], "peak_mb": base["peak_mb"], "disk_mb": None,
        "questions": base["questions"], "agree": base["agree"],
        "project_same_p50_ms": base["project_p50_ms"],
    }
    # Both timed in the baseline's process, on the same questions, one after the other.
    baseline["speedup"] = base["p50_ms"] / base["project_p50_ms"]
    return [project, baseline]


def _child(step: str, *args: object, first_line_at: float | None = None) -> dict:
    cmd = [sys.executable, "-m", "bench.run", step, *map(str, args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    result: dict = {}
    for line in proc.stdout:
        record = json.loads(line)
        if record.get("ready") and first_line_at is not None:
            result["startup_s"] = time.perf_counter() - first_line_at
        result.update(record)
    if proc.wait() != 0:
        raise SystemExit(f"bench: step {step} failed")
    return result


def _step_build(docs: Path, out: Path) -> int:
    from index import build_index

    summary = build_index([docs], out, engine="archive")
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest worker's
    print(json.dumps({"seconds": summary.seconds, "passages": summary.passages, "peak_mb": _peak_mb(),
                      "worker_peak_mb": workers, "computed": summary.computed}))
    return 0


def _questions() -> list[str]:
    return scifact_questions(DATA / "scifact")


def _step_serve(out: Path) -> int:
    started = time.perf_counter()
    from bot.answer import Answerer
    from index import load_index

    answerer = Answerer(load_index(out))
    questions = _questions()
    answerer.answer(questions[0])
    print(json.dumps({"ready": True, "load_s_inside": time.perf_counter() - started}), flush=True)
    times = []
    for question in questions:
        t = time.perf_counter()
        answerer.answer(question)
        times.append((time.perf_counter() - t) * 1000)
    p50, p99 = _percentiles(times)
    print(json.dumps({
        "p50_ms": p50, "p99_ms": p99, "per_s": len(times) / (sum(times) / 1000),
        "questions": len(times), "peak_mb": _peak_mb(),
    }))
    return 0


def _step_baseline(out: Path, count: int) -> int:
    import numpy as np

    from bot.answer import Answerer
    from index import load_index
    from index.engines.small import Index
    from index.query import parse_question

    archive = load_index(out)
    answerer = Answerer(archive)
    a = archive._a  # the benchmark reads the arrays to give rank-bm25 the very same terms
    terms = list(archive.vocabulary)
    started = time.perf_counter()
    corpus = _field_terms(terms, a["col_ptr"], a["rows"], a["tfs"], len(archive.passages))
    # The reference for agreement: search.Index (the small engine: text, heading and document
    # fields) over the same terms. Timed: its text model's get_scores, plain rank-bm25.
    groups = _field_terms(terms, a["h_ptr"], a["h_rows"], a["h_tfs"], len(a["g_start"]) - 1)
    sizes = np.diff(np.asarray(a["g_start"])).tolist()
    headings = [g for g, size in zip(groups, sizes, strict=True) for _ in range(size)]
    doc_terms = _field_terms(terms, a["d_ptr"], a["d_rows"], a["d_tfs"], len(archive.documents))
    small = Index(archive.documents, archive.passages, corpus, {}, headings=headings,
                  doc_of=np.asarray(a["p_doc"]).tolist(), doc_terms=doc_terms, acronyms=archive.acronyms)
    model = small._bm25
    build_s = time.perf_counter() - started
    del corpus, headings, doc_terms
    questions = _questions()[:count]
    times, project_times, agree = [], [], 0
    for question in questions:
        weights = parse_question(question, archive).weights
        wanted = [t for t in weights if t in model.idf]
        t = time.perf_counter()
        scores = model.get_scores(wanted)
        sorted(np.flatnonzero(scores > 0).tolist(), key=lambda i: (-scores[i], i))[:TOP]
        times.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        answerer.answer(question)
        project_times.append((time.perf_counter() - t) * 1000)
        agree += small.search(weights, TOP) == archive.search(weights, TOP)
    p50, p99 = _percentiles(times)
    print(json.dumps({
        "build_s": build_s, "p50_ms": p50, "p99_ms": p99, "per_s": len(times) / (sum(times) / 1000),
        "questions": len(times), "peak_mb": _peak_mb(), "agree": f"{agree}/{len(questions)}",
        "project_p50_ms": statistics.median(project_times),
    }))
    return 0


def _field_terms(terms: list[str], ptr: object, rows: object, tfs: object, size: int) -> list[list[str]]:
    """Each row's terms (repeated by count) from a field's postings."""
    import numpy as np

    ptr, rows, tfs = np.asarray(ptr), np.asarray(rows), np.asarray(tfs).astype(np.int64)
    col_of = np.repeat(np.arange(len(terms)), np.diff(ptr))
    order = np.argsort(rows, kind="stable")
    flat = np.repeat(col_of[order], tfs[order])
    bounds = np.cumsum(np.bincount(rows, weights=tfs, minlength=size).astype(np.int64))[:-1]
    return [[terms[c] for c in part.tolist()] for part in np.split(flat, bounds)]


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _table(rows: list[dict]) -> str:
    head = ("| engine | passages | build s | 1-doc rebuild s | start-up s | p50 ms | p99 ms | "
            "answers/s | peak MB | disk MB | top-10 agree | speed-up (p50) |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        lines.append("| " + " | ".join([
            r["engine"], f"{r['passages']:,}", _f(r["build_s"], 1), _f(r["rebuild1_s"], 1),
            _f(r["load_s"], 2), _f(r["p50_ms"], 2), _f(r["p99_ms"], 2), _f(r["per_s"], 0),
            _f(r["peak_mb"], 0), _f(r["disk_mb"], 0), r.get("agree", ""),
            (f"{r['speedup']:.0f}x" if r.get("speedup") else ""),
        ]) + " |")
    return "\n".join(lines)


def _f(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


if __name__ == "__main__":
    sys.exit(main())
