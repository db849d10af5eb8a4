"""What the front ends call: record a question, a vote, a reason, with the privacy rules applied here once."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path

from index import tokenize

from ..answer import Answer, Result
from .privacy import UserKeys
from .records import asked_record, vote_record
from .store import FeedbackStore, database_path

log = logging.getLogger(__name__)
REASON_CHARS = 500  # of what a reader says they were looking for


class FeedbackRecorder:
    """Turns answers and votes into rows (user ids hashed, text kept only if allowed) for one store."""

    def __init__(self, store: FeedbackStore, keys: UserKeys, keep_text: bool) -> None:
        self.store = store
        self.keys = keys
        self.keep_text = keep_text

    @classmethod
    def open(cls, index: Path, keep_text: bool, retention_days: int) -> FeedbackRecorder:
        """The recorder for the index `index`: its database and salt inside the index's folder."""
        path = database_path(index)
        store = FeedbackStore(path, retention_days)
        log.info("recording questions and votes in %s%s", path, "" if keep_text else " (no question text)")
        return cls(store, UserKeys.beside(path), keep_text)

    def asked(self, answer: Answer, channel: str, user_id: int | str, fingerprint: str) -> str | None:
        """Queue the question behind `answer`; its id (for votes), or None if it was no question."""
        row = asked_record(answer, self.keys.key(channel, user_id), channel, fingerprint, self.keep_text)
        if row is None:
            return None
        self.store.record(row)
        return row.id

    def vote(
        self, question_id: str, answer: Answer, result: Result, channel: str, user_id: int | str,
        vote: int, fingerprint: str,
    ) -> Future[None]:
        """Queue a vote on `result`; the Future resolves once it is committed."""
        user = self.keys.key(channel, user_id)
        return self.store.vote(vote_record(question_id, answer, result, user, vote, fingerprint))

    def reason(
        self, question_id: str, result: Result, channel: str, user_id: int | str, reason: str
    ) -> Future[bool]:
        """Attach "what were you looking for" to the user's vote on `result` (its terms only,
        without the text, when question text is not kept)."""
        cut = reason.strip()[:REASON_CHARS]
        terms = " ".join(sorted(set(tokenize(cut))))
        user = self.keys.key(channel, user_id)
        citation = result.citation
        return self.store.reason(
            question_id, user, citation.doc_id, citation.start, cut if self.keep_text else None, terms
        )

    def close(self) -> None:
        """Commit what is queued and stop the writer."""
        self.store.close()
