"""The Streamlit side of gnncore: the only package code that imports streamlit.

Every page starts with :func:`setup_page`. The rest, by module:

* :mod:`~gnncore.app.sidebar`: the GNN arena's sidebar, read into run specs;
* :mod:`~gnncore.app.training`: a page's request (resolved specs, stored runs, its job)
  and the Train button;
* :mod:`~gnncore.app.jobs`: training in a background thread, found again after a refresh;
* :mod:`~gnncore.app.progress`: the progress panel (a fragment) with the Stop button;
* :mod:`~gnncore.app.results`: the comparison section (table, charts);
* :mod:`~gnncore.app.export_ui`: download buttons for every chart and the comparison zip;
* :mod:`~gnncore.app.home`: the home page's page list and dataset table.
"""

from __future__ import annotations

import streamlit as st

APP_NAME = "gnncore arena"


def setup_page(title: str, icon: str, layout: str = "wide") -> None:
    """Page config and the sidebar header every page shares; call it first on every page."""
    st.set_page_config(page_title=f"{title} · {APP_NAME}", page_icon=icon, layout=layout)
    from gnncore.app.home import sidebar_menu

    with st.sidebar:
        sidebar_menu()
        st.divider()
        st.caption(f"**{APP_NAME}**: train architectures side by side on real data, "
                   "compare them, export the comparison.")
