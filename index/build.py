"""The rebuild entry point: docs folders -> passages -> terms -> index file."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .analysis import tokens
from .analysis.acronyms import with_acronyms
from .analysis.documents import (
    Note,
    Skipped,
    candidate_files,
    no_documents_message,
)
from .analysis.english import load_english
from .analysis.passages import sentence_spans
from .analysis.segments import Segment
from .engine import Engine
from .engines.scoring import K1, B
from .engines.small import Index as SmallIndex
from .errors import IndexMissingError, NoDocumentsError, QabotIndexError
from .load import load_index
from .pipeline import Analysed, Catalogue, analyse, catalogue, prune_cache
from .progress import EMBEDDING, BuildProgress, ProgressCallback
from .semantic import default_encoder, embed_passages
from .storage import FORMAT_VERSION, index_paths, rebuild_lock, write_index

# Relative to the working folder: `make run` and the README's commands run from the repo's top.
# The bundled article lives in docs/articles/ so that docs/ can also hold the project's own docs.
DEFAULT_DOCS = Path("docs/articles")
# A folder: it holds index.json and everything else the index needs (storage.index_paths).
DEFAULT_INDEX = Path(".qabot")
ENGINES = ("auto", "bm25", "archive")
# Above this much source text (about 8,000 passages) rank-bm25's per-passage Python loop and its JSON
# index's load time outgrow the archive engine's (docs/benchmarks.md): use the archive.
ARCHIVE_MIN_BYTES = 4 * 1024 * 1024
# Or from this many files: the small engine re-reads every file at each rebuild, the archive only
# the files that changed, and a followed feed adds a few files at a time (1,000 articles with 10
# new: docs/benchmarks.md, bench/refresh.py).
ARCHIVE_MIN_FILES = 500
# Raised whenever what a build derives from the same files changes (acronyms found, fields):
# indexes built before then no longer match their documents' fingerprint and are rebuilt.
ANALYSIS_VERSION = 2  # 2: acronyms used without a "(CBP)" definition
# Passage vectors (semantic.py) are made with every small-engine build up to this many passages
# (passages and sentences, about a minute on one core); above, embedding is the explicit
# `qabot index --semantic` step.
SEMANTIC_AUTO_MAX = 500


@dataclass(frozen=True)
class BuildSummary:
    """What a rebuild did."""

    path: Path
    documents: int
    passages: int
    terms: int
    seconds: float
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)
    vectors: int | None = None  # passages embedded by this build (None: vectors were not made)
    engine: str = "bm25"  # the engine that was built: "bm25" or "archive"
    notes: tuple[Note, ...] = field(default_factory=tuple)  # files read with a caveat (encoding)
    # Archive engine: files or parts of big .jsonl files tokenized in this build, and taken from the cache.
    computed: int = 0
    reused: int = 0


def fingerprint(roots: Sequence[Path]) -> str:
    """A digest of the docs folders' files (names, sizes, modification times) and of the formats."""
    listing: list[object] = [FORMAT_VERSION, tokens.TOKENIZER_VERSION, ANALYSIS_VERSION]
    for root in roots:
        files = candidate_files(root) if root.exists() else []
        listing.append(root.as_posix())
        for file in files:
            try:
                st = file.stat()
            except OSError:
                continue
            name = file.name if file == root else file.relative_to(root).as_posix()
            listing.append([name, st.st_size, st.st_mtime_ns])
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()


