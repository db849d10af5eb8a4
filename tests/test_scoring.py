import math

from rank_bm25 import BM25Okapi

from bot.answer import Answerer
from index.engines.scoring import LuceneBM25


def corpus() -> list[list[str]]:
    # "ice" is in exactly half the passages, "polic" in more than half.
    return [["ice", "polic"], ["ice", "polic"], ["polic", "dhs"], ["budget"]]


def test_okapi_idf_gives_no_weight_to_a_term_in_half_the_passages() -> None:
    okapi = BM25Okapi(corpus())
    assert okapi.idf["ice"] == 0.0  # the flaw the Lucene idf avoids
    assert okapi.get_scores(["ice"])[0] == 0.0


def test_lucene_idf_is_positive_for_every_term() -> None:
    bm25 = LuceneBM25(corpus())
    for term, n in (("ice", 2), ("polic", 3), ("dhs", 1)):
        assert math.isclose(bm25.idf[term], math.log(1 + (4 - n + 0.5) / (n + 0.5)))
        assert bm25.idf[term] > 0
    scores = bm25.get_scores(["ice"])
    assert scores[0] > 0 and scores[1] > 0 and scores[2] == 0 and scores[3] == 0


def test_common_article_terms_add_weight(answerer: Answerer) -> None:
    index = answerer.index
    for term in ("dhs", "ice", "polic", "immigr"):
        assert index.idf(term) > 0


def test_search_never_returns_a_zero_score(answerer: Answerer) -> None:
    hits = answerer.index.search({"mayorka": 1.0, "nonexistentterm": 1.0}, limit=50)
    assert hits and all(h.score > 0 for h in hits)
    assert answerer.index.search({"nonexistentterm": 1.0}) == []


def test_ties_are_broken_by_document_order(answerer: Answerer) -> None:
    hits = answerer.index.search({"us": 1.0}, limit=50)
    for a, b in zip(hits, hits[1:], strict=False):
        assert (-a.score, a.passage_id) < (-b.score, b.passage_id)
