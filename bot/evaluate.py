"""`qabot eval`: hit@1, hit@3, MRR and honest "not found" on a question set, next to a baseline."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .answer import ANSWERED, Answerer

Ranker = Callable[[str], list[str] | None]  # question -> ranked passage texts (None: "not found")


@dataclass(frozen=True)
class Question:
    """One evaluation question and the phrases that mark its gold passage(s); none: unanswerable."""

    id: str
    question: str
    gold: tuple[str, ...]
    kind: str
    doc: str = ""  # which article the question is about (leave-one-article-out groups by it)
    after: str | None = None  # a follow-up: the id of the question it follows in the chat


@dataclass(frozen=True)
class Scores:
    """Figures for one system on one question set."""

    hit1: float
    hit3: float
    mrr: float
    not_found: float  # share of unanswerable questions answered "not found"
    misses: tuple[str, ...]  # ids of answerable questions not answered right at rank 1
    wrongly_answered: tuple[str, ...]  # ids of unanswerable questions given an answer


def load_questions(path: Path) -> list[Question]:
    """Read a JSON Lines question set (id, question, gold, kind; optional doc, after). Rows
    without `doc` are about the article named by the file's stem."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            after = row.get("after")
            questions.append(
                Question(
                    str(row["id"]),
                    str(row["question"]),
                    tuple(row["gold"]),
                    str(row.get("kind", "")),
                    str(row.get("doc") or path.stem),
                    str(after) if after else None,
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ValueError(f"{path}:{number}: not a question row ({err})") from None
    return questions


def score(questions: Sequence[Question], rank: Ranker) -> Scores:
    """Run every question through `rank` and compute the figures."""
    answerable = [q for q in questions if q.gold]
    unanswerable = [q for q in questions if not q.gold]
    hit1 = hit3 = rr = 0.0
    misses: list[str] = []
    for q in answerable:
        ranked = rank(q.question) or []
        position = next(
            (i for i, text in enumerate(ranked, start=1) if any(g in text for g in q.gold)), None
        )
        if position == 1:
            hit1 += 1
        else:
            misses.append(q.id)
        if position is not None and position <= 3:
            hit3 += 1
        if position is not None:
            rr += 1 / position
    wrong = [q.id for q in unanswerable if rank(q.question) is not None]
    n = max(len(answerable), 1)
    return Scores(
        hit1 / n,
        hit3 / n,
        rr / n,
        (len(unanswerable) - len(wrong)) / max(len(unanswerable), 1),
        tuple(misses),
        tuple(wrong),
    )


def qabot_ranker(answerer: Answerer) -> Ranker:
    """The product's own pipeline, with its "not found" decision."""

    def rank(question: str) -> list[str] | None:
        answer = answerer.answer(question, 10)
        if answer.status != ANSWERED:
            return None
        return [r.text for r in answer.results]

    return rank


def _whitespace(text: str) -> list[str]:
    return text.lower().split()


def baseline_ranker(passages: Sequence[str], split: Callable[[str], list[str]] = _whitespace) -> Ranker:
    """Plain rank-bm25 BM25Okapi over passages split by `split` (default: lowercase whitespace);
    "not found" at score <= 0."""
    from rank_bm25 import BM25Okapi

    bm25 = BM25Okapi([split(p) for p in passages])

    def rank(question: str) -> list[str] | None:
        scores = bm25.get_scores(split(question))
        order = sorted(range(len(passages)), key=lambda i: (-scores[i], i))
        if not order or scores[order[0]] <= 0:
            return None
        return [passages[i] for i in order[:10] if scores[i] > 0]

    return rank


def run_eval(answerer: Answerer, path: Path, out: TextIO) -> int:
    """Print the figures of qabot and of the baseline on the question set at `path`."""
    questions = load_questions(path)
    ours = score(questions, qabot_ranker(answerer))
    base = score(questions, baseline_ranker([p.text for p in answerer.index.passages]))
    n_ans = sum(1 for q in questions if q.gold)
    out.write(f"{path}: {n_ans} answerable, {len(questions) - n_ans} unanswerable questions\n")
    out.write(f"{'system':<22}{'hit@1':>7}{'hit@3':>7}{'MRR':>7}{'not found':>11}\n")
    for name, s in (("qabot", ours), ("BM25Okapi baseline", base)):
        out.write(f"{name:<22}{s.hit1:>7.3f}{s.hit3:>7.3f}{s.mrr:>7.3f}{s.not_found:>11.3f}\n")
    out.write(f"qabot misses at rank 1: {', '.join(ours.misses) or 'none'}\n")
    out.write(f"qabot answered unanswerable: {', '.join(ours.wrongly_answered) or 'none'}\n")
    return 0
