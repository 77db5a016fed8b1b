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
from gnncore.app.comparison import Comparison, draw, finished_caption, memo, results_key, view_failed
from gnncore.app.inside import show_inside
from gnncore.charts import cost_vs_score, difference_chart, final_scores, learning_curves, summary_table
from gnncore.charts.gnn import beside
from gnncore.charts.protocols import PROTOCOLS
from gnncore.charts.theme import display_name, metric_label, order
from gnncore.pairs import paired_differences, verdict
from gnncore.runs import RunStore, facts, history_frame, metric as declared, references, runs_frame
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
    metric = metric or f.headline.name
    curve_metric = curve_metric or f.curves[0].name
    refs = references(first.kind)  # every dataset's: the charts match them to the runs'
    also = [m.name for m in f.metrics if m.name != metric and m.name in runs]
    pairs = paired_differences(runs, metric, order(runs["model"]))
    charts = {
        f"final_{metric}": final_scores(runs, metric, refs, history),
        f"cost_vs_{metric}": cost_vs_score(runs, metric),
        "learning_curves": learning_curves(history, curve_metric),
    }
    if len(pairs):
        charts["paired_differences"] = difference_chart(pairs)
    frames = {"summary": summary_table(runs, metric, refs, also=also, history=history), "runs": runs,
              "history": history, "pairs": pairs}
    return Comparison(charts, frames, metric, data={"learning_curves": history, "paired_differences": pairs})


def pairs_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """The paired verdict as the page shows it: one row per pair, differences in points."""
    scale = declared(str(pairs["metric"].iloc[0])).scale if len(pairs) else 1.0
    unit = " (points)" if scale == 100 else ""
    return pd.DataFrame({
        "Dataset": pairs["dataset"],
        "Pair (a − b)": [f"{display_name(a)} − {display_name(b)}" for a, b in zip(pairs["model_a"], pairs["model_b"])],
        f"Mean difference{unit}": [f"{d * scale:+.2f}" if pd.notna(d) else "–" for d in pairs["mean_diff"]],
        "95% CI": [f"{lo * scale:.2f} to {hi * scale:.2f}" if pd.notna(lo) else "–"
                   for lo, hi in zip(pairs["ci_low"], pairs["ci_high"])],
        "p-value": pairs["p_value"].map(lambda p: f"{p:.3g}" if pd.notna(p) else "–"),
        "Paired runs": pairs["n_pairs"],
    })


