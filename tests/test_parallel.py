"""Runs spread over worker processes give what one process gives, and stop as asked."""

import pytest

from gnncore.runs import RunStore, resolve, run_all
from gnncore.spec import Cancelled, RunSpec


def specs(epochs=5):
    return [RunSpec.make("node", "CSBM", model, seed, epochs=epochs)
            for model in ("gcn", "mlp") for seed in (0, 1)]


def test_two_workers_give_the_results_of_one_and_store_them_all():
    serial = {r.spec.key: r for r in run_all(specs(), workers=1)}
    store, reports = RunStore(), []
    parallel = list(run_all(specs(), store=store, workers=2, on_progress=reports.append))
    assert sorted(r.spec.key for r in parallel) == sorted(serial)
    for r in parallel:
        assert r.metrics["test_accuracy"] == serial[r.spec.key].metrics["test_accuracy"]
        assert r.history[-1]["loss"] == pytest.approx(serial[r.spec.key].history[-1]["loss"])
        assert not r.cached and store.get(r.spec) is not None
    fractions = [p.fraction for p in reports]
    assert reports and all(0 <= f <= 1 for f in fractions) and max(fractions) == pytest.approx(1.0)
    assert {p.run_index for p in reports} == set(range(len(serial)))


def test_stop_reaches_runs_in_flight_and_keeps_only_finished_ones():
    store = RunStore()
    todo = specs(epochs=2000)
    with pytest.raises(Cancelled):
        list(run_all(todo, store=store, workers=2, should_stop=lambda: True))
    assert len(store) == 0
    assert all(store.get(resolve(s)) is None for s in todo)


def test_every_run_trains_on_one_thread_and_the_callers_setting_comes_back(monkeypatch):
    import torch

    from gnncore.gnn.tasks import node
    seen, train = [], node.train

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return train(*args, **kwargs)

    monkeypatch.setattr(node, "train", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        list(run_all(specs()[:1], workers=1))
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_workers_do_not_run_the_callers_main_script(tmp_path, monkeypatch):
    """Under ``streamlit run`` the caller's __main__ is the page script: a spawned worker
    must not import it again (it would draw the page in bare mode, once per worker)."""
    import sys
    import types

    marker = tmp_path / "imported"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('the page ran in a worker')\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    results = list(run_all(specs(epochs=2)[:2], workers=2))
    assert len(results) == 2 and not marker.exists()
    assert sys.modules["__main__"] is page  # the caller's main is back


def test_training_prints_no_pytorch_warnings(tmp_path):
    """The two warnings every run printed (sparse CSR "beta", sparse invariant checks) are
    silenced where they arise, so a warning that shows is worth reading."""
    import os
    import subprocess
    import sys

    code = ("from gnncore import runs; from gnncore.runs.training import train_one; from gnncore.spec import RunSpec; "
            "train_one(runs.resolve(RunSpec.make('node', 'CSBM', 'gcn', epochs=2)), None, None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "GNNCORE_STORE": str(tmp_path / "s.sqlite")}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "SEGFAULT" not in done.stderr, done.stderr
