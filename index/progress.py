"""How far a rebuild has got, for a front end to show (index/ itself never draws anything)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BuildProgress:
    """A rebuild's progress: how much of the stage is done, of how much, and what the index holds."""

    stage: str  # "reading" (files tokenized), "merging" (arrays computed), "writing", "embedding"
    done: int  # source bytes read and tokenized; in "embedding", texts embedded
    total: int
    documents: int
    passages: int

    @property
    def counts_texts(self) -> bool:
        """Whether done/total count texts to embed (not bytes of source)."""
        return self.stage == EMBEDDING


EMBEDDING = "embedding"


ProgressCallback = Callable[[BuildProgress], None]