def build_index(
    roots: Sequence[Path],
    out: Path,
    engine: str = "auto",
    progress: ProgressCallback | None = None,
    semantic: bool | None = None,
) -> BuildSummary:
    """Read the docs folders and write a new index to `out` (storage.index_paths: a folder, or a
    .json file); the old one stays, and keeps serving, if this fails or is interrupted.

    engine: "bm25" (rank-bm25 over a JSON index), "archive" (sparse arrays, for big archives) or
    "auto" (the archive once the docs folders hold ARCHIVE_MIN_BYTES or ARCHIVE_MIN_FILES or more).
    progress: called now and then with how far the build has got.
    semantic: make passage vectors (True), never (False), or for a small-engine index of at most
    SEMANTIC_AUTO_MAX passages when the encoder is installed (None).
    """
    started = time.perf_counter()
    summary = _build(roots, out, engine, progress)
    # Archives get vectors only when asked: they are for big folders, where embedding takes hours.
    if not _wants_vectors(semantic if summary.engine == "bm25" else bool(semantic), summary.passages):
        return summary
    def on_vectors(done: int, total: int) -> None:
        if progress is not None:  # hours for a big archive: say how far it has got
            progress(BuildProgress(EMBEDDING, done, total, summary.documents, summary.passages))

    embedded = embed_index(out, on_vectors)
    return replace(summary, vectors=embedded, seconds=time.perf_counter() - started)


def _wants_vectors(semantic: bool | None, passages: int) -> bool:
    if semantic is False or default_encoder() is None:
        return False
    return semantic is True or passages <= SEMANTIC_AUTO_MAX


def embed_index(
    path: Path, on_vectors: Callable[[int, int], None] | None = None, sentences: bool | None = None
) -> int:
    """Give the index at `path` a vector for every passage (and with `sentences`, every sentence;
    None: when it has at most SEMANTIC_AUTO_MAX passages), embedding only texts it lacks (an
    interrupted run resumes). Returns how many were embedded; 0 without the encoder."""
    encoder = default_encoder()
    if encoder is None:
        return 0
    index = load_index(path)
    texts, pieces, _ = index.vector_inputs()
    if sentences is None:
        sentences = index.passage_count() <= SEMANTIC_AUTO_MAX
    with rebuild_lock(path):
        return embed_passages(path, [*texts, *pieces] if sentences else texts, encoder, on_vectors)


def _build(roots: Sequence[Path], out: Path, engine: str, progress: ProgressCallback | None) -> BuildSummary:
    started = time.perf_counter()
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    for root in roots:
        if not root.exists():
            raise NoDocumentsError(f"no docs folder at {root}")
    with rebuild_lock(out):
        print_of = fingerprint(roots)
        if engine == "archive" or (engine == "auto" and _is_archive(roots)):
            from .engines.archive_build import build_archive

            counts = build_archive(roots, out, print_of, progress)
            load_english(index_paths(out).home)
            return BuildSummary(
                path=out,
                documents=counts.documents,
                passages=counts.passages,
                terms=counts.terms,
                seconds=time.perf_counter() - started,
                skipped=counts.skipped,
                engine="archive",
                notes=counts.notes,
                computed=counts.computed,
                reused=counts.reused,
            )
        analysed = analyse(roots, index_paths(out).segments, progress or (lambda _: None))
        books = catalogue(analysed)
        if not books.docs:
            raise NoDocumentsError(no_documents_message(roots, books.skipped))
        data = _small_data(analysed, books, roots, print_of)
        if data is None or not any(p["terms"] for p in data["passages"]):
            raise NoDocumentsError("the documents hold no text to index")
        write_index(out, data)
        prune_cache(index_paths(out).segments, analysed)
        # Made now, once per machine, so that no question pays for it (english.py).
        load_english(index_paths(out).home)
    return BuildSummary(
        path=out,
        documents=len(data["documents"]),
        passages=len(data["passages"]),
        terms=len({t for p in data["passages"] for t in p["terms"]}),
        seconds=time.perf_counter() - started,
        skipped=tuple(books.skipped),
        notes=analysed.notes,
    )


