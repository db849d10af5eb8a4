"""Shared fixtures: the bundled article, tiny corpora in tmp_path, a built index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answer import Answerer
from index import build_index, load_index

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "docs" / "articles"
ARTICLE = next(ARTICLES.glob("*.txt"))


@pytest.fixture(scope="session")
def article_index_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the bundled article, built once per test session."""
    out = tmp_path_factory.mktemp("article-index") / "index.json"
    build_index([ARTICLES], out)
    return out


@pytest.fixture(scope="session")
def answerer(article_index_path: Path) -> Answerer:
    """The real answer pipeline over the bundled article."""
    return Answerer(load_index(article_index_path))


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled docs folder."""
    target = tmp_path / "docs"
    shutil.copytree(ARTICLES, target)
    return target
