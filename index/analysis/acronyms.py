"""Acronyms and their expansions, learned from the documents' own "Long Name (LN)" patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .tokens import STOPWORDS, tokenize

# "Department of Homeland Security (DHS)": 2-6 capitals (an optional lower-case "s" or digits
# are not acronyms we can match to initials) in brackets right after the words they stand for.
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z]{1,5})\)")
_WORD = re.compile(r"[\w'’-]+")
_POSSESSIVE = re.compile(r"['’]s$")
_CONNECTORS = frozenset({"of", "and", "for", "the", "on", "in", "to", "&"})
# An acronym used bare ("in CBP custody"), and runs of capitalised words that may spell one out.
_BARE = re.compile(r"(?<![\w(])([A-Z]{2,6})(?![\w)])")
_PHRASE = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:(?:of|and|for|the|on|in|to|&)\s+)*[A-Z][\w'’-]*)+")


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
    _add_undefined(text, found)
    return found


def _add_undefined(text: str, found: dict[str, tuple[str, ...]]) -> None:
    """Acronyms the text uses without a "(CBP)" definition, linked to a run of capitalised words
    elsewhere in the same text whose initials spell them ("Customs and Border Protection")."""
    bare = {m.group(1) for m in _BARE.finditer(text)}
    wanted = {a for a in bare if (t := tokenize(a)) and t[0] not in found}
    if not wanted:
        return
    for match in _PHRASE.finditer(text):
        words = match.group(0).split()
        capitals = [i for i, w in enumerate(words) if w.lower() not in _CONNECTORS]
        # Every run from one capitalised word to a later one: "San Ysidro Customs and Border
        # Protection" holds "Customs and Border Protection".
        for a in range(len(capitals)):
            for b in range(a + 1, len(capitals)):
                initials = "".join(words[i][0] for i in capitals[a : b + 1])
                if initials not in wanted:
                    continue
                expansion_terms = tuple(tokenize(" ".join(words[capitals[a] : capitals[b] + 1])))
                acronym_terms = tokenize(initials)
                if len(acronym_terms) == 1 and len(expansion_terms) >= 2:
                    found.setdefault(acronym_terms[0], expansion_terms)


def spelled_out(text: str, acronym: str) -> str | None:
    """The words `acronym` (as written, e.g. "DHS") stands for, as `text` writes them: before
    "(DHS)", else a run of capitalised words with those initials; None when `text` has neither."""
    letters = [c for c in acronym if c.isupper()]
    if len(letters) < 2:
        return None
    for match in re.finditer(rf"\(\s*{re.escape(acronym)}\s*\)", text):
        words = _WORD.findall(text[max(0, match.start() - 200) : match.start()])
        expansion = _expansion(words, letters)
        if expansion is not None:
            return " ".join(expansion)
    for match in _PHRASE.finditer(text):
        words = match.group(0).split()
        capitals = [i for i, w in enumerate(words) if w.lower() not in _CONNECTORS]
        for a in range(len(capitals)):
            b = a + len(letters) - 1
            if b < len(capitals) and [words[i][0] for i in capitals[a : b + 1]] == letters:
                # "New York University’s Stern School": the acronym stands for the name, not its possessive.
                return _POSSESSIVE.sub("", " ".join(words[capitals[a] : capitals[b] + 1]))
    return None


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


@dataclass(frozen=True)
class AcronymTable:
    """An index's acronyms in order, with lookups by acronym and by an expansion's first term."""

    items: list[tuple[str, tuple[str, ...]]]
    position: dict[str, int]
    by_first: dict[str, list[int]]

    @classmethod
    def of(cls, acronyms: dict[str, tuple[str, ...]]) -> AcronymTable:
        """The table of an index's acronym -> expansion terms."""
        items = list(acronyms.items())
        by_first: dict[str, list[int]] = {}
        for i, (_, expansion) in enumerate(items):
            by_first.setdefault(expansion[0], []).append(i)
        return cls(items, {a: i for i, (a, _) in enumerate(items)}, by_first)
