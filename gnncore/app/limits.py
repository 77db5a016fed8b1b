"""The "Where message passing fails" page's sections: the 1-WL test on a pair of graphs, CSL
with and without graph encodings (the arena's sweep machinery: the same job runner, store,
exports and CLI command), the paired verdicts of each encoding against none, and how the
trained models embed the chosen pair.

The frames come from :mod:`gnncore.gnn.inside.wl` and :mod:`gnncore.gnn.inside.pair_embeddings`,
the charts from :mod:`gnncore.charts.limits`; this module only places them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gnncore import sweep as sweeps
from gnncore.app import export_ui, sweep, training
from gnncore.app.choice import Choice, setting_widget
from gnncore.app.comparison import draw_spec, memo, results_key, view_failed
from gnncore.app.results import pairs_table
from gnncore.charts.limits import distance_chart, wl_chart
from gnncore.charts.theme import display_name, order
from gnncore.gnn.data import csl, encodings as enc
from gnncore.gnn.inside import wl
from gnncore.gnn.inside.pair_embeddings import pair_distances
from gnncore.pairs import paired_differences, verdict as pair_verdict
from gnncore.runs import RunStore, engine, facts
from gnncore.spec import RunResult, RunSpec

KIND, KNOB = "graph", enc.GRAPH_ENCODING.name
DEFAULT_MODELS = ("gcn", "gin", "gat", "gps")
PAIR, MODELS, ENCODINGS, EPOCHS = "limits:pair", "limits:models", "limits:encodings", "limits:epochs"
INTRO = ("A message-passing GNN can tell two graphs apart no better than the 1-WL colour refinement "
         "test (Xu et al. 2019; Morris et al. 2019). Here are graphs it cannot tell apart, a dataset "
         "made of them (CSL, where such models must sit at chance), and what lifts the limit: "
         "positional and structural encodings, and a graph transformer (GPS) that needs them. Last, "
         "the other limit: information from far away squashed into one vector (Tree-NeighborsMatch).")


def wl_section() -> wl.Pair:
    """The pair chooser, its refinement drawn round by round, the verdict; the chosen pair."""
    st.header("The 1-WL test, live")
    ss = st.session_state
    ss.setdefault(PAIR, next(iter(wl.PAIRS)))
    name = st.selectbox("Pair of graphs", list(wl.PAIRS), key=PAIR, format_func=lambda n: wl.PAIRS[n].label,
                        help="Three pairs 1-WL cannot tell apart, and one it can.")
    pair = wl.PAIRS[name]
    result = memo("_limits_wl", name, lambda: wl.refine(pair))
    said = wl.verdict(result)
    st.markdown(f"**{said}**")
    edges = wl.edges_frame(pair, result.frame)
    chart = memo("_limits_wl_chart", name, lambda: wl_chart(result.frame, edges, said).to_dict(validate=False))
    draw_spec(chart, result.frame, "wl", f"wl_{name}", caption=pair.note + " Same colour: nodes 1-WL "
              "cannot tell apart, in either graph.")
    return pair


def restore(specs) -> None:
    """After a browser refresh: the models and encodings of the job the URL names."""
    ss = st.session_state
    ss[MODELS] = list(dict.fromkeys(s.model for s in specs))
    ss[ENCODINGS] = list(dict.fromkeys(enc.encoding(s.params) for s in specs))
    ss[EPOCHS] = specs[0].params["epochs"]


def csl_choice() -> sweep.SweepChoice:
    """Models and encodings for CSL: a sweep of the graph encoding, every fold of CSL's 5."""
    f, ss = facts(KIND), st.session_state
    ss.setdefault(MODELS, [m for m in DEFAULT_MODELS if m in f.models])
    ss.setdefault(ENCODINGS, list(enc.GRAPH_ENCODING.choices))
    ss.setdefault(EPOCHS, engine(KIND).defaults(RunSpec.make(KIND, csl.NAME, DEFAULT_MODELS[0]))["epochs"])
    cols = st.columns([2, 2, 1])
    models = cols[0].multiselect("Models", list(f.models), key=MODELS, format_func=display_name,
                                 help="Each trains once per fold of CSL's stratified 5-fold cross-validation.")
    chosen = cols[1].multiselect("Graph encodings", list(enc.GRAPH_ENCODING.choices), key=ENCODINGS,
                                 help=enc.GRAPH_ENCODING.help)
    with cols[2]:
        epochs = setting_widget(f.setting("epochs"), EPOCHS, help="At most; each run stops after 20 epochs "
                                "without a better validation accuracy.")
    choice = Choice(KIND, csl.NAME, list(models), 1, {"epochs": epochs}, folds=csl.FOLDS)
    return sweep.SweepChoice(choice, KNOB, ",".join(chosen))


