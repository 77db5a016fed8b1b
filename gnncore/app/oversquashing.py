"""The over-squashing section: Tree-NeighborsMatch by depth, with and without a fully-adjacent
last layer (Alon & Yahav 2021), trained through the same job runner and run store as the arena.

:func:`render` draws the whole section (its inputs, the Train button and progress, the chart
and the table) wherever a page calls it; every run is an ordinary graph-task run of the
``NeighborsMatch`` dataset, so the CLI's ``gnn --task graph --dataset NeighborsMatch`` reads
the same stored results.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from gnncore import runs
from gnncore.app.choice import Choice
from gnncore.app.training import open_request, train_controls
from gnncore.charts.oversquashing import LAST_LAYER, oversquashing_chart, tidy
from gnncore.charts._layers import plural
from gnncore.charts.theme import display_name
from gnncore.gnn.data.trees import NAME, TREE_DEPTH, TREES
from gnncore.gnn.tasks.settings import EPOCHS, FULLY_ADJACENT

__all__ = ["CPU_BATCH", "CPU_EPOCHS", "CPU_LR", "CPU_TREES", "DepthChoice", "render"]

KIND = "graph"
DEPTHS = tuple(range(int(TREE_DEPTH.low), 7))  # r = 2..6 on a CPU; the paper goes to 8
# What a CPU trains in minutes (the paper: up to 32,000 trees, 64 or 1,024 per batch, lr
# 0.001, up to 50,000 epochs): 1,600 trees per depth, 64 per batch, lr 0.005, at most 80
# epochs. The larger step makes up for the fewer epochs; with 400 trees every model
# memorised them up to r = 4. The measurements are in docs/decisions.md (Tree-NeighborsMatch
# on a CPU).
CPU_TREES, CPU_BATCH, CPU_LR, CPU_EPOCHS = 1600, 64, 0.005, 80
DEFAULT_DEPTHS = [2, 3, 4]  # r = 4 is where the models part (about 10 minutes on a busy 2-core machine)


@dataclass
class DepthChoice(Choice):
    """The section's request: ``models`` x ``seeds`` at every depth of ``depths``, with the
    tree's own last layer and, with ``both_last_layers``, a fully-adjacent one too."""

    depths: list[int] = field(default_factory=list)
    both_last_layers: bool = False

    def specs(self):
        last = [{}, {FULLY_ADJACENT.name: True}] if self.both_last_layers else [{}]
        return [spec for depth in self.depths for extra in last
                for spec in runs.grid(self.kind, self.dataset, self.models, self.seeds,
                                      **self.settings, **extra, **{TREE_DEPTH.name: depth})]


def message_passing_models() -> list[str]:
    """The graph task's models that pass messages (the fully-adjacent layer needs edges)."""
    return [name for name, arch in runs.facts(KIND).models.items() if arch.uses_graph]


def inputs(key: str) -> DepthChoice:
    """The section's widgets, in two rows; the request they make."""
    models = message_passing_models()
    a, b, c = st.columns([3, 3, 1])
    chosen = a.multiselect("Models", models, default=[m for m in ("gcn", "gin", "gat") if m in models],
                           format_func=display_name, key=f"{key}:models")
    depths = b.multiselect("Tree depths r", list(DEPTHS), default=DEFAULT_DEPTHS, key=f"{key}:depths",
                           help=TREE_DEPTH.help)
    seeds = c.number_input("Seeds", 1, 10, 3, key=f"{key}:seeds")
    d, e, f = st.columns([3, 2, 2])
    both = d.toggle("Also with a fully-adjacent last layer", key=f"{key}:fa", help=FULLY_ADJACENT.help)
    trees = e.number_input(TREES.label, int(TREES.low), int(TREES.high), CPU_TREES, step=100,
                           key=f"{key}:trees", help=TREES.help)
    epochs = f.number_input(EPOCHS.label, 1, int(EPOCHS.high), CPU_EPOCHS, step=10, key=f"{key}:epochs",
                            help="At most this many epochs; a run stops sooner once it fits every "
                                 "training tree, or after 20 epochs without a better fit.")
    settings = {TREES.name: int(trees), "epochs": int(epochs), "batch_size": CPU_BATCH, "lr": CPU_LR}
    runs_n = len(chosen) * len(depths) * int(seeds) * (2 if both else 1)
    return DepthChoice(KIND, NAME, chosen, int(seeds), settings, depths=sorted(depths), both_last_layers=both,
                       summary=f"{plural(runs_n, 'run')}: {plural(len(chosen), 'model')} x "
                               f"{plural(len(depths), 'depth')} x {plural(int(seeds), 'seed')}"
                               + (" x 2 last layers" if both else ""))


def frame(results) -> pd.DataFrame:
    """One row per finished run, as the chart takes it."""
    return tidy(runs.runs_frame(results)) if results else pd.DataFrame()


def table(data: pd.DataFrame) -> pd.DataFrame:
    """Training accuracy (%) by model and last layer (rows) and depth (columns): mean ± std."""
    stats = (data.assign(train=100 * data["train_accuracy"])
             .groupby(["model", "fully_adjacent", "tree_depth"], sort=False)["train"].agg(["mean", "std", "count"]))
    cells = stats.apply(lambda s: f"{s['mean']:.1f} ± {0 if pd.isna(s['std']) else s['std']:.1f}", axis=1)
    out = cells.unstack("tree_depth").reset_index()
    out["model"] = out["model"].map(display_name)
    out["fully_adjacent"] = out["fully_adjacent"].map(LAST_LAYER)
    return out.rename(columns={"model": "Model", "fully_adjacent": "Last layer",
                               **{d: f"r = {d}" for d in DEPTHS}})


def render(key: str = "oversquashing") -> None:
    """The over-squashing section: inputs, training, chart and table."""
    st.subheader("Over-squashing: Tree-NeighborsMatch")
    st.markdown(
        "Each example is a binary tree of depth r whose edges point to the root. Every leaf holds a key "
        "and a label; the root asks for one key. The model (r + 1 layers, enough to reach every leaf) must "
        "answer with that leaf's label at the root, so all 2^r leaves squeeze through ever fewer nodes: "
        "**over-squashing** (Alon & Yahav 2021). The measure is **training accuracy**: can the model fit "
        "the training trees at all? A fully-adjacent last layer joins every pair of nodes, so nothing "
        "has to squeeze.")
    choice = inputs(key)
    if not choice.models or not choice.depths:
        st.info("Choose at least one model and one depth.")
        return
    st.markdown(f"**{choice.summary}**")
    request = open_request(choice)
    if request.error:
        st.error(request.error)
        return
    drawn = train_controls(request, results=lambda: _results(request.results), key=f"{key}:train")
    if not drawn:
        _results(request.results)
    st.caption(f"Protocol on a CPU: at most {choice.settings[TREES.name]:,} trees per depth (80% train), "
               f"{CPU_BATCH} per batch, learning rate {CPU_LR}, up to {choice.settings['epochs']} epochs. The "
               "paper generates up to 32,000 trees and trains at 0.001 for up to 50,000 epochs on a GPU, so "
               "deep trees here fit less well (fewer steps) or more easily (fewer trees to fit) than there.")


def _results(results) -> None:
    data = frame(results)
    if data.empty:
        return
    st.vega_lite_chart(oversquashing_chart(data).to_dict(), theme=None)
    st.dataframe(table(data), hide_index=True)
