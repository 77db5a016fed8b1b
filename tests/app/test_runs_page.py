"""The Runs page, driven with AppTest: runs stored by the CLI are listed; filtering, ticking,
tagging and deleting change what is listed and what is in SQLite; a selection on two datasets
compares them side by side; the upload adds a graph that the arena trains, and malformed
files are answered in one sentence each with nothing stored. Also the arena's comparison
across datasets, and the home page's run-store size."""

from __future__ import annotations

import json
import sqlite3

import pytest
from torch_geometric.datasets import KarateClub

from gnncore.cli import main
from gnncore.gnn.data import userdata
from gnncore.gnn.data.datasets import dataset_names
from gnncore.runs import RunStore, runs_frame

PAGE = "pages/3_Runs.py"
ARENA = "pages/1_GNN_Arena.py"


@pytest.fixture(autouse=True)
def own_cache(monkeypatch, tmp_path):
    """A data cache of this test's own: added datasets must not leak into other tests."""
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "data"))


@pytest.fixture
def trained(capsys):
    """8 runs stored by the CLI: GCN and the MLP on CSBM and KarateClub, 2 seeds each."""
    for dataset in ("CSBM", "KarateClub"):
        assert main(["gnn", "--dataset", dataset, "--models", "gcn,mlp", "--seeds", "2", "--epochs", "3",
                     "--workers", "1"]) == 0
    capsys.readouterr()
    return RunStore()


def stored_keys(store) -> set[str]:
    with sqlite3.connect(store.path) as db:
        return {k for (k,) in db.execute("SELECT key FROM runs")}


def listed(at):
    return next(d for d in at.dataframe if d.key and d.key.startswith("runs:table:"))


def tick(at, rows):
    at.session_state[listed(at).key] = {"selection": {"rows": list(rows), "columns": [], "cells": []}}
    return at.run()


def button(at, words):
    return next(b for b in at.button if words in b.label)


def panels(at, words):
    """The dataset panels of the chart whose first panel's title contains ``words``."""
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        titles = [p.get("title", {}).get("text", "") for p in spec.get("vconcat", [spec])]
        if any(words in t for t in titles):
            return titles
    raise AssertionError(f"no chart titled {words!r}")


def test_runs_stored_by_the_cli_are_listed_and_filtering_changes_the_list(pages, trained):
    at = pages.open(PAGE)
    pages.no_exceptions(at)
    table = listed(at).value
    assert set(table["Key"]) == stored_keys(trained) and len(table) == 8
    assert set(table["Dataset"]) == {"CSBM", "KarateClub"} and set(table["Model"]) == {"GCN", "MLP"}
    assert table["Score"].between(0, 100).all()
    assert "**8** of 8 stored runs match the filters." in pages.texts(at.markdown)

    at.multiselect(key="runs:model").set_value(["gcn"]).run()
    assert set(listed(at).value["Model"]) == {"GCN"} and len(listed(at).value) == 4
    at.multiselect(key="runs:dataset").set_value(["KarateClub"]).run()
    assert len(listed(at).value) == 2
    at.multiselect(key="runs:params").set_value(["epochs"]).run()
    at.multiselect(key="runs:param:epochs").set_value(["3"]).run()
    assert len(listed(at).value) == 2
    assert len(stored_keys(trained)) == 8  # filtering deletes nothing
    pages.no_exceptions(at)


def test_tick_tag_and_delete_change_the_list_and_sqlite(pages, trained):
    at = pages.open(PAGE)
    at.multiselect(key="runs:dataset").set_value(["CSBM"]).run()
    at = tick(at, [0, 1])
    doomed = set(listed(at).value["Key"].iloc[[0, 1]])
    assert "Selected: the 2 ticked runs." in pages.texts(at.caption)

    at.text_input(key="runs:new_tag").set_value("useless")
    button(at, "Add the tag to 2 runs").click().run()
    with sqlite3.connect(trained.path) as db:
        assert {k for (k,) in db.execute("SELECT key FROM tags WHERE tag = 'useless'")} == doomed
    assert "Tagged 2 runs 'useless'." in pages.texts(at.success)

    at.multiselect(key="runs:dataset").set_value([]).run()
    at.multiselect(key="runs:tag").set_value(["useless"]).run()
    assert set(listed(at).value["Key"]) == doomed  # filter by tag
    at.button(key="runs:delete").click().run()
    assert any("Delete 2 runs from the run store" in w for w in pages.texts(at.warning))
    assert stored_keys(trained) >= doomed  # nothing gone before the confirmation
    at.button(key="runs:confirm").click().run()
    pages.no_exceptions(at)
    assert "Deleted 2 runs." in pages.texts(at.success)
    keys = stored_keys(trained)
    assert len(keys) == 6 and not keys & doomed
    with sqlite3.connect(trained.path) as db:
        assert db.execute("SELECT COUNT(*) FROM tags").fetchone()[0] == 0
        assert {k for (k,) in db.execute("SELECT DISTINCT key FROM artifacts")} == keys
    assert not [m for m in at.multiselect if m.key == "runs:tag"]  # no tag left to filter by
    assert set(listed(at).value["Key"]) == keys


