"""The GNN comparison as the page shows it: summary table, final scores with the published
marks, cost against the score, learning curves; each with its downloads, then the zip.

The frames come from :mod:`gnncore.runs`, the charts from :mod:`gnncore.charts`; this
module only builds them for a list of results and places them. What is scored follows the
task (the runs' kind): test accuracy for nodes, test ROC-AUC (and average precision) for
links, test accuracy over cross-validation folds for graphs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import altair as alt
import pandas as pd
import streamlit as st

from gnncore.app import export_ui
from gnncore.charts import cost_vs_score, final_scores, learning_curves, load_references, summary_table
from gnncore.charts.theme import metric_label
from gnncore.runs import history_frame, runs_frame
from gnncore.spec import RunResult, RunSpec

TASK_NAMES = {"node": "node classification", "link": "link prediction", "graph": "graph classification"}
# The headline metric of each task first, then those the summary table shows beside it.
METRICS = {"node": ["test_accuracy"], "link": ["test_auc", "test_ap"], "graph": ["test_accuracy"]}
# Learning-curve choices: what each engine logs per epoch (its history rows), first the one
# it picks the reported epoch by.
_ACCURACY_CURVES = ["val_accuracy", "test_accuracy", "train_accuracy", "loss", "val_loss"]
CURVE_METRICS = {"node": _ACCURACY_CURVES, "graph": _ACCURACY_CURVES,
                 "link": ["val_auc", "val_ap", "test_auc", "test_ap", "loss"]}
# How the summary's numbers were chosen, per task, after "<metric> ...".
SELECTION = {
    "node": "at the epoch of best validation accuracy, mean ± standard deviation over seeds.",
    "link": "at the epoch of best validation AUC, mean ± standard deviation over seeds; each seed "
            "draws its own 85 / 5 / 10 split of the edges.",
    "graph": "on each outer fold at the epoch of best validation accuracy on the inner split, "
             "mean ± standard deviation over {over}, as in Errica et al. (2020).",
}


@dataclass
class Comparison:
    """Everything the results section draws and exports."""

    runs: pd.DataFrame
    history: pd.DataFrame
    summary: pd.DataFrame
    charts: dict[str, alt.TopLevelMixin]
    metric: str
    task: str = "node"
    specs: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self):
        # Serialised once, for the screen and the downloads alike. Without the schema
        # validation (0.1-0.5 s a chart, on every redraw while training); the chart
        # builders' own tests validate what they build.
        self.specs = {name: chart.to_dict(validate=False) for name, chart in self.charts.items()}

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        return {"summary": self.summary, "runs": self.runs, "history": self.history}

    def data_for(self, chart: str) -> pd.DataFrame:
        """The tidy frame a chart was built from (what its CSV button gives)."""
        return self.history if chart == "learning_curves" else self.runs


def gnn_comparison(results: list[RunResult], metric: str | None = None,
                   curve_metric: str | None = None) -> Comparison:
    """Frames and charts for a comparison of one task's runs (pure: no drawing).

    ``metric`` and ``curve_metric`` default to the task's headline metric and the one its
    engine selects the reported epoch by.
    """
    runs, history = runs_frame(results), history_frame(results)
    first = results[0].spec
    task = first.kind
    metric = metric or METRICS[task][0]
    curve_metric = curve_metric or CURVE_METRICS[task][0]
    refs = load_references(task, first.dataset)
    also = [m for m in METRICS[task] if m != metric and m in runs]
    charts = {
        f"final_{metric}": final_scores(runs, metric, refs),
        f"cost_vs_{metric}": cost_vs_score(runs, metric),
        "learning_curves": learning_curves(history, curve_metric),
    }
    return Comparison(runs, history, summary_table(runs, metric, refs, also=also), charts, metric, task)


def show_gnn_comparison(results: list[RunResult], specs: list[RunSpec], training: bool) -> Comparison:
    """Draw the results section; ``training`` while more runs are still to come."""
    st.subheader("Results")
    if len(results) < len(specs):
        st.caption(f"{len(results)} of {len(specs)} runs finished"
                   + (" so far; the charts grow as runs finish." if training else
                      ": the charts show those."))
    task, dataset = results[0].spec.kind, results[0].spec.dataset
    curves = CURVE_METRICS[task]
    if st.session_state.get("curve_metric") not in curves:  # the task changed: its own default
        st.session_state["curve_metric"] = curves[0]
    comparison = _memo(results, st.session_state["curve_metric"])
    label = metric_label(comparison.metric)
    # File names: gnn_Cora_learning_curves.png for nodes (as before links and graphs came),
    # gnn_link_Cora_..., gnn_graph_PROTEINS_...
    stem = f"gnn_{dataset}_" if task == "node" else f"gnn_{task}_{dataset}_"

    hidden = {c: None for c in comparison.summary.columns  # the text column shows them as "81.5 ± 0.6"
              if c.endswith(" (%)") and (" mean" in c or " std" in c)}
    counts = {c: st.column_config.NumberColumn(format="localized")
              for c in ("Parameters", "Best epoch") if c in comparison.summary}
    st.dataframe(comparison.summary, hide_index=True, key="summary_table",
                 column_config={**hidden, **counts})
    st.caption(f"{summary_caption(comparison)} ms / epoch is wall-clock time on this machine: it "
               "depends on what else the machine is doing, so compare models within one comparison.")
    export_ui.table_download(comparison.summary, stem + "summary", "Summary table as CSV", key="summary")

    # One chart per row: the charts have a fixed width (so that the exports match the
    # screen) and side by side they would be cut off on a laptop screen.
    for name in list(comparison.charts)[:2]:
        _chart(comparison, name, stem)
    st.selectbox("Learning curve", curves, key="curve_metric", format_func=metric_label, width=260)
    _chart(comparison, "learning_curves", stem)

    st.divider()
    export_ui.comparison_download(comparison.specs, comparison.frames, [r.spec for r in results],
                                  file_name=f"{stem}comparison.zip",
                                  readme=f"GNN comparison, {TASK_NAMES[task]} on {dataset}: "
                                         f"{label.lower()} of {runs_label(comparison.runs)}.")
    return comparison


def summary_caption(comparison: Comparison) -> str:
    """What the summary table's scores are: which epoch they come from, what they spread over."""
    task, runs = comparison.task, comparison.runs
    shown = [comparison.metric] + [m for m in METRICS[task] if m != comparison.metric and m in runs]
    what = " and ".join([metric_label(shown[0])] + [metric_label(m).lower() for m in shown[1:]])
    several_seeds = "seed" in runs and runs["seed"].nunique() > 1
    over = "all runs (every fold with every seed)" if several_seeds else "folds"
    return f"{what} {SELECTION[task].format(over=over)}"


