"""Leave-one-article-out: every weight and threshold is chosen on the other articles' questions, and
the figures reported for an article come from settings that never saw its questions.

`qabot eval --loao` indexes the bundled article with the evaluation articles (docs/eval/articles/)
and, for each article in turn: chooses the semantic weight (best MRR on the others' answerable
questions), then the gate (the cosine weight and the "not found" threshold that refuse the most of
the others' unanswerable questions while keeping KEEP of their answerable ones, and the "not sure"
threshold above which their answers were right PRECISE of the time), then answers the held-out
article's questions with the real pipeline and those settings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

from index import Engine, Ranking, tokenize

from .answer import ANSWERED, COSINE_FLOOR, Answerer, Gate
from .evaluate import Question, Scores, baseline_ranker, score
from .followup import Conversation

# Passage and sentence cosines weigh alike: tuning them apart chose noise (a fold picked 0 and 10).
WEIGHTS = tuple((w, w) for w in (0.0, 5.0, 10.0, 20.0, 40.0))
COSINE_WEIGHTS = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0)
KEEP = 0.96  # answerable questions the gate must keep, on the tuning articles (target: 0.95 held out)
PRECISE = 0.90  # answers above the "not sure" threshold were right at rank 1 this often
OPEN = Gate(-math.inf, -math.inf, 0.0, -math.inf, -math.inf)  # refuses only for a missing answer type


@dataclass(frozen=True)
class Trace:
    """One question answered with the gate open: where its gold passage ranked, the evidence."""

    question: Question
    position: int | None  # rank of the first gold passage in the top 10 (None: not there)
    refused: bool  # refused anyway: no passage matched, or none of the top holds the answer type
    confidence: float
    cosine: float | None

    def evidence(self, gate: Gate) -> float:
        """What `gate` would weigh for this answer."""
        return gate.evidence(self.confidence, self.cosine)


@dataclass(frozen=True)
class Choice:
    """Settings chosen on some articles' questions."""

    ranking: Ranking
    gate: Gate


@dataclass(frozen=True)
class Figures:
    """An article's (or all articles') held-out figures."""

    answerable: int
    unanswerable: int
    hit1: float  # gate open: ranking quality
    hit3: float
    mrr: float
    kept: float  # answerable questions answered (not refused)
    refused: float  # unanswerable questions refused
    answered_right: float  # answerable questions answered with a gold passage at rank 1


def run_questions(answerer: Answerer, questions: Sequence[Question], k: int = 10) -> list[Trace]:
    """Answer each question (a follow-up after the question it follows): where the gold passage
    ranks with no gate at all, and whether `answerer`'s gate refuses it."""
    by_id = {q.id: q for q in questions}
    traces = []
    for q in questions:
        conversation = Conversation()
        if q.after and q.after in by_id:
            conversation.record(answerer.answer(by_id[q.after].question, k))
        context = conversation.context()
        ranked = answerer.answer(q.question, k, gate=False, context=context)
        gated = answerer.answer(q.question, k, context=context)
        texts = [r.text for r in ranked.results]
        position = next((i for i, t in enumerate(texts, 1) if any(g in t for g in q.gold)), None)
        top = gated.results[0] if gated.results else None
        cosine = top.sentence_cosine if top is not None else None
        traces.append(Trace(q, position, gated.status != ANSWERED, gated.confidence, cosine))
    return traces


def _ranking_key(traces: Sequence[Trace]) -> tuple[float, float, float]:
    answerable = [t for t in traces if t.question.gold]
    n = max(len(answerable), 1)
    hit1 = sum(t.position == 1 for t in answerable) / n
    hit3 = sum(t.position is not None and t.position <= 3 for t in answerable) / n
    mrr = sum(1 / t.position for t in answerable if t.position) / n
    return hit1, hit3, mrr


def _mrr_first(key: tuple[float, float, float]) -> tuple[float, float, float]:
    hit1, hit3, mrr = key
    return mrr, hit1, hit3


