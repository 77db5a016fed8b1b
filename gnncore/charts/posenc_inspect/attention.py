"""What trained models attend to: attention maps at a trained length and a longer one."""

from __future__ import annotations

import altair as alt
import pandas as pd

from gnncore.charts.posenc_inspect.parts import ATTENTION_SIZE, example_label, inline, titled
from gnncore.charts.stats import require, sort_models
from gnncore.charts.theme import MUTED, style


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
    cells["panel"] = [example_label(e, n) for e, n in zip(cells["example"], cells["length"])]
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
            heading = f"{name} · {example_label(example, length)}"
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
    return style(chart.properties(title=titled("What trained models attend to", subtitle, 96, offset=14)))


def _attention_panel(cells: pd.DataFrame, heading: str, color: alt.Color) -> alt.Chart:
    tokens = int(max(cells["query"].max(), cells["key"].max())) + 1
    scale = dict(nice=False, zero=True)
    return alt.Chart(inline(cells)).mark_rect().encode(
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
