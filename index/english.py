"""English words with their stems, so that question words outside the documents rarely need nltk.

Importing nltk takes about 0.55 s, more than a console answer may take. pyspellchecker's English
dictionary (128k words) stemmed with nltk's Snowball stemmer is cached next to the index, once per
machine and library version; a question word found there needs no stemmer, and a word missing from
it is not English, which is what the spelling corrector wants to know.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

from . import tokens
from .storage import write_json

CACHE_NAME = "english-stems.json"


def cache_key() -> str:
    """Changes whenever the words or their stems could change."""
    return f"pyspellchecker {version('pyspellchecker')}; nltk {version('nltk')}; tokenizer {tokens.TOKENIZER_VERSION}"


def load_english(folder: Path) -> dict[str, str]:
    """The cached English word -> stem table in `folder`, made first if missing or outdated."""
    path = folder / CACHE_NAME
    key = cache_key()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") == key and isinstance(data.get("stems"), dict):
            return data["stems"]
    except (OSError, ValueError):
        pass
    stems = _stem_dictionary()
    try:
        write_json(path, {"key": key, "stems": stems})
    except OSError:
        pass  # a read-only folder: answer from memory, rebuild the table next time
    return stems


def _stem_dictionary() -> dict[str, str]:
    from spellchecker import SpellChecker

    words = SpellChecker(language="en", distance=1).word_frequency.dictionary
    table: dict[str, str] = {}
    for word in sorted(words):
        for piece in tokens.normalize_word(word):
            if piece not in tokens.STOPWORDS and piece not in table:
                table[piece] = tokens.stem(piece)
    return table
