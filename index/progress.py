"""How far a rebuild has got, for a front end to show (index/ itself never draws anything)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BuildProgress:
    """A rebuild's progress: source bytes read and tokenized so far, of how many, and what they held."""

    stage: str  # "reading" (files tokenized), "merging" (arrays computed), "writing"
    done_bytes: int
    total_bytes: int
    documents: int
    passages: int


ProgressCallback = Callable[[BuildProgress], None]