def test_cancel_keeps_the_runs(pages, trained):
    at = pages.open(PAGE)
    at.button(key="runs:delete").click().run()
    assert any("Delete 8 runs" in w for w in pages.texts(at.warning))
    at.button(key="runs:cancel").click().run()
    assert len(stored_keys(trained)) == 8 and not at.warning


def test_a_selection_on_two_datasets_is_compared_side_by_side(pages, trained):
    at = pages.open(PAGE)
    pages.no_exceptions(at)
    across = at.dataframe[1].value  # after the list (a table without selection has no key here)
    assert list(across.columns) == ["Model", "KarateClub", "CSBM"] and list(across["Model"]) == ["GCN", "MLP"]
    assert all(cell.endswith("(2)") for cell in across[["KarateClub", "CSBM"]].values.ravel())
    summary = at.dataframe[2].value
    assert sorted(zip(summary["Dataset"], summary["Model"])) == [
        ("CSBM", "GCN"), ("CSBM", "MLP"), ("KarateClub", "GCN"), ("KarateClub", "MLP")]
    titles = panels(at, "per model")
    assert len(titles) == 2 and any("KarateClub" in t for t in titles) and any("CSBM" in t for t in titles)
    assert at.get("download_button")  # the comparison zip among the downloads
    assert any(b.proto.label.startswith("Download the comparison") for b in at.get("download_button"))


def test_an_empty_store_says_so(pages):
    at = pages.open(PAGE)
    pages.no_exceptions(at)
    assert any("No runs stored yet" in t for t in pages.texts(at.info))


def _upload(at, name, edges, nodes):
    at.text_input(key="up:name").set_value(name)
    at.file_uploader(key="up:edges").set_value(("edges.csv", edges, "text/csv"))
    at.file_uploader(key="up:nodes").set_value(("nodes.csv", nodes, "text/csv"))
    return button(at, "Add the dataset").click().run()


def test_karate_uploaded_on_the_page_trains_in_the_arena_above_chance(pages):
    edges, nodes = userdata.csv_files(KarateClub()[0])
    at = _upload(pages.open(PAGE), "UpKarate", edges, nodes)
    pages.no_exceptions(at)
    assert any("Added **UpKarate**: 34 nodes, 78 edges" in s for s in pages.texts(at.success))
    assert "UpKarate" in dataset_names("node")

    arena = pages.open(ARENA)
    assert "UpKarate" in arena.selectbox(key="dataset").options
    arena.selectbox(key="dataset").set_value("UpKarate")
    arena.multiselect(key="models").set_value(["gcn", "mlp"])
    arena.number_input(key="seeds").set_value(5)
    arena.number_input(key="epochs").set_value(100)
    arena.run()
    assert "34" in " ".join(pages.texts(arena.sidebar.markdown))  # its card
    arena.button(key="train").click()
    arena = pages.run_until_idle(arena, 120)
    pages.no_exceptions(arena)
    scores = runs_frame(RunStore().results("node")).groupby("model")["test_accuracy"].mean()
    assert scores["gcn"] > 0.8 and scores["mlp"] > 1 / 4  # four classes

    home = pages.open("app.py")
    datasets = home.dataframe[0].value
    assert datasets.loc[datasets["Dataset"] == "UpKarate", "Files"].item() == "added by you"
    assert any("**10** stored runs" in m for m in pages.texts(home.markdown))


