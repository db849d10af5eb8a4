"""The archive engine against the small engine (rank-bm25 over text, heading and document fields,
weighted terms, learned acronyms): same passages, same scores, same order."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from index import build_index, load_index, tokenize
from index.analysis.passages import _BLOCK, text_blocks
from index.analysis.termcache import TermIds
from index.build import fingerprint
from index.engines import archive
from index.engines.archive import ArchiveIndex
from index.engines.archive_build import build_archive
from index.engines.archive_store import archives_dir
from index.engines.small import Index
from index.query import parse_question

REPO = Path(__file__).resolve().parent.parent
SCIFACT = [REPO / "bench" / "data" / "scifact", REPO.parent / "shared" / "data" / "scifact"]


def _zipf_corpus(folder: Path, docs: int, seed: int = 7) -> list[str]:
    """Documents of words drawn from a Zipf-like vocabulary (many ties, common and rare terms)."""
    rng = random.Random(seed)
    words = [f"w{i}x" for i in range(800)]
    weights = [1 / (i + 1) for i in range(len(words))]
    folder.mkdir(parents=True)
    records = []
    for d in range(docs):
        paragraphs = [
            " ".join(rng.choices(words, weights, k=rng.randint(3, 40))) + "."
            for _ in range(rng.randint(1, 6))
        ]
        # Titles of corpus words: the heading and document fields then weigh in too.
        title = f"doc {d} " + " ".join(rng.choices(words[:100], k=rng.randint(0, 3)))
        records.append(json.dumps({"_id": d, "title": title, "text": "\n\n".join(paragraphs)}))
    half = len(records) // 2
    (folder / "a.jsonl").write_text("\n".join(records[:half]) + "\n", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "b.jsonl").write_text("\n".join(records[half:]) + "\n", encoding="utf-8")
    return [" ".join(rng.choices(words[:300], k=rng.randint(1, 8))) for _ in range(150)]


def _both(tmp_path: Path, docs: Path) -> tuple[Index, ArchiveIndex]:
    build_index([docs], tmp_path / "small.json", engine="bm25", semantic=False)  # BM25 parity: no vectors needed
    build_index([docs], tmp_path / "big.json", engine="archive")
    small, big = load_index(tmp_path / "small.json"), load_index(tmp_path / "big.json")
    assert isinstance(small, Index) and isinstance(big, ArchiveIndex)
    return small, big


@pytest.fixture(params=["compiled", "numpy"])
def engine_loops(request, monkeypatch) -> str:
    """Run a test with the compiled inner loops (index/engines/_postings.c) and with the numpy ones that
    an install without a C compiler uses."""
    if request.param == "compiled":
        if archive._postings is None:
            pytest.fail("index/engines/_postings.c was not compiled: `pip install -e .` builds it")
    else:
        monkeypatch.setattr(archive, "_postings", None)
    return request.param


def test_archive_scores_equal_the_small_engines_scores_and_order(tmp_path: Path, engine_loops: str) -> None:
    questions = _zipf_corpus(tmp_path / "docs", 400)
    small, big = _both(tmp_path, tmp_path / "docs")
    assert big.compiled == (engine_loops == "compiled")
    assert list(small.passages) == list(big.passages)
    assert small.text_vocabulary == big.text_vocabulary
    assert small.vocabulary == set(big.vocabulary)
    rng = random.Random(11)
    for question in questions:
        # Weights other than 1 (as acronyms give) must combine the same way too.
        weights = {t: rng.choice((1.0, 1.0, 0.5, 1 / 3)) for t in tokenize(question)}
        expected = small.search(weights, 50)
        # Exactly the same floats, so the same order, ties included; small limits let the archive
        # hold back long posting lists (MaxScore).
        for limit in range(1, 51):
            assert big.search(weights, limit) == expected[:limit], (question, limit)


def test_top10_agree_on_benchmark_questions(tmp_path: Path, engine_loops: str) -> None:
    scifact = next((p for p in SCIFACT if (p / "corpus.jsonl").is_file()), None)
    if scifact is None:
        pytest.skip("the SciFact data (bench/data or ../shared/data/scifact) is not here")
    lines = (scifact / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:400]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "scifact.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The bundled article adds section headings and the acronyms DHS and ICE.
    for article in (REPO / "docs" / "articles").iterdir():
        (docs / article.name).write_bytes(article.read_bytes())
    questions = [json.loads(q)["text"] for q in
                 (scifact / "queries.train.jsonl").read_text(encoding="utf-8").splitlines()[:200]]
    questions += ["what did the department of homeland security announce", "who endorsed the letter"]
    small, big = _both(tmp_path, docs)
    assert small.acronyms == big.acronyms and "dhs" in big.acronyms
    expanded = 0
    for question in questions:
        query = parse_question(question, small)
        assert parse_question(question, big) == query
        expanded += bool(query.expansions)
        assert big.search(query.weights, 10) == small.search(query.weights, 10), question
    assert expanded >= 10  # the acronyms' weights were exercised


def test_an_acronym_finds_a_passage_that_only_spells_it_out_in_another_file(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "budget.jsonl").write_text(
        json.dumps({"_id": "b", "title": "Budget", "text": "The Department of Homeland Security said the "
                    "budget grows.\n\nThe weather was mild and the budget talks were long."}) + "\n"
        + json.dumps({"_id": "c", "title": "Other", "text": "The budget of the city shrinks."}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "index.json"
    roots = [docs]
    build_archive(roots, out, fingerprint(roots))
    before = load_index(out)
    assert before.acronyms == {}
    # Another file defines the acronym: the unchanged file's cached segment is reused, and its
    # spelled-out passage now holds the acronym too.
    (docs / "defines.jsonl").write_text(
        json.dumps({"_id": "d", "title": "Agencies", "text": "The Department of Homeland Security (DHS) "
                    "runs several agencies."}) + "\n",
        encoding="utf-8",
    )
    again = build_archive(roots, out, fingerprint(roots))
    assert (again.computed, again.reused) == (1, 1)
    index = load_index(out)
    assert isinstance(index, ArchiveIndex)
    assert index.acronyms == {"dhs": ("depart", "homeland", "secur")}
    query = parse_question("what did DHS say about the budget", index)
    hits = index.search(query.weights, 3)
    assert "Homeland Security said the budget grows" in index.passages[hits[0].passage_id].text
    assert "dhs" in index.matched_terms(hits[0].passage_id, query.weights)
    build_index(roots, tmp_path / "small.json", engine="bm25", semantic=False)
    assert load_index(tmp_path / "small.json").search(query.weights, 3) == hits


def test_one_changed_file_reuses_the_other_files_work(tmp_path: Path) -> None:
    _zipf_corpus(tmp_path / "docs", 60)
    out = tmp_path / "index.json"
    roots = [tmp_path / "docs"]
    first = build_archive(roots, out, fingerprint(roots))
    assert (first.computed, first.reused) == (2, 0)
    with open(tmp_path / "docs" / "a.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"_id": "new", "text": "A fresh paragraph about w1x."}) + "\n")
    again = build_archive(roots, out, fingerprint(roots))
    assert (again.computed, again.reused) == (1, 1)
    assert again.passages == first.passages + 1
    # The result equals a build from scratch.
    build_index(roots, tmp_path / "fresh.json", engine="archive")
    fresh, reused = load_index(tmp_path / "fresh.json"), load_index(out)
    assert list(fresh.passages) == list(reused.passages)
    weights = {"w1x": 1.0, "w5x": 1.0}
    assert fresh.search(weights, 20) == reused.search(weights, 20)


def test_a_failed_archive_write_leaves_the_old_index(tmp_path: Path, monkeypatch) -> None:
    _zipf_corpus(tmp_path / "docs", 30)
    out = tmp_path / "index.json"
    build_index([tmp_path / "docs"], out, engine="archive")
    before = out.read_bytes()
    (tmp_path / "docs" / "c.jsonl").write_text('{"_id": 1, "text": "brand new words"}\n')

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("index.engines.archive_store.np.save", disk_full)
    with pytest.raises(OSError):
        build_index([tmp_path / "docs"], out, engine="archive")
    assert out.read_bytes() == before
    assert "brand" not in load_index(out).vocabulary


def test_an_archive_of_another_format_version_is_refused_clearly(tmp_path: Path) -> None:
    _zipf_corpus(tmp_path / "docs", 10)
    out = tmp_path / "index.json"
    build_index([tmp_path / "docs"], out, engine="archive")
    folder = load_index(out).folder
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps({**meta, "version": 99}))
    from index import IndexCorruptError

    with pytest.raises(IndexCorruptError, match="qabot index"):
        load_index(out)


def test_text_blocks_match_the_block_pattern() -> None:
    rng = random.Random(3)
    pieces = ["a", "b.", " ", "\t", "\n", "\n\n", "\u00a0", " \n \n", "ab", " \t\n"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        pos = rng.randint(0, len(text))
        assert text_blocks(text, pos) == [m.span() for m in _BLOCK.finditer(text, pos)], (text, pos)


def test_cached_terms_equal_tokenize() -> None:
    text = (REPO / "docs" / "articles").glob("*.txt").__next__().read_text(encoding="utf-8")
    text += " Biden's 287(g) ICE's co-operation naïve ½ zero\u200bwidth U.S. résumé"
    cache = TermIds()
    for paragraph in re.split(r"\n\s*\n", text):
        assert [cache.terms[i] for i in cache.of(paragraph)] == tokenize(paragraph)


@pytest.mark.parametrize("value", [2_000_000_000, -5])
@pytest.mark.parametrize("array", ["rows", "h_rows", "d_rows", "p_doc"])
def test_a_damaged_posting_never_reads_outside_the_arrays(tmp_path: Path, array: str, value: int) -> None:
    """The compiled loops check every id they follow: a damaged archive gives a clear error (or,
    where an id out of order just ends a list early, fewer hits), never a crash."""
    import numpy as np

    from index import IndexCorruptError

    questions = _zipf_corpus(tmp_path / "docs", 60)
    build_index([tmp_path / "docs"], tmp_path / "big.json", engine="archive")
    folder = next(archives_dir(tmp_path / "big.json").iterdir())
    values = np.load(folder / f"{array}.npy")
    values[len(values) // 2] = value
    np.save(folder / f"{array}.npy", values)
    big = load_index(tmp_path / "big.json")
    assert big.compiled
    if array != "p_doc":  # ask for the term whose list holds the damaged id too
        ptr = np.load(folder / f"{'col' if array == 'rows' else array[0]}_ptr.npy")
        term = list(big.vocabulary)[int(np.searchsorted(ptr, len(values) // 2, "right")) - 1]
        questions = [f"{q} {term}" for q in questions]
    refused = 0
    for question in questions:
        for limit in (1, 10):
            try:
                hits = big.search(dict.fromkeys(tokenize(question), 1.0), limit)
            except IndexCorruptError as err:
                assert "damaged" in str(err) and "qabot index" in str(err)
                refused += 1
            else:
                assert all(0 <= h.passage_id < len(big.passages) for h in hits)
    if value < 0:
        assert refused  # a negative id is always noticed
