"""The GNN arena's charts, checked through their Vega-Lite specs (no rendering, no training)."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from charts.specdata import layer, layers, marks, panels

from gnncore import runs as engines
from gnncore.charts import cost_vs_score, learning_curves
from gnncore.charts import final_scores as _final_scores
from gnncore.charts import summary_table as _summary_table
from gnncore.charts import theme


def load_references(task=None, dataset=None):
    """The committed published results, read on the engine side as the pages do."""
    return engines.references(task, dataset)


def final_scores(runs, metric="test_accuracy", references=None, history=None):
    return _final_scores(runs, metric, load_references() if references is None else references, history)


def summary_table(runs, metric="test_accuracy", references=None, also=(), history=None):
    return _summary_table(runs, metric, load_references() if references is None else references, also=also,
                          history=history)


def color(model):
    return engines.models()[model].color

MODELS = ["mlp", "gat", "gcn"]  # deliberately not in display order
# The settings the runs carry (as runs_frame has them): each task's paper defaults, so the
# published marks, which name the settings they need, apply.
PAPER_SETTINGS = {
    "node": {"all": {"layers": 2, "dropout": 0.5}, "gcn": {"hidden": 16}, "mlp": {"hidden": 16},
             "gat": {"hidden": 8, "heads": 8}, "sage": {"hidden": 64}},
    "link": {"all": {"layers": 2, "hidden": 32, "embedding": 16, "features": "raw"}},
    "graph": {"all": {"layers": 3, "hidden": 64}, "gin": {"readout": "sum"}, "mlp": {"readout": "sum"},
              "gcn": {"readout": "mean"}, "sage": {"readout": "mean"}, "gat": {"readout": "mean"}},
}


def runs_like(dataset="Cora", kind="node", models=MODELS, seeds=3, metric="test_accuracy", folds=0):
    """A frame shaped like runs.runs_frame: one row per run."""
    rng = np.random.default_rng(0)
    base = {"gcn": 0.81, "gat": 0.83, "mlp": 0.57, "sage": 0.80, "gin": 0.74}
    rows = []
    for m in models:
        for s in range(seeds):
            for f in range(max(folds, 1)):
                row = {"key": f"{m}{s}{f}", "kind": kind, "dataset": dataset, "model": m, "seed": s,
                       **PAPER_SETTINGS[kind].get(m, {}), **PAPER_SETTINGS[kind]["all"],
                       metric: base[m] + rng.normal(0, 0.01), "val_accuracy": 0.8,
                       "best_epoch": 100 + s, "epochs_run": 200, "ms_per_epoch": 5.0 + s + len(m),
                       "params": {"gcn": 23063, "gat": 92373, "mlp": 23063, "sage": 184391, "gin": 30000}[m]}
                if folds:
                    row["fold"] = f
                rows.append(row)
    return pd.DataFrame(rows)


def history_like(models=MODELS, seeds=3, epochs=6, dataset="Cora", folds=0):
    """A frame shaped like runs.history_frame: one row per (run, epoch)."""
    rng = np.random.default_rng(1)
    rows = [{"key": f"{m}{s}{f}", "kind": "graph" if folds else "node", "dataset": dataset, "model": m,
             "seed": s, "epoch": e, "loss": 2 / e, "val_loss": 2 / e, "train_accuracy": 0.9,
             "val_accuracy": float(np.clip(0.1 * e + rng.normal(0, 0.05), 0, 1)),
             "test_accuracy": 0.5, **({"fold": f, "folds": folds} if folds else {})}
            for m in models for s in range(seeds) for f in range(max(folds, 1))
            for e in range(1, epochs + 1)]
    return pd.DataFrame(rows)


def expected_stats(frame, by, value):
    g = frame.groupby(by)[value]
    return g.mean(), g.std()


# ---- learning curves ----

def test_learning_curve_band_is_pandas_mean_and_std_over_seeds():
    history = history_like()
    spec = learning_curves(history).to_dict()
    band, line = layer(spec, "area"), layer(spec, "line")
    mean, std = expected_stats(history, ["model", "epoch"], "val_accuracy")
    got = band["values"].set_index(["model", "epoch"])
    pd.testing.assert_series_equal(got["mean"].sort_index(), mean.sort_index(), check_names=False)
    pd.testing.assert_series_equal(got["std"].sort_index(), std.sort_index(), check_names=False)
    assert np.allclose(got["lower"], (mean - std).clip(lower=0).reindex(got.index))
    assert np.allclose(got["upper"], (mean + std).clip(upper=1).reindex(got.index))
    assert (got["runs"] == 3).all()
    assert band["encoding"]["y"]["field"] == "lower" and band["encoding"]["y2"]["field"] == "upper"
    assert line["encoding"]["x"]["field"] == "epoch" and line["encoding"]["y"]["field"] == "mean"
    assert line["encoding"]["y"]["axis"]["format"] == ".0%"  # fractions shown in percent


def test_colours_are_fixed_per_model_in_display_order():
    spec = learning_curves(history_like()).to_dict()
    scale = layer(spec, "line")["encoding"]["color"]["scale"]
    assert scale["domain"] == ["GCN", "GAT", "MLP"]
    assert scale["range"] == [color(m) for m in ("gcn", "gat", "mlp")]
    # GCN keeps its colour when the other models change
    other = learning_curves(history_like(models=["gcn", "sage"])).to_dict()
    other_scale = layer(other, "line")["encoding"]["color"]["scale"]
    assert dict(zip(other_scale["domain"], other_scale["range"]))["GCN"] == color("gcn")
    assert other_scale["domain"] == ["GCN", "GraphSAGE"]


def test_learning_curve_ends_where_most_runs_of_a_model_have_stopped_early():
    history = history_like(seeds=4)
    stopped = (history["model"] == "gcn") & (history["seed"] >= 1) & (history["epoch"] > 3)
    history = history[~(stopped & (history["seed"] >= 2)) & ~(stopped & (history["epoch"] > 5))]
    spec = learning_curves(history).to_dict()
    values = layer(spec, "line")["values"]
    gcn = values[values["model"] == "gcn"]
    # 4 runs to epoch 3, 2 to epoch 5 (half: kept), then 1 (dropped)
    assert gcn["epoch"].max() == 5 and set(gcn["runs"]) == {4, 2}
    other = values[values["model"] != "gcn"]
    assert other["epoch"].max() == history["epoch"].max()
    assert "a line ends when fewer than half" in one_text(spec["title"]["subtitle"])


def test_learning_curve_keeps_a_missing_epoch_as_a_gap():
    history = history_like(seeds=2)
    history.loc[(history["model"] == "gcn") & (history["epoch"] == 3), "val_accuracy"] = None
    values = layer(learning_curves(history).to_dict(), "line")["values"]
    row = values[(values["model"] == "gcn") & (values["epoch"] == 3)]
    assert len(row) == 1 and row["mean"].isna().all()
    assert layer(learning_curves(history).to_dict(), "line")["mark"]["invalid"].startswith("break-paths")


def test_learning_curves_any_metric_and_titles_a_newcomer_reads():
    spec = learning_curves(history_like(), metric="loss").to_dict()
    line = layer(spec, "line")
    assert line["encoding"]["y"]["title"] == "Training loss"
    assert "%" not in line["encoding"]["y"]["axis"]["format"]
    title = panels(spec)[0]["title"]
    assert title["text"] == "Training loss during training on Cora"
    assert "3 seeds" in title["subtitle"]


def test_every_builder_applies_the_shared_theme():
    runs = runs_like()
    for chart in (learning_curves(history_like()), final_scores(runs), cost_vs_score(runs)):
        config = chart.to_dict()["config"]
        assert config["font"] == theme.FONT
        assert config["title"]["fontSize"] == theme.CONFIG["title"]["fontSize"]


def test_charts_import_no_streamlit():
    folder = Path(theme.__file__).parent
    for path in folder.glob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+streamlit", path.read_text(), re.M), path.name


# ---- final scores ----

def test_final_scores_dots_stats_and_published_mark_for_cora():
    runs = runs_like()
    spec = final_scores(runs).to_dict()
    dots = layer(spec, "circle")["values"]
    assert len(dots) == len(runs) and set(dots["seed"]) == {0, 1, 2}
    assert sorted(dots["test_accuracy"]) == pytest.approx(sorted(runs["test_accuracy"]))
    assert dots["jitter"].between(-0.5, 0.5).all()

    spread = layer(spec, "rule")
    mean, std = expected_stats(runs, "model", "test_accuracy")
    got = spread["values"].set_index("model")
    assert got["mean"].to_dict() == pytest.approx(mean.to_dict())
    assert got["std"].to_dict() == pytest.approx(std.to_dict())
    assert spread["encoding"]["x"]["field"] == "lower" and spread["encoding"]["x2"]["field"] == "upper"
    assert spread["encoding"]["y"]["scale"]["domain"] == ["GCN", "GAT", "MLP"]

    published = layer(spec, "point")["values"].set_index("model")
    assert published.loc["gcn", "published"] == pytest.approx(0.815)
    assert "Kipf & Welling 2017" in published.loc["gcn", "source"]
    assert published.loc["gat", "published"] == pytest.approx(0.830)
    assert any("published" in line for line in panels(spec)[0]["title"]["subtitle"])


def test_no_published_mark_where_no_reference_exists():
    assert "point" not in marks(final_scores(runs_like(dataset="CSBM")).to_dict())
    # the table has test_accuracy for Cora, but nothing for val_accuracy
    runs = runs_like()
    assert "point" not in marks(final_scores(runs, metric="val_accuracy").to_dict())
    # and an empty reference table turns the marks off
    empty = load_references().iloc[0:0]
    assert "point" not in marks(final_scores(runs, references=empty).to_dict())


def test_only_models_with_a_published_number_get_a_mark():
    spec = final_scores(runs_like(models=["gcn", "sage"])).to_dict()
    assert list(layer(spec, "point")["values"]["model"]) == ["gcn"]


def test_final_scores_link_metric_with_folds_matches_the_task():
    runs = runs_like(kind="link", models=["gcn", "gat"], metric="test_auc", seeds=2, folds=2)
    spec = final_scores(runs, metric="test_auc").to_dict()
    dots = layer(spec, "circle")
    assert len(dots["values"]) == 8 and "fold" in dots["values"]
    assert any(t["field"] == "fold" for t in dots["encoding"]["tooltip"])
    assert "one seed on one fold" in panels(spec)[0]["title"]["subtitle"][0]
    one_seed = final_scores(runs[runs["seed"] == 0], metric="test_auc").to_dict()
    assert "Each dot is one fold;" in panels(one_seed)[0]["title"]["subtitle"][0]
    published = layer(spec, "point")["values"]
    assert list(published["model"]) == ["gcn"] and published["published"].iloc[0] == pytest.approx(0.91)
    assert dots["encoding"]["x"]["title"] == "Test ROC-AUC"
    # a node run on Cora must not pick up the link-prediction AUC
    assert "point" not in marks(final_scores(runs.assign(kind="node"), metric="test_auc").to_dict())


def test_several_datasets_give_one_panel_each_with_the_same_colours():
    runs = pd.concat([runs_like("Cora"), runs_like("CiteSeer")])
    spec = final_scores(runs).to_dict()
    assert len(panels(spec)) == 2
    titles = [p["title"]["text"] for p in panels(spec)]
    assert titles == ["Test accuracy per model on Cora", "Test accuracy per model on CiteSeer"]
    second = panels(spec)[1]
    ref = [lay for lay in second["layer"] if lay["mark"]["type"] == "point"][0]
    assert spec["datasets"][ref["data"]["name"]][0]["published"] == pytest.approx(0.703)


# ---- cost against score ----

def test_cost_vs_score_one_point_per_model_with_errors_and_parameters():
    runs = runs_like()
    spec = cost_vs_score(runs).to_dict()
    point = layer(spec, "circle")
    values = point["values"].set_index("model")
    assert len(values) == 3
    assert point["encoding"]["x"]["field"] == "ms" and point["encoding"]["y"]["field"] == "mean"
    assert point["encoding"]["size"]["field"] == "params"
    assert values["ms"].to_dict() == pytest.approx(runs.groupby("model")["ms_per_epoch"].mean().to_dict())
    assert values["mean"].to_dict() == pytest.approx(runs.groupby("model")["test_accuracy"].mean().to_dict())
    assert values.loc["gat", "params"] == 92373
    rules = [lay for lay in layers(spec) if lay["mark"]["type"] == "rule"]
    assert {r["encoding"].get("y2", {}).get("field") for r in rules} >= {"upper"}
    assert {r["encoding"].get("x2", {}).get("field") for r in rules} >= {"ms_upper"}
    assert "Parameters" in [t["title"] for t in point["encoding"]["tooltip"]]


def test_builders_say_which_column_is_missing():
    with pytest.raises(ValueError, match="ms_per_epoch"):
        cost_vs_score(runs_like().drop(columns="ms_per_epoch"))


# ---- summary table and the published figures ----

def test_summary_table_text_and_numbers():
    runs = runs_like()
    table = summary_table(runs)
    assert list(table["Model"]) == ["GCN", "GAT", "MLP"]
    gcn = table.set_index("Model").loc["GCN"]
    values = runs[runs["model"] == "gcn"]["test_accuracy"] * 100
    assert gcn["Test accuracy (%)"] == f"{values.mean():.1f} ± {values.std():.1f}"
    assert gcn["Test accuracy mean (%)"] == pytest.approx(values.mean(), abs=0.01)
    assert gcn["Test accuracy std (%)"] == pytest.approx(values.std(), abs=0.01)
    assert gcn["Published (%)"] == "81.5" and "Kipf" in gcn["Source"]
    assert table.set_index("Model").loc["GAT", "Published (%)"] == "83.0 ± 0.7"
    assert gcn["Best epoch"] == 101 and gcn["Parameters"] == 23063 and gcn["Runs"] == 3
    assert pd.api.types.is_numeric_dtype(table["ms / epoch"])


def test_summary_table_one_run_has_no_spread():
    table = summary_table(runs_like(dataset="CSBM", seeds=1))
    assert "±" not in table["Test accuracy (%)"].iloc[0]
    assert "Published (%)" not in table


def test_reference_table_is_complete_and_filters():
    refs = load_references()
    assert {"task", "dataset", "model", "metric", "mean", "std", "source"} <= set(refs.columns)
    assert refs["source"].str.len().gt(0).all()
    assert refs["mean"].between(0, 1).all()  # fractions, like the run metrics
    cora = load_references(task="node", dataset="cora")
    assert set(cora["model"]) >= {"gcn", "gat"} and (cora["task"] == "node").all()
    assert load_references(dataset="NoSuchGraph").empty


# ---- link prediction and graph classification ----

def link_runs(seeds=3):
    """Link-prediction runs on Cora: test AUC and average precision per run."""
    runs = runs_like(kind="link", models=["gcn", "mlp"], metric="test_auc", seeds=seeds)
    return runs.assign(test_ap=runs["test_auc"] - 0.01).drop(columns="test_accuracy", errors="ignore")


def graph_runs(folds=10, seeds=1, dataset="PROTEINS"):
    """Graph-classification runs: one per (model, seed, fold), as the arena asks for them."""
    runs = runs_like(dataset=dataset, kind="graph", models=["gcn", "gin", "mlp"], seeds=seeds, folds=folds)
    return runs.assign(folds=folds)


def test_link_summary_table_shows_auc_and_average_precision_beside_the_gae_figures():
    runs = link_runs()
    table = summary_table(runs, "test_auc", load_references("link", "Cora"), also=["test_ap"])
    assert list(table["Model"]) == ["GCN", "MLP"]
    gcn = table.set_index("Model").loc["GCN"]
    auc, ap = (runs.loc[runs["model"] == "gcn", m] * 100 for m in ("test_auc", "test_ap"))
    assert gcn["Test ROC-AUC (%)"] == f"{auc.mean():.1f} ± {auc.std():.1f}"
    assert gcn["Test average precision (%)"] == f"{ap.mean():.1f} ± {ap.std():.1f}"
    assert gcn["Test average precision mean (%)"] == pytest.approx(ap.mean(), abs=0.01)
    assert gcn["Published (%)"] == "91.0" and gcn["Test average precision published (%)"] == "92.0"
    assert "GAE" in gcn["Source"]
    assert table.set_index("Model").loc["MLP", "Published (%)"] == ""
    # the node table is as it was: one metric, one published column
    assert "Test average precision (%)" not in summary_table(runs_like())


def test_link_final_scores_and_curves_use_the_auc():
    runs = link_runs()
    spec = final_scores(runs, "test_auc").to_dict()
    dots = layer(spec, "circle")
    assert sorted(dots["values"]["test_auc"]) == pytest.approx(sorted(runs["test_auc"]))
    assert dots["encoding"]["x"]["title"] == "Test ROC-AUC"
    assert dots["encoding"]["x"]["axis"]["format"] == ".0%"
    assert "Each dot is one seed;" in panels(spec)[0]["title"]["subtitle"][0]
    assert list(layer(spec, "point")["values"]["model"]) == ["gcn"]

    history = history_like(models=["gcn", "mlp"]).rename(columns={"val_accuracy": "val_auc"})
    curves = learning_curves(history, "val_auc").to_dict()
    assert panels(curves)[0]["title"]["text"] == "Validation ROC-AUC during training on Cora"
    assert "3 seeds" in panels(curves)[0]["title"]["subtitle"]


def test_graph_final_scores_have_a_dot_per_fold_and_say_so():
    runs = graph_runs()
    spec = final_scores(runs, references=load_references("graph", "PROTEINS")).to_dict()
    dots = layer(spec, "circle")
    assert len(dots["values"]) == 30 and sorted(set(dots["values"]["fold"])) == list(range(10))
    assert "Fold" in [t["title"] for t in dots["encoding"]["tooltip"]]
    assert panels(spec)[0]["title"]["subtitle"][0].startswith("Each dot is one fold;")
    spread = layer(spec, "rule")
    assert "Folds" in [t["title"] for t in spread["encoding"]["tooltip"]]
    mean, std = expected_stats(runs, "model", "test_accuracy")
    got = spread["values"].set_index("model")
    assert got["std"].to_dict() == pytest.approx(std.to_dict()) and (got["runs"] == 10).all()
    published = layer(spec, "point")["values"].set_index("model")["published"]
    assert published.to_dict() == pytest.approx({"gin": 0.733, "mlp": 0.758})  # Errica et al. 2020

    two_seeds = final_scores(graph_runs(folds=3, seeds=2)).to_dict()
    assert "one seed on one fold" in panels(two_seeds)[0]["title"]["subtitle"][0]


def one_text(subtitle) -> str:
    """A subtitle as one text: the theme wraps long lines to the chart's width."""
    return subtitle if isinstance(subtitle, str) else " ".join(subtitle)


