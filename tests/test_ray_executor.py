"""``--executor ray``: a local Ray instance trains a small sweep to the local executor's
numbers, reports progress, stops when asked, and only the driver writes the run store.

Skipped where Ray is not installed (``pip install -r requirements-ray.txt``). One Ray
instance serves the module and is shut down after it (no process left behind).
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

ray = pytest.importorskip("ray")

from gnncore import sweep  # noqa: E402
from gnncore.cli import main  # noqa: E402
from gnncore.runs import RunStore, run_all  # noqa: E402
from gnncore.runs import ray as ray_executor  # noqa: E402
from gnncore.spec import Cancelled  # noqa: E402

from mirror import MIRROR  # noqa: E402


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    """A local Ray instance of 2 CPUs whose workers see a store path of their own: if one
    ever opened a run store, that file would appear."""
    root = tmp_path_factory.mktemp("ray")
    env = {"GNNCORE_DATA": str(root / "data"), "GNNCORE_MIRROR": str(MIRROR), "GNNCORE_OFFLINE": "1",
           "GNNCORE_STORE": str(root / "worker-store.sqlite")}
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the local instance's workers inherit the driver's environment
    try:
        ray_executor.connect(cpus=2)
    finally:
        for k, v in before.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    yield root / "worker-store.sqlite"
    ray_executor.shutdown()
    assert not ray.is_initialized()


def small_sweep(epochs=8):
    knob = sweep.parse_vary("homophily=0.2:0.8:0.3", "node", "CSBM")  # 0.2, 0.5, 0.8
    return sweep.sweep_specs("node", "CSBM", ["gcn", "sage"], 2, knob, epochs=epochs, signal=0.3)


def test_ray_trains_to_the_local_executors_numbers_and_only_the_driver_stores(local_ray, tmp_path):
    specs = small_sweep()
    assert len(specs) == 3 * 2 * 2
    local = {r.spec.key: r for r in run_all(specs, RunStore(tmp_path / "local.sqlite"), workers=1)}
    seen = []
    store = RunStore(tmp_path / "ray.sqlite")
    remote = {r.spec.key: r for r in run_all(specs, store, on_progress=seen.append, workers=2, executor="ray")}
    assert set(remote) == set(local) == {s.key for s in specs}
    for key, r in remote.items():
        for metric in ("test_accuracy", "val_accuracy", "best_epoch", "mad", "params"):
            assert r.metrics[metric] == local[key].metrics[metric], (r.spec.label, metric)
        assert [h["val_loss"] for h in r.history] == [h["val_loss"] for h in local[key].history]
    assert len(store) == 12 and {r.spec.key for r in store.results()} == set(remote)
    assert store.artifact(specs[0], "model")  # the weights came back with the result
    assert not local_ray.exists()  # no worker opened a run store
    assert seen and all(0 <= p.run_index < 12 and p.run_count == 12 for p in seen)
    assert max(p.fraction for p in seen) == pytest.approx(1.0)
    # Asked again, everything is read from the store: nothing goes to Ray.
    again = list(run_all(specs, store, executor="ray"))
    assert all(r.cached for r in again)


def test_stop_cancels_the_runs_in_flight_and_keeps_the_finished(local_ray, tmp_path):
    specs = small_sweep(epochs=400)
    store = RunStore(tmp_path / "stop.sqlite")
    got = []
    with pytest.raises(Cancelled):
        for r in run_all(specs, store, should_stop=lambda: bool(got), workers=2, executor="ray"):
            got.append(r)
    assert 1 <= len(got) < len(specs) and len(store) == len(got)


def test_the_cli_sweeps_on_ray_with_the_same_numbers(local_ray, tmp_path, capsys, monkeypatch):
    args = ["sweep", "--dataset", "CSBM", "--vary", "layers=1,2", "--models", "mlp", "--seeds", "1",
            "--epochs", "4", "--set", "signal=0.3"]
    assert main([*args, "--out", str(tmp_path / "local.csv"), "--workers", "1"]) == 0
    monkeypatch.setenv("GNNCORE_STORE", str(tmp_path / "other.sqlite"))  # a fresh store: train again, on Ray
    assert main([*args, "--out", str(tmp_path / "ray.csv"), "--executor", "ray"]) == 0
    a, b = pd.read_csv(tmp_path / "local.csv"), pd.read_csv(tmp_path / "ray.csv")
    assert list(a["test_accuracy"]) == list(b["test_accuracy"]) and len(a) == 2
    assert ray.is_initialized()  # the command leaves a Ray instance it did not start running


def test_gnn_and_posenc_commands_take_the_ray_executor_too(local_ray, tmp_path, monkeypatch):
    args = ["gnn", "--dataset", "CSBM", "--models", "mlp", "--seeds", "1", "--epochs", "3"]
    assert main([*args, "--out", str(tmp_path / "local.csv"), "--workers", "1"]) == 0
    monkeypatch.setenv("GNNCORE_STORE", str(tmp_path / "other.sqlite"))
    assert main([*args, "--out", str(tmp_path / "ray.csv"), "--executor", "ray"]) == 0
    a, b = pd.read_csv(tmp_path / "local.csv"), pd.read_csv(tmp_path / "ray.csv")
    assert list(a["test_accuracy"]) == list(b["test_accuracy"])
    assert main(["posenc", "--encodings", "nope", "--steps", "2", "--seeds", "1", "--executor", "ray",
                 "--out", str(tmp_path / "posenc.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "posenc.csv")) >= 1
