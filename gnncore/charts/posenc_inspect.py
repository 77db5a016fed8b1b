"""Look-inside charts for the positional-encoding lab: what each encoding gives the model.

Model-free pictures take the tidy tables of :mod:`gnncore.posenc.inspect` and
:mod:`gnncore.posenc.pictures`; the two that need a trained model take the run tables
``t5_bias``, ``learned_bias`` and ``attention`` as ``runs.table_frame`` gives them. Each builder returns a
styled Altair chart and imports no Streamlit.

* :func:`encoding_heatmaps`: integer, binary and sinusoidal encodings, position x dimension;
* :func:`dot_product_vs_distance`: PE(p) . PE(p + k) against k;
* :func:`rotation_circles`, :func:`query_key_angles_chart`: a shift is a rotation;
* :func:`rope_score_vs_distance`: q_m . k_n under RoPE against m - n;
* :func:`alibi_matrices`: ALiBi's bias per head;
* :func:`t5_bucket_mapping`, :func:`t5_learned_bias`: T5's buckets, and the bias it learned;
* :func:`learned_relative_bias`: the bias FIRE or Kerple learned, per head;
* :func:`rope_scaling_frequencies`: RoPE's frequencies under each scaling (log scale);
* :func:`attention_maps`: attention at a trained length and a longer one, per encoding.
"""

from __future__ import annotations

import json
import math
import textwrap

import altair as alt
import pandas as pd

from gnncore.charts.stats import require, sort_models
from gnncore.charts.posenc import TRAINED_SHADE
from gnncore.charts.theme import HEIGHT, INK, MUTED, style, title

HEATMAP_HEIGHT = 340
ATTENTION_SIZE = 240
POSITION = "Position p"
MASKED = "#E4E4E4"  # future keys, which causal attention never sees
DIVERGING = "blueorange"  # -1 blue, 0 pale, +1 orange
HEAD_COLORS = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#B279A2", "#72B7B2", "#EECA3B",
               "#9D755D", "#FF9DA6", "#BAB0AC", "#439894", "#D67195", "#8C8C8C", "#2F4B7C",
               "#A05195", "#665191"]


# ---- integer, binary, sinusoidal ----

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
    y = _position_axis(length)
    ints = integer.assign(column="p")
    int_panel = alt.Chart(_values(ints)).mark_rect().encode(
        x=alt.X("column:N", title=None, axis=alt.Axis(labelAngle=0)), y=y,
        color=alt.Color("value:Q", title="p", scale=alt.Scale(scheme="greens", domainMin=0),
                        legend=alt.Legend(orient="bottom", gradientLength=90, titleOrient="left")),
        tooltip=[alt.Tooltip("position:O", title="Position"), alt.Tooltip("value:Q", title="Value")]
        + ([alt.Tooltip("scaled:Q", title="p / (length − 1)", format=".3f")]
           if "scaled" in integer else []),
    ).properties(width=56, height=HEATMAP_HEIGHT,
                 title=title("Integer", ["p itself:", f"grows to {length - 1}"]))
    bits = int(binary["bit"].max()) + 1
    bin_panel = alt.Chart(_values(binary)).mark_rect().encode(
        x=alt.X("bit:O", title="Bit (0 flips fastest)", axis=alt.Axis(labelAngle=0)), y=y,
        color=alt.Color("value:N", title="Bit", scale=alt.Scale(domain=[0, 1], range=["#F1F1F1", "#2F4B7C"]),
                        legend=alt.Legend(orient="bottom", direction="horizontal", titleOrient="left")),
        tooltip=[alt.Tooltip("position:O", title="Position"), alt.Tooltip("bit:O", title="Bit"),
                 alt.Tooltip("value:N", title="Value")],
    ).properties(width=max(90, 18 * bits), height=HEATMAP_HEIGHT,
                 title=title("Binary", ["bit b of p: 0 or 1,", "flips every 2^b positions"]))
    d_model = int(sinusoidal["dimension"].max()) + 1
    sin_panel = alt.Chart(_values(sinusoidal)).mark_rect().encode(
        x=alt.X("dimension:O", title="Dimension i", axis=alt.Axis(values=_ticks(d_model), labelAngle=0)),
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
        title=_title("Sinusoids: similarity of two positions against their distance", subtitle)))


