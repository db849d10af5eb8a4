"""What a typed question's answer sentence must hold: a count of what was asked, money for a cost,
a name beside the role asked about, an acronym only where the question asks for one."""

from __future__ import annotations

import pytest

from bot.answer_types import (
    DATE,
    NUMBER,
    asked_expansion,
    asks_share,
    counted_terms,
    counts_what,
    expected_type,
    holds_money,
    holds_share,
    holds_type,
    named_role,
    names_role,
)
from index.analysis.tokens import term_spans, tokenize


def counts(question: str, sentence: str) -> bool:
    return counts_what(sentence, term_spans(sentence), counted_terms(question, tokenize))


@pytest.mark.parametrize("question, sentence, expected", [
    ("how many GOP senators wrote", "A group of 12 Senate Republicans recently urged the President.", True),
    ("how many jobs will be lost", "It would eliminate 195,600 full-time-equivalent jobs.", True),
    ("how many galaxies are in it", "It contains tens of thousands of evolving galaxies.", True),
    ("how many men were held", "A cell meant for 35 held 155 adult males.", True),
    ("how many stars are there", "20 billion particles representing dark matter, gases, stars and holes.", False),
    ("how many doctors signed", "In a Nov. 5 letter, the doctors pleaded with the administration.", False),
    ("how many police departments", "60 Democrats want to end agreements with local police departments.", False),
])
def test_a_count_is_followed_by_what_it_counts(question: str, sentence: str, expected: bool) -> None:
    assert counts(question, sentence) is expected


def test_money_needs_a_currency() -> None:
    assert holds_money("Revenues totaled about $63 billion.") and holds_money("It cost 40 euros.")
    assert not holds_money("The simulation tracked more than 20 billion particles.")


@pytest.mark.parametrize("question, expected", [
    ("what percent of the universe is dark matter", True),
    ("what tariff rate was put on steel", True),
    ("what is the unemployment rate", True),
    ("what share of chinese imports are computers", True),
    ("by how much, in percent, did prices rise", True),
    ("what accelerated the rate of star formation", False),
    ("how much worse is the flu death rate", False),  # "nine times higher" answers it
    ("how many jobs will be lost", False),
])
def test_a_percent_or_rate_question_asks_for_a_share(question: str, expected: bool) -> None:
    assert asks_share(question) is expected
    if expected:
        assert expected_type(question) == NUMBER


def test_a_share_is_a_percentage_a_fraction_or_a_rate() -> None:
    for sentence in ("About 36% of imports are computers.", "GDP falls by 0.25 percent.", "twenty per cent",
                     "One in five children", "3 deaths per 100,000 children", "a third of the budget"):
        assert holds_share(sentence), sentence
    assert not holds_share("The simulation tracked more than 20 billion particles.")
    assert not holds_share("In a Nov. 5 letter, 12 senators wrote.")


def test_the_role_of_a_name_question() -> None:
    assert named_role("what was the name of the judge who blocked the pause") == "judge"
    assert named_role("what was the name of the CBP spokesperson") == "spokesperson"
    assert named_role("who is the HHS secretary") is None
    question = "what was the name of the CBP spokesperson"
    for sentence, expected in [
        ("A spokesperson who did not wish to be named said in a statement emailed to NBC News.", False),
        ("The agency's spokesperson, Ann Lee, declined to comment.", True),
    ]:
        assert names_role(sentence, term_spans(sentence), set(tokenize("spokesperson")), question) is expected


@pytest.mark.parametrize("question, acronym", [
    ("what does DHS stand for", "DHS"),
    ("what does ice mean?", "ICE"),
    ("CBP stands for what", "CBP"),
    ("meaning of ICE", "ICE"),
    ("will a small tariff always mean higher prices", None),
    ("what does it mean", None),
])
def test_only_an_acronym_question_asks_for_an_expansion(question: str, acronym: str | None) -> None:
    assert asked_expansion(question) == acronym


@pytest.mark.parametrize("question", ["how fast are the gas outflows", "how deep is the well", "how tall is it"])
def test_a_measure_question_wants_a_number(question: str) -> None:
    assert expected_type(question) == NUMBER


def test_a_compound_word_is_not_a_measure() -> None:
    # "heavy-handed" asks how harsh, not how many kilograms.
    assert expected_type("how heavy-handed was trump on immigration") is None


def test_a_time_span_is_not_a_date_and_a_relative_time_answers_when() -> None:
    assert expected_type("what time span does the simulation cover") is None
    assert expected_type("what time does the clinic open") == DATE
    assert holds_type("Importers must pay within 10 days of the shipment clearing customs.", DATE)
    assert not holds_type("It lasted for 10 days.", DATE)
