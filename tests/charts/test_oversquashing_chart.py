"""The over-squashing chart: a panel per last layer, chance at 1 / 2^r, marks only when given."""

from __future__ import annotations

import pandas as pd

from gnncore.charts.oversquashing import oversquashing_chart


def runs(fa: bool | None) -> pd.DataFrame:
    rows = [dict(model=m, tree_depth=r, seed=s, train_accuracy=acc - 0.01 * s, dataset="NeighborsMatch")
            for m, accs in (("gcn", (1.0, 0.6)), ("gat", (1.0, 0.9))) for r, acc in zip((3, 4), accs) for s in range(3)]
    frame = pd.DataFrame(rows)
    return frame if fa is None else frame.assign(fully_adjacent=fa)


def layer_data(spec: dict, panel: int) -> list[list[dict]]:
    """The rows of every layer of one panel (layers nest: the sweep chart's, then chance)."""
    def walk(node):
        if "layer" in node:
            return [rows for child in node["layer"] for rows in walk(child)]
        return [spec["datasets"][node["data"]["name"]]] if "data" in node else []
    return walk(spec["hconcat"][panel])


def test_a_panel_per_last_layer_with_chance_and_no_marks_unless_given():
    both = pd.concat([runs(None), runs(True)], ignore_index=True)  # a run without the setting had it off
    spec = oversquashing_chart(both).to_dict()
    assert [p["title"]["text"] for p in spec["hconcat"]] == ["Last layer over the tree's edges",
                                                             "Fully-adjacent last layer"]
    tables = layer_data(spec, 0)
    chance = next(t for t in tables if t and "chance" in t[0])
    assert [(row["tree_depth"], row["chance"]) for row in chance] == [(3, 0.125), (4, 0.0625)]
    means = [row for t in tables for row in t if "mean" in row and "name" in row]
    assert {(row["name"], row["tree_depth"]): round(row["mean"], 3) for row in means}[("GCN", 4)] == 0.59
    assert "diamond" not in str(spec)


def test_checked_figures_become_diamonds_in_their_panel():
    refs = pd.DataFrame([dict(model="gcn", tree_depth=4, fully_adjacent=False, mean=0.7, source="checked")])
    spec = oversquashing_chart(runs(False), refs).to_dict()
    assert len(spec["hconcat"]) == 1 and "diamond" in str(spec)
    marks = [row for t in layer_data(spec, 0) for row in t if row.get("source") == "checked"]
    assert marks and marks[0]["mean"] == 0.7
