"""Duplicate documents: the same text under two names is indexed once (pipeline.catalogue keeps the
first by doc_id); a document's digest says which texts are the same."""

from __future__ import annotations

import hashlib

from .documents import Document


def text_digest(doc: Document) -> str:
    """A digest of the document's body with runs of whitespace made one space."""
    body = " ".join(doc.text[doc.body_start :].split())
    return hashlib.blake2b(body.encode("utf-8"), digest_size=16).hexdigest()
