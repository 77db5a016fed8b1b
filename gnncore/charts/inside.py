"""Inside the trained models: what a node hears from its neighbours, and how the node
embeddings move during training. One panel per model, side by side, nodes coloured by
their true class. Frames from :mod:`gnncore.gnn.inside.neighbourhood` and
:mod:`gnncore.gnn.inside.snapshots`; no Streamlit here."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from gnncore.charts.stats import require
from gnncore.charts.theme import INK, display_name, order, style, title
from gnncore.gnn.inside.snapshots import separation
from gnncore.runs import models as models_registry

PANEL = 250            # pixels, width and height of one model's panel
MAX_POINTS = 4000      # per panel: Vega-Lite in a browser stays quick, Altair's 5000-row limit holds
NODE_KINDS = ("train", "test, right", "test, wrong", "other")
SHAPES = ("triangle-up", "circle", "cross", "circle")
SIZES = (70, 22, 60, 6)
OPACITIES = (1.0, 0.8, 1.0, 0.25)
DRAW_ORDER = (2, 1, 3, 0)   # wrong test nodes on top, the rest at the bottom


def once_per_model(frame: pd.DataFrame, within: list[str], what: str) -> None:
    """One panel per model: two runs of one model (the same seed under other settings) would
    be drawn as one, so a sentence instead."""
    twice = frame[frame.duplicated(subset=["model", *within], keep=False)]
    if len(twice):
        names = ", ".join(display_name(m) for m in order(twice["model"]))
        raise ValueError(f"{what} draws one run per model; it was given {names} more than once "
                         "(runs of one model and seed under different settings): pass one of them.")


def _grid(panels: list, spacing: int) -> alt.ConcatChart:
    """Panels in rows of at most three (four as two by two): a laptop's page is ~950 px wide."""
    n = len(panels)
    return alt.concat(*panels, columns=n if n <= 3 else 2 if n == 4 else 3, spacing=spacing)


def class_name(label) -> str:
    return f"class {int(label)}"


def _class_scale(labels) -> alt.Scale:
    domain = [class_name(c) for c in sorted({int(c) for c in labels})]
    return alt.Scale(domain=domain, scheme="tableau10")


def neighbourhood_chart(nodes: pd.DataFrame, edges: pd.DataFrame, weights: pd.DataFrame,
                        predictions: pd.DataFrame, centre: int, layer: str = "last") -> alt.TopLevelMixin:
    """The neighbourhood of ``centre`` once per model, each edge as thick as that model's
    weight on it (``layer``: each model's ``last`` layer, the one that feeds the prediction,
    or its ``first``; GAT's mean over heads), towards the node nearer the centre.

    nodes, edges: :func:`gnncore.gnn.inside.neighbourhood.neighbourhood`; weights: rows of
    ``Trained.edge_weights``; predictions: rows of ``Trained.predictions`` (one seed).
    """
    require(nodes, ["node", "hop", "label", "x", "y"], "neighbourhood_chart")
    once_per_model(predictions, ["node"], "neighbourhood_chart")
    models = order(predictions["model"])
    pos = nodes.set_index("node")
    hop = pos["hop"]
    # Each pair once, drawn as the edge into the node nearer the centre (ties: the lower id).
    into = [(s, t) if (hop[t], t) < (hop[s], s) else (t, s) for s, t in zip(edges["source"], edges["target"])]
    panels = []
    for model in models:
        w = weights[(weights["model"] == model) & (weights["head"] == 0)]
        if len(w):
            chosen = w["layer"].max() if layer == "last" else w["layer"].min()
            w = w[w["layer"] == chosen]
        lookup = {(s, t): v for s, t, v in zip(w["source"], w["target"], w["weight"])}
        rows = pd.DataFrame({
            "source": [s for s, _ in into], "target": [t for _, t in into],
            "x": [pos.at[s, "x"] for s, _ in into], "y": [pos.at[s, "y"] for s, _ in into],
            "x2": [pos.at[t, "x"] for _, t in into], "y2": [pos.at[t, "y"] for _, t in into],
            "weight": [lookup.get(e, np.nan) for e in into]})
        panels.append(_neighbourhood_panel(model, nodes, rows, predictions, centre))
    shown, total = len(nodes), nodes.attrs.get("total", len(nodes))
    cut = f" (the {shown} nearest of {total} nodes)" if total > shown else ""
    return style(_grid(panels, spacing=18).resolve_scale(color="shared", strokeWidth="shared").properties(
        title=title(f"What node {centre} hears from its neighbours",
                    [f"Its {int(hop.max())}-hop neighbourhood{cut}, coloured by true class; the ringed node "
                     f"is {centre}.", "Each edge is as thick as the weight the model puts on it "
                     f"({'in the layer that feeds the prediction' if layer == 'last' else 'in the first layer'}"
                     ")."])))


