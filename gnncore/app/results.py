"""The GNN comparison as the page shows it: summary table, final scores with the published
marks, cost against accuracy, learning curves; each with its downloads, then the zip.

The frames come from :mod:`gnncore.runs`, the charts from :mod:`gnncore.charts`; this
module only builds them for a list of results and places them.
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

CURVE_METRICS = ["val_accuracy", "test_accuracy", "train_accuracy", "loss", "val_loss"]


@dataclass
class Comparison:
    """Everything the results section draws and exports."""

    runs: pd.DataFrame
    history: pd.DataFrame
    summary: pd.DataFrame
    charts: dict[str, alt.TopLevelMixin]
    metric: str
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


def gnn_comparison(results: list[RunResult], metric: str = "test_accuracy",
                   curve_metric: str = "val_accuracy") -> Comparison:
    """Frames and charts for a node-classification comparison (pure: no drawing)."""
    runs, history = runs_frame(results), history_frame(results)
    first = results[0].spec
    refs = load_references(first.kind, first.dataset)
    charts = {
        f"final_{metric}": final_scores(runs, metric, refs),
        f"cost_vs_{metric}": cost_vs_score(runs, metric),
        "learning_curves": learning_curves(history, curve_metric),
    }
    return Comparison(runs, history, summary_table(runs, metric, refs), charts, metric)


def show_gnn_comparison(results: list[RunResult], specs: list[RunSpec], training: bool) -> Comparison:
    """Draw the results section; ``training`` while more runs are still to come."""
    st.subheader("Results")
    if len(results) < len(specs):
        st.caption(f"{len(results)} of {len(specs)} runs finished"
                   + (" so far; the charts grow as runs finish." if training else
                      ": the charts show those."))
    comparison = _memo(results, st.session_state.get("curve_metric", "val_accuracy"))
    label = metric_label(comparison.metric)
    dataset = results[0].spec.dataset
    stem = f"gnn_{dataset}_"  # file names: gnn_Cora_learning_curves.png

    hidden = {c: None for c in comparison.summary.columns  # the text column shows them as "81.5 ± 0.6"
              if c.endswith(" (%)") and (" mean" in c or " std" in c)}
    counts = {c: st.column_config.NumberColumn(format="localized")
              for c in ("Parameters", "Best epoch") if c in comparison.summary}
    st.dataframe(comparison.summary, hide_index=True, key="summary_table",
                 column_config={**hidden, **counts})
    st.caption(f"{label} at the epoch of best validation accuracy, mean ± standard deviation over "
               "seeds. ms / epoch is wall-clock time on this machine: it depends on what else "
               "the machine is doing, so compare models within one comparison.")
    export_ui.table_download(comparison.summary, stem + "summary", "Summary table as CSV", key="summary")

    # One chart per row: the charts have a fixed width (so that the exports match the
    # screen) and side by side they would be cut off on a laptop screen.
    for name in list(comparison.charts)[:2]:
        _chart(comparison, name, stem)
    st.selectbox("Learning curve", CURVE_METRICS, key="curve_metric", format_func=metric_label,
                 width=260)
    _chart(comparison, "learning_curves", stem)

    st.divider()
    export_ui.comparison_download(comparison.specs, comparison.frames, [r.spec for r in results],
                                  file_name=f"{stem}comparison.zip",
                                  readme=f"GNN comparison on {dataset}: {label.lower()} of "
                                         f"{runs_label(comparison.runs)}.")
    return comparison


def runs_label(runs: pd.DataFrame) -> str:
    n = len(runs)
    models = runs["model"].nunique() if "model" in runs else 0
    return f"{n} run{'s' if n != 1 else ''} of {models} model{'s' if models != 1 else ''}"


def _memo(results: list[RunResult], curve_metric: str) -> Comparison:
    """The last comparison this session drew, rebuilt only when the results or the curve
    changed (building and serialising the charts costs most of a rerun)."""
    key = (tuple((r.spec.key, r.cached) for r in results), curve_metric)
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
