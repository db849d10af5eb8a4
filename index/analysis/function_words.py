"""Function words of other languages ("el", "del", "qué", "der", "où"): a question asked in Spanish
about an English article holds them, no passage does, and each would count against the answer as a
word the article lacks. When a question reads as written in another language (index/query.py), its
words on this list that no document uses are dropped like stopwords.

The list (function_words.txt) is made from pyspellchecker's word frequencies, which ship inside that
package: for each language, its most frequent words that are at least RATIO times more frequent there
than in English, plus the question words. Regenerate it with
`python -m index.analysis.function_words` after a pyspellchecker upgrade.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

LANGUAGES = ("es", "fr", "de", "pt", "it", "nl")
TOP = 120  # most frequent words looked at per language
RATIO = 10.0
# Words of three letters or more among the most frequent English ones stay off the list whatever
# else they are: "die", "war", "was", "door", "son" mean something in an English question.
ENGLISH_COMMON = 5000
# Question words matter most and are not all among the most frequent words of subtitles.
QUESTION_WORDS = {
    # Also without their accents, as readers type them fast ("quien es paul torrey").
    "es": "qué que quién quiénes cuál cuáles cuándo cuánto cuánta cuántos cuántas dónde cómo por porqué "
    "quien quienes cual cuales cuando cuanto cuanta cuantos cuantas donde",
    "fr": "qui quoi quand combien où pourquoi comment quel quelle quels quelles",
    "de": "wer was wann wie wo warum wieviel wieviele welche welcher welches",
    "pt": "quem quando quanto quantos quantas onde como porque qual quais",
    "it": "chi cosa quando quanto quanti quante dove perché come quale quali",
    "nl": "wie wat wanneer hoe waar waarom hoeveel welke",
}
FILE = "function_words.txt"


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """The shipped list."""
    text = resources.files(__package__).joinpath(FILE).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def make_list() -> list[str]:
    """The list, computed from pyspellchecker's dictionaries (about two seconds)."""
    import spellchecker

    folder = Path(spellchecker.__file__).parent / "resources"

    def frequencies(language: str) -> dict[str, int]:
        with gzip.open(folder / f"{language}.json.gz", "rt", encoding="utf-8") as f:
            data: dict[str, int] = json.load(f)
        return data

    english = frequencies("en")
    english_total = sum(english.values())
    common = sorted(english.values(), reverse=True)[ENGLISH_COMMON]
    words: set[str] = set()
    for language in LANGUAGES:
        counts = frequencies(language)
        total = sum(counts.values())
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
        words.update(w for w, c in top if c / total > RATIO * english.get(w, 0) / english_total)
        words.update(QUESTION_WORDS[language].split())
    return sorted(w for w in words if len(w) < 3 or english.get(w, 0) < common)


def main() -> None:
    target = Path(__file__).with_name(FILE)
    header = "# Made by `python -m index.analysis.function_words` (see that module); one word a line.\n"
    target.write_text(header + "".join(f"{w}\n" for w in make_list()), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
