"""Expected answer types: a question asking "how many" or "when" is answered only by a passage
holding a number or a date. A classic question-answering check, and the evidence BM25 lacks for
telling "when was X born?" (not in the article) from "when did Obama end X?" (in it)."""

from __future__ import annotations

import re

from index import STOPWORDS

NUMBER = "number"
DATE = "date"
NAME = "name"

# "Who is the HHS secretary", "who said ...", "what is the name of ...": the answer is a name. Not
# every "who" asks for one ("who suffers most" -> "immigrant communities").
_ASKS_NAME = re.compile(
    r"\bname\b|^\W*(?:and\s+)?who(?:'s|\s+is|\s+was|\s+are|\s+were)\s+(?:the|a|an|their|its|his|her)\b"
    r"|^\W*(?:and\s+)?who\s+(?:said|says|wrote|signed|leads|led|heads|headed|runs|ran|made|makes|built|"
    r"created|founded|sent|told|blocked|chairs|chaired)\b",
    re.IGNORECASE,
)
# "What does DHS stand for", "what is ICE", "DHS meaning": the acronym, as written.
_ASKS_EXPANSION = re.compile(
    r"\b(?:what\s+(?:does|do|is|'s)\s+(?:the\s+)?|whats\s+)?([A-Z][A-Za-z]{1,5}|[a-z]{2,6})\s+"
    r"(?:stand\s+for|stands\s+for|mean|means|short\s+for|an?\s+acronym\s+for)\b"
    r"|\b(?:meaning|full\s+form|expansion)\s+of\s+([A-Za-z]{2,6})\b",
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z][\w'’-]*")

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
    """NUMBER, DATE or NAME when the question asks for one, else None."""
    if _ASKS_DATE.search(question):
        return DATE
    if _ASKS_NUMBER.search(question):
        return NUMBER
    if _ASKS_NAME.search(question):
        return NAME
    return None


# "how many GOP senators": the words counted (any may name it in the passage: "Senate Republicans").
_COUNTED = re.compile(
    r"\bhow\s+many\s+(?:more\s+|of\s+the\s+)?([a-z][\w'’-]*(?:\s+[a-z][\w'’-]*)?)", re.IGNORECASE
)
_ASKS_MONEY = re.compile(
    r"\bhow\s+much\b.*\b(?:cost|costs|spend|spent|pay|paid|money|price|worth|fund\w*|budget|raise\w*|earn\w*)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"[$€£¥]\s?\d|\b\d[\d,.]*\s*(?:dollars?|cents?|euros?|pounds?|yuan)\b|\b(?:million|billion|trillion|"
    r"dollars?|cents?|free|no\s+cost)\b",
    re.IGNORECASE,
)


def counted(question: str) -> str | None:
    """The words a "how many X" question counts (X: one or two words), else None."""
    match = _COUNTED.search(question)
    return match.group(1) if match else None


def holds_money(text: str) -> bool:
    """Whether `text` names an amount of money (or says it costs nothing)."""
    return bool(_MONEY.search(text))


def asks_money(question: str) -> bool:
    """Whether a "how much" question asks what something costs."""
    return bool(_ASKS_MONEY.search(question))


def asked_expansion(question: str) -> str | None:
    """The acronym a "what does DHS stand for / mean" question asks about, as written; else None."""
    match = _ASKS_EXPANSION.search(question)
    if match is None:
        return None
    word = match.group(1) or match.group(2)
    # Lower-case words pass too ("what does dhs mean"), but not "what does it / this mean".
    if word.lower() in STOPWORDS:
        return None
    return word.upper()


def holds_name(text: str, question: str) -> bool:
    """Whether `text` holds a capitalised name (not opening a sentence) that `question` lacks."""
    asked = {w.lower() for w in re.findall(r"[\w'’-]+", question)}
    return any(m.group(0).lower() not in asked for m in _CAPITALISED.finditer(text))


def holds_type(text: str, kind: str, question: str = "") -> bool:
    """Whether `text` holds an answer of that type (a name: one that `question` does not hold)."""
    if kind == NAME:
        return holds_name(text, question)
    if kind == NUMBER:
        return bool(_FIGURE.search(text) or _NUMBER_WORD.search(text))
    if kind == DATE:
        return bool(
            _YEAR.search(text) or _MONTH.search(text) or _MONTH_NAME.search(text) or _DAY_WORDS.search(text)
        )
    return True