# ---- a shift is a rotation ----

def rotation_circles(points: pd.DataFrame, label_up_to: int = 12) -> alt.TopLevelMixin:
    """One 2-D pair (cos p·θ, sin p·θ) at positions 0, 1, 2, ..., one circle per frequency.

    points: rows (frequency, theta, position, x, y) as ``pictures.rotation_points`` gives.
    """
    require(points, ["frequency", "position", "x", "y"], "rotation_circles")
    ring = pd.DataFrame({"x": [math.cos(2 * math.pi * t / 96) for t in range(97)],
                         "y": [math.sin(2 * math.pi * t / 96) for t in range(97)],
                         "t": range(97)})
    last = int(points["position"].max())
    color = alt.Color("position:Q", title="Position p",
                      scale=alt.Scale(scheme="viridis", domain=[0, last]),
                      legend=alt.Legend(orient="bottom", gradientLength=220, titleOrient="left"))
    panels = []
    for frequency in dict.fromkeys(points["frequency"]):
        mine = points[points["frequency"] == frequency]
        axis = dict(scale=alt.Scale(domain=[-1.25, 1.25], nice=False))
        circle = alt.Chart(ring).mark_line(color="#CCCCCC", strokeWidth=1).encode(
            x=alt.X("x:Q", title="first dimension of the pair", **axis),
            y=alt.Y("y:Q", title="second dimension", **axis), order="t:Q")
        path = alt.Chart(mine).mark_line(color="#BBBBBB", strokeWidth=1, strokeDash=[2, 2]).encode(
            x="x:Q", y="y:Q", order="position:Q")
        dots = alt.Chart(mine).mark_circle(size=70, opacity=0.9).encode(
            x="x:Q", y="y:Q", color=color,
            tooltip=[alt.Tooltip("position:Q", title="Position"),
                     alt.Tooltip("angle:Q", title="Angle p·θ (rad)", format=".2f")])
        # Every position where the points are far enough apart to read, else every k-th.
        theta = float(mine["theta"].iloc[0]) if "theta" in mine else 1.0
        every = max(1, math.ceil(0.3 / theta)) if theta > 0 else 1
        shown = mine[(mine["position"] <= label_up_to * every) & (mine["position"] % every == 0)]
        labels = alt.Chart(shown).mark_text(
            dx=9, dy=-8, fontSize=11, color=INK).encode(x="x:Q", y="y:Q", text="position:Q")
        panels.append(alt.layer(circle, path, dots, labels).properties(
            width=210, height=210, title=title(str(frequency))))
    subtitle = ["Each position turns the pair by the same angle θ more: a shift by k positions is a "
                "rotation by k·θ.",
                "A large θ spins fast (fine position, repeats soon); a small θ turns slowly (coarse "
                "position, no repeats for long)."]
    chart = alt.hconcat(*panels, spacing=24).resolve_scale(color="shared")
    return style(chart.properties(title=_title(
        f"A shift is a rotation: one pair of dimensions at positions 0 to {last}", subtitle, 110, offset=14)))


def query_key_angles_chart(angles: pd.DataFrame, theta: float | None = None) -> alt.TopLevelMixin:
    """The angle between q turned to position m and k turned to position n, against m, one
    line per offset m - n. Rows as ``pictures.query_key_angles`` gives."""
    require(angles, ["query_position", "key_position", "offset", "degrees"], "query_key_angles_chart")
    data = angles.assign(label=angles["offset"].map(lambda k: f"m − n = {k}"))
    labels = [f"m − n = {k}" for k in sorted(data["offset"].unique())]
    color = alt.Color("label:N", title="Offset", sort=labels,
                      scale=alt.Scale(domain=labels, range=HEAD_COLORS[: len(labels)]))
    tooltip = [alt.Tooltip("query_position:Q", title="Query position m"),
               alt.Tooltip("key_position:Q", title="Key position n"),
               alt.Tooltip("degrees:Q", title="Angle (degrees)", format=".1f")]
    if "score" in data:
        tooltip.append(alt.Tooltip("score:Q", title="q · k", format=".3f"))
    base = alt.Chart(data).encode(
        x=alt.X("query_position:Q", title="Query position m (the key sits at n = m − offset)",
                axis=alt.Axis(tickMinStep=1, format="d"), scale=alt.Scale(nice=False)),
        y=alt.Y("degrees:Q", title="Angle between q and k (degrees)",
                scale=alt.Scale(domain=[-180, 180]), axis=alt.Axis(values=list(range(-180, 181, 90)))),
        color=color)
    lines = base.mark_line(strokeWidth=2.2)
    dots = base.mark_point(filled=True, size=40).encode(tooltip=tooltip)
    per = f"θ = {theta:.3g} rad" if theta is not None else "θ"
    subtitle = [f"q and k start as the same vector; q is turned by m·θ, k by n·θ ({per} per position).",
                "Flat lines: moving both positions along together never changes the angle. It is "
                "(m − n)·θ, so q · k sees only the offset."]
    return style(alt.layer(lines, dots).properties(
        title=_title("The angle between q at m and k at n depends only on m − n", subtitle)))


