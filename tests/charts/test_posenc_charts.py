"""The positional-encoding lab's charts, checked through their Vega-Lite specs."""

import numpy as np
import pandas as pd
import pytest
from charts.specdata import layer, panels

from gnncore import runs as engines
from gnncore.charts import accuracy_by_position, accuracy_vs_length, in_vs_out, loss_curves
from gnncore.charts import theme

ENCODINGS = ["nope", "rope", "learned"]  # not in display order on purpose
TRAIN, TEST, LEARNED_MAX = 4, 8, 6  # the learned table ends at length 6


def lengths_like(task="copy", encodings=ENCODINGS, seeds=2):
    """Shaped like runs.table_frame(results, "length")."""
    rng = np.random.default_rng(0)
    rows = []
    for e in encodings:
        for s in range(seeds):
            for n in range(1, TEST + 1):
                fits = not (e == "learned" and n > LEARNED_MAX)
                acc = float(np.clip(1.1 - 0.1 * n + rng.normal(0, 0.03), 0, 1)) if fits else None
                rows.append({"key": f"{e}{s}", "kind": "posenc", "dataset": task, "model": e, "seed": s,
                             "train_length": TRAIN, "test_length": TEST, "length": n,
                             "in_distribution": n <= TRAIN, "token_accuracy": acc,
                             "exact_match": None if acc is None else acc ** 2})
    return pd.DataFrame(rows)


def positions_like(seeds=2):
    """Shaped like runs.table_frame(results, "position") (the engine names the value ``accuracy``)."""
    rng = np.random.default_rng(1)
    rows = [{"key": f"{e}{s}", "dataset": "copy", "model": e, "seed": s, "train_length": TRAIN,
             "length": n, "in_distribution": n <= TRAIN, "position": p,
             "accuracy": float(np.clip(1 - 0.1 * p + rng.normal(0, 0.05), 0, 1))}
            for e in ENCODINGS for s in range(seeds) for n in range(1, TEST + 1) for p in range(1, n + 1)]
    return pd.DataFrame(rows)


def history_like(seeds=3):
    rng = np.random.default_rng(2)
    return pd.DataFrame([{"key": f"{e}{s}", "dataset": "copy", "model": e, "seed": s, "step": t,
                          "loss": 3 / t + abs(rng.normal(0, 0.2))}
                         for e in ENCODINGS for s in range(seeds) for t in range(10, 110, 10)])


def test_length_curve_is_mean_and_std_over_seeds_on_a_percent_axis():
    lengths = lengths_like()
    spec = accuracy_vs_length(lengths).to_dict()
    line = layer(spec, "line")
    got = line["values"].set_index(["model", "length"]).sort_index()
    g = lengths.assign(v=pd.to_numeric(lengths["token_accuracy"])).groupby(["model", "length"])["v"]
    assert np.allclose(got["mean"], g.mean().sort_index(), equal_nan=True)
    assert np.allclose(got["std"].where(got["mean"].notna()), g.std().sort_index(), equal_nan=True)
    y = line["encoding"]["y"]
    assert line["encoding"]["x"]["field"] == "length" and y["field"] == "mean"
    assert y["scale"]["domain"] == [0, 1] and y["axis"]["format"] == ".0%"


def test_not_applicable_lengths_are_a_gap_not_zero():
    spec = accuracy_vs_length(lengths_like()).to_dict()
    values = layer(spec, "line")["values"]
    past = values[(values["model"] == "learned") & (values["length"] > LEARNED_MAX)]
    assert len(past) == TEST - LEARNED_MAX and past["mean"].isna().all()
    assert layer(spec, "line")["mark"]["invalid"].startswith("break-paths")
    assert any("Learned absolute" in line for line in panels(spec)[0]["title"]["subtitle"])


def test_trained_range_shaded_and_train_length_marked():
    spec = accuracy_vs_length(lengths_like()).to_dict()
    shade, rule, text = layer(spec, "rect"), layer(spec, "rule"), layer(spec, "text")
    assert shade["values"].loc[0, "end"] == TRAIN and shade["encoding"]["x2"]["field"] == "end"
    assert rule["values"].loc[0, "end"] == TRAIN and rule["encoding"]["x"]["field"] == "end"
    assert text["values"].loc[0, "label"] == f"train length {TRAIN}"