def _neighbourhood_panel(model: str, nodes: pd.DataFrame, rows: pd.DataFrame, predictions: pd.DataFrame,
                         centre: int) -> alt.LayerChart:
    axis = dict(axis=None, scale=alt.Scale(zero=False, padding=14))
    has_weights = rows["weight"].notna().any()
    edge = alt.Chart(rows if has_weights else rows.assign(weight=0.0)).mark_rule(color="#555555").encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis), x2="x2:Q", y2="y2:Q",
        strokeWidth=alt.StrokeWidth("weight:Q", title="Edge weight", scale=alt.Scale(range=[0.3, 6])),
        opacity=alt.value(0.75 if has_weights else 0.25),
        tooltip=[alt.Tooltip("source:Q", title="From node"), alt.Tooltip("target:Q", title="Into node"),
                 alt.Tooltip("weight:Q", title="Weight", format=".3f")])
    if not has_weights:
        edge = edge.encode(strokeWidth=alt.value(0.6))
    mine = predictions[predictions["model"] == model].set_index("node")
    data = nodes.assign(true_class=[class_name(c) for c in nodes["label"]],
                        predicted=[class_name(mine.at[n, "predicted"]) for n in nodes["node"]],
                        confidence=[float(mine.at[n, "confidence"]) for n in nodes["node"]],
                        centre=nodes["node"] == centre)
    dots = alt.Chart(data).mark_circle(opacity=1, stroke="white", strokeWidth=1).encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis),
        color=alt.Color("true_class:N", title="True class", scale=_class_scale(nodes["label"])),
        size=alt.condition("datum.centre", alt.value(260), alt.value(70)),
        tooltip=[alt.Tooltip("node:Q", title="Node"), alt.Tooltip("true_class:N", title="True class"),
                 alt.Tooltip("hop:Q", title="Hops from the centre"), alt.Tooltip("degree:Q", title="Degree"),
                 alt.Tooltip("predicted:N", title=f"{display_name(model)} predicts"),
                 alt.Tooltip("confidence:Q", title="with probability", format=".2f")])
    ring = alt.Chart(data[data["centre"]]).mark_point(size=520, color=INK, strokeWidth=2.5).encode(
        x=alt.X("x:Q", **axis), y=alt.Y("y:Q", **axis))
    at = mine.loc[centre]
    right = int(at["predicted"]) == int(at["label"])
    heading = (f"{display_name(model)}: {class_name(at['predicted'])} ({at['confidence']:.0%}), "
               f"{'right' if right else 'wrong'}")
    return alt.layer(edge, dots, ring).properties(
        width=PANEL, height=PANEL,
        title=alt.TitleParams(heading, fontSize=13, color=INK if right else "#B22222", anchor="middle",
                              subtitle="" if has_weights else "hears no neighbours", subtitleFontSize=11))


