"""Expected answer types: a question asking "how many" or "when" is answered only by a passage
holding a number or a date. A classic question-answering check, and the evidence BM25 lacks for
telling "when was X born?" (not in the article) from "when did Obama end X?" (in it)."""

from __future__ import annotations

import re

NUMBER = "number"
DATE = "date"

_ASKS_NUMBER = re.compile(
    r"\bhow\s+(?:many|much|long|old|often|far|big|large|high|few)\b|\bwhat\s+(?:number|percentage|share)\b",
    re.IGNORECASE,
)
# "When" asks for a date only as the question word ("when did ..."), not in a clause ("who
# suffers when police ...").
_ASKS_DATE = re.compile(
    r"^\W*(?:and\s+|so\s+|but\s+)?when\b|\bwhat\s+(?:year|date|day|month|time)\b"
    r"|\bwhich\s+(?:year|date|day|month)\b|\bsince\s+when\b",
    re.IGNORECASE,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|"
    "several|few"
)
# A figure standing on its own: not part of a name like "COVID-19" or "287(g)".
_FIGURE = re.compile(r"(?<![\w-])\d[\d,.]*(?![\w(-])")
_NUMBER_WORD = re.compile(rf"\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\w-])(?:1[89]|20)\d\d(?![\w(-])")
_MONTH = re.compile(rf"\b(?:{_MONTHS})\b\.?\s+\d|\b\d{{1,2}}\s+(?:{_MONTHS})\b", re.IGNORECASE)
# A capitalised month name on its own ("closes in May"): case-sensitive, so the verb "may" is not one.
_MONTH_NAME = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
_DAY_WORDS = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|"
    r"last\s+(?:week|month|year)|first\s+day|(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)"
    r"\s+(?:days?|weeks?|months?|years?)\s+(?:ago|later|earlier))\b",
    re.IGNORECASE,
)


def expected_type(question: str) -> str | None:
    """NUMBER or DATE when the question asks for one, else None."""
    if _ASKS_DATE.search(question):
        return DATE
    if _ASKS_NUMBER.search(question):
        return NUMBER
    return None


def holds_type(text: str, kind: str) -> bool:
    """Whether `text` holds an answer of that type."""
    if kind == NUMBER:
        return bool(_FIGURE.search(text) or _NUMBER_WORD.search(text))
    if kind == DATE:
        return bool(
            _YEAR.search(text) or _MONTH.search(text) or _MONTH_NAME.search(text) or _DAY_WORDS.search(text)
        )
    return True
