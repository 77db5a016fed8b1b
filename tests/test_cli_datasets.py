"""``python -m gnncore datasets list|add|remove``: KarateClub written out as the two CSV
files, added, listed, trained with GCN and the MLP from the CLI; malformed files exit 2 with
one sentence per problem and nothing stored."""

from __future__ import annotations

import pandas as pd
import pytest
from torch_geometric.datasets import KarateClub

from gnncore.cli import main
from gnncore.gnn.data import userdata
from gnncore.gnn.data.datasets import DATASETS, dataset_names
from gnncore.runs import RunStore


@pytest.fixture(autouse=True)
def own_cache(monkeypatch, tmp_path):
    """A data cache of this test's own, so added datasets do not leak into other tests."""
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "data"))


@pytest.fixture
def karate_files(tmp_path):
    edges, nodes = userdata.csv_files(KarateClub()[0])
    (tmp_path / "edges.csv").write_bytes(edges)
    (tmp_path / "nodes.csv").write_bytes(nodes)
    return str(tmp_path / "edges.csv"), str(tmp_path / "nodes.csv")


def test_add_list_train_with_gcn_and_mlp_and_remove(karate_files, tmp_path, capsys):
    edges, nodes = karate_files
    assert main(["datasets", "add", "MyKarate", "--edges", edges, "--nodes", nodes]) == 0
    said = capsys.readouterr().out
    assert "added MyKarate: 34 nodes, 78 undirected edges, 34 features, 4 classes" in said

    assert main(["datasets", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(DATASETS) + 1  # header, the built-in ones, ours
    ours = next(line for line in lines if line.startswith("MyKarate"))
    assert "node,link" in ours and "added by you" in ours and "your files" in ours
    assert "built-in" in next(line for line in lines if line.startswith("KarateClub"))

    out = tmp_path / "karate.csv"
    assert main(["gnn", "--dataset", "mykarate", "--models", "gcn,mlp", "--seeds", "5", "--epochs", "100",
                 "--workers", "1", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    means = frame.groupby("model")["test_accuracy"].mean()
    assert set(frame["dataset"]) == {"MyKarate"} and len(frame) == 10
    assert means["gcn"] > 0.8 and means["mlp"] > 1 / 4  # four classes: chance is 25%
    capsys.readouterr()

    assert main(["datasets", "remove", "MyKarate"]) == 0
    assert "removed MyKarate and 10 stored runs" in capsys.readouterr().out
    assert "MyKarate" not in dataset_names("node") and len(RunStore()) == 0
    assert main(["gnn", "--dataset", "MyKarate", "--seeds", "1"]) == 2
    assert "Unknown dataset 'MyKarate'" in capsys.readouterr().err


@pytest.mark.parametrize("nodes_csv, words", [
    ("id,class\n0,1\n", ["nodes.csv has no column 'label'"]),
    ("id,label,f0\n0,0,1\n1,0,2\n5,1,3\n", ["ids must run from 0 to 2"]),
    ("id,label,f0\n0,0,1\n1,1,2\n", ["a node that is not in nodes.csv"]),  # the edge 1-2
    ("id,label,f0\n0,a,1\n1,0,2\n2,1,x\n", ["label must be a whole number", "feature column 'f0' is not numeric"]),
    ("id,label,f0\n0,0,1\n0,1,2\n2,1,3\n", ["more than once"]),
])
def test_malformed_files_exit_2_with_one_sentence_each_and_nothing_stored(tmp_path, capsys, nodes_csv, words):
    (tmp_path / "edges.csv").write_text("source,target\n0,1\n1,2\n")
    (tmp_path / "nodes.csv").write_text(nodes_csv)
    rc = main(["datasets", "add", "Bad", "--edges", str(tmp_path / "edges.csv"),
               "--nodes", str(tmp_path / "nodes.csv")])
    err = capsys.readouterr().err.splitlines()
    assert rc == 2
    assert err[-1].endswith(". Nothing was stored.")  # on the last problem's line: one problem, one line
    problems = err
    assert len(problems) == len(words)
    for line, phrase in zip(problems, words):
        assert line.startswith("error: ") and phrase in line and line.endswith(".")
    assert not (userdata.root() / "Bad").exists() and "Bad" not in dataset_names("node")


def test_missing_file_clash_and_unknown_removal_are_one_line(karate_files, tmp_path, capsys):
    edges, nodes = karate_files
    assert main(["datasets", "add", "X", "--edges", str(tmp_path / "nope.csv"), "--nodes", nodes]) == 2
    assert "nope.csv does not exist" in capsys.readouterr().err
    assert main(["datasets", "add", "Cora", "--edges", edges, "--nodes", nodes]) == 2
    assert "taken by the built-in dataset Cora" in capsys.readouterr().err
    assert main(["datasets", "remove", "Nothing"]) == 2
    assert "No added dataset is named 'Nothing'" in capsys.readouterr().err
    assert userdata.datasets() == {}