def incoming_weights_chart(weights: pd.DataFrame, labels: pd.Series, centre: int,
                           layer: str = "last") -> alt.TopLevelMixin:
    """The weight of every edge into ``centre`` (``labels``: true class by node), one panel per
    model: a bar per neighbour and one for the node itself; GAT's heads as ticks around their
    mean."""
    require(weights, ["model", "layer", "head", "term", "source", "target", "weight"], "incoming_weights_chart")
    into = weights[weights["target"] == centre]
    models = order(into["model"])
    picked = []
    for model in models:
        w = into[into["model"] == model]
        chosen = w["layer"].max() if layer == "last" else w["layer"].min()
        picked.append(w[w["layer"] == chosen])
    data = pd.concat(picked, ignore_index=True) if picked else into
    data = data.assign(
        model_label=[display_name(m) for m in data["model"]],
        who=[f"{s} (itself)" if t == "self" else str(s) for s, t in zip(data["source"], data["term"])],
        true_class=[class_name(labels[s]) for s in data["source"]])
    # The node itself first, then its neighbours by id.
    who_order = list(dict.fromkeys(w for _, w in sorted(zip(data["term"] != "self", data["who"]),
                                                        key=lambda k: (k[0], len(k[1]), k[1]))))
    y = alt.Y("who:N", title="From node", sort=who_order, axis=alt.Axis(labelLimit=120))
    x = alt.X("weight:Q", title="Weight on the edge into the node")
    color = alt.Color("true_class:N", title="True class", scale=_class_scale(labels))
    tooltip = [alt.Tooltip("who:N", title="From node"), alt.Tooltip("true_class:N", title="Its class"),
               alt.Tooltip("weight:Q", title="Weight", format=".3f"), alt.Tooltip("head:Q", title="Head (0: mean)")]
    panels = []
    for model in models:
        mine = data[data["model_label"] == display_name(model)]
        bars = alt.Chart(mine[mine["head"] == 0]).mark_bar().encode(x=x, y=y, color=color, tooltip=tooltip)
        layers = [bars]
        if (mine["head"] > 0).any():
            layers.append(alt.Chart(mine[mine["head"] > 0]).mark_tick(color=INK, thickness=1.5, size=12)
                          .encode(x=x, y=y, tooltip=tooltip))
        panels.append(alt.layer(*layers).properties(
            width=PANEL - 60, height=max(60, 18 * len(who_order)),
            title=alt.TitleParams(display_name(model), fontSize=13, anchor="middle")))
    notes = [f"{display_name(m)}: {hears(m)}" for m in models if hears(m)]
    if (data["head"] > 0).any():
        notes.append("Ticks: each attention head on its own; the bar is their mean.")
    return style(_grid(panels, spacing=14).resolve_scale(y="shared").properties(
        title=title(f"The weights on the edges into node {centre}", notes or None)))


def hears(model: str) -> str:
    """How the architecture weighs its neighbours, in a sentence (its registry entry's ``hears``)."""
    return getattr(models_registry().get(model), "hears", "")