def test_graph_curves_cost_and_table_spread_over_folds():
    curves = learning_curves(history_like(models=["gcn", "gin"], seeds=1, folds=4)).to_dict()
    assert "mean over 4 folds;" in one_text(panels(curves)[0]["title"]["subtitle"])
    band = layer(curves, "area")["values"]
    assert (band["runs"] == 4).all()
    mixed = learning_curves(history_like(models=["gin"], seeds=2, folds=3)).to_dict()
    assert "6 runs (3 folds x 2 seeds)" in one_text(panels(mixed)[0]["title"]["subtitle"])

    runs = graph_runs(folds=5)
    cost = cost_vs_score(runs).to_dict()
    assert "standard deviation over folds" in panels(cost)[0]["title"]["subtitle"][1]
    node_cost = cost_vs_score(runs_like()).to_dict()
    assert "standard deviation over seeds" in panels(node_cost)[0]["title"]["subtitle"][1]
    table = summary_table(runs, references=load_references("graph", "PROTEINS"))
    gin = table.set_index("Model").loc["GIN"]
    values = runs.loc[runs["model"] == "gin", "test_accuracy"] * 100
    assert gin["Test accuracy (%)"] == f"{values.mean():.1f} ± {values.std():.1f}"
    assert gin["Runs"] == 5
    # Errica et al.'s figure (like with like) first, then Xu et al.'s, with its caveat in words
    assert gin["Published (%)"] == ("73.3 ± 4.0; 76.2 ± 2.8 under Xu et al.'s protocol "
                                    "(best mean epoch over the test folds): not like with like")
    assert gin["Source"] == "Errica et al. 2020, Table 3; Xu et al. 2019, Table 1 (GIN-0)"


