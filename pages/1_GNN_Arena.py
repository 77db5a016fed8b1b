"""GNN arena: GCN, GraphSAGE, GAT (and GIN for graphs) against an MLP baseline, side by side,
on node classification, link prediction or graph classification; or, in Sweep mode, the same
models along one setting (depth, homophily, ...)."""

import streamlit as st

from gnncore.app import results, setup_page, sidebar, sweep, training
from gnncore.runs import facts

setup_page("GNN Arena", "🕸️")
training.restore_from_url(sweep.restore_with(sidebar.restore))  # after a browser refresh: as it was
choice = sidebar.gnn_sidebar()

st.title("GNN Arena")
st.caption(facts(choice.kind).intro + " Pick the task, the dataset and the models in the sidebar.")
mode = sweep.mode_switch()

if not choice.models:
    st.info("Pick at least one model in the sidebar.")
    st.stop()
if mode == "Sweep":
    sweep.show_sweep(choice)
    st.stop()

request = training.open_request(choice)
if request.error:
    st.error(request.error)
    st.stop()


def show_results() -> None:
    finished = request.results
    if finished:
        results.show_gnn_comparison(finished, request.specs, training=request.running, store=request.store)
    elif not request.running:
        st.caption("Results appear here as runs finish.")


st.markdown(choice.summary)
# Redrawing the charts costs the server and the browser ~1 s of CPU, taken from training:
# while training, the results are redrawn every 10 s.
if not training.train_controls(request, results=show_results, results_every=10):  # it draws them
    show_results()