def test_encoding_colours_are_fixed_and_named():
    spec = accuracy_vs_length(lengths_like()).to_dict()
    c = layer(spec, "line")["encoding"]["color"]
    assert c["scale"]["domain"] == ["Learned absolute", "RoPE", "NoPE"]
    assert c["scale"]["range"] == [engines.models()[e].color for e in ("learned", "rope", "nope")]
    assert c["title"] == "Positional encoding"
    assert spec["config"]["font"] == theme.FONT


def test_exact_match_works_the_same():
    spec = accuracy_vs_length(lengths_like(), metric="exact_match").to_dict()
    assert layer(spec, "line")["encoding"]["y"]["title"] == "Exact match"


def test_in_vs_out_bars_average_each_run_then_the_seeds():
    lengths = lengths_like()
    spec = in_vs_out(lengths).to_dict()
    bars = layer(spec, "bar")
    values = bars["values"].set_index(["model", "inputs"])
    inside = f"Trained lengths (1-{TRAIN})"
    outside = f"Longer inputs ({TRAIN + 1}-{TEST})"
    assert set(values.index.get_level_values("inputs")) == {inside, outside}
    rope = lengths[lengths["model"] == "rope"].assign(v=lambda f: f["token_accuracy"].astype(float))
    per_run = rope[rope["in_distribution"]].groupby("seed")["v"].mean()
    assert values.loc[("rope", inside), "mean"] == pytest.approx(per_run.mean())
    assert values.loc[("rope", inside), "std"] == pytest.approx(per_run.std())
    # the learned encoding has values out to length 6, so its out-of-distribution bar exists
    assert values.loc[("learned", outside), "runs"] == 2
    assert bars["encoding"]["xOffset"]["field"] == "inputs"
    assert bars["encoding"]["y"]["scale"]["domain"] == [0, 1]


def test_in_vs_out_says_not_applicable_instead_of_zero():
    lengths = lengths_like()
    lengths.loc[(lengths["model"] == "learned") & ~lengths["in_distribution"], "token_accuracy"] = None
    values = layer(in_vs_out(lengths).to_dict(), "text")["values"].set_index(["model", "inputs"])
    row = values.loc[("learned", f"Longer inputs ({TRAIN + 1}-{TEST})")]
    assert pd.isna(row["mean"]) and row["label"] == "n/a"


def test_accuracy_by_position_shows_the_longest_inputs_by_default():
    positions = positions_like()
    spec = accuracy_by_position(positions).to_dict()
    band = layer(spec, "area")["values"].set_index(["model", "position"])
    longest = positions[positions["length"] == TEST]
    expected = longest.groupby(["model", "position"])["accuracy"].agg(["mean", "std"])
    assert band["mean"].to_dict() == pytest.approx(expected["mean"].to_dict())
    assert band["std"].to_dict() == pytest.approx(expected["std"].to_dict())
    assert layer(spec, "rule")["values"].loc[0, "end"] == TRAIN  # last answer position trained on
    assert panels(spec)[0]["title"]["subtitle"][0].startswith(f"Inputs of length {TEST} (trained up to {TRAIN})")
    one = accuracy_by_position(positions, length=3).to_dict()
    assert layer(one, "line")["values"]["position"].max() == 3


def test_accuracy_by_position_names_encodings_without_that_length():
    positions = positions_like()
    positions = positions[~((positions["model"] == "learned") & (positions["length"] > LEARNED_MAX))]
    spec = accuracy_by_position(positions).to_dict()
    assert "learned" not in set(layer(spec, "line")["values"]["model"])
    assert "Learned absolute" in panels(spec)[0]["title"]["subtitle"][-1]
    assert layer(spec, "line")["encoding"]["color"]["scale"]["domain"] == ["RoPE", "NoPE"]