def show_gnn_comparison(results: list[RunResult], specs: list[RunSpec], training: bool,
                        store: RunStore | None = None) -> Comparison:
    """Draw the results section; ``training`` while more runs are still to come. With the
    ``store`` the runs came from, a task whose runs keep their trained models (node
    classification) also shows what is inside them, once training has finished."""
    st.subheader("Results")
    finished_caption(results, specs, training)
    task = results[0].spec.kind
    datasets = list(dict.fromkeys(r.spec.dataset for r in results))  # several: one panel each
    dataset = "_".join(datasets)
    f = facts(task)
    curves = [m.name for m in f.curves]
    if st.session_state.get("curve_metric") not in curves:  # the task changed: its own default
        st.session_state["curve_metric"] = curves[0]
    curve = st.session_state["curve_metric"]
    comparison = memo("_comparison", (task, results_key(results), curve),
                      lambda: gnn_comparison(results, curve_metric=curve))
    label = metric_label(comparison.metric)
    # File names: gnn_Cora_learning_curves.png, gnn_link_Cora_..., gnn_graph_PROTEINS_...
    stem = f"{f.file_prefix}_{dataset}_"

    hidden = {c: None for c in comparison.summary.columns  # the text column shows them as "81.5 ± 0.6"
              if c.endswith(" (%)") and (" mean" in c or " std" in c)}
    counts = {}
    for m in beside(comparison.runs):
        if m.short not in comparison.summary:
            continue
        if m.whole:
            counts[m.short] = st.column_config.NumberColumn(format="localized")
        elif m.digits:  # one number of decimals down each column
            counts[m.short] = st.column_config.NumberColumn(format=f"%.{m.screen_digits or m.digits}f")
    if "Source" in comparison.summary:  # the longest text: cut to fit a laptop screen, whole on hover
        counts["Source"] = st.column_config.TextColumn("Source", width="small")
    st.dataframe(_one_dataset(comparison.summary), hide_index=True, key="summary_table",
                 column_config={**hidden, **counts})
    smooth = "".join(f" {m.short}: {m.help}" for m in f.measures if m.short in comparison.summary)
    st.caption(f"{summary_caption(comparison)} ms / epoch is wall-clock time on this machine: it "
               "depends on what else the machine is doing, so compare models within one comparison."
               + smooth)
    export_ui.table_download(comparison.summary, stem + "summary", "Summary table as CSV", key="summary")

    # One chart per row: the charts have a fixed width (so that the exports match the
    # screen) and side by side they would be cut off on a laptop screen.
    final, cost = list(comparison.charts)[:2]
    draw(comparison, final, stem + final)
    if "paired_differences" in comparison.charts:
        show_verdicts(comparison, stem)
    draw(comparison, cost, stem + cost)
    st.selectbox("Learning curve", curves, key="curve_metric", format_func=metric_label, width=260)
    draw(comparison, "learning_curves", stem + "learning_curves")

    if store is not None and "embeddings" in f.keeps and len(datasets) > 1:
        st.divider()
        st.caption("Inside the models: compare the runs of one dataset to look inside them.")
    elif store is not None and "embeddings" in f.keeps:  # node runs (graph runs keep a model only)
        st.divider()
        if training:
            st.caption("Once training has finished: what each node hears from its neighbours in each "
                       "model, and how the node embeddings moved while they trained.")
        else:
            try:
                show_inside(results, store, stem)
            except Exception as e:  # noqa: BLE001 - the zip below must still be offered
                view_failed("Inside the models", e)

    st.divider()
    export_ui.comparison_download(comparison.specs, comparison.frames, [r.spec for r in results],
                                  file_name=f"{stem}comparison.zip",
                                  readme=f"GNN comparison, {f.title.lower()} on {', '.join(datasets)}: "
                                         f"{label.lower()} of {runs_label(comparison.runs)}.")
    return comparison


def _one_dataset(table: pd.DataFrame) -> pd.DataFrame:
    """The table as shown: without its Dataset column when there is one dataset (the page
    says which), so it fits a laptop screen; the CSV keeps it."""
    if "Dataset" in table and table["Dataset"].nunique() <= 1:
        return table.drop(columns="Dataset")
    return table


def show_verdicts(comparison: Comparison, stem: str, over: str = "splits") -> None:
    """Is the difference real? One sentence per pair, the table, the chart (both pages: the
    comparison's ``pairs`` frame and its ``paired_differences`` chart); ``over``: what else
    the pairs share besides the seeds."""
    pairs = comparison.pairs
    fraction = declared(str(pairs["metric"].iloc[0])).fraction
    unit = "fold" if "fold" in comparison.runs and comparison.runs["fold"].notna().any() else "seed"
    st.markdown(f"**Is the difference real?** Paired over the same {unit}s and {over} (paired t-test, scipy):")
    st.markdown("\n".join(f"- {verdict(row, display_name, fraction, unit)}" for _, row in pairs.iterrows()))
    table = pairs_table(pairs)
    st.dataframe(_one_dataset(table), hide_index=True, key="pairs_table")
    draw(comparison, "paired_differences", stem + "paired_differences")


def summary_caption(comparison: Comparison) -> str:
    """What the summary table's scores are: which epoch they come from, what they spread over."""
    runs = comparison.runs
    f = facts(runs["kind"].iloc[0])
    shown = [comparison.metric] + [m.name for m in f.metrics if m.name != comparison.metric and m.name in runs]
    what = " and ".join([metric_label(shown[0])] + [metric_label(m).lower() for m in shown[1:]])
    several_seeds = "seed" in runs and runs["seed"].nunique() > 1
    over = "all runs (every fold with every seed)" if several_seeds else "folds"
    protocols = "".join(f" {p.column}: {p.how_ours}."
                        for p in PROTOCOLS.values() if any(c.startswith(p.column) for c in comparison.summary))
    return f"{what} {f.reported.format(over=over)}{protocols}"


def runs_label(runs: pd.DataFrame) -> str:
    n = len(runs)
    models = runs["model"].nunique() if "model" in runs else 0
    return f"{n} run{'s' if n != 1 else ''} of {models} model{'s' if models != 1 else ''}"
