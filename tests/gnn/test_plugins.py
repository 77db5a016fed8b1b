"""Users' own architectures through the ``gnncore.architectures`` entry-point group: an
installed package's class joins the registry, the CLI trains it, and a broken plugin is
skipped with one sentence while the built-ins keep working."""

from __future__ import annotations

import csv
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_package import write_plugin

from gnncore.gnn.architectures import architecture, architectures, reset_plugins, skipped_plugins
from gnncore.gnn.architectures.gcn import GCN

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ("broken = mypkg.missing:Nothing", "clash = mypkg.arch:Clash", "odd = mypkg.arch:NotAnArchitecture")


@pytest.fixture
def install(tmp_path, monkeypatch):
    """Put the example package on ``sys.path`` as pip would, and have the registry look again."""

    def put(*entries: str) -> Path:
        site = write_plugin(tmp_path / "site", *entries)
        monkeypatch.syspath_prepend(str(site))
        reset_plugins()
        return site

    yield put
    reset_plugins()
    for name in [m for m in sys.modules if m == "mypkg" or m.startswith("mypkg.")]:
        del sys.modules[name]


def test_a_plugin_joins_the_registry_and_trains(install):
    from gnncore.gnn.tasks import node
    from gnncore.runs import resolve
    from gnncore.spec import RunSpec

    install()
    assert list(architectures("node"))[-1] == "myarch"
    assert "myarch" in node.FACTS.models  # the engine's models are read at every use
    assert "myarch" not in architectures("link")
    result = node.train(resolve(RunSpec.make("node", "KarateClub", "myarch", 0, epochs=5)), keep=False)
    assert result.metrics["epochs_run"] == 5 and result.metrics["params"] == 34 * 16 + 16 + 16 * 4 + 4


def test_broken_plugins_are_skipped_with_one_sentence_each(install, caplog):
    install("myarch = mypkg.arch:MyArch", *BROKEN)
    with caplog.at_level(logging.WARNING):
        assert "myarch" in architectures("node")
        architectures("node")  # loaded once: no second warning
    said = skipped_plugins()
    assert [r.getMessage() for r in caplog.records] == said and len(said) == 3
    assert said[0] == ("Skipped the architecture plugin broken = 'mypkg.missing:Nothing': it failed to import "
                       "(ModuleNotFoundError: No module named 'mypkg.missing').")
    assert "the name 'gcn' is taken by a built-in architecture, so it was refused" in said[1]
    assert "it is not a subclass of gnncore.gnn.architectures.Architecture" in said[2]
    assert type(architecture("gcn")) is GCN  # the clash took nothing from the built-in
    assert all(s.count(". ") == 0 and s.endswith(".") for s in said)


def test_the_cli_trains_a_plugin_beside_a_built_in_and_says_why_others_were_skipped(tmp_path):
    site = write_plugin(tmp_path / "site", "myarch = mypkg.arch:MyArch", *BROKEN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    out = tmp_path / "runs.csv"
    done = subprocess.run([sys.executable, "-m", "gnncore", "gnn", "--dataset", "KarateClub", "--models", "myarch,gcn",
                           "--seeds", "1", "--epochs", "5", "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("Skipped the architecture plugin")]
    assert [w.split(" = ")[0].rsplit(" ", 1)[1] for w in warnings] == ["broken", "clash", "odd"]
    assert "myarch" in done.stdout and "gcn" in done.stdout
    rows = {r["model"]: r for r in csv.DictReader(out.open())}
    assert set(rows) == {"myarch", "gcn"} and rows["myarch"]["epochs_run"] == "5"
    assert 0 <= float(rows["myarch"]["test_accuracy"]) <= 1
