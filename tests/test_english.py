from pathlib import Path

from index.analysis import tokens
from index.analysis.english import CACHE_NAME, cache_key, load_english


def test_english_table_is_made_once_and_matches_the_stemmer(tmp_path: Path) -> None:
    table = load_english(tmp_path)
    path = tmp_path / CACHE_NAME
    assert path.is_file()
    assert path.read_text(encoding="utf-8").count("\n") > 100_000
    for word in ("deporting", "powers", "happily", "communities", "aardvark", "zoom"):
        assert table.stem(word) == tokens._snowball()(word)
    assert table.stem("mayorkus") is None and "mayorkus" not in table
    assert "the" not in table  # stopwords are never terms
    stamp = path.stat().st_mtime_ns
    assert load_english(tmp_path).stem("deporting") == "deport"
    assert path.stat().st_mtime_ns == stamp  # read, not made again


def test_every_entry_is_found_by_the_bisection(tmp_path: Path) -> None:
    table = load_english(tmp_path)
    lines = (tmp_path / CACHE_NAME).read_text(encoding="utf-8").splitlines()[1:]
    for line in lines[:: max(1, len(lines) // 3000)] + [lines[0], lines[-1]]:
        word, stem = line.split("\t")
        assert table.stem(word) == stem
    assert table.stem("") is None and table.stem("zzzzzzzz") is None and table.stem("aaaaaa") is None


def test_an_outdated_or_damaged_table_is_remade(tmp_path: Path) -> None:
    (tmp_path / CACHE_NAME).write_text("old key\nx\tx\n", encoding="utf-8")
    assert load_english(tmp_path).stem("deporting") == "deport"
    (tmp_path / CACHE_NAME).write_bytes(b"\xff\xfe broken")
    assert load_english(tmp_path).stem("deporting") == "deport"
    assert "nltk" in cache_key() and "pyspellchecker" in cache_key()
