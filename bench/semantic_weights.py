"""nDCG@10 on a BEIR folder for several cosine weights of the reranker, in one run.

    .venv/bin/python -m bench.semantic_weights ../shared/data/scifact --index /tmp/scifact

The index must hold passage vectors (`qabot index --semantic`); `qabot eval --beir` builds it. The
shipped weights are chosen on news questions (`qabot eval --loao`); this shows what another kind of
text would choose.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bot.answer import Answerer
from bot.beir import load_benchmark, mean_ndcg, qabot_retriever
from index import Ranking, load_index

WEIGHTS = (0.0, 5.0, 10.0, 20.0, 40.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="BEIR folder: corpus.jsonl, queries, qrels")
    parser.add_argument("--index", type=Path, required=True, help="its qabot index, with vectors")
    args = parser.parse_args()
    bench = load_benchmark(args.folder)
    index = load_index(args.index)
    if index.vectors is None:
        raise SystemExit(f"{args.index} has no passage vectors: run `qabot index --semantic` on it first")
    for weight in WEIGHTS:
        started = time.perf_counter()
        answerer = Answerer(index, Ranking(semantic_weight=weight, sentence_weight=weight))
        value = mean_ndcg(bench, qabot_retriever(answerer))
        print(f"passage and sentence weight {weight:>4g}: nDCG@10 {value:.4f}  ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
