"""Parameter sweep for the ranking, on both evaluation sets at once (the article and SciFact).

A fast re-implementation of the index's scoring with numpy posting lists, used only to choose
parameters; `qabot eval` and `qabot eval --beir` then measure the chosen ones through the real
pipeline. Usage: python bench/tune_ranking.py ARTICLE_INDEX SCIFACT_INDEX SCIFACT_DIR [K1S BS HWS DWS] [--no-spelling]
(each of K1S BS HWS DWS a JSON list, e.g. '[0.9,1.2]')
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np

from bot.beir import load_benchmark, ndcg_at_10
from bot.evaluate import load_questions
from index import load_index, tokenize
from index.query import parse_question


class Field:
    """Posting lists of one field (term -> passage ids, term frequencies) and its lengths."""

    def __init__(self, docs: list[list[str]]) -> None:
        self.n = len(docs)
        self.lengths = np.array([len(d) for d in docs], dtype=float)
        self.avg = self.lengths.mean() or 1.0
        postings: dict[str, dict[int, int]] = {}
        for i, doc in enumerate(docs):
            for t in doc:
                postings.setdefault(t, {}).setdefault(i, 0)
                postings[t][i] += 1
        self.post = {t: (np.array(list(p)), np.array(list(p.values()), dtype=float)) for t, p in postings.items()}

    def scores(self, weights: dict[str, float], k1: float, b: float) -> np.ndarray:
        out = np.zeros(self.n)
        norm = k1 * (1 - b + b * self.lengths / self.avg)
        for t, w in weights.items():
            if t not in self.post:
                continue
            ids, tf = self.post[t]
            idf = math.log(1 + (self.n - len(ids) + 0.5) / (len(ids) + 0.5))
            out[ids] += w * idf * tf * (k1 + 1) / (tf + norm[ids])
        return out


def prepare(index_path: Path):
    data = json.loads(index_path.read_text(encoding="utf-8"))
    index = load_index(index_path)
    body = Field([p["terms"] for p in data["passages"]])
    heading = Field([p["heading"] for p in data["passages"]])
    doc_of = np.array([p["doc"] for p in data["passages"]])
    docs: list[list[str]] = [[] for _ in data["documents"]]
    if "--title-in-doc" in sys.argv:
        for d, row in enumerate(data["documents"]):
            docs[d].extend(tokenize(row["title"]))
    for p in data["passages"]:
        docs[p["doc"]].extend(p["terms"])
    whole = Field(docs)
    return index, body, heading, whole, doc_of


def rank(setup, weights, k1, b, hw, dw):
    index, body, heading, whole, doc_of = setup
    s = body.scores(weights, k1, b) + hw * heading.scores(weights, k1, b)
    if dw:
        s = s + dw * whole.scores(weights, k1, b)[doc_of]
    order = np.lexsort((np.arange(len(s)), -s))
    return [int(i) for i in order[:60] if s[i] > 0]


def main() -> None:
    article, scifact, folder = (Path(a) for a in sys.argv[1:4])
    a_setup, s_setup = prepare(article), prepare(scifact)
    questions = [q for q in load_questions(Path("docs/eval/article.jsonl")) if q.gold]
    a_queries = [(q, parse_question(q.question, a_setup[0]).weights) for q in questions]
    bench = load_benchmark(folder)
    s_index = s_setup[0]
    s_queries = [(qid, parse_question(text, s_index).weights) for qid, text in bench.queries.items()]
    if "--no-spelling" in sys.argv:
        s_index.correct = lambda word: None  # type: ignore[method-assign]
        s_queries = [(qid, parse_question(text, s_index).weights) for qid, text in bench.queries.items()]
    corrected = sum(bool(parse_question(text, s_index).corrections) for text in bench.queries.values())
    print(f"SciFact queries with a corrected word: {corrected}")
    ids = [d.doc_id.rsplit("#", 1)[-1] for d in s_index.documents]
    grid = itertools.product(*(json.loads(a) for a in sys.argv[4:8])) if len(sys.argv) > 7 else (
        itertools.product([0.9, 1.2, 1.5], [0.4, 0.6, 0.75], [0.0, 0.3, 0.6], [0.0, 0.5, 1.0])
    )
    print("k1   b     heading doc   article-hit@1  article-MRR  scifact-nDCG@10")
    for k1, b, hw, dw in grid:
        hit1 = rr = 0.0
        for q, w in a_queries:
            ranked = [a_setup[0].passages[i].text for i in rank(a_setup, w, k1, b, hw, dw)]
            pos = next((i for i, t in enumerate(ranked, 1) if any(g in t for g in q.gold)), None)
            hit1 += pos == 1
            rr += 1 / pos if pos else 0
        nd = 0.0
        for qid, w in s_queries:
            docs = dict.fromkeys(ids[s_setup[4][i]] for i in rank(s_setup, w, k1, b, hw, dw))
            nd += ndcg_at_10(list(docs)[:10], bench.qrels[qid])
        n = len(a_queries)
        print(f"{k1:<4} {b:<5} {hw:<7} {dw:<5} {hit1 / n:>13.3f} {rr / n:>12.3f} {nd / len(s_queries):>16.4f}",
              flush=True)


if __name__ == "__main__":
    main()
