"""The one build path: docs folders -> documents -> passages -> analysed terms, per source file.

Every engine is built from what `analyse` returns: one cached segment per file (segments.py) and,
over all of them, `catalogue`'s documents in doc_id order, each text once, with the acronyms learned
from all of them. The small engine (build.py) turns that into rank-bm25's rows, the archive
(archive_build.py) into postings arrays; neither reads, splits or tokenizes documents itself, so a
change to fields, acronyms or terms is made here, once.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .analysis.documents import Note, Skipped, candidate_files
from .analysis.segments import SUFFIX as SEGMENT_SUFFIX
from .analysis.segments import Segment, Source, compute_segment, load_segment, save_segment, sources_of
from .analysis.termcache import TermIds
from .progress import BuildProgress, ProgressCallback

# Parallel segment work pays for the worker start-up only when there is a lot to read.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
WORKERS = max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class Analysed:
    """The docs folders, analysed: one segment per source file (or part of a big .jsonl), in order."""

    segments: list[Segment]
    keys: list[str]  # each segment's cache key
    skipped: list[Skipped]  # files that could not be listed
    computed: int  # segments computed now (the others came from the cache)
    progress: BuildProgress  # the last report: bytes read, documents, passages

    @property
    def notes(self) -> tuple[Note, ...]:
        """What the owner of a file should know (the encoding that was assumed)."""
        return tuple(Note(p, r) for seg in self.segments for p, r in seg.meta["notes"])


@dataclass(frozen=True)
class Catalogue:
    """The documents of all segments, and which of them an index holds."""

    docs: list[dict[str, Any]]  # every segment's document rows, concatenated
    first_passage: list[int]  # each document's first passage in the concatenated segments
    kept: list[int]  # documents with passages, in doc_id order, each text once
    acronyms: dict[str, tuple[str, ...]]  # learned from every document, first definition wins
    skipped: list[Skipped]  # unreadable files and lines, and duplicates


def analyse(
    roots: Sequence[Path],
    cache: Path,
    progress: ProgressCallback,
    known_stems: Callable[[], dict[str, str] | None] = lambda: None,
) -> Analysed:
    """Every file under `roots` as a segment: from the cache when the file is unchanged, else read,
    split and counted (in worker processes when there is much to do). `known_stems`: stems the
    index being replaced holds, asked for only when segments must be computed in this process."""
    sources: list[tuple[Source, str]] = []
    skipped: list[Skipped] = []
    for root in roots:
        for file in candidate_files(root):
            try:
                sources.extend((s, s.key()) for s in sources_of(file, root, root.as_posix()))
            except OSError as err:
                shown = root.as_posix() if file == root else f"{root.as_posix()}/{file.relative_to(root).as_posix()}"
                skipped.append(Skipped(shown, f"cannot be read ({err.strerror or err})"))
    found = {k: load_segment(cache, k) for _, k in sources}
    missing = [(s, k) for s, k in sources if found[k] is None]
    if missing and not _in_workers(missing):
        # Words seen before need no stemmer: a one-file rebuild then never imports nltk. The
        # current index holds them all (one small read); else every cached segment has its own.
        stored = known_stems()
        if stored is not None:
            _worker_terms().stems.update(stored)
        else:
            for segment in found.values():
                if segment is not None:
                    _worker_terms().stems.update(segment.meta["stems"])
    tally = _Tally(progress, sum(s.size for s, _ in sources))
    reused = [(s.size, _counts(seg)) for s, k in sources if (seg := found[k]) is not None]
    tally.add(sum(r[0] for r in reused), (sum(r[1][0] for r in reused), sum(r[1][1] for r in reused)))
    _compute(missing, cache, tally)
    segments: list[Segment] = []
    for source, key in sources:
        segment = found[key] or load_segment(cache, key)
        if segment is None:  # written by a worker but unreadable now: compute it here
            segment = compute_segment(source, _worker_terms())
        segments.append(segment)
    done = BuildProgress("reading", tally.total, tally.total, tally.documents, tally.passages)
    return Analysed(segments, [k for _, k in sources], skipped, len(missing), done)


def catalogue(analysed: Analysed) -> Catalogue:
    """The documents an index holds: in doc_id order, each text once (the first by doc_id; the
    others are named as duplicates), those without passages left out."""
    skipped = list(analysed.skipped)
    docs: list[dict[str, Any]] = []
    first_passage: list[int] = []
    base = 0
    for seg in analysed.segments:
        skipped.extend(Skipped(p, r) for p, r in seg.meta["skipped"])
        for d in seg.meta["documents"]:
            docs.append(d)
            first_passage.append(base)
            base += d["passages"]
    order = sorted(range(len(docs)), key=lambda i: docs[i]["doc_id"])
    first: dict[str, int] = {}
    kept: list[int] = []
    # Acronyms are learned from every document first: one article may define "DHS" and another
    # only spell out "Department of Homeland Security".
    acronyms: dict[str, tuple[str, ...]] = {}
    for i in order:
        original = first.setdefault(docs[i]["digest"], i)
        if original != i:
            skipped.append(Skipped(_where(docs[i]), f"duplicate of {_where(docs[original])}"))
            continue
        for acronym, expansion in docs[i]["acronyms"]:
            acronyms.setdefault(acronym, tuple(expansion))
        if docs[i]["passages"]:
            kept.append(i)
    return Catalogue(docs, first_passage, kept, acronyms, skipped)


def prune_cache(cache: Path, analysed: Analysed) -> None:
    """Delete the cache entries of files that no longer exist or changed."""
    if not cache.is_dir():
        return
    keys = set(analysed.keys)
    for entry in cache.iterdir():
        # .npz: the cache files of segment version 2 and before.
        if entry.suffix in (SEGMENT_SUFFIX, ".npz") and entry.stem not in keys:
            entry.unlink(missing_ok=True)


def _where(doc: dict[str, Any]) -> str:
    # A .jsonl file holds many documents: name the record too.
    return doc["path"] if "#" not in doc["doc_id"] else f"{doc['path']} ({doc['doc_id']})"


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (reference counting still frees everything here).

    A build makes millions of small objects (documents' metadata, words, terms) and hardly any
    reference cycles; the collector's passes over the growing heap took as long as loading the
    segments at a million passages (docs/archive.md)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _in_workers(missing: list[tuple[Source, str]]) -> bool:
    """Whether the missing segments are computed in worker processes rather than in this one."""
    return WORKERS > 1 and len(missing) > 1 and sum(s.size for s, _ in missing) >= PARALLEL_MIN_BYTES


class _Tally:
    """Adds up what the finished segments hold and reports it (BuildProgress)."""

    def __init__(self, report: ProgressCallback, total: int) -> None:
        self.report, self.total = report, total
        self.done = self.documents = self.passages = 0

    def add(self, size: int, counts: tuple[int, int]) -> None:
        self.done += size
        self.documents += counts[0]
        self.passages += counts[1]
        self.report(BuildProgress("reading", self.done, self.total, self.documents, self.passages))


def _counts(segment: Segment) -> tuple[int, int]:
    return len(segment.meta["documents"]), len(segment.arrays["p_start"])


def _compute(missing: list[tuple[Source, str]], cache: Path, tally: _Tally) -> None:
    if not _in_workers(missing):
        for source, key in missing:
            tally.add(source.size, _compute_and_save((source, key, cache)))
        return
    # spawn, not fork: the caller may have threads (a bot's reloader) that fork would copy.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(WORKERS, mp_context=context, initializer=_ignore_interrupts)
    try:
        # Biggest first, so that no long part is left for one core at the end.
        jobs = sorted(missing, key=lambda job: -job[0].size)
        running = {pool.submit(_compute_and_save, (s, k, cache)): s.size for s, k in jobs}
        for done in as_completed(running):
            tally.add(running[done], done.result())
    except BaseException:
        # Ctrl-C or a failed part: start nothing more (the running parts end on their own).
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops the build and says so (no tracebacks)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@functools.cache
def _worker_terms() -> TermIds:
    """This process's word -> stem cache: words met in earlier files are not stemmed again."""
    return TermIds()


def _compute_and_save(job: tuple[Source, str, Path]) -> tuple[int, int]:
    source, key, cache = job
    with collector_paused():
        segment = compute_segment(source, _worker_terms())
        save_segment(cache, key, segment)
        return _counts(segment)
