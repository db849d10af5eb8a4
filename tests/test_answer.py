import pytest

from bot.answer import ANSWERED, MAX_QUESTION_CHARS, NO_QUESTION, NOT_FOUND, Answerer
from tests.conftest import ARTICLE


def test_dhs_secretary_question_returns_the_mayorkas_passage_first(answerer: Answerer) -> None:
    answer = answerer.answer("Who is the new DHS Secretary?")
    assert answer.status == ANSWERED
    top = answer.results[0]
    assert "Alejandro Mayorkas" in top.text
    c = top.citation
    assert ARTICLE.read_text(encoding="utf-8")[c.start : c.end] == top.text
    assert c.path == "docs/articles/" + ARTICLE.name or c.path.endswith("/" + ARTICLE.name)
    assert (c.title, c.paragraph) == ("Push for police to stop working with US immigration agencies", 2)
    assert set(top.matched) >= {"dhs", "secretari"}
    assert all(top.text[a:b] for a, b in top.highlights)


def test_results_are_ranked_and_k_is_respected(answerer: Answerer) -> None:
    answer = answerer.answer("ICE detainers 48 hours", k=5)
    assert [r.rank for r in answer.results] == list(range(1, len(answer.results) + 1))
    assert len(answer.results) <= 5
    scores = [r.score for r in answer.results]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert "48 hours" in answer.results[0].text


def test_best_sentence_is_the_one_that_answers(answerer: Answerer) -> None:
    answer = answerer.answer("When did Biden pause deportations for 100 days?")
    top = answer.results[0]
    assert top.sentence == "Biden had signed an executive order to pause deportations for 100 days."
    a, b = top.sentence_span
    assert top.text[a:b] == top.sentence


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "what is the?", "?!?", "\x00\x01"])
def test_empty_or_stopword_questions_get_a_usage_hint(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert answer.status == NO_QUESTION and answer.results == ()
    assert answer.note and "Ask me a question" in answer.note


def test_nothing_found_says_so_and_names_what_the_article_covers(answerer: Answerer) -> None:
    answer = answerer.answer("football scores yesterday")
    assert answer.status == NOT_FOUND and answer.results == ()
    assert "could not find" in answer.note
    assert "287(g) program" in answer.note
    assert set(answer.unmatched) == {"football", "scores", "yesterday"}


def test_huge_question_is_capped(answerer: Answerer) -> None:
    answer = answerer.answer("police " * 2000)
    assert len(answer.question) <= MAX_QUESTION_CHARS
    assert answer.status == ANSWERED and "first" in answer.note


def test_many_distinct_words_are_capped(answerer: Answerer) -> None:
    question = " ".join(f"word{i}" for i in range(500)) + " Mayorkas"
    answer = answerer.answer(question)
    assert len(answer.terms) <= 32


def test_control_characters_and_lone_surrogates_are_cleaned(answerer: Answerer) -> None:
    answer = answerer.answer("Mayor\x00kas \ud800 DHS\x1b[31m")
    assert "\x00" not in answer.question and "\x1b" not in answer.question
    assert "\ud800" not in answer.question
    answer.question.encode("utf-8")


def test_section_returns_the_whole_section(answerer: Answerer) -> None:
    top = answerer.answer("Naureen Shah fear testing vaccines").results[0]
    section = answerer.section(top.passage_id)
    assert section.section == "Letter endorsed"
    assert [p.paragraph for p in section.passages] == [9, 10, 11, 12, 13]


def test_same_question_same_ranking(answerer: Answerer) -> None:
    first = answerer.answer("immigration enforcement local police", k=10)
    second = answerer.answer("immigration enforcement local police", k=10)
    assert [(r.passage_id, r.score) for r in first.results] == [
        (r.passage_id, r.score) for r in second.results
    ]


def test_section_stays_within_its_document(tmp_path) -> None:
    from index import build_index, load_index

    for name in ("a", "b"):
        (tmp_path / f"{name}.md").write_text(
            f"# Story {name}\n\nIntro of {name}.\n\n## Budget\n\nFirst budget line of {name}.\n\n"
            f"Second budget line of {name}.\n\n## Roads\n\nRoads of {name}.\n",
            encoding="utf-8",
        )
    build_index([tmp_path], tmp_path / "ix.json")
    answerer = Answerer(load_index(tmp_path / "ix.json"))
    top = answerer.answer("second budget line of b").results[0]
    section = answerer.section(top.passage_id)
    assert section.section == "Budget"
    assert [p.text for p in section.passages] == ["First budget line of b.", "Second budget line of b."]


def test_not_found_names_the_articles_when_there_are_several(tmp_path) -> None:
    """Issue 12 item 5: with several articles, "It covers:" listed some articles' section headings
    and left out articles without headings; it names the articles, a few, then how many more."""
    from index import build_index, load_index

    for n, name in enumerate(["alpha", "bravo", "charlie", "delta", "echo"]):
        body = f"Story {name} tells of the {name} harbor.\n\nThe {name} harbor opened in spring.\n"
        if n % 2:
            body = f"Harbor news\n\n{body}"  # a section heading in some of them
        (tmp_path / f"{name}.txt").write_text(f"The {name} story\n\n{body}", encoding="utf-8")
    build_index([tmp_path], tmp_path / "ix.json")
    answer = Answerer(load_index(tmp_path / "ix.json")).answer("zebras")
    assert answer.note is not None
    assert answer.note.startswith("I could not find that in the 5 articles I know")
    assert "They include “The alpha story”, “The bravo story”, “The charlie story” and 2 more." in answer.note
    assert "Harbor news" not in answer.note


def test_not_found_with_one_article_lists_its_sections(answerer: Answerer) -> None:
    note = answerer.answer("zebras").note or ""
    assert note.endswith("It covers: 287(g) program, Letter endorsed and No change overnight.")


def test_a_long_question_is_cut_at_a_word_boundary(answerer: Answerer) -> None:
    """Issue 12 item 12: a 10,000-character question was cut mid-word ("does not mention immi.")."""
    question = "police immigration " * 530  # character 1000 falls inside "immigration"
    assert question[999:1001].isalpha()
    answer = answerer.answer(question)
    assert answer.question.split()[-1] in ("police", "immigration")
    assert not [w for w in answer.unmatched if w not in ("police", "immigration")]
    assert any("first 1000 characters" in n for n in answer.notices())
