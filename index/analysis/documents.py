"""Reading a docs folder into documents (text + metadata), skipping bad files with a reason."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .webpages import extract_article

SUFFIXES = (".txt", ".md", ".jsonl", ".html", ".htm")
# A document bigger than this (a .txt/.md/.html file, or one line of a .jsonl file) is skipped: one
# article is kilobytes, and reading a runaway log or dump into memory would stall the rebuild. A
# .jsonl archive as a whole has no limit: it is read a line at a time.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
# A part of a .jsonl file: first byte (a line's start), end byte (None: the end), first line's number.
Span = tuple[int, int | None, int]
FRONT_MATTER_KEYS = ("title", "url", "published", "author")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Document:
    """One article: its full text as read, where the body starts, and its metadata."""

    doc_id: str
    path: str
    title: str
    text: str
    body_start: int
    url: str | None = None
    published: str | None = None
    author: str | None = None
    encoding: str | None = None  # the legacy encoding the file was decoded from; None for UTF-8
    updated: str | None = None  # when a correction was published (a page's article:modified_time)


@dataclass(frozen=True)
class Skipped:
    """A file (or a .jsonl line, `path:line`) that was not read, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Note:
    """A file that was read, with something its owner should know (the encoding that was assumed)."""

    path: str
    reason: str


def notes_of(documents: Iterable[Document]) -> list[Note]:
    """One note per file decoded from a legacy encoding, naming the encoding."""
    seen: dict[str, str] = {}
    for doc in documents:
        if doc.encoding is not None:
            seen.setdefault(doc.path, doc.encoding)
    return [Note(path, f"not UTF-8; read as {encoding} (detected)") for path, encoding in seen.items()]


def describe_skipped(skipped: Sequence[Skipped], limit: int = 10) -> str:
    """The skipped files and lines with their reasons, for a "no documents" message."""
    if not skipped:
        return "nothing was skipped"
    shown = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:limit])
    more = f"; and {len(skipped) - limit} more" if len(skipped) > limit else ""
    return f"skipped {shown}{more}"


def no_documents_message(roots: Sequence[Path], skipped: Sequence[Skipped]) -> str:
    """Why a rebuild found nothing to index: what was skipped, and what was not looked at."""
    others = [f for root in roots for f in other_files(root)]
    ignored = f"; {len(others)} other file(s) not read (e.g. {others[0]})" if others else ""
    return (
        f"no documents with text in {', '.join(r.as_posix() for r in roots)} (looked for {', '.join(SUFFIXES)}): "
        f"{describe_skipped(skipped)}{ignored}"
    )


def other_files(root: Path) -> list[str]:
    """Files under `root` a rebuild does not read (other types, hidden files), for messages."""
    if root.is_file():
        return [] if root.name.lower().endswith(SUFFIXES) else [root.as_posix()]
    return sorted(
        (Path(dirpath) / name).relative_to(root).as_posix()
        for dirpath, _, names in os.walk(root)
        for name in names
        if not name.lower().endswith(SUFFIXES) or name.startswith(".")
    )


def candidate_files(root: Path) -> list[Path]:
    """The files under `root` a rebuild would read, in a stable order (a file root: itself)."""
    if root.is_file():
        return [root]
    files = [
        Path(dirpath) / name
        for dirpath, _, names in os.walk(root)
        for name in names
        if name.lower().endswith(SUFFIXES) and not name.startswith(".")
    ]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def read_documents(root: Path, shown_root: str | None = None) -> tuple[list[Document], list[Skipped]]:
    """Read every document under `root`; files that cannot be used are returned as Skipped."""
    root_real = root.resolve() if root.is_dir() else root.resolve().parent
    shown = shown_root if shown_root is not None else root.as_posix()
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for file in candidate_files(root):
        found, bad = read_file(file, root, shown, root_real)
        docs.extend(found)
        skipped.extend(bad)
    return docs, skipped


def read_file(
    file: Path, root: Path, shown: str, root_real: Path | None = None, span: Span | None = None
) -> tuple[list[Document], list[Skipped]]:
    """The documents of one file under `root` (a .jsonl file holds many), or why it was skipped.

    span: for a .jsonl file, the part to read (byte range starting a line, and that line's number);
    None for the whole file."""
    if file == root:  # a single file given as the docs "folder"
        rel, path = file.name, shown
    else:
        rel = file.relative_to(root).as_posix()
        path = f"{shown.rstrip('/')}/{rel}"
    if root_real is None:
        root_real = root.resolve() if root.is_dir() else root.resolve().parent
    try:
        if file.suffix.lower() == ".jsonl":
            return _jsonl_documents(_inside(file, root_real), rel, path, span)
        if file.suffix.lower() in (".html", ".htm"):
            # Pages declare their own encoding; the extractor reads the bytes and decodes them.
            doc = html_document(_read_bytes(file, root_real), rel, path)
            return ([doc], []) if doc is not None else ([], [Skipped(path, "no article text")])
        text, encoding = _read_text(file, root_real)
    except _Unusable as why:
        return [], [Skipped(path, str(why))]
    doc = _text_document(text, rel, path, encoding)
    return ([doc], []) if doc is not None else ([], [Skipped(path, "no text")])


def html_document(raw: bytes, rel: str, path: str) -> Document | None:
    """A news page's article as a Document, or None when the page holds no article text."""
    article = extract_article(raw)
    if article is None:
        return None
    return Document(
        doc_id=rel,
        path=path,
        title=article.title,
        text=article.text,
        body_start=0,
        url=article.url,
        published=article.published,
        author=article.author,
        updated=article.updated,
    )


class _Unusable(Exception):
    """A file that cannot be used; the message says why."""


