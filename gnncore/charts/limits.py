"""Where message passing fails: the 1-WL colour refinement of a pair of graphs, round by
round, and how far apart trained models embed the two graphs. Frames from
:mod:`gnncore.gnn.inside.wl` and :mod:`gnncore.gnn.inside.pair_embeddings`; no Streamlit here."""

from __future__ import annotations

import altair as alt
import pandas as pd

from gnncore.charts.stats import require
from gnncore.charts.theme import INK, display_name, style, title

PANEL = 170  # pixels, one graph at one round
MAX_ROUNDS = 4


def wl_chart(nodes: pd.DataFrame, edges: pd.DataFrame, verdict: str, rounds: int = MAX_ROUNDS) -> alt.TopLevelMixin:
    """One row per graph, one column per round of colour refinement, from round 0 (every
    node alike) to ``rounds`` at most; a node's colour is its 1-WL colour,
    shared between the graphs, so equal colours mean nodes 1-WL cannot tell apart.

    nodes: :data:`gnncore.gnn.inside.wl.COLUMNS`; edges: ``wl.edges_frame``."""
    require(nodes, ["graph", "round", "node", "colour", "x", "y"], "wl_chart")
    require(edges, ["graph", "x", "y", "x2", "y2"], "wl_chart")
    shown = sorted(nodes["round"].unique())[:rounds + 1]
    graphs = list(dict.fromkeys(nodes["graph"]))
    colours = sorted(nodes["colour"].unique())
    scale = alt.Scale(domain=colours, scheme="category20" if len(colours) > 10 else "tableau10")
    rows = []
    for g in graphs:
        panels = []
        for r in shown:
            at = nodes[(nodes["round"] == r) & (nodes["graph"] == g)]
            lines = alt.Chart(edges[edges["graph"] == g]).mark_rule(color=INK, opacity=0.35).encode(
                x=alt.X("x:Q", axis=None), y=alt.Y("y:Q", axis=None), x2="x2:Q", y2="y2:Q")
            points = alt.Chart(at).mark_circle(size=90, opacity=1, stroke=INK, strokeWidth=0.6).encode(
                x="x:Q", y="y:Q",
                color=alt.Color("colour:N", scale=scale, legend=None),
                tooltip=[alt.Tooltip("graph:N"), alt.Tooltip("node:Q"), alt.Tooltip("round:Q"),
                         alt.Tooltip("colour:N", title="1-WL colour")])
            panels.append(alt.layer(lines, points).properties(
                width=PANEL, height=PANEL, title=f"{g}, round {r}"))
        rows.append(alt.hconcat(*panels, spacing=16))
    width = len(shown) * (PANEL + 16)
    chart = alt.vconcat(*rows, spacing=16).properties(
        title=title("1-WL colour refinement, round by round", verdict, width=max(width, 2 * PANEL)))
    return style(chart)


def distance_chart(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """How far apart each trained model puts the pair's two graphs (Euclidean distance of
    their pooled embeddings over their mean norm, so models of other scales compare), by model and graph encoding, one tick per fold and the mean as
    a bar: zero for message passing on constant features, above it with an encoding.

    frame: :data:`gnncore.gnn.inside.pair_embeddings.COLUMNS`."""
    require(frame, ["model", "graph_encoding", "fold", "relative", "distance"], "distance_chart")
    data = frame.assign(Model=frame["model"].map(display_name))
    base = alt.Chart(data).encode(
        y=alt.Y("Model:N", title=None, sort=list(dict.fromkeys(data["Model"]))),
        color=alt.Color("graph_encoding:N", title="Graph encoding",
                        scale=alt.Scale(domain=["none", "laplacian", "random-walk"], scheme="tableau10")),
        yOffset="graph_encoding:N")
    bars = base.mark_bar(opacity=0.6).encode(
        x=alt.X("mean(relative):Q", title="Distance between the two graphs' embeddings / their norm"))
    ticks = base.mark_tick(color=INK, thickness=1.5).encode(
        x="relative:Q", tooltip=["Model:N", "graph_encoding:N", "fold:Q", alt.Tooltip("distance:Q", format=".4f"),
                                 alt.Tooltip("relative:Q", format=".4f")])
    pair = str(frame["pair"].iloc[0]) if "pair" in frame and len(frame) else "the pair"
    return style(alt.layer(bars, ticks).properties(
        width=420, title=title("Trained models' embeddings of the pair",
                               f"{pair}: the distance between the two graphs' pooled embeddings over "
                               "their mean norm, one tick per fold's model, the bar their mean.")))
