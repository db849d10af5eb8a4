"""Reading a docs folder into documents (text + metadata), skipping bad files with a reason."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".txt", ".md", ".jsonl", ".html", ".htm")
# A file bigger than this is skipped: one article is kilobytes, and reading a runaway log or dump
# into memory would stall the rebuild.
MAX_FILE_BYTES = 64 * 1024 * 1024
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


@dataclass(frozen=True)
class Skipped:
    """A file that was not read, and why."""

    path: str
    reason: str


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
    file: Path, root: Path, shown: str, root_real: Path | None = None
) -> tuple[list[Document], list[Skipped]]:
    """The documents of one file under `root` (a .jsonl file holds many), or why it was skipped."""
    if file == root:  # a single file given as the docs "folder"
        rel, path = file.name, shown
    else:
        rel = file.relative_to(root).as_posix()
        path = f"{shown.rstrip('/')}/{rel}"
    if root_real is None:
        root_real = root.resolve() if root.is_dir() else root.resolve().parent
    try:
        if file.suffix.lower() in (".html", ".htm"):
            # Pages declare their own encoding; the extractor reads the bytes and decodes them.
            from .webpages import html_document

            doc = html_document(_read_bytes(file, root_real), rel, path)
            return ([doc], []) if doc is not None else ([], [Skipped(path, "no article text")])
        text = _read_text(file, root_real)
    except _Unusable as why:
        return [], [Skipped(path, str(why))]
    if file.suffix.lower() == ".jsonl":
        return _jsonl_documents(text, rel, path)
    doc = _text_document(text, rel, path)
    return ([doc], []) if doc is not None else ([], [Skipped(path, "no text")])


class _Unusable(Exception):
    """A file that cannot be used; the message says why."""


def _read_bytes(file: Path, root_real: Path) -> bytes:
    real = file.resolve()
    if not real.is_relative_to(root_real):
        raise _Unusable("it points outside the docs folder")
    try:
        size = real.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _Unusable(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        data = real.read_bytes()
    except OSError as err:
        raise _Unusable(f"cannot be read ({err.strerror or err})") from err
    if not data.strip():
        raise _Unusable("empty")
    return data


def _read_text(file: Path, root_real: Path) -> str:
    data = _read_bytes(file, root_real)
    if b"\x00" in data:
        raise _Unusable("binary, not text")
    try:
        # Decoded exactly as Python reads a UTF-8 text file (universal newlines), so that passage
        # offsets select the same characters in `Path.read_text(encoding="utf-8")`.
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _Unusable(f"not UTF-8 text (bad byte at offset {err.start})") from err
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise _Unusable("empty")
    return text


def _text_document(text: str, rel: str, path: str) -> Document | None:
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
    )


def _parse_front_matter(block: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in FRONT_MATTER_KEYS:
            meta[key] = value.strip().strip("\"'")
    return meta


def _jsonl_documents(text: str, rel: str, path: str) -> tuple[list[Document], list[Skipped]]:
    docs: list[Document] = []
    bad: list[Skipped] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            bad.append(Skipped(where, f"not valid JSON ({err.msg})"))
            continue
        if not isinstance(record, dict):
            bad.append(Skipped(where, "not a JSON object"))
            continue
        ident = record.get("_id", record.get("id"))
        body = record.get("text")
        if ident is None or not isinstance(body, str) or not body.strip():
            bad.append(Skipped(where, "needs an `_id` (or `id`) and a non-empty `text`"))
            continue
        title = record.get("title")
        docs.append(
            Document(
                doc_id=f"{rel}#{ident}",
                path=path,
                title=title.strip() if isinstance(title, str) and title.strip() else str(ident),
                text=body,
                body_start=0,
                url=_opt_str(record.get("url")),
                published=_opt_str(record.get("published")),
                author=_opt_str(record.get("author")),
            )
        )
    return docs, bad


def _opt_str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