def rope_score_vs_distance(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """q_m . k_n of RoPE-rotated all-ones q and k against m - n (``inspect.rope_score``)."""
    require(frame, ["distance", "score"], "rope_score_vs_distance")
    base = alt.Chart(frame).encode(
        x=alt.X("distance:Q", title="Distance m − n between query and key", scale=alt.Scale(nice=False)),
        y=alt.Y("score:Q", title="Score q_m · k_n"))
    line = base.mark_line(strokeWidth=2.2, color="#B279A2").encode(
        tooltip=[alt.Tooltip("distance:Q", title="Distance"),
                 alt.Tooltip("score:Q", title="Score", format=".3f")])
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=MUTED, strokeWidth=1).encode(y="y:Q")
    peak = float(frame["score"].iloc[0]) if len(frame) else 0.0
    subtitle = [f"The same q and k at every position: the score is {peak:.0f} (d_head) at distance 0 "
                "and then decays, with ripples, as they move apart (Su et al. 2021, §3.4.3).",
                "Only the distance enters: the absolute positions have cancelled inside q · k."]
    return style(alt.layer(zero, line).properties(
        title=_title("RoPE: attention score against distance", subtitle)))


# ---- ALiBi and T5 ----

def alibi_matrices(frame: pd.DataFrame, columns: int = 4) -> alt.TopLevelMixin:
    """ALiBi's bias -m_h (i - j) per head as query x key heatmaps (``inspect.alibi_bias``)."""
    require(frame, ["head", "slope", "query", "key", "bias"], "alibi_matrices")
    length = int(frame["query"].max()) + 1
    # The masked future keys as grey cells, so a head whose bias is near 0 (white) still
    # shows where its triangle ends.
    future = pd.DataFrame([{"head": h, "slope": s, "query": i, "key": j, "bias": None}
                           for h, s in frame[["head", "slope"]].drop_duplicates().itertuples(index=False)
                           for i in range(length) for j in range(i + 1, length)],
                          columns=["head", "slope", "query", "key", "bias"])
    data = pd.concat([frame[["head", "slope", "query", "key", "bias"]], future], ignore_index=True)
    data["masked"] = data["bias"].isna()
    data["value"] = [("masked: a future key" if m else f"{b:.3f}")
                     for m, b in zip(data["masked"], data["bias"])]
    data["bias"] = data["bias"].fillna(0.0)  # drawn grey by the condition below, not as a value
    data["panel"] = [f"head {int(h) + 1}: slope {_fraction(s)}" for h, s in zip(data["head"], data["slope"])]
    panels = list(dict.fromkeys(data.sort_values("head", kind="stable")["panel"]))
    ticks = _ticks(length, 5)
    low = float(frame["bias"].min()) or -1.0
    chart = alt.Chart(_values(data)).mark_rect().encode(
        x=alt.X("key:O", title="Key position j", axis=alt.Axis(values=ticks, labelAngle=0)),
        y=alt.Y("query:O", title="Query position i", axis=alt.Axis(values=ticks)),
        color=alt.condition("datum.masked", alt.value(MASKED), alt.Color(
            "bias:Q", title="Bias added to the score",
            scale=alt.Scale(domain=[low, 0], range=["#99000D", "#FFFFFF"], interpolate="lab"),
            legend=alt.Legend(orient="bottom", gradientLength=260, titleOrient="left"))),
        tooltip=[alt.Tooltip("panel:N", title="Head"), alt.Tooltip("query:O", title="Query i"),
                 alt.Tooltip("key:O", title="Key j"), alt.Tooltip("value:N", title="Bias")],
    ).properties(width=150, height=150).facet(
        facet=alt.Facet("panel:N", title=None, sort=panels,
                         header=alt.Header(labelFontSize=12, labelAnchor="start")),
        columns=columns)
    subtitle = ["Score(i, j) gets −slope × (i − j): nothing is learned, the penalty just grows with "
                "distance. White: no penalty (the token itself); grey: future keys, masked.",
                "Steep heads look only at the last few tokens, flat heads far back. A longer input "
                "adds rows of the same pattern (Press et al. 2022)."]
    return style(chart.properties(title=_title(
        f"ALiBi: the bias each head adds to attention ({length} positions)", subtitle, 100, offset=14)))


