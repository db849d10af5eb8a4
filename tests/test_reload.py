"""Live reload: questions keep being answered while the index is rebuilt and swapped."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from bot.answer import ANSWERED, Answerer
from bot.console import chat
from bot.service import Service
from index import build_index, load_index


def _docs(folder: Path, topic: str, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"{topic}-{i}.txt").write_text(
            f"{topic.title()} report {i}\n\nThe {topic} committee met on day {i} to discuss the "
            f"{topic} budget and the harbour.\n\nA second paragraph about the {topic} plan {i}.\n",
            encoding="utf-8",
        )
    return folder


@pytest.mark.parametrize("engine", ["bm25", "archive"])
def test_questions_asked_during_reloads_are_all_answered(tmp_path: Path, engine: str) -> None:
    old, new = _docs(tmp_path / "old", "ferry", 20), _docs(tmp_path / "new", "tram", 25)
    out = tmp_path / "index.json"
    build_index([old], out, engine=engine)
    answerer = Answerer(load_index(out))
    service = Service(answerer, out)
    stop = threading.Event()
    failures: list[BaseException] = []
    answered: list[str] = []

    def ask() -> None:
        while not stop.is_set():
            try:
                answer = service.answerer.answer("What did the committee discuss about the harbour budget?")
                assert answer.status == ANSWERED
                answered.append(answer.results[0].citation.doc_id)
            except BaseException as err:  # noqa: BLE001 - collected for the test thread
                failures.append(err)
                return

    askers = [threading.Thread(target=ask) for _ in range(3)]
    for t in askers:
        t.start()
    results = []
    for round_ in range(6):
        build_index([new if round_ % 2 == 0 else old], out, engine=engine)
        results.append(service.check())
    stop.set()
    for t in askers:
        t.join()
    assert failures == []
    assert all(r is not None and r[0] for r in results), results
    assert {a.split("-")[0] for a in answered} == {"ferry", "tram"}  # both indexes served


def test_an_index_that_fails_to_load_is_refused_and_the_old_keeps_serving(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "index.json"
    build_index([_docs(tmp_path / "docs", "ferry", 3)], out)
    answerer = Answerer(load_index(out))
    service = Service(answerer, out)
    out.write_text('{"format": "qabot-index", "version": 1, "half":', encoding="utf-8")
    ok, message = service.reload()
    assert not ok and "kept the current index" in message
    assert "did not load" in caplog.text
    assert service.answerer.answer("ferry budget").status == ANSWERED
    assert service.check() is None  # the broken file is not retried until it changes again


def test_long_running_chat_picks_up_a_rebuilt_index(tmp_path: Path) -> None:
    out = tmp_path / "index.json"
    build_index([_docs(tmp_path / "a", "ferry", 2)], out)
    answerer = Answerer(load_index(out))
    service = Service(answerer, out)

    class Rebuilding(io.StringIO):
        """stdin whose second line arrives after a rebuild, as when someone rebuilds meanwhile."""

        lines = iter(["tram\n", "tram\n", ""])

        def readline(self, *args: object) -> str:
            line = next(self.lines)
            if line and not hasattr(self, "rebuilt"):
                self.rebuilt = True
            elif line:
                build_index([_docs(tmp_path / "b", "tram", 2)], out)
            return line

    shown = io.StringIO()
    chat(answerer, 3, stdin=Rebuilding(), out=shown, service=service)
    text = shown.getvalue()
    assert "could not find" in text.split("reloaded")[0]
    assert "reloaded" in text and "Tram report" in text.split("reloaded")[1]
