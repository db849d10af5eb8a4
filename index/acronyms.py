"""Acronyms and their expansions, learned from the documents' own "Long Name (LN)" patterns."""

from __future__ import annotations

import re

from .tokens import STOPWORDS, tokenize

# "Department of Homeland Security (DHS)": 2-6 capitals (an optional lower-case "s" or digits
# are not acronyms we can match to initials) in brackets right after the words they stand for.
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z]{1,5})\)")
_WORD = re.compile(r"[\w'’-]+")
_CONNECTORS = frozenset({"of", "and", "for", "the", "on", "in", "to", "&"})


def find_acronyms(text: str) -> dict[str, tuple[str, ...]]:
    """Map each acronym's term to the terms of the expansion written before it in `text`."""
    found: dict[str, tuple[str, ...]] = {}
    for match in _ACRONYM.finditer(text):
        letters = [c for c in match.group(1) if c.isupper()]
        if len(letters) < 2:
            continue
        before = _WORD.findall(text[max(0, match.start() - 200) : match.start()])
        expansion = _expansion(before, letters)
        if expansion is None:
            continue
        acronym_terms = tokenize(match.group(1))
        expansion_terms = tuple(tokenize(" ".join(expansion)))
        if len(acronym_terms) == 1 and len(expansion_terms) >= 2:
            found.setdefault(acronym_terms[0], expansion_terms)
    return found


def _expansion(words: list[str], letters: list[str]) -> list[str] | None:
    """The shortest run of words ending at the bracket whose initials spell `letters`."""
    wanted = list(reversed(letters))
    taken: list[str] = []
    for word in reversed(words):
        if not wanted:
            break
        if word.lower() in _CONNECTORS and taken:
            taken.append(word)
            continue
        if word[0].upper() != wanted[0] or word.lower() in STOPWORDS:
            return None
        taken.append(word)
        wanted.pop(0)
    if wanted:
        return None
    return list(reversed(taken))


def with_acronyms(terms: list[str], acronyms: dict[str, tuple[str, ...]]) -> list[str]:
    """`terms` plus the acronym's term after each spelled-out expansion ("department homeland
    secur" -> also "dhs"), so that a question using either form matches passages using the other.
    The defining mention, where the acronym follows in brackets, already has it and is not doubled."""
    if not acronyms:
        return terms
    return AcronymAdder(acronyms)(terms)


class AcronymAdder:
    """`with_acronyms` for one table, prepared once: the archive build applies it to many lists."""

    def __init__(self, acronyms: dict[str, tuple[str, ...]]) -> None:
        self.by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for acronym, expansion in acronyms.items():
            self.by_first.setdefault(expansion[0], []).append((acronym, expansion))

    def __call__(self, terms: list[str]) -> list[str]:
        by_first = self.by_first
        added: dict[int, list[str]] = {}  # position after an expansion -> acronyms to insert there
        for i, term in enumerate(terms):
            for acronym, expansion in by_first.get(term, ()):
                end = i + len(expansion)
                if tuple(terms[i:end]) == expansion and (end >= len(terms) or terms[end] != acronym):
                    added.setdefault(end, []).append(acronym)
        if not added:
            return terms
        out: list[str] = []
        for i, term in enumerate(terms):
            out.extend(added.get(i, ()))
            out.append(term)
        out.extend(added.get(len(terms), ()))
        return out