def choose_gate(traces: Sequence[Trace]) -> Gate:
    """The cosine weight and thresholds for these traces (see the module's docstring)."""
    answerable = [t for t in traces if t.question.gold]
    unanswerable = [t for t in traces if not t.question.gold]
    semantic = any(t.cosine is not None for t in traces)
    best: tuple[tuple[float, float], Gate] | None = None
    for weight in COSINE_WEIGHTS if semantic else (0.0,):
        probe = Gate(cosine_weight=weight)
        kept = sorted(t.evidence(probe) for t in answerable if not t.refused)
        allowed = len(answerable) - math.ceil(KEEP * len(answerable))  # answerable we may refuse
        lost = len(answerable) - len(kept)  # already refused for their answer type
        cut = allowed - lost
        threshold = kept[cut] if 0 <= cut < len(kept) else (kept[0] if kept else 0.0)
        refused = sum(t.refused or t.evidence(probe) < threshold for t in unanswerable)
        low = _unsure_below(answerable, probe, threshold)
        gate = (
            Gate(cosine_weight=weight, semantic_not_found_below=threshold, semantic_low_below=low)
            if semantic
            else Gate(not_found_below=threshold, low_confidence_below=low)
        )
        key = (refused / max(len(unanswerable), 1), -weight)
        if best is None or key > best[0]:
            best = (key, gate)
    assert best is not None
    return best[1]


def _unsure_below(answerable: Sequence[Trace], gate: Gate, floor: float) -> float:
    """The lowest threshold above which answers were right at rank 1 PRECISE of the time."""
    shown = sorted(
        ((t.evidence(gate), t.position == 1) for t in answerable if not t.refused and t.evidence(gate) >= floor),
        reverse=True,
    )
    right = 0
    below = floor
    for i, (value, correct) in enumerate(shown, start=1):
        right += correct
        if right / i >= PRECISE:
            below = value
    return below


Weights = tuple[float, float]  # (passage cosine weight, sentence cosine weight)


def trace_all(index: Engine, questions: Sequence[Question], semantic: bool) -> dict[Weights, list[Trace]]:
    """Every question answered with the gate open, once per pair of weights tried."""
    return {
        w: run_questions(Answerer(index, _ranking(w), OPEN, encoder=semantic), questions)
        for w in (WEIGHTS if semantic else ((0.0, 0.0),))
    }


def _ranking(weights: Weights) -> Ranking:
    return Ranking(semantic_weight=weights[0], sentence_weight=weights[1])


def choose(traced: dict[Weights, list[Trace]], docs: set[str]) -> Choice:
    """Settings chosen on the questions about `docs` only (from traces of all questions)."""
    subset = {w: [t for t in ts if t.question.doc in docs] for w, ts in traced.items()}
    # By MRR, which counts every question's rank: hit@1 alone flips between weights on one
    # question of ~150 (a fold chose 5/5 over 20/20 by 0.836 to 0.829 while its MRR was lower).
    weights = max(subset, key=lambda w: (_mrr_first(_ranking_key(subset[w])), -sum(w)))
    return Choice(_ranking(weights), choose_gate(subset[weights]))


def figures(index: Engine, questions: Sequence[Question], choice: Choice, semantic: bool) -> Figures:
    """The real pipeline with `choice` on `questions`: ranking with the gate open, then gated."""
    return _figures(*_traces(index, questions, choice, semantic))


def _traces(
    index: Engine, questions: Sequence[Question], choice: Choice, semantic: bool
) -> tuple[list[Trace], list[Trace]]:
    """`questions` answered with `choice`'s ranking, with the gate open and then gated."""
    ranked = run_questions(Answerer(index, choice.ranking, OPEN, encoder=semantic), questions)
    gated = run_questions(Answerer(index, choice.ranking, choice.gate, encoder=semantic), questions)
    return ranked, gated


def _figures(ranked: Sequence[Trace], gated: Sequence[Trace]) -> Figures:
    hit1, hit3, mrr = _ranking_key(ranked)
    answerable = [t for t in gated if t.question.gold]
    unanswerable = [t for t in gated if not t.question.gold]
    na, nu = max(len(answerable), 1), max(len(unanswerable), 1)
    return Figures(
        len(answerable),
        len(unanswerable),
        hit1,
        hit3,
        mrr,
        sum(not t.refused for t in answerable) / na,
        sum(t.refused for t in unanswerable) / nu,
        sum(not t.refused and t.position == 1 for t in answerable) / na,
    )


def _pooled(parts: Iterable[tuple[list[Trace], list[Trace]]]) -> Figures:
    ranked: list[Trace] = []
    gated: list[Trace] = []
    for r, g in parts:
        ranked += r
        gated += g
    return _figures(ranked, gated)


