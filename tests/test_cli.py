import pandas as pd
import pytest

from gnncore.cli import main
from gnncore.runs import RunStore

NODE_COLUMNS = ["dataset", "task", "model", "seed", "test_accuracy", "val_accuracy", "best_epoch",
                "epochs_run", "ms_per_epoch", "peak_mb", "params"]


def test_gnn_writes_one_row_per_model_and_seed(tmp_path, capsys):
    out = tmp_path / "results.csv"
    rc = main(["gnn", "--dataset", "CSBM", "--models", "gcn,mlp", "--seeds", "2", "--epochs", "5",
               "--out", str(out)])
    assert rc == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == [*NODE_COLUMNS, "mad"] and len(frame) == 4
    assert frame["mad"].between(0, 1).all()
    assert frame.test_accuracy.between(0, 1).all() and (frame.task == "node").all()
    assert sorted(zip(frame.model, frame.seed)) == [("gcn", 0), ("gcn", 1), ("mlp", 0), ("mlp", 1)]
    printed = capsys.readouterr().out
    assert "gcn" in printed and "+-" in printed and "mlp" in printed


@pytest.mark.parametrize("args, phrase", [
    (["--dataset", "Nope"], "Unknown dataset 'Nope'"),
    (["--dataset", "CSBM", "--models", "gcn,transformer"], "Unknown model 'transformer'"),
    (["--dataset", "CSBM", "--epochs", "0"], "(epochs) must be a whole number from 1 to 5000"),
    (["--dataset", "CSBM", "--lr", "-0.1"], "(lr) must be above 0"),
    (["--dataset", "CSBM", "--hidden", "0"], "(hidden) must be"),
    (["--dataset", "CSBM", "--seeds", "0"], "Seeds must be a whole number from 1"),
    (["--dataset", "CSBM", "--epochs", "ten"], "invalid int value"),
    (["--dataset", "CSBM", "--workers", "0"], "--workers must be at least 1"),
    (["--dataset", "CSBM", "--lr", "inf"], "(lr) must be above 0 and at most 1; got inf"),
    (["--dataset", "CSBM", "--lr", "1e308"], "(lr) must be above 0 and at most 1"),
    (["--dataset", "CSBM", "--weight-decay", "inf"], "(weight_decay) must be at least 0 and at most 1"),
    (["--dataset", "CSBM", "--dropout", "nan"], "(dropout) must be"),
    (["--dataset", "CSBM", "--hidden", "100000"], "from 1 to 1024; got 100000 (1,024 units"),
    (["--dataset", "CSBM", "--epochs", "100000000"], "from 1 to 5000"),
    (["--dataset", "CSBM", "--seeds", "100000"], "Seeds must be a whole number from 1 to 100"),
    (["--task", "graph", "--dataset", "MUTAG", "--folds", "189"], "Folds must be a whole number from 2 to 20"),
    (["--dataset", "CSBM", "--readout", "sum"], "--readout does not apply to gnn --task node"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_stored(args, phrase, tmp_path, capsys):
    out = tmp_path / "r.csv"
    rc = main(["gnn", "--seeds", "1", *args, "--out", str(out)] if "--seeds" not in args
              else ["gnn", *args, "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and phrase in err and err.strip().count("\n") == 0
    assert len(RunStore()) == 0 and not out.exists()


def test_missing_dataset_without_network_exits_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("GNNCORE_MIRROR", str(tmp_path / "no-mirror"))
    from gnncore.gnn.data import datasets
    datasets.clear_cache()
    rc = main(["gnn", "--dataset", "CiteSeer", "--models", "gcn", "--seeds", "1"])
    err = capsys.readouterr().err
    assert rc == 2 and "CiteSeer is not available" in err and err.strip().count("\n") == 0
    assert len(RunStore()) == 0


@pytest.mark.parametrize("where", ["a directory", "under /proc"])
def test_an_unwritable_out_is_one_sentence_before_anything_trains(where, tmp_path, capsys):
    out = str(tmp_path) if where == "a directory" else "/proc/gnncore/results.csv"
    rc = main(["gnn", "--dataset", "CSBM", "--models", "gcn", "--seeds", "1", "--epochs", "2", "--out", out])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "--out" in err and "Traceback" not in err
    assert len(RunStore()) == 0  # checked before training: nothing stored


def test_a_dataset_has_one_spelling_whatever_the_user_typed(capsys):
    args = ["gnn", "--models", "mlp", "--seeds", "1", "--epochs", "2"]
    assert main([*args, "--dataset", "csbm"]) == 0
    assert main([*args, "--dataset", "CSBM"]) == 0
    (run,) = RunStore().results()
    assert run.spec.dataset == "CSBM"  # stored once, as the registry spells it


def test_one_seed_reads_as_one_seed_with_no_spread(capsys):
    assert main(["gnn", "--dataset", "CSBM", "--models", "gcn", "--seeds", "1", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "1 seed\n" in out and "(1 run)" in out and "nan" not in out and "1 seeds" not in out


def test_embeddings_and_weights_out_write_the_inside_views_headless(tmp_path, capsys):
    emb, weights = tmp_path / "emb.csv", tmp_path / "weights.csv"
    rc = main(["gnn", "--dataset", "CSBM", "--models", "gcn,gat,mlp", "--seeds", "2", "--epochs", "4",
               "--embeddings-out", str(emb), "--node", "7", "--weights-out", str(weights)])
    assert rc == 0
    frame = pd.read_csv(emb)
    assert list(frame.columns) == ["model", "seed", "epoch", "node", "x", "y", "label", "split", "predicted"]
    assert len(frame) == 3 * 2 * 5 * 1000  # models x seeds x frames (0..4) x nodes
    assert sorted(frame.epoch.unique()) == [0, 1, 2, 3, 4]
    w = pd.read_csv(weights)
    assert list(w.columns) == ["model", "seed", "layer", "head", "term", "source", "target", "weight"]
    assert (w.target == 7).all() and set(w.model) == {"gcn", "gat"}  # the MLP hears nothing
    assert w[w.model == "gat"].groupby(["seed", "layer", "head"]).weight.sum().round(5).eq(1).all()
    printed = capsys.readouterr().out
    assert f"wrote 30000 rows to {emb}" in printed


@pytest.mark.parametrize("args, phrase", [
    (["--task", "link", "--dataset", "Cora", "--embeddings-out", "e.csv"], "--embeddings-out does not apply to gnn --task link"),
    (["--dataset", "CSBM", "--weights-out", "w.csv"], "--weights-out and --node go together"),
    (["--dataset", "CSBM", "--node", "3"], "--weights-out and --node go together"),
    (["--dataset", "CSBM", "--node", "1000", "--weights-out", "w.csv"], "--node 1000 is not in CSBM; pick one from 0 to 999"),
])
def test_inside_flags_that_cannot_apply_say_so_before_training(args, phrase, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc = main(["gnn", "--seeds", "1", "--epochs", "2", *args])
    err = capsys.readouterr().err
    assert rc == 2 and phrase in err and err.strip().count("\n") == 0
    assert len(RunStore()) == 0 and not list(tmp_path.glob("*.csv"))
