"""The GNN comparison as the page shows it: summary table, final scores with the published
marks, cost against the score, learning curves; each with its downloads, then the zip.

The frames come from :mod:`gnncore.runs`, the charts from :mod:`gnncore.charts`; this
module only builds them for a list of results and places them. What is scored, and how the
reported epoch was chosen, are the task's facts (``gnncore.runs.facts``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gnncore.app import export_ui
from gnncore.app.comparison import Comparison, draw, finished_caption, memo, results_key
from gnncore.charts import cost_vs_score, final_scores, learning_curves, summary_table
from gnncore.charts.theme import metric_label
from gnncore.runs import facts, history_frame, references, runs_frame
from gnncore.spec import RunResult, RunSpec


def gnn_comparison(results: list[RunResult], metric: str | None = None,
                   curve_metric: str | None = None) -> Comparison:
    """Frames and charts for a comparison of one task's runs (pure: no drawing).

    ``metric`` and ``curve_metric`` default to the task's headline metric and the one its
    engine selects the reported epoch by.
    """
    runs, history = runs_frame(results), history_frame(results)
    first = results[0].spec
    f = facts(first.kind)
    metric = metric or f.metrics[0]
    curve_metric = curve_metric or f.curves[0]
    refs = references(first.kind, first.dataset)
    also = [m for m in f.metrics if m != metric and m in runs]
    charts = {
        f"final_{metric}": final_scores(runs, metric, refs),
        f"cost_vs_{metric}": cost_vs_score(runs, metric),
        "learning_curves": learning_curves(history, curve_metric),
    }
    frames = {"summary": summary_table(runs, metric, refs, also=also), "runs": runs, "history": history}
    return Comparison(charts, frames, metric, data={"learning_curves": history})


def show_gnn_comparison(results: list[RunResult], specs: list[RunSpec], training: bool) -> Comparison:
    """Draw the results section; ``training`` while more runs are still to come."""
    st.subheader("Results")
    finished_caption(results, specs, training)
    task, dataset = results[0].spec.kind, results[0].spec.dataset
    f = facts(task)
    curves = list(f.curves)
    if st.session_state.get("curve_metric") not in curves:  # the task changed: its own default
        st.session_state["curve_metric"] = curves[0]
    curve = st.session_state["curve_metric"]
    comparison = memo("_comparison", (task, results_key(results), curve),
                      lambda: gnn_comparison(results, curve_metric=curve))
    label = metric_label(comparison.metric)
    # File names: gnn_Cora_learning_curves.png for nodes (as before links and graphs came),
    # gnn_link_Cora_..., gnn_graph_PROTEINS_...
    stem = f"gnn_{dataset}_" if task == "node" else f"gnn_{task}_{dataset}_"

    hidden = {c: None for c in comparison.summary.columns  # the text column shows them as "81.5 ± 0.6"
              if c.endswith(" (%)") and (" mean" in c or " std" in c)}
    counts = {c: st.column_config.NumberColumn(format="localized")
              for c in ("Parameters", "Best epoch") if c in comparison.summary}
    if "Source" in comparison.summary:  # the longest text: cut to fit a laptop screen, whole on hover
        counts["Source"] = st.column_config.TextColumn("Source", width="medium")
    st.dataframe(comparison.summary, hide_index=True, key="summary_table",
                 column_config={**hidden, **counts})
    st.caption(f"{summary_caption(comparison)} ms / epoch is wall-clock time on this machine: it "
               "depends on what else the machine is doing, so compare models within one comparison.")
    export_ui.table_download(comparison.summary, stem + "summary", "Summary table as CSV", key="summary")

    # One chart per row: the charts have a fixed width (so that the exports match the
    # screen) and side by side they would be cut off on a laptop screen.
    for name in list(comparison.charts)[:2]:
        draw(comparison, name, stem + name)
    st.selectbox("Learning curve", curves, key="curve_metric", format_func=metric_label, width=260)
    draw(comparison, "learning_curves", stem + "learning_curves")

    st.divider()
    export_ui.comparison_download(comparison.specs, comparison.frames, [r.spec for r in results],
                                  file_name=f"{stem}comparison.zip",
                                  readme=f"GNN comparison, {f.title.lower()} on {dataset}: "
                                         f"{label.lower()} of {runs_label(comparison.runs)}.")
    return comparison


def summary_caption(comparison: Comparison) -> str:
    """What the summary table's scores are: which epoch they come from, what they spread over."""
    runs = comparison.runs
    f = facts(runs["kind"].iloc[0])
    shown = [comparison.metric] + [m for m in f.metrics if m != comparison.metric and m in runs]
    what = " and ".join([metric_label(shown[0])] + [metric_label(m).lower() for m in shown[1:]])
    several_seeds = "seed" in runs and runs["seed"].nunique() > 1
    over = "all runs (every fold with every seed)" if several_seeds else "folds"
    return f"{what} {f.reported.format(over=over)}"


def runs_label(runs: pd.DataFrame) -> str:
    n = len(runs)
    models = runs["model"].nunique() if "model" in runs else 0
    return f"{n} run{'s' if n != 1 else ''} of {models} model{'s' if models != 1 else ''}"
