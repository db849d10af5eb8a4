from pathlib import Path

from index import tokens
from index.english import CACHE_NAME, cache_key, load_english


def test_english_table_is_made_once_and_matches_the_stemmer(tmp_path: Path) -> None:
    table = load_english(tmp_path)
    assert (tmp_path / CACHE_NAME).is_file()
    assert len(table) > 100_000
    for word in ("deporting", "powers", "happily", "communities"):
        assert table[word] == tokens._snowball()(word)
    assert "the" not in table  # stopwords are never terms
    again = load_english(tmp_path)
    assert again == table


def test_an_outdated_or_damaged_table_is_remade(tmp_path: Path) -> None:
    (tmp_path / CACHE_NAME).write_text('{"key": "old", "stems": {}}', encoding="utf-8")
    assert len(load_english(tmp_path)) > 100_000
    (tmp_path / CACHE_NAME).write_text("{broken", encoding="utf-8")
    assert load_english(tmp_path)["deporting"] == "deport"
    assert "nltk" in cache_key() and "pyspellchecker" in cache_key()
