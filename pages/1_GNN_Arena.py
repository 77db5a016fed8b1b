"""GNN arena: GCN, GraphSAGE, GAT and an MLP baseline on one graph, side by side."""

import streamlit as st

from gnncore.app import results, setup_page, sidebar, training

setup_page("GNN Arena", "🕸️")
training.restore_from_url(sidebar.restore)  # after a browser refresh: the sidebar as it was
choice = sidebar.gnn_sidebar()

st.title("GNN Arena")
st.caption("Graph neural networks against an MLP that ignores the edges: same data, same "
           "splits, several seeds each. Pick the dataset and the models in the sidebar.")

if not choice.models:
    st.info("Pick at least one model in the sidebar.")
    st.stop()

request = training.open_request(choice.specs)
if request.error:
    st.error(request.error)
    st.stop()


def show_results() -> None:
    finished = request.results
    if finished:
        results.show_gnn_comparison(finished, request.specs, training=request.running)
    elif not request.running:
        st.caption("Results appear here as runs finish.")


st.markdown(choice.summary)
if not training.train_controls(request, results=show_results):  # while training, it draws them
    show_results()
