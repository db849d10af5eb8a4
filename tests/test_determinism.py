"""The same 200 questions under different PYTHONHASHSEED values give byte-identical JSON
(3 seeds here; `make stress` runs tests/stress/determinism.py with 10)."""

from __future__ import annotations

from pathlib import Path

from tests.stress.determinism import SEEDS, run


def test_answers_do_not_depend_on_the_hash_seed(article_index_path: Path) -> None:
    digests = run([SEEDS[0], SEEDS[4], SEEDS[-1]], index=article_index_path)
    assert len(set(digests.values())) == 1, digests
