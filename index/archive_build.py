"""Building an archive: per-file segments (cached, computed in parallel), merged into arrays.

The merge orders documents by doc_id and passages by document then offset, exactly as the small
engine does, so a passage has the same id in both engines and ties break the same way.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import tokens
from .archive_store import archives_dir, prune, write_archive
from .documents import Skipped, candidate_files
from .errors import NoDocumentsError
from .scoring import K1, B
from .segments import Segment, Source, compute_segment, load_segment, save_segment
from .storage import write_index
from .termcache import TermIds

# Parallel segment work pays for the worker start-up (~1 s) only when there is a lot to read.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
WORKERS = max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class ArchiveCounts:
    """What an archive build produced."""

    documents: int
    passages: int
    terms: int
    skipped: tuple[Skipped, ...]
    reused: int  # segments taken from the cache
    computed: int  # segments read and tokenized in this build


def cache_dir(index_path: Path) -> Path:
    """The per-file segment cache of the index file `index_path`."""
    return index_path.with_name(index_path.name + ".cache")


def build_archive(roots: Sequence[Path], out: Path, print_of: str) -> ArchiveCounts:
    """Build the archive of `roots` and point the index file `out` to it (caller holds the lock)."""
    cache = cache_dir(out)
    sources: list[tuple[Source, str]] = []
    skipped: list[Skipped] = []
    for root in roots:
        for file in candidate_files(root):
            source = Source(file, root, root.as_posix())
            try:
                sources.append((source, source.key()))
            except OSError as err:
                rel = file.relative_to(root).as_posix()
                skipped.append(Skipped(f"{root.as_posix()}/{rel}", f"cannot be read ({err.strerror})"))
    found = {k: load_segment(cache, k) for _, k in sources}
    missing = [(s, k) for s, k in sources if found[k] is None]
    for segment in found.values():
        if segment is not None:
            # Words seen before need no stemmer: a one-file rebuild then never imports nltk.
            _worker_terms.stems.update(segment.meta["stems"])
    _compute(missing, cache)
    segments: list[Segment] = []
    for source, key in sources:
        segment = found[key] or load_segment(cache, key)
        if segment is None:  # written by a worker but unreadable now: compute it here
            segment = compute_segment(source, _worker_terms)
        segments.append(segment)
    computed = len(missing)
    merged = merge(segments, skipped)
    if merged is None:
        where = ", ".join(r.as_posix() for r in roots)
        raise NoDocumentsError(f"no documents with text in {where}")
    meta, documents, arrays, all_skipped = merged
    meta.update(fingerprint=print_of, roots=[r.as_posix() for r in roots])
    name = f"{time.time_ns():020d}"
    write_archive(archives_dir(out) / name, meta, documents, arrays)
    write_index(
        out,
        {
            "kind": "archive",
            "archive": name,
            "tokenizer": tokens.TOKENIZER_VERSION,
            "fingerprint": print_of,
            "roots": meta["roots"],
        },
    )
    prune(out, name)
    _prune_cache(cache, {k for _, k in sources})
    return ArchiveCounts(
        documents=len(documents),
        passages=int(arrays["p_doc"].shape[0]),
        terms=len(meta["vocabulary"]),
        skipped=tuple(all_skipped),
        reused=len(sources) - computed,
        computed=computed,
    )


def _compute(missing: list[tuple[Source, str]], cache: Path) -> None:
    size = sum(_size(s.file) for s, _ in missing)
    if WORKERS > 1 and len(missing) > 1 and size >= PARALLEL_MIN_BYTES:
        # spawn, not fork: the caller may have threads (a bot's reloader) that fork would copy.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
            jobs = [(s, k, cache) for s, k in missing]
            for _ in pool.map(_compute_and_save, jobs, chunksize=1):
                pass
        return
    for job in missing:
        _compute_and_save((*job, cache))


_worker_terms = TermIds()  # one per process: words met in earlier files are not stemmed again


def _compute_and_save(job: tuple[Source, str, Path]) -> None:
    source, key, cache = job
    save_segment(cache, key, compute_segment(source, _worker_terms))


def merge(
    segments: list[Segment], skipped: list[Skipped]
) -> tuple[dict, list[dict], dict[str, np.ndarray], list[Skipped]] | None:
    """Segments -> archive metadata, documents and arrays; None when no passage has a term."""
    if not segments:
        return None
    skipped = list(skipped)
    docs: list[dict] = []
    doc_first: list[int] = []  # each document's first passage in the concatenated segments
    p_base = t_base = s_base = sec_base = 0
    parts: dict[str, list[np.ndarray]] = {}
    vocab: set[str] = set()
    stems: dict[str, str] = {}
    sections: list[str] = []
    for seg in segments:
        a = seg.arrays
        skipped.extend(Skipped(p, r) for p, r in seg.meta["skipped"])
        first = p_base
        for d in seg.meta["documents"]:
            docs.append(d)
            doc_first.append(first)
            first += d["passages"]
        _add(parts, "p_start", a["p_start"])
        _add(parts, "p_end", a["p_end"])
        _add(parts, "p_para", a["p_para"])
        _add(parts, "p_len", a["p_len"])
        _add(parts, "p_section", np.where(a["p_section"] >= 0, a["p_section"] + sec_base, -1))
        _add(parts, "p_text", np.stack([a["p_text"][:-1], a["p_text"][1:]], axis=1) + t_base)
        _add(parts, "p_sent", np.stack([a["p_sent"][:-1], a["p_sent"][1:]], axis=1) + s_base)
        _add(parts, "text", a["text"])
        _add(parts, "sents", a["sents"])
        _add(parts, "post_row", a["post_row"].astype(np.int64) + p_base)
        _add(parts, "post_tf", a["post_tf"])
        vocab.update(seg.meta["vocabulary"])
        stems.update(seg.meta["stems"])
        sections.extend(seg.meta["sections"])
        p_base += len(a["p_start"])
        t_base += len(a["text"])
        s_base += len(a["sents"])
        sec_base += len(seg.meta["sections"])
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    kept = _kept_documents(docs, skipped)
    if not kept:
        return None
    counts = np.array([docs[g]["passages"] for g in kept], dtype=np.int64)
    starts = np.array([doc_first[g] for g in kept], dtype=np.int64)
    n = int(counts.sum())
    ends = np.cumsum(counts)
    perm = np.repeat(starts - (ends - counts), counts) + np.arange(n, dtype=np.int64)
    new_of_old = np.full(p_base, -1, dtype=np.int64)
    new_of_old[perm] = np.arange(n, dtype=np.int64)
    arrays = {k: cat[k][perm] for k in ("p_start", "p_end", "p_para", "p_len", "p_section",
                                         "p_text", "p_sent")}
    arrays["p_doc"] = np.repeat(np.arange(len(kept), dtype=np.int32), counts)
    arrays["p_len"] = arrays["p_len"].astype(np.int32)
    arrays["text"], arrays["sents"] = cat["text"], cat["sents"]
    rows = new_of_old[cat["post_row"]]
    live = rows >= 0
    terms = sorted(vocab)
    column = {t: i for i, t in enumerate(terms)}
    # Each segment numbers its own terms; renumber them in the sorted vocabulary of all segments.
    cols = np.concatenate([
        np.array([column[t] for t in seg.meta["vocabulary"]], dtype=np.int64)[seg.arrays["post_col"]]
        if len(seg.arrays["post_col"]) else np.zeros(0, dtype=np.int64)
        for seg in segments
    ])[live]
    rows, tfs = rows[live], cat["post_tf"][live]
    df = np.bincount(cols, minlength=len(terms))
    present = df > 0
    if not present.any():
        return None
    renumber = np.cumsum(present) - 1
    cols = renumber[cols]
    terms = [t for t, keep in zip(terms, present.tolist(), strict=True) if keep]
    df = df[present]
    rows, cols, tfs = _by_column(rows, cols, tfs, n)
    col_ptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(df, out=col_ptr[1:])
    doc_len = arrays["p_len"].astype(np.int64)
    avgdl = int(doc_len.sum()) / n
    # rank-bm25's term-frequency part of each posting, computed as it computes it (float64, same
    # operations in the same order), so a question only multiplies by idf and adds.
    norm = K1 * (1 - B + B * doc_len / avgdl)
    tf = tfs.astype(np.float64)
    arrays.update(
        col_ptr=col_ptr,
        rows=rows.astype(np.int32),
        weights=(weights := tf * (K1 + 1) / (tf + norm[rows])),
        # Each term's largest weight: with idf, the most it can add to a passage's score.
        wmax=np.maximum.reduceat(weights, col_ptr[:-1]) if len(weights) else np.zeros(0),
        tfs=tfs.astype(np.min_scalar_type(int(tfs.max()) if len(tfs) else 0)),
        # Lucene's idf exactly as LuceneBM25 computes it (math.log on Python numbers).
        idf=np.array([math.log(1.0 + (n - f + 0.5) / (f + 0.5)) for f in df.tolist()]),
    )
    documents = [
        {k: docs[g][k] for k in ("doc_id", "path", "title", "url", "published", "author",
                                 "sections", "passages")}
        for g in kept
    ]
    meta = {
        "tokenizer": tokens.TOKENIZER_VERSION,
        "params": {"k1": K1, "b": B},
        "passages": n,
        "vocabulary": terms,
        "sections": sections,
        "stems": dict(sorted(stems.items())),
    }
    return meta, documents, arrays, skipped


def _kept_documents(docs: list[dict], skipped: list[Skipped]) -> list[int]:
    """Documents in doc_id order, each text once, only those with passages."""
    order = sorted(range(len(docs)), key=lambda i: docs[i]["doc_id"])
    first: dict[str, int] = {}
    kept: list[int] = []
    for i in order:
        original = first.setdefault(docs[i]["digest"], i)
        if original != i:
            skipped.append(Skipped(_where(docs[i]), f"duplicate of {_where(docs[original])}"))
        elif docs[i]["passages"]:
            kept.append(i)
    return kept


def _where(doc: dict) -> str:
    return doc["path"] if "#" not in doc["doc_id"] else f"{doc['path']} ({doc['doc_id']})"


def _by_column(rows: np.ndarray, cols: np.ndarray, tfs: np.ndarray, n: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Postings sorted by term, then passage (the order the scorer reads them in)."""
    tf_bits = max(int(tfs.max()).bit_length(), 1) if len(tfs) else 1
    key_bits = max(int(cols.max()) * n + n, 1).bit_length() if len(cols) else 1
    if key_bits + tf_bits <= 63:
        # One in-place sort of packed (term, passage, tf) keys is much faster than an argsort.
        key = (cols * n + rows) << tf_bits | tfs.astype(np.int64)
        key.sort()
        tfs = key & ((1 << tf_bits) - 1)
        key >>= tf_bits
        return key % n, key // n, tfs
    order = np.argsort(cols * n + rows, kind="stable")
    return rows[order], cols[order], tfs[order]


def _add(parts: dict[str, list[np.ndarray]], name: str, array: np.ndarray) -> None:
    parts.setdefault(name, []).append(array)


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:
        return 0


def _prune_cache(cache: Path, keys: set[str]) -> None:
    """Delete cache entries of files that no longer exist or changed."""
    if not cache.is_dir():
        return
    for entry in cache.iterdir():
        if entry.suffix == ".npz" and entry.stem not in keys:
            entry.unlink(missing_ok=True)
