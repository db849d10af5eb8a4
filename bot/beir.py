"""`qabot eval --beir DIR`: nDCG@10 on a BEIR-format benchmark (corpus.jsonl, queries, qrels)."""

from __future__ import annotations

import csv
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from index import IndexCorruptError, build_index, load_index, load_or_build, tokenize

from .answer import MAX_RESULTS, Answerer

Retriever = Callable[[str], list[str]]  # query -> ranked document ids


@dataclass(frozen=True)
class Benchmark:
    """A BEIR data set: the corpus file, the queries and their relevance judgements."""

    corpus: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_benchmark(folder: Path) -> Benchmark:
    """Read corpus.jsonl, queries*.jsonl and qrels*.tsv (or qrels/*.tsv) from `folder`."""
    corpus = folder / "corpus.jsonl"
    query_files = sorted(folder.glob("queries*.jsonl"))
    qrel_files = sorted(folder.glob("qrels*.tsv")) or sorted((folder / "qrels").glob("*.tsv"))
    if not corpus.is_file() or not query_files or not qrel_files:
        raise FileNotFoundError(f"{folder} needs corpus.jsonl, queries*.jsonl and qrels*.tsv")
    qrels: dict[str, dict[str, int]] = {}
    with qrel_files[0].open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if int(row["score"]) > 0:
                qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    queries = {}
    for line in query_files[0].read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if str(row["_id"]) in qrels:
                queries[str(row["_id"])] = str(row["text"])
    return Benchmark(corpus, queries, qrels)


def ndcg_at_10(ranked: Sequence[str], relevant: dict[str, int]) -> float:
    """nDCG@10 with binary gains, as BEIR computes it for SciFact."""
    dcg = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranked[:10]) if doc in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return dcg / ideal if ideal else 0.0


def mean_ndcg(bench: Benchmark, retrieve: Retriever) -> float:
    """Mean nDCG@10 over the benchmark's queries."""
    scores = [ndcg_at_10(retrieve(text), bench.qrels[qid]) for qid, text in bench.queries.items()]
    return sum(scores) / len(scores)


def qabot_retriever(answerer: Answerer) -> Retriever:
    """The answer pipeline's ranking (gate off: this measures ranking); a document's best passage
    stands for it."""

    def retrieve(query: str) -> list[str]:
        answer = answerer.answer(query, MAX_RESULTS, gate=False)
        docs = dict.fromkeys(r.citation.doc_id.rsplit("#", 1)[-1] for r in answer.results)
        return list(docs)[:10]

    return retrieve


def okapi_retriever(corpus: Path, terms: Callable[[str], list[str]]) -> Retriever:
    """Plain rank-bm25 BM25Okapi over whole documents (title + text)."""
    import numpy as np
    from rank_bm25 import BM25Okapi

    ids, docs = [], []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            ids.append(str(row.get("_id", row.get("id"))))
            docs.append(terms(f"{row.get('title', '')} {row['text']}"))
    bm25 = BM25Okapi(docs)

    def retrieve(query: str) -> list[str]:
        scores = bm25.get_scores(terms(query))
        top = np.argsort(-scores, kind="stable")[:10]
        return [ids[i] for i in top if scores[i] > 0]

    return retrieve


def run_beir(folder: Path, index_path: Path, out: TextIO, semantic: bool = True) -> int:
    """Index the corpus, run the queries through qabot and two baselines, print nDCG@10."""
    bench = load_benchmark(folder)
    notify: Callable[[str], None] = lambda m: print(m, file=sys.stderr)  # noqa: E731
    try:
        index = load_or_build(index_path, [bench.corpus], notify)
    except IndexCorruptError as err:
        # This index is a cache of the benchmark's corpus, not the user's: rebuild it.
        notify(f"{err}: rebuilding it")
        build_index([bench.corpus], index_path)
        index = load_index(index_path)
    answerer = Answerer(index, encoder=semantic)
    out.write(f"{answerer.mode()}\n")
    out.write(
        f"{folder}: {len(bench.queries)} queries with judgements, "
        f"{len(answerer.index.documents)} documents, {len(answerer.index.passages)} passages\n"
    )
    rows = [
        ("qabot (passages, best passage per document)", lambda: qabot_retriever(answerer)),
        ("BM25Okapi, qabot's terms, whole documents", lambda: okapi_retriever(bench.corpus, tokenize)),
        ("BM25Okapi, lowercase whitespace split", lambda: okapi_retriever(bench.corpus, _split)),
    ]
    for name, make in rows:
        started = time.perf_counter()
        value = mean_ndcg(bench, make())
        out.write(f"{name:<48} nDCG@10 {value:.4f}   ({time.perf_counter() - started:.0f} s)\n")
        out.flush()
    return 0


def _split(text: str) -> list[str]:
    return text.lower().split()