def test_reference_rows_per_task():
    link = load_references("link", "Cora")
    assert set(link["metric"]) == {"test_auc", "test_ap"} and set(link["model"]) == {"gcn"}
    graph = load_references("graph", "proteins")
    assert set(graph["model"]) == {"sage", "gin", "mlp"} and (graph["metric"] == "test_accuracy").all()
    assert load_references("link", "PROTEINS").empty


def test_one_seed_says_there_is_no_spread_instead_of_a_mean_over_one_seed():
    runs = runs_like(seeds=1)
    subtitles = {
        "dots": one_text(panels(final_scores(runs).to_dict())[0]["title"]["subtitle"]),
        "curves": one_text(panels(learning_curves(history_like(seeds=1)).to_dict())[0]["title"]["subtitle"]),
        "cost": panels(cost_vs_score(runs).to_dict())[0]["title"]["subtitle"][1],
    }
    assert "1 seed), so no spread shown: add seeds" in subtitles["dots"]
    assert "1 seed), so no spread shown: add seeds" in subtitles["curves"]
    assert subtitles["cost"].startswith("One run each (1 seed), so no error bars")
    assert not any("standard deviation" in s for s in subtitles.values())


def test_a_narrow_range_of_scores_gets_one_decimal_and_the_size_legend_rounds():
    runs = runs_like(models=["gcn"], seeds=3)  # scores within about a point of each other
    spec = final_scores(runs).to_dict()
    formats = {e["encoding"]["x"].get("axis", {}).get("format") for e in layers(spec)} - {None}
    assert formats == {".1%"}
    wide = runs_like(models=["gcn", "mlp"], seeds=3)  # 57% to 81%: whole percents read well
    formats = {e["encoding"]["x"].get("axis", {}).get("format") for e in layers(final_scores(wide).to_dict())}
    assert ".0%" in formats and ".1%" not in formats
    cost = cost_vs_score(wide).to_dict()
    sizes = [e["encoding"]["size"] for e in layers(cost)
             if isinstance(e["encoding"].get("size"), dict) and "legend" in e["encoding"]["size"]]
    assert sizes and sizes[0]["legend"]["format"] == ".2~s"