def t5_bucket_mapping(frame: pd.DataFrame, buckets: int = 32, max_distance: int = 128) -> alt.TopLevelMixin:
    """Distance -> T5 bucket (``inspect.t5_buckets``): exact for small distances, then log-spaced."""
    require(frame, ["distance", "bucket"], "t5_bucket_mapping")
    exact = buckets // 2
    longest = int(frame["distance"].max())
    shade = alt.Chart(pd.DataFrame([{"start": 0, "end": min(exact, longest)}])).mark_rect(
        color=TRAINED_SHADE).encode(x="start:Q", x2="end:Q")
    shade_label = pd.DataFrame([{"x": 0, "label": f"one bucket per distance (0–{exact - 1})"}])
    shade_text = alt.Chart(shade_label).mark_text(
        align="left", baseline="bottom", dy=-4, color=MUTED, fontSize=12).encode(
        x="x:Q", y=alt.value(0), text="label:N")
    layers = [shade, shade_text]
    line = alt.Chart(frame).mark_line(interpolate="step-after", strokeWidth=2.2, color="#54A24B").encode(
        x=alt.X("distance:Q", title="Distance i − j between query and key",
                scale=alt.Scale(domain=[0, longest], nice=False)),
        y=alt.Y("bucket:Q", title="Bucket (one learned number per head)",
                scale=alt.Scale(domain=[0, buckets - 1])),
        tooltip=[alt.Tooltip("distance:Q", title="Distance"), alt.Tooltip("bucket:Q", title="Bucket")])
    layers.append(line)
    if max_distance <= longest:
        rule = pd.DataFrame([{"x": max_distance, "label": f"{max_distance}: last bucket from here on"}])
        layers += [alt.Chart(rule).mark_rule(color=MUTED, strokeDash=[6, 4]).encode(x="x:Q"),
                   alt.Chart(rule).mark_text(align="right", dx=-4, dy=-6, baseline="bottom", color=MUTED,
                                             fontSize=11).encode(x="x:Q", y=alt.value(HEIGHT), text="label:N")]
    subtitle = [f"{buckets} buckets: distances below {exact} get one each, larger ones share "
                f"logarithmically wider buckets up to {max_distance}, everything further the last one.",
                "Few buckets cover long distances, so a longer input adds few new ones; but a bucket "
                "no training distance reached stays untrained (Raffel et al. 2020)."]
    return style(alt.layer(*layers).properties(
        title=_title("T5 relative bias: which bucket each distance falls in", subtitle, offset=24)))


def t5_learned_bias(frame: pd.DataFrame, trained_distance: int | None = None) -> alt.TopLevelMixin:
    """The learned T5 bias per head against distance (the run table ``t5_bias``), one line
    per head; distances that occurred in training shaded. Pass one run's rows."""
    require(frame, ["head", "distance", "bias"], "t5_learned_bias")
    extra = [alt.Tooltip("bucket:Q", title="Bucket")] if "bucket" in frame else []
    layers = _bias_by_head(frame, trained_distance, extra, interpolate="step-after")
    subtitle = ["One learned number per head and bucket, added to every score at that distance. "
                "Flat steps: distances sharing a bucket.",
                "Right of the grey area: distances never seen in training. A bucket only they use "
                "was never updated and keeps its starting value, near 0."]
    return style(alt.layer(*layers).properties(
        title=_title("T5 bias the model learned, per head", subtitle, offset=24)))


