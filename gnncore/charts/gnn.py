"""Charts for the GNN arena, built from the tidy frames of :mod:`gnncore.runs`.

* :func:`learning_curves`: a metric per epoch, one line per model, mean ± std over seeds;
* :func:`final_scores`: a final metric per model, every seed (or cross-validation fold) as a
  dot, mean ± std, and the published number where the given references have one: a filled
  diamond like with like, a hollow one for a figure published under another protocol
  (:mod:`gnncore.charts.protocols`) with a grey tick at our runs scored that way;
* :func:`cost_vs_score`: milliseconds per epoch against the metric, parameters as size;
* :func:`summary_table`: the same numbers as a readable DataFrame.

Each builder takes a frame as ``runs_frame`` / ``history_frame`` give it, returns a styled
Altair chart and imports no Streamlit. Runs with a ``fold`` column (graph classification)
spread over folds, and the subtitles and tooltips say so. A frame holding several datasets gives one panel per
dataset, stacked, with the same colours.
"""

from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd

from gnncore.charts._layers import (ONE_RUN, band_stats, color_by_name, fold_count, mean_band,
                                    per_dataset, single_run, spread_over, spread_unit)
from gnncore.charts.protocols import Protocol, protocol
from gnncore.charts.published import (lookup, matching_references, ours_under_columns, ours_under_protocols,
                                      published_text)
from gnncore.charts.stats import datasets_of, mean_ci, mean_std, numeric, pm, require, sort_models
from gnncore.charts.theme import (MUTED, REFERENCE_COLOR, color_scale, display_name, metric_label, order,
                                  percent_axis, style, title, value_format)
from gnncore.protocol import Metric
from gnncore.runs import facts, kinds, metric as declared

ROW = 56  # pixels per model in final_scores


def learning_curves(history: pd.DataFrame, metric: str = "val_accuracy") -> alt.TopLevelMixin:
    """``metric`` per epoch: one line per model (mean over seeds, or folds) in a ± 1 std band."""
    require(history, ["model", "epoch", metric], "learning_curves")
    colors = color_scale(history["model"])
    return style(per_dataset(history, lambda f, d: _curves(f, metric, colors, d)))


def final_scores(runs: pd.DataFrame, metric: str = "test_accuracy",
                 references: pd.DataFrame | None = None,
                 history: pd.DataFrame | None = None, interval: bool = False) -> alt.TopLevelMixin:
    """Final ``metric`` per model: a dot per seed (or per fold), mean ± std, published mark.
    With ``interval``, the line spans the 95% confidence interval of the mean over seeds
    instead (:func:`gnncore.charts.stats.mean_ci`).

    references: published rows as :func:`gnncore.runs.references` gives them; None draws
    no published marks. history: the runs' :func:`gnncore.runs.history_frame`, to score
    our runs under the protocol of a figure published under another one (a grey tick).
    """
    require(runs, ["model", metric], "final_scores")
    refs = matching_references(runs, metric, references)
    refs = refs.merge(ours_under_protocols(refs, history, metric), on=["dataset", "model", "protocol"],
                      how="left")
    colors = color_scale(runs["model"])
    return style(per_dataset(runs, lambda f, d: _scores(f, metric, colors, refs, d, interval)))


def cost_vs_score(runs: pd.DataFrame, metric: str = "test_accuracy") -> alt.TopLevelMixin:
    """Mean ms per epoch (x) against mean ``metric`` (y), one point per model sized by parameters."""
    require(runs, ["model", "ms_per_epoch", metric], "cost_vs_score")
    colors = color_scale(runs["model"])
    return style(per_dataset(runs, lambda f, d: _cost(f, metric, colors, d)))


