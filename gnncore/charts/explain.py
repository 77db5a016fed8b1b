"""Why a model predicted what it did: each explainer's edge importances drawn on the
neighbourhood the inside view draws (same layout, target ringed, nodes coloured by class),
the features' importance as bars, and the explainers' scores with their spread over seeds.

Frames: nodes and edges from :func:`gnncore.gnn.inside.neighbourhood.neighbourhood`, masks
with :data:`gnncore.gnn.explain.engine.MASK_COLUMNS` plus ``model`` and ``explainer``, scores
one row per run (``gnncore.runs.runs_frame`` of explain runs). No Streamlit here.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from gnncore.charts.inside import PANEL, _class_scale, _grid, class_name
from gnncore.charts.stats import mean_std, require
from gnncore.charts.theme import INK, display_name, order, style, title
from gnncore.gnn.explain.explainers import EXPLAINERS

__all__ = ["feature_chart", "mask_chart", "scores_chart"]


def _label(explainer: str) -> str:
    return EXPLAINERS[explainer].label if explainer in EXPLAINERS else explainer


def _explainer_scale(names) -> alt.Scale:
    names = [n for n in EXPLAINERS if n in set(names)]
    return alt.Scale(domain=[_label(n) for n in names], range=[EXPLAINERS[n].color for n in names])


def mask_chart(nodes: pd.DataFrame, edges: pd.DataFrame, masks: pd.DataFrame, centre: int | None,
               heading: str | None = None) -> alt.TopLevelMixin:
    """One panel per model and explainer (rows: models, columns: explainers): every edge of the
    neighbourhood as thick and dark as the explainer's importance for ``centre``'s prediction
    (None: the whole graph's), scaled to the panel's largest; a planted motif's edges dashed
    where the masks know them. ``nodes`` may carry ``text`` (an atom type): drawn on each
    node and coloured by it."""
    require(nodes, ["node", "label", "x", "y"], "mask_chart")
    require(masks, ["model", "explainer", "source", "target", "importance"], "mask_chart")
    pos = nodes.set_index("node")
    panels = []
    for model in order(masks["model"]):
        mine = masks[masks["model"] == model]
        for explainer in [e for e in EXPLAINERS if e in set(mine["explainer"])]:
            panels.append(_mask_panel(model, explainer, mine[mine["explainer"] == explainer], nodes, edges, pos,
                                      centre))
    columns = max(1, masks.groupby("model")["explainer"].nunique().max())
    grid = alt.concat(*panels, columns=int(columns), spacing=14) if len(panels) > 3 else _grid(panels, 14)
    return style(grid.resolve_scale(color="shared", strokeWidth="shared").properties(
        title=title(heading or f"Why node {centre} got its prediction",
                    ["Each edge is as thick as its importance to the explainer (scaled to each panel's largest); "
                     + (f"the ringed node is {centre}, colours are true classes." if centre is not None
                        else "colours are atom types." if "text" in nodes else "colours are node classes."),
                     *(["Dashed: an edge of the planted motif (the ground truth)."]
                       if "ground_truth" in masks and masks["ground_truth"].notna().any() else [])])))


def _mask_panel(model, explainer, masks, nodes, edges, pos, centre) -> alt.LayerChart:
    axis = dict(axis=None, scale=alt.Scale(zero=False, padding=14))
    # Both directions of an edge: the larger importance, on the pair drawn once.
    key = [tuple(sorted(p)) for p in zip(masks["source"], masks["target"])]
    weight = pd.Series(masks["importance"].abs().to_numpy(), index=key).groupby(level=0).max()
    truth = (pd.Series(masks["ground_truth"].to_numpy(), index=key).groupby(level=0).max()
             if "ground_truth" in masks and masks["ground_truth"].notna().any() else None)
    top = float(weight.max()) if len(weight) and weight.max() > 0 else 1.0
    pairs = [(int(s), int(t)) for s, t in zip(edges["source"], edges["target"])]
    rows = pd.DataFrame({
        "source": [s for s, _ in pairs], "target": [t for _, t in pairs],
        "x": [pos.at[s, "x"] for s, _ in pairs], "y": [pos.at[s, "y"] for s, _ in pairs],
        "x2": [pos.at[t, "x"] for _, t in pairs], "y2": [pos.at[t, "y"] for _, t in pairs],
        "importance": [float(weight.get(p, 0.0)) / top for p in pairs],
        "motif": [bool(truth.get(p, 0)) if truth is not None else False for p in pairs]})
    edge = alt.Chart(rows).mark_rule(color=INK).encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis), x2="x2:Q", y2="y2:Q",
        strokeWidth=alt.StrokeWidth("importance:Q", title="Importance", scale=alt.Scale(domain=[0, 1], range=[0.3, 6])),
        opacity=alt.Opacity("importance:Q", scale=alt.Scale(domain=[0, 1], range=[0.15, 0.95]), legend=None),
        strokeDash=alt.condition("datum.motif", alt.value([4, 2]), alt.value([1, 0])),
        tooltip=[alt.Tooltip("source:Q", title="From node"), alt.Tooltip("target:Q", title="To node"),
                 alt.Tooltip("importance:Q", title="Importance (of the largest)", format=".2f")])
    atoms = "text" in nodes
    data = nodes.assign(true_class=nodes["text"] if atoms else [class_name(c) for c in nodes["label"]],
                        centre=nodes["node"] == centre)
    dots = alt.Chart(data).mark_circle(opacity=1, stroke="white", strokeWidth=1).encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis),
        color=alt.Color("true_class:N", title="Atom" if atoms else "True class",
                        scale=alt.Scale(scheme="set2") if atoms else _class_scale(nodes["label"])),
        size=alt.condition("datum.centre", alt.value(240), alt.value(170 if atoms else 70)),
        tooltip=[alt.Tooltip("node:Q", title="Node"), alt.Tooltip("true_class:N", title="True class")]
        + ([alt.Tooltip("text:N", title="Atom")] if "text" in data else []))
    ring = alt.Chart(data[data["centre"]]).mark_point(size=480, color=INK, strokeWidth=2.5).encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis))
    layers = [edge, dots, ring]
    if "text" in data:
        layers.append(alt.Chart(data).mark_text(fontSize=10, fontWeight="bold", color="white").encode(
            x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis), text="text:N"))
    return alt.layer(*layers).properties(
        width=PANEL * 0.8, height=PANEL * 0.8,
        title=alt.TitleParams(f"{display_name(model)} · {_label(explainer)}" if model else _label(explainer),
                              fontSize=12, color=INK,
                              anchor="middle"))


def feature_chart(features: pd.DataFrame, top: int = 10, names: dict | None = None) -> alt.TopLevelMixin:
    """The ``top`` features by importance, one panel per model, a bar per explainer
    (``model, explainer, feature, importance``; each explainer scaled to its largest)."""
    require(features, ["model", "explainer", "feature", "importance"], "feature_chart")
    frame = features.copy()
    frame["share"] = frame["importance"] / frame.groupby(["model", "explainer"])["importance"].transform("max")
    frame["share"] = frame["share"].fillna(0.0)
    frame["name"] = [names.get(int(f), f"feature {int(f)}") if names else f"feature {int(f)}" for f in frame["feature"]]
    frame["explainer_label"] = frame["explainer"].map(_label)
    panels = []
    for model in order(frame["model"]):
        mine = frame[frame["model"] == model]
        ranked = mine.groupby("name")["share"].mean().sort_values(ascending=False).index[:top].tolist()
        panels.append(alt.Chart(mine[mine["name"].isin(ranked)]).mark_bar().encode(
            y=alt.Y("name:N", sort=ranked, title=None),
            yOffset=alt.YOffset("explainer_label:N"),
            x=alt.X("share:Q", title="Importance (of the largest)", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("explainer_label:N", title="Explainer", scale=_explainer_scale(frame["explainer"])),
            tooltip=["name:N", alt.Tooltip("explainer_label:N", title="Explainer"),
                     alt.Tooltip("share:Q", format=".2f", title="Importance")],
        ).properties(width=PANEL, title=display_name(model)))
    return style(_grid(panels, 24).properties(title=title("Which input features the prediction leans on")))


def scores_chart(runs: pd.DataFrame, metrics: list[str]) -> alt.TopLevelMixin:
    """Each explainer's mean score with the spread over seeds (mean ± one standard deviation),
    one panel per metric, a row per model and explainer."""
    require(runs, ["model", "explainer", "seed", *metrics], "scores_chart")
    rows = []
    for metric in metrics:
        stats = mean_std(runs, ["model", "explainer"], metric)
        rows.append(stats.assign(metric=metric))
    frame = pd.concat(rows, ignore_index=True).dropna(subset=["mean"])
    frame["who"] = [f"{display_name(m)} · {_label(e)}" for m, e in zip(frame["model"], frame["explainer"])]
    frame["explainer_label"] = frame["explainer"].map(_label)
    from gnncore.runs import metric as declared
    panels = []
    for metric in [m for m in metrics if m in set(frame["metric"])]:
        part = frame[frame["metric"] == metric]
        base = alt.Chart(part).encode(y=alt.Y("who:N", title=None, sort=None))
        bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("lower:Q", title=declared(metric).label,
                                                            scale=alt.Scale(domain=[0, 1])), x2="upper:Q",
                                                    color=alt.Color("explainer_label:N", title="Explainer",
                                                                    scale=_explainer_scale(frame["explainer"])))
        dots = base.mark_point(filled=True, size=60).encode(
            x="mean:Q", color=alt.Color("explainer_label:N", scale=_explainer_scale(frame["explainer"])),
            tooltip=["who:N", alt.Tooltip("mean:Q", format=".3f"), alt.Tooltip("std:Q", format=".3f"), "runs:Q"])
        panels.append((bars + dots).properties(width=PANEL * 0.9))
    return style(_grid(panels, 20).properties(title=title(
        "How faithful each explainer is", "Mean over the seeds (each seed's mean over its explained nodes), "
        "the line one standard deviation either side.")))
