"""Greetings, thanks and "help": a short reply, not a search (a search for "hi" finds nothing and
says so, which reads as the bot not understanding a greeting)."""

from __future__ import annotations

import re

_GREETING = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|howdy|yo|good\s+(?:morning|afternoon|evening|day)|greetings|hola|bonjour|"
    r"hallo|ciao|salut)(?:\s+(?:there|bot|qabot|all|everyone))?\W*$",
    re.I,
)
_THANKS = re.compile(
    r"^\W*(?:(?:thanks|thank\s+you|thx|ty|cheers|merci|gracias|danke)(?:\s+(?:a\s+lot|so\s+much|very\s+much|"
    r"again|bot|qabot))?|great|perfect|awesome|nice|cool|ok(?:ay)?|got\s+it)\W*$",
    re.I,
)
_HELP = re.compile(
    r"^\W*(?:help|help\s+me|how\s+does\s+this\s+work|what\s+can\s+you\s+do|what\s+do\s+you\s+do|"
    r"who\s+are\s+you|what\s+are\s+you)\W*$",
    re.I,
)
_BYE = re.compile(r"^\W*(?:bye|goodbye|see\s+you|later|good\s+night)\W*$", re.I)

GREETING = "greeting"
THANKS = "thanks"
HELP = "help"
BYE = "bye"


def small_talk(text: str) -> str | None:
    """GREETING, THANKS, HELP or BYE when the whole message is one, else None."""
    for kind, pattern in ((GREETING, _GREETING), (THANKS, _THANKS), (HELP, _HELP), (BYE, _BYE)):
        if pattern.match(text):
            return kind
    return None


def reply(kind: str, about: str) -> str:
    """The short reply to small talk of `kind`; `about` names what the bot knows ("the article …")."""
    if kind == GREETING:
        return f"Hello! Ask me anything about {about}, and I will quote the passages that answer it."
    if kind == THANKS:
        return "You're welcome. Ask another question whenever you like."
    if kind == BYE:
        return "Goodbye! Come back with more questions any time."
    return (
        f"I answer questions about {about} with the exact passages that answer them, each with where it "
        "comes from. Ask in your own words, e.g. “who …”, “when …”, “how many …”."
    )
