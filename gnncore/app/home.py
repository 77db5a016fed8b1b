"""What the home page lists: the app's pages (found in ``pages/``) and the datasets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from gnncore import config
from gnncore.app.sidebar import availability_text
from gnncore.gnn.datasets import DATASETS

# What each page is for, by its file name without the number prefix; a page not listed
# here still gets a link.
PAGE_BLURBS = {
    "GNN_Arena": "Train GCN, GraphSAGE, GAT and an MLP baseline on the same graph over several "
                 "seeds; watch them train, compare accuracy, cost and learning curves.",
    "Positional_Encodings": "Small transformers that differ only in their positional encoding, "
                            "trained on short sequences and tested on longer ones.",
}
TASK_NAMES = {"node": "node classification", "link": "link prediction", "graph": "graph classification"}


def pages(root: Path = config.PROJECT_ROOT) -> list[tuple[str, str, str]]:
    """``(path relative to app.py, label, blurb)`` for every page in ``pages/``, in menu order."""
    out = []
    for path in sorted((root / "pages").glob("*.py")):
        stem = path.stem.split("_", 1)[1] if path.stem.split("_", 1)[0].isdigit() else path.stem
        out.append((f"pages/{path.name}", stem.replace("_", " "), PAGE_BLURBS.get(stem, "")))
    return out


def page_links() -> None:
    for path, label, blurb in pages():
        st.page_link(path, label=f"**{label}**", icon=":material/arrow_forward:")
        if blurb:
            st.caption(blurb)


def dataset_frame() -> pd.DataFrame:
    """One row per dataset: size, tasks and whether its files are here."""
    rows = []
    for d in DATASETS.values():
        rows.append({
            "Dataset": d.title, "For": ", ".join(TASK_NAMES.get(t, t) for t in d.tasks),
            "Graphs": d.graphs, "Nodes": d.nodes, "Edges": d.edges, "Features": d.features,
            "Classes": d.classes, "Files": availability_text(d.name),
            "Size": "no file" if d.builtin else f"{d.download_mb:.1f} MB",
        })
    return pd.DataFrame(rows)


def dataset_table() -> None:
    frame = dataset_frame()
    counts = {c: st.column_config.NumberColumn(format="localized")
              for c in ("Graphs", "Nodes", "Edges", "Features", "Classes")}
    # Tall enough for every row: a scrolling table hides datasets from a first look.
    st.dataframe(frame, hide_index=True, key="datasets", column_config=counts,
                 height=38 + 35 * len(frame))
