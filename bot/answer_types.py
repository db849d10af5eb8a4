"""Expected answer types: a question asking "how many" or "when" is answered only by a passage
holding a number or a date. A classic question-answering check, and the evidence BM25 lacks for
telling "when was X born?" (not in the article) from "when did Obama end X?" (in it)."""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable

from index import STOPWORDS

NUMBER = "number"
DATE = "date"
NAME = "name"
CONDITION = "condition"  # what must happen first: the second reading of "when do importers pay"

# "Who is the HHS secretary", "who said ...", "what is the name of ...": the answer is a name. Not
# every "who" asks for one ("who suffers most" -> "immigrant communities").
_ASKS_NAME = re.compile(
    r"\bnames?\b|^\W*(?:and\s+)?who(?:'s|\s+is|\s+was|\s+are|\s+were)\s+(?:the|a|an|their|its|his|her)\b"
    r"|^\W*(?:and\s+)?who\s+(?:said|says|wrote|signed|leads|led|heads|headed|runs|ran|made|makes|built|"
    r"created|founded|sent|told|blocked|chairs|chaired)\b",
    re.IGNORECASE,
)
# "What does DHS stand for", "what is ICE", "DHS meaning": the acronym, as written.
# A word in lower case only after "what does" ("what does ice mean"), not bare: "will a small
# tariff always mean higher prices" asks nothing about "always".
_STANDS_FOR = r"\s+(?:stand\s+for|stands\s+for|mean|means|short\s+for|an?\s+acronym\s+for)\b"
_ASKS_EXPANSION = re.compile(
    r"\b(?:what\s+(?:does|do|is|'s)\s+(?:the\s+)?|whats\s+)([A-Za-z]{2,6})" + _STANDS_FOR
    + r"|\b([A-Z][A-Z0-9]{1,5})" + _STANDS_FOR
    + r"|\b(?:meaning|full\s+form|expansion)\s+of\s+([A-Za-z]{2,6})\b",
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z][\w'’-]*")

# "What tariff rate", "what is the unemployment rate": a rate is a share ("25%", "3 per 100,000").
# Not "what accelerated the rate of ...": at most one word between "what is the" and "rate".
_ASKS_RATE = r"\bwhat\s+(?:is\s+|was\s+|are\s+|were\s+|'s\s+)?(?:the\s+)?(?:[a-z]+\s+)?rates?\b"
_WHAT_SHARE = r"\bwhat\s+(?:percent|percentage|share|proportion|fraction)\b|" + _ASKS_RATE
_ASKS_NUMBER = re.compile(
    r"\bhow\s+(?:many|much|long|old|often|far|big|large|high|few|fast|quickly|heavy|hot|cold|deep|wide|tall)(?![\w-])"
    r"|\bwhat\s+number\b|" + _WHAT_SHARE,
    re.IGNORECASE,
)
# "When" asks for a date only as the question word ("when did ..."), not in a clause ("who
# suffers when police ...").
_ASKS_DATE = re.compile(
    r"^\W*(?:and\s+|so\s+|but\s+)?when\b|\bwhat\s+(?:year|date|day|month|time(?!\s+(?:span|frame|period|scale)))\b"
    r"|\bwhich\s+(?:year|date|day|month)\b|\bsince\s+when\b",
    re.IGNORECASE,
)
# "When do importers pay", "when does a tariff raise prices": a present-tense "when" asks what
# must happen first as often as for a date; a clause answers it ("when tariffs are high enough").
_ASKS_CONDITION = re.compile(r"^\W*(?:and\s+|so\s+|but\s+)?when\s+(?:do|does)\b", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:when|whenever|once|until|as\s+soon\s+as)\s+\w", re.IGNORECASE)
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
    r"\s+(?:days?|weeks?|months?|years?)\s+(?:ago|later|earlier)"
    # "when do importers pay?" -> "within 10 days of ...": a time relative to an event
    r"|(?:within|after|before)\s+(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)"
    r"\s+(?:hours?|days?|weeks?|months?|years?))\b",
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
# An amount of money: a currency sign or word. A bare "20 billion" counts particles as well as dollars.
_MONEY = re.compile(
    r"[$€£¥]\s?\d|\b(?:dollars?|cents?|euros?|pounds?|yuan|free|no\s+cost)\b",
    re.IGNORECASE,
)
_ASKS_SHARE = re.compile(_WHAT_SHARE + r"|\bhow\s+much\b.*\bpercent(?:age)?\b", re.IGNORECASE)
# A share: a percentage, a fraction ("a third", "one in five"), or a rate ("3 per 100,000").
_SHARE = re.compile(
    rf"(?:\d[\d.,]*|\b(?:{_NUMBER_WORDS}))\s?(?:%|percent\b|per\s?cent\b|percentage\s+points?\b)"
    r"|\b(?:half|halves|thirds?|quarters?|fifths?|tenths?|majority|minority)\b"
    r"|\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:in|out\s+of)\s+(?:every\s+)?"
    r"(?:\d|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand)"
    r"|\bper\s+(?:\d|hundred|thousand|million|capita)",
    re.IGNORECASE,
)
# Words for people: "how many kids" is answered by "three children", "how many men" by "155 adult males".
PEOPLE = (
    "people persons person men man women woman kids kid children child adults adult males females "
    "individuals boys girls"
)
# A count: a figure or number word, not a day of a date ("Nov. 5 letter" counts no letters).
_COUNT = re.compile(
    rf"(?<![\w-])\d[\d,.]*(?![\w(-])|\b(?:{_NUMBER_WORDS}|tens|scores)\b", re.IGNORECASE
)
_DATE_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s*$", re.IGNORECASE)
COUNT_REACH = 4  # a count names what it counts within this many words ("195,600 full-time-equivalent jobs")
# "What was the name of the judge who ...": the role whose holder is asked for (its last word).
_NAMED_ROLE = re.compile(
    r"\bnames?\s+of\s+(?:the\s+|a\s+|an\s+|their\s+|its\s+|his\s+|her\s+)?"
    r"((?:[\w'’-]+\s+){0,2}?[\w'’-]+?)(?=\s+(?:who|that|which|in|at|on|for|from|of|with)\b|\s*[?.!]?\s*$)",
    re.IGNORECASE,
)
NAME_REACH = 3  # a name stands this close to the role it holds ("Judge Jane Roe", "its CEO, Ann Lee")


def counted(question: str) -> str | None:
    """The words a "how many X" question counts (X: one or two words), else None."""
    match = _COUNTED.search(question)
    return match.group(1) if match else None


def counted_terms(question: str, tokenize: Callable[[str], list[str]]) -> set[str]:
    """The terms a "how many X" question counts (with `tokenize`, the index's): X's, and every
    word for people when X is one. Empty for any other question."""
    noun = counted(question)
    terms = set(tokenize(noun)) if noun else set()
    people = set(tokenize(PEOPLE))
    return terms | people if terms & people else terms


def counts_what(text: str, spans: Iterable[tuple[str, int, int]], nouns: Container[str]) -> bool:
    """Whether a count in `text` counts one of `nouns`: a figure or number word followed within
    COUNT_REACH words by one of them ("12 Senate Republicans"). `spans`: the terms of `text` with
    their character spans (Analyzer.term_spans)."""
    # The words after a count, the counts themselves left out ("20 billion particles").
    after = [(term, a) for term, a, b in spans if not _COUNT.fullmatch(text[a:b])]
    for match in _COUNT.finditer(text):
        if _DATE_BEFORE.search(text[: match.start()]):
            continue
        following = [term for term, a in after if a >= match.end()][:COUNT_REACH]
        if any(term in nouns for term in following):
            return True
    return False


def named_role(question: str) -> str | None:
    """The role a "what is the name of the X" question asks about (X's last word), else None."""
    match = _NAMED_ROLE.search(question)
    return match.group(1).split()[-1] if match else None


def names_role(text: str, spans: Iterable[tuple[str, int, int]], roles: Container[str], question: str) -> bool:
    """Whether `text` holds a name (one `question` lacks) within NAME_REACH words of a term in
    `roles` ("Judge Jane Roe", "the spokesperson, Ann Lee"). `spans`: as in counts_what."""
    asked = {w.lower() for w in re.findall(r"[\w'’-]+", question)}
    names = [m.start() for m in _CAPITALISED.finditer(text) if m.group(0).lower() not in asked]
    positions = [a for _, a, _ in spans]
    for term, a, _ in spans:
        if term not in roles:
            continue
        i = positions.index(a)
        near = positions[max(0, i - NAME_REACH) : i + NAME_REACH + 1]
        if any(near[0] <= n <= near[-1] for n in names):
            return True
    return False


def fallback_type(question: str, wanted: str | None) -> str | None:
    """The type that also answers when no passage holds `wanted`: a condition for a present-tense
    "when do/does" question, else None."""
    return CONDITION if wanted == DATE and _ASKS_CONDITION.search(question) else None


def holds_money(text: str) -> bool:
    """Whether `text` names an amount of money (or says it costs nothing)."""
    return bool(_MONEY.search(text))


def holds_share(text: str) -> bool:
    """Whether `text` names a share: a percentage, a fraction or a rate."""
    return bool(_SHARE.search(text))


def asks_share(question: str) -> bool:
    """Whether a question asks for a percentage or rate ("what percent", "what tariff rate")."""
    return bool(_ASKS_SHARE.search(question))


def asks_money(question: str) -> bool:
    """Whether a "how much" question asks what something costs."""
    return bool(_ASKS_MONEY.search(question))


def asked_expansion(question: str) -> str | None:
    """The acronym a "what does DHS stand for / mean" question asks about, as written; else None."""
    match = _ASKS_EXPANSION.search(question)
    if match is None:
        return None
    word = match.group(1) or match.group(2) or match.group(3)
    # Lower-case words pass too ("what does dhs mean"), but not "what does it / this mean".
    if word.lower() in STOPWORDS:
        return None
    return word.upper()


def without_stands_for(question: str) -> str:
    """`question` without its "stand for" / "mean" words: they ask for the expansion, and no
    passage saying what D4CC is uses them."""
    return re.sub(_STANDS_FOR, " ", question, flags=re.IGNORECASE)


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
    if kind == CONDITION:
        return bool(_CONDITION.search(text))
    if kind == DATE:
        return bool(
            _YEAR.search(text) or _MONTH.search(text) or _MONTH_NAME.search(text) or _DAY_WORDS.search(text)
        )
    return True
