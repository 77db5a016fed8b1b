"""Tidy frames: the only input the charts and the CSV export take."""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from gnncore.spec import RunResult


def _ids(result: RunResult) -> dict:
    s = result.spec
    return {"key": s.key, "kind": s.kind, "dataset": s.dataset, "model": s.model, "seed": s.seed}


def runs_frame(results: Iterable[RunResult]) -> pd.DataFrame:
    """One row per run: identity, hyperparameters, final metrics."""
    rows = [{**_ids(r), **r.spec.params, **r.metrics, "cached": r.cached} for r in results]
    return pd.DataFrame(rows)


def history_frame(results: Iterable[RunResult]) -> pd.DataFrame:
    """One row per (run, epoch or step)."""
    rows = [{**_ids(r), **r.spec.params, **h} for r in results for h in r.history]
    return pd.DataFrame(rows)


def table_frame(results: Iterable[RunResult], name: str) -> pd.DataFrame:
    """One row per (run, row of the named table), e.g. ``length`` for length generalisation."""
    rows = [{**_ids(r), **r.spec.params, **row} for r in results for row in r.tables.get(name, [])]
    return pd.DataFrame(rows)


def mean_std(frame: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Columns ``by + [mean, std, lower, upper, runs]``: the one aggregation over seeds (or
    folds) that the pages, the charts and the CLI share.

    The standard deviation is pandas' sample one (ddof=1), 0 for a single run; ``runs``
    counts the values that exist, and a group with none keeps a row with NaN mean, so a line
    drawn through it breaks there instead of dropping to zero. None becomes NaN.
    """
    data = frame.assign(**{value: pd.to_numeric(frame[value], errors="coerce").astype(float)})
    grouped = data.groupby(by, sort=False, dropna=False)[value]
    out = grouped.agg(["mean", "std", "count"]).reset_index().rename(columns={"count": "runs"})
    out["std"] = out["std"].where(out["runs"] > 1, 0.0)
    out["lower"] = out["mean"] - out["std"]
    out["upper"] = out["mean"] + out["std"]
    return out
