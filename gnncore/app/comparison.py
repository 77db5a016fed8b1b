"""What both pages' results sections share: a comparison (its frames and charts, each chart
serialised once), drawing one chart with its downloads, and keeping the last comparison a
session drew so a rerun that changes nothing builds nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Hashable, TypeVar

import altair as alt
import pandas as pd
import streamlit as st

from gnncore.app import export_ui

T = TypeVar("T")
LOG = logging.getLogger(__name__)


@dataclass
class Comparison:
    """Everything a results section draws and exports.

    frames: every tidy table, by name (the zip's ``data/``), also as attributes
    (``comparison.runs``); data: for a chart, the frame its CSV button gives (the ``runs``
    frame where not named).
    """

    charts: dict[str, alt.TopLevelMixin]
    frames: dict[str, pd.DataFrame]
    metric: str
    data: dict[str, pd.DataFrame] = field(default_factory=dict)
    specs: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self):
        # Serialised once, for the screen and the downloads alike. Without the schema
        # validation (0.1-0.5 s a chart, on every redraw while training); the chart
        # builders' own tests validate what they build.
        self.specs = {name: chart.to_dict(validate=False) for name, chart in self.charts.items()}

    def __getattr__(self, name: str) -> pd.DataFrame:
        frames = self.__dict__.get("frames", {})
        if name in frames:
            return frames[name]
        raise AttributeError(name)

    def data_for(self, chart: str) -> pd.DataFrame:
        """The tidy frame a chart was built from (what its CSV button gives)."""
        return self.data.get(chart, self.frames.get("runs"))


def draw(comparison: Comparison, name: str, file_stem: str, key: str | None = None,
         caption: str | None = None, lead: str | None = None) -> None:
    """The comparison's chart ``name`` (see :func:`draw_spec`), its CSV the frame it came from."""
    draw_spec(comparison.specs[name], comparison.data_for(name), key or name, file_stem, caption, lead)


def draw_spec(spec: dict, data: pd.DataFrame, key: str, file_stem: str, caption: str | None = None,
              lead: str | None = None) -> None:
    """One chart as exported (its own theme, natural size), a line of text (``lead``) and
    what to look for in it (``caption``), then its download buttons (``data`` as its CSV)."""
    # theme=None: the chart's own theme, not Streamlit's; autosize "pad" as vl-convert uses for
    # the exports (Streamlit would otherwise squeeze the plot to fit title and legend), so
    # the screen shows what the exported files contain.
    screen = {"autosize": {"type": "pad", "contains": "padding"}, **spec}
    st.vega_lite_chart(spec=screen, theme=None, width="content", key=f"chart:{key}")
    if lead:
        st.markdown(lead)
    if caption:
        st.caption(caption)
    export_ui.chart_downloads(spec, data, key, file_stem=file_stem)


def memo(slot: str, key: Hashable, build: Callable[[], T]) -> T:
    """What this session built last in ``slot`` (a comparison, a chart), rebuilt only when
    ``key`` changed (building and serialising charts costs most of a rerun)."""
    last = st.session_state.get(slot)
    if last is None or last[0] != key:
        last = (key, build())
        st.session_state[slot] = last
    return last[1]


def results_key(results) -> tuple:
    return tuple((r.spec.key, r.cached) for r in results)


def finished_caption(results, specs, training: bool) -> None:
    """How many of the asked-for runs the section shows."""
    if len(results) < len(specs):
        st.caption(f"{len(results)} of {len(specs)} runs finished"
                   + (" so far; the charts grow as runs finish." if training else ": the charts show those."))


def view_failed(view: str, error: Exception) -> None:
    """One view could not be drawn: say so in a sentence, log the traceback; the caller goes
    on with the rest of the page (Streamlit's rerun and stop are not Exceptions, so they pass)."""
    LOG.error("%s could not be drawn", view, exc_info=error)
    st.error(f"{view} could not be drawn ({type(error).__name__}: {error}). The rest of the page "
             "is unaffected; the comparison zip holds the runs' data.", icon=":material/error:")