def _too_big() -> str:
    return f"larger than {MAX_DOCUMENT_BYTES / (1024 * 1024):g} MB for one document"


def _inside(file: Path, root_real: Path) -> Path:
    real = file.resolve()
    if not real.is_relative_to(root_real):
        raise _Unusable("it points outside the docs folder")
    return real


def _read_bytes(file: Path, root_real: Path) -> bytes:
    real = _inside(file, root_real)
    try:
        size = real.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise _Unusable(_too_big())
        data = real.read_bytes()
    except OSError as err:
        raise _Unusable(f"cannot be read ({err.strerror or err})") from err
    if not data.strip():
        raise _Unusable("empty")
    return data


def _read_text(file: Path, root_real: Path) -> tuple[str, str | None]:
    """The file's text and, when it is not UTF-8, the legacy encoding it was decoded from.

    Offsets point into this decoded text with universal newlines: for a UTF-8 file the same
    characters as `Path.read_text(encoding="utf-8")`, for another the same as
    `Path.read_text(encoding=<the encoding named in the warning>)`."""
    data = _read_bytes(file, root_real)
    if b"\x00" in data:
        raise _Unusable("binary, not text")
    encoding: str | None = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        text, encoding = _decode_legacy(data, err.start)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise _Unusable("empty")
    return text, encoding


def _decode_legacy(data: bytes, bad_at: int) -> tuple[str, str]:
    """Text in a legacy encoding (Windows-1252, Latin-1, ...), decoded with the encoding
    charset-normalizer finds most plausible; a file no encoding makes sense of is not text."""
    # Imported here: only a file that is not UTF-8 needs it.
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise _Unusable(f"not text: not UTF-8 (bad byte at offset {bad_at}) and no other encoding fits")
    # Decoded by Python's codec of that name, so that `read_text(encoding=...)` gives the same text.
    text = data.decode(best.encoding)
    # Several code pages often decode a file alike (curly quotes are the same bytes in cp1250 and
    # cp1252); then name Windows-1252, the one English news exports are most likely to be in.
    try:
        if best.encoding != "cp1252" and data.decode("cp1252") == text:
            return text, "cp1252"
    except UnicodeDecodeError:
        pass
    return text, best.encoding


def _text_document(text: str, rel: str, path: str, encoding: str | None = None) -> Document | None:
    meta: dict[str, str] = {}
    body_start = 0
    match = _FRONT_MATTER.match(text)
    if match:
        meta = _parse_front_matter(match.group(1))
        body_start = match.end()
    title = meta.get("title")
    if not title:
        # Without front matter the first non-empty line is the title; it is metadata, not a passage.
        line = re.compile(r"[^\n]*\S[^\n]*").search(text, body_start)
        if line is None:
            return None
        title = line.group().strip().lstrip("#").strip()
        body_start = line.end()
    if not text[body_start:].strip():
        return None
    return Document(
        doc_id=rel,
        path=path,
        title=title,
        text=text,
        body_start=body_start,
        url=meta.get("url") or None,
        published=meta.get("published") or None,
        author=meta.get("author") or None,
        encoding=encoding,
    )


def _parse_front_matter(block: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in FRONT_MATTER_KEYS:
            meta[key] = value.strip().strip("\"'")
    return meta


def _jsonl_documents(
    real: Path, rel: str, path: str, span: Span | None
) -> tuple[list[Document], list[Skipped]]:
    """The documents of a .jsonl file (or of the part `span`), read a line at a time: an archive
    export of a million documents is never held in memory whole."""
    start, end, number = span if span is not None else (0, None, 1)
    docs: list[Document] = []
    bad: list[Skipped] = []
    try:
        with open(real, "rb") as file:
            if start == 0 and b"\x00" in file.read(4096):
                raise _Unusable("binary, not text")
            file.seek(start)
            at = start
            for raw in file:
                if end is not None and at >= end:
                    break
                at += len(raw)
                where = f"{path}:{number}"
                number += 1
                if len(raw) > MAX_DOCUMENT_BYTES:
                    bad.append(Skipped(where, _too_big()))
                    continue
                found = _jsonl_line(raw, where, rel, path)
                if isinstance(found, Skipped):
                    bad.append(found)
                elif found is not None:
                    docs.append(found)
    except OSError as err:
        raise _Unusable(f"cannot be read ({err.strerror or err})") from err
    if not docs and not bad and start == 0:
        raise _Unusable("empty")
    return docs, bad


def _jsonl_line(raw: bytes, where: str, rel: str, path: str) -> Document | Skipped | None:
    """One line's document, why it was skipped, or None for a blank line."""
    if not raw.strip():
        return None
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        # JSON is UTF-8 (RFC 8259): a line in another encoding is an export error, not a guess.
        return Skipped(where, f"not UTF-8 (bad byte at offset {err.start} of the line)")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        return Skipped(where, f"not valid JSON ({err.msg})")
    except RecursionError:
        return Skipped(where, "not valid JSON (nested too deeply)")
    if not isinstance(record, dict):
        return Skipped(where, "not a JSON object")
    ident = record.get("_id", record.get("id"))
    body = record.get("text")
    if ident is None or not isinstance(body, str) or not body.strip():
        return Skipped(where, "needs an `_id` (or `id`) and a non-empty `text`")
    title = record.get("title")
    return Document(
        doc_id=f"{rel}#{ident}",
        path=path,
        title=title.strip() if isinstance(title, str) and title.strip() else str(ident),
        text=body,
        body_start=0,
        url=_opt_str(record.get("url")),
        published=_opt_str(record.get("published")),
        author=_opt_str(record.get("author")),
    )


def _opt_str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