def test_a_published_mark_is_drawn_only_beside_runs_with_the_settings_it_needs():
    """Like with like: Xu et al.'s GCN on MUTAG sums the readout; runs with mean get no mark,
    and the table says under which settings the figure was obtained."""
    refs = load_references("graph", "MUTAG")
    mean_runs = graph_runs(folds=3).assign(dataset="MUTAG", readout="mean")
    assert "point" not in marks(final_scores(mean_runs, references=refs).to_dict())
    table = summary_table(mean_runs, references=refs)
    gcn = table[table["Model"] == "GCN"].iloc[0]
    assert "readout=sum" in gcn["Published (%)"] and "not these runs' settings" in gcn["Published (%)"]
    assert "Xu et al.'s protocol" in gcn["Published (%)"]  # both caveats, in words
    sum_runs = mean_runs.assign(readout="sum")
    assert "point" in marks(final_scores(sum_runs, references=refs).to_dict())
    # the settings match; the protocol still differs, and the cell says so
    assert summary_table(sum_runs, references=refs).iloc[0]["Published (%)"] == (
        "85.6 ± 5.8 under Xu et al.'s protocol (best mean epoch over the test folds): not like with like")


# ---- figures published under another protocol (Xu et al. 2019's) ----

def fold_history(curves: dict, dataset="MUTAG"):
    """A history frame of fold runs, from ``{(model, seed, fold): [test accuracy per epoch]}``."""
    return pd.DataFrame([{"key": f"{m}{s}{f}", "kind": "graph", "dataset": dataset, "model": m, "seed": s,
                          "fold": f, "folds": 2, "readout": "sum", "epoch": e, "test_accuracy": acc,
                          "val_accuracy": 0.5}
                         for (m, s, f), accs in curves.items() for e, acc in enumerate(accs, start=1)])


