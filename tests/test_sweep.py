"""A sweep is a list of ordinary runs: parsing NAME=a,b,c and NAME=START:STOP:STEP, the
engines' own checks, the spec list it builds, and the run store caching every point."""

from __future__ import annotations

import pandas as pd
import pytest

from gnncore import runs, sweep
from gnncore.runs import RunStore, run_all
from gnncore.spec import RunSpec, SpecError


def test_a_range_includes_its_stop_and_has_no_float_noise():
    knob = sweep.parse_vary("homophily=0:1:0.1", "node", "CSBM")
    assert knob.name == "homophily"
    assert knob.values == (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    assert sweep.parse_vary("layers=1:7:3", "node", "Cora").values == (1, 4, 7)


def test_a_list_takes_the_settings_type_and_drops_repeats():
    knob = sweep.parse_vary("layers=1, 2,4,4,8", "node", "Cora")
    assert knob.values == (1, 2, 4, 8) and all(type(v) is int for v in knob.values)
    assert sweep.parse_vary("readout=sum,mean", "graph", "MUTAG").values == ("sum", "mean")
    assert sweep.parse_vary("dropout=0.1,0.5", "node", "Cora").values == (0.1, 0.5)


@pytest.mark.parametrize("text, kind, dataset, phrase", [
    ("depth=1,2", "node", "Cora", "Cannot sweep 'depth'"),
    ("homophily=0,1", "node", "Cora", "knob of CSBM only"),
    ("layers=1.5", "node", "Cora", "must be a whole number"),
    ("homophily=1:0:0.1", "node", "CSBM", "is empty"),
    ("homophily=0:1:0", "node", "CSBM", "is empty"),
    ("homophily=0:1", "node", "CSBM", "START:STOP:STEP of three numbers"),
    ("layers", "node", "Cora", "NAME=a,b,c"),
    ("layers=,", "node", "Cora", "has no values"),
    ("fold=0,1", "graph", "MUTAG", "Cannot sweep 'fold'"),
    ("lr=0:1:0.0001", "node", "Cora", "at most 100"),
])
def test_bad_sweeps_are_one_sentence(text, kind, dataset, phrase):
    with pytest.raises(SpecError, match=None) as err:
        sweep.parse_vary(text, kind, dataset)
    assert phrase in str(err.value) and "\n" not in str(err.value)


def test_values_the_engine_refuses_fail_before_any_spec():
    with pytest.raises(SpecError, match=r"Layers \(layers\) must be a whole number from 1 to 64; got 0"):
        sweep.sweep_specs("node", "Cora", ["gcn"], 1, sweep.Knob("layers", (2, 0)))
    with pytest.raises(SpecError, match=r"Homophily \(homophily\) must be at least 0 and at most 1; got 1.5"):
        sweep.sweep_specs("node", "CSBM", ["gcn"], 1, sweep.parse_vary("homophily=0.5,1.5", "node", "CSBM"))
    with pytest.raises(SpecError, match="setting of gat, gps only, not of gcn"):
        sweep.sweep_specs("node", "CSBM", ["gcn", "gat"], 1, sweep.Knob("heads", (1, 2)))


def test_specs_are_values_x_models_x_seeds_with_the_knob_winning():
    knob = sweep.parse_vary("layers=1,4", "node", "CSBM")
    specs = sweep.sweep_specs("node", "CSBM", ["gcn", "mlp"], 3, knob, per_model={"gcn": {"layers": 9, "hidden": 8}},
                              signal=0.3, epochs=5)
    assert len(specs) == 2 * 2 * 3 and all(s.resolved for s in specs)
    assert [(s.params["layers"], s.model, s.seed) for s in specs[:6]] == [
        (1, "gcn", 0), (1, "gcn", 1), (1, "gcn", 2), (1, "mlp", 0), (1, "mlp", 1), (1, "mlp", 2)]
    assert {s.params["signal"] for s in specs} == {0.3} and {s.params["epochs"] for s in specs} == {5}
    assert {s.params["hidden"] for s in specs if s.model == "gcn"} == {8}  # the page's per-model value kept
    # A sweep point is the very spec a comparison with that setting asks for: one cache key.
    same = runs.grid("node", "CSBM", ["gcn"], [0], per_model={"gcn": {"hidden": 8}}, layers=4, signal=0.3, epochs=5)
    assert same[0].key in {s.key for s in specs}


def test_a_setting_of_some_models_goes_to_those_alone():
    specs = sweep.sweep_specs("node", "CSBM", ["gcn", "gat"], 1, sweep.Knob("layers", (2,)), epochs=3, heads=2)
    assert {s.model: s.params.get("heads") for s in specs} == {"gcn": None, "gat": 2}
    share = sweep.sweep_specs("node", "CSBM", ["gcn", "mlp"], 1, sweep.parse_vary("train_per_class=5,40", "node", "CSBM"),
                              epochs=2)  # an optional setting no model fills in is every model's
    assert sorted((s.model, s.params["train_per_class"]) for s in share) == [("gcn", 5), ("gcn", 40), ("mlp", 5), ("mlp", 40)]


def test_every_point_is_stored_and_one_more_value_trains_only_that_value():
    store = RunStore()
    first = sweep.sweep_specs("node", "CSBM", ["gcn", "mlp"], 2, sweep.Knob("homophily", (0.2, 0.8)), epochs=4)
    trained = list(run_all(first, store))
    assert len(store) == 8 and not any(r.cached for r in trained)
    more = sweep.sweep_specs("node", "CSBM", ["gcn", "mlp"], 2, sweep.Knob("homophily", (0.2, 0.8, 0.5)), epochs=4)
    again = list(run_all(more, store))
    assert len(store) == 12
    fresh = [r for r in again if not r.cached]
    assert {r.spec.params["homophily"] for r in fresh} == {0.5} and len(fresh) == 4
    before = {r.spec.key: r.metrics["test_accuracy"] for r in trained}
    assert all(r.metrics["test_accuracy"] == before[r.spec.key] for r in again if r.cached)
    frame = sweep.sweep_frame(again, "homophily")
    assert len(frame) == 12 and set(frame["homophily"]) == {0.2, 0.5, 0.8}
    stats = sweep.summary(frame, "homophily", "test_accuracy")
    assert len(stats) == 3 * 2 and (stats["runs"] == 2).all()
    # The MLP ignores the edges: the same features at every homophily, the same scores.
    mlp = stats[stats["model"] == "mlp"]["mean"]
    assert mlp.max() - mlp.min() < 1e-9


def test_published_marks_sit_at_their_knob_value():
    refs = sweep.references("node", "Cora", "layers")
    gcn = refs[(refs["model"] == "gcn") & refs["source"].str.contains("GCNII")]
    assert dict(zip(gcn["layers"], gcn["mean"])) == {2: 0.811, 4: 0.804, 8: 0.695, 16: 0.649, 32: 0.603}
    # Kipf & Welling's GCN (layers=2, hidden 16) counts only beside runs with hidden 16.
    frame = sweep.sweep_frame([], "layers")
    wide = pd.DataFrame({"model": ["gcn"], "hidden": [64], "dropout": [0.5], "layers": [2]})
    assert "Kipf" not in " ".join(sweep.references("node", "Cora", "layers", wide)["source"])
    assert frame.empty and sweep.references("node", "CSBM", "homophily").empty


def test_suggested_values_parse_back():
    for setting in sweep.knobs("node", "CSBM"):
        text = sweep.suggested_values(setting, runs.engine("node").defaults(
            RunSpec.make("node", "CSBM", "gcn")).get(setting.name))
        assert sweep.parse_vary(f"{setting.name}={text}", "node", "CSBM").values
    assert sweep.suggested_values(runs.facts("node").setting("layers")) == "1,2,4,8,16,32"