def runs_label(runs: pd.DataFrame) -> str:
    n = len(runs)
    models = runs["model"].nunique() if "model" in runs else 0
    return f"{n} run{'s' if n != 1 else ''} of {models} model{'s' if models != 1 else ''}"


def _memo(results: list[RunResult], curve_metric: str) -> Comparison:
    """The last comparison this session drew, rebuilt only when the results, the task (and
    with it the metric) or the curve changed (building and serialising the charts costs most
    of a rerun)."""
    task = results[0].spec.kind
    key = (task, METRICS[task][0], tuple((r.spec.key, r.cached) for r in results), curve_metric)
    last = st.session_state.get("_comparison")
    if last is None or last[0] != key:
        last = (key, gnn_comparison(results, curve_metric=curve_metric))
        st.session_state["_comparison"] = last
    return last[1]


def _chart(comparison: Comparison, name: str, stem: str = "") -> None:
    # The chart carries its own theme (gnncore.charts.theme): theme=None keeps Streamlit's
    # off it, so the screen shows what the exports contain.
    spec = comparison.specs[name]
    # Streamlit would otherwise add autosize "fit", squeezing the plot so that title and
    # legend fit the spec's width and height; "pad" is what vl-convert uses for the exports.
    screen = {"autosize": {"type": "pad", "contains": "padding"}, **spec}
    st.vega_lite_chart(spec=screen, theme=None, width="content", key=f"chart:{name}")
    export_ui.chart_downloads(spec, comparison.data_for(name), name, file_stem=stem + name)
