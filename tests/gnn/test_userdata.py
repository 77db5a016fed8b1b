"""The user's own graph: KarateClub written out as the two CSV files, added, listed beside
the built-in datasets, split, trained with GCN and the MLP; every malformed file answered in
one sentence with nothing stored."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.datasets import KarateClub

from gnncore.gnn.data import userdata, userfiles
from gnncore.gnn.data.datasets import availability, dataset_names, info, load_node_data
from gnncore.runs import facts, grid, run_all, runs_frame


@pytest.fixture(autouse=True)
def own_cache(monkeypatch, tmp_path):
    """A data cache of this test's own, so added datasets do not leak into other tests."""
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "data"))


@pytest.fixture
def karate():
    data = KarateClub()[0]
    edges, nodes = userdata.csv_files(data)
    return data, edges, nodes


def stored() -> list[str]:
    """Everything under the user-dataset folder, temporary folders included."""
    root = userdata.root()
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_karate_as_csv_is_added_listed_and_loads_the_same_graph(karate):
    data, edges, nodes = karate
    d = userdata.add("MyKarate", edges, nodes)
    assert (d.nodes, d.edges, d.features, d.classes) == (34, 156, 34, 4)
    assert stored() == ["MyKarate"]
    assert (userdata.root() / "MyKarate" / "edges.csv").read_bytes() == edges
    assert str(userdata.root()).startswith(str(userdata.config.data_dir()))  # under the cache, not the repo

    # Beside the built-in datasets, for the tasks it fits, in the engines' live facts too.
    assert "MyKarate" in dataset_names("node") and "MyKarate" in dataset_names("link")
    assert "MyKarate" not in dataset_names("graph")
    assert "MyKarate" in facts("node").datasets and "MyKarate" in facts("link").datasets
    assert info("mykarate").name == "MyKarate" and info("MyKarate").family == "user"
    assert availability("MyKarate") == "added by you"

    loaded = load_node_data("MyKarate", seed=0)
    assert torch.equal(loaded.x, data.x) and torch.equal(loaded.y, data.y)
    assert torch.equal(loaded.edge_index, data.edge_index)


def test_random_split_is_seeded_per_class_and_a_given_split_is_kept(karate):
    data, edges, nodes = karate
    userdata.add("MyKarate", edges, nodes)
    a, b, c = (load_node_data("MyKarate", seed=s) for s in (0, 0, 1))
    assert torch.equal(a.train_mask, b.train_mask) and not torch.equal(a.train_mask, c.train_mask)
    masks = torch.stack([a.train_mask, a.val_mask, a.test_mask])
    assert (masks.sum(0) == 1).all()  # every node in exactly one part
    for cls in range(4):  # every class trains, about 60 / 20 / 20
        in_class = a.y == cls
        assert a.train_mask[in_class].sum() == round(0.6 * int(in_class.sum()))

    # A split column fixes the split for every seed.
    data.val_mask, data.test_mask = torch.zeros(34, dtype=torch.bool), ~data.train_mask
    data.val_mask[[1, 2, 3]], data.test_mask[[1, 2, 3]] = True, False
    edges, nodes = userdata.csv_files(data, split=True)
    d = userdata.add("FixedKarate", edges, nodes)
    assert d.split == "given" and d.split_counts == (4, 3, 27)
    for seed in (0, 5):
        fixed = load_node_data("FixedKarate", seed=seed)
        assert torch.equal(fixed.train_mask, data.train_mask) and torch.equal(fixed.val_mask, data.val_mask)


def test_gcn_and_the_mlp_train_on_it_above_chance(karate):
    _, edges, nodes = karate
    userdata.add("MyKarate", edges, nodes)
    specs = grid("node", "MyKarate", ["gcn", "mlp"], 5, epochs=100)
    frame = runs_frame(list(run_all(specs)))
    means = frame.groupby("model")["test_accuracy"].mean()
    chance = 1 / 4  # four classes
    assert means["gcn"] > 0.8  # the graph tells the communities apart
    assert means["mlp"] > chance  # one-hot ids only: about the majority class, no better
    assert means["gcn"] > means["mlp"] + 0.3
    link = list(run_all(grid("link", "MyKarate", ["gcn"], 1, epochs=20)))
    assert 0.0 <= link[0].metrics["test_auc"] <= 1.0


