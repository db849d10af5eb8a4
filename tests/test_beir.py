"""`qabot eval --beir`: the nDCG@10 arithmetic and the command on a tiny BEIR-format folder."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.beir import load_benchmark, ndcg_at_10
from tests.conftest import REPO


def test_ndcg_at_10() -> None:
    assert ndcg_at_10(["a", "b"], {"a": 1}) == 1.0
    assert ndcg_at_10(["b", "a"], {"a": 1}) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_10(["x"] * 10 + ["a"], {"a": 1}) == 0.0
    assert ndcg_at_10(["a", "x", "b"], {"a": 1, "b": 1}) == pytest.approx((1 + 0.5) / (1 + 1 / math.log2(3)))


def write_benchmark(folder: Path) -> None:
    folder.mkdir()
    docs = [
        {"_id": "d1", "title": "Vitamin D and bones",
         "text": "Vitamin D supplements strengthen bones in older adults."},
        {"_id": "d2", "title": "Sleep", "text": "Short sleep raises the risk of heart disease."},
        {"_id": "d3", "title": "Coffee", "text": "Coffee drinking is linked to lower liver disease risk."},
    ]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    queries = [{"_id": "1", "text": "vitamin D bone strength"}, {"_id": "2", "text": "heart disease and sleep"}]
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    (folder / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n2\td2\t1\n", encoding="utf-8")


def test_beir_command_indexes_the_corpus_and_prints_ndcg(tmp_path: Path) -> None:
    write_benchmark(tmp_path / "bench")
    bench = load_benchmark(tmp_path / "bench")
    assert set(bench.queries) == {"1", "2"} and bench.qrels["1"] == {"d1": 1}
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "eval", "--beir", "bench", "--index", "ix.json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 0, proc.stderr
    lines = {line.split(" nDCG@10 ")[0].strip(): float(line.split(" nDCG@10 ")[1].split()[0])
             for line in proc.stdout.splitlines() if " nDCG@10 " in line}
    assert lines["qabot (passages, best passage per document)"] == 1.0
    assert "BM25Okapi, qabot's terms, whole documents" in lines


def test_beir_command_names_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "eval", "--beir", "empty"], cwd=tmp_path, capture_output=True,
        text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 2 and "corpus.jsonl" in proc.stderr and "Traceback" not in proc.stderr
