"""The console chat at a terminal's width: wrapping, compact citations, :src and :why."""

from __future__ import annotations

import io
import re

import pytest

from bot.answer import Answerer
from bot.console import Chat
from bot.render import citation_line, to_terminal


def chat_output(answerer: Answerer, lines: list[str], width: int | None = 80, k: int = 3) -> str:
    out = io.StringIO()
    session = Chat(answerer, k, out, width)
    for line in lines:
        session.handle(line)
    return out.getvalue()


@pytest.mark.parametrize(
    "question", ["What is the 287(g) program?", "Who is the new DHS Secretary?", "ICE detainers", "zebras"]
)
def test_chat_fits_80_columns_breaking_only_between_words(answerer: Answerer, question: str) -> None:
    """Issue 12 item 10: at 80 columns words broke mid-word ("Nation/al") and citations took three
    lines with the file path."""
    shown = chat_output(answerer, [question])
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= 80
    answer = answerer.answer(question, 50)
    assert not [r for r in answer.results if r.citation.path in shown]  # the file is for :src N
    # Every word on screen is a whole word of what is shown: a word cut in two is not.
    source = [*answer.notices(), *(r.text for r in answer.results)]
    source += [citation_line(r.citation) for r in answer.results]
    words = {w for text in source for w in text.split()} | {"»", "…", "more:", "type", ":more)"}
    for line in lines:
        for word in line.split():
            assert word in words or re.fullmatch(r"\[\d+\]|\(\d+", word), (word, line)


def test_the_answer_starts_with_the_best_sentence_and_fits_a_24_line_screen(answerer: Answerer) -> None:
    for question in ("What is the 287(g) program?", "Who is the new DHS Secretary?", "what did the letter ask for"):
        answer = answerer.answer(question)
        shown = chat_output(answerer, [question]).splitlines()
        assert len(shown) <= 22, "\n".join(shown)  # 24 lines less the question and the next prompt
        notices = len(" ".join(answer.notices()).split())
        first = " ".join(shown).split()[notices : notices + 6]
        assert first[0] in ("»", "[1]") and first[1:] == answer.results[0].sentence.split()[:5]


def test_src_shows_the_file_and_the_whole_section(answerer: Answerer) -> None:
    shown = chat_output(answerer, ["What is the 287(g) program?", ":src 2"])
    section = shown.split("type :more)\n")[1]
    path = answerer.answer("What is the 287(g) program?").results[1].citation.path
    assert section.startswith(f"[2] Push for police to stop working with US immigration agencies\n{path}\n")


def test_terminal_text_without_a_width_keeps_lines_whole(answerer: Answerer) -> None:
    answer = answerer.answer("What is the 287(g) program?")
    text = to_terminal(answer)
    assert "Push for police to stop working with US immigration agencies - 287(g) program, para 4" in text


def test_src_out_of_range_with_one_result_reads_well(answerer: Answerer) -> None:
    """Issue 12 item 7: "choose 1 to 1"."""
    shown = chat_output(answerer, ["What is the 287(g) program?", ":src 2"], k=1)
    assert "choose 1 to 1" not in shown
    assert "There is no result 2 on screen; type :src 1." in shown


@pytest.mark.parametrize(
    ("question", "missing"),
    [("zeppelin", "Not in any passage: zeppelin"), ("when was mayorkas born?", None)],
)
def test_why_after_nothing_found_shows_terms_what_was_missing_and_closest_passages(
    answerer: Answerer, question: str, missing: str | None
) -> None:
    """Issue 12 item 11: `:why` after a not-found answer said "Ask a question first."."""
    shown = chat_output(answerer, [question, ":why"])
    why = shown.split("Searched for: ", 1)[1]
    assert "Ask a question first" not in shown
    assert why.startswith(", ".join(answerer.answer(question).terms))
    # The reranker's vectors find the closest passages even for a word no passage holds.
    assert "Closest passages (too weak to answer with):" in why and "[1] matched: " in why
    if missing:
        assert missing in why
    else:
        assert "[1] matched: mayorka" in why


def test_why_after_a_question_of_stopwords(answerer: Answerer) -> None:
    shown = chat_output(answerer, ["the of is", ":why"])
    assert "no words to search for" in shown
