"""The spelling table (analysis/wordtable.py) changes where corrections look, not what they choose:
on real vocabularies and a generated big one, every correction equals the one pass over all words
of a length in reach that the speller made before the table (fewest edits, most passages, then
alphabetical), and archives built before the table was stored still load and correct."""

from __future__ import annotations

import json
import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz import process
from rapidfuzz.distance import OSA

from index import IndexCorruptError, build_index, load_index
from index.analysis.spelling import MIN_LENGTH, Speller, max_edits
from index.analysis.wordtable import ARRAY_NAMES, WordTable
from index.engines.archive import ArchiveIndex
from index.engines.small import Index

REPO = Path(__file__).resolve().parent.parent
ROOTS = [REPO / "docs" / "articles", REPO / "docs" / "eval" / "articles"]
# Question words may hold letters outside a-z (they share the masks' six other bits).
LETTERS = "abcdefghijklmnopqrstuvwxyz" * 4 + "éüñøßçа"


def reference(words: Mapping[str, int]) -> Callable[[str], str | None]:
    """The speller's choice as it was made before the table: every alphabetic word sorted by
    length, one OSA pass over those within the allowed edits in length (Speller._closest then)."""
    pool = sorted((w for w in words if w.isalpha() and len(w) >= MIN_LENGTH - 1), key=lambda w: (len(w), w))
    lengths = [len(w) for w in pool]

    def closest(word: str) -> str | None:
        edits = max_edits(word)
        near = pool[bisect_left(lengths, len(word) - edits):bisect_right(lengths, len(word) + edits)]
        found = process.extract(word, near, scorer=OSA.distance, score_cutoff=edits, limit=None)
        if not found:
            return None
        return min(found, key=lambda c: (c[1], -(words.get(c[0]) or 0), c[0]))[0]

    return closest


def misspell(word: str, rng: random.Random) -> str:
    """`word` with one or two random edits: a letter dropped, added, changed, or two swapped."""
    for _ in range(rng.choice((1, 1, 2))):
        i = rng.randrange(len(word) + 1)
        kind = rng.choice(("drop", "add", "change", "swap"))
        if kind == "drop" and len(word) > 1 and i < len(word):
            word = word[:i] + word[i + 1:]
        elif kind == "add":
            word = word[:i] + rng.choice(LETTERS) + word[i:]
        elif kind == "change" and i < len(word):
            word = word[:i] + rng.choice(LETTERS) + word[i + 1:]
        elif kind == "swap" and i + 1 < len(word):
            word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word


