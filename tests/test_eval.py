"""Answer quality on the article's evaluation set, next to plain BM25Okapi (docs/eval/article.jsonl)."""

from pathlib import Path

from bot.answer import Answerer
from bot.evaluate import baseline_ranker, load_questions, qabot_ranker, score
from tests.conftest import REPO

EVAL = REPO / "docs" / "eval" / "article.jsonl"


def test_eval_set_is_large_and_varied() -> None:
    questions = load_questions(EVAL)
    kinds = {q.kind for q in questions}
    assert len(questions) >= 60
    assert sum(1 for q in questions if not q.gold) >= 8
    assert {"acronym", "expansion", "misspelling", "number", "heading", "paraphrase"} <= kinds


def test_gold_phrases_are_in_the_article(answerer: Answerer) -> None:
    texts = [p.text for p in answerer.index.passages]
    for q in load_questions(EVAL):
        for phrase in q.gold:
            assert sum(phrase in t for t in texts) == 1, (q.id, phrase)


def test_quality_does_not_fall_below_the_measured_figures(answerer: Answerer) -> None:
    questions = load_questions(EVAL)
    ours = score(questions, qabot_ranker(answerer))
    base = score(questions, baseline_ranker([p.text for p in answerer.index.passages]))
    # Thresholds sit just under the figures measured when they were set (docs/quality.md). The gate
    # re-chosen on 2026-11-28 (0.867) refuses q11, one question of 56: hit@1 0.893, MRR 0.923.
    assert ours.hit1 >= 0.89
    assert ours.hit3 >= 0.95
    assert ours.mrr >= 0.92
    assert ours.not_found >= 0.80
    assert ours.hit1 > base.hit1 and ours.mrr > base.mrr


def test_eval_command_prints_both_systems(answerer: Answerer, tmp_path: Path) -> None:
    import io

    from bot.evaluate import run_eval

    out = io.StringIO()
    run_eval(answerer, EVAL, out)
    text = out.getvalue()
    assert "qabot" in text and "BM25Okapi baseline" in text and "hit@1" in text
