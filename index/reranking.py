"""BM25's candidates reordered by meaning: `bm25 / best bm25 + weight * cosine`.

BM25 finds passages that share the question's words; the encoder (semantic.py) tells which of them
say what was asked ("set up a clinic" ~ "stage a mobile vaccine"). On a small index every passage's
vector is also searched, so a question sharing no word with its answer (or asked in Spanish about an
English article) still finds it. Without vectors the order is BM25's, unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .engine import Hit
from .semantic import Encoder, Vectors

QUESTION_CHARS = 400


class Rerankable(Protocol):
    """What reranking needs of an index (both engines have it)."""

    @property
    def vectors(self) -> Vectors | None: ...

    def passage_count(self) -> int: ...


@dataclass(frozen=True)
class Ranking:
    """Reranking settings; chosen leave-one-article-out (docs/quality.md, `qabot eval --tune`)."""

    semantic_weight: float = 20.0  # how much one unit of a passage's cosine counts against BM25's 0..1
    sentence_weight: float = 20.0  # the same for the cosine of its sentence nearest the question
    depth: int = 50  # BM25 candidates reranked
    dense: int = 10  # on small indexes, also the passages nearest the question's vector
    dense_max_passages: int = 20_000  # "small": every vector searched with one product


@dataclass(frozen=True)
class Scored:
    """A reranked passage: its combined score and the two parts it came from."""

    passage_id: int
    score: float
    bm25: float  # 0.0 for a passage found by its vector alone
    cosine: float | None  # the passage's cosine with the question; None without vectors
    sentence_cosine: float | None = None  # its nearest sentence's


def rerank(
    index: Rerankable,
    hits: Sequence[Hit],
    question: str,
    encoder: Encoder | None,
    ranking: Ranking,
) -> list[Scored]:
    """`hits` (BM25's, best first) reranked with the question's vector, when the index has vectors
    made by `encoder`; else the same order with cosine None."""
    vectors = index.vectors
    if encoder is None or vectors is None or vectors.model != encoder.name:
        return [Scored(h.passage_id, h.score, h.score, None) for h in hits]
    # A question's first QUESTION_CHARS characters carry its meaning; a pasted page would cost
    # the encoder a second and tell it nothing more.
    query = encoder.queries([question[:QUESTION_CHARS]])[0]
    bm25 = {h.passage_id: h.score for h in hits[: ranking.depth]}
    ids = list(bm25)
    if ranking.dense and index.passage_count() <= ranking.dense_max_passages:
        every = (
            ranking.semantic_weight * vectors.passages.similarity(query)
            + ranking.sentence_weight * vectors.best_sentence(query)
        )
        nearest = np.argsort(-every, kind="stable")[: ranking.dense]
        ids.extend(int(i) for i in nearest if int(i) not in bm25)
    if not ids:
        return []
    passage_cos = vectors.passages.similarity(query, ids)
    sentence_cos = vectors.best_sentence(query, ids)
    top = max(bm25.values(), default=0.0) or 1.0
    scored = [
        Scored(
            i,
            bm25.get(i, 0.0) / top + ranking.semantic_weight * float(pc) + ranking.sentence_weight * float(sc),
            bm25.get(i, 0.0),
            float(pc),
            float(sc),
        )
        for i, pc, sc in zip(ids, passage_cos, sentence_cos, strict=True)
    ]
    # Ties go to BM25's order, then to document order.
    scored.sort(key=lambda s: (-s.score, -s.bm25, s.passage_id))
    return scored