def question_words(words: list[str], count: int, seed: int) -> list[str]:
    """Misspellings of indexed words, the words themselves and made-up words, of 4-14 letters."""
    rng = random.Random(seed)
    alphabetic = sorted(w for w in words if w.isalpha() and len(w) >= 3)
    asked = [misspell(rng.choice(alphabetic), rng) for _ in range(count)]
    asked += rng.sample(alphabetic, min(count // 4, len(alphabetic)))
    asked += ["".join(rng.choices(LETTERS, k=rng.randint(4, 14))) for _ in range(count // 4)]
    return [w for w in asked if w.isalpha() and len(w) >= MIN_LENGTH]


def counts(index: Index | ArchiveIndex) -> dict[str, int]:
    """Each normalised word of the index -> passages holding its stem (what corrections weigh)."""
    return {w: index.df(stem) for w, stem in index.stems.items()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bundled article and the evaluation articles, indexed by both engines."""
    folder = tmp_path_factory.mktemp("spelling")
    paths = {engine: folder / engine for engine in ("bm25", "archive")}
    for engine, path in paths.items():
        build_index(ROOTS, path, engine=engine, semantic=False)
    return paths


@pytest.mark.parametrize("engine", ["bm25", "archive"])
def test_corrections_on_the_articles_equal_the_pass_over_all_words(built: dict[str, Path], engine: str) -> None:
    index = load_index(built[engine])
    assert isinstance(index, Index | ArchiveIndex)
    if engine == "archive":  # the table stored at build time, memory-mapped
        assert isinstance(index._word_table, WordTable) and isinstance(index._word_table.masks.base, np.memmap)
    weights = counts(index)
    expected = reference(weights)
    speller = Speller(weights if engine == "bm25" else index._word_table, weights.__getitem__)
    asked = question_words(list(weights), 3000, seed=11)
    chosen = [speller._closest(w) for w in asked]
    assert chosen == [expected(w) for w in asked]
    assert sum(c is not None for c in chosen) > len(asked) // 2  # most misspellings found their word
    # Through the index's own speller (English words are never corrected) too.
    index.know_english()
    english = index._english
    for word in asked[:300]:
        english_word = english is not None and word in english
        assert index.correct(word) == (None if english_word else expected(word)), word


def test_corrections_in_a_big_generated_vocabulary_equal_the_pass_over_all_words() -> None:
    rng = random.Random(5)
    # Words of 3-12 letters, mostly a-z, some with accents, and dense codes; passage counts with many ties.
    sizes = (3, 4, 5, 5, 6, 6, 7, 8, 9, 10, 12)
    words = {"".join(rng.choices(LETTERS, k=rng.choice(sizes))): rng.choice((1, 1, 2, 5, 40)) for _ in range(60_000)}
    # Reference codes as in bench/big_vocabulary.py: thousands of them pass the letter masks.
    words |= {"ref" + "".join(rng.choices(LETTERS[:26], k=5)): 1 for _ in range(30_000)}
    expected = reference(words)
    speller = Speller(WordTable.of(w for w in words if w.isalpha() and len(w) >= 3), words.__getitem__)
    asked = question_words(list(words), 240, seed=6)
    assert [speller._closest(w) for w in asked] == [expected(w) for w in asked]


def test_the_filters_keep_every_word_within_the_edits() -> None:
    """The letter masks and the position check (for ASCII words) never drop a word in reach."""
    rng = random.Random(9)
    for _ in range(5000):
        word = "".join(rng.choices(LETTERS, k=rng.randint(3, 12)))
        typo = misspell(word, rng)
        edits = OSA.distance(word, typo)
        if 0 < len(typo) and edits <= 2:
            assert word in WordTable.of([word, "unrelated"]).near(typo, edits), (word, typo)


def _archive_folder(path: Path) -> Path:
    index = load_index(path)
    assert isinstance(index, ArchiveIndex)
    return index.folder


def test_an_archive_built_before_the_stored_table_still_loads_and_corrects(built: dict[str, Path],
                                                                           tmp_path: Path) -> None:
    """Without the table's files and meta.json's "spelling" (as archives were written before it),
    the archive loads and its speller makes the table in memory; so with a table of another version."""
    now = load_index(built["archive"])
    asked = question_words(list(now.stems), 400, seed=3)
    corrected = [now.correct(w) for w in asked]
    assert "mayorkas" in corrected or now.correct("mayorkus") == "mayorkas"
    for version in (None, 99):
        old = tmp_path / f"old-{version}"
        build_index(ROOTS, old, engine="archive", semantic=False)
        folder = _archive_folder(old)
        meta = json.loads((folder / "meta.json").read_text())
        if version is None:
            del meta["spelling"]
            for name in ARRAY_NAMES:
                (folder / f"{name}.npy").unlink()
        else:
            meta["spelling"] = version
        (folder / "meta.json").write_text(json.dumps(meta))
        index = load_index(old)
        assert isinstance(index, ArchiveIndex) and index._word_table is None
        assert [index.correct(w) for w in asked] == corrected
        assert index.correct("mayorkus") == "mayorkas"


def test_a_damaged_table_is_reported_clearly(tmp_path: Path) -> None:
    build_index(ROOTS[:1], tmp_path / "index", engine="archive", semantic=False)
    folder = _archive_folder(tmp_path / "index")
    offsets = np.load(folder / "spell_offsets.npy")
    np.save(folder / "spell_offsets.npy", offsets[:-5])
    with pytest.raises(IndexCorruptError, match="qabot index"):
        load_index(tmp_path / "index")
