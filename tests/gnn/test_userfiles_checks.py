"""Uploaded graphs that used to be accepted and should not be (too small to split, a feature
that is not finite, labels with gaps), self-loops and duplicate edges dropped and said, and
messages that name the value plainly (no numpy reprs, no overflowed ids, the missing node,
a folder for a file). Each refusal: one sentence, nothing stored."""

from __future__ import annotations

import re

import pytest
import torch
from torch_geometric.datasets import KarateClub

from gnncore.gnn.data import splits, userdata
from gnncore.gnn.data.datasets import dataset_names, info, load_node_data


@pytest.fixture(autouse=True)
def own_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "data"))


EDGES = b"source,target\n0,1\n1,2\n2,3\n3,4\n4,5\n5,6\n6,7\n7,0\n"
NODES = (b"id,label,f0,f1\n0,0,0.5,1\n1,0,0.1,2\n2,0,0.9,3\n3,0,0.3,4\n"
         b"4,1,0.2,5\n5,1,0.4,6\n6,1,0.6,7\n7,1,0.8,8\n")


def refused(edges, nodes) -> list[str]:
    """The problems named when adding the files; checks that nothing was stored and each
    problem is one plain sentence."""
    with pytest.raises(userdata.UserDataError) as caught:
        userdata.add("Bad", edges, nodes, edges_label="edges.csv", nodes_label="nodes.csv")
    problems = caught.value.problems
    for p in problems:
        assert p.endswith(".") and p.count(". ") == 0 and "Traceback" not in p, p
        assert "np." not in p and "numpy" not in p, p
    root = userdata.root()
    assert not root.exists() or not any(root.iterdir())
    assert "Bad" not in dataset_names("node")
    return problems


def test_the_eight_node_graph_is_accepted():
    d = userdata.add("Ok", EDGES, NODES)
    assert (d.nodes, d.edges, d.classes) == (8, 16, 2)


# ---- too small to split ----

def test_a_two_node_graph_is_refused_with_the_minimum_the_split_rule_needs():
    problems = refused(b"source,target\n0,1\n", b"id,label,f0\n0,0,1\n1,1,2\n")
    assert len(problems) == 1
    found = re.search(r"at least (\d+) nodes", problems[0])
    assert found, problems
    assert "split column" in problems[0]  # the way out for a graph split by hand
    least = int(found.group(1))
    # The minimum is the split rule's: from `least` nodes a class up, every part gets one of
    # its nodes for every seed; with one fewer some part is empty.
    for size in range(least, 60):
        y = torch.zeros(size, dtype=torch.long)
        assert all(m.any() for m in userdata.random_split(y, seed=3)), size
    y = torch.zeros(least - 1, dtype=torch.long)
    assert not all(m.any() for m in userdata.random_split(y, seed=3))


def test_one_class_too_small_is_named_and_a_split_column_is_a_way_out():
    nodes = NODES.replace(b"\n7,1,0.8,8", b"\n7,0,0.8,8")  # class 1: three nodes
    problems = refused(EDGES, nodes)
    assert len(problems) == 1 and "class 1 has 3 nodes" in problems[0], problems
    split = nodes.replace(b"f1\n", b"f1,split\n")
    rows = split.split(b"\n")
    parts = ["train", "train", "val", "test", "train", "val", "test", "train"]
    split = b"\n".join([rows[0]] + [r + b"," + p.encode() for r, p in zip(rows[1:], parts)]) + b"\n"
    assert userdata.add("Given", EDGES, split).split == "given"


@pytest.mark.parametrize("train, val", [(0.6, 0.2), (0.5, 0.25), (0.8, 0.1), (0.1, 0.1)])
def test_the_minimum_is_derived_from_the_fractions(train, val):
    least = splits.per_class_fractions_minimum(train, val)

    def every_part(size):
        return all(m.any() for m in splits.per_class_fractions(torch.zeros(size, dtype=torch.long), train, val, 0))

    assert not every_part(least - 1) and all(every_part(size) for size in range(least, 300))


# ---- features that are not finite ----

@pytest.mark.parametrize("text, words", [("inf", "inf"), ("-inf", "-inf"), ("nan", "not a number"),
                                         ("NaN", "not a number")])
