"""`qabot eval --loao`: settings chosen without the article (and the questions) they are measured on."""

from __future__ import annotations

import io

import pytest

from bot.answer import Answerer
from bot.evaluate import Question, load_questions
from bot.tuning import run_loao
from tests.conftest import REPO

EVAL = REPO / "docs" / "eval"
DOCS = ("police", "flu", "universe", "tariffs")


def _sample(questions: list[Question], per_doc: int) -> list[Question]:
    """The first few answerable and unanswerable questions of each article (follow-ups left out)."""
    picked: list[Question] = []
    for doc in DOCS:
        mine = [q for q in questions if q.doc == doc and not q.after]
        picked += [q for q in mine if q.gold][:per_doc] + [q for q in mine if not q.gold][:2]
    return picked


@pytest.mark.parametrize(("name", "answerable", "unanswerable"), [
    ("blind1.jsonl", 100, 40), ("blind2.jsonl", 100, 40), ("blind3.jsonl", 99, 41), ("blind4.jsonl", 100, 40),
    ("spanish2.jsonl", 60, 24), ("french.jsonl", 48, 20),
    ("spanish.jsonl", 60, 24),
])
def test_the_blind_sets_are_written_for_all_four_articles(
    four_articles: Answerer, name: str, answerable: int, unanswerable: int
) -> None:
    texts = [p.text for p in four_articles.index.passages]
    unseen = load_questions(EVAL / name)
    assert {q.doc for q in unseen} == set(DOCS)
    assert sum(1 for q in unseen if q.gold) >= answerable and sum(1 for q in unseen if not q.gold) >= unanswerable
    for q in unseen:
        for phrase in q.gold:
            assert sum(phrase in t for t in texts) == 1, (q.id, phrase)


def test_unseen_questions_are_scored_but_never_tuned_on(four_articles: Answerer) -> None:
    tuning = _sample(load_questions(EVAL / "article.jsonl") + load_questions(EVAL / "news.jsonl"), 6)
    unseen = _sample(load_questions(EVAL / "blind2.jsonl"), 4)
    alone, with_unseen = io.StringIO(), io.StringIO()
    chosen = run_loao(four_articles.index, tuning, alone)
    # The same settings are chosen whether or not the unseen questions come along.
    assert run_loao(four_articles.index, tuning, with_unseen, unseen) == chosen
    report = with_unseen.getvalue()
    for doc in DOCS:
        assert f"unseen {doc}" in report
    for row in ("unseen ALL (held out)", "unseen ALL (tuned on all four)"):
        assert row in report
    assert "unseen" not in alone.getvalue()
