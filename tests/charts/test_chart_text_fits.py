"""Text that fits: subtitles wrapped to the chart's width, whole legend labels, percent ticks
that never collide ("79.5%80.0%") and no decimals on a fixed 0-100% axis."""

from __future__ import annotations

import numpy as np
import pandas as pd
from charts.specdata import panels

from gnncore.charts import final_scores
from gnncore.charts.posenc import rope_scaling_vs_length
from gnncore.charts.theme import CHAR_EM, CONFIG, WIDTH, percent_axis, wrap
from gnncore.posenc.scaling import SCALINGS


def scaled() -> pd.DataFrame:
    return pd.DataFrame([dict(dataset="copy", model="rope", seed=s, scaling=n, scale=2.68, train_length=8,
                              length=length, in_distribution=length <= 8, token_accuracy=0.5 / length)
                         for s in (0, 1) for n in SCALINGS for length in range(1, 25)])


def test_the_rope_scaling_subtitle_wraps_to_the_chart_and_its_legend_labels_are_whole():
    spec = rope_scaling_vs_length(scaled()).to_dict()
    lines = panels(spec)[0]["title"]["subtitle"]
    fits = (WIDTH + 50) / (CHAR_EM * CONFIG["title"]["subtitleFontSize"])
    assert len(lines) >= 3 and all(len(line) <= fits for line in lines)
    assert "longest test example over longest trained one" in " ".join(lines)  # nothing lost
    longest = max(len(label) for label in SCALINGS.values())
    assert spec["config"]["legend"]["labelLimit"] >= longest * CHAR_EM * CONFIG["legend"]["labelFontSize"]
    formats = {lay["encoding"]["y"]["axis"]["format"] for lay in panels(spec)[0]["layer"]
               if "axis" in lay.get("encoding", {}).get("y", {})}
    assert formats == {".0%"}  # a fixed 0-100% axis: 20%, not 20.0%


def test_wrap_keeps_lines_that_fit_and_balances_the_rest():
    assert wrap("short", 300, 12) == "short" and wrap(["a", "b"], 300, 12) == ["a", "b"]
    parts = wrap("word " * 30, 300, 12)
    assert len(parts) == 3 and max(map(len, parts)) - min(map(len, parts)) <= 6


def test_a_narrow_percent_axis_has_few_ticks_that_never_collide():
    rows = [dict(kind="node", dataset="Cora", model=m, seed=s, test_accuracy=a)
            for m, base in (("gcn", 0.797), ("gat", 0.801)) for s, a in enumerate(base + np.array([-0.002, 0, 0.002]))]
    x = panels(final_scores(pd.DataFrame(rows)).to_dict())[0]["layer"][0]["encoding"]["x"]["axis"]
    assert x["format"] == ".1%" and x["labelOverlap"] == "greedy" and x["tickCount"] <= 6
    assert percent_axis("test_accuracy", [0.5, 0.9]).to_dict()["format"] == ".0%"
    assert percent_axis("test_accuracy", [0.8, 0.8004]).to_dict()["format"] == ".2%"