def embedding_chart(frame: pd.DataFrame, epoch: int, explained: dict | None = None) -> alt.TopLevelMixin:
    """The nodes' last hidden layer at ``epoch`` in 2-D, one panel per model (its own axes,
    fixed over the epochs so that the frames compare), coloured by true class, shaped by
    training node, test node predicted right or wrong, other.

    frame: :func:`gnncore.gnn.inside.snapshots.embeddings_frame` rows of one seed, every epoch.
    explained: by model, the share of the final variance the two axes keep.
    """
    require(frame, ["model", "epoch", "node", "x", "y", "label", "split", "predicted"], "embedding_chart")
    once_per_model(frame, ["epoch", "node"], "embedding_chart")
    models = order(frame["model"])
    panels = []
    for model in models:
        runs = frame[frame["model"] == model]
        epochs = sorted(runs["epoch"].unique())
        at = max([e for e in epochs if e <= epoch] or epochs[:1])
        now = _thin(runs[runs["epoch"] == at])
        right = now["predicted"] == now["label"]
        kind = np.where(now["split"] == "train", "train",
                        np.where(now["split"] == "test", np.where(right, "test, right", "test, wrong"), "other"))
        look = {k: i for i, k in enumerate(NODE_KINDS)}
        data = now.assign(kind=kind, true_class=[class_name(c) for c in now["label"]],
                          predicted_class=[class_name(c) for c in now["predicted"]],
                          # Not encoded by ``kind`` itself: Vega-Lite would merge these legends into the shape's.
                          dot=[SIZES[look[k]] for k in kind], alpha=[OPACITIES[look[k]] for k in kind],
                          layer=[DRAW_ORDER[look[k]] for k in kind])
        data = data[["node", "x", "y", "kind", "true_class", "predicted_class", "split", "dot", "alpha", "layer"]]
        x = alt.X("x:Q", title="PC 1", scale=alt.Scale(domain=_padded(runs["x"])),
                  axis=alt.Axis(labels=False, ticks=False, grid=False))
        y = alt.Y("y:Q", title="PC 2", scale=alt.Scale(domain=_padded(runs["y"])),
                  axis=alt.Axis(labels=False, ticks=False, grid=False))
        points = alt.Chart(data).mark_point(filled=True, clip=True).encode(
            x=x, y=y,
            color=alt.Color("true_class:N", title="True class", scale=_class_scale(frame["label"])),
            shape=alt.Shape("kind:N", title="Node", scale=alt.Scale(domain=list(NODE_KINDS), range=list(SHAPES))),
            size=alt.Size("dot:Q", scale=None, legend=None),
            opacity=alt.Opacity("alpha:Q", scale=None, legend=None),
            order=alt.Order("layer:Q"),
            tooltip=[alt.Tooltip("node:Q", title="Node"), alt.Tooltip("true_class:N", title="True class"),
                     alt.Tooltip("predicted_class:N", title="Predicted"), alt.Tooltip("split:N", title="Split")])
        test = now[now["split"] == "test"]
        notes = [f"{separation(test[['x', 'y']].to_numpy(), test['label'].to_numpy()):.0%} of test nodes sit "
                 "among their own class (5-NN)"]
        if explained and model in explained:
            notes.append(f"the two axes keep {explained[model]:.0%} of the final variance")
        panels.append(points.properties(width=PANEL, height=PANEL, title=alt.TitleParams(
            f"{display_name(model)}, epoch {at}", subtitle=notes, fontSize=13, anchor="middle",
            subtitleFontSize=11)))
    return style(_grid(panels, spacing=14).resolve_scale(x="independent", y="independent").properties(
        title=title(f"How the node embeddings move: epoch {epoch}",
                    ["Each node's last hidden layer, on the two main axes of its final epoch (PCA), "
                     "each frame scaled to the same spread.",
                     "One basis per run: a model's frames compare with each other, panels do not.",
                     "Colour: true class. Triangles: training nodes; dots: test nodes; crosses: test "
                     "nodes it gets wrong."])))


def _padded(values: pd.Series) -> list[float]:
    """The middle 99% of every frame's values, padded: a few far-out nodes (clipped at the
    edge) would otherwise squeeze the rest into a corner."""
    lo, hi = (float(q) for q in values.quantile([0.005, 0.995]))
    return [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)]


def _thin(frame: pd.DataFrame) -> pd.DataFrame:
    """At most MAX_POINTS nodes: every training node, then a fixed sample of the test nodes,
    then of the rest (the same nodes in every frame)."""
    if len(frame) <= MAX_POINTS:
        return frame
    kept = [frame[frame["split"] == "train"]]
    for part in (frame[frame["split"] == "test"], frame[~frame["split"].isin(["train", "test"])]):
        room = max(0, MAX_POINTS - sum(len(k) for k in kept))
        kept.append(part.sample(min(room, len(part)), random_state=0))
    return pd.concat(kept).sort_values("node")