def _bias_by_head(frame: pd.DataFrame, trained_distance: int | None, extra_tooltip: list,
                  interpolate: str | None = None) -> list:
    """A learned bias against distance, one line per head, over the shade of the trained
    distances: the layers the T5, FIRE and Kerple pictures share."""
    data = frame.assign(label=frame["head"].map(lambda h: f"head {int(h) + 1}"))
    labels = [f"head {h + 1}" for h in sorted(int(h) for h in frame["head"].unique())]
    longest = int(data["distance"].max())
    tooltip = [alt.Tooltip("label:N", title="Head"), alt.Tooltip("distance:Q", title="Distance"),
               alt.Tooltip("bias:Q", title="Bias", format=".3f"), *extra_tooltip]
    layers = _trained_shade(trained_distance, longest)
    line = {"interpolate": interpolate} if interpolate else {}
    layers.append(alt.Chart(data).mark_line(strokeWidth=2, **line).encode(
        x=alt.X("distance:Q", title="Distance i − j between query and key",
                scale=alt.Scale(domain=[0, longest], nice=False)),
        y=alt.Y("bias:Q", title="Learned bias added to the score"),
        color=alt.Color("label:N", title="Head", sort=labels,
                        scale=alt.Scale(domain=labels, range=HEAD_COLORS[: len(labels)])),
        tooltip=tooltip))
    return layers


def learned_relative_bias(frame: pd.DataFrame, encoding: str,
                          trained_distance: int | None = None) -> alt.TopLevelMixin:
    """FIRE's or Kerple's learned bias per head against distance (the run table
    ``learned_bias`` of one run), one line per head; distances seen in training shaded.
    ``encoding`` is "fire" or "kerple" (it picks the title and subtitle)."""
    require(frame, ["head", "distance", "bias"], "learned_relative_bias")
    extra = [alt.Tooltip(f"{r}:Q", title=r, format=".3f") for r in ("r1", "r2") if r in frame]
    layers = _bias_by_head(frame, trained_distance, extra)
    if encoding == "kerple":
        heading = "Kerple bias the model learned, per head"
        subtitle = ["−r1 · log(1 + r2 · distance) with r1, r2 learned per head: a penalty that "
                    "only grows with distance, ever more slowly.",
                    "Right of the grey area the same curve simply carries on: nothing new for "
                    "the model to meet."]
    else:
        heading = "FIRE bias the model learned, per head"
        subtitle = [f"An MLP of ψ(i − j) / ψ(max(L, i)), ψ(x) = log(cx + 1), here for the query at "
                    f"position {int(frame['distance'].max())} (the bias depends on where the query is).",
                    "Dividing by ψ(i) squeezes every length's distances into [0, 1], so a longer "
                    "input reuses the inputs the MLP was trained on."]
    return style(alt.layer(*layers).properties(title=_title(heading, subtitle, offset=24)))


def _trained_shade(trained_distance: int | None, longest: int) -> list[alt.Chart]:
    """The grey band over distances 0..trained_distance and its label (none without one)."""
    if trained_distance is None:
        return []
    marks = pd.DataFrame([{"start": 0, "end": min(trained_distance, longest),
                           "label": f"distances seen in training (0–{trained_distance})"}])
    return [alt.Chart(marks).mark_rect(color=TRAINED_SHADE).encode(x="start:Q", x2="end:Q"),
            alt.Chart(marks).mark_text(align="left", baseline="bottom", dy=-4, color=MUTED,
                                       fontSize=12).encode(x="start:Q", y=alt.value(0), text="label:N")]


# ---- RoPE scaling ----

SCALING_STYLE = {"none": ("#222222", [1, 0]), "pi": ("#4C78A8", [1, 0]),
                 "ntk": ("#F58518", [6, 3]), "yarn": ("#54A24B", [2, 3])}


