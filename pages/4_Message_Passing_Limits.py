"""Where message passing fails: the 1-WL test on pairs of graphs, CSL with and without graph
encodings, GPS beside the message-passing models, how trained models embed a pair, and over-squashing on Tree-NeighborsMatch."""

import streamlit as st

from gnncore.app import limits, oversquashing, setup_page, training

setup_page("Where message passing fails", "🧩")
training.restore_from_url(limits.restore)  # after a browser refresh: the job it was training
st.title("Where message passing fails")
st.caption(limits.INTRO)

pair = limits.wl_section()
st.divider()
limits.csl_section(pair)
st.divider()
oversquashing.render()
