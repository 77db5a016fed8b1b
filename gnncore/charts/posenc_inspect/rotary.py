"""A shift is a rotation: one pair of dimensions turning with position, the angle between
q and k, RoPE's score against distance, and RoPE's frequencies under each scaling."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from gnncore.charts.posenc_inspect.parts import HEAD_COLORS, ticks, titled
from gnncore.charts.stats import require
from gnncore.charts.theme import INK, MUTED, style, title


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
    return style(chart.properties(title=titled(
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
        title=titled("The angle between q at m and k at n depends only on m − n", subtitle)))


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
        title=titled("RoPE: attention score against distance", subtitle)))


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
                scale=alt.Scale(domain=[0, pairs - 1], nice=False), axis=alt.Axis(values=ticks(pairs))),
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
        title=titled("RoPE's frequencies under each scaling", subtitle, offset=14)))
