"""Generated hostile questions through answer() and every renderer (tests/fuzz_support.py says
which inputs and which properties). Derandomized: the same 2,000 inputs on every run."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from bot.answer import Answerer
from index import build_index, load_index
from tests.conftest import ARTICLES
from tests.fuzz_support import FRAGMENTS, HOSTILE_DOC, check_answer, questions

EXAMPLES = 2000


@pytest.fixture(scope="module")
def hostile_answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    """The bundled article plus a document full of markup, emoji, RTL and control characters."""
    root = tmp_path_factory.mktemp("hostile-docs")
    (root / "hostile.md").write_bytes(HOSTILE_DOC.encode("utf-8"))
    out = root.parent / f"{root.name}-index.json"
    build_index([ARTICLES, root], out)
    answerer = Answerer(load_index(out))
    assert len(answerer.index.documents) == 2
    return answerer


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_each_hostile_fragment_alone_and_with_a_real_question(hostile_answerer: Answerer, fragment: str) -> None:
    check_answer(hostile_answerer, fragment)
    check_answer(hostile_answerer, f"{fragment} police detainers {fragment}")


def test_generated_questions_keep_every_property(hostile_answerer: Answerer) -> None:
    tried: list[str] = []

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(questions())
    def property_holds(question: str) -> None:
        tried.append(question)
        check_answer(hostile_answerer, question)

    property_holds()
    print(f"\n{len(tried)} generated questions tried, {len(set(tried))} distinct")
    assert len(tried) >= EXAMPLES
    assert sum(1 for q in tried if len(q) >= 5000) >= 50  # the long ones were really tried
