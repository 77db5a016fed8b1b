"""The paired verdict as a chart: one row per pair of models, the mean difference as a point
and its 95% confidence interval as a bar, against a line at zero. Built from the frame of
:func:`gnncore.pairs.paired_differences`; no Streamlit here."""

from __future__ import annotations

import altair as alt
import pandas as pd

from gnncore.charts._layers import per_dataset
from gnncore.charts.stats import require
from gnncore.charts.theme import INK, MUTED, display_name, is_fraction, metric_label, style, title

ROW = 34  # pixels per pair
TOLD_APART, NOT_TOLD_APART = "told apart", "cannot be told apart"


def difference_chart(pairs: pd.DataFrame) -> alt.TopLevelMixin:
    """Model a minus model b for every pair, with its interval; a bar that crosses the zero
    line is a difference these runs cannot tell from chance."""
    require(pairs, ["dataset", "metric", "model_a", "model_b", "mean_diff", "ci_low", "ci_high", "n_pairs"],
            "difference_chart")
    return style(per_dataset(pairs, _panel))


def _panel(frame: pd.DataFrame, dataset: str | None):
    metric = str(frame["metric"].iloc[0])
    scale, unit = (100.0, "points") if is_fraction(metric) else (1.0, "")
    data = frame.assign(
        pair=[f"{display_name(a)} − {display_name(b)}" for a, b in zip(frame["model_a"], frame["model_b"])],
        diff=frame["mean_diff"] * scale, low=frame["ci_low"] * scale, high=frame["ci_high"] * scale,
        verdict=[TOLD_APART if lo > 0 or hi < 0 else NOT_TOLD_APART
                 for lo, hi in zip(frame["ci_low"], frame["ci_high"])])
    data = data[["pair", "diff", "low", "high", "verdict", "n_pairs", "p_value"]]
    label = f"{metric_label(metric)}: a − b" + (f" ({unit})" if unit else "")
    y = alt.Y("pair:N", title=None, sort=list(data["pair"]), axis=alt.Axis(labelFontSize=12, labelLimit=260))
    color = alt.Color("verdict:N", title="95% interval",
                      scale=alt.Scale(domain=[TOLD_APART, NOT_TOLD_APART], range=[INK, "#AAAAAA"]))
    tooltip = [alt.Tooltip("pair:N", title="Pair (a − b)"),
               alt.Tooltip("diff:Q", title=f"Mean difference ({unit or 'units'})", format=".2f"),
               alt.Tooltip("low:Q", title="95% CI from", format=".2f"),
               alt.Tooltip("high:Q", title="95% CI to", format=".2f"),
               alt.Tooltip("n_pairs:Q", title="Paired runs"),
               alt.Tooltip("p_value:Q", title="p-value (paired t)", format=".3g")]
    base = alt.Chart(data)
    bars = base.mark_rule(strokeWidth=3).encode(x=alt.X("low:Q", title=label), x2="high:Q", y=y,
                                                color=color, tooltip=tooltip)
    points = base.mark_point(filled=True, size=70).encode(x=alt.X("diff:Q", title=label), y=y,
                                                          color=color, tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color=MUTED, strokeDash=[4, 3]).encode(x="zero:Q")
    on = f" on {dataset}" if dataset else ""
    subtitle = ["Each row: model a minus model b over the same seeds and splits; the bar is the 95% "
                "confidence interval (paired t).", "A bar that crosses the dashed zero line: these runs "
                "cannot tell the two apart."]
    return alt.layer(zero, bars, points).properties(
        height=ROW * len(data), title=title(f"Is the difference real? {metric_label(metric)}{on}", subtitle))