def csl_section(pair: wl.Pair) -> None:
    """CSL by model and encoding (trained through the page's job, stored like every run), the
    paired verdicts, the trained models' embeddings of ``pair``."""
    st.header("CSL: where every message-passing model sits at chance")
    st.caption(f"{csl.ENTRY.title}: {csl.ENTRY.graphs} graphs C(41, {{1, s}}), 10 skip lengths, 15 "
               "graphs each, every node alike. 1-WL gives all of them one colouring, so without an "
               "encoding GCN, GIN and GAT must score 10% (chance); with one they need not.")
    chosen = csl_choice()
    if not chosen.choice.models or not chosen.values:
        st.info("Pick at least one model and one graph encoding.")
        return
    request = training.open_request(chosen)
    if request.error:
        st.error(request.error)
        return

    def results() -> None:
        finished = request.results
        if not finished:
            if not request.running:
                st.caption("The chart appears here as runs finish.")
            return
        sweep.show_results(finished, request.specs, KNOB, training=request.running)
        try:
            verdicts_section(finished)
        except Exception as e:  # one view failing leaves the rest of the page
            view_failed("The paired verdicts", e)
        if not request.running:
            try:
                embeddings_section(finished, pair, request.store)
            except Exception as e:
                view_failed("The pair's embeddings", e)

    if not training.train_controls(request, results=results, results_every=10):
        results()


def variant(model: str, encoding: str) -> str:
    return f"{display_name(model)} · {encoding}"


def encoding_pairs(results: list[RunResult]) -> pd.DataFrame:
    """The paired difference (over the same folds) of every model with each encoding against
    the same model without, and of every two models under one encoding; models named
    ``GIN · laplacian``."""
    frame = sweeps.sweep_frame(results, KNOB)
    metric = facts(KIND).headline.name
    models, encodings = order(frame["model"]), list(dict.fromkeys(frame[KNOB]))
    # An encoding first, none last: differences read as what the encoding adds.
    encodings = sorted(encodings, key=lambda e: e == enc.NONE)
    frame = frame.assign(model=[variant(m, e) for m, e in zip(frame["model"], frame[KNOB])])
    pairs = paired_differences(frame, metric, [variant(m, e) for e in encodings for m in models])
    if pairs.empty:
        return pairs
    a = pairs["model_a"].str.split(" · ", expand=True)
    b = pairs["model_b"].str.split(" · ", expand=True)
    return pairs[(a[0] == b[0]) | (a[1] == b[1])].reset_index(drop=True)


def verdicts_section(results: list[RunResult]) -> None:
    pairs = memo("_limits_pairs", results_key(results), lambda: encoding_pairs(results))
    if pairs.empty:
        return
    st.subheader("Paired verdicts")
    st.caption("Each encoding against none for the same model, and every two models under one "
               "encoding, paired over the same folds (a − b, in points).")
    table = pairs_table(pairs).drop(columns=["Dataset"])
    table["Verdict"] = [pair_verdict(row, unit="fold", most=facts(KIND).max_folds) for _, row in pairs.iterrows()]
    st.dataframe(table, hide_index=True, key="limits_pairs")
    export_ui.table_download(table, "limits_CSL_pairs", "Paired verdicts as CSV", key="limits_pairs")


def embeddings_section(results: list[RunResult], pair: wl.Pair, store: RunStore) -> None:
    """How far apart each trained model puts the pair's two graphs."""
    def build() -> pd.DataFrame:
        return pair_distances([(r.spec, store.artifact(r.spec, "model")) for r in results], pair)

    frame = memo("_limits_distances", (pair.name, results_key(results)), build)
    st.subheader("The pair, through the trained models")
    if frame.empty:
        st.caption("These runs were stored without their trained models: train them again (the "
                   "runs list's Delete, then Train) to see how they embed the pair.")
        return
    chart = memo("_limits_distance_chart", (pair.name, results_key(results)),
                 lambda: distance_chart(frame).to_dict(validate=False))
    draw_spec(chart, frame, "pair_distance", f"limits_CSL_{pair.name}_distances",
              caption="Without an encoding a message-passing model gives a pair 1-WL cannot tell apart "
                      "the same embedding: distance 0 (up to rounding). Distances are divided by the "
                      "embeddings' mean norm, since models embed at different scales; the CSV has both.")
