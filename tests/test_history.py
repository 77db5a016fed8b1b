"""Every stored run at hand (gnncore.history): listing from the summary columns, filtering,
tags and notes in tables of their own, deleting with artifacts, the comparison zip; and a
store written before the tag tables existed keeps its runs."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from datetime import date, timedelta

import pandas as pd
import pytest

from gnncore import history
from gnncore.runs import RunStore
from gnncore.spec import RunResult, RunSpec


def synthetic(kind="node", dataset="Cora", model="gcn", seed=0, score=0.8, **hparams) -> RunResult:
    """A finished run as an engine would return it, without training."""
    hparams = {"epochs": 3, "lr": 0.01, **hparams}
    spec = RunSpec.make(kind, dataset, model, seed, **hparams)
    metric = {"node": "test_accuracy", "link": "test_auc", "posenc": "out_of_distribution_token_accuracy"}[kind]
    metrics = {metric: score, "val_accuracy": score, "best_epoch": 2, "ms_per_epoch": 1.5, "params": 100}
    history_rows = [{"epoch": e, "val_accuracy": score, "test_accuracy": score, "loss": 1.0 / e} for e in (1, 2, 3)]
    return RunResult(spec, metrics, history_rows, artifacts={"model": b"weights", "embeddings": b"frames"})


@pytest.fixture
def store():
    s = RunStore()
    for model, base in (("gcn", 0.8), ("mlp", 0.6)):
        for seed in range(3):
            s.put(synthetic(model=model, seed=seed, score=base + seed / 100))
            s.put(synthetic(dataset="CiteSeer", model=model, seed=seed, score=base - 0.1))
    s.put(synthetic(model="gcn", seed=0, lr=0.5, score=0.3))
    s.put(synthetic(kind="link", model="gcn", seed=0, score=0.9))
    return s


def test_the_table_lists_every_run_with_its_headline_and_settings(store):
    table = history.runs_table(store)
    assert len(table) == len(store) == 14
    assert {"key", "kind", "dataset", "model", "seed", "created", "metric", "score", "lr", "epochs"} <= set(table)
    link = table[table["kind"] == "link"].iloc[0]
    assert link["metric"] == "test_auc" and link["score"] == pytest.approx(0.9)
    assert table["created"].is_monotonic_decreasing  # newest first
    assert set(table["lr"]) == {0.01, 0.5}


def test_filters_by_kind_dataset_model_setting_date_and_tag(store):
    table = history.runs_table(store)
    f = history.Filter
    assert len(history.apply(table, f(kinds=["link"]))) == 1
    assert len(history.apply(table, f(datasets=["citeseer"]))) == 6  # any case
    assert len(history.apply(table, f(models=["mlp"], datasets=["Cora"]))) == 3
    assert len(history.apply(table, f(params={"lr": ["0.5"]}))) == 1  # text from the CLI matches 0.5
    assert len(history.apply(table, f(params={"epochs": [3]}))) == 14
    assert len(history.apply(table, f(seeds=[2]))) == 4
    assert len(history.apply(table, f(since=date.today()))) == 14
    assert len(history.apply(table, f(until=date.today() - timedelta(days=1)))) == 0
    useless = table[table["lr"] == 0.5]["key"]
    history.add_tag(store, useless, "useless")
    table = history.runs_table(store)
    assert list(history.apply(table, f(tags=["Useless"]))["key"]) == list(useless)
    assert history.parse_date("today") == date.today()
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        history.parse_date("31/12/2024")


def test_tags_and_notes_are_kept_apart_and_read_with_the_list(store):
    keys = list(history.runs_table(store)["key"][:2])
    history.add_tag(store, keys, "baseline")
    history.add_tag(store, keys[:1], "a, b")  # commas would split the listed tags
    history.set_note(store, keys, "first try")
    table = history.runs_table(store).set_index("key")
    assert table.loc[keys[0], "tags"] == "a b, baseline" and table.loc[keys[1], "tags"] == "baseline"
    assert table.loc[keys[0], "note"] == "first try"
    history.remove_tag(store, keys, "baseline")
    history.set_note(store, keys, "  ")
    table = history.runs_table(store).set_index("key")
    assert table.loc[keys[1], "tags"] == "" and table.loc[keys[0], "note"] == ""
    with pytest.raises(ValueError):
        history.add_tag(store, keys, " , ")


def test_delete_removes_runs_artifacts_tags_and_notes(store):
    table = history.runs_table(store)
    doomed = history.apply(table, history.Filter(params={"lr": [0.5]}))["key"].tolist()
    history.add_tag(store, doomed, "useless")
    history.set_note(store, doomed, "lr too high")
    assert store.delete(doomed) == 1
    with sqlite3.connect(store.path) as db:
        for t in ("runs", "artifacts", "tags", "notes"):
            assert db.execute(f"SELECT COUNT(*) FROM {t} WHERE key = ?", (doomed[0],)).fetchone()[0] == 0, t
        assert db.execute("SELECT COUNT(*) FROM artifacts").fetchone()[0] == 2 * 13  # the others keep theirs
    assert len(store) == 13
    assert store.delete_where(dataset="citeseer") == 6 and len(store) == 7


def test_by_keys_reads_full_runs_in_order(store):
    keys = list(history.runs_table(store)["key"][:3])[::-1]
    results = history.results(store, keys + ["missing"])
    assert [r.spec.key for r in results] == keys
    assert len(results[0].history) == 3 and results[0].artifacts == {}


def test_export_zip_holds_charts_data_and_specs_and_pools_datasets(store):
    table = history.apply(history.runs_table(store), history.Filter(kinds=["node"], params={"lr": [0.01]}))
    selected = history.results(store, table["key"])
    blob = history.export_zip(selected)
    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert "charts/final_test_accuracy.png" in names and "charts/paired_differences.svg" in names
    assert "data/summary.csv" in names and "specs.json" in names
    summary = pd.read_csv(io.BytesIO(zipfile.ZipFile(io.BytesIO(blob)).read("data/summary.csv")))
    assert set(summary["Dataset"]) == {"Cora", "CiteSeer"}  # one row per dataset and model
    specs = json.loads(zipfile.ZipFile(io.BytesIO(blob)).read("specs.json"))
    assert len(specs) == 12
    across = history.across_datasets(table)
    assert list(across.columns) == ["Model", "Cora", "CiteSeer"] and list(across["Model"]) == ["GCN", "MLP"]
    assert across.loc[0, "Cora"] == "81.0 ± 1.0 (3)"


def test_a_store_from_before_the_tag_tables_keeps_its_runs(tmp_path):
    """The tag and note tables come with CREATE TABLE IF NOT EXISTS, not a new schema version:
    a store written before them is not moved aside."""
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE runs (key TEXT PRIMARY KEY, kind TEXT, dataset TEXT, model TEXT, seed INTEGER,"
                   " spec TEXT, metrics TEXT, history TEXT, tables TEXT, created REAL)")
        db.execute("CREATE TABLE artifacts (key TEXT, name TEXT, data BLOB, PRIMARY KEY (key, name))")
        db.execute("PRAGMA user_version = 1")
        run = synthetic()
        db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (run.spec.key, "node", "Cora", "gcn", 0, json.dumps(run.spec.to_dict()),
                    json.dumps(run.metrics), "[]", "{}", 0.0))
    store = RunStore(path)
    assert store.notice is None and len(store) == 1
    history.add_tag(store, [run.spec.key], "old")
    assert history.runs_table(store)["tags"].tolist() == ["old"]