def rope_scaling_frequencies(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """RoPE's frequency per dimension pair under each scaling (``inspect.rope_scaled_frequencies``),
    one line per scaling on a log scale; dashed lines so coinciding ones show."""
    require(frame, ["scaling", "label", "pair", "frequency", "scale"], "rope_scaling_frequencies")
    labels = list(dict.fromkeys(frame["label"]))
    names = list(dict.fromkeys(frame["scaling"]))
    colors = [SCALING_STYLE.get(n, (MUTED, [1, 0]))[0] for n in names]
    dashes = [SCALING_STYLE.get(n, (MUTED, [1, 0]))[1] for n in names]
    tooltip = [alt.Tooltip("label:N", title="Scaling"), alt.Tooltip("pair:Q", title="Pair i"),
               alt.Tooltip("frequency:Q", title="θ (rad/position)", format=".3g")]
    tooltip += [alt.Tooltip("wavelength:Q", title="Positions per turn", format=".3g")] if "wavelength" in frame else []
    tooltip += [alt.Tooltip("ratio:Q", title="θ' / θ", format=".3f")] if "ratio" in frame else []
    pairs = int(frame["pair"].max()) + 1
    base = alt.Chart(frame).encode(
        x=alt.X("pair:Q", title="Dimension pair i (fast → slow)",
                scale=alt.Scale(domain=[0, pairs - 1], nice=False), axis=alt.Axis(values=_ticks(pairs))),
        y=alt.Y("frequency:Q", title="Frequency θᵢ (radians per position, log scale)",
                scale=alt.Scale(type="log")),
        color=alt.Color("label:N", title="Scaling", sort=labels, scale=alt.Scale(domain=labels, range=colors)),
        tooltip=tooltip)
    line = base.mark_line(strokeWidth=2.2).encode(
        strokeDash=alt.StrokeDash("label:N", title="Scaling", sort=labels,
                                  scale=alt.Scale(domain=labels, range=dashes)))
    dots = base.mark_point(filled=True, size=28)
    scale = float(frame["scale"].iloc[0])
    subtitle = [f"At scale s = {scale:.3g} (longest test input / longest trained one). PI divides "
                "every θ by s; NTK raises the base, so the fast pairs keep their θ and the slowest "
                "is divided by s;",
                "YaRN interpolates only the slow pairs (fewer than 32 turns over the trained "
                "length), keeps the fast ones, and scales q and k by 0.1 ln s + 1."]
    return style(alt.layer(line, dots).properties(
        title=_title("RoPE's frequencies under each scaling", subtitle, offset=14)))


# ---- attention of trained models ----

def attention_cells(frame: pd.DataFrame, layer: int = 0, head: int | None = None) -> pd.DataFrame:
    """The cells of one layer's attention maps per (model, example): one head's weights, or
    with ``head=None`` the mean over heads (cells a head left out count as 0).

    frame: the run table ``attention`` (model, example, length, layer, head, query,
    key_position, weight), one run per model. Returns (model, name, example, length, panel,
    query, key, weight) with ``panel`` a readable column label.
    """
    if "key_position" in frame:  # named so, not "key", so as not to hide the run's key column
        frame = frame.drop(columns="key", errors="ignore").rename(columns={"key_position": "key"})
    require(frame, ["model", "example", "length", "layer", "head", "query", "key", "weight"],
            "attention_cells")
    rows = frame[frame["layer"] == layer]
    by = ["model", "example", "length", "query", "key"]
    if head is None:
        heads = rows.groupby("model")["head"].transform("max") + 1
        if "heads" in rows:
            heads = pd.to_numeric(rows["heads"])
        cells = rows.assign(weight=rows["weight"] / heads).groupby(by, as_index=False)["weight"].sum()
    else:
        cells = rows[rows["head"] == head][by + ["weight"]].copy()
    cells["panel"] = [_example_label(e, n) for e, n in zip(cells["example"], cells["length"])]
    return sort_models(cells.reset_index(drop=True))


def attention_maps(cells: pd.DataFrame, what: str = "layer 1, mean over heads") -> alt.TopLevelMixin:
    """Attention heatmaps (query x key), a row per encoding and a column per input: the
    trained length and a longer one. ``cells`` as :func:`attention_cells` gives.

    An encoding with no map at the longer input (learned absolute, past its table) gets a
    sentence in that place instead.
    """
    require(cells, ["name", "example", "length", "query", "key", "weight"], "attention_maps")
    data = cells.assign(key_end=cells["key"] + 1, query_end=cells["query"] + 1)
    names = list(dict.fromkeys(data["name"]))
    lengths = {e: int(data.loc[data["example"] == e, "length"].max())
               for e in ("train", "test") if (data["example"] == e).any()}
    color = alt.Color("weight:Q", title="Attention weight", scale=alt.Scale(scheme="blues", domain=[0, 1]),
                      legend=alt.Legend(orient="top", gradientLength=220, titleOrient="left"))
    rows = []
    for name in names:
        panels = []
        for example, length in lengths.items():
            mine = data[(data["name"] == name) & (data["example"] == example)]
            heading = f"{name} · {_example_label(example, length)}"
            if mine.empty:
                panels.append(_no_map(heading))
            else:
                panels.append(_attention_panel(mine, heading, color))
        rows.append(alt.hconcat(*panels, spacing=36))
    subtitle = [f"One example at each input length ({what}). Each row of a map is one token: "
                "where it looks (darker: more weight; white: under 2%, or not among a head's 4 strongest).",
                "The answer's tokens (lower rows) look back at the input (left columns). A pattern "
                "that stays clean on the longer input generalises; one that blurs or breaks does not."]
    chart = alt.vconcat(*rows, spacing=22).resolve_scale(color="shared")
    return style(chart.properties(title=_title("What trained models attend to", subtitle, 96, offset=14)))


def _attention_panel(cells: pd.DataFrame, heading: str, color: alt.Color) -> alt.Chart:
    tokens = int(max(cells["query"].max(), cells["key"].max())) + 1
    scale = dict(nice=False, zero=True)
    return alt.Chart(_values(cells)).mark_rect().encode(
        x=alt.X("key:Q", title="Key position (token looked at)", scale=alt.Scale(domain=[0, tokens], **scale)),
        x2="key_end:Q",
        y=alt.Y("query:Q", title="Query position", scale=alt.Scale(domain=[0, tokens], reverse=True, **scale)),
        y2="query_end:Q",
        color=color,
        tooltip=[alt.Tooltip("name:N", title="Encoding"), alt.Tooltip("query:Q", title="Query"),
                 alt.Tooltip("key:Q", title="Key"), alt.Tooltip("weight:Q", title="Weight", format=".2f")],
    ).properties(width=ATTENTION_SIZE, height=ATTENTION_SIZE, title=alt.TitleParams(heading, fontSize=13))


def _no_map(heading: str) -> alt.Chart:
    text = pd.DataFrame({"line": ["No map: this encoding has no position\nvector for tokens past its table."]})
    return alt.Chart(text).mark_text(fontSize=13, color=MUTED, align="center", lineBreak="\n").encode(
        x=alt.value(ATTENTION_SIZE / 2), y=alt.value(ATTENTION_SIZE / 2), text="line:N",
    ).properties(width=ATTENTION_SIZE, height=ATTENTION_SIZE, title=alt.TitleParams(heading, fontSize=13))


# ---- helpers ----

def _title(text: str, subtitle: list[str], chars: int = 86, **kwargs) -> alt.TitleParams:
    """A title whose subtitle lines are wrapped to about ``chars`` characters: a browser cuts
    a subtitle line at the chart's width (with "…"), where vl-convert would not."""
    lines = [line for part in subtitle for line in textwrap.wrap(part, chars)]
    return title(text, lines, **kwargs)


def _values(frame: pd.DataFrame) -> alt.InlineData:
    """The rows as inline values: a heatmap has a cell per row, and Altair's 5000-row guard
    (meant for frames plotted by mistake) would refuse a 128 x 128 picture. Missing -> null."""
    return alt.InlineData(values=json.loads(frame.to_json(orient="records")))


def _position_axis(length: int) -> alt.Y:
    return alt.Y("position:O", title=POSITION, axis=alt.Axis(values=_ticks(length)))


def _ticks(n: int, target: int = 9) -> list[int]:
    """About ``target`` round tick values in 0..n-1."""
    if n <= target:
        return list(range(n))
    raw = (n - 1) / (target - 1)
    steps = [s for s in (1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100) if s >= raw]
    step = steps[0] if steps else math.ceil(raw)
    return list(range(0, n, step))


def _fraction(slope: float) -> str:
    """0.5 -> ``1/2``, 0.0625 -> ``1/16``; other slopes as decimals."""
    inverse = 1 / slope if slope else 0
    if inverse and abs(inverse - round(inverse)) < 1e-9:
        return f"1/{int(round(inverse))}"
    return f"{slope:.3g}"


def _example_label(example: str, length: int) -> str:
    return (f"trained length ({int(length)})" if example == "train"
            else f"longer input ({int(length)})")
