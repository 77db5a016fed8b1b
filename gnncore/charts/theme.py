"""The one look every chart shares, on screen and exported: font, sizes, names and colours.

Every builder ends with :func:`style`, which writes the theme into the chart's own spec
(``config``), so a PNG or SVG rendered by vl-convert and the chart a page draws with
``st.vega_lite_chart(spec, theme=None)`` come from the same spec and look the same. Nothing
here depends on Altair's global theme registry or on Streamlit's theme.

Names, colours and reading order of models and encodings come from the engines' registries
(:func:`gnncore.runs.models`), so GCN is the same blue in every chart whichever models are
on screen, and a new architecture brings its own. A metric's label and format come from its
engine's declaration (:func:`gnncore.runs.metric`).
"""

from __future__ import annotations

import textwrap
from functools import lru_cache
from typing import Iterable

import altair as alt
import pandas as pd

from gnncore import runs

# Liberation Sans has Arial's metrics, so text takes the same room in vl-convert's
# renderer (which has Liberation) and in a browser (which falls back to Arial/Helvetica).
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
WIDTH = 520
HEIGHT = 300
INK = "#222222"
MUTED = "#666666"
REFERENCE_COLOR = "#111111"

# For names outside the registries: assigned by sorted name, so still stable per set.
SPARE_COLORS = ["#72B7B2", "#EECA3B", "#FF9DA6", "#9D755D", "#BAB0AC", "#439894", "#D67195"]


@lru_cache(maxsize=1)
def _registry() -> dict:
    return runs.models()


def metric_label(metric: str) -> str:
    """As the engine that reports it declares it (gnncore.runs.metric)."""
    return runs.metric(metric).label


def is_fraction(metric: str) -> bool:
    """Stored as 0..1 and shown in percent, as its engine declares."""
    return runs.metric(metric).fraction


def display_name(name: str) -> str:
    """``gcn`` -> ``GCN``, ``rope`` -> ``RoPE``; unknown names pass through."""
    entry = _registry().get(str(name))
    return entry.label if entry is not None else str(name)


def order(names: Iterable[str]) -> list[str]:
    """Raw names in the registries' reading order, unknown ones after, sorted."""
    names = list(dict.fromkeys(str(n) for n in names))
    known = [n for n in _registry() if n in names]
    return known + sorted(n for n in names if n not in known)


def color_of(name: str, others: Iterable[str] = ()) -> str:
    entry = _registry().get(name)
    if entry is not None:
        return entry.color
    unknown = sorted(n for n in set(others) | {name} if n not in _registry())
    return SPARE_COLORS[unknown.index(name) % len(SPARE_COLORS)]


def color_scale(names: Iterable[str]) -> alt.Scale:
    """A colour scale over the *display* names of ``names`` (raw), each with its fixed colour."""
    raw = order(names)
    return alt.Scale(domain=[display_name(n) for n in raw], range=[color_of(n, raw) for n in raw])


def title(text: str, subtitle: str | list[str] | None = None, width: int = WIDTH + 50,
          **kwargs) -> alt.TitleParams:
    """A chart's title; each subtitle line longer than ``width`` pixels (the plot and its
    y axis; the title starts at the axis) wrapped into lines that fit, so the text never
    runs past the chart."""
    if subtitle:
        kwargs["subtitle"] = wrap(subtitle, width, CONFIG["title"]["subtitleFontSize"])
    return alt.TitleParams(text=text, anchor="start", **kwargs)


# Liberation Sans' mean advance over English text is ~0.47 em; 0.5 leaves a margin.
CHAR_EM = 0.5


def wrap(lines: str | list[str], width: int, font_size: float) -> str | list[str]:
    """``lines`` with every line wider than ``width`` pixels broken at spaces; one line that
    fits is returned as it came (a string stays a string)."""
    chars = max(20, int(width / (CHAR_EM * font_size)))
    given = [lines] if isinstance(lines, str) else list(lines)
    out = [part for line in given for part in _balanced(line, chars)]
    return lines if out == given else out


def _balanced(line: str, chars: int) -> list[str]:
    """``line`` in as few lines of at most ``chars`` as it needs, of about equal length (no
    one-word last line)."""
    if len(line) <= chars:
        return [line]
    n = len(textwrap.wrap(line, chars, break_on_hyphens=False))
    for width in range(-(-len(line) // n), chars + 1):
        parts = textwrap.wrap(line, width, break_on_hyphens=False)
        if len(parts) <= n:
            return parts
    return textwrap.wrap(line, chars, break_on_hyphens=False)


# Ticks about every 80 px along a default chart (520 x 300): labels such as "79.5%" take ~40.
TICKS = 6


def percent_axis(metric: str, values=None, **kwargs) -> alt.Axis:
    """Percent for fractions, with as many decimals as the tick step needs (``values``: what
    the axis spans; 69% 69% 70% is what too few give), about :data:`TICKS` ticks, and labels
    that would still touch dropped (labelOverlap greedy): never "79.5%80.0%"."""
    fmt = "~s"
    if is_fraction(metric):
        fmt = ".0%"
        if values is not None:
            finite = pd.to_numeric(pd.Series(list(values)), errors="coerce").dropna()
            step = (finite.max() - finite.min()) / TICKS if len(finite) else 1.0
            # d3 picks a step of 1, 2 or 5 x 10^k no smaller than 10^floor(log10(step)).
            fmt = ".0%" if step >= 0.01 else ".1%" if step >= 0.001 else ".2%"
    options = dict(format=fmt, tickCount=TICKS, labelOverlap="greedy", labelSeparation=6)
    return alt.Axis(**{**options, **kwargs})


def value_format(metric: str) -> str:
    """d3 format for tooltips: one decimal in percent for fractions, none for counts."""
    return runs.metric(metric).d3_format


CONFIG = dict(
    font=FONT,
    background="white",
    padding=12,
    view={"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
    title={"fontSize": 16, "fontWeight": "bold", "color": INK, "subtitleFontSize": 12,
           "subtitleColor": MUTED, "anchor": "start", "offset": 10},
    axis={"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": "normal",
          "titleColor": INK, "labelColor": INK, "gridColor": "#E6E6E6", "domainColor": "#999999",
          "tickColor": "#999999", "titlePadding": 8},
    legend={"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": "normal",
            "titleColor": INK, "labelColor": INK, "symbolSize": 120, "orient": "right",
            "labelLimit": 300},  # whole labels: "Position interpolation (Chen et al. 2023)"
    header={"labelFontSize": 13, "titleFontSize": 13},
    text={"fontSize": 12, "color": INK},
    range={"category": SPARE_COLORS},
)


def style(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Write the shared theme into a finished chart's spec; call it last, on the top level."""
    return chart.configure(**CONFIG)
