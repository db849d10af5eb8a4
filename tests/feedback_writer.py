"""A child process for the feedback store's tests: records questions and votes as fast as it can.

    python -m tests.feedback_writer DATABASE NAME COUNT

For each of COUNT votes it queues a few questions, then a vote, waits until the vote is committed,
and only then prints the vote's key (its question id) on stdout: a printed key is a vote that was
acknowledged, as a user would be told. COUNT 0 means forever (until killed).
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

from bot.feedback import Asked, FeedbackStore, Vote

QUESTIONS_PER_VOTE = 10


def main(database: str, name: str, count: int) -> None:
    """Write until `count` votes are acknowledged (or forever)."""
    store = FeedbackStore(Path(database))
    numbers = itertools.count() if count == 0 else range(count)
    for n in numbers:
        qid = f"{name}-{n}"
        for q in range(QUESTIONS_PER_VOTE):
            store.record(
                Asked(f"{qid}-{q}", time.time(), "u" * 32, "test", "question text", "question text",
                      "not_found", 0.0, None, None, None, None, "fp")
            )
        store.record(
            Asked(qid, time.time(), "u" * 32, "test", "voted question", "question vote", "answered", 0.5,
                  "doc", "Title", 0, 10, "fp")
        )
        vote = Vote(qid, time.time(), "u" * 32, 1 if n % 2 else -1, 1, "doc", "Title", 0, 10, "x" * 200, 0.5, "fp")
        store.vote(vote).result()
        print(qid, flush=True)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
