"""The sweep chart: a line per model at the mean over seeds, a ± 1 std band, a dot per
run, published diamonds at their knob value, the smoothness panel, the axis per knob."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gnncore import export
from gnncore.charts.sweep import sweep_chart

from charts.specdata import panels


def frame(knob="layers", values=(1, 2, 4, 8, 16, 32), models=("gcn", "sage"), seeds=3) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [{"dataset": "Cora", "kind": "node", "model": m, "seed": s, knob: v,
             "test_accuracy": float(rng.uniform(0.3, 0.9)), "mad": float(rng.uniform(1e-4, 1.0))}
            for v in values for m in models for s in range(seeds)]
    return pd.DataFrame(rows)


def panel_layers(spec: dict, n: int) -> list[dict]:
    panel = panels(spec)[n]
    out = []
    for lay in panel["layer"]:
        rows = pd.DataFrame(spec["datasets"][lay["data"]["name"]])
        mark = lay["mark"] if isinstance(lay["mark"], str) else lay["mark"]["type"]
        out.append({**lay, "mark_type": mark, "values": rows})
    return out


def by_mark(layers: list[dict], mark: str) -> dict:
    return next(lay for lay in layers if lay["mark_type"] == mark)


def test_lines_are_the_mean_over_seeds_with_a_std_band_and_a_dot_per_run():
    runs = frame()
    spec = sweep_chart(runs, "layers", "test_accuracy", smoothness="mad").to_dict()
    top = panel_layers(spec, 0)
    line = by_mark(top, "line")["values"]
    expected = runs.groupby(["model", "layers"])["test_accuracy"].agg(["mean", "std"]).reset_index()
    got = line.merge(expected, on=["model", "layers"], suffixes=("", "_expected"))
    assert len(got) == 6 * 2
    assert np.allclose(got["mean"], got["mean_expected"]) and np.allclose(got["std"], got["std_expected"])
    band = by_mark(top, "area")
    assert band["encoding"]["y"]["field"] == "lower" and band["encoding"]["y2"]["field"] == "upper"
    b = band["values"]
    inside = (b["upper"] < 1) & (b["lower"] > 0)  # not clipped to 0-100%
    assert inside.sum() > 0 and np.allclose((b["upper"] - b["lower"])[inside], 2 * b["std"][inside])
    dots = by_mark(top, "circle")["values"]
    assert len(dots) == len(runs) and set(dots["seed"]) == {0, 1, 2}
    # Depth spans 1 to 32: a log axis, base 2, a tick at every value swept.
    x = by_mark(top, "line")["encoding"]["x"]
    assert x["scale"]["type"] == "log" and x["axis"]["values"] == [1, 2, 4, 8, 16, 32]


def test_smoothness_is_a_second_panel_on_a_linear_axis():
    spec = sweep_chart(frame(), "layers", "test_accuracy", smoothness="mad").to_dict()
    assert len(spec["vconcat"]) == 2
    low = panel_layers(spec, 1)
    line = by_mark(low, "line")
    assert line["encoding"]["y"]["field"] == "mean" and line["encoding"]["y"]["scale"].get("type") != "log"
    assert "MAD" in spec["vconcat"][1]["title"]["text"]
    no_smooth = sweep_chart(frame(), "layers", "test_accuracy").to_dict()
    assert "vconcat" not in no_smooth


def test_published_marks_sit_at_their_value_inside_the_swept_range():
    refs = pd.DataFrame({"model": ["gcn", "gcn", "gcn", "gat"], "metric": "test_accuracy",
                         "layers": [2, 8, 64, 2], "mean": [0.811, 0.695, 0.287, 0.83], "source": "paper"})
    spec = sweep_chart(frame(), "layers", "test_accuracy", refs).to_dict()
    diamonds = next(lay for lay in panel_layers(spec, 0)
                    if lay["mark_type"] == "point" and lay["mark"].get("shape") == "diamond")["values"]
    # 64 is past the sweep, GAT is not in it.
    assert sorted(zip(diamonds["model"], diamonds["layers"], diamonds["mean"])) == [("gcn", 2, 0.811),
                                                                                   ("gcn", 8, 0.695)]
    assert "published" in " ".join(spec["title"]["subtitle"])


@pytest.mark.parametrize("knob, values, x_type", [("homophily", (0.0, 0.5, 1.0), "quantitative"),
                                                    ("readout", ("sum", "mean", "max"), "ordinal")])
def test_the_axis_follows_the_knob(knob, values, x_type):
    spec = sweep_chart(frame(knob, values), knob, "test_accuracy").to_dict()
    x = by_mark(panel_layers(spec, 0), "line")["encoding"]["x"]
    assert x["type"] == x_type and x.get("scale", {}).get("type") != "log"
    if x_type == "ordinal":
        assert x["sort"] == list(values)


def test_it_exports_like_every_chart():
    chart = sweep_chart(frame(), "layers", "test_accuracy", smoothness="mad")
    chart.to_dict()  # validates against the Vega-Lite schema
    svg = export.chart_svg(export.chart_spec(chart))
    assert svg.lstrip().startswith("<svg") and "MAD" in svg
