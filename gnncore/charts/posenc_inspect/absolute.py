"""Position written into the vector: integer, binary and sinusoidal encodings, and how
alike two sinusoidal positions are against their distance."""

from __future__ import annotations

import altair as alt
import pandas as pd

from gnncore.charts.posenc_inspect.parts import (DIVERGING, HEATMAP_HEIGHT, inline, position_axis, ticks,
                                                titled)
from gnncore.charts.stats import require
from gnncore.charts.theme import MUTED, style, title


def encoding_heatmaps(integer: pd.DataFrame, binary: pd.DataFrame,
                      sinusoidal: pd.DataFrame) -> alt.TopLevelMixin:
    """Three position x dimension heatmaps side by side, each with its own colour scale.

    integer: rows (position, value[, scaled]) as ``inspect.integer_encoding`` gives;
    binary: rows (position, bit, value); sinusoidal: rows (position, dimension, value).
    """
    require(integer, ["position", "value"], "encoding_heatmaps (integer)")
    require(binary, ["position", "bit", "value"], "encoding_heatmaps (binary)")
    require(sinusoidal, ["position", "dimension", "value"], "encoding_heatmaps (sinusoidal)")
    length = int(sinusoidal["position"].max()) + 1
    y = position_axis(length)
    ints = integer.assign(column="p")
    int_panel = alt.Chart(inline(ints)).mark_rect().encode(
        x=alt.X("column:N", title=None, axis=alt.Axis(labelAngle=0)), y=y,
        color=alt.Color("value:Q", title="p", scale=alt.Scale(scheme="greens", domainMin=0),
                        legend=alt.Legend(orient="bottom", gradientLength=90, titleOrient="left")),
        tooltip=[alt.Tooltip("position:O", title="Position"), alt.Tooltip("value:Q", title="Value")]
        + ([alt.Tooltip("scaled:Q", title="p / (length − 1)", format=".3f")]
           if "scaled" in integer else []),
    ).properties(width=56, height=HEATMAP_HEIGHT,
                 title=title("Integer", ["p itself:", f"grows to {length - 1}"]))
    bits = int(binary["bit"].max()) + 1
    bin_panel = alt.Chart(inline(binary)).mark_rect().encode(
        x=alt.X("bit:O", title="Bit (0 flips fastest)", axis=alt.Axis(labelAngle=0)), y=y,
        color=alt.Color("value:N", title="Bit", scale=alt.Scale(domain=[0, 1], range=["#F1F1F1", "#2F4B7C"]),
                        legend=alt.Legend(orient="bottom", direction="horizontal", titleOrient="left")),
        tooltip=[alt.Tooltip("position:O", title="Position"), alt.Tooltip("bit:O", title="Bit"),
                 alt.Tooltip("value:N", title="Value")],
    ).properties(width=max(90, 18 * bits), height=HEATMAP_HEIGHT,
                 title=title("Binary", ["bit b of p: 0 or 1,", "flips every 2^b positions"]))
    d_model = int(sinusoidal["dimension"].max()) + 1
    sin_panel = alt.Chart(inline(sinusoidal)).mark_rect().encode(
        x=alt.X("dimension:O", title="Dimension i", axis=alt.Axis(values=ticks(d_model), labelAngle=0)),
        y=y,
        color=alt.Color("value:Q", title="PE(p, i)", scale=alt.Scale(scheme=DIVERGING, domain=[-1, 1]),
                        legend=alt.Legend(orient="bottom", gradientLength=160, titleOrient="left")),
        tooltip=[alt.Tooltip("position:O", title="Position"),
                 alt.Tooltip("dimension:O", title="Dimension"),
                 alt.Tooltip("value:Q", title="Value", format=".3f")],
    ).properties(width=max(240, min(420, 5 * d_model)), height=HEATMAP_HEIGHT,
                 title=title("Sinusoidal (Vaswani et al. 2017)",
                             ["sin / cos of p at d_model / 2 frequencies:",
                              "a smooth, bounded binary counter"]))
    chart = alt.hconcat(int_panel, bin_panel, sin_panel, spacing=28).resolve_scale(color="independent")
    return style(chart.properties(title=title(
        f"Three ways to write position p into a vector ({length} positions, d_model {d_model})",
        "Each row is the vector added to the token at that position. Hover for the values.",
        offset=14)))


def dot_product_vs_distance(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """PE(p) . PE(p + k) against k; one line per ``reference`` p when the frame has several."""
    require(frame, ["distance", "dot_product"], "dot_product_vs_distance")
    data = frame.copy()
    if "reference" not in data:
        data["reference"] = 0
    data["from"] = data["reference"].map(lambda r: f"from position {r}")
    froms = list(dict.fromkeys(data["from"]))
    # Later lines dashed and in another colour, so lines lying on top of each other show.
    dashes = alt.StrokeDash("from:N", title="Compared", sort=froms,
                            scale=alt.Scale(domain=froms, range=[[1, 0], [7, 5], [2, 4]][: len(froms)]))
    colors = alt.Color("from:N", title="Compared", sort=froms,
                       scale=alt.Scale(domain=froms, range=["#4C78A8", "#F58518", "#222222"][: len(froms)]))
    base = alt.Chart(data).encode(
        x=alt.X("distance:Q", title="Distance k between the two positions", scale=alt.Scale(nice=False)),
        y=alt.Y("dot_product:Q", title="PE(p) · PE(p + k)"))
    line = base.mark_line(strokeWidth=2.4).encode(
        strokeDash=dashes, color=colors, tooltip=[alt.Tooltip("from:N", title="Compared"),
                                    alt.Tooltip("distance:Q", title="Distance k"),
                                    alt.Tooltip("dot_product:Q", title="Dot product", format=".3f")])
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=MUTED, strokeWidth=1).encode(y="y:Q")
    d_half = float(data["dot_product"].max())
    subtitle = [f"Largest (d_model / 2 = {d_half:.0f}) at distance 0, then lower and wavy: nearby "
                "positions look alike, far ones less so.",
                "The lines starting at different positions lie on top of each other: the similarity "
                "depends on the distance only."]
    return style(alt.layer(zero, line).properties(
        title=titled("Sinusoids: similarity of two positions against their distance", subtitle)))