def _small_data(analysed: Analysed, books: Catalogue, roots: Sequence[Path], print_of: str) -> dict[str, Any] | None:
    """The small engine's index file contents from the pipeline's segments; None when the folders
    hold no document with passages."""
    if not books.kept:
        return None
    acronyms = books.acronyms
    # Each document's segment, its first passage within that segment, and where that passage's
    # terms start in the segment's term sequence.
    where: list[tuple[Segment, int, int]] = []
    for seg in analysed.segments:
        seq_starts = np.concatenate(([0], np.cumsum(seg.arrays["p_len"], dtype=np.int64)))
        first = 0
        for d in seg.meta["documents"]:
            where.append((seg, first, int(seq_starts[first])))
            first += d["passages"]
    doc_rows: list[dict[str, Any]] = []
    passage_rows: list[dict[str, Any]] = []
    stems: dict[str, str] = {}
    used: dict[int, Segment] = {}  # the segments holding a kept document: their words' stems are kept
    for g in books.kept:
        doc = books.docs[g]
        seg, first, seq_at = where[g]
        used[id(seg)] = seg
        a, vocabulary = seg.arrays, seg.meta["vocabulary"]
        title_terms = list(doc["title_terms"])
        doc_rows.append({
            **{k: doc[k] for k in ("doc_id", "path", "title", "url", "published", "author", "sections", "passages")},
            "updated": doc.get("updated"),  # segments cached before corrections were recorded lack it
            "title_terms": with_acronyms(title_terms, acronyms),
        })
        for i in range(first, first + doc["passages"]):
            text = bytes(a["text"][a["p_text"][i] : a["p_text"][i + 1]]).decode("utf-8")
            flat = a["sents"][a["p_sent"][i] : a["p_sent"][i + 1]].tolist()
            sentences = list(zip(flat[::2], flat[1::2], strict=True)) or sentence_spans(text)
            length = int(a["p_len"][i])
            terms = [vocabulary[t] for t in a["seq"][seq_at : seq_at + length].tolist()]
            seq_at += length
            section = int(a["p_section"][i])
            heading = title_terms + (seg.meta["section_terms"][section] if section >= 0 else [])
            passage_rows.append({
                "doc": len(doc_rows) - 1,
                "section": seg.meta["sections"][section] if section >= 0 else None,
                "paragraph": int(a["p_para"][i]),
                "start": int(a["p_start"][i]),
                "end": int(a["p_end"][i]),
                "text": text,
                "sentences": [list(s) for s in sentences],
                "terms": with_acronyms(terms, acronyms),
                "heading": with_acronyms(heading, acronyms),
            })
    for seg in used.values():
        stems.update(seg.meta["stems"])
    return {
        "tokenizer": tokens.TOKENIZER_VERSION,
        "fingerprint": print_of,
        "roots": [r.as_posix() for r in roots],
        "params": {"k1": K1, "b": B},
        "documents": doc_rows,
        "passages": passage_rows,
        "stems": dict(sorted(stems.items())),
        "acronyms": {k: list(v) for k, v in sorted(acronyms.items())},
    }


def load_or_build(
    path: Path, seed: Sequence[Path] | None, notify: Callable[[str], None],
    progress: Callable[[BuildProgress], None] | None = None,
    semantic: bool = True,
) -> Engine:
    """Load the index at `path`, rebuilding it first when it is missing or its documents changed.

    The index remembers the folders it was built from and is rebuilt from those. `seed` (the
    configured docs folders) only makes the first build, when there is no index at `path`; None
    means there must be one already (IndexMissingError otherwise).
    A damaged index file is not replaced behind the user's back: IndexCorruptError reaches the caller.
    A rebuild that fails while an older index exists leaves that index serving.
    semantic=False (QABOT_SEMANTIC=off): no passage vectors are made, even for a small index.
    """
    index: Engine | None = None
    try:
        index = load_index(path)
    except IndexMissingError:
        if seed is None:
            raise
        roots = list(seed)
        notify(f"No index at {path}; building it from {_names(roots)} ...")
    else:
        roots = [Path(r) for r in index.roots]
        # Folders that are gone (a moved disk, another working folder) leave the index as it is.
        if not all(r.exists() for r in roots) or index.fingerprint == fingerprint(roots):
            return _with_vectors(path, index, notify) if semantic else index
        notify(f"The documents in {_names(roots)} changed; rebuilding the index at {path} ...")
    try:
        summary = build_index(roots, path, progress=progress, semantic=None if semantic else False)
    except QabotIndexError as err:
        if index is None:
            raise
        notify(f"The rebuild failed ({err}); answering from the previous index.")
        return index
    except OSError as err:
        # A full disk or a read-only folder: the atomic write left the previous index as it was.
        reason = f"cannot write the index at {path} ({err.strerror or err})"
        if index is None:
            raise QabotIndexError(f"{reason}; there is no previous index to answer from") from err
        notify(f"The rebuild failed ({reason}); answering from the previous index.")
        return index
    except KeyboardInterrupt:
        if index is None:
            raise
        notify("Rebuild interrupted; answering from the previous index.")
        return index
    for line in warnings(summary):
        notify(line)
    notify(describe(summary))
    return load_index(path)