# Seed 0: fold 1 stops after epoch 2 and holds 0.9, so epoch 3 averages (0.8 + 0.9) / 2 = 0.85,
# the best; without holding it, epoch 3 would be 0.8 and epoch 2 (0.8) would tie. Seed 1: every
# epoch averages 0.6, so the first is taken, with folds 0.5 and 0.7.
CURVES = {("gin", 0, 0): [0.6, 0.7, 0.8], ("gin", 0, 1): [0.6, 0.9],
          ("gin", 1, 0): [0.5, 0.5, 0.5], ("gin", 1, 1): [0.7, 0.7, 0.7]}


def test_xu_et_al_protocol_scores_our_runs_at_the_epoch_with_the_best_mean_over_folds():
    from gnncore.charts.protocols import XU_2019, best_mean_epoch

    got = best_mean_epoch(fold_history(CURVES)).set_index("seed")
    assert list(got["epoch"]) == [3, 1] and list(got["folds"]) == [2, 2]
    assert got["mean"].tolist() == pytest.approx([0.85, 0.6])
    assert got["std"].tolist() == pytest.approx([np.std([0.8, 0.9], ddof=1), np.std([0.5, 0.7], ddof=1)])
    ours = XU_2019.ours(fold_history(CURVES), "test_accuracy").iloc[0]
    assert (ours["dataset"], ours["model"], ours["seeds"]) == ("MUTAG", "gin", 2)
    assert ours["mean"] == pytest.approx(0.725) and pd.isna(ours["epoch"])  # seeds chose different epochs
    # node runs have no folds: nothing to score that way
    assert best_mean_epoch(history_like()).empty


