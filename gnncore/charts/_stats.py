"""The pandas side of the charts: mean and spread over seeds, computed before Altair sees them.

Aggregating here rather than in Vega-Lite keeps the chart specs small (a 10-seed, 200-epoch
comparison is 600 rows instead of 6000) and makes the numbers a chart draws the same as
``DataFrame.groupby(...).agg(["mean", "std"])``, which is what the tests compare against.
The standard deviation is pandas' default, the sample one (ddof=1), as in
``gnncore.runs.summary_frame``; with one run it is 0, drawn as no band at all.
"""

from __future__ import annotations

import pandas as pd

from gnncore.charts.theme import display_name, order


def numeric(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy with the named columns as floats; None (not applicable) becomes NaN."""
    out = frame.copy()
    for c in columns:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out


def mean_std(frame: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Columns ``by + [mean, std, lower, upper, runs]``, groups in the fixed model order.

    ``runs`` counts the values that exist; a group with none keeps a row with NaN mean, so
    a line drawn through it breaks there instead of dropping to zero or bridging the gap.
    """
    data = numeric(frame, [value])
    grouped = data.groupby(by, sort=False, dropna=False)[value]
    out = grouped.agg(["mean", "std", "count"]).reset_index().rename(columns={"count": "runs"})
    out["std"] = out["std"].where(out["runs"] > 1, 0.0)
    out["lower"] = out["mean"] - out["std"]
    out["upper"] = out["mean"] + out["std"]
    return sort_models(out)


def sort_models(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in the fixed model order, with a ``name`` column holding the display name."""
    if "model" not in frame:
        return frame
    rank = {m: i for i, m in enumerate(order(frame["model"]))}
    out = frame.assign(_rank=frame["model"].astype(str).map(rank))
    out = out.sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)
    out.insert(list(out.columns).index("model") + 1, "name", out["model"].map(display_name))
    return out


def datasets_of(frame: pd.DataFrame) -> list[str]:
    if "dataset" not in frame or frame.empty:
        return []
    return list(dict.fromkeys(frame["dataset"].astype(str)))


def require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    """One clear sentence instead of a KeyError deep inside Altair."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {', '.join(missing)}; "
                         f"the frame has {', '.join(map(str, frame.columns)) or 'none'}.")
