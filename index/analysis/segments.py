"""One source file's share of an archive build, computed once and cached on disk.

A segment holds everything the archive needs from one file: its documents' metadata (with their
title terms and the acronyms they define), its passages (offsets, text, sentence spans of split
paragraphs), their term counts and their term sequences (acronyms learned from all files are added
to spelled-out expansions when the segments are merged), and its section headings' terms. Segments are cached in
plain files of raw arrays and JSON (no pickle) keyed by the file's path, size and modification time and by the
tokenizer and segment versions, so a rebuild after one file changed recomputes one segment.
"""

from __future__ import annotations

import hashlib
import json
import math
import mmap
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..mapped import release
from ..storage import write_atomically
from . import tokens
from .acronyms import find_acronyms
from .documents import Document, Skipped, Span, notes_of, read_file
from .duplicates import text_digest
from .passages import MAX_WORDS, split_document
from .termcache import TermIds, words_of

# Bump when what a segment holds changes; older cache files are then ignored.
SEGMENT_VERSION = 4
# A .jsonl file bigger than this is read in parts of about this size (each a segment), cut where a
# line starts: both cores get work from one big export, and after an append only the last part
# and the new ones are tokenized again (a part is cached by its content, not the file's mtime).
CHUNK_BYTES = 8 * 1024 * 1024
# Joins a file's passages into one string for one regex pass (much faster than one per passage);
# a passage that contains it is caught by the count check and tokenized on its own.
_SEP_WORD = "qabotpassagebreak"
_SEP = f"\n\n{_SEP_WORD}\n\n"
# A cache file: magic, the header's length (8 bytes, little-endian), the header (JSON: the meta and
# each array's dtype, shape and offset), then the arrays' raw bytes, each aligned. Loading it is one
# read and no parsing of the arrays (an .npz is a zip: each member is read and copied).
SUFFIX = ".seg"
_MAGIC = b"QABOTSEG"
_HEAD = len(_MAGIC) + 8
_ALIGN = 64
_ARRAYS = (
    "p_doc", "p_start", "p_end", "p_para", "p_section", "p_len", "p_text", "p_sent",
    "text", "sents", "post_row", "post_col", "post_tf", "seq",
)


@dataclass(frozen=True)
class Source:
    """A file to read (or a part of a big .jsonl file) and the folder it belongs to."""

    file: Path
    root: Path
    shown: str
    span: Span | None = None  # the part: byte range and first line number; None: the whole file
    digest: str = ""  # the part's content digest (a part is cached by what it holds)
    size: int = 0  # bytes to read, for progress

    def key(self) -> str:
        """The cache key: where the file is, its size and mtime (a part: its place and content),
        and the format versions."""
        if self.span is None:
            st = self.file.stat()
            what: list[object] = [st.st_size, st.st_mtime_ns]
        else:
            what = [list(self.span), self.digest]
        raw = json.dumps(
            [str(self.file.resolve()), self.shown, *what, tokens.TOKENIZER_VERSION, SEGMENT_VERSION, MAX_WORDS]
        )
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


def sources_of(file: Path, root: Path, shown: str, chunk_bytes: int | None = None) -> list[Source]:
    """The sources of one file: the file itself, or the parts of a .jsonl file bigger than
    `chunk_bytes`. Raises OSError when the file cannot be read."""
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    size = file.stat().st_size
    root_real = root.resolve() if root.is_dir() else root.resolve().parent
    real = file.resolve()
    if file.suffix.lower() != ".jsonl" or size <= chunk_bytes or not real.is_relative_to(root_real):
        return [Source(file, root, shown, size=size)]
    return [Source(file, root, shown, span=(a, b, line), digest=digest, size=b - a)
            for a, b, line, digest in _parts(real, size, chunk_bytes)]


def _parts(real: Path, size: int, chunk_bytes: int) -> list[tuple[int, int, int, str]]:
    """(start, end, first line number, content digest) of each part of a big .jsonl file.

    Part k starts at the first line that starts at or after k·chunk_bytes. The cuts are tied to
    those fixed places, not to the previous part's end: an append changes only the last part, and
    an edit that changes a line's length by less than a line keeps every other part's content.
    Each part is read once (to hash it and count its lines), a part at a time."""
    starts = [0]
    with open(real, "rb") as file:
        for nominal in range(chunk_bytes, size, chunk_bytes):
            if nominal <= starts[-1]:
                continue  # a line longer than a part: it stays whole in one part
            file.seek(nominal - 1)
            file.readline()  # to the end of the line holding the byte before `nominal`
            at = file.tell()
            if starts[-1] < at < size:
                starts.append(at)
        ends = [*starts[1:], size]
        parts: list[tuple[int, int, int, str]] = []
        line = 1
        for a, b in zip(starts, ends, strict=True):
            file.seek(a)
            data = file.read(b - a)
            parts.append((a, b, line, hashlib.blake2b(data, digest_size=16).hexdigest()))
            line += data.count(b"\n")
    return parts


