"""Example questions derived from the index: the names it mentions most, checked to be answerable."""

from __future__ import annotations

import re
from collections import Counter

from index import tokenize

from .answer import ANSWERED, Answerer

# Runs of capitalised words, allowing short joiners inside: "Department of Homeland Security".
_NAME = re.compile(
    r"\b[A-Z][\w’'.-]*[\w](?:\s+(?:of|for|and|the|de|van|von)?\s*[A-Z][\w’'.-]*[\w])+"
)
_POSSESSIVE = re.compile(r"['’]s$")
TEMPLATE = "What does it say about {}?"
MAX_NAME_CHARS = 40


def example_questions(answerer: Answerer, count: int = 3) -> list[str]:
    """Up to `count` questions about names the documents mention most; each one is answered."""
    index = answerer.index
    titles = {tuple(tokenize(d.title)) for d in index.documents}
    seen: Counter[str] = Counter()
    first: dict[str, int] = {}
    for position, passage in enumerate(index.passages):
        for match in _NAME.finditer(passage.text):
            name = _trim(match.group())
            if name is None:
                continue
            seen[name] += 1
            first.setdefault(name, position)
    # A name counts once per mention, plus the passages mentioning its last word alone ("Mayorkas").
    passage_terms = [set(tokenize(p.text)) for p in index.passages]
    score = {
        name: seen[name] + sum(1 for terms in passage_terms if tokenize(name)[-1] in terms)
        for name in seen
    }
    ranked = sorted(seen, key=lambda n: (-score[n], first[n], n))
    questions: list[str] = []
    used_terms: set[str] = set()
    used_passages: set[int] = set()
    for name in ranked:
        terms = tokenize(name)
        if tuple(terms) in titles or used_terms.intersection(terms):
            continue
        question = TEMPLATE.format(name)
        answer = answerer.answer(question, 1)
        if answer.status != ANSWERED or not set(terms) <= set(answer.results[0].matched):
            continue
        if answer.results[0].passage_id in used_passages:  # three buttons, three different answers
            continue
        questions.append(question)
        used_terms.update(terms)
        used_passages.add(answer.results[0].passage_id)
        if len(questions) == count:
            break
    return questions


def _trim(name: str) -> str | None:
    """The name without leading stopwords ("The Secure Communities" -> "Secure Communities")."""
    words = _POSSESSIVE.sub("", name).split()
    while words and not tokenize(words[0]):
        words.pop(0)
    if len(words) < 2 or len(" ".join(words)) > MAX_NAME_CHARS:
        return None
    return " ".join(words)
