"""The GNN arena page, driven through its widgets with AppTest: sidebar defaults, training
in the background, what the table and the charts show, stopping, refreshing, a dataset that
cannot be had, and the exported files."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from mirror import needs_mirror

from gnncore.app import export_ui, results
from gnncore.gnn.node import PAPER_DEFAULTS
from gnncore.runs import RunStore, runs_frame

PAGE = "pages/1_GNN_Arena.py"


def choose(at, dataset="CSBM", models=("gcn", "mlp"), seeds=2, epochs=3):
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
    assert at.selectbox(key="task").options == ["Node classification"]
    assert at.selectbox(key="dataset").value == "Cora"
    assert at.multiselect(key="models").value == ["gcn", "sage", "gat", "mlp"]
    assert at.number_input(key="seeds").value == 5
    assert at.number_input(key="epochs").value == 200
    for model, params in PAPER_DEFAULTS.items():
        for name, value in params.items():
            assert at.number_input(key=f"hp:{model}:{name}").value == value, (model, name)
    sidebar_text = " ".join(pages.texts(at.sidebar.markdown))
    assert "2,708" in sidebar_text and "1,433" in sidebar_text  # Cora's nodes and features
    assert at.button(key="train").label == "Train 20 runs"

    # GAT on PubMed has its own paper settings; a value the user changed stays.
    at.number_input(key="hp:gcn:hidden").set_value(32)
    at.selectbox(key="dataset").set_value("PubMed").run()
    assert at.number_input(key="hp:gat:out_heads").value == 8
    assert at.number_input(key="hp:gat:lr").value == 0.01
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

    assert len(charts(at)) == 3
    curves = drawn(at, "during training")
    assert {r["epoch"] for r in curves if "epoch" in r} == {1, 2, 3}
    dots = [r for r in drawn(at, "per model") if r.get("seed") is not None and r.get("seed") == r.get("seed")]
    assert sorted((r["model"], int(r["seed"])) for r in dots) == [("gcn", 0), ("gcn", 1), ("mlp", 0), ("mlp", 1)]
    assert {r["name"] for r in drawn(at, "against training time") if "name" in r} == {"GCN", "MLP"}
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("PNG") == 3 and labels.count("CSV") == 3
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


def test_unavailable_dataset_gives_one_sentence_and_others_still_train(pages, tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("GNNCORE_MIRROR", str(empty))
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "cache"))
    at = choose(pages.open(PAGE), "PubMed", ("gcn",), seeds=1, epochs=2)
    assert "not available" in " ".join(pages.texts(at.sidebar.caption))
    at = train(pages, at)
    pages.no_exceptions(at)
    assert len(at.error) == 1
    message = at.error[0].value
    assert "PubMed" in message and "missing" in message and "\n" not in message
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