@dataclass
class Segment:
    """The arrays and metadata of one file's documents, passages and term counts."""

    meta: dict
    arrays: dict[str, np.ndarray]


def compute_segment(source: Source, cache: TermIds | None = None) -> Segment:
    """Read, split and count the terms of one file."""
    docs, skipped = read_file(source.file, source.root, source.shown, span=source.span)
    return segment_of(docs, skipped, cache if cache is not None else TermIds())


def segment_of(docs: list[Document], skipped: list[Skipped], cache: TermIds) -> Segment:
    """The segment of already-read documents."""
    doc_rows: list[dict] = []
    sections: dict[str, int] = {}
    cols: dict[str, list[int]] = {name: [] for name in ("p_doc", "p_start", "p_end", "p_para", "p_section")}
    texts: list[str] = []
    sent_flat: list[int] = []
    sent_ptr = [0]
    for doc_no, doc in enumerate(docs):
        passages = split_document(doc, sentences=False)
        doc_rows.append(
            {
                "doc_id": doc.doc_id, "path": doc.path, "title": doc.title, "url": doc.url,
                "published": doc.published, "author": doc.author, "digest": text_digest(doc),
                "updated": doc.updated,
                "sections": list(dict.fromkeys(p.section for p in passages if p.section)),
                "passages": len(passages),
                "title_terms": [cache.terms[i] for i in cache.of(doc.title)],
                "acronyms": [[k, list(v)] for k, v in find_acronyms(doc.text[doc.body_start :]).items()],
            }
        )
        for p in passages:
            cols["p_doc"].append(doc_no)
            cols["p_start"].append(p.start)
            cols["p_end"].append(p.end)
            cols["p_para"].append(p.paragraph)
            cols["p_section"].append(-1 if p.section is None else sections.setdefault(p.section, len(sections)))
            texts.append(p.text)
            for a, b in p.sentences:
                sent_flat.extend((a, b))
            sent_ptr.append(len(sent_flat))
    ids, lengths, words = _term_ids(texts, cache)
    section_terms = [[cache.terms[i] for i in cache.of(name)] for name in sections]
    for name in (*(d["title"] for d in doc_rows), *sections):
        words.update(words_of(name))
    row = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    used, local = np.unique(ids, return_inverse=True)
    # One sort gives each (passage, term) pair once with its count, passages in order.
    pairs, tf = np.unique(row * max(len(used), 1) + local, return_counts=True)
    encoded = [t.encode("utf-8") for t in texts]
    text_ptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=text_ptr[1:])
    arrays = {
        "p_doc": np.array(cols["p_doc"], dtype=np.int32),
        "p_start": np.array(cols["p_start"], dtype=np.int64),
        "p_end": np.array(cols["p_end"], dtype=np.int64),
        "p_para": np.array(cols["p_para"], dtype=np.int32),
        "p_section": np.array(cols["p_section"], dtype=np.int32),
        "p_len": lengths.astype(np.int32),
        "p_text": text_ptr,
        "p_sent": np.array(sent_ptr, dtype=np.int64),
        "text": np.frombuffer(b"".join(encoded), dtype=np.uint8),
        "sents": np.array(sent_flat, dtype=np.int32),
        "post_row": (pairs // max(len(used), 1)).astype(np.int32),
        "post_col": (pairs % max(len(used), 1)).astype(np.int32),
        "post_tf": tf.astype(np.int32),
        # Each passage's terms in order (local ids): acronyms are added to spelled-out expansions.
        "seq": local.astype(np.min_scalar_type(max(len(used) - 1, 0))),
    }
    meta = {
        "documents": doc_rows,
        "skipped": [[s.path, s.reason] for s in skipped],
        "notes": [[n.path, n.reason] for n in notes_of(docs)],
        "vocabulary": [cache.terms[i] for i in used.tolist()],
        "sections": list(sections),
        "section_terms": section_terms,
        "stems": cache.stems_of(words),
    }
    return Segment(meta, arrays)


def _term_ids(texts: list[str], cache: TermIds) -> tuple[np.ndarray, np.ndarray, set[str]]:
    """All passages' term ids, concatenated, each passage's number of terms, the distinct words."""
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), set()
    cache[_SEP_WORD] = (-1,)
    words = words_of(_SEP.join(texts))
    flat = np.array(cache.of_words(words), dtype=np.int64)
    breaks = flat == -1
    distinct = set(words)
    distinct.discard(_SEP_WORD)
    if int(breaks.sum()) != len(texts) - 1:
        # A passage holds the separator word itself: count passage by passage instead.
        del cache[_SEP_WORD]
        per = [np.array(cache.of(t), dtype=np.int64) for t in texts]
        lengths = np.array([len(p) for p in per], dtype=np.int64)
        return np.concatenate(per), lengths, distinct | {_SEP_WORD}
    passage_of = np.cumsum(breaks)
    lengths = np.bincount(passage_of[~breaks], minlength=len(texts))
    return flat[~breaks], lengths, distinct


