"""``python -m gnncore sweep``: the CSV (gnn --out's columns, the knob, the smoothness), the
mean +- std lines, the cache across sweeps, posenc through the same command, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from gnncore.cli import main
from gnncore.runs import RunStore

NODE_COLUMNS = ["dataset", "task", "model", "seed", "homophily", "test_accuracy", "val_accuracy", "best_epoch",
                "epochs_run", "ms_per_epoch", "peak_mb", "params", "mad"]
ARGS = ["sweep", "--task", "node", "--dataset", "CSBM", "--models", "gcn,mlp", "--seeds", "2", "--epochs", "5",
        "--set", "signal=0.3", "--workers", "1"]


def test_a_sweep_writes_one_row_per_run_with_the_knob_and_prints_mean_std(tmp_path, capsys):
    out = tmp_path / "sweep.csv"
    assert main([*ARGS, "--vary", "homophily=0:1:0.5", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == NODE_COLUMNS and len(frame) == 3 * 2 * 2
    assert sorted(set(frame["homophily"])) == [0.0, 0.5, 1.0]
    assert frame.groupby(["homophily", "model"]).size().eq(2).all()
    assert frame["mad"].ge(0).all() and frame["test_accuracy"].between(0, 1).all()
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert "sweeping homophily" in lines[0] and "2 seeds" in lines[0]
    # One line per value, a mean +- std per model, the numbers of the CSV (in percent).
    row = next(line for line in lines if line.strip().startswith("0.5 "))
    gcn = frame[(frame["homophily"] == 0.5) & (frame["model"] == "gcn")]["test_accuracy"]
    assert f"{100 * gcn.mean():.1f} +- {100 * gcn.std():.1f}" in row
    assert "Smoothness (MAD" in printed
    stored = RunStore().results()
    assert len(stored) == 12 and {r.spec.params["signal"] for r in stored} == {0.3}


def test_one_more_value_trains_only_that_value(capsys):
    assert main([*ARGS, "--vary", "layers=1,2"]) == 0
    assert len(RunStore()) == 8
    assert main([*ARGS, "--vary", "layers=1,2,3"]) == 0
    stored = RunStore().results()
    assert len(stored) == 12 and sum(r.spec.params["layers"] == 3 for r in stored) == 4


def test_gnn_options_work_as_there(tmp_path):
    out = tmp_path / "d.csv"
    assert main(["sweep", "--dataset", "KarateClub", "--vary", "hidden=4,8", "--models", "gcn", "--seeds", "1",
                 "--epochs", "3", "--lr", "0.05", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert list(frame["hidden"]) == [4, 8] and (frame["epochs_run"] == 3).all()
    assert {r.spec.params["lr"] for r in RunStore().results()} == {0.05}


def test_posenc_sweeps_through_the_same_command(tmp_path, capsys):
    out = tmp_path / "p.csv"
    assert main(["sweep", "--task", "posenc", "--vary", "train_length=4,6", "--models", "nope", "--seeds", "1",
                 "--steps", "3", "--test-length", "8", "--d-model", "8", "--heads", "2", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert list(frame["train_length"]) == [4, 6] and list(frame["encoding"]) == ["nope", "nope"]
    assert {"in_distribution_token_accuracy", "out_of_distribution_token_accuracy"} <= set(frame.columns)
    assert "sweeping train_length" in capsys.readouterr().out


@pytest.mark.parametrize("args, phrase", [
    (["--vary", "depth=1,2"], "Cannot sweep 'depth'"),
    (["--vary", "layers=0,2"], "Layers (layers) must be a whole number from 1 to 64; got 0"),
    (["--vary", "homophily=1:0:0.1"], "is empty"),
    (["--vary", "layers=1,2", "--set", "signal=9"], "(signal) must be at least 0 and at most 3; got 9"),
    (["--vary", "layers=1,2", "--set", "colour=red"], "Cannot set 'colour'"),
    (["--vary", "layers=1,2", "--layers", "3"], "layers is swept by --vary"),
    (["--vary", "layers=1,2", "--steps", "3"], "--steps does not apply"),
    (["--vary", "layers=1,2", "--ray-address", "1.2.3.4:6379"], "--ray-address goes with --executor ray"),
    (["--vary", "heads=1,2"], "setting of gat, gps only"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_stored(args, phrase, tmp_path, capsys):
    out = tmp_path / "s.csv"
    rc = main(["sweep", "--dataset", "CSBM", "--models", "gcn,mlp", "--seeds", "1", "--epochs", "2", *args,
               "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and phrase in err and err.strip().count("\n") == 0
    assert len(RunStore()) == 0 and not out.exists()
