import sqlite3

import pytest

from gnncore import runs
from gnncore.runs import RunStore, history_frame, mean_std, resolve, run_all, runs_frame
from gnncore.spec import Cancelled, RunSpec, SpecError


def tiny(model="gcn", seed=0, **hp):
    return RunSpec.make("node", "CSBM", model, seed, **{"epochs": 5, **hp})


def test_spec_key_is_stable_and_sensitive():
    a = RunSpec.make("node", "Cora", "gcn", 0, lr=0.01, hidden=16)
    b = RunSpec.make("node", "Cora", "gcn", 0, hidden=16, lr=0.01, dropout=None)
    assert a == b and a.key == b.key and hash(a) == hash(b)
    assert a.key != a.replace(lr=0.02).key != a.replace(seed=1).key
    assert RunSpec.from_dict(a.to_dict()) == a


def test_resolve_fills_paper_defaults_so_explicit_and_default_share_a_key():
    implicit = resolve(RunSpec.make("node", "Cora", "gcn"))
    explicit = resolve(RunSpec.make("node", "Cora", "gcn", lr=0.01, hidden=16))
    assert implicit.params["lr"] == 0.01 and implicit.key == explicit.key


def test_identical_spec_is_read_back_not_retrained(monkeypatch):
    store = RunStore()
    first = list(run_all([tiny()], store=store))
    assert not first[0].cached and len(store) == 1
    monkeypatch.setattr("gnncore.gnn.tasks.node.train", lambda *a, **k: pytest.fail("trained again"))
    again = list(run_all([tiny()], store=store))
    assert again[0].cached and again[0].metrics == first[0].metrics
    assert again[0].history == first[0].history


def test_bad_spec_anywhere_stores_nothing():
    store = RunStore()
    with pytest.raises(SpecError):
        list(run_all([tiny(), tiny(epochs=0)], store=store))
    assert len(store) == 0


def test_cancelled_run_keeps_finished_ones_and_leaves_no_partial_record():
    store = RunStore()
    started = []

    def stop():
        return len(started) > 1

    gen = run_all([tiny(seed=0), tiny(seed=1)], store=store,
                  on_progress=lambda p: started.append(p.run_index) if p.run_index not in started else None,
                  should_stop=stop)
    with pytest.raises(Cancelled):
        list(gen)
    assert len(store) == 1
    assert store.get(resolve(tiny(seed=0))) is not None and store.get(resolve(tiny(seed=1))) is None


def test_crash_inside_engine_leaves_no_record(monkeypatch):
    store = RunStore()

    def boom(spec, on_progress=None, should_stop=None):
        raise RuntimeError("out of memory")

    monkeypatch.setattr("gnncore.gnn.tasks.node.train", boom)
    with pytest.raises(RuntimeError):
        list(run_all([tiny()], store=store))
    assert len(store) == 0


def test_store_of_another_schema_version_is_moved_aside(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE runs (key TEXT)")
        db.execute("PRAGMA user_version = 0")
    store = RunStore(path)
    aside = list(tmp_path.glob("old.unreadable-*.sqlite"))
    assert len(store) == 0 and len(aside) == 1 and "schema 0" in store.notice and str(aside[0]) in store.notice


@pytest.mark.parametrize("content", [b"these are my notes, not a database\n", "truncated"])
def test_an_unreadable_store_is_moved_aside_whole_and_a_new_one_started(tmp_path, content):
    path = tmp_path / "runs.sqlite"
    if content == "truncated":
        RunStore(path)
        results = list(run_all([tiny("gcn", s) for s in range(3)], store=RunStore(path)))
        assert len(results) == 3
        data = path.read_bytes()
        for side in tmp_path.glob("runs.sqlite-*"):
            side.unlink()
        content = data[: len(data) // 2]
    path.write_bytes(content)
    store = RunStore(path)
    assert len(store) == 0 and store.notice and "nothing was deleted" in store.notice
    (aside,) = tmp_path.glob("runs.unreadable-*.sqlite")
    assert aside.read_bytes() == content  # the user's file, untouched
    assert RunStore(path).notice is None  # the new store is sound


def test_tidy_frames_one_row_per_run_and_per_epoch():
    results = list(run_all([tiny("gcn", 0), tiny("gcn", 1), tiny("mlp", 0)], store=RunStore()))
    frame = runs_frame(results)
    assert len(frame) == 3 and {"model", "seed", "test_accuracy", "lr", "key"} <= set(frame.columns)
    assert len(history_frame(results)) == 15
    summary = mean_std(frame, ["model"], "test_accuracy")
    gcn = summary[summary.model == "gcn"].iloc[0]
    assert gcn["runs"] == 2
    values = frame[frame.model == "gcn"].test_accuracy
    assert gcn["mean"] == pytest.approx(values.mean()) and gcn["std"] == pytest.approx(values.std())
    assert summary[summary.model == "mlp"].iloc[0]["std"] == 0  # one run: no spread


def test_unknown_kind_is_a_spec_error():
    with pytest.raises(SpecError, match="Unknown run kind"):
        runs.engine("nodes")
