"""A sweep's chart: a metric against the swept setting, one line per model.

:func:`sweep_chart` takes the runs frame of a sweep (``gnncore.sweep.sweep_frame``: one row
per run, the knob's value in a column named after it) and draws the mean over seeds as a
line in a ± 1 std band, every seed as a dot, and the published figures (``references``,
as :func:`gnncore.sweep.references` gives them) as black diamonds at their knob value.
With ``smoothness`` (a column such as ``mad``) a second panel below shares the
x axis: how smooth each model's output is at each value, the over-smoothing a depth sweep
is about. A knob whose values span more than a factor of 8 (depth, learning rate) gets a
log axis; one with named values (a readout) an ordinal one.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from gnncore.charts._layers import band_stats, color_by_name, mean_and_spread
from gnncore.charts.stats import numeric, require, sort_models
from gnncore.charts.theme import (REFERENCE_COLOR, WIDTH, color_scale, metric_label, percent_axis, style,
                                  title, value_format)

SMOOTH_HEIGHT = 200


def sweep_chart(runs: pd.DataFrame, knob: str, metric: str = "test_accuracy",
                references: pd.DataFrame | None = None, smoothness: str | None = None,
                knob_label: str | None = None, noun: str = "Model") -> alt.TopLevelMixin:
    """``metric`` against ``knob``: a line per model (mean, ± 1 std band), a dot per seed,
    published marks; and, where ``smoothness`` names a column of ``runs``, that measure in a
    second panel. ``references``: columns model, ``knob``, mean (and source). ``noun``: what
    the models are, for the legend ("Encoding" on the encodings page)."""
    require(runs, ["model", knob, metric], "sweep_chart")
    label = knob_label or knob
    colors = color_scale(runs["model"])
    x, x_enc = _x(runs, knob, label)
    dataset = str(runs["dataset"].iloc[0]) if "dataset" in runs and len(runs) else None
    top = _panel(runs, knob, metric, colors, x_enc, x, references, noun=noun)
    subtitle = [f"Line: {mean_and_spread(runs)} (shaded band); each dot is one run. Hover for the numbers."]
    if references is not None and len(_published(references, runs, knob, x)):
        subtitle.append("Black diamond: a published figure at that value (hover for the source and its setup).")
    top = top.properties(title=title(f"{metric_label(metric)} against {label}"
                                     + (f" on {dataset}" if dataset else ""), subtitle))
    if smoothness and smoothness in runs and runs[smoothness].notna().any():
        low = _panel(runs, knob, smoothness, colors, x_enc, x, None, height=SMOOTH_HEIGHT, noun=noun)
        low = low.properties(title=title(
            f"{metric_label(smoothness)} against {label}",
            "Near 0: every node's output points the same way, whatever its class (over-smoothed)."))
        return style(alt.vconcat(top, low, spacing=24).resolve_scale(color="shared"))
    return style(top)


def _x(runs: pd.DataFrame, knob: str, label: str):
    """The x channel: ordinal for named values, log when the values span a factor above 8."""
    values = pd.to_numeric(runs[knob], errors="coerce")
    if values.isna().any():
        order = list(dict.fromkeys(runs[knob].astype(str)))
        return "ordinal", lambda field=knob: alt.X(f"{field}:O", title=label, sort=order)
    low, high = values.min(), values.max()
    log = low > 0 and high / low > 8
    whole = (values == values.round()).all()
    ticks = sorted(values.unique()) if len(values.unique()) <= 12 else alt.Undefined
    axis = alt.Axis(values=ticks, format="d" if whole else "~g", grid=True)
    scale = alt.Scale(type="log", base=2 if whole else 10, nice=False) if log else alt.Scale(nice=False, zero=False)
    return "log" if log else "linear", lambda field=knob: alt.X(f"{field}:Q", title=label, axis=axis, scale=scale)


def _panel(runs, knob, metric, colors, x_enc, x_kind, references, height=None, noun="Model"):
    fmt, label = value_format(metric), metric_label(metric)
    frame = numeric(runs, [metric]) if x_kind == "ordinal" else numeric(runs, [metric, knob])
    stats = band_stats(frame, knob, metric)
    dots = sort_models(frame.dropna(subset=[metric]))
    keep = ["model", "name", knob, metric] + [c for c in ("seed", "fold") if c in dots]
    dots = dots[keep]
    y_values = [*stats["lower"], *stats["upper"], *dots[metric]]
    y_scale = alt.Scale(zero=False)
    axis = percent_axis(metric, y_values)
    c = color_by_name(colors, title=noun)
    base = alt.Chart(stats).encode(x=x_enc())
    band = base.mark_area(opacity=0.16).encode(
        y=alt.Y("lower:Q", title=label, axis=axis, scale=y_scale), y2="upper:Q", color=c)
    line = base.mark_line(strokeWidth=2.2, point=alt.OverlayMarkDef(size=36, filled=True)).encode(
        y=alt.Y("mean:Q", title=label, axis=axis, scale=y_scale), color=c,
        tooltip=[alt.Tooltip("name:N", title=noun), alt.Tooltip(f"{knob}", title=knob),
                 alt.Tooltip("mean:Q", title=f"{label}, mean", format=fmt),
                 alt.Tooltip("std:Q", title="Standard deviation", format=fmt),
                 alt.Tooltip("runs:Q", title="Runs")])
    seed_dots = alt.Chart(dots).mark_circle(size=28, opacity=0.45).encode(
        x=x_enc(), y=alt.Y(f"{metric}:Q", title=label, axis=axis, scale=y_scale),
        color=color_by_name(colors, legend=False),
        tooltip=[alt.Tooltip("name:N", title=noun), alt.Tooltip(f"{knob}", title=knob)]
        + [alt.Tooltip(f"{c}:Q", title=c.capitalize()) for c in ("seed", "fold") if c in dots]
        + [alt.Tooltip(f"{metric}:Q", title=label, format=fmt)])
    layers = [band, line, seed_dots]
    published = _published(references, runs, knob, x_kind) if references is not None else pd.DataFrame()
    if len(published):
        published = published[published["metric"] == metric] if "metric" in published else published
    if len(published):
        layers.append(alt.Chart(published).mark_point(
            shape="diamond", size=120, filled=True, color=REFERENCE_COLOR, stroke="white", strokeWidth=1
        ).encode(x=x_enc(), y=alt.Y("mean:Q", title=label, axis=axis, scale=y_scale),
                 tooltip=[alt.Tooltip("name:N", title=noun), alt.Tooltip(f"{knob}", title=knob),
                          alt.Tooltip("mean:Q", title="Published", format=fmt),
                          alt.Tooltip("source:N", title="Source")]))
    chart = alt.layer(*layers)
    return chart.properties(width=WIDTH, **({"height": height} if height else {}))


def _published(references: pd.DataFrame | None, runs: pd.DataFrame, knob: str, x_kind: str) -> pd.DataFrame:
    """The published rows for the sweep's models at values inside its range."""
    if references is None or references.empty or knob not in references:
        return pd.DataFrame()
    refs = references[references["model"].isin(runs["model"].unique())]
    if x_kind != "ordinal":
        values = pd.to_numeric(runs[knob], errors="coerce")
        at = pd.to_numeric(refs[knob], errors="coerce")
        refs = refs[(at >= values.min()) & (at <= values.max())].assign(**{knob: at})
    refs = refs.assign(source=refs["source"] if "source" in refs else "")
    return sort_models(refs.reset_index(drop=True))

