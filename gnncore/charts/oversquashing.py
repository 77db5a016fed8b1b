"""Over-squashing's chart: training accuracy on Tree-NeighborsMatch against the tree depth r.

:func:`oversquashing_chart` takes one row per run (``gnncore.runs.runs_frame`` of NeighborsMatch
runs: ``model``, ``tree_depth``, ``train_accuracy``, ``seed`` and, where it was on,
``fully_adjacent``) and draws one panel per last layer (the tree's own edges; fully
adjacent), each with a line per model (mean over seeds in a ± 1 std band, every seed a
dot, as the sweep chart draws them) and chance, 1 / 2^r, dashed. ``references``
(columns model, tree_depth, fully_adjacent, mean, source) become black diamonds; pass only
figures checked in the paper.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from gnncore.charts.stats import require
from gnncore.charts.sweep import _panel, _x
from gnncore.charts.theme import MUTED, color_scale, style, title

__all__ = ["LAST_LAYER", "oversquashing_chart", "tidy"]

KNOB, METRIC = "tree_depth", "train_accuracy"
PANEL_WIDTH = 330  # two panels side by side in a page's main column
LAST_LAYER = {False: "Last layer over the tree's edges", True: "Fully-adjacent last layer"}


def tidy(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` with ``fully_adjacent`` a plain bool (a run without the setting had it off)."""
    fa = runs["fully_adjacent"] if "fully_adjacent" in runs else pd.Series(False, index=runs.index)
    return runs.assign(fully_adjacent=fa.fillna(False).astype(bool))


def oversquashing_chart(runs: pd.DataFrame, references: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    """Training accuracy against tree depth, a panel per last layer present in ``runs``."""
    require(runs, ["model", KNOB, METRIC], "oversquashing_chart")
    frame = tidy(runs)
    refs = tidy(references) if references is not None and len(references) else None
    colors = color_scale(frame["model"])
    panels = []
    for fa in sorted(frame["fully_adjacent"].unique()):
        part = frame[frame["fully_adjacent"] == fa]
        x_kind, x_enc = _x(part, KNOB, "Tree depth r (the model has r + 1 layers)")
        marks = refs[refs["fully_adjacent"] == fa] if refs is not None else None
        chart = _panel(part, KNOB, METRIC, colors, x_enc, x_kind, marks)
        depths = sorted(pd.to_numeric(part[KNOB]).unique())
        chance = alt.Chart(pd.DataFrame({KNOB: depths, "chance": [2.0 ** -d for d in depths]})).mark_line(
            strokeDash=[4, 3], color=MUTED, strokeWidth=1.2).encode(
            x=x_enc(), y="chance:Q", tooltip=[alt.Tooltip(f"{KNOB}:Q", title="Depth"),
                                              alt.Tooltip("chance:Q", title="Chance", format=".1%")])
        panels.append(alt.layer(chart, chance).properties(title=title(LAST_LAYER[bool(fa)]), width=PANEL_WIDTH))
    subtitle = ["Training accuracy at the epoch that fits the training trees best: a line per model "
                "(mean over seeds, ± 1 std band), a dot per run; dashed: chance (1 / 2^r)."]
    if refs is not None and len(refs):
        subtitle.append("Black diamond: the paper's figure at that depth.")
    top = alt.hconcat(*panels, spacing=28).resolve_scale(color="shared", y="shared")
    return style(top.properties(title=title("Tree-NeighborsMatch: can the root hear every leaf?", subtitle,
                                            width=2 * PANEL_WIDTH + 80)))