def test_loss_curves_per_step_never_below_zero():
    history = history_like()
    spec = loss_curves(history).to_dict()
    band = layer(spec, "area")
    assert band["encoding"]["x"]["field"] == "step"
    assert (band["values"]["lower"] >= 0).all()
    assert band["values"]["mean"].tolist() == pytest.approx(
        history.groupby(["model", "step"], sort=False)["loss"].mean()
        .reindex(pd.MultiIndex.from_frame(band["values"][["model", "step"]])).tolist())


def test_several_tasks_give_one_panel_each():
    spec = accuracy_vs_length(pd.concat([lengths_like("copy"), lengths_like("reverse")])).to_dict()
    assert [p["title"]["text"] for p in panels(spec)] == [
        "Token accuracy by input length on the copy task",
        "Token accuracy by input length on the reverse task"]


def test_missing_column_is_one_sentence():
    with pytest.raises(ValueError, match="length"):
        accuracy_vs_length(pd.DataFrame({"model": ["rope"], "token_accuracy": [0.5]}))


def test_one_seed_says_there_is_no_spread_instead_of_a_mean_over_one_seed():
    charts = {"length": accuracy_vs_length(lengths_like(seeds=1)),
              "bars": in_vs_out(lengths_like(seeds=1)),
              "position": accuracy_by_position(positions_like(seeds=1)),
              "loss": loss_curves(history_like(seeds=1))}
    for name, chart in charts.items():
        subtitle = " ".join(np.atleast_1d(panels(chart.to_dict())[0]["title"]["subtitle"]))
        assert "1 seed), so no spread shown: add seeds" in subtitle, name
        assert "mean over" not in subtitle and "standard deviation" not in subtitle, name
    two = " ".join(panels(accuracy_vs_length(lengths_like(seeds=2)).to_dict())[0]["title"]["subtitle"])
    assert "mean over 2 seeds; band: ± 1 standard deviation" in two


def test_out_of_distribution_scores_draw_each_seed_and_the_95_percent_interval_of_the_mean():
    from scipy import stats

    from gnncore.charts import final_scores

    ood = "out_of_distribution_token_accuracy"
    runs = pd.DataFrame([{"kind": "posenc", "dataset": "copy", "model": m, "seed": s, ood: v}
                         for m, values in {"alibi": [0.9, 0.8, 0.85], "t5": [0.6, 0.7, 0.65]}.items()
                         for s, v in enumerate(values)])
    spec = final_scores(runs, ood, interval=True).to_dict()
    assert len(layer(spec, "circle")["values"]) == 6  # a dot per seed
    band = layer(spec, "rule")["values"].set_index("model")
    half = stats.t.ppf(0.975, 2) * 0.05 / np.sqrt(3)  # both have sd 0.05 over 3 seeds
    assert band.loc["alibi", "lower"] == pytest.approx(0.85 - half)
    assert band.loc["t5", "upper"] == pytest.approx(0.65 + half)
    assert "95% confidence interval" in " ".join(panels(spec)[0]["title"]["subtitle"])


def test_length_heatmap_is_the_mean_over_seeds_per_trained_and_tested_length():
    from gnncore.charts.posenc import length_heatmap

    frames = []
    for trained in (2, 4):
        frame = lengths_like(seeds=3).query("model != 'learned'")
        frames.append(frame.assign(train_length=trained, in_distribution=frame["length"] <= trained))
    lengths = pd.concat(frames, ignore_index=True)
    spec = length_heatmap(lengths).to_dict()
    assert spec["facet"]["field"] == "name" and spec["facet"]["sort"] == ["RoPE", "NoPE"]
    cells = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert len(cells) == 2 * 2 * TEST  # encodings x trained lengths x tested lengths
    got = cells.set_index(["model", "train_length", "length"])["mean"].sort_index()
    expected = lengths.groupby(["model", "train_length", "length"])["token_accuracy"].mean().sort_index()
    assert np.allclose(got, expected)
    assert cells["runs"].eq(3).all()
    assert (cells["trained"] == (cells["length"] <= cells["train_length"])).all()
    layers = spec["spec"]["layer"]
    assert layers[0]["encoding"]["color"]["scale"]["domain"] == [0, 1]
    assert layers[1]["transform"] == [{"filter": "datum.trained"}]  # the outline of the trained range
    assert "mean over 3 seeds" in " ".join(spec["title"]["subtitle"])
