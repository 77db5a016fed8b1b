"""Layer pieces more than one page draws: a mean line in a ± std band, one panel per dataset."""

from __future__ import annotations

import re
from typing import Callable

import altair as alt
import pandas as pd

from gnncore.charts.stats import datasets_of, mean_std
from gnncore.charts.theme import is_fraction, metric_label, percent_axis, value_format

INVALID = "break-paths-show-domains"  # a missing value breaks a line instead of bridging it


def color_by_name(colors: alt.Scale, title: str = "Model", legend: bool = True) -> alt.Color:
    """Colour by display name with the fixed per-name scale; the legend shows line strokes."""
    return alt.Color("name:N", scale=colors, title=title, sort=colors.domain,
                     legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=3, symbolOpacity=1)
                     if legend else None)


def band_stats(frame: pd.DataFrame, x: str, metric: str) -> pd.DataFrame:
    """Mean ± std of ``metric`` per (model, x); the band is clipped to the values that can
    occur (0-100% for fractions, 0 and up for a metric that is never negative)."""
    stats = mean_std(frame, ["model", x], metric)
    if is_fraction(metric):
        stats["upper"] = stats["upper"].clip(upper=1.0)
    if is_fraction(metric) or (stats["mean"].dropna() >= 0).all():  # losses, times: never below 0
        stats["lower"] = stats["lower"].clip(lower=0.0)
    return stats


def mean_band(stats: pd.DataFrame, x_field: str, x_title: str, metric: str, colors: alt.Scale,
              legend_title: str, x_scale: alt.Scale | None = None,
              y_scale: alt.Scale | None = None, panel: str | None = None) -> list[alt.Chart]:
    """Band, line, and a hover rule with a tooltip at the nearest x: four layers to stack.

    panel: the dataset this panel shows, to keep hover selections apart when panels stack.
    """
    fmt, label = value_format(metric), metric_label(metric)
    # Epochs, steps, lengths and positions are whole numbers: no tick at 1.5.
    x = alt.X(f"{x_field}:Q", title=x_title, axis=alt.Axis(tickMinStep=1, format="d"),
              scale=x_scale if x_scale is not None else alt.Scale(nice=False))
    # A fixed domain (0-100%) is what the axis spans, whatever the values.
    fixed = getattr(y_scale, "domain", alt.Undefined) if y_scale is not None else alt.Undefined
    spans = list(fixed) if isinstance(fixed, (list, tuple)) else [*stats["lower"], *stats["upper"]]
    y_scale = y_scale if y_scale is not None else alt.Undefined
    base = alt.Chart(stats).encode(x=x)
    axis = percent_axis(metric, spans)
    y = alt.Y("mean:Q", title=label, axis=axis, scale=y_scale)
    c = color_by_name(colors, legend_title)
    band = base.mark_area(opacity=0.18, invalid=INVALID).encode(
        y=alt.Y("lower:Q", title=label, axis=axis, scale=y_scale), y2="upper:Q",
        color=c)
    line = base.mark_line(strokeWidth=2.2, invalid=INVALID).encode(y=y, color=c)
    suffix = re.sub(r"\W+", "_", f"_{panel}") if panel else ""
    hover = alt.selection_point(name=f"hover_{x_field}{suffix}", nearest=True, on="pointerover",
                                fields=[x_field], empty=False, clear="pointerout")
    points = base.mark_point(filled=True, size=45).transform_filter(
        "isValid(datum.mean) && isFinite(datum.mean)").encode(
        y=y, color=c, opacity=alt.condition(hover, alt.value(1.0), alt.value(0.0)),
        tooltip=[alt.Tooltip("name:N", title=legend_title),
                 alt.Tooltip(f"{x_field}:Q", title=x_title),
                 alt.Tooltip("mean:Q", title=f"{label}, mean", format=fmt),
                 alt.Tooltip("std:Q", title="Standard deviation", format=fmt),
                 alt.Tooltip("runs:Q", title="Runs")],
    ).add_params(hover)
    rule = base.mark_rule(color="#9A9A9A", strokeDash=[3, 3]).transform_filter(hover)
    return [band, line, rule, points]


def per_dataset(frame: pd.DataFrame, build: Callable[[pd.DataFrame, str | None], alt.TopLevelMixin]):
    """``build(frame, dataset)`` once, or once per dataset stacked when the frame holds several."""
    names = datasets_of(frame)
    if len(names) <= 1:
        return build(frame, names[0] if names else None)
    return alt.vconcat(*[build(frame[frame["dataset"].astype(str) == d], d) for d in names],
                       spacing=28).resolve_scale(color="shared")


def seed_count(frame: pd.DataFrame) -> int:
    if "seed" not in frame or frame.empty:
        return 1
    return int(frame.groupby("model")["seed"].nunique().max())


def fold_count(frame: pd.DataFrame) -> int:
    """Cross-validation folds per model (graph classification); 0 for runs without folds."""
    if "fold" not in frame or frame.empty or frame["fold"].isna().all():
        return 0
    return int(frame.groupby("model")["fold"].nunique().max())


def spread_over(frame: pd.DataFrame) -> str:
    """What a mean and its band are taken over: ``3 seeds``, ``10 folds``, or
    ``20 runs (10 folds x 2 seeds)``; a cross-validated score spreads over folds, not seeds."""
    seeds, folds = seed_count(frame), fold_count(frame)
    if not folds:
        return plural(seeds, "seed")
    if seeds == 1:
        return plural(folds, "fold")
    return f"{plural(folds * seeds, 'run')} ({folds} folds x {plural(seeds, 'seed')})"


def single_run(frame: pd.DataFrame) -> bool:
    """One run per model (1 seed, no folds): nothing to take a mean or a spread over."""
    return seed_count(frame) == 1 and not fold_count(frame)


# Said instead of "mean +- 1 standard deviation" when there is one run per model.
ONE_RUN = "one run each (1 seed), so no spread shown: add seeds to see how much runs vary"


def mean_and_spread(frame: pd.DataFrame) -> str:
    """``mean over 3 seeds ± 1 standard deviation``, or :data:`ONE_RUN` for single runs."""
    return ONE_RUN if single_run(frame) else f"mean over {spread_over(frame)} ± 1 standard deviation"


def spread_unit(frame: pd.DataFrame) -> str:
    """``seeds``, ``folds`` or ``runs``: the word after "standard deviation over"."""
    seeds, folds = seed_count(frame), fold_count(frame)
    return "seeds" if not folds else "folds" if seeds == 1 else "runs"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