def summary_table(runs: pd.DataFrame, metric: str = "test_accuracy",
                  references: pd.DataFrame | None = None, also: Sequence[str] = (),
                  history: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (dataset, model): readable text columns plus numeric ones for sorting.

    Fractions are shown in percent: ``"81.5 ± 0.6"``. Columns: Dataset, Model, ``<Metric>``
    (text), ``<Metric> mean`` and ``<Metric> std`` (numbers), the same for each metric in
    ``also`` (link prediction's average precision beside its AUC), Published (and
    ``<Metric> published`` for those in ``also``; every figure for the row, like with like
    first, each caveat in words), for a figure published under another protocol and given
    the runs' ``history``, ``Ours under <who>'s protocol`` (our runs scored that way), Source,
    then the numbers the runs' engines show beside their scores (:meth:`gnncore.protocol.Facts.beside`: Best epoch,
    ms / epoch, Peak memory (MB), Parameters, Smoothness (MAD)), Runs (those whose data the
    frame has).
    """
    metrics = [metric, *[m for m in also if m != metric]]
    require(runs, ["model", *metrics], "summary_table")
    by = [c for c in ("dataset", "model") if c in runs]
    stats = mean_std(runs, by, metric)
    out = pd.DataFrame({"Dataset": stats["dataset"]} if "dataset" in stats else {})
    out["Model"] = stats["name"]
    for m in metrics:
        scale, label, pct = _percent(m)
        col = stats if m == metric else mean_std(runs, by, m)
        out[label + pct] = [pm(a, s, n, scale) for a, s, n in zip(col["mean"], col["std"], col["runs"])]
        out[f"{label} mean{pct}"] = (col["mean"] * scale).round(2)
        out[f"{label} std{pct}"] = (col["std"] * scale).round(2)

    sources = [[] for _ in range(len(stats))]
    for m in metrics:
        scale, label, pct = _percent(m)
        refs = matching_references(runs, m, references)
        published = []
        for i, row in enumerate(stats.itertuples()):
            hits = lookup(refs, getattr(row, "dataset", None), row.model)
            published.append("; ".join(published_text(hit, scale) for _, hit in hits.iterrows()))
            sources[i] += [s for s in hits["source"] if s not in sources[i]]
        if any(published):
            out[("Published" if m == metric else f"{label} published") + pct] = published
        if m == metric:
            for column, cells in ours_under_columns(stats, refs, history, metric, scale).items():
                out[column + pct] = cells
    if any(sources):
        out["Source"] = ["; ".join(s) for s in sources]

    for m in beside(runs):
        if m.name in runs:
            means = mean_std(runs, by, m.name)["mean"]
            out[m.short] = means.round(m.digits).astype("Int64") if m.digits == 0 else means.round(m.digits)
    out["Runs"] = stats["runs"].astype(int)
    if "Dataset" in out:
        first = {d: i for i, d in enumerate(datasets_of(runs))}
        out = out.sort_values("Dataset", key=lambda s: s.map(first), kind="stable")
    return out.reset_index(drop=True)


def beside(runs: pd.DataFrame) -> list[Metric]:
    """What the summary table shows after the scores, as the engines of ``runs`` declare it
    (every engine's, for a frame without a ``kind`` column)."""
    known = kinds()
    present = list(dict.fromkeys(runs["kind"].dropna())) if "kind" in runs else known
    return list(dict.fromkeys(m for k in present if k in known for m in facts(k).beside()))


def _on(dataset: str | None) -> str:
    return f" on {dataset}" if dataset else ""


def _curves(frame: pd.DataFrame, metric: str, colors: alt.Scale, dataset: str | None):
    stats = band_stats(frame, "epoch", metric)
    # Runs stopped early end at different epochs; past the point where most of a model's runs
    # have stopped, its mean would be that of the few still going and jump about.
    # (Counted from the rows present, not from the values: a missing value is a gap to keep.)
    present = frame.groupby(["model", "epoch"]).size().rename("present").reset_index()
    stats = stats.merge(present, on=["model", "epoch"], how="left")
    most = stats.groupby("model")["present"].transform("max")
    kept = stats[stats["present"] * 2 >= most].drop(columns="present")
    lines = mean_band(kept, "epoch", "Epoch", metric, colors, "Model", panel=dataset)
    subtitle = [(f"Line: {ONE_RUN}. " if single_run(frame) else
                 f"Line: mean over {spread_over(frame)}; shaded band: ± 1 standard deviation. ")
                + "Hover for the numbers."]
    if (stats["present"] < most).any():
        subtitle.append("Runs stop early at different epochs: a line ends when fewer than half "
                        "of its runs are still training.")
    return alt.layer(*lines).properties(
        title=title(f"{metric_label(metric)} during training{_on(dataset)}",
                    subtitle if len(subtitle) > 1 else subtitle[0]))


# ---- final scores ----

def _scores(frame: pd.DataFrame, metric: str, colors: alt.Scale, refs: pd.DataFrame,
            dataset: str | None, interval: bool = False):
    label, fmt = metric_label(metric), value_format(metric)
    folds = fold_count(frame) > 0
    seeds = "seed" in frame and frame["seed"].nunique() > 1
    unit = ("run (one seed on one fold)" if folds and seeds else "fold" if folds else "seed")
    dots = sort_models(numeric(frame, [metric]).dropna(subset=[metric]))
    # Deterministic jitter, spread evenly across each model's row, so dots on the same value
    # stay visible and a re-render looks the same.
    position = dots.groupby("model").cumcount()
    size = dots.groupby("model")["model"].transform("size")
    dots["jitter"] = (position + 0.5) / size - 0.5
    keep = ["model", "name", metric, "jitter"] + [c for c in ("seed", "fold", "dataset") if c in dots]
    dots = dots[keep]
    stats = (mean_ci if interval else mean_std)(frame, ["model"], metric)
    models = [display_name(m) for m in order(frame["model"])]
    # No padding between rows: each row is exactly ROW pixels, so the jitter below can
    # centre the dots on the row's line.
    y = alt.Y("name:N", title=None, sort=models,
              scale=alt.Scale(domain=models, paddingInner=0, paddingOuter=0),
              axis=alt.Axis(labelFontSize=13, labelFontWeight="bold"))
    x_axis = percent_axis(metric, [*dots[metric], *stats["lower"], *stats["upper"]])
    x_scale = alt.Scale(zero=False, padding=12)

    seed_dots = alt.Chart(dots).mark_circle(size=55, opacity=0.55).encode(
        x=alt.X(f"{metric}:Q", title=label, axis=x_axis, scale=x_scale), y=y,
        yOffset=alt.YOffset("jitter:Q",
                            scale=alt.Scale(domain=[-0.5, 0.5], range=[0.25 * ROW, 0.75 * ROW])),
        color=color_by_name(colors, legend=False),
        tooltip=[alt.Tooltip("name:N", title="Model")]
        + [alt.Tooltip(f"{c}:Q", title=c.capitalize()) for c in ("seed", "fold") if c in dots]
        + [alt.Tooltip(f"{metric}:Q", title=label, format=fmt)])
    stat_tooltip = [alt.Tooltip("name:N", title="Model"),
                    alt.Tooltip("mean:Q", title=f"{label}, mean", format=fmt),
                    alt.Tooltip("std:Q", title="Standard deviation", format=fmt),
                    *([alt.Tooltip("lower:Q", title="95% CI from", format=fmt),
                       alt.Tooltip("upper:Q", title="95% CI to", format=fmt)] if interval else []),
                    alt.Tooltip("runs:Q", title="Folds" if folds and not seeds else "Runs")]
    spread = alt.Chart(stats).mark_rule(strokeWidth=3).encode(
        x=alt.X("lower:Q", title=label, axis=x_axis, scale=x_scale), x2="upper:Q", y=y,
        color=color_by_name(colors, legend=False), tooltip=stat_tooltip)
    mean = alt.Chart(stats).mark_tick(thickness=3, size=0.45 * ROW).encode(
        x=alt.X("mean:Q", title=label, axis=x_axis, scale=x_scale), y=y,
        color=color_by_name(colors, legend=False), tooltip=stat_tooltip)
    layers = [spread, seed_dots, mean]

    subtitle = [f"Each dot is one run: {ONE_RUN}." if single_run(frame) else
                f"Each dot is one {unit}; the line spans "
                + ("the 95% confidence interval of the mean (t over seeds)" if interval
                   else "the mean ± 1 standard deviation") + ", the tick marks the mean."]
    here = refs[refs["dataset"].astype(str) == str(dataset)] if dataset is not None else refs
    here = sort_models(here[here["model"].isin(frame["model"].unique()) & here["comparable"]])
    like = here[here["like"]]
    if len(like):
        published = like[["model", "name", "mean", "std", "source"]].rename(columns={"mean": "published"})
        layers.append(alt.Chart(published).mark_point(
            shape="diamond", size=140, filled=True, color=REFERENCE_COLOR, stroke="white",
            strokeWidth=1).encode(
            x=alt.X("published:Q", title=label, axis=x_axis, scale=x_scale), y=y,
            tooltip=[alt.Tooltip("name:N", title="Model"),
                     alt.Tooltip("published:Q", title="Published", format=fmt),
                     alt.Tooltip("std:Q", title="Published std", format=fmt),
                     alt.Tooltip("source:N", title="Source")]))
        subtitle.append("Black diamond: the result published in the model's paper (hover for the source).")
    for key in dict.fromkeys(here.loc[~here["like"], "protocol"]):
        other, p = here[here["protocol"] == key], protocol(key)
        layers += _other_protocol(other, p, stats, label, fmt, x_axis, x_scale, y)
        subtitle.append(f"Hollow diamond: {p.caveat}; not like with like.")
        if other["ours_under"].notna().any():
            subtitle.append(f"Grey tick: our runs scored as {p.who} score theirs (hover for both).")
    height = ROW * len(models)
    return alt.layer(*layers).properties(
        height=height, title=title(f"{label} per model{_on(dataset)}", subtitle))


def _other_protocol(rows: pd.DataFrame, p: Protocol, stats: pd.DataFrame, label: str, fmt: str,
                    x_axis, x_scale, y) -> list[alt.Chart]:
    """A hollow diamond at each figure published under protocol ``p``, and a grey tick at
    our runs scored the same way, their tooltips saying what each number is."""
    ours = stats.set_index("model")["mean"]
    marks = rows.assign(ours=rows["model"].map(ours), caveat=p.rule)
    marks = marks.assign(gap=marks["ours_under"] - marks["ours"])
    marks = marks[["model", "name", "mean", "std", "source", "caveat", "ours", "ours_under", "gap"]].rename(
        columns={"mean": "published"})
    tooltip = [alt.Tooltip("name:N", title="Model"),
               alt.Tooltip("published:Q", title=f"Published ({p.who}'s protocol)", format=fmt),
               alt.Tooltip("std:Q", title="Published std", format=fmt),
               alt.Tooltip("source:N", title="Source"),
               alt.Tooltip("caveat:N", title=f"{p.who}'s protocol"),
               alt.Tooltip("ours:Q", title="Ours (this arena's protocol)", format=fmt)]
    if marks["ours_under"].notna().any():
        tooltip += [alt.Tooltip("ours_under:Q", title=p.column, format=fmt),
                    alt.Tooltip("gap:Q", title=f"What {p.who}'s protocol adds to ours", format="+" + fmt)]
    x = alt.X("published:Q", title=label, axis=x_axis, scale=x_scale)
    out = [alt.Chart(marks).mark_point(shape="diamond", size=140, filled=False, color=REFERENCE_COLOR,
                                       strokeWidth=2).encode(x=x, y=y, tooltip=tooltip)]
    ticks = marks.dropna(subset=["ours_under"])
    if len(ticks):
        out.append(alt.Chart(ticks).mark_tick(thickness=2, size=0.4 * ROW, color=MUTED).encode(
            x=alt.X("ours_under:Q", title=label, axis=x_axis, scale=x_scale), y=y, tooltip=tooltip))
    return out


# ---- cost against score ----

def _cost(frame: pd.DataFrame, metric: str, colors: alt.Scale, dataset: str | None):
    label, fmt = metric_label(metric), value_format(metric)
    stats = mean_std(frame, ["model"], metric)
    ms = mean_std(frame, ["model"], "ms_per_epoch")
    stats["ms"], stats["ms_std"] = ms["mean"], ms["std"]
    stats["ms_lower"], stats["ms_upper"] = ms["lower"].clip(lower=0.0), ms["upper"]
    has_params = "params" in frame
    if has_params:
        stats["params"] = mean_std(frame, ["model"], "params")["mean"].round()
    x = alt.X("ms:Q", title=metric_label("ms_per_epoch"), scale=alt.Scale(zero=True))
    y = alt.Y("mean:Q", title=label, axis=percent_axis(metric, [*stats["lower"], *stats["upper"]]),
              scale=alt.Scale(zero=False, padding=14))
    tooltip = [alt.Tooltip("name:N", title="Model"),
               alt.Tooltip("mean:Q", title=f"{label}, mean", format=fmt),
               alt.Tooltip("std:Q", title=f"{label}, std", format=fmt),
               alt.Tooltip("ms:Q", title="ms per epoch, mean", format=",.2f"),
               alt.Tooltip("ms_std:Q", title="ms per epoch, std", format=",.2f")]
    if has_params:
        tooltip.append(alt.Tooltip("params:Q", title="Parameters", format=","))
    tooltip.append(alt.Tooltip("runs:Q", title="Runs"))
    base = alt.Chart(stats)
    by_model = color_by_name(colors, legend=False)
    y_error = base.mark_rule(strokeWidth=2).encode(
        x=x, y=alt.Y("lower:Q", title=label), y2="upper:Q", color=by_model)
    x_error = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ms_lower:Q", title=metric_label("ms_per_epoch")), x2="ms_upper:Q", y=y, color=by_model)
    size = (alt.Size("params:Q", title="Parameters", scale=alt.Scale(range=[60, 700], zero=False),
                     legend=alt.Legend(format=".2~s"))  # 59k, not 59.366k
            if has_params else alt.value(160))
    points = base.mark_circle(opacity=0.55).encode(
        x=x, y=y, color=by_model, size=size, tooltip=tooltip)
    labels = base.mark_text(align="left", dx=12, dy=-10, fontWeight="bold").encode(
        x=x, y=y, text="name:N", color=by_model)
    subtitle = ["Up and to the left is better: higher score, less time per epoch.",
                ("One run each (1 seed), so no error bars" if single_run(frame) else
                 f"Lines: ± 1 standard deviation over {spread_unit(frame)}")
                + ("; point size: number of parameters." if has_params else ".")]
    return alt.layer(points, y_error, x_error, labels).properties(
        title=title(f"{label} against training time{_on(dataset)}", subtitle))


# ---- table helpers ----

def _percent(metric: str) -> tuple[float, str, str]:
    """(scale, label, unit suffix): fractions are shown in percent."""
    m = declared(metric)
    return m.scale, m.label, " (%)" if m.fraction else ""
