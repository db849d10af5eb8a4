"""A rebuild's progress on the terminal: documents, passages, elapsed time and ETA (tqdm).

tqdm because it is small, made for exactly this, already installed with nltk, and turns itself
off when stderr is not a terminal (`disable=None`): logs and pipes get no bar.
"""

from __future__ import annotations

import sys
from typing import Any

from index import BuildProgress


class ProgressBar:
    """A callback for `build_index(progress=...)` drawing one bar on stderr; `close()` removes it."""

    def __init__(self, quiet: bool = False) -> None:
        self._quiet = quiet
        self._bar: Any = None
        self._stage = ""

    def __call__(self, step: BuildProgress) -> None:
        if self._quiet:
            return
        if self._bar is not None and step.counts_texts and self._stage != step.stage:
            self.close()  # embedding counts texts, not bytes: a bar of its own
        if self._bar is None:
            from tqdm import tqdm  # imported on the first report: answering commands rarely build

            # disable=None: no bar unless stderr is a terminal. leave=False: the summary line replaces it.
            unit = dict(unit="texts") if step.counts_texts else dict(unit="B", unit_scale=True, unit_divisor=1024)
            self._bar = tqdm(total=step.total, **unit,
                             disable=None, leave=False, file=sys.stderr, dynamic_ncols=True,
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {unit} "
                                        "[{elapsed}<{remaining}]{postfix}")
        new_stage, self._stage = step.stage != self._stage, step.stage
        self._bar.set_description_str(step.stage, refresh=False)
        self._bar.set_postfix_str(f"{step.documents:,} documents, {step.passages:,} passages", refresh=False)
        self._bar.update(step.done - self._bar.n)
        if new_stage:  # merging and writing add no bytes: show the stage at once
            self._bar.refresh()

    def close(self) -> None:
        """Remove the bar (before the summary or an error is printed)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
