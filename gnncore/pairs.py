"""Is a difference real? The paired difference of a metric between every two models of a
comparison, over the runs they share (same dataset, seed and fold, so the same split and
the same initialisation stream), with a paired t confidence interval, a p-value and one
plain sentence.

Statistics come from scipy.stats: ``ttest_rel`` for the interval and the p-value, the
noncentral t distribution for how many seeds would tell a difference of the observed size
(80% power at the 5% level). Differences are model a minus model b, in the metric's units
(fractions for accuracies; :func:`for_csv` gives CSV files percentage points); a and b follow
the registry's reading order.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

COLUMNS = ["task", "dataset", "metric", "model_a", "model_b", "n_pairs", "mean_diff", "ci_low", "ci_high",
           "p_value"]
# As CSV files write the table: a fraction's differences in percentage points, as the page
# and the verdicts say them, the columns named so (for_csv).
POINTS = {"mean_diff": "mean_diff_points", "ci_low": "ci_low_points", "ci_high": "ci_high_points"}
CSV_COLUMNS = [POINTS.get(c, c) for c in COLUMNS]
PAIR_KEYS = ["seed", "fold"]  # what makes two runs of different models a pair
LEVEL, POWER, MOST_SEEDS = 0.95, 0.8, 1000


def paired_differences(runs: pd.DataFrame, metric: str, order: list[str] | None = None) -> pd.DataFrame:
    """One row per dataset and unordered pair of models: :data:`COLUMNS`, then ``seeds_needed``
    (seeds for 80% power at this difference; NaN when the difference is 0 or there are too
    few pairs to estimate its spread)."""
    keys = [k for k in PAIR_KEYS if k in runs]
    rows = []
    for dataset, frame in runs.groupby("dataset", sort=False):
        models = order or list(dict.fromkeys(frame["model"]))
        models = [m for m in models if m in set(frame["model"])]
        wide = frame.pivot_table(index=keys, columns="model", values=metric, aggfunc="first")
        for a, b in combinations(models, 2):
            if a not in wide or b not in wide:  # a model with no value of the metric at all
                both = pd.DataFrame({a: [], b: []})
            else:
                both = wide[[a, b]].apply(pd.to_numeric, errors="coerce").dropna()
            rows.append({"task": frame["kind"].iloc[0] if "kind" in frame else "", "dataset": dataset,
                         "metric": metric, "model_a": a, "model_b": b,
                         **_paired(both[a].to_numpy(float), both[b].to_numpy(float))})
    return pd.DataFrame(rows, columns=[*COLUMNS, "seeds_needed"])


def for_csv(pairs: pd.DataFrame, fraction: bool) -> pd.DataFrame:
    """:data:`COLUMNS` of :func:`paired_differences` as a CSV gives them: for a ``fraction``
    metric the differences in percentage points, in columns named ``..._points``
    (:data:`CSV_COLUMNS`); other metrics keep their units and names."""
    out = pairs[COLUMNS].copy()
    if not fraction:
        return out
    for column in POINTS:
        out[column] = out[column] * 100.0
    return out.rename(columns=POINTS)


def _paired(a: np.ndarray, b: np.ndarray) -> dict:
    n = len(a)
    diff = a - b
    out = {"n_pairs": n, "mean_diff": float(diff.mean()) if n else math.nan,
           "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan, "seeds_needed": math.nan}
    if n < 2:
        return out
    if np.all(diff == diff[0]):  # no spread: the interval is the point, and t is undefined
        out.update(ci_low=float(diff[0]), ci_high=float(diff[0]), p_value=1.0 if diff[0] == 0 else 0.0)
        return out
    result = stats.ttest_rel(a, b)
    interval = result.confidence_interval(LEVEL)
    out.update(ci_low=float(interval.low), ci_high=float(interval.high), p_value=float(result.pvalue),
               seeds_needed=seeds_needed(float(diff.mean()), float(diff.std(ddof=1))))
    return out


def seeds_needed(mean: float, std: float, level: float = LEVEL, power: float = POWER) -> float:
    """The fewest paired seeds for which a two-sided paired t-test at ``1 - level`` detects a
    true mean difference ``mean`` (spread ``std``) with probability ``power``; NaN past
    :data:`MOST_SEEDS` or for no difference."""
    if mean == 0 or not std > 0:
        return math.nan
    effect = abs(mean) / std
    for n in range(2, MOST_SEEDS + 1):
        df = n - 1
        critical = stats.t.ppf(1 - (1 - level) / 2, df)
        shift = effect * math.sqrt(n)
        if stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift) >= power:
            return float(n)
    return math.nan


def verdict(row: pd.Series, label=str, fraction: bool = True, unit: str = "seed", most: int | None = None) -> str:
    """One sentence: who beats whom by how much, or that the runs cannot tell them apart.
    ``most``: the most ``unit``s the data allow (a dataset's folds); advice past it says so
    and counts seeds of that many instead."""
    a, b, n = label(row["model_a"]), label(row["model_b"]), int(row["n_pairs"])
    scale, what = (100.0, "points") if fraction else (1.0, "")
    pairs = f"{n} paired {unit}{'s' if n != 1 else ''}"
    if n == 0:  # one of them has no value of the metric at all (no answer past its table)
        return f"{a} and {b}: no {unit} has a value for both, so there is nothing to compare."
    if n < 2:
        return f"{a} and {b}: {pairs}, too few to say anything; train more {unit}s."
    mean, low, high = (row[k] * scale for k in ("mean_diff", "ci_low", "ci_high"))
    if low > 0 or high < 0:
        winner, loser = (a, b) if mean > 0 else (b, a)
        low, high = (low, high) if mean > 0 else (-high, -low)
        return (f"{winner} beats {loser} by {abs(mean):.1f} {what} on {row['dataset']} "
                f"(95% CI {low:.1f} to {high:.1f}, {pairs}).").replace("  ", " ")
    text = f"{a} and {b} cannot be told apart with {pairs} on {row['dataset']}"
    needed = row.get("seeds_needed")
    if low == high == 0:
        return text + " (the same score on every pair)."
    if mean == 0:
        return text + " (a mean difference of exactly 0)."
    if pd.notna(needed) and needed > n and most and needed > most:
        return text + (f"; about {int(needed)} paired runs would tell a difference of this size ({abs(mean):.1f} "
                       f"{what}), more than the {most} {unit}s the data allow, so about "
                       f"{math.ceil(needed / most)} seeds of {most} {unit}s.").replace("  ", " ")
    if pd.notna(needed) and needed > n:
        return text + f"; about {int(needed)} {unit}s would tell a difference of this size ({abs(mean):.1f} {what})."
    if pd.isna(needed):
        return text + f"; a difference this small ({abs(mean):.2f} {what}) would need over {MOST_SEEDS} {unit}s."
    return text + "."
