"""The pandas side of the charts: mean and spread over seeds, computed before Altair sees them.

Aggregating here rather than in Vega-Lite keeps the chart specs small (a 10-seed, 200-epoch
comparison is 600 rows instead of 6000) and makes the numbers a chart draws the same as
``DataFrame.groupby(...).agg(["mean", "std"])``, which is what the tests compare against.
The aggregation itself is :func:`gnncore.runs.mean_std`, shared with the CLI.
"""

from __future__ import annotations

import pandas as pd

from gnncore import runs
from gnncore.charts.theme import display_name, order


def numeric(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy with the named columns as floats; None (not applicable) becomes NaN."""
    out = frame.copy()
    for c in columns:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out


def mean_std(frame: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """:func:`gnncore.runs.mean_std`, groups in the fixed model order with display names."""
    return sort_models(runs.mean_std(frame, by, value))


def mean_ci(frame: pd.DataFrame, by: list[str], value: str, level: float = 0.95) -> pd.DataFrame:
    """:func:`mean_std` with ``lower`` and ``upper`` the ``level`` confidence interval of the
    mean over seeds (Student's t, scipy), not mean ± std; a single run's interval is its value."""
    from scipy import stats

    out = mean_std(frame, by, value)
    n = out["runs"].clip(lower=1)
    half = (stats.t.ppf(0.5 + level / 2, (n - 1).clip(lower=1)) * out["std"] / n ** 0.5).where(n > 1, 0.0)
    return out.assign(lower=out["mean"] - half, upper=out["mean"] + half)


def pm(mean: float, std: float, n: int, scale: float = 1.0, digits: int = 1, sep: str = " ± ",
       missing: str = "–") -> str:
    """``81.5 ± 0.6``; the mean alone for one run or no spread; ``missing`` for no value."""
    if pd.isna(mean):
        return missing
    if n < 2 or pd.isna(std):
        return f"{mean * scale:.{digits}f}"
    return f"{mean * scale:.{digits}f}{sep}{std * scale:.{digits}f}"


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