def _with_vectors(path: Path, index: Engine, notify: Callable[[str], None]) -> Engine:
    """`index`, its missing passage vectors made first when a build would have made them (an
    embedding that was interrupted, or an index built before the encoder was installed)."""
    small = isinstance(index, SmallIndex)  # archives get vectors only from `qabot index --semantic`
    if not small or index.vectors is not None or not _wants_vectors(None, index.passage_count()):
        return index
    notify(f"Making the passage vectors of {path} ...")
    try:
        embed_index(path)
    except (QabotIndexError, OSError) as err:
        notify(f"Could not make the passage vectors ({err}); ranking with BM25 alone.")
        return index
    return load_index(path)


def recorded_roots(path: Path) -> list[Path] | None:
    """The folders the index at `path` was built from; None when there is no index there (or it
    names none). Read from any format version, so that `qabot index` can rebuild an old index."""
    try:
        data = json.loads(index_paths(path).file.read_bytes())
    except (OSError, ValueError):
        return None
    roots = data.get("roots") if isinstance(data, dict) else None
    if not isinstance(roots, list) or not roots or not all(isinstance(r, str) and r for r in roots):
        return None
    return [Path(r) for r in roots]


def plan_rebuild(path: Path, folders: Sequence[Path], seed: Sequence[Path]) -> tuple[list[Path], str]:
    """The folders a rebuild of the index at `path` reads, and one line saying which and why.

    `folders`: the ones asked for (none: those the index was built from, or `seed` for a first
    build)."""
    recorded = recorded_roots(path)
    if folders:
        wanted = list(folders)
        if recorded is not None and [r.as_posix() for r in recorded] != [f.as_posix() for f in wanted]:
            return wanted, f"The index at {path} held {_names(recorded)}; rebuilding it from {_names(wanted)} ..."
        if recorded is not None:
            return wanted, f"Rebuilding the index at {path} from {_names(wanted)} ..."
        return wanted, f"Building the index at {path} from {_names(wanted)} ..."
    if recorded is not None:
        return recorded, f"Rebuilding the index at {path} from the folders it was built from: {_names(recorded)} ..."
    return list(seed), f"No index at {path}; building it from {_names(seed)} ..."


def warnings(summary: BuildSummary) -> list[str]:
    """One line per file or line that was skipped or read with a caveat, naming it and why."""
    return [f"warning: skipped {s.path}: {s.reason}" for s in summary.skipped] + [
        f"warning: {n.path}: {n.reason}" for n in summary.notes
    ]


def describe(summary: BuildSummary) -> str:
    """One line saying what a rebuild produced."""
    vectors = "" if summary.vectors is None else f", {summary.vectors} passage vectors made"
    return (
        f"Indexed {summary.documents} document(s), {summary.passages} passages, "
        f"{summary.terms} distinct terms{vectors} in {summary.seconds:.2f} s -> {summary.path}"
    )


def _is_archive(roots: Sequence[Path]) -> bool:
    files = sum(len(candidate_files(root)) for root in roots)
    return files >= ARCHIVE_MIN_FILES or _docs_bytes(roots) >= ARCHIVE_MIN_BYTES


def _docs_bytes(roots: Sequence[Path]) -> int:
    total = 0
    for root in roots:
        for file in candidate_files(root):
            try:
                total += file.stat().st_size
            except OSError:
                continue
    return total


def _names(roots: Sequence[Path]) -> str:
    return ", ".join(r.as_posix() for r in roots)