def xu_runs(history):
    """The runs frame of ``fold_history``: each fold's score at its own (validation) epoch."""
    last = history.sort_values("epoch").groupby(["model", "seed", "fold"]).tail(1)
    return last.assign(test_accuracy=last["test_accuracy"] - 0.05, ms_per_epoch=5.0, params=1000)


def test_a_figure_under_another_protocol_is_hollow_with_the_caveat_and_ours_scored_that_way():
    history = fold_history({k: v for k, v in CURVES.items() if k[1] == 0})
    runs = xu_runs(history)
    spec = final_scores(runs, references=load_references("graph", "MUTAG"), history=history).to_dict()
    diamond = layer(spec, "point")
    assert diamond["mark"]["filled"] is False and diamond["mark"]["shape"] == "diamond"
    row = diamond["values"].iloc[0]
    assert row["published"] == pytest.approx(0.894) and row["ours_under"] == pytest.approx(0.85)
    assert row["gap"] == pytest.approx(0.85 - runs["test_accuracy"].mean())
    assert "test folds" in row["caveat"]
    titles = [t["title"] for t in diamond["encoding"]["tooltip"]]
    assert {"Xu et al.'s protocol", "Ours under Xu et al.'s protocol", "Ours (this arena's protocol)"} <= set(titles)
    tick = layer(spec, "tick", 1)  # after the model's mean
    assert tick["mark"]["color"] == theme.MUTED and tick["values"]["ours_under"].tolist() == pytest.approx([0.85])
    subtitle = panels(spec)[0]["title"]["subtitle"]
    assert ("Hollow diamond: published under another protocol (Xu et al.: best mean epoch over the "
            "test folds); not like with like.") in one_text(subtitle)  # wrapped to the chart's width
    assert "Grey tick: our runs scored as Xu et al. score theirs (hover for both)." in one_text(subtitle)
    assert not any("Black diamond" in line for line in subtitle)  # no like-with-like figure here

    # PROTEINS: Errica et al.'s GIN is like with like (filled), Xu et al.'s is hollow beside it
    proteins = graph_runs(folds=3)
    spec = final_scores(proteins, references=load_references("graph", "PROTEINS")).to_dict()
    filled, hollow = layer(spec, "point", 0), layer(spec, "point", 1)
    assert filled["mark"]["filled"] and filled["values"].set_index("model")["published"]["gin"] == pytest.approx(0.733)
    assert hollow["values"]["published"].tolist() == pytest.approx([0.762])
    assert marks(spec).count("tick") == 1  # the means: without a history, no tick of ours