@pytest.mark.parametrize("nodes, words", [
    (b"id,label\n0,0\n1,1\n2,0\n", "has no feature column"),
    (b"id,label,f0\n0,0,1\n1,zero,2\n2,1,3\n", "label must be a whole number"),
    (b"id,label,f0\n0,0,1\n1,1,2\n9,1,3\n", "ids must run from 0 to 2"),
])
def test_a_malformed_upload_is_one_sentence_each_and_stores_nothing(pages, nodes, words):
    at = _upload(pages.open(PAGE), "Broken", b"source,target\n0,1\n1,2\n", nodes)
    pages.no_exceptions(at)
    error = pages.texts(at.error)[0]
    assert error.startswith("Nothing was stored:") and words in error
    assert "Traceback" not in error and not at.success
    assert not userdata.root().exists() or not any(userdata.root().iterdir())
    assert "Broken" not in dataset_names("node")


def test_the_arena_compares_one_model_across_datasets(pages):
    at = pages.open(ARENA)
    at.selectbox(key="dataset").set_value("CSBM")
    at.multiselect(key="also_datasets").set_value(["KarateClub"])
    at.multiselect(key="models").set_value(["gcn", "mlp"])
    at.number_input(key="seeds").set_value(2)
    at.number_input(key="epochs").set_value(3)
    at.run()
    assert at.button(key="train").label == "Train 8 runs"
    at.button(key="train").click()
    at = pages.run_until_idle(at, 90)
    pages.no_exceptions(at)
    summary = at.dataframe[0].value
    assert list(summary["Dataset"]) == ["CSBM", "CSBM", "KarateClub", "KarateClub"]  # as chosen
    assert len(panels(at, "per model")) == 2 and len(panels(at, "during training")) == 2
    frame = runs_frame(RunStore().results("node"))
    assert sorted(frame.groupby("dataset").size().items()) == [("CSBM", 4), ("KarateClub", 4)]
    # CSBM keeps its own knobs; KarateClub has none
    assert frame.loc[frame["dataset"] == "CSBM", "homophily"].notna().all()
    assert frame.loc[frame["dataset"] == "KarateClub", "homophily"].isna().all()
    # one dataset again: the single-dataset page as before
    at.multiselect(key="also_datasets").set_value([]).run()
    assert any(t.startswith("All 4 runs were trained before") for t in pages.texts(at.success))
    assert "Dataset" not in at.dataframe[0].value  # one dataset: the table as before


def test_a_corrupt_store_is_moved_aside_and_the_page_says_where(pages):
    store = RunStore().path
    store.write_text("my lab notes\n")
    at = pages.open(PAGE)
    pages.no_exceptions(at)
    (warning,) = pages.texts(at.warning)
    assert "could not be used" in warning and "nothing was deleted" in warning
    assert any("No runs stored yet" in t for t in pages.texts(at.info))
    (aside,) = store.parent.glob("runs.unreadable-*.sqlite")
    assert aside.read_text() == "my lab notes\n"


def test_the_home_page_shows_the_store_size(pages, trained):
    at = pages.open("app.py")
    pages.no_exceptions(at)
    (line,) = [m for m in pages.texts(at.markdown) if "stored runs" in m]
    assert line.startswith("**8** stored runs, **") and str(trained.path) in line
    size = trained.size_bytes()
    shown = f"{size / 2 ** 20:,.1f} MB" if size >= 2 ** 20 else f"{size / 2 ** 10:,.0f} kB"
    assert f"**{shown}** on disk" in line


def test_positional_encoding_runs_are_listed_and_compared_with_the_labs_charts(pages):
    from gnncore.runs import grid, run_all

    specs = grid("posenc", "copy", ["rope", "nope"], 1, steps=20, train_length=4, test_length=8, d_model=16,
                 eval_examples=16)
    list(run_all(specs, store=RunStore()))
    at = pages.open(PAGE)
    pages.no_exceptions(at)
    table = listed(at).value
    assert set(table["Task"]) == {"Positional encodings"} and set(table["Model"]) == {"RoPE", "NoPE"}
    assert set(table["Metric"]) == {"Out of distribution token accuracy"}  # on inputs longer than trained
    titles = [json.loads(e.proto.spec).get("title", {}) for e in at.get("vega_lite_chart")]
    assert len(titles) >= 3  # accuracy against length, in against out, along the answer, loss
    assert any(b.proto.label.startswith("Download the comparison") for b in at.get("download_button"))
