"""Protocols a published figure was obtained under, where they are not the arena's own.

A row of ``data/reference_results.csv`` names in ``settings`` what runs can match
(``readout=sum``) and in ``protocol`` how its authors chose the epoch they report, where
that differs from how the arena does (empty: the arena's way). A protocol is a caveat, not
a setting: no run of ours is trained "under" it, so the figure is drawn (hollow) beside runs
with its settings but is not like with like, and :meth:`Protocol.ours` says what our own
runs give when scored its way, so a reader sees by how much the protocol moves the number.

Each protocol is declared once, here, by the key the CSV's ``protocol`` column uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

RUN_KEYS = ["dataset", "model", "seed"]


def best_mean_epoch(history: pd.DataFrame, metric: str = "test_accuracy") -> pd.DataFrame:
    """Xu et al.'s figure from our own fold runs: per (dataset, model, seed), the epoch whose
    ``metric`` averaged over the folds is best, that mean, and the standard deviation over
    the folds at that epoch (pandas' sample one, as everywhere in the arena).

    ``history`` is :func:`gnncore.runs.history_frame`'s: one row per (run, epoch), one run
    per fold. A fold that stopped early holds its last value at the later epochs.
    Columns: dataset, model, seed, epoch, mean, std, folds.
    Empty where the frame has no folds or no ``metric``.
    """
    columns = [*RUN_KEYS, "epoch", "mean", "std", "folds"]
    if history is None or not {"model", "epoch", "fold", metric} <= set(history.columns):
        return pd.DataFrame(columns=columns)
    frame = history.dropna(subset=["fold"]).assign(**{
        metric: lambda f: pd.to_numeric(f[metric], errors="coerce").astype(float)})
    by = [c for c in RUN_KEYS if c in frame]
    rows = []
    for keys, runs in frame.groupby(by, sort=False):
        curve = runs.pivot_table(index="epoch", columns="fold", values=metric, aggfunc="mean")
        curve = curve.sort_index().ffill().dropna()  # every fold has a value from here on
        if curve.empty:
            continue
        means = curve.mean(axis=1)
        best = means.idxmax()  # the first of equal bests
        at = curve.loc[best]
        rows.append({**dict(zip(by, keys if isinstance(keys, tuple) else (keys,))), "epoch": int(best),
                     "mean": float(means[best]), "std": float(at.std()) if len(at) > 1 else 0.0,
                     "folds": int(curve.shape[1])})
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class Protocol:
    """How a published figure was obtained, when not as the arena obtains its own."""

    key: str    # as the CSV's ``protocol`` column names it
    who: str    # whose protocol: "Xu et al."
    short: str  # a few words for a chart's subtitle
    rule: str   # the whole rule, for tooltips and captions
    #: (history, metric) -> per (dataset, model, seed) columns epoch, mean, std, folds
    score: Callable[[pd.DataFrame, str], pd.DataFrame]
    how_ours: str  # how :meth:`ours` scores our runs, for the table's caption

    @property
    def column(self) -> str:
        """The summary table's column for our runs scored this way (without the unit)."""
        return f"Ours under {self.who}'s protocol"

    @property
    def caveat(self) -> str:
        return f"published under another protocol ({self.who}: {self.short})"

    def ours(self, history: pd.DataFrame | None, metric: str) -> pd.DataFrame:
        """Our runs scored under this protocol, per (dataset, model): mean over seeds of
        each seed's figure, ``std`` the mean of each seed's spread, ``seeds``, ``folds``,
        and ``epoch`` where there is one seed."""
        per_seed = self.score(history, metric) if history is not None else pd.DataFrame()
        columns = ["dataset", "model", "mean", "std", "seeds", "folds", "epoch"]
        if per_seed.empty:
            return pd.DataFrame(columns=columns)
        by = [c for c in ("dataset", "model") if c in per_seed]
        out = per_seed.groupby(by, sort=False).agg(
            mean=("mean", "mean"), std=("std", "mean"), seeds=("mean", "size"), folds=("folds", "min"),
            epoch=("epoch", "first")).reset_index()
        out["epoch"] = out["epoch"].where(out["seeds"] == 1)
        return out.reindex(columns=columns)


XU_2019 = Protocol(
    key="best_mean_test_epoch", who="Xu et al.",
    short="best mean epoch over the test folds",
    rule="the single epoch whose test accuracy averaged over the 10 folds is best, and that mean; "
         "the epoch is chosen on the test folds themselves, which lifts the figure",
    score=best_mean_epoch,
    how_ours="our runs scored as Xu et al. score theirs: for each seed, the epoch whose test accuracy "
             "averaged over the folds is best, and that mean ± the standard deviation over the folds at "
             "that epoch (a fold stopped early holds its last value). Choosing the epoch on the test "
             "folds lifts the figure; the gap to our own score is by how much")

PROTOCOLS = {p.key: p for p in (XU_2019,)}


def protocol(key) -> Protocol | None:
    """The declared protocol of a reference row's ``protocol`` value; None for the arena's own
    (empty). An undeclared key is an error, not a silent like-with-like mark."""
    if not isinstance(key, str) or not key.strip():
        return None
    if key.strip() not in PROTOCOLS:
        raise ValueError(f"Unknown protocol {key!r} in the published results; declared: "
                         f"{', '.join(PROTOCOLS)} (gnncore/charts/protocols.py).")
    return PROTOCOLS[key.strip()]
