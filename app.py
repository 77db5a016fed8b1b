"""Home page: what the app does, a link to each page, and which datasets are at hand."""

import streamlit as st

from gnncore.app import home, setup_page

setup_page("Home", "🧪")

st.title("Compare neural architectures side by side")
st.markdown(
    "Train several architectures on the same data, over several seeds, and see which is "
    "better, by how much, and at what cost. Every run's settings come from the papers "
    "unless you change them; every finished run is kept in a local run store, so asking "
    "again is instant. Every chart exports as PNG, SVG or interactive HTML, its data as CSV, "
    "and the whole comparison as one zip.")

st.subheader("Pages")
home.page_links()

st.subheader("Datasets")
st.caption("**built-in**: generated, no file needed · **cached**: on this disk · "
           "**in offline mirror**: copied into the cache on first use · "
           "**downloads on first use**: fetched by PyTorch Geometric the first time · "
           "**not available offline**: no network allowed here (`GNNCORE_OFFLINE`) and the files "
           "are in neither the cache nor the mirror (`GNNCORE_MIRROR`).")
home.dataset_table()
