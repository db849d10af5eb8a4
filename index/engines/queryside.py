"""What both engines offer the question side (query.py, bot/answer.py) beyond scoring: spelling
correction against the vocabulary, the English stems table, warm-up, the weight of unknown words."""

from __future__ import annotations

import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..analysis import tokens
from ..analysis.acronyms import AcronymTable
from ..analysis.english import EnglishStems, load_english
from ..analysis.passages import Passage
from ..analysis.spelling import Speller
from ..analysis.wordtable import WordTable
from ..semantic import Vectors, read_vectors, vector_inputs, vectors_path
from ..storage import INDEX_FILE, IndexPaths


class QuerySide(ABC):
    """What both engines share for the question side (spelling, English stems, vectors, acronyms);
    each engine supplies the four counting methods below over its own storage."""

    stems: dict[str, str]
    acronyms: dict[str, tuple[str, ...]]
    home: Path | None
    path: Path | None  # the index file or folder this index was loaded from
    passages: Sequence[Passage]

    def _init_query_side(self, words: WordTable | None = None) -> None:
        """`words`: the spelling table stored with the index, if it has one (else made when needed)."""
        # Stems from the index's own table (and, once loaded, its English table) before nltk's.
        self.analyzer = tokens.Analyzer(self.stems)
        self._english: EnglishStems | None = None
        self._acronym_table: AcronymTable | None = None
        self._speller: Speller | None = None
        self._word_table = words
        self._speller_lock = threading.Lock()
        self._english_loaded = False
        self._english_lock = threading.Lock()
        # The index's folder (storage.IndexPaths.home): the English stems table (english.py) and
        # companion files live there. None for an index made in memory.
        self.home = None
        self.path = None
        self._vectors: Vectors | None | bool = False  # False: not looked for yet
        self._vectors_lock = threading.Lock()

    @abstractmethod
    def df(self, term: str) -> int:
        """How many passages hold `term`."""

    @abstractmethod
    def passage_count(self) -> int:
        """How many passages the index holds."""

    @abstractmethod
    def passage_terms(self, passage_id: int) -> dict[str, int]:
        """Term frequencies of one passage's text."""

    @abstractmethod
    def matched_terms(self, passage_id: int, terms: Iterable[str]) -> list[str]:
        """Which of `terms` the passage holds, in its text or in its section heading."""

    def max_idf(self) -> float:
        """The idf a term found in no passage would have: the weight of an unknown word."""
        n = self.passage_count()
        return math.log(1.0 + (n + 0.5) / 0.5)

    def vector_inputs(self) -> tuple[list[str], list[str], np.ndarray]:
        """What the encoder embeds for this index: passage inputs, sentence inputs, bounds."""
        passages = (self.passages[i] for i in range(self.passage_count()))
        return vector_inputs([(p.title, p.section, p.text, p.sentences) for p in passages])

    @property
    def vectors(self) -> Vectors | None:
        """The passages' and sentences' vectors (semantic.py), read on first use; None when the
        index lacks some (not made, or made by another encoder)."""
        if self._vectors is False:
            with self._vectors_lock:
                if self._vectors is False:
                    found = None
                    # Looked for before the inputs are made: an archive without vectors must not
                    # read its million passages to learn that there are none.
                    if self.path is not None and vectors_path(self.path).is_file():
                        texts, sentences, bounds = self.vector_inputs()
                        passages = read_vectors(self.path, texts)
                        rows = read_vectors(self.path, sentences) if passages is not None else None
                        if rows is not None and passages is not None and rows.model != passages.model:
                            rows = None
                        if passages is not None:
                            found = Vectors(passages, rows, bounds)
                    self._vectors = found
        return self._vectors if isinstance(self._vectors, Vectors) else None

    def warm_up(self) -> None:
        """Load now what the first unknown question word would load (nltk's stemmer, the spelling
        lists): a server pays it at start-up, not in its first users' answers."""
        tokens.load_stemmer()
        self.know_english()
        self.correct("warmup")

    def know_english(self) -> None:
        """Load the English word -> stem table cached next to the index (see english.py), once."""
        if self._english_loaded or self.home is None:
            return
        with self._english_lock:
            if not self._english_loaded:
                self._english = load_english(self.home)
                self.analyzer.use_english(self._english)
                self._english_loaded = True

    @property
    def acronym_table(self) -> AcronymTable:
        """The index's acronyms with lookups for the question side (query.py), made on first use."""
        table = self._acronym_table
        if table is None or len(table.items) != len(self.acronyms):
            table = self._acronym_table = AcronymTable.of(self.acronyms)
        return table

    def companion(self, name: str) -> Path:
        """The path of a file named `name` that belongs with this index (storage.IndexPaths)."""
        if self.home is None:
            raise ValueError("this index was not loaded from disk: it has no folder")
        return IndexPaths(self.home / INDEX_FILE, self.home).companion(name)

    def correct(self, word: str) -> str | None:
        """The indexed word closest to a (misspelt) normalised word, or None."""
        if self._speller is None:
            with self._speller_lock:
                if self._speller is None:
                    # Built on first use: most questions need no correction. A word from a damaged
                    # stored table may lack a stem: it counts as held by no passage.
                    stems = self.stems
                    words = stems if self._word_table is None else self._word_table
                    self._speller = Speller(words, lambda word: self.df(stems.get(word, "")), self._english)
        return self._speller.correct(word)
