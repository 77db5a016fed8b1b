"""Model selection shared by the three task loops: keep the best validation epoch, stop early."""

from __future__ import annotations

from typing import Any, Callable


class BestEpoch:
    """The history of a run, its best validation epoch so far, and early stopping.

    ``score(row)`` orders epochs (higher is better; a tuple breaks ties). ``patience`` 0
    turns early stopping off.
    """

    def __init__(self, score: Callable[[dict], Any], patience: int):
        self.score, self.patience = score, patience
        self.row: dict | None = None
        self.history: list[dict] = []
        self.since = 0

    def update(self, row: dict) -> bool:
        """Record an epoch; True when training should stop."""
        self.history.append(row)
        if self.row is None or self.score(row) > self.score(self.row):
            self.row, self.since = row, 0
        else:
            self.since += 1
        return bool(self.patience) and self.since >= self.patience

    def summary(self, elapsed: float, *names: str) -> dict:
        """The best epoch's values of ``names``, then its number, the epochs run and the mean
        time per epoch (``elapsed`` seconds over all of them)."""
        best, n = self.row, len(self.history)
        return {**{name: best[name] for name in names}, "best_epoch": best["epoch"],
                "epochs_run": n, "ms_per_epoch": 1000 * elapsed / n}
