"""Each answer-quality behaviour pinned by a question that fails without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import ANSWERED, NOT_FOUND, Answerer
from bot.answer_types import DATE, NUMBER, expected_type, holds_type
from index import build_index, load_index
from index.analysis.acronyms import AcronymTable, find_acronyms, with_acronyms
from index.analysis.spelling import Speller


def top_text(answerer: Answerer, question: str) -> str:
    answer = answerer.answer(question)
    assert answer.status == ANSWERED, answer.note
    return answer.results[0].text


def test_acronyms_are_learned_from_the_text(answerer: Answerer) -> None:
    assert answerer.index.acronyms == {
        "aclu": ("american", "civil", "liberti", "union"),
        "dhs": ("depart", "homeland", "secur"),
        "ice": ("immigr", "custom", "enforc"),
    }
    assert find_acronyms("the Food and Drug Administration (FDA) said") == {"fda": ("food", "drug", "administr")}
    assert find_acronyms("Mike Quigley (D-Ill.) and the (UN) body") == {}


def test_an_expansion_also_finds_the_acronym() -> None:
    acronyms = {"dhs": ("depart", "homeland", "secur")}
    assert with_acronyms(["depart", "homeland", "secur", "said"], acronyms) == [
        "depart", "homeland", "secur", "dhs", "said",
    ]
    # The defining mention "Department of Homeland Security (DHS)" is not counted twice.
    assert with_acronyms(["depart", "homeland", "secur", "dhs"], acronyms) == ["depart", "homeland", "secur", "dhs"]


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        # The passage says only "DHS": found through the expansion's acronym.
        ("what did the department of homeland security announce on biden's first day in office",
         "start reviewing policies and procedures"),
        ("who was acting homeland security secretary", "David Pekoske"),
        # The passage says only "ICE" (twice).
        ("what do detainers give Immigration and Customs Enforcement", "giving ICE extra time"),
    ],
)
def test_acronym_and_expansion_match_each_other(answerer: Answerer, question: str, phrase: str) -> None:
    assert phrase in top_text(answerer, question)


@pytest.mark.parametrize(
    ("question", "wrong", "right", "phrase"),
    [
        ("who is alejandro mayorcas", "mayorcas", "mayorkas", "newly appointed DHS Secretary"),
        ("what are ice detainors", "detainors", "detainers", "requests issued for local enforcement"),
        ("bush program federal agents fingerprnts", "fingerprnts", "fingerprints", "access fingerprints"),
        ("what did david pekosky's memo say", "pekosky's", "pekoske", "In a memo issued"),
    ],
)
def test_misspelt_words_are_corrected_and_said_so(
    answerer: Answerer, question: str, wrong: str, right: str, phrase: str
) -> None:
    answer = answerer.answer(question)
    assert (wrong, right) in answer.corrections
    assert answer.showing_results_for and f"{right} (not {wrong})" in answer.showing_results_for
    assert phrase in answer.results[0].text


def test_real_words_are_not_corrected_into_article_words() -> None:
    speller = Speller({"wrote": 3, "shah": 1, "new": 5, "mayorkas": 2})
    assert speller.correct("write") is None and speller.correct("news") is None
    assert speller.correct("mayorkus") == "mayorkas"
    assert speller.correct("abc") is None  # too short to correct safely


def test_a_word_only_in_the_section_heading_still_finds_the_section(answerer: Answerer) -> None:
    assert "endors" not in " ".join(" ".join(answerer.index.passage_terms(i)) for i in range(15))
    answer = answerer.answer("who endorsed the letter?")
    assert answer.results[0].citation.section == "Letter endorsed"
    assert answer.results[0].text.startswith("The letter sent to Mayorkas was backed")
    assert "endors" in answer.results[0].matched


def test_heading_words_do_not_drown_the_text(answerer: Answerer) -> None:
    # "program" is in the heading "287(g) program"; the passage that says it is still first.
    assert "Secure Communities program was ended" in top_text(answerer, "when was the secure communities program ended")


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather in chicago today",
        "whats the phone number for help with a work visa",
        "when was mayorkas born?",  # asks a date: no passage about Mayorkas holds one
        "how much does the 287(g) program cost taxpayers",  # asks a number the passage lacks
        "how old is naureen shah",  # "COVID-19" is not an age
        "how many people have been deported because of 287(g)",  # "287(g)" is not a count
    ],
)
def test_unanswerable_questions_get_not_found(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert answer.status == NOT_FOUND and answer.results == ()
    assert answer.note.startswith("I could not find that")
    assert answerer.answer(question, gate=False).results or "weather" in question or "phone" in question


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("how many democrats want the 287(g) program ended", "60 Democrats"),
        ("when did obama end secure communities", "2014"),
        ("what date was the pekoske memo issued", "January 20"),
        ("how many years of trump immigration policy came before the new guidelines", "four years"),
    ],
)
def test_questions_asking_numbers_or_dates_keep_their_answers(answerer: Answerer, question: str, phrase: str) -> None:
    assert phrase in top_text(answerer, question)


def test_expected_answer_types() -> None:
    assert expected_type("When did it start?") == DATE
    assert expected_type("who suffers when police act") is None
    assert expected_type("how long can they hold someone") == NUMBER
    assert holds_type("for up to 48 hours", NUMBER) and not holds_type("COVID-19 and 287(g)", NUMBER)
    assert holds_type("in 2017", DATE) and not holds_type("four years", DATE)
    assert holds_type("The bridge closes in May.", DATE) and not holds_type("it may close", DATE)


def test_low_confidence_answers_say_so_and_why(answerer: Answerer) -> None:
    answer = answerer.answer("what did the lawmakers ask the cops")
    assert answer.status == ANSWERED and answer.low_confidence
    assert answer.why and "cops" in answer.why
    assert "Lawmakers have also called on" in answer.results[0].text
    confident = answerer.answer("when did obama end secure communities")
    assert not confident.low_confidence and confident.why is None


class _Acronyms:
    """Just what query._add_acronyms reads of an index."""

    def __init__(self, acronyms: dict[str, tuple[str, ...]]) -> None:
        self.acronyms = acronyms
        self.acronym_table = AcronymTable.of(acronyms)


def test_question_expansion_looks_only_at_usable_acronyms_with_the_same_result() -> None:
    import random

    from index.query import _add_acronyms

    rng = random.Random(2)
    words = ["a", "b", "c", "d", "e", "ab", "cd", "abc"]
    # "abc" expands to "ab c", and "ab" is itself an acronym: it joins the weights on the way.
    table = {"ab": ("a", "b"), "cd": ("c", "d"), "abc": ("ab", "c"), "de": ("d", "e"), "x": ("e", "a")}
    index = _Acronyms(dict(sorted(table.items())))
    for _ in range(500):
        terms = list(dict.fromkeys(rng.choices(words, k=rng.randint(1, 6))))
        fast = dict.fromkeys(terms, 1.0)
        used = _add_acronyms(fast, index)
        # Every acronym tried in the index's order, as before the shortcut.
        slow = dict.fromkeys(terms, 1.0)
        slow_used = []
        for acronym, expansion in index.acronyms.items():
            if acronym in slow:
                slow_used.append((acronym, expansion))
            elif with_acronyms(terms, {acronym: expansion}) != terms:
                slow.update(dict.fromkeys(expansion, 1.0 / len(expansion)))
                slow[acronym] = 1.0
                slow_used.append((acronym, expansion))
        assert used == tuple(slow_used) and list(fast.items()) == list(slow.items()), terms


def test_only_capitals_or_non_english_words_are_read_as_acronyms(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "yard.txt").write_text(
        "Yard budget\n\nOfficials at the Public Archive Yard said the budget rose by a third.\n\n"
        "Nobody else commented on the budget.\n",
        encoding="utf-8",
    )
    build_index([docs], tmp_path / "index.json", semantic=False)
    answerer = Answerer(load_index(tmp_path / "index.json"), encoder=False)
    assert "Reading PAY as “Public Archive Yard”." in answerer.answer("what did PAY officials say").notices()
    # "pay" is an English word a reader means as one, not the initials of "Public Archive Yard".
    assert not any(n.startswith("Reading") for n in answerer.answer("what did pay officials say").notices())
