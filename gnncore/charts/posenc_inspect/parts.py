"""What the look-inside charts share: sizes, colours, and small helpers for titles, ticks
and inline data."""

from __future__ import annotations

import json
import math
import textwrap

import altair as alt
import pandas as pd

from gnncore.charts.theme import title

HEATMAP_HEIGHT = 340
ATTENTION_SIZE = 240
POSITION = "Position p"
MASKED = "#E4E4E4"  # future keys, which causal attention never sees
DIVERGING = "blueorange"  # -1 blue, 0 pale, +1 orange
HEAD_COLORS = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#B279A2", "#72B7B2", "#EECA3B",
               "#9D755D", "#FF9DA6", "#BAB0AC", "#439894", "#D67195", "#8C8C8C", "#2F4B7C",
               "#A05195", "#665191"]


def titled(text: str, subtitle: list[str], chars: int = 86, **kwargs) -> alt.TitleParams:
    """A title whose subtitle lines are wrapped to about ``chars`` characters: a browser cuts
    a subtitle line at the chart's width (with "…"), where vl-convert would not."""
    lines = [line for part in subtitle for line in textwrap.wrap(part, chars)]
    return title(text, lines, **kwargs)


def inline(frame: pd.DataFrame) -> alt.InlineData:
    """The rows as inline values: a heatmap has a cell per row, and Altair's 5000-row guard
    (meant for frames plotted by mistake) would refuse a 128 x 128 picture. Missing -> null."""
    return alt.InlineData(values=json.loads(frame.to_json(orient="records")))


def position_axis(length: int) -> alt.Y:
    return alt.Y("position:O", title=POSITION, axis=alt.Axis(values=ticks(length)))


def ticks(n: int, target: int = 9) -> list[int]:
    """About ``target`` round tick values in 0..n-1."""
    if n <= target:
        return list(range(n))
    raw = (n - 1) / (target - 1)
    steps = [s for s in (1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100) if s >= raw]
    step = steps[0] if steps else math.ceil(raw)
    return list(range(0, n, step))


def slope_text(slope: float) -> str:
    """0.5 -> ``1/2``, 0.0625 -> ``1/16``; other slopes as decimals."""
    inverse = 1 / slope if slope else 0
    if inverse and abs(inverse - round(inverse)) < 1e-9:
        return f"1/{int(round(inverse))}"
    return f"{slope:.3g}"


def example_label(example: str, length: int) -> str:
    return (f"trained length ({int(length)})" if example == "train"
            else f"longer input ({int(length)})")
