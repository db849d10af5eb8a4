"""No hidden state between indexes: loading a second index in a process leaves the first one's
answers as they were (the stem tables, English words and spelling belong to each index)."""

from __future__ import annotations

from pathlib import Path

from bot.answer import ANSWERED, Answerer
from bot.render import to_json
from index import build_index, load_index


def _folder(path: Path, texts: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for name, text in texts.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


def test_a_second_index_in_the_same_process_does_not_change_the_first_ones_answers(tmp_path: Path) -> None:
    trade = _folder(tmp_path / "trade", {
        "tariffs.txt": "Tariffs on steel\n\nThe new tariff on imported steel starts in March, the ministry said.\n\n"
                       "Car makers expect prices to rise by the summer.\n",
    })
    # The other index spells the word wrongly in its own text: its stems table holds "tarrif".
    typos = _folder(tmp_path / "typos", {
        "notes.txt": "Meeting notes\n\nThe tarrif committee met twice about the harbour budget.\n",
    })
    build_index([trade], tmp_path / "a")
    build_index([typos], tmp_path / "b")
    questions = ["When does the tarrif on steel start?", "What do car makers expect?", "harbour budget"]

    first = Answerer(load_index(tmp_path / "a"), encoder=False)
    before = [to_json(first.answer(q)) for q in questions]
    second = Answerer(load_index(tmp_path / "b"), encoder=False)
    theirs = second.answer("tarrif committee")
    after = [to_json(first.answer(q)) for q in questions]

    assert after == before
    corrected = first.answer(questions[0])
    assert corrected.status == ANSWERED and "tariff" in corrected.results[0].text
    assert corrected.corrections  # "tarrif" read as the first index's "tariff"
    assert theirs.status == ANSWERED and not theirs.corrections  # the second index holds "tarrif"
    assert first.answer("harbour budget").status != ANSWERED  # only the second index knows it
    assert first.index.analyzer is not second.index.analyzer
