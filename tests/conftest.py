"""Shared fixtures: the bundled article, tiny corpora in tmp_path, a built index, and for the
Telegram tests the Bot API emulator and the real bot process."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.answer import Answerer
from index import build_index, load_index
from index.analysis.english import CACHE_NAME
from index.storage import index_paths
from tests.emulator import BotApiEmulator
from tests.telegram_support import TOKEN, BotProcess, launch_bot

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "docs" / "articles"
ARTICLE = next(ARTICLES.glob("*.txt"))
EVAL_ARTICLES = REPO / "docs" / "eval" / "articles"


def copy_english(index: Path, other: Path) -> None:
    """Copy the English stems table of the index `index` into the index `other`'s folder, as a
    second build on the same machine would find it (the first build makes it, about 2.5 s)."""
    home = index_paths(other).home
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(index_paths(index).home / CACHE_NAME, home)


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


@pytest.fixture(scope="session")
def four_articles(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    """The bundled article and the three evaluation articles in one index (with vectors where the
    encoder is installed), built once per test session."""
    docs = tmp_path_factory.mktemp("four")
    for source in [*ARTICLES.glob("*.txt"), *EVAL_ARTICLES.glob("*.txt")]:
        shutil.copy(source, docs / source.name)
    out = tmp_path_factory.mktemp("four-index") / "index.json"
    build_index([docs], out)
    return Answerer(load_index(out))


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled docs folder."""
    target = tmp_path / "docs"
    shutil.copytree(ARTICLES, target)
    return target


@pytest.fixture
def emulator() -> Iterator[BotApiEmulator]:
    """A fresh Telegram Bot API emulator on 127.0.0.1 that knows the test bot token."""
    with BotApiEmulator(token=TOKEN) as emu:
        yield emu


@pytest.fixture
def start_bot(tmp_path: Path, article_index_path: Path) -> Iterator[Callable[..., BotProcess]]:
    """Start real `qabot telegram` processes: start_bot(emulator, **env); stopped after the test."""
    started: list[BotProcess] = []

    def start(emulator: BotApiEmulator | None, **kwargs: object) -> BotProcess:
        kwargs.setdefault("index", article_index_path)
        bot = launch_bot(emulator, tmp_path / f"bot{len(started)}", **kwargs)  # type: ignore[arg-type]
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.stop()