def save_segment(folder: Path, key: str, segment: Segment) -> None:
    """Write a segment to the cache atomically (a crash leaves no half-written entry)."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = dict(segment.meta)
    # The long word lists as one string each: JSON then parses a few strings per segment, not
    # tens of thousands (words and terms never hold a newline).
    meta["vocabulary"] = "\n".join(segment.meta["vocabulary"])
    meta["stems"] = ["\n".join(segment.meta["stems"]), "\n".join(segment.meta["stems"].values())]
    layout: list[list] = []
    offset = 0
    for name in _ARRAYS:
        array = np.ascontiguousarray(segment.arrays[name])
        layout.append([name, array.dtype.str, list(array.shape), offset])
        offset += _aligned(array.nbytes)
    header = json.dumps({"meta": meta, "arrays": layout}, ensure_ascii=False).encode("utf-8")

    def fill(out: BinaryIO) -> None:
        out.write(_MAGIC + len(header).to_bytes(8, "little"))
        out.write(header)
        out.write(bytes(_aligned(_HEAD + len(header)) - _HEAD - len(header)))
        for name in _ARRAYS:
            array = np.ascontiguousarray(segment.arrays[name])
            out.write(array.data)
            out.write(bytes(_aligned(array.nbytes) - array.nbytes))

    # A cache entry: one torn by a crash fails load_segment's checks and is computed again, so it is
    # not synced (that would cost the build a disk flush per file).
    write_atomically(folder / f"{key}{SUFFIX}", fill, durable=False)


def load_segment(folder: Path, key: str) -> Segment | None:
    """A cached segment, or None when there is none or it cannot be read."""
    try:
        with open(folder / f"{key}{SUFFIX}", "rb") as file:
            # Mapped, not read: the arrays are views of the page cache, not a fresh copy (new
            # memory is slow to touch on a VM; the cache is a gigabyte at a million passages).
            # Entries are replaced, never rewritten in place, so the mapping stays valid.
            raw = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        if raw[: len(_MAGIC)] != _MAGIC:
            return None
        size = int.from_bytes(raw[len(_MAGIC) : _HEAD], "little")
        header = json.loads(raw[_HEAD : _HEAD + size].decode("utf-8"))
        base = _aligned(_HEAD + size)
        release(np.frombuffer(raw, np.uint8, base))  # parsed: the header is not read again
        arrays: dict[str, np.ndarray] = {}
        for name, dtype, shape, offset in header["arrays"]:
            kind = np.dtype(dtype)
            if kind.hasobject:
                return None
            count = math.prod(shape)
            # Views of the file's bytes (read-only): nothing is copied or unpickled.
            arrays[name] = np.frombuffer(raw, kind, count, base + offset).reshape(shape)
        meta = header["meta"]
        meta["vocabulary"] = meta["vocabulary"].split("\n") if meta["vocabulary"] else []
        words, terms = (part.split("\n") if part else [] for part in meta["stems"])
        meta["stems"] = dict(zip(words, terms, strict=True))
        if set(arrays) != set(_ARRAYS):
            return None
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    except Exception:  # noqa: BLE001 - a damaged header can fail in other ways; recompute then
        return None
    return Segment(meta, arrays)


def _aligned(size: int) -> int:
    return -(-size // _ALIGN) * _ALIGN