def test_a_feature_that_is_not_finite_is_refused_naming_its_cell(text, words):
    nodes = NODES.replace(b"5,1,0.4,6", b"5,1,0.4," + text.encode())
    problems = refused(EDGES, nodes)
    assert len(problems) == 1, problems
    p = problems[0]
    assert "'f1'" in p and "row 6" in p and "node 5" in p and words in p, p
    assert "empty" not in p


def test_an_empty_feature_cell_is_called_empty():
    p, = refused(EDGES, NODES.replace(b"5,1,0.4,6", b"5,1,0.4,"))
    assert "'f1'" in p and "row 6" in p and "empty" in p, p


def test_only_the_first_bad_cell_is_named_with_the_count():
    nodes = NODES.replace(b"5,1,0.4,6", b"5,1,0.4,inf").replace(b"2,0,0.9", b"2,0,x")
    p, = refused(EDGES, nodes)
    assert "'f0'" in p and "row 3" in p and "'x'" in p and "2 cells" in p, p


# ---- labels with gaps ----

def test_labels_with_a_gap_are_refused_naming_the_missing_ones():
    nodes = NODES.replace(b"\n5,1,", b"\n5,2,").replace(b"\n7,1,", b"\n7,1000,")
    p, = refused(EDGES, nodes)
    assert "3 to 999" in p and "1000" in p and "0 to 3" in p, p


def test_a_missing_label_in_the_middle_is_named():
    nodes = NODES.replace(b",1,", b",2,")  # labels 0 and 2
    p, = refused(EDGES, nodes)
    assert "label 1 is missing" in p, p


# ---- self-loops and repeated edges ----

def test_self_loops_and_duplicate_edges_are_dropped_and_said():
    data = KarateClub()[0]
    edges, nodes = userdata.csv_files(data)
    edges += b"0,0\n5,5\n7,7\n9,9\n33,33\n0,1\n1,0\n"  # 5 loops, 2 duplicate rows
    d = userdata.add("Loops", edges, nodes)
    assert d.edges == 156  # 78 undirected edges, each counted both ways, no loop
    assert "5 self-loops and 2 duplicate edges dropped" in d.source
    assert "5 self-loops and 2 duplicate edges dropped" in info("Loops").source
    assert torch.equal(load_node_data("Loops", 0).edge_index, data.edge_index)


def test_an_edge_and_its_reverse_are_not_duplicates():
    data = KarateClub()[0]  # csv_files writes each undirected edge both ways
    d = userdata.add("Both", *userdata.csv_files(data))
    assert d.edges == 156 and "dropped" not in d.source


def test_one_self_loop_is_said_in_the_singular():
    d = userdata.add("One", EDGES + b"2,2\n", NODES)
    assert d.edges == 16 and d.source.endswith("; 1 self-loop dropped")


def test_a_graph_of_self_loops_only_is_refused():
    p, = refused(b"source,target\n0,0\n1,1\n", NODES)
    assert "self-loop" in p, p


# ---- messages that name the value plainly ----

@pytest.mark.parametrize("row, words", [
    (b"1,-1,0.1,2", "row 2 has -1"),
    (b"1,,0.1,2", "row 2 is empty"),
    (b"1,1.5,0.1,2", "row 2 has 1.5"),
])
def test_a_bad_label_is_shown_plainly(row, words):
    p, = refused(EDGES, NODES.replace(b"1,0,0.1,2", row))
    assert words in p, p


def test_an_id_too_large_is_named_as_such():
    big = b"99999999999999999999"
    p, = refused(EDGES, NODES.replace(b"\n7,1,", b"\n" + big + b",1,"))
    assert "99999999999999999999" in p and "too large for a node id" in p, p
    p, = refused(EDGES + big + b",1\n", NODES)
    assert "99999999999999999999" in p and "too large for a node id" in p, p
    assert "-9223372036854775808" not in p


def test_the_missing_node_is_named():
    p, = refused(EDGES + b"3,9\n", NODES)
    assert "node 9" in p and "row 9" in p, p


def test_a_folder_given_for_a_file_is_called_a_folder(tmp_path):
    p, = refused(tmp_path, NODES)
    assert "folder" in p and "does not exist" not in p, p
    p, = refused(tmp_path / "nope.csv", NODES)
    assert "does not exist" in p, p


def test_a_feature_beyond_float32_is_refused():
    p, = refused(EDGES, NODES.replace(b"5,1,0.4,6", b"5,1,0.4,1e39"))  # inf once stored as float32
    assert "'f1'" in p and "row 6" in p and "1e+39" in p and "too large" in p, p
