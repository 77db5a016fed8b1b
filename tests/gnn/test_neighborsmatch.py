"""Tree-NeighborsMatch (Alon & Yahav 2021): the generated trees, the root readout, the
fully-adjacent last layer and a short training run that fits r = 2."""

from __future__ import annotations

import pytest
import torch

from gnncore.gnn.architectures import build
from gnncore.gnn.architectures.stack import root_readout
from gnncore.gnn.data import trees
from gnncore.gnn.tasks import graph
from gnncore.runs import grid
from gnncore.spec import SpecError, one_thread


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_trees_have_one_matching_leaf_whose_label_is_the_answer(depth):
    data = trees.trees(depth, count=40)
    leaves, n = 2 ** depth, 2 ** (depth + 1) - 1
    edge_index, leaf_ids = trees.tree(depth)
    assert len(data) == 40 and len(leaf_ids) == leaves
    # Every node but the root sends one edge, to its parent; nothing leaves the root.
    assert edge_index.size(1) == n - 1 and sorted(edge_index[0].tolist()) == list(range(1, n))
    assert (edge_index[1] < edge_index[0]).all() and 0 not in edge_index[0].tolist()
    for g in data:
        assert g.num_nodes == n and g.x.shape == (n, 2 * leaves)
        key = int(g.x[0, :leaves].argmax())
        assert g.x[0].sum() == 1  # the root: its key, no label
        keys, labels = g.x[leaf_ids, :leaves], g.x[leaf_ids, leaves:]
        matching = (keys.argmax(1) == key).nonzero().view(-1)
        assert len(matching) == 1
        assert int(labels[matching[0]].argmax()) == int(g.y)
        assert sorted(labels.argmax(1).tolist()) == list(range(leaves))  # each label once
        inner = [i for i in range(1, n) if i not in leaf_ids]
        assert g.x[inner].abs().sum() == 0


def test_dataset_sizes_and_split_are_the_papers():
    assert [trees.paper_trees(r) for r in range(2, 9)] == [96, 8000, 16000, 32000, 32000, 32000, 32000]
    assert len(trees.trees(2)) == 96  # all 24 orders of 4 labels, each asked for every key
    y = torch.tensor([int(g.y) for g in trees.trees(3, count=400)])
    train, val, test = trees.split(y)
    assert len(val) == 0 and len(train) == 320 and len(test) == 80
    assert set(train.tolist()).isdisjoint(test.tolist())
    assert (torch.bincount(y[train]) == 40).all()  # stratified: 50 trees per label, 40 train


def test_root_readout_reads_the_first_node_of_each_graph():
    x = torch.arange(12.0).view(6, 2)
    batch = torch.tensor([0, 0, 0, 1, 1, 2])
    assert root_readout(x, batch, 3).tolist() == [[0.0, 1.0], [6.0, 7.0], [10.0, 11.0]]


def test_defaults_follow_the_depth_and_validation_speaks_one_sentence():
    spec = grid("graph", "NeighborsMatch", ["gat"], 1, folds=10, tree_depth=5)[0]
    p = spec.params
    assert (p["layers"], p["readout"], p["heads"] * p["hidden"], p["lr"]) == (6, "root", 32, 0.001)
    assert "fold" not in p and "fully_adjacent" not in p  # its own split; off leaves the key as it was
    with pytest.raises(SpecError, match="root readout"):
        grid("graph", "MUTAG", ["gcn"], 1, folds=10, readout="root")
    with pytest.raises(SpecError, match="message-passing"):
        grid("graph", "NeighborsMatch", ["mlp"], 1, fully_adjacent=True)
    with pytest.raises(SpecError, match="Trees must be at least 64"):
        grid("graph", "NeighborsMatch", ["gcn"], 1, tree_depth=5, trees=20)
    with pytest.raises(SpecError, match="32,000 trees of depth 8 need 33 GB .* give --trees 3,"):
        grid("graph", "NeighborsMatch", ["gcn"], 1, tree_depth=8)


@pytest.mark.parametrize("model", ["gcn", "gat"])
def test_fully_adjacent_layer_joins_every_pair_in_the_last_layer_only(model):
    data = trees.trees(2, count=3)
    spec = grid("graph", "NeighborsMatch", [model], 1, tree_depth=2, fully_adjacent=True)[0]
    prepared = graph.Graphs(model, data, fully_adjacent=True)
    x, tree_graph, batch, count, complete = prepared.batch([0, 1, 2])
    n = data[0].num_nodes

    def edges(g):  # (target, source) pairs, self-loops aside, whatever form the model takes
        if g.layout == torch.sparse_csr:
            g = g.to_sparse_coo().coalesce()
            pairs = g.indices()
        else:
            pairs = g.flip(0)
        return {(int(t), int(s)) for t, s in pairs.t() if t != s}

    full = {(t, s) for k in range(3) for t in range(k * n, (k + 1) * n) for s in range(k * n, (k + 1) * n) if t != s}
    assert edges(complete) == full  # every pair within each tree, none across trees
    assert edges(tree_graph) == {(int(p) + k * n, int(c) + k * n) for k in range(3)
                                 for c, p in data[0].edge_index.t()}
    model_ = build(spec, x.size(1), 4)
    seen = []
    for conv in model_.convs:
        conv.register_forward_hook(lambda mod, args, out: seen.append(args[1]))
    model_.eval()(x, tree_graph, batch, count, complete)
    assert [g is complete for g in seen] == [False, False, True]  # r + 1 = 3 layers, the last one complete


def test_a_short_run_fits_depth_two():
    spec = grid("graph", "NeighborsMatch", ["gcn"], 1, tree_depth=2, epochs=200)[0]
    with one_thread():  # as the workers train: two threads on a busy machine wait on each other
        result = graph.train(spec)
    assert result.metrics["train_accuracy"] == 1.0  # stops once every training tree is fitted
    assert result.metrics["epochs_run"] < 200 and result.metrics["train_graphs"] == 76