def run_loao(
    index: Engine, questions: Sequence[Question], out: TextIO, unseen: Sequence[Question] = ()
) -> dict[str, Choice]:
    """Print held-out figures per article and overall for qabot (with and without vectors) and the
    two BM25Okapi baselines; the figures on the tuning questions are printed too, labelled.
    `unseen`: questions never tuned on (docs/eval/blind2.jsonl), scored with each fold's settings
    (their article held out too) and with the settings chosen on all of `questions`."""
    docs = list(dict.fromkeys(q.doc for q in questions))
    modes = [("qabot (BM25 + vectors)", True), ("qabot (BM25 only)", False)]
    if index.vectors is None:
        modes = modes[1:]
        out.write("(no passage vectors in this index: the semantic mode is not measured)\n")
    chosen: dict[str, Choice] = {}
    rows: list[tuple[str, str, Figures]] = []
    for name, semantic in modes:
        parts = []
        folds: dict[str, Choice] = {}
        traced = trace_all(index, questions, semantic)
        for held in docs:
            test = [q for q in questions if q.doc == held]
            choice = folds[held] = choose(traced, set(docs) - {held})
            if semantic:
                chosen[held] = choice
            ranked, gated = _traces(index, test, choice, semantic)
            parts.append((ranked, gated))
            rows.append((name, held, _figures(ranked, gated)))
            out.write(f"{name}, held out {held}: {_describe(choice, semantic)}\n")
        rows.append((name, "ALL (held out)", _pooled(parts)))
        everything = choose(traced, set(docs))
        rows.append((name, "ALL (tuned on these: flatters)", figures(index, questions, everything, semantic)))
        out.write(f"{name}, tuned on all four articles: {_describe(everything, semantic)}\n")
        if unseen:
            # Each article's unseen questions with that article's fold settings (chosen above).
            fresh_parts = []
            for held in docs:
                test = [q for q in unseen if q.doc == held]
                if test:
                    fresh_parts.append(_traces(index, test, folds[held], semantic))
                    rows.append((name, f"unseen {held}", _figures(*fresh_parts[-1])))
            rows.append((name, "unseen ALL (held out)", _pooled(fresh_parts)))
            rows.append((name, "unseen ALL (tuned on all four)", figures(index, unseen, everything, semantic)))
    passages = [p.text for p in index.passages]
    for name, ranker in (
        ("BM25Okapi whitespace", baseline_ranker(passages)),
        ("BM25Okapi Snowball+stop", baseline_ranker(passages, tokenize)),
    ):
        for held in [*docs, "ALL"]:
            subset = [q for q in questions if held == "ALL" or q.doc == held]
            s = score(subset, ranker)
            rows.append((name, held, _from_scores(s, subset)))
        if unseen:
            rows.append((name, "unseen ALL", _from_scores(score(unseen, ranker), unseen)))
    _table(rows, out)
    return chosen


def _from_scores(s: Scores, questions: Sequence[Question]) -> Figures:
    na = sum(1 for q in questions if q.gold)
    return Figures(na, len(questions) - na, s.hit1, s.hit3, s.mrr, math.nan, s.not_found, math.nan)


def _describe(choice: Choice, semantic: bool) -> str:
    g = choice.gate
    if not semantic:
        return f"gate: not found below {g.not_found_below:.3f}, unsure below {g.low_confidence_below:.3f}"
    return (
        f"cosine weights: passage {choice.ranking.semantic_weight:g}, sentence {choice.ranking.sentence_weight:g}; "
        f"gate: confidence + {g.cosine_weight:g} x (cosine - {COSINE_FLOOR}), not found below "
        f"{g.semantic_not_found_below:.3f}, unsure below {g.semantic_low_below:.3f}"
    )


def _table(rows: Sequence[tuple[str, str, Figures]], out: TextIO) -> None:
    out.write(
        f"\n{'system':<24}{'article':<32}{'ans':>5}{'unans':>6}{'hit@1':>7}{'hit@3':>7}{'MRR':>7}"
        f"{'kept':>7}{'refused':>8}{'right@1':>8}\n"
    )
    for name, held, f in rows:
        out.write(
            f"{name:<24}{held:<32}{f.answerable:>5}{f.unanswerable:>6}{f.hit1:>7.3f}{f.hit3:>7.3f}"
            f"{f.mrr:>7.3f}{_num(f.kept):>7}{_num(f.refused):>8}{_num(f.answered_right):>8}\n"
        )


def _num(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.3f}"
