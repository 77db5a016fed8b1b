"""Runs: every stored run, GNN and positional-encoding, filtered, tagged, deleted, compared
and exported; and the place to add your own graph."""

import streamlit as st

from gnncore.app import runs_page, setup_page
from gnncore.history import apply

setup_page("Runs", "🗂️")
st.title("Runs")
st.caption("Every run kept in the run store, from any page, session or the command line. Filter them "
           "in the sidebar, tick the ones you want (or keep all shown), then tag, annotate, delete, "
           "compare or export them.")

with st.expander("Add your own graph", icon=":material/upload_file:"):
    runs_page.upload_dataset()

store = runs_page.open_store()
table = runs_page.stored_runs(store)
runs_page.message()
if table.empty:
    st.info("No runs stored yet: train some in the GNN Arena or the Positional Encodings lab, or with "
            "`python -m gnncore gnn ...`.", icon=":material/database:")
    st.stop()

chosen = apply(table, runs_page.filters(table))
if chosen.empty:
    st.info("No stored run matches these filters.")
    st.stop()
selected = runs_page.run_list(chosen, total=len(table))
with st.container(horizontal=True):
    runs_page.delete_controls(store, selected)
runs_page.annotate(store, selected)

st.divider()
runs_page.compare(store, selected)