def test_the_table_says_the_protocol_in_words_and_shows_ours_under_it():
    history = fold_history({k: v for k, v in CURVES.items() if k[1] == 0})
    runs = xu_runs(history)
    table = summary_table(runs, references=load_references("graph", "MUTAG"), history=history)
    gin = table.set_index("Model").loc["GIN"]
    assert gin["Published (%)"] == ("89.4 ± 5.6 under Xu et al.'s protocol (best mean epoch over the "
                                    "test folds): not like with like")
    assert gin["Ours under Xu et al.'s protocol (%)"] == f"85.0 ± {100 * np.std([0.8, 0.9], ddof=1):.1f}"
    assert gin["Source"] == "Xu et al. 2019, Table 1 (GIN-0)"
    assert list(table.columns).index("Ours under Xu et al.'s protocol (%)") == list(table.columns).index(
        "Published (%)") + 1
    # without the history there is nothing to score: no column
    assert "Ours under Xu et al.'s protocol (%)" not in summary_table(runs, references=load_references("graph", "MUTAG"))
    # a model without such a figure gets an empty cell; Cora has no protocol figure: no column
    proteins = graph_runs(folds=2)
    both = summary_table(proteins, references=load_references("graph", "PROTEINS"),
                         history=fold_history({(m, 0, f): [0.7] for m in ("gin", "mlp") for f in (0, 1)}, "PROTEINS"))
    assert both.set_index("Model")["Ours under Xu et al.'s protocol (%)"].to_dict() == {"GCN": "", "GIN": "70.0 ± 0.0", "MLP": ""}
    assert "Ours under Xu et al.'s protocol (%)" not in summary_table(runs_like(), history=history_like())


def test_every_protocol_in_the_published_results_is_declared():
    from gnncore.charts.gnn import matching_references
    from gnncore.charts.protocols import PROTOCOLS, protocol

    refs = load_references()
    keys = set(refs["protocol"].dropna())
    assert keys and keys <= set(PROTOCOLS)
    xu = refs[refs["source"].str.startswith("Xu et al. 2019")]
    assert (xu["protocol"] == "best_mean_test_epoch").all() and not xu["settings"].str.contains("protocol").any()
    assert protocol(float("nan")) is None and protocol("") is None
    with pytest.raises(ValueError, match="Unknown protocol 'best_epoch'"):
        matching_references(runs_like(dataset="MUTAG", kind="graph", models=["gin"]), "test_accuracy",
                            refs.assign(protocol="best_epoch"))
