"""What the home page lists: the app's pages (found in ``pages/``) and the datasets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from gnncore import config
from gnncore.gnn.data.datasets import all_datasets, availability
from gnncore.gnn.data.mirror import size_text
from gnncore.runs import facts

# What each page is for, by its file name without the number prefix; a page not listed
# here still gets a link.
PAGE_BLURBS = {
    "GNN_Arena": "Train GCN, GraphSAGE, GAT (and GIN) against an MLP baseline on node "
                 "classification, link prediction or graph classification; watch them train, "
                 "compare scores, cost and learning curves.",
    "Positional_Encodings": "Small transformers that differ only in their positional encoding, "
                            "trained on short sequences and tested on longer ones.",
    "Message_Passing_Limits": "Graphs message passing cannot tell apart (the 1-WL test, live), CSL with "
                              "and without positional encodings, and the GPS graph transformer.",
    "Runs": "Every stored run from any page or the command line: filter, tag, annotate, delete, "
            "compare (one model across datasets, too) and export; add your own graph.",
}
# Material icons: Streamlit ships their font, where emoji need one on the user's system.
PAGE_ICONS = {"GNN_Arena": ":material/hub:", "Positional_Encodings": ":material/linear_scale:",
              "Runs": ":material/history:", "Message_Passing_Limits": ":material/join_inner:"}


def pages(root: Path = config.PROJECT_ROOT) -> list[tuple[str, str, str]]:
    """``(path relative to app.py, label, blurb)`` for every page in ``pages/``, in menu order."""
    out = []
    for path in sorted((root / "pages").glob("*.py")):
        stem = path.stem.split("_", 1)[1] if path.stem.split("_", 1)[0].isdigit() else path.stem
        out.append((f"pages/{path.name}", stem.replace("_", " "), PAGE_BLURBS.get(stem, "")))
    return out


def sidebar_menu() -> None:
    """The app's menu, drawn by every page (``setup_page``): Home, then every page in ``pages/``.

    Streamlit's own menu for a ``pages/`` folder names the home page after its file
    ("app") and has no way to rename it; ``st.navigation`` cannot replace it either, since
    with a ``pages/`` folder a page opened by its URL never runs ``app.py``. So that menu is
    hidden (``client.showSidebarNavigation = false`` in ``.streamlit/config.toml``) and
    this one drawn instead.
    """
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link("app.py", label="Home", icon=":material/home:")
    except StreamlitAPIException:
        return  # a page run on its own (AppTest), not under app.py: nothing to link to
    for path, label, _ in pages():
        st.page_link(path, label=label, icon=PAGE_ICONS.get(label.replace(" ", "_")))


def render() -> None:
    """The home page: what the app does, its pages, and the datasets at hand."""
    from gnncore.app import setup_page

    setup_page("Home", "🧪")
    st.title("Compare neural architectures side by side")
    st.markdown(
        "Train several architectures on the same data, over several seeds, and see which is "
        "better, by how much, and at what cost. Every run's settings come from the papers "
        "unless you change them; every finished run is kept in a local run store, so asking "
        "again is instant. Every chart exports as PNG, SVG or interactive HTML, its data as CSV, "
        "and the whole comparison as one zip.")
    st.subheader("Pages")
    page_links()
    st.subheader("Datasets")
    st.caption("**built-in**: generated, no file needed · **cached**: on this disk · "
               "**in offline mirror**: copied into the cache on first use · "
               "**downloads on first use**: fetched by PyTorch Geometric the first time · "
               "**not available offline**: no network allowed here (`GNNCORE_OFFLINE`) and the "
               "files are in neither the cache nor the mirror (`GNNCORE_MIRROR`).")
    dataset_table()
    st.subheader("Run store")
    from gnncore.runs import RunStore

    store = RunStore()
    if store.notice:  # a file it could not read, moved aside: say where
        st.warning(store.notice, icon=":material/warning:")
    st.markdown(store_text(store))


def store_text(store) -> str:
    """How many runs the run store holds, its size on disk and where it is."""
    n, size = len(store), store.size_bytes()
    shown = f"{size / 2 ** 20:,.1f} MB" if size >= 2 ** 20 else f"{size / 2 ** 10:,.0f} kB"
    return (f"**{n:,}** stored run{'s' if n != 1 else ''}, **{shown}** on disk, in `{store.path}`. "
            "Browse, delete or export them on the Runs page or with `python -m gnncore runs list`.")


def page_links() -> None:
    for path, label, blurb in pages():
        st.page_link(path, label=f"**{label}**", icon=":material/arrow_forward:")
        if blurb:
            st.caption(blurb)


def dataset_frame() -> pd.DataFrame:
    """One row per dataset: size, tasks and whether its files are here (as ``datasets list``
    says it, less the download size: the Size column has it)."""
    rows = []
    for d in all_datasets().values():  # the built-in ones, then those the user added
        rows.append({
            "Dataset": d.title, "Tasks": ", ".join(d.tasks),
            "Graphs": d.graphs, "Nodes": d.nodes, "Edges": d.edges, "Features": d.features,
            "Classes": d.classes, "Files": availability(d.name).split(" (")[0],
            "Size": "no file" if d.builtin else size_text(max(d.download_mb, 0.1)),
        })
    return pd.DataFrame(rows)


def dataset_table() -> None:
    """Every column wide enough for its longest cell and all of them together narrow enough
    for a laptop's page (~900 px), so nothing is cut."""
    frame = dataset_frame()
    tasks = "; ".join(f"{k}: {facts(k).title.lower()}" for k in dict.fromkeys(t for d in all_datasets().values()
                                                                          for t in d.tasks))
    config = {c: st.column_config.NumberColumn(format="localized", width=w)
              for c, w in (("Graphs", 60), ("Nodes", 75), ("Edges", 100), ("Features", 70), ("Classes", 65))}
    config.update({
        "Dataset": st.column_config.TextColumn(width=195),
        "Tasks": st.column_config.TextColumn(width=90, help=f"What the dataset is for ({tasks})."),
        "Files": st.column_config.TextColumn(width=150, help="Where its files are; see the line above."),
        "Size": st.column_config.TextColumn(width=65, help="The download's size."),
    })
    # Tall enough for every row: a scrolling table hides datasets from a first look.
    st.dataframe(frame, hide_index=True, key="datasets", column_config=config, height=38 + 35 * len(frame))
