"""Setting groups: each model, dataset and seed once per group, named by what differs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gnncore.app.groups import across_settings, differing_settings, setting_groups


def table(*runs) -> pd.DataFrame:
    """runs_table-like rows, newest last in the arguments."""
    rows = [dict(key=f"k{i}", kind="node", dataset="Cora", model=m, seed=s, created=pd.Timestamp(2024, 1, 1 + i),
                 metric="test_accuracy", score=score, tags="", note="", **params)
            for i, (m, s, score, params) in enumerate(runs)]
    return pd.DataFrame(rows)


def test_nothing_differs_one_group_of_every_run():
    rows = table(("gcn", 0, 0.8, dict(epochs=200)), ("gat", 0, 0.8, dict(epochs=100, heads=8)))
    assert differing_settings(rows) == [] and len(setting_groups(rows)) == 1


def test_the_issues_case_epochs_200_then_100():
    rows = table(("gcn", 0, 0.81, dict(epochs=200, lr=0.01)), ("gcn", 0, 0.80, dict(epochs=100, lr=0.01)),
                 ("gat", 0, 0.82, dict(epochs=100, lr=0.005, heads=8)))
    assert differing_settings(rows) == ["epochs"]  # lr differs between models, not within one
    first, second = setting_groups(rows)
    assert first.label == "epochs=100: GCN, GAT (2 runs)" and list(first.rows["key"]) == ["k1", "k2"]
    assert second.label == "epochs=200: GCN (1 run)"
    wide = across_settings([first, second])
    assert list(wide.columns) == ["Model", "epochs=100", "epochs=200"]
    assert wide.set_index("Model").loc["GAT", "epochs=200"] == "–"


def test_a_setting_a_model_lacks_agrees_with_any_value_and_no_group_holds_a_model_twice():
    rows = table(("gat", 0, 0.8, dict(heads=4)), ("gat", 0, 0.8, dict(heads=8)), ("gcn", 0, 0.8, dict(heads=np.nan)),
                 ("gat", 1, 0.8, dict(heads=4)))
    groups = setting_groups(rows)
    assert [g.settings for g in groups] == [{"heads": "4"}, {"heads": "8"}]
    assert sorted(groups[0].rows["key"]) == ["k0", "k2", "k3"]  # GCN joins the first that fits
    for g in groups:
        assert not g.rows.duplicated(subset=["model", "seed"]).any()
