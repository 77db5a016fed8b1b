"""Charts for the positional-encoding lab: how accuracy holds up past the trained length.

Frames come from :mod:`gnncore.runs`: ``table_frame(results, "length")`` (one row per run
and input length: ``length``, ``in_distribution``, ``token_accuracy``, ``exact_match``,
``train_length`` ...), ``table_frame(results, "position")`` (per run, input length and
output position) and ``history_frame`` (``step``, ``loss``). The ``model`` column holds the
encoding and ``dataset`` the sequence task, as in every run.

A metric that does not apply (a learned absolute encoding has no position past its table)
is None in the frame and drawn as a gap, never as 0%.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from gnncore.charts._layers import (ONE_RUN, band_stats, color_by_name, mean_and_spread, mean_band,
                                    per_dataset, plural, seed_count, single_run)
from gnncore.charts.stats import mean_std, numeric, require
from gnncore.posenc.scaling import SCALINGS
from gnncore.charts.theme import (MUTED, WIDTH, color_scale, display_name, metric_label, order,
                                  percent_axis, style, title, value_format)

LEGEND = "Positional encoding"
TRAINED_SHADE = "#EFEFEF"
PERCENT = alt.Scale(domain=[0, 1])  # accuracy on a fixed 0-100% axis: panels compare by eye


def accuracy_vs_length(lengths: pd.DataFrame, metric: str = "token_accuracy") -> alt.TopLevelMixin:
    """``metric`` per input length: a line per encoding (mean ± std over seeds), the trained
    lengths shaded and the train length marked."""
    require(lengths, ["model", "length", metric], "accuracy_vs_length")
    colors = color_scale(lengths["model"])
    return style(per_dataset(lengths, lambda f, d: _vs_length(f, metric, colors, d)))


def in_vs_out(lengths: pd.DataFrame, metric: str = "token_accuracy") -> alt.TopLevelMixin:
    """Per encoding, mean ``metric`` over the trained lengths next to the longer ones.

    Each run's values are averaged over its lengths first, then mean ± std over seeds.
    """
    require(lengths, ["model", "length", metric], "in_vs_out")
    colors = color_scale(lengths["model"])
    return style(per_dataset(lengths, lambda f, d: _in_out(f, metric, colors, d)))


def accuracy_by_position(positions: pd.DataFrame, metric: str | None = None,
                         length: int | None = None) -> alt.TopLevelMixin:
    """Accuracy at each position of the answer for inputs of one length, a line per
    encoding, the positions seen in training shaded.

    metric: the accuracy column (``token_accuracy``, or ``accuracy`` as the engine's
    position table names it); by default whichever the frame has.
    length: the input length to show; by default the longest in the frame, where the
    answer runs furthest past the trained positions. (Averaging over lengths instead would
    mix in-distribution and longer inputs at every position.)
    """
    metric = metric or ("token_accuracy" if "token_accuracy" in positions else "accuracy")
    require(positions, ["model", "position", "length", metric], "accuracy_by_position")
    # The legend lists only the encodings drawn; those without the length are named instead.
    groups = positions.groupby("dataset", sort=False) if "dataset" in positions else [(None, positions)]
    drawn = [m for _, f in groups
             for m in f.loc[f["length"] == (length if length is not None else f["length"].max()), "model"]]
    colors = color_scale(drawn or positions["model"])
    return style(per_dataset(positions, lambda f, d: _by_position(f, metric, colors, d, length)))


def loss_curves(history: pd.DataFrame, metric: str = "loss") -> alt.TopLevelMixin:
    """Training loss per logged step, a line per encoding, mean ± std over seeds."""
    require(history, ["model", "step", metric], "loss_curves")
    colors = color_scale(history["model"])
    return style(per_dataset(history, lambda f, d: _loss(f, metric, colors, d)))


# ---- builders for one task ----

def _task(dataset: str | None) -> str:
    return f" on the {dataset} task" if dataset else ""


def train_length(frame: pd.DataFrame) -> int | None:
    """The longest trained input length: the ``train_length`` setting, else the longest
    in-distribution ``length``. None when the frame says neither."""
    if "train_length" in frame and frame["train_length"].notna().any():
        return int(pd.to_numeric(frame["train_length"]).max())
    if {"in_distribution", "length"} <= set(frame.columns):
        inside = frame.loc[frame["in_distribution"].astype(bool), "length"]
        return int(inside.max()) if len(inside) else None
    return None


def _trained_marks(trained: int | None, start: float, label: str) -> list[alt.Chart]:
    """The trained range shaded, and a rule at its end labelled just above the plot."""
    if trained is None:
        return []
    data = pd.DataFrame([{"start": start, "end": trained, "label": label}])
    shade = alt.Chart(data).mark_rect(color=TRAINED_SHADE).encode(x="start:Q", x2="end:Q")
    rule = alt.Chart(data).mark_rule(color=MUTED, strokeDash=[6, 4], strokeWidth=1.5).encode(
        x="end:Q", tooltip=[alt.Tooltip("label:N", title="")])
    # Above the plot area, where no line can run through it.
    text = alt.Chart(data).mark_text(align="center", baseline="bottom", dy=-4, color=MUTED,
                                     fontSize=12).encode(x="end:Q", y=alt.value(0), text="label:N")
    return [shade, rule, text]


def _vs_length(frame: pd.DataFrame, metric: str, colors: alt.Scale, dataset: str | None):
    stats = band_stats(frame, "length", metric)
    trained = train_length(frame)
    longest = int(pd.to_numeric(frame["length"]).max())
    marks = _trained_marks(trained, 0.5, f"train length {trained}")
    lines = mean_band(stats, "length", "Input length (tokens)", metric, colors, LEGEND,
                      x_scale=alt.Scale(domain=[0.5, longest + 0.5], nice=False), y_scale=PERCENT,
                      panel=dataset)
    subtitle = [f"Line: {ONE_RUN}." if single_run(frame) else
                f"Line: mean over {plural(seed_count(frame), 'seed')}; band: ± 1 standard deviation.",
                "Grey area: the input lengths seen in training; right of the dashed line: longer inputs."]
    if stats["mean"].isna().any():
        missing = ", ".join(display_name(m) for m in order(stats.loc[stats["mean"].isna(), "model"]))
        subtitle.append(f"A line that stops: the encoding cannot represent inputs that long ({missing}).")
    return alt.layer(*marks, *lines).properties(
        title=title(f"{metric_label(metric)} by input length{_task(dataset)}", subtitle, offset=24))


def _in_out(frame: pd.DataFrame, metric: str, colors: alt.Scale, dataset: str | None):
    trained = train_length(frame)
    data = numeric(frame, [metric])
    if "in_distribution" not in data:
        data["in_distribution"] = data["length"] <= (trained or 0)
    inside = data["in_distribution"].astype(bool)
    longest = int(pd.to_numeric(data["length"]).max())
    in_label = f"Trained lengths (1-{trained})" if trained else "Trained lengths"
    out_label = f"Longer inputs ({trained + 1}-{longest})" if trained else "Longer inputs"
    data["inputs"] = inside.map({True: in_label, False: out_label})
    run = [c for c in ("key", "seed") if c in data][:1]
    per_run = data.groupby(["model", "inputs", *run], sort=False)[metric].mean().reset_index()
    stats = mean_std(per_run, ["model", "inputs"], metric)
    stats["label"] = stats["mean"].map(lambda v: "n/a" if pd.isna(v) else f"{100 * v:.0f}%")
    stats["text_y"] = stats["upper"].fillna(0.0).clip(upper=1.0)

    fmt, label = value_format(metric), metric_label(metric)
    names = list(colors.domain)
    # Two-word names on two lines, so "Learned absolute" and "T5 bias" never collide.
    x = alt.X("name:N", title=None, sort=names,
              axis=alt.Axis(labelAngle=0, labelFontSize=12, labelExpr="split(datum.label, ' ')"))
    offset = alt.XOffset("inputs:N", sort=[in_label, out_label])
    opacity = alt.Opacity("inputs:N", sort=[in_label, out_label], title="Inputs",
                          scale=alt.Scale(domain=[in_label, out_label], range=[1.0, 0.4]),
                          legend=alt.Legend(symbolType="square", symbolFillColor="#555555",
                                            orient="top", direction="horizontal"))
    tooltip = [alt.Tooltip("name:N", title=LEGEND), alt.Tooltip("inputs:N", title="Inputs"),
               alt.Tooltip("mean:Q", title=f"{label}, mean", format=fmt),
               alt.Tooltip("std:Q", title="Standard deviation", format=fmt),
               alt.Tooltip("runs:Q", title="Runs")]
    base = alt.Chart(stats).encode(x=x, xOffset=offset)
    bars = base.mark_bar().encode(
        y=alt.Y("mean:Q", title=label, axis=percent_axis(metric), scale=PERCENT),
        color=color_by_name(colors, LEGEND, legend=False), opacity=opacity, tooltip=tooltip)
    errors = base.mark_rule(color="#333333", strokeWidth=1.2).encode(
        y=alt.Y("lower:Q", title=label), y2="upper:Q", tooltip=tooltip)
    labels = base.mark_text(baseline="bottom", dy=-3, fontSize=11, color="#333333").encode(
        y=alt.Y("text_y:Q", title=label), text="label:N")
    subtitle = [f"Each run's {label.lower()} averaged over its input lengths"
                + (f"; {ONE_RUN}." if single_run(frame) else
                   f", then mean ± 1 standard deviation over {plural(seed_count(frame), 'seed')} "
                   "(black line)."),
                "Pale bar: inputs longer than any seen in training. n/a: the encoding cannot "
                "represent inputs that long."]
    return alt.layer(bars, errors, labels).properties(
        width=max(WIDTH, 96 * len(names)),
        title=title(f"{label}: trained lengths against longer inputs{_task(dataset)}", subtitle))


def _by_position(frame: pd.DataFrame, metric: str, colors: alt.Scale, dataset: str | None,
                 length: int | None):
    trained = train_length(frame)
    length = int(length if length is not None else pd.to_numeric(frame["length"]).max())
    shown = frame[frame["length"] == length]
    stats = band_stats(shown, "position", metric)
    # The last answer position that occurred in training (for copy, the train length).
    inside = frame[frame["in_distribution"].astype(bool)] if "in_distribution" in frame else frame.iloc[0:0]
    last_trained = int(inside["position"].max()) if len(inside) else trained
    longest = int(pd.to_numeric(shown["position"]).max()) if len(shown) else 1
    marks = _trained_marks(last_trained, 0.5, f"longest trained answer: {last_trained}")
    lines = mean_band(stats, "position", "Position in the answer (token number)", metric, colors,
                      LEGEND, x_scale=alt.Scale(domain=[0.5, longest + 0.5], nice=False),
                      y_scale=PERCENT, panel=dataset)
    subtitle = [f"Inputs of length {length}"
                + (f" (trained up to {trained})" if trained else "")
                + f": accuracy at each answer position, {mean_and_spread(shown)}.",
                "Grey area: answer positions that occurred in training."]
    absent = [display_name(m) for m in order(frame["model"]) if m not in set(shown["model"])]
    if absent:
        subtitle.append(f"Not shown, as they cannot represent inputs that long: {', '.join(absent)}.")
    return alt.layer(*marks, *lines).properties(
        title=title(f"Accuracy along the answer{_task(dataset)}", subtitle, offset=24))


def _loss(frame: pd.DataFrame, metric: str, colors: alt.Scale, dataset: str | None):
    stats = band_stats(frame, "step", metric)
    lines = mean_band(stats, "step", "Training step", metric, colors, LEGEND, panel=dataset)
    subtitle = (f"Cross-entropy on freshly drawn training examples; {mean_and_spread(frame)}. "
                "Lower is better.")
    return alt.layer(*lines).properties(
        title=title(f"{metric_label(metric)} during training{_task(dataset)}", subtitle))



# One fixed colour per RoPE scaling, "none" in RoPE's own colour.
SCALING_COLORS = {"none": "#B279A2", "pi": "#4C78A8", "ntk": "#F58518", "yarn": "#54A24B"}


def rope_scaling_vs_length(scaled: pd.DataFrame, metric: str = "token_accuracy") -> alt.TopLevelMixin:
    """The RoPE runs' ``rope_scaling`` table: ``metric`` per input length, one line per scaling
    applied at evaluation to the same trained models (mean ± std over seeds)."""
    require(scaled, ["scaling", "length", metric], "rope_scaling_vs_length")
    names = [n for n in SCALINGS if n in set(scaled["scaling"])]
    frame = scaled.assign(model=scaled["scaling"].map(SCALINGS))
    colors = alt.Scale(domain=[SCALINGS[n] for n in names], range=[SCALING_COLORS[n] for n in names])

    def build(f: pd.DataFrame, dataset: str | None):
        stats = band_stats(f, "length", metric)
        trained = train_length(f)
        longest = int(pd.to_numeric(f["length"]).max())
        marks = _trained_marks(trained, 0.5, f"train length {trained}")
        lines = mean_band(stats, "length", "Input length (tokens)", metric, colors, "RoPE scaling",
                          x_scale=alt.Scale(domain=[0.5, longest + 0.5], nice=False), y_scale=PERCENT,
                          panel=dataset)
        scale = f"{float(f['scale'].iloc[0]):.2f}" if "scale" in f else "s"
        subtitle = [f"The same trained RoPE models, their frequencies rescaled at evaluation only "
                    f"(scale {scale}: longest test example over longest trained one); {mean_and_spread(f)}.",
                    "Grey area: the input lengths seen in training."]
        return alt.layer(*marks, *lines).properties(
            title=title(f"RoPE scaling at inference: {metric_label(metric).lower()} by input length"
                        f"{_task(dataset)}", subtitle, offset=24))

    return style(per_dataset(frame, build))


def length_heatmap(lengths: pd.DataFrame, metric: str = "token_accuracy") -> alt.TopLevelMixin:
    """Trained length against tested length, one panel per encoding: each cell the ``metric``
    at that input length of the runs trained up to that length, mean over seeds; a black
    outline marks the cells inside the trained range. Built from the ``length`` tables of a
    sweep over ``train_length`` (each run's rows carry its own train length)."""
    require(lengths, ["model", "train_length", "length", metric], "length_heatmap")
    data = numeric(lengths, [metric, "train_length", "length"])
    cells = data.groupby(["model", "train_length", "length"], sort=False)[metric].agg(["mean", "count"])
    cells = cells.reset_index().rename(columns={"count": "runs"})
    cells["name"] = cells["model"].map(display_name)
    cells["trained"] = cells["length"] <= cells["train_length"]
    names = [display_name(m) for m in order(cells["model"])]
    label, fmt = metric_label(metric), value_format(metric)
    seeds = int(data.groupby(["model", "train_length", "length"])["seed"].nunique().max()) if "seed" in data else 1
    base = alt.Chart(cells).encode(
        x=alt.X("length:O", title="Tested input length", axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("train_length:O", title="Trained up to length", sort="descending"),
        tooltip=[alt.Tooltip("name:N", title=LEGEND), alt.Tooltip("train_length:O", title="Trained up to"),
                 alt.Tooltip("length:O", title="Tested at"), alt.Tooltip("mean:Q", title=label, format=fmt),
                 alt.Tooltip("runs:Q", title="Runs")])
    heat = base.mark_rect().encode(color=alt.Color(
        "mean:Q", title=label, scale=alt.Scale(domain=[0, 1], scheme="viridis"),
        legend=alt.Legend(format=".0%", orient="right")))
    trained = base.transform_filter("datum.trained").mark_rect(fill=None, stroke="black", strokeWidth=0.6)
    task = str(data["dataset"].iloc[0]) if "dataset" in data and len(data) else None
    subtitle = [f"Each row: models trained on inputs of length 1 to that length; each cell: {label.lower()} "
                f"at one tested length, {'one run' if seeds == 1 else f'mean over {seeds} seeds'}.",
                "Outlined: lengths seen in training. Bright to the right of the outline: the encoding "
                "generalises past what it was trained on."]
    # Up to three encodings in one row (two columns would leave an empty panel's axis under three).
    columns = len(names) if len(names) <= 3 else 2
    return style(alt.layer(heat, trained).properties(width=max(WIDTH // columns, 200), height=140).facet(
        facet=alt.Facet("name:N", title=None, sort=names, header=alt.Header(labelFontSize=13, labelFontWeight="bold")),
        columns=columns).properties(title=title(f"Trained length × tested length{_task(task)}", subtitle)))
