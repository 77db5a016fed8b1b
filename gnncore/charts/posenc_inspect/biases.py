"""Position as a bias on the attention scores: ALiBi's fixed slopes, T5's buckets and the
bias it learned, and the biases FIRE and Kerple learned."""

from __future__ import annotations

import altair as alt
import pandas as pd

from gnncore.charts.posenc import TRAINED_SHADE
from gnncore.charts.posenc_inspect.parts import HEAD_COLORS, MASKED, inline, slope_text, ticks, titled
from gnncore.charts.stats import require
from gnncore.charts.theme import HEIGHT, MUTED, style


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
    data["panel"] = [f"head {int(h) + 1}: slope {slope_text(s)}" for h, s in zip(data["head"], data["slope"])]
    panels = list(dict.fromkeys(data.sort_values("head", kind="stable")["panel"]))
    marks = ticks(length, 5)
    low = float(frame["bias"].min()) or -1.0
    chart = alt.Chart(inline(data)).mark_rect().encode(
        x=alt.X("key:O", title="Key position j", axis=alt.Axis(values=marks, labelAngle=0)),
        y=alt.Y("query:O", title="Query position i", axis=alt.Axis(values=marks)),
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
    return style(chart.properties(title=titled(
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
        title=titled("T5 relative bias: which bucket each distance falls in", subtitle, offset=24)))


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
        title=titled("T5 bias the model learned, per head", subtitle, offset=24)))


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
    ``encoding`` is "fire" or "kerple" (it picks the title and subtitle: :data:`LEARNED`)."""
    require(frame, ["head", "distance", "bias"], "learned_relative_bias")
    extra = [alt.Tooltip(f"{r}:Q", title=r, format=".3f") for r in ("r1", "r2") if r in frame]
    layers = _bias_by_head(frame, trained_distance, extra)
    heading, story = LEARNED[encoding]
    return style(alt.layer(*layers).properties(title=titled(heading, story(frame), offset=24)))


def _kerple(frame: pd.DataFrame) -> list[str]:
    return ["−r1 · log(1 + r2 · distance) with r1, r2 learned per head: a penalty that "
            "only grows with distance, ever more slowly.",
            "Right of the grey area the same curve simply carries on: nothing new for "
            "the model to meet."]


def _fire(frame: pd.DataFrame) -> list[str]:
    return [f"An MLP of ψ(i − j) / ψ(max(L, i)), ψ(x) = log(cx + 1), here for the query at "
            f"position {int(frame['distance'].max())} (the bias depends on where the query is).",
            "Dividing by ψ(i) squeezes every length's distances into [0, 1], so a longer "
            "input reuses the inputs the MLP was trained on."]


# Each learned bias's picture (gnncore.posenc.train.LEARNED_BIAS): its heading, and what its
# formula is and how it meets longer inputs.
LEARNED = {"fire": ("FIRE bias the model learned, per head", _fire),
           "kerple": ("Kerple bias the model learned, per head", _kerple)}


def _trained_shade(trained_distance: int | None, longest: int) -> list[alt.Chart]:
    """The grey band over distances 0..trained_distance and its label (none without one)."""
    if trained_distance is None:
        return []
    marks = pd.DataFrame([{"start": 0, "end": min(trained_distance, longest),
                           "label": f"distances seen in training (0–{trained_distance})"}])
    return [alt.Chart(marks).mark_rect(color=TRAINED_SHADE).encode(x="start:Q", x2="end:Q"),
            alt.Chart(marks).mark_text(align="left", baseline="bottom", dy=-4, color=MUTED,
                                       fontSize=12).encode(x="start:Q", y=alt.value(0), text="label:N")]
