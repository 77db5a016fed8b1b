"""Messages that say what is wrong in the user's terms, and outputs that cannot overwrite each other."""

import numpy as np
import pytest

from gnncore.cli import build_parser, main
from gnncore.protocol import Setting
from gnncore.runs import RunStore
from gnncore.spec import SpecError

TRAIN = ["gnn", "--dataset", "CSBM", "--models", "mlp", "--seeds", "1", "--epochs", "2"]


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("outputs", [
    ["--out", "f.csv", "--pairs-out", "f.csv"],
    ["--out", "sub/../f.csv", "--pairs-out", "./f.csv"],
    ["--node", "1", "--embeddings-out", "f.csv", "--weights-out", "f.csv"],
])
def test_two_outputs_naming_one_file_are_refused_before_anything_trains(outputs, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    assert main([*TRAIN, *outputs]) == 2
    err = one_line(capsys)
    assert "both name" in err and "give each output its own file" in err
    assert len(RunStore()) == 0 and not (tmp_path / "f.csv").exists()


def test_a_model_of_another_task_is_named_as_such(capsys):
    assert main(["gnn", "--dataset", "Cora", "--models", "gin", "--seeds", "1"]) == 2
    assert "GIN is a model for graph tasks only; for node tasks choose one of gcn, sage, gat" in one_line(capsys)


def test_a_flag_of_the_synthetic_graph_says_so_in_help_and_on_use(capsys):
    (gnn,) = [p for a in build_parser(["gnn"])._subparsers._group_actions for n, p in a.choices.items() if n == "gnn"]
    nodes = next(a for a in gnn._actions if "--nodes" in a.option_strings)
    assert "Only for CSBM." in nodes.help
    assert main(["gnn", "--dataset", "Cora", "--nodes", "100", "--models", "mlp", "--seeds", "1"]) == 2
    assert "Nodes (nodes) is a setting of CSBM only, not of Cora" in one_line(capsys)


def test_heads_are_offered_within_their_declared_range(capsys):
    assert main(["posenc", "--encodings", "nope", "--heads", "3", "--seeds", "1"]) == 2
    err = one_line(capsys)
    assert "choose one of 1, 2, 4, 8, 16, 32." in err and "64" not in err.split("choose")[1]


@pytest.mark.parametrize("value, shown", [(np.float64("nan"), "got nan."), (np.int64(-1), "got -1."),
                                          (np.float32(2.5), "got 2.5.")])
def test_values_are_shown_plainly_not_as_numpy_reprs(value, shown):
    with pytest.raises(SpecError) as e:
        Setting("epochs", "Epochs", type=int, low=1, high=10).check(value)
    assert shown in str(e.value) and "np." not in str(e.value)


def test_runs_list_shows_each_fold_of_a_cross_validated_run(capsys):
    assert main(["gnn", "--task", "graph", "--dataset", "MUTAG", "--models", "mlp", "--folds", "2", "--seeds", "1",
                 "--epochs", "1"]) == 0
    capsys.readouterr()
    assert main(["runs", "list"]) == 0
    listed = capsys.readouterr().out
    assert "seed 0   fold 0" in listed and "seed 0   fold 1" in listed
