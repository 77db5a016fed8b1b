"""The GNN arena page, driven through its widgets with AppTest: sidebar defaults, training
in the background, what the table and the charts show, stopping, refreshing, a dataset that
cannot be had, the exported files, and the three tasks (node, link, graph)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import streamlit as st
from mirror import needs_mirror

from gnncore.app import export_ui, results
from gnncore.gnn.tasks import graph as graph_engine
from gnncore.gnn.tasks import link as link_engine
from gnncore.gnn.data.datasets import DATASETS, dataset_names
from gnncore.gnn.architectures import ARCHITECTURES
from gnncore.gnn.tasks.node import FACTS as NODE
from gnncore.runs import RunStore, runs_frame
from gnncore.spec import RunSpec

PAGE = "pages/1_GNN_Arena.py"
# The node task's default models at their papers' settings, as the registry declares them.
PAPER_DEFAULTS = {m: ARCHITECTURES[m].defaults["node"] for m in NODE.default_models}


def choose(at, dataset="CSBM", models=("gcn", "mlp"), seeds=2, epochs=3, task=None):
    if task is not None:  # a run of its own: the task decides the dataset and model options
        at.selectbox(key="task").set_value(task).run()
    at.selectbox(key="dataset").set_value(dataset)
    at.multiselect(key="models").set_value(list(models))
    at.number_input(key="seeds").set_value(seeds)
    at.number_input(key="epochs").set_value(epochs)
    return at.run()


def train(pages, at, deadline=60.0):
    at.button(key="train").click()
    return pages.run_until_idle(at, deadline)


def charts(at) -> dict[str, tuple[dict, list[dict]]]:
    """The Vega-Lite charts drawn on the page by title: ``(spec, data rows)``.

    Streamlit moves a spec's datasets out of the JSON into Arrow tables; both are read back.
    """
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    out = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        rows = [r for values in spec.get("datasets", {}).values() for r in values]
        for named in element.proto.datasets:
            rows += convert_arrow_bytes_to_pandas_df(named.data.data).to_dict("records")
        title = spec.get("title", {})
        out[title.get("text", "") if isinstance(title, dict) else str(title)] = (spec, rows)
    return out


def drawn(at, words: str) -> list[dict]:
    """The data rows of the chart whose title contains ``words``."""
    return next(rows for title, (_, rows) in charts(at).items() if words in title)


def _finished(pages, at) -> int:
    job = pages.job_of(at)
    return job.finished_count if job is not None else 0


def test_sidebar_starts_at_paper_defaults_and_follows_the_dataset(pages):
    at = pages.open(PAGE)
    pages.no_exceptions(at)
    assert at.selectbox(key="task").options == ["Node classification", "Link prediction",
                                                "Graph classification"]
    assert at.selectbox(key="dataset").value == "Cora"
    assert at.multiselect(key="models").value == ["gcn", "sage", "gat", "mlp"]
    assert at.number_input(key="seeds").value == NODE.seeds
    assert at.number_input(key="epochs").value == 200
    for model, params in PAPER_DEFAULTS.items():
        for name, value in params.items():
            assert at.number_input(key=f"hp:{model}:{name}").value == value, (model, name)
    sidebar_text = " ".join(pages.texts(at.sidebar.markdown))
    assert "2,708" in sidebar_text and "1,433" in sidebar_text  # Cora's nodes and features
    assert at.button(key="train").label == f"Train {4 * NODE.seeds} runs"

    # GAT on PubMed has its own paper settings; a value the user changed stays.
    at.number_input(key="hp:gcn:hidden").set_value(32)
    at.selectbox(key="dataset").set_value("PubMed").run()
    assert at.number_input(key="hp:gat:out_heads").value == 8
    assert at.number_input(key="hp:gat:lr").value == 0.01
    assert at.selectbox(key="hp:gat:select").value == "loss"  # the GAT paper's PubMed protocol
    assert at.selectbox(key="hp:gcn:select").value == "accuracy"
    assert at.number_input(key="hp:gcn:hidden").value == 32

    at.button(key="reset:gcn").click().run()
    assert at.number_input(key="hp:gcn:hidden").value == 16
    pages.no_exceptions(at)


def test_csbm_two_models_train_in_the_background_and_fill_table_and_charts(pages):
    at = choose(pages.open(PAGE), "CSBM")
    assert len(at.slider) == 2  # homophily and feature signal
    at = train(pages, at)
    pages.no_exceptions(at)
    assert not at.error
    assert pages.texts(at.success)[0].startswith("Done: 4 runs trained")

    stored = runs_frame(RunStore().results("node"))
    assert len(stored) == 4 and set(stored["model"]) == {"gcn", "mlp"}
    table = at.dataframe[0].value
    assert list(table["Model"]) == ["GCN", "MLP"]
    assert list(table["Runs"]) == [2, 2]
    for name, model in (("GCN", "gcn"), ("MLP", "mlp")):
        expected = 100 * stored.loc[stored["model"] == model, "test_accuracy"].mean()
        shown = table.loc[table["Model"] == name, "Test accuracy mean (%)"].item()
        assert shown == pytest.approx(expected, abs=0.01)
        smooth = table.loc[table["Model"] == name, "Smoothness (MAD)"].item()
        assert smooth == pytest.approx(stored.loc[stored["model"] == model, "mad"].mean(), abs=1e-3)
    assert any("mean cosine distance" in c.value for c in at.caption)

    # the comparison's four, then inside the models: the neighbourhood, the weights into
    # the node (the MLP has none, GCN has), the embeddings; then why node 0 got its
    # prediction: the explainers' edge masks and feature bars
    assert len(charts(at)) == 9, '\n'.join(charts(at))
    pairs = drawn(at, "Is the difference real?")
    assert [r["pair"] for r in pairs if "pair" in r] == ["GCN − MLP"]
    verdicts = " ".join(m.value for m in at.markdown)
    assert "GCN" in verdicts and "2 paired seeds" in verdicts
    assert list(at.dataframe[1].value["Paired runs"]) == [2]  # the pairs table, after the summary
    curves = drawn(at, "during training")
    assert {r["epoch"] for r in curves if "epoch" in r} == {1, 2, 3}
    dots = [r for r in drawn(at, "per model") if r.get("seed") is not None and r.get("seed") == r.get("seed")]
    assert sorted((r["model"], int(r["seed"])) for r in dots) == [("gcn", 0), ("gcn", 1), ("mlp", 0), ("mlp", 1)]
    assert {r["name"] for r in drawn(at, "against training time") if "name" in r} == {"GCN", "MLP"}
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("PNG") == 9 and labels.count("CSV") == 9
    assert "Download the comparison (zip)" in labels


@needs_mirror("Planetoid/Cora/raw")
def test_cora_from_the_mirror_shows_published_marks_and_an_identical_request_is_instant(pages):
    at = train(pages, choose(pages.open(PAGE), "Cora", ("gcn", "gat"), seeds=2, epochs=3), deadline=90)
    pages.no_exceptions(at)
    table = at.dataframe[0].value
    assert list(table["Model"]) == ["GCN", "GAT"]
    assert list(table["Published (%)"]) == ["81.5", "83.0 ± 0.7"]
    published = {round(r["published"], 3) for r in drawn(at, "per model") if r.get("published") is not None}
    assert published == {0.815, 0.83}

    # A new session asking for the same runs gets them from the store, with no job.
    again = choose(pages.open(PAGE), "Cora", ("gcn", "gat"), seeds=2, epochs=3)
    assert "train" not in [b.key for b in again.button]
    assert "trained before" in pages.texts(again.success)[0]
    assert again.dataframe[0].value.equals(table)
    assert pages.job_of(again) is None


# Flickr: a large graph of protocol "published", whose defaults once raised a KeyError.
@pytest.mark.parametrize("dataset", ["PubMed", "Flickr"])
def test_unavailable_dataset_gives_one_sentence_and_others_still_train(pages, tmp_path, monkeypatch, dataset):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("GNNCORE_MIRROR", str(empty))
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "cache"))
    at = choose(pages.open(PAGE), dataset, ("gcn",), seeds=1, epochs=2)
    assert "not available" in " ".join(pages.texts(at.sidebar.caption))
    at = train(pages, at)
    pages.no_exceptions(at)
    assert len(at.error) == 1
    message = at.error[0].value
    assert dataset in message and "missing" in message and "\n" not in message
    assert "Traceback" not in message

    at = train(pages, choose(at, "CSBM", ("gcn",), seeds=1, epochs=2))
    pages.no_exceptions(at)
    assert not at.error
    assert list(at.dataframe[0].value["Model"]) == ["GCN"]


def test_stop_keeps_every_finished_run(pages):
    at = choose(pages.open(PAGE), "CSBM", ("gcn", "mlp"), seeds=4, epochs=400)
    at.button(key="train").click()
    at = pages.run_until_idle(at, until=lambda at: _finished(pages, at) >= 1)
    job = pages.job_of(at)
    stop = next(b for b in at.button if b.label == "Stop")
    stop.click().run()
    at = pages.run_until_idle(at)
    pages.no_exceptions(at)
    assert job.state == "stopped"
    finished = job.finished_count
    assert 1 <= finished < 8
    assert len(RunStore()) == finished
    assert at.dataframe[0].value["Runs"].sum() == finished
    assert pages.texts(at.info) == [f"Stopped after {finished} of 8 runs: the finished ones are kept, "
                                    "here and in the run store."]
    assert at.button(key="train").label == f"Train the {8 - finished} missing runs"


def test_refresh_during_training_reattaches_and_keeps_finished_runs(pages):
    at = choose(pages.open(PAGE), "CSBM", ("mlp", "gcn"), seeds=3, epochs=60)
    at.button(key="train").click()
    at = pages.run_until_idle(at, until=lambda at: _finished(pages, at) >= 1)
    key = at.query_params["run"]
    key = key[0] if isinstance(key, list) else key

    refreshed = pages.open(PAGE, query={"run": key})  # a new session, same URL
    pages.no_exceptions(refreshed)
    assert refreshed.selectbox(key="dataset").value == "CSBM"
    assert refreshed.multiselect(key="models").value == ["mlp", "gcn"]
    assert refreshed.number_input(key="seeds").value == 3
    assert refreshed.number_input(key="epochs").value == 60
    assert pages.job_of(refreshed) is pages.job_of(at)
    refreshed = pages.run_until_idle(refreshed)
    assert refreshed.dataframe[0].value["Runs"].sum() == 6


def test_exports_are_valid_png_svg_html_csv_and_zip(pages):
    at = train(pages, choose(pages.open(PAGE), "CSBM", ("gcn", "mlp"), seeds=2, epochs=3))
    comparison = results.gnn_comparison(RunStore().results("node"))
    spec = comparison.specs["learning_curves"]
    png = export_ui.chart_file(spec, "png")()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    svg = export_ui.chart_file(spec, "svg")().decode()
    assert svg.lstrip().startswith("<svg") and "GCN" in svg
    html = export_ui.chart_file(spec, "html")().decode()
    assert "<html" in html.lower() and 'src="http' not in html
    archive = zipfile.ZipFile(io.BytesIO(export_ui.comparison_zip_file(
        comparison.specs, comparison.frames, [r.spec for r in RunStore().results("node")])()))
    names = set(archive.namelist())
    assert {"specs.json", "data/runs.csv", "charts/learning_curves.png"} <= names
    assert len(json.loads(archive.read("specs.json"))) == 4
    pages.no_exceptions(at)


# ---- link prediction and graph classification ----

def file_names(monkeypatch) -> list[str]:
    """Record the file name of every download button the page draws from now on."""
    names, original = [], st.download_button

    def recording(*args, **kwargs):
        names.append(kwargs.get("file_name"))
        return original(*args, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    return names


def main_captions(at) -> str:
    return " ".join(e.value for e in at.main.caption)


def test_switching_the_task_switches_datasets_models_and_settings(pages):
    at = pages.open(PAGE)
    titles = lambda task: [DATASETS[n].title for n in dataset_names(task)]  # noqa: E731
    assert at.selectbox(key="dataset").options == titles("node")
    assert not [w for w in at.number_input if w.key == "folds"]

    at.selectbox(key="task").set_value("link").run()
    pages.no_exceptions(at)
    assert at.selectbox(key="dataset").options == titles("link")
    assert at.selectbox(key="dataset").value == "Cora"  # Cora has links to predict too
    assert at.multiselect(key="models").value == ["gcn", "sage", "gat", "mlp"]
    link_gcn = link_engine.defaults(RunSpec.make("link", "Cora", "gcn"))
    assert at.number_input(key="hp:gcn:hidden").value == link_gcn["hidden"]
    assert at.number_input(key="hp:gcn:embedding").value == link_gcn["embedding"]
    assert at.number_input(key="seeds").value == link_engine.FACTS.seeds

    at.selectbox(key="task").set_value("graph").run()
    pages.no_exceptions(at)
    assert at.selectbox(key="dataset").options == titles("graph")
    assert at.selectbox(key="dataset").value == "PROTEINS"
    assert at.multiselect(key="models").value == ["gcn", "sage", "gat", "gin", "mlp"]
    assert at.number_input(key="folds").value == 10
    assert at.selectbox(key="readout").value == "paper"
    assert at.number_input(key="seeds").value == 1  # every fold runs: one seed each
    assert at.number_input(key="epochs").value == graph_engine.DEFAULTS["epochs"]
    assert at.number_input(key="patience").value == graph_engine.DEFAULTS["patience"]
    assert at.number_input(key="hp:gin:batch_size").value == graph_engine.DEFAULTS["batch_size"]
    summary = " ".join(pages.texts(at.main.markdown))
    assert "10 folds x 1 seed" in summary and "50 runs in all" in summary
    assert at.button(key="train").label == "Train 50 runs"

    at.multiselect(key="models").set_value(["gin"]).run()
    at.selectbox(key="task").set_value("node").run()  # GIN is for graphs only
    pages.no_exceptions(at)
    assert at.selectbox(key="dataset").value == "Cora"
    assert at.multiselect(key="models").value == ["gcn", "sage", "gat", "mlp"]
    assert at.number_input(key="seeds").value == NODE.seeds and at.number_input(key="epochs").value == 200
    assert at.number_input(key="hp:gcn:hidden").value == PAPER_DEFAULTS["gcn"]["hidden"]


def test_link_prediction_on_csbm_shows_auc_and_average_precision(pages, monkeypatch):
    names = file_names(monkeypatch)
    at = train(pages, choose(pages.open(PAGE), "CSBM", ("gcn", "mlp"), seeds=2, epochs=3, task="link"))
    pages.no_exceptions(at)
    assert not at.error

    stored = runs_frame(RunStore().results("link"))
    assert len(stored) == 4 and set(stored["model"]) == {"gcn", "mlp"}
    table = at.dataframe[0].value
    assert list(table["Model"]) == ["GCN", "MLP"] and list(table["Runs"]) == [2, 2]
    for name, model in (("GCN", "gcn"), ("MLP", "mlp")):
        runs = stored[stored["model"] == model]
        row = table[table["Model"] == name]
        assert row["Test ROC-AUC mean (%)"].item() == pytest.approx(100 * runs["test_auc"].mean(), abs=0.01)
        assert row["Test average precision mean (%)"].item() == pytest.approx(100 * runs["test_ap"].mean(),
                                                                              abs=0.01)
    assert "best validation AUC" in main_captions(at)

    dots = [r for r in drawn(at, "Test ROC-AUC per model") if "jitter" in r]  # one per run
    assert sorted((r["model"], int(r["seed"])) for r in dots) == [(m, s) for m in ("gcn", "mlp") for s in (0, 1)]
    assert {round(r["test_auc"], 6) for r in dots} == {round(v, 6) for v in stored["test_auc"]}
    curves = drawn(at, "during training")
    assert "Validation ROC-AUC during training on CSBM" in charts(at)
    assert {r["epoch"] for r in curves if "epoch" in r} == {1, 2, 3}
    assert at.selectbox(key="curve_metric").options[0] == "Validation ROC-AUC"
    assert "Test ROC-AUC against training time on CSBM" in charts(at)
    assert "gnn_link_CSBM_comparison.zip" in names and "gnn_link_CSBM_summary.csv" in names


def test_results_follow_the_task_when_it_changes_after_training(pages):
    at = train(pages, choose(pages.open(PAGE), "CSBM", ("gcn",), seeds=1, epochs=2))
    at.selectbox(key="curve_metric").set_value("train_accuracy").run()
    assert "Training accuracy during training on CSBM" in charts(at)

    at.selectbox(key="task").set_value("link").run()  # CSBM, GCN and one seed stay
    assert at.selectbox(key="dataset").value == "CSBM" and at.number_input(key="seeds").value == 1
    at = train(pages, at)
    pages.no_exceptions(at)
    assert at.selectbox(key="curve_metric").value == "val_auc"  # link runs log no training accuracy
    assert "Validation ROC-AUC during training on CSBM" in charts(at)
    assert list(at.dataframe[0].value.columns[:2]) == ["Model", "Test ROC-AUC (%)"]  # one dataset: named above


@needs_mirror("TUDataset/MUTAG/raw")
def test_graph_classification_on_mutag_scores_every_fold_and_restores_after_refresh(pages, monkeypatch):
    names = file_names(monkeypatch)
    at = pages.open(PAGE)
    at.selectbox(key="task").set_value("graph").run()
    at.number_input(key="folds").set_value(3)
    at.selectbox(key="readout").set_value("sum")
    at = train(pages, choose(at, "MUTAG", ("gcn", "gin"), seeds=1, epochs=2), deadline=90)
    pages.no_exceptions(at)
    assert not at.error

    stored = runs_frame(RunStore().results("graph"))
    assert sorted(zip(stored["model"], stored["fold"])) == [(m, k) for m in ("gcn", "gin") for k in range(3)]
    assert set(stored["folds"]) == {3} and set(stored["readout"]) == {"sum"}
    table = at.dataframe[0].value
    assert list(table["Model"]) == ["GCN", "GIN"] and list(table["Runs"]) == [3, 3]
    gcn = stored[stored["model"] == "gcn"]["test_accuracy"]
    assert table.loc[0, "Test accuracy mean (%)"] == pytest.approx(100 * gcn.mean(), abs=0.01)
    # Xu et al. 2019's GCN on MUTAG: their protocol, not ours, and the cell says so
    assert table.loc[0, "Published (%)"] == ("85.6 ± 5.8 under Xu et al.'s protocol (best mean epoch over "
                                             "the test folds): not like with like")
    caption = main_captions(at)
    assert "over folds" in caption and "Errica et al. (2020)" in caption and "inner split" in caption

    spec, rows = charts(at)["Test accuracy per model on MUTAG"]
    dots = [r for r in rows if "jitter" in r]  # one per run, here one per fold
    folds = [(m, k) for m in ("gcn", "gin") for k in range(3)]
    assert sorted((r["model"], int(r["fold"])) for r in dots) == folds
    assert "Each dot is one fold" in spec["title"]["subtitle"][0]
    tooltips = [t.get("title") for lay in spec["layer"] for t in lay["encoding"].get("tooltip", [])]
    assert "Fold" in tooltips
    curves_title = next(t for t in charts(at) if "during training" in t)
    assert "3 folds" in charts(at)[curves_title][0]["title"]["subtitle"]
    assert "gnn_graph_MUTAG_comparison.zip" in names

    # A refresh with the job's URL puts the graph sidebar back as it was.
    key = at.query_params["run"]
    refreshed = pages.open(PAGE, query={"run": key[0] if isinstance(key, list) else key})
    pages.no_exceptions(refreshed)
    assert refreshed.selectbox(key="task").value == "graph"
    assert refreshed.selectbox(key="dataset").value == "MUTAG"
    assert refreshed.multiselect(key="models").value == ["gcn", "gin"]
    assert refreshed.number_input(key="folds").value == 3
    assert refreshed.selectbox(key="readout").value == "sum"
    assert refreshed.number_input(key="epochs").value == 2
    assert refreshed.dataframe[0].value["Runs"].sum() == 6


def test_inside_the_models_shows_what_a_node_hears_and_how_the_embeddings_move(pages):
    at = train(pages, choose(pages.open(PAGE), "CSBM", ("gcn", "gat", "mlp"), seeds=2, epochs=4))
    pages.no_exceptions(at)
    assert "Inside the models" in pages.texts(at.subheader)
    drawn = charts(at)
    (hears,) = [t for t in drawn if t.startswith("What node ")]
    centre = int(hears.split()[2])
    assert f"The weights on the edges into node {centre}" in drawn
    assert "How the node embeddings move: epoch 4" in drawn
    # the first node offered is one where the models disagree, and the table says who is right
    (table,) = [d.value for d in at.dataframe if "Predicts" in d.value]
    assert list(table["Model"]) == ["GCN", "GAT", "MLP"] and set(table["Right?"]) <= {"yes", "no"}
    # GAT's attention into the node sums to 1 over its edges, as the chart's data shows
    spec, rows = drawn[f"The weights on the edges into node {centre}"]
    gat = [r for r in rows if r.get("model") == "gat" and r.get("head") == 0]
    assert abs(sum(r["weight"] for r in gat) - 1) < 1e-4

    at.radio(key="inside_pick").set_value("any node by its id").run()
    at.number_input(key="inside_node_id").set_value(5).run()
    at.select_slider(key="inside_epoch").set_value(0).run()
    at.selectbox(key="inside_seed").set_value(1).run()
    pages.no_exceptions(at)
    drawn = charts(at)
    assert "What node 5 hears from its neighbours" in drawn and "How the node embeddings move: epoch 0" in drawn
    embedding_rows = drawn["How the node embeddings move: epoch 0"][1]
    assert {r["node"] for r in embedding_rows} == set(range(1000))


def test_sampled_mini_batches_from_the_sidebar_train_and_show_peak_memory(pages):
    at = choose(pages.open(PAGE), "CSBM", models=("sage",), seeds=1)
    at.toggle(key="mini_batches").set_value(True).run()
    at.number_input(key="batch_size").set_value(64)
    at.text_input(key="fanout").set_value("10,5")
    at = train(pages, at.run())
    pages.no_exceptions(at)
    assert not at.error
    (stored,) = RunStore().results("node")
    assert stored.spec.params["batch_size"] == 64 and stored.spec.params["fanout"] == "10,5"
    table = at.dataframe[0].value
    assert table["Peak memory (MB)"].notna().all()

    at.text_input(key="fanout").set_value("10,5,3")
    at = at.run()
    assert "3 entries for 2 layers" in " ".join(e.value for e in at.error)


def test_why_this_prediction_draws_each_explainer_and_scores_them(pages, monkeypatch):
    import gnncore.app.why as why  # the arena's "Why this prediction" view

    monkeypatch.setattr(why, "SCORED_NODES", 3)  # the page's 100 nodes and five explainers, cut for time
    monkeypatch.setattr(why, "SCORED", ("saliency", "attention", "random"))
    at = train(pages, choose(pages.open(PAGE), "CSBM", ("gcn", "gat"), seeds=1, epochs=4))
    pages.no_exceptions(at)
    at.multiselect(key="why_explainers").set_value(["saliency", "attention", "random"]).run()
    at.number_input(key="why_node").set_value(7).run()
    pages.no_exceptions(at)
    spec, rows = charts(at)["Why node 7 got its prediction"]
    # a panel per model and explainer that applies: attention for GAT only, said for GCN
    panels = {c["title"]["text"] for c in spec["concat"]}
    assert panels == {"GCN · Saliency", "GCN · Random", "GAT · Saliency", "GAT · Attention", "GAT · Random"}
    assert {"importance", "x", "y"} <= set().union(*rows)
    assert any("GCN weighs its neighbours without any" in c.value for c in at.caption)
    assert "Which input features the prediction leans on" in charts(at)

    at.button(key="why_score").click().run()
    def scored(a):
        drawn = charts(a).get("How faithful each explainer is")
        # every run scored, not only every explainer: the chart draws runs as they finish
        return drawn is not None and len({(r["model"], r["explainer"]) for r in drawn[1]}) == 5

    at = pages.run_until_idle(at, deadline=120, until=scored)
    pages.no_exceptions(at)
    _, rows = charts(at)["How faithful each explainer is"]
    assert all(0 <= r["mean"] <= 1 for r in rows)
    # attention, on GAT only: five runs of one seed, and the verdicts against the random floor said
    assert {(r["model"], r["explainer"]) for r in rows if r["metric"] == "characterization"} == {
        ("gcn", "saliency"), ("gcn", "random"), ("gat", "saliency"), ("gat", "attention"), ("gat", "random")}