EDGES = b"source,target\n0,1\n1,2\n2,3\n"
NODES = b"id,label,f0,f1\n0,0,0.5,1\n1,0,0.1,2\n2,1,0.9,3\n3,1,0.3,4\n"
BAD = {
    "missing node columns": (EDGES, b"node,class,f0\n0,0,1\n", "has no column 'id' or 'label'"),
    "missing edge columns": (b"from,to\n0,1\n", NODES, "has no column 'source' or 'target'"),
    "ids out of range": (EDGES, NODES.replace(b"\n3,1", b"\n7,1"), "ids must run from 0 to 3"),
    "edge to a missing node": (EDGES + b"3,9\n", NODES, "a node that is not in nodes.csv"),
    "label not an integer": (EDGES, NODES.replace(b"2,1,0.9", b"2,cat,0.9"), "label must be a whole number"),
    "fractional label": (EDGES, NODES.replace(b"2,1,0.9", b"2,1.5,0.9"), "label must be a whole number"),
    "non-numeric feature": (EDGES, NODES.replace(b"0,0,0.5", b"0,0,red"), "feature column 'f0' is not numeric"),
    "duplicate ids": (EDGES, NODES.replace(b"\n3,1", b"\n2,1"), "more than once"),
    "bad split value": (EDGES, b"id,label,f0,split\n0,0,1,train\n1,1,2,val\n2,0,3,test\n3,1,4,later\n",
                        "split must be train, val or test"),
    "not a csv": (EDGES, b"\x00\x01\xff\xfe garbage \"\n,\"", "not a CSV file"),
    "empty file": (b"", NODES, "is empty"),
    "one class only": (EDGES, NODES.replace(b"2,1,", b"2,0,").replace(b"3,1,", b"3,0,"), "at least two classes"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_every_malformed_file_is_one_sentence_and_nothing_is_stored(case):
    edges, nodes, words = BAD[case]
    with pytest.raises(userdata.UserDataError) as caught:
        userdata.add("Bad", edges, nodes, edges_label="edges.csv", nodes_label="nodes.csv")
    problems = caught.value.problems
    assert any(words in p for p in problems), problems
    for p in problems:  # one sentence each, naming the file, no traceback
        assert p.endswith(".") and "Traceback" not in p and p.count(". ") <= 1, p
    assert stored() == [] and "Bad" not in dataset_names("node")


def test_several_problems_are_each_named(karate):
    nodes = NODES.replace(b"0,0,0.5", b"0,x,red")
    with pytest.raises(userdata.UserDataError) as caught:
        userdata.add("Bad", EDGES, nodes, nodes_label="nodes.csv")
    assert len(caught.value.problems) == 2  # the label and the feature
    assert stored() == []


def test_names_files_too_large_and_clashes_are_refused(karate, monkeypatch):
    _, edges, nodes = karate
    for name, words in (("Cora", "taken by the built-in dataset Cora"), ("karateclub", "built-in dataset KarateClub"),
                        ("no spaces", "cannot be used"), ("", "cannot be used")):
        with pytest.raises(userdata.UserDataError, match=words):
            userdata.add(name, edges, nodes)
    userdata.add("Mine", edges, nodes)
    with pytest.raises(userdata.UserDataError, match="was added before"):
        userdata.add("MINE", edges, nodes)
    monkeypatch.setattr(userfiles, "memory_bytes", lambda: 8 * 1000)  # a machine with 8 kB
    with pytest.raises(userdata.UserDataError, match="too large for this machine"):
        userdata.add("Big", edges, nodes, nodes_label="nodes.csv")
    assert stored() == ["Mine"]


def test_remove_takes_it_out_of_every_list(karate):
    _, edges, nodes = karate
    userdata.add("Mine", edges, nodes)
    userdata.remove("mine")
    assert stored() == [] and "Mine" not in dataset_names("node")
    with pytest.raises(userdata.UserDataError, match="No added dataset"):
        userdata.remove("Mine")
