"""Inside the trained models: the edge weights each architecture puts on a node's incoming
edges, the stored model of a run, and the embedding snapshots over training."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
import torch
from torch_geometric.data import Data

from gnncore.gnn.tasks import node
from gnncore.gnn.architectures import architecture, build, graph_input
from gnncore.gnn.inside.neighbourhood import WEIGHT_COLUMNS, Trained, disagreements, neighbourhood
from gnncore.gnn.inside.snapshots import COLUMNS, embeddings_frame, separation, snapshot_epochs
from gnncore.runs import RunStore, resolve, run_all
from gnncore.spec import RunSpec


def spec(model="gcn", seed=0, **hp):
    return resolve(RunSpec.make("node", "CSBM", model, seed, **hp))


def trained(model="gcn", **hp) -> tuple[Trained, dict]:
    result = node.train(spec(model, **hp))
    return Trained.load(result.spec, result.artifacts["model"]), result.metrics


def small_graph() -> Data:
    """A hub (node 0) joined to 1, 2, 3; a path 3 - 4 - 5; node 6 alone. Both directions."""
    pairs = [(0, 1), (0, 2), (0, 3), (3, 4), (4, 5)]
    edge_index = torch.tensor(pairs + [(b, a) for a, b in pairs]).T
    return Data(x=torch.randn(7, 5), edge_index=edge_index, y=torch.tensor([0, 0, 1, 1, 2, 2, 0]), num_nodes=7)


def weights_of(model_name: str, data: Data, **settings) -> list:
    model = build(spec(model_name, hidden=4, **settings), data.num_features, 3).eval()
    graph = graph_input(model_name, data.edge_index, data.num_nodes)
    return architecture(model_name).edge_weights(model, data.x, graph, data.edge_index)


def test_gcn_weighs_each_edge_one_over_the_root_of_both_degrees():
    data = small_graph()
    deg = torch.bincount(data.edge_index[1], minlength=7).double() + 1  # with the self-loop
    (first, second) = weights_of("gcn", data)
    for w in (first, second):
        for (s, t), value in zip(w.edges.T.tolist(), w.weight[:, 0].tolist()):
            assert value == pytest.approx(1 / float(deg[s] * deg[t]) ** 0.5, rel=1e-6)
    # every edge and every self-loop, once
    assert first.edges.size(1) == data.edge_index.size(1) + 7
    assert first.weight[(first.edges[0] == 6) & (first.edges[1] == 6)].item() == pytest.approx(1.0)


def test_sage_takes_the_mean_of_its_neighbours_beside_a_self_term_of_one():
    data = small_graph()
    (w, _) = weights_of("sage", data)
    frame = pd.DataFrame({"s": w.edges[0], "t": w.edges[1], "v": w.weight[:, 0]})
    neighbours = frame[frame.s != frame.t]
    assert neighbours.groupby("t").v.sum().to_numpy() == pytest.approx(np.ones(6))  # node 6 has none
    assert neighbours[neighbours.t == 0].v.tolist() == pytest.approx([1 / 3] * 3)
    assert (frame[frame.s == frame.t].v == 1).all() and (frame.s == frame.t).sum() == 7


def test_gat_attention_into_every_node_sums_to_one_over_its_edges_and_itself():
    model, _ = trained("gat", epochs=15)
    weights = model.edge_weights()
    assert list(weights.columns) == list(WEIGHT_COLUMNS)
    heads = weights[weights["head"] > 0]
    assert set(heads[heads.layer == 1]["head"]) == set(range(1, 9))  # the paper's 8 heads
    sums = weights.groupby(["layer", "head", "target"]).weight.sum()
    assert sums.to_numpy() == pytest.approx(np.ones(len(sums)), abs=1e-5)
    n = model.data.num_nodes
    selfs = weights[(weights.term == "self") & (weights["head"] == 0)]
    assert len(selfs) == 2 * n and (selfs.source == selfs.target).all()
    # learned, not uniform: the heads differ on the same edge
    first = heads[heads.layer == 1].pivot_table(index=["source", "target"], columns="head", values="weight")
    assert first.std(axis=1).mean() > 1e-3
    # head 0 is the mean over the heads
    mean = weights[(weights.layer == 1) & (weights["head"] == 0)].set_index(["source", "target"]).weight
    assert mean.sort_index().to_numpy() == pytest.approx(first.mean(axis=1).sort_index().to_numpy(), abs=1e-6)


def test_the_mlp_hears_nothing():
    model, _ = trained("mlp", epochs=3)
    assert model.edge_weights().empty


def test_the_stored_model_is_the_reported_epoch_and_predicts_its_test_accuracy():
    model, metrics = trained("gcn", epochs=40)
    predictions = model.predictions()
    test = predictions[predictions.split == "test"]
    assert (test.predicted == test.label).mean() == pytest.approx(metrics["test_accuracy"], abs=1e-6)
    assert predictions.confidence.between(0, 1).all() and len(predictions) == model.data.num_nodes


def test_keeping_the_artifacts_changes_no_number_of_the_run():
    kept, plain = node.train(spec("gat", epochs=8)), node.train(spec("gat", epochs=8), keep=False)
    timeless = lambda m: {k: v for k, v in m.items() if k not in ("ms_per_epoch", "peak_mb")}  # noqa: E731
    assert kept.history == plain.history and timeless(kept.metrics) == timeless(plain.metrics)
    assert set(kept.artifacts) == {"model", "embeddings"} and plain.artifacts == {}


def test_snapshots_are_about_ten_epochs_from_the_untrained_model_to_the_last():
    assert snapshot_epochs(200) == [0, 1, 2, 4, 7, 14, 27, 53, 103, 200]
    assert snapshot_epochs(3) == [0, 1, 2, 3]
    result = node.train(spec("gcn", epochs=500, patience=5))  # stops early: its last epoch is a frame
    frame = embeddings_frame(result.artifacts["embeddings"], "gcn", 0)
    assert list(frame.columns) == list(COLUMNS)
    assert frame.epoch.max() == result.metrics["epochs_run"] < 500 and frame.epoch.min() == 0
    n = 1000
    assert len(frame) == frame.epoch.nunique() * n and set(frame.split) == {"train", "val", "test"}
    # each frame centred, with unit spread
    for _, f in frame.groupby("epoch"):
        assert f[["x", "y"]].mean().abs().max() < 1e-2
        assert float(np.mean(f.x ** 2 + f.y ** 2)) == pytest.approx(1.0, abs=1e-2)
    assert len(result.artifacts["embeddings"]) < 20 * n * frame.epoch.nunique()  # small: 2-D only


def test_the_final_projection_separates_the_classes_far_better_than_the_first():
    # Weak features on a fairly homophilous graph: even an untrained GCN averages neighbours,
    # so the first frame is not random; training must still pull the classes apart.
    result = node.train(spec("gcn", epochs=100, signal=0.3, homophily=0.7))
    frame = embeddings_frame(result.artifacts["embeddings"], "gcn", 0)
    test = frame[frame.split == "test"]
    score = {e: separation(f[["x", "y"]].to_numpy(), f.label.to_numpy()) for e, f in test.groupby("epoch")}
    first, last = score[min(score)], score[max(score)]
    assert last > 0.75 and last > first + 0.25, score


def test_separation_is_one_for_apart_classes_and_chance_for_mixed_ones():
    g = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 100)
    apart = np.array([[0, 0], [10, 0], [0, 10]])[labels] + g.normal(size=(300, 2))
    assert separation(apart, labels) == 1.0
    assert abs(separation(g.normal(size=(300, 2)), labels) - 1 / 3) < 0.1


def test_neighbourhood_counts_hops_caps_its_size_and_puts_the_node_at_the_centre():
    data = small_graph()
    nodes, edges = neighbourhood(data, 3, hops=2)
    assert dict(zip(nodes.node, nodes.hop)) == {3: 0, 0: 1, 4: 1, 1: 2, 2: 2, 5: 2}
    assert nodes.set_index("node").loc[3, ["x", "y"]].tolist() == [0.0, 0.0]
    assert sorted(map(tuple, edges.to_numpy())) == [(0, 1), (0, 2), (0, 3), (3, 4), (4, 5)]
    few, few_edges = neighbourhood(data, 3, hops=2, limit=3)
    assert list(few.node) == [3, 0, 4] and few.attrs["total"] == 6  # nearer hops first, then degree
    assert sorted(map(tuple, few_edges.to_numpy())) == [(0, 3), (3, 4)]
    alone, _ = neighbourhood(data, 6)
    assert list(alone.node) == [6]
    with pytest.raises(ValueError, match="Node 7 is not in the graph; pick one from 0 to 6"):
        neighbourhood(data, 7)


def test_disagreements_put_nodes_some_models_get_right_first():
    rows = []
    for model, predicted in (("gcn", [0, 1, 2, 1]), ("gat", [0, 1, 0, 2]), ("mlp", [1, 1, 1, 2])):
        rows += [dict(model=model, node=n, label=[0, 1, 2, 3][n], predicted=p, split="test")
                 for n, p in enumerate(predicted)]
    out = disagreements(pd.DataFrame(rows))
    # node 1: all agree (left out); node 3: all wrong but differ; nodes 0, 2: some right
    assert list(out.node) == [0, 2, 3] and list(out.right) == [2, 1, 0]
    assert list(out.columns) == ["node", "label", "gcn", "gat", "mlp", "right"]


def test_a_stored_run_keeps_its_artifacts_and_one_without_them_trains_again():
    store = RunStore()
    (first,) = run_all([spec("gcn", epochs=5)], store=store)
    assert first.artifacts == {}  # in the store, not in memory
    assert store.artifact(first.spec, "model") and store.artifact(first.spec, "embeddings")
    (again,) = run_all([spec("gcn", epochs=5)], store=store)
    assert again.cached
    with sqlite3.connect(store.path) as db:  # as a store written before runs kept artifacts
        db.execute("DELETE FROM artifacts")
    assert store.get(first.spec) is None
    (retrained,) = run_all([spec("gcn", epochs=5)], store=store)
    assert not retrained.cached and retrained.history == first.history
    assert store.artifact(first.spec, "model") is not None


def test_a_self_loop_in_the_data_is_counted_once_by_gcn_and_as_a_neighbour_by_sage():
    data = small_graph()
    data.edge_index = torch.cat([data.edge_index, torch.tensor([[4], [4]])], 1)  # as WebKB has
    (gcn, _) = weights_of("gcn", data)
    loops = gcn.weight[(gcn.edges[0] == 4) & (gcn.edges[1] == 4)]
    assert len(loops) == 1 and loops.item() == pytest.approx(1 / 3)  # node 4: two neighbours and itself
    # the model's own adjacency: the same weights (its normalisation adds the one self-loop)
    model = build(spec("gcn", hidden=4), 5, 3).eval()
    model(data.x, graph_input("gcn", data.edge_index, 7))
    adj = model.convs[0]._cached_edge_index[0]  # PyG's cached normalised (transposed) adjacency
    assert adj.to_dense()[4, 4].item() == pytest.approx(1 / 3)
    (sage, _) = weights_of("sage", data)
    own = sage.own
    assert int(own.sum()) == 7 and not own[(sage.edges[0] == 4) & (sage.edges[1] == 4)].all()
    into_4 = (sage.edges[1] == 4) & ~own
    assert sage.weight[into_4, 0].sum().item() == pytest.approx(1.0) and int(into_4.sum()) == 3
