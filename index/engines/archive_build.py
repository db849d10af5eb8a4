"""Building an archive: the pipeline's segments (pipeline.py) merged into postings arrays.

The merge orders documents by doc_id and passages by document then offset, exactly as the small
engine does, so a passage has the same id in both engines and ties break the same way.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import tokens
from ..analysis.acronyms import AcronymAdder
from ..analysis.documents import Note, Skipped, no_documents_message
from ..analysis.segments import Segment
from ..errors import NoDocumentsError
from ..mapped import release
from ..pipeline import Analysed, Catalogue, analyse, catalogue, collector_paused, prune_cache
from ..progress import BuildProgress, ProgressCallback
from ..storage import index_paths, write_index
from .archive_spelling import write_word_table
from .archive_store import ArchiveWriter, archives_dir, prune
from .scoring import K1, B

# Postings per block where big arrays are computed a block at a time (a few MB of temporaries).
_BLOCK = 1 << 20


@dataclass(frozen=True)
class ArchiveCounts:
    """What an archive build produced."""

    documents: int
    passages: int
    terms: int
    skipped: tuple[Skipped, ...]
    notes: tuple[Note, ...]
    reused: int  # segments taken from the cache
    computed: int  # segments read and tokenized in this build


def cache_dir(index_path: Path) -> Path:
    """The per-file segment cache of the index `index_path`."""
    return index_paths(index_path).segments


def build_archive(roots: Sequence[Path], out: Path, print_of: str,
                  progress: ProgressCallback | None = None) -> ArchiveCounts:
    """Build the archive of `roots` and point the index `out` to it (caller holds the lock)."""
    report = progress or (lambda _: None)
    with collector_paused():
        analysed = analyse(roots, cache_dir(out), report, lambda: _stored_stems(out))
        return _write_archive(analysed, roots, out, print_of, report)


def _write_archive(analysed: Analysed, roots: Sequence[Path], out: Path, print_of: str,
                   progress: ProgressCallback) -> ArchiveCounts:
    done = analysed.progress
    progress(replace(done, stage="merging"))
    name = f"{time.time_ns():020d}"
    writer = ArchiveWriter(archives_dir(out) / name)
    try:
        books = catalogue(analysed)
        merged = merge(analysed.segments, books, writer.add)
        if merged is None:
            raise NoDocumentsError(no_documents_message(roots, books.skipped))
        meta, documents, passages = merged
        write_word_table(writer, meta)
        progress(BuildProgress("writing", done.done, done.total, len(documents), passages))
        meta.update(fingerprint=print_of, roots=[r.as_posix() for r in roots])
        writer.finish(meta, documents)
    except BaseException:
        writer.abandon()
        raise
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
    prune_cache(cache_dir(out), analysed)
    return ArchiveCounts(
        documents=len(documents),
        passages=passages,
        terms=len(meta["vocabulary"]),
        skipped=tuple(books.skipped),
        notes=analysed.notes,
        reused=len(analysed.keys) - analysed.computed,
        computed=analysed.computed,
    )


def _stored_stems(out: Path) -> dict[str, str] | None:
    """The stems (normalised word -> stem) in the current archive of the index file `out`, when it
    is an archive of this tokenizer; None otherwise. A stem depends on the word only, so these are
    what stemming the words again would give."""
    try:
        pointer = json.loads(index_paths(out).file.read_bytes())
        if pointer.get("kind") != "archive" or pointer.get("tokenizer") != tokens.TOKENIZER_VERSION:
            return None
        meta = json.loads((archives_dir(out) / str(pointer["archive"]) / "meta.json").read_bytes())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(meta, dict) or meta.get("tokenizer") != tokens.TOKENIZER_VERSION:
        return None
    stems = meta.get("stems")
    return stems if isinstance(stems, dict) else None


def merge(
    segments: list[Segment], books: Catalogue, emit: Callable[[str, Any], None] = lambda *_: None
) -> tuple[dict, list[dict], int] | None:
    """Segments -> archive metadata, documents and number of passages; None when no passage has
    a term.

    `emit(name, array)` is called with each finished array ("text" as a list of pieces; the
    archive writer writes it while the merge goes on), once it is sure that the merge will not
    return None. The merge keeps no array it has emitted and no longer reads, and lets go of the
    cached segments' pages once it has read them (mapped.py): the build's peak memory is then
    about the postings being sorted, not the whole archive plus its segments.

    Builds the three fields the small engine scores (search.py): the passages' text, their
    headings (document title + section heading, stored once per run of passages sharing them) and
    their documents (title + all passages), with the acronyms learned from all documents added to
    spelled-out expansions exactly as build.py adds them."""
    kept, docs, doc_first, table = books.kept, books.docs, books.first_passage, books.acronyms
    if not kept:
        return None
    adder = AcronymAdder(table)
    # One numbering of all segments' terms (and of the acronyms that may be added to them): each
    # segment's postings and term sequence are then renumbered with one array lookup.
    vocab: set[str] = set(table)
    for seg in segments:
        vocab.update(seg.meta["vocabulary"])
    all_terms = sorted(vocab)
    column = {t: i for i, t in enumerate(all_terms)}
    p_base = t_base = s_base = 0
    parts: dict[str, list[np.ndarray]] = {}
    stems: dict[str, str] = {}
    sections: list[str] = []
    section_terms: list[list[str]] = []
    to_columns: list[np.ndarray] = []  # each segment's term numbers -> columns of all_terms
    places = _AcronymPlaces.of(table, column)
    acronym_parts: list[tuple[np.ndarray, np.ndarray]] = []
    for seg in segments:
        a = seg.arrays
        to_column = np.array(list(map(column.__getitem__, seg.meta["vocabulary"])), dtype=np.int32)
        to_columns.append(to_column)
        _add(parts, "p_start", a["p_start"])
        _add(parts, "p_end", a["p_end"])
        _add(parts, "p_para", a["p_para"])
        _add(parts, "p_len", a["p_len"])
        _add(parts, "p_section", np.where(a["p_section"] >= 0, a["p_section"] + len(sections), -1))
        _add(parts, "p_text", np.stack([a["p_text"][:-1], a["p_text"][1:]], axis=1) + t_base)
        _add(parts, "p_sent", np.stack([a["p_sent"][:-1], a["p_sent"][1:]], axis=1) + s_base)
        _add(parts, "sents", a["sents"])
        # The acronyms of spelled-out expansions, found in each segment's term sequences (as
        # `with_acronyms` adds them to each passage's terms; no expansion spans two passages).
        acr_rows, acr_cols = places.find(to_column[a["seq"]], a["p_len"])
        acronym_parts.append((acr_rows + p_base, acr_cols))
        release(a["seq"])  # the biggest array read here, and not read again
        stems.update(seg.meta["stems"])
        sections.extend(seg.meta["sections"])
        section_terms.extend(seg.meta["section_terms"])
        p_base += len(a["p_start"])
        t_base += len(a["text"])
        s_base += len(a["sents"])
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    for seg in segments:
        for name in ("p_doc", "p_start", "p_end", "p_para", "p_section", "p_len", "p_text", "p_sent", "sents"):
            release(seg.arrays[name])  # copied into `cat`
    # The passages' text (the biggest array) is written from the segments' pieces, never joined.
    text_parts = [seg.arrays["text"] for seg in segments]
    del parts
    # Each acronym place is one more posting (or count) and one more term in the passage's length.
    acr_rows = np.concatenate([r for r, _ in acronym_parts])
    acr_cols = np.concatenate([c for _, c in acronym_parts])
    del acronym_parts
    p_len = cat.pop("p_len").astype(np.int64)
    p_len += np.bincount(acr_rows, minlength=p_base)
    cat["p_len"] = p_len
    counts = np.array([docs[g]["passages"] for g in kept], dtype=np.int64)
    starts = np.array([doc_first[g] for g in kept], dtype=np.int64)
    n = int(counts.sum())
    ends = np.cumsum(counts)
    perm = np.repeat(starts - (ends - counts), counts) + np.arange(n, dtype=np.int64)
    new_of_old = np.full(p_base, -1, dtype=np.int64)
    new_of_old[perm] = np.arange(n, dtype=np.int64)
    # Usually the files' documents already come in doc_id order, none left out: no reordering.
    in_order = n == p_base and bool((perm[1:] > perm[:-1]).all())
    arrays = {k: cat[k] if in_order else cat[k][perm]
              for k in ("p_start", "p_end", "p_para", "p_len", "p_section", "p_text", "p_sent")}
    arrays["p_doc"] = np.repeat(np.arange(len(kept), dtype=np.int32), counts)
    arrays["p_len"] = arrays["p_len"].astype(np.int32)
    arrays["sents"] = cat["sents"]
    del cat
    if not arrays["p_len"].any():  # no passage has a term
        return None
    for name, array in arrays.items():
        emit(name, array)
    emit("text", text_parts)
    # What the rest reads; the other arrays are the writer's now, freed once written (so are the
    # big ones below: the merge keeps an array only while it still reads it).
    p_doc, p_section, doc_len = arrays["p_doc"], arrays["p_section"], arrays["p_len"].astype(np.int64)
    del arrays, text_parts
    rows, tfs, all_ptr = _text_postings(segments, to_columns, new_of_old, acr_rows, acr_cols, len(all_terms), n,
                                        int(p_len.max()))
    del new_of_old, acr_rows, acr_cols, p_len
    text_df = np.diff(all_ptr)
    groups = _heading_groups(p_doc, p_section, kept, docs, section_terms, adder)

    def publish(**more: np.ndarray) -> None:
        for name, array in more.items():
            emit(name, array)

    # One vocabulary for all fields: the terms of the passages' text and of their headings (the
    # small engine searches those; a document's terms are all among them).
    text_terms = [t for t, f in zip(all_terms, text_df.tolist(), strict=True) if f]
    terms = sorted(set(text_terms) | groups.vocabulary)
    index_of = {t: i for i, t in enumerate(terms)}
    # Postings sorted by all_terms' columns are sorted by the vocabulary's (the same order).
    text_counts = np.zeros(len(terms), dtype=np.int64)
    text_counts[[index_of[t] for t in text_terms]] = text_df[text_df > 0]
    col_ptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(text_counts, out=col_ptr[1:])
    # rank-bm25's term-frequency part of each posting, computed as it computes it (float64, same
    # operations in the same order), so a question only multiplies by idf and weights and adds.
    weights = _tf_part(tfs, doc_len, rows)
    publish(
        col_ptr=col_ptr,
        rows=rows,
        weights=weights,
        # Each term's largest weight: with idf, the most it can add to a passage's score.
        wmax=_column_max(weights, col_ptr),
        tfs=_small(tfs),
        idf=_idf(np.diff(col_ptr), n),
    )
    del weights
    # Headings: postings per group of passages; the length normalisation uses each passage's
    # heading length, the same for all passages of a group, and df counts passages.
    h_cols = np.array([index_of[t] for t in groups.terms], dtype=np.int64)
    h_rows, h_cols, h_tfs = _by_column(groups.rows, h_cols, groups.tfs, max(len(groups.lengths), 1))
    h_ptr = _pointers(h_cols, len(terms))
    sizes = np.diff(groups.start)
    h_weights = _tf_part(h_tfs, groups.lengths, h_rows, per=sizes)
    h_df = np.bincount(h_cols, weights=sizes[h_rows], minlength=len(terms)).astype(np.int64)
    publish(
        g_start=groups.start,
        h_ptr=h_ptr,
        h_rows=h_rows.astype(np.int32),
        h_tfs=_small(h_tfs),
        h_weights=h_weights,
        h_wmax=_column_max(h_weights, h_ptr),
        h_idf=_idf(h_df, n),
    )
    # Documents: the title's terms and all their passages' terms. Postings sorted by term then
    # passage are sorted by term then document too: runs of equal (term, document) are summed.
    n_docs = len(kept)
    d_ptr, d_rows, d_tfs, d_len = _document_postings(rows, col_ptr, tfs, p_doc, doc_len, groups, index_of, n_docs)
    del rows, tfs
    d_weights = _tf_part(d_tfs, d_len, d_rows)
    publish(
        d_ptr=d_ptr,
        d_rows=d_rows.astype(np.int32, copy=False),
        d_tfs=_small(d_tfs),
        d_weights=d_weights,
        d_wmax=_column_max(d_weights, d_ptr),
        d_idf=_idf(np.diff(d_ptr), n_docs),
    )
    del d_rows, d_tfs, d_weights
    documents = [
        {k: docs[g][k] for k in ("doc_id", "path", "title", "url", "published", "author",
                                 "sections", "passages")}
        # Segments cached before corrections were recorded have no "updated".
        | {"updated": docs[g].get("updated")}
        for g in kept
    ]
    meta = {
        "tokenizer": tokens.TOKENIZER_VERSION,
        "params": {"k1": K1, "b": B},
        "passages": n,
        "vocabulary": terms,
        "sections": sections,
        "stems": dict(sorted(stems.items())),
        "acronyms": {k: list(v) for k, v in sorted(table.items())},
    }
    return meta, documents, n


def _text_postings(segments: list[Segment], to_columns: list[np.ndarray], new_of_old: np.ndarray,
                   acr_rows: np.ndarray, acr_cols: np.ndarray, width: int, n: int, longest: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All segments' text postings plus one count per acronym place, sorted by column (of
    all_terms) then passage, the order the scorer reads them in: (passages, counts, each
    column's first posting and the end).

    Each segment's postings are packed as (column, passage, count) keys straight into one array
    and sorted in place. Memory is what costs here (touching new memory is slow on a VM): no
    concatenated copies of rows, columns and counts, and no array of columns at all. `longest`:
    the most terms of a passage (acronyms added), which no count exceeds."""
    # Each acronym (passage, column) once, with its count (keys in the old passage numbering).
    acr_live = new_of_old[acr_rows] >= 0
    more, more_tf = _sum_runs(np.sort(acr_rows[acr_live] * width + acr_cols[acr_live]),
                              np.ones(int(acr_live.sum()), dtype=np.int64))
    # Where the passage has a posting of that term already, the count is added to it (below);
    # the others become postings of their own.
    has_more = np.zeros(len(new_of_old), dtype=bool)
    has_more[more // width] = True
    total = sum(len(seg.arrays["post_row"]) for seg in segments)
    # Bits for the counts from the passages' lengths: reading every segment's counts for their
    # largest would read (and map) them twice.
    tf_bits = max(longest.bit_length(), 1)
    packed = (max(width, 1) * n).bit_length() + tf_bits <= 63
    key = np.empty(total + len(more), dtype=np.int64)
    tfs = np.empty(0 if packed else len(key), dtype=np.int64)  # packed: the counts ride in the keys
    merged = np.zeros(len(more), dtype=bool)
    dropped = np.iinfo(np.int64).max  # postings of documents left out (duplicates) sort last
    at = base = 0
    for seg, to_column in zip(segments, to_columns, strict=True):
        a = seg.arrays
        old = a["post_row"].astype(np.int64) + base
        cols = to_column[a["post_col"]]
        rows = new_of_old[old]
        end = at + len(old)
        key[at:end] = cols
        key[at:end] *= n
        key[at:end] += rows
        if packed:
            key[at:end] <<= tf_bits
            key[at:end] |= a["post_tf"]
        else:
            tfs[at:end] = a["post_tf"]
        touched = np.flatnonzero(has_more[old])
        if len(touched):
            same = old[touched] * width + cols[touched]
            found = np.searchsorted(more, same)
            hit = found < len(more)
            hit[hit] = more[found[hit]] == same[hit]
            merged[found[hit]] = True
            if packed:
                key[at + touched[hit]] += more_tf[found[hit]]
            else:
                tfs[at + touched[hit]] += more_tf[found[hit]]
        key[at:end][rows < 0] = dropped
        at, base = end, base + len(a["p_start"])
        for name in ("post_row", "post_col", "post_tf"):
            release(a[name])
    more, more_tf = more[~merged], more_tf[~merged]
    more = new_of_old[more // width] + (more % width) * n
    key = key[: at + len(more)]
    if packed:
        key[at:] = more << tf_bits | more_tf
        key.sort()
        key = key[: int(np.searchsorted(key, dropped))]
        # Counts in a small type, split off a block at a time (no temporary as big as the keys).
        tfs = np.empty(len(key), dtype=np.min_scalar_type((1 << tf_bits) - 1))
        for at in range(0, len(key), _BLOCK):
            block = key[at : at + _BLOCK]
            tfs[at : at + _BLOCK] = block & ((1 << tf_bits) - 1)
            block >>= tf_bits
    else:
        key[at:], tfs[at:] = more, more_tf
        order = np.argsort(key, kind="stable")
        key, tfs = key[order], tfs[order]
        keep = key != dropped
        key, tfs = key[keep], tfs[keep]
    ptr = np.searchsorted(key, np.arange(width + 1, dtype=np.int64) * n)
    rows = np.empty(len(key), dtype=np.int32)  # what the archive stores
    for at in range(0, len(key), _BLOCK):
        rows[at : at + _BLOCK] = key[at : at + _BLOCK] % n
    return rows, tfs, ptr


@dataclass
class _Groups:
    """Runs of passages sharing a heading, their heading postings, and the documents' titles."""

    start: np.ndarray  # first passage of each group, and n at the end
    lengths: np.ndarray  # each group's heading length (terms)
    rows: np.ndarray  # heading postings: group, term (string), count
    terms: list[str]
    tfs: np.ndarray
    vocabulary: set[str]
    titles: list[list[str]]  # each kept document's title terms, acronyms added
    title_counts: list[Counter[str]]  # and their counts


def _heading_groups(p_doc: np.ndarray, p_section: np.ndarray, kept: list[int], docs: list[dict],
                    section_terms: list[list[str]], adder: AcronymAdder) -> _Groups:
    n = len(p_doc)
    change = np.flatnonzero((p_doc[1:] != p_doc[:-1]) | (p_section[1:] != p_section[:-1])) + 1
    start = np.concatenate(([0], change, [n])).astype(np.int64)
    raw_titles = [docs[g]["title_terms"] for g in kept]
    titles = [adder(t) for t in raw_titles]
    title_counts = [Counter(t) for t in titles]
    lengths: list[int] = []
    rows: list[int] = []
    terms: list[str] = []
    tfs: list[int] = []
    for group, (doc, section) in enumerate(zip(p_doc[start[:-1]].tolist(), p_section[start[:-1]].tolist(),
                                               strict=True)):
        # Without a section the heading is the title, whose acronyms are already added.
        heading = adder(raw_titles[doc] + section_terms[section]) if section >= 0 else titles[doc]
        lengths.append(len(heading))
        for term, count in (Counter(heading) if section >= 0 else title_counts[doc]).items():
            rows.append(group)
            terms.append(term)
            tfs.append(count)
    return _Groups(
        start=start,
        lengths=np.array(lengths, dtype=np.int64),
        rows=np.array(rows, dtype=np.int64),
        terms=terms,
        tfs=np.array(tfs, dtype=np.int64),
        vocabulary=set(terms),
        titles=titles,
        title_counts=title_counts,
    )


def _document_postings(rows: np.ndarray, col_ptr: np.ndarray, tfs: np.ndarray, p_doc: np.ndarray,
                       doc_len: np.ndarray, groups: _Groups, index_of: dict[str, int],
                       n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Postings of the documents (each column's first and the end, documents, counts), sorted,
    and each document's length.

    The text postings, sorted by term then passage, are sorted by term then document too: each
    run of one term in one document is summed, and the titles' counts are merged in. This is done
    for a block of terms at a time, into arrays of the final size: temporaries stay small (touching
    new memory is slow on a VM)."""
    width = len(col_ptr) - 1
    # The titles' (term, document) keys, each once with its count; a term outside the vocabulary
    # is not searchable in the small engine either (see vocabulary).
    title_lengths = np.array([len(t) for t in groups.titles], dtype=np.int64)
    title_cols = np.array(list(map(index_of.get, chain.from_iterable(groups.titles), repeat(-1))), dtype=np.int64)
    title_docs = np.repeat(np.arange(n_docs, dtype=np.int64), title_lengths)
    known = title_cols >= 0
    title_key, title_tf = np.unique(title_cols[known] * n_docs + title_docs[known], return_counts=True)
    title_col, title_doc = np.divmod(title_key, n_docs)
    title_at = np.searchsorted(title_col, np.arange(width + 1))  # each column's first title count
    out_rows = np.empty(len(rows) + len(title_key), dtype=np.int32)  # the tail is never touched
    out_tf = np.empty(len(out_rows), dtype=np.int64)
    counts = np.zeros(width, dtype=np.int64)
    filled = 0
    edges = np.unique(np.concatenate(([0], np.searchsorted(col_ptr, np.arange(_BLOCK, len(rows), _BLOCK)), [width])))
    for c0, c1 in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        a, b = int(col_ptr[c0]), int(col_ptr[c1])
        doc = p_doc[rows[a:b]]
        run = np.empty(b - a, dtype=bool)
        run[:1] = True
        np.not_equal(doc[1:], doc[:-1], out=run[1:])
        starts = col_ptr[c0:c1] - a
        run[starts[starts < b - a]] = True  # each term's postings start a run
        first = np.flatnonzero(run)
        d_rows = doc[first]
        tf = np.add.reduceat(tfs[a:b].astype(np.int64), first) if len(first) else np.zeros(0, dtype=np.int64)
        per_col = np.diff(np.searchsorted(first, col_ptr[c0 : c1 + 1] - a))
        lo, hi = int(title_at[c0]), int(title_at[c1])
        if hi > lo:
            # Both sorted, the titles' keys each once: a title count is added to the term's
            # posting of the document or inserted in order.
            key = np.repeat(np.arange(c1 - c0, dtype=np.int64) * n_docs, per_col) + d_rows
            t_key = (title_col[lo:hi] - c0) * n_docs + title_doc[lo:hi]
            at = np.searchsorted(key, t_key)
            hit = at < len(key)
            hit[hit] = key[at[hit]] == t_key[hit]
            tf[at[hit]] += title_tf[lo:hi][hit]
            d_rows = np.insert(d_rows, at[~hit], title_doc[lo:hi][~hit])
            tf = np.insert(tf, at[~hit], title_tf[lo:hi][~hit])
            per_col = per_col + np.bincount(title_col[lo:hi][~hit] - c0, minlength=c1 - c0)
        out_rows[filled : filled + len(d_rows)] = d_rows
        out_tf[filled : filled + len(d_rows)] = tf
        counts[c0:c1] = per_col
        filled += len(d_rows)
    d_ptr = np.zeros(width + 1, dtype=np.int64)
    np.cumsum(counts, out=d_ptr[1:])
    lengths = np.bincount(p_doc, weights=doc_len, minlength=n_docs).astype(np.int64)
    lengths += title_lengths
    return d_ptr, out_rows[:filled], out_tf[:filled], lengths


def _sum_runs(key: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys, each once, with the sum of its values."""
    if len(key) == 0:
        return key, values
    first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    return key[first], np.add.reduceat(values, first)


@dataclass(frozen=True)
class _AcronymPlaces:
    """The acronyms whose expansions are all in the vocabulary, set up to find their places."""

    entries: list[tuple[int, list[int]]]  # acronym's column, expansion's columns
    first: np.ndarray  # columns that start an expansion
    second: np.ndarray  # columns second in an expansion
    pairs: np.ndarray  # first * width + second of each expansion
    width: int

    @classmethod
    def of(cls, table: dict[str, tuple[str, ...]], column: dict[str, int]) -> _AcronymPlaces:
        """The places to look for, in `column`'s numbering of the terms."""
        entries = [(column[acronym], [column[t] for t in expansion]) for acronym, expansion in table.items()
                   if all(t in column for t in expansion)]
        width = len(column)
        first = np.zeros(width, dtype=bool)
        first[[e[0] for _, e in entries]] = True
        second = np.zeros(width, dtype=bool)
        second[[e[1] for _, e in entries]] = True
        pairs = np.array([e[0] * width + e[1] for _, e in entries], dtype=np.int64)
        return cls(entries, first, second, pairs, width)

    def find(self, seq: np.ndarray, p_len: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(passage, acronym's column) of each place in `seq` (passages' term columns in order,
        `p_len` terms each) where an expansion is spelled out and its acronym does not follow.

        Places are first narrowed to the expansions' first two terms (one lookup per position,
        then a few pairs), so the per-acronym work is on a handful of places rather than on every
        passage."""
        none = np.zeros(0, dtype=np.int64)
        if not self.entries or len(seq) < 2:
            return none, none
        width = self.width
        ends = np.cumsum(p_len, dtype=np.int64)
        here = np.flatnonzero(self.first[seq[:-1]] & self.second[seq[1:]])
        pair = seq[here].astype(np.int64) * width + seq[here + 1]
        wanted = np.isin(pair, self.pairs)
        here, pair = here[wanted], pair[wanted]
        stop = ends[np.searchsorted(ends, here, "right")]  # the end of each place's passage
        within = here + 1 < stop
        here, stop, pair = here[within], stop[within], pair[within]
        order = np.argsort(pair, kind="stable")
        here, stop, pair = here[order], stop[order], pair[order]
        last = len(seq) - 1
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        for acronym, expansion in self.entries if len(pair) else ():
            key = expansion[0] * width + expansion[1]
            lo, hi = np.searchsorted(pair, key, "left"), np.searchsorted(pair, key, "right")
            if lo == hi:
                continue
            at, end_of = here[lo:hi], stop[lo:hi]
            ok = np.ones(len(at), dtype=bool)
            for k, term in enumerate(expansion[2:], start=2):
                pos = at + k
                ok &= (pos < end_of) & (seq[np.minimum(pos, last)] == term)
            end = at + len(expansion)
            ok &= (end >= end_of) | (seq[np.minimum(end, last)] != acronym)
            if ok.any():
                rows.append(np.searchsorted(ends, at[ok], "right"))
                cols.append(np.full(int(ok.sum()), acronym, dtype=np.int64))
        if not rows:
            return none, none
        return np.concatenate(rows).astype(np.int64), np.concatenate(cols)


def _tf_part(tfs: np.ndarray, lengths: np.ndarray, rows: np.ndarray,
             per: np.ndarray | None = None) -> np.ndarray:
    """rank-bm25's tf·(k1+1)/(tf+k1·(1−b+b·dl/avgdl)) of each posting, as it computes it.

    `per`: how many corpus entries each row stands for (heading groups), for avgdl."""
    if len(tfs) == 0:
        return np.zeros(0)
    entries = int(per.sum()) if per is not None else len(lengths)
    total = int((lengths * per).sum()) if per is not None else int(lengths.sum())
    avgdl = total / entries
    norm = K1 * (1 - B + B * lengths / avgdl)
    tf = tfs.astype(np.float64)
    # tf·(k1+1) / (tf+norm), in place and a block at a time: the same float operations without
    # a temporary as big as the postings (new memory is slow to touch).
    divisor = np.empty(min(len(tf), _BLOCK))
    for at in range(0, len(tf), _BLOCK):
        part, block = tf[at : at + _BLOCK], divisor[: len(tf[at : at + _BLOCK])]
        np.take(norm, rows[at : at + _BLOCK], out=block)
        block += part
        part *= K1 + 1
        part /= block
    return tf


def _idf(df: np.ndarray, n: int) -> np.ndarray:
    """Lucene's idf exactly as LuceneBM25 computes it (math.log on Python numbers); 0.0 where
    no entry holds the term (rank-bm25 scores such a term 0)."""
    return np.array([math.log(1.0 + (n - f + 0.5) / (f + 0.5)) if f else 0.0 for f in df.tolist()])


def _small(counts: np.ndarray) -> np.ndarray:
    """Counts in the smallest unsigned type that holds them."""
    return counts.astype(np.min_scalar_type(int(counts.max()) if len(counts) else 0), copy=False)


def _pointers(cols: np.ndarray, width: int) -> np.ndarray:
    ptr = np.zeros(width + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=width), out=ptr[1:])
    return ptr


def _column_max(weights: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Each column's largest weight (0.0 for an empty column)."""
    out = np.zeros(len(ptr) - 1)
    filled = np.flatnonzero(np.diff(ptr) > 0)
    if len(filled):
        out[filled] = np.maximum.reduceat(weights, ptr[:-1][filled])
    return out


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
