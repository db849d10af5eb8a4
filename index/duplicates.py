"""Duplicate documents: the same text under two names is indexed once, the first by doc_id."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from .documents import Document, Skipped


def text_digest(doc: Document) -> str:
    """A digest of the document's body with runs of whitespace made one space."""
    body = " ".join(doc.text[doc.body_start :].split())
    return hashlib.blake2b(body.encode("utf-8"), digest_size=16).hexdigest()


def drop_duplicates(documents: Iterable[Document]) -> tuple[list[Document], list[Skipped]]:
    """Keep the first document (in the given order) of each text; name the others as skipped."""
    first: dict[str, Document] = {}
    kept: list[Document] = []
    skipped: list[Skipped] = []
    for doc in documents:
        digest = text_digest(doc)
        original = first.setdefault(digest, doc)
        if original is doc:
            kept.append(doc)
        else:
            skipped.append(Skipped(_where(doc), f"duplicate of {_where(original)}"))
    return kept, skipped


def _where(doc: Document) -> str:
    # A .jsonl file holds many documents: name the record too.
    return doc.path if doc.doc_id.rsplit("#", 1)[0] == doc.doc_id else f"{doc.path} ({doc.doc_id})"
