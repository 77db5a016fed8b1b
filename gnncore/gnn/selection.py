"""Model selection shared by the three task loops: keep the best validation epoch, stop early."""

from __future__ import annotations

from typing import Any, Callable


class BestEpoch:
    """The history row of the best validation epoch so far, and early stopping.

    ``score(row)`` orders epochs (higher is better; a tuple breaks ties). ``patience`` 0
    turns early stopping off.
    """

    def __init__(self, score: Callable[[dict], Any], patience: int):
        self.score, self.patience = score, patience
        self.row: dict | None = None
        self.since = 0

    def update(self, row: dict) -> bool:
        """Record an epoch; True when training should stop."""
        if self.row is None or self.score(row) > self.score(self.row):
            self.row, self.since = row, 0
        else:
            self.since += 1
        return bool(self.patience) and self.since >= self.patience
