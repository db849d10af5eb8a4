import pytest
from nltk.tokenize import RegexpTokenizer

from index.analysis.tokens import STOPWORDS, WORD_PATTERN, term_spans, tokenize, word_spans
from tests.conftest import ARTICLE


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("287(g)", "287g"),
        ("Biden’s", "Biden's"),
        ("ＤＨＳ", "DHS"),  # fullwidth letters, NFKC
        ("de\u200bport\u00ading", "deporting"),  # zero-width space and soft hyphen inside a word
        ("ﬁngerprints", "fingerprints"),  # ligature
        ("POLICE", "police"),
        ("deportations", "deported"),  # Snowball stems both to "deport"
        ("“ICE”", '"ICE"'),
        ("law—enforcement", "law - enforcement"),
    ],
)
def test_equivalent_forms_give_the_same_terms(left: str, right: str) -> None:
    assert tokenize(left) == tokenize(right)
    assert tokenize(left)


def test_stopwords_are_dropped_numbers_kept_and_us_kept() -> None:
    assert tokenize("What is the 60 of the US?") == ["60", "us"]
    assert "the" in STOPWORDS and "us" not in STOPWORDS


def test_only_stopwords_and_punctuation_give_no_terms() -> None:
    assert tokenize("What is it? ... !!") == []
    assert tokenize("") == []


def test_term_spans_point_at_the_source_words() -> None:
    text = "Mayorkas’s 287(g) plan"
    spans = term_spans(text)
    assert [(t, text[a:b]) for t, a, b in spans] == [
        ("mayorka", "Mayorkas’s"),
        ("287g", "287(g)"),
        ("plan", "plan"),
    ]


def test_word_spans_match_nltk_regexp_tokenizer_on_the_article() -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    nltk_spans = list(RegexpTokenizer(WORD_PATTERN).span_tokenize(text))
    assert word_spans(text) == nltk_spans


def test_tokenize_rejects_non_text() -> None:
    with pytest.raises(TypeError):
        tokenize(b"bytes")  # type: ignore[arg-type]
