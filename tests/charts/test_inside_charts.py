"""The inside views' charts: one panel per model, what each draws, from which rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch_geometric.data import Data

from gnncore.charts.inside import MAX_POINTS, embedding_chart, incoming_weights_chart, neighbourhood_chart
from gnncore.gnn.inside.neighbourhood import neighbourhood


def rows(spec: dict, view: dict) -> pd.DataFrame:
    return pd.DataFrame(spec["datasets"][view["data"]["name"]])


def star() -> Data:
    pairs = [(0, 1), (0, 2), (0, 3), (3, 4)]
    edge_index = torch.tensor(pairs + [(b, a) for a, b in pairs]).T
    return Data(x=torch.zeros(5, 2), edge_index=edge_index, y=torch.tensor([0, 0, 1, 1, 2]), num_nodes=5)


def weights() -> pd.DataFrame:
    """GAT-like weights on edges into node 0 and 3 (two heads and their mean), none for the MLP."""
    out = []
    for target, sources in ((0, [0, 1, 2, 3]), (3, [3, 0, 4])):
        for head in (0, 1, 2):
            for i, s in enumerate(sources):
                w = 1 / len(sources) if head == 0 else (0.1 + 0.8 * (i == 0) if head == 1 else 1 / len(sources))
                out.append(dict(model="gat", seed=0, layer=2, head=head, term="self" if s == target else "neighbour",
                                source=s, target=target, weight=w))
    return pd.DataFrame(out)


def predictions() -> pd.DataFrame:
    return pd.DataFrame([dict(model=m, seed=0, node=n, label=y, predicted=p, confidence=0.6, split="test")
                         for m, preds in (("gat", [0, 0, 1, 1, 2]), ("mlp", [1, 0, 1, 1, 2]))
                         for n, (y, p) in enumerate(zip([0, 0, 1, 1, 2], preds))])


def test_neighbourhood_chart_draws_each_model_with_its_own_weights_and_prediction():
    nodes, edges = neighbourhood(star(), 0)
    spec = neighbourhood_chart(nodes, edges, weights(), predictions(), centre=0).to_dict()
    gat, mlp = spec["concat"]
    assert gat["title"]["text"] == "GAT: class 0 (60%), right" and mlp["title"]["text"] == "MLP: class 1 (60%), wrong"
    assert mlp["title"]["subtitle"] == "hears no neighbours"
    drawn = rows(spec, gat["layer"][0]).set_index(["source", "target"])["weight"]
    # each pair once, as the edge into the node nearer the centre, with the mean weight
    assert drawn.to_dict() == {(1, 0): 0.25, (2, 0): 0.25, (3, 0): 0.25, (4, 3): 1 / 3}
    assert sorted(rows(spec, gat["layer"][1]).node) == [0, 1, 2, 3, 4]
    assert "What node 0 hears" in spec["title"]["text"]


def test_incoming_weights_show_the_node_itself_first_and_the_heads_as_ticks():
    spec = incoming_weights_chart(weights(), pd.Series([0, 0, 1, 1, 2]), centre=0).to_dict()
    (gat,) = spec["concat"]
    bars, ticks = gat["layer"]
    assert bars["mark"]["type"] == "bar" and ticks["mark"]["type"] == "tick"
    assert rows(spec, bars).who.tolist()[0] == "0 (itself)" and len(rows(spec, ticks)) == 8
    assert bars["encoding"]["y"]["sort"] == ["0 (itself)", "1", "2", "3"]
    assert any("GAT: learned attention" in line for line in spec["title"]["subtitle"])


def embeddings(nodes=40, epochs=(0, 5, 10)) -> pd.DataFrame:
    g = np.random.default_rng(0)
    out = []
    for model in ("gcn", "mlp"):
        for e in epochs:
            labels = np.arange(nodes) % 2
            out.append(pd.DataFrame(dict(model=model, seed=0, epoch=e, node=np.arange(nodes),
                                         x=g.normal(size=nodes) + 3 * labels * e, y=g.normal(size=nodes),
                                         label=labels, predicted=np.where((np.arange(nodes) >= 10) & (np.arange(nodes) < 13),
                                                            1 - labels, labels),
                                         split=np.where(np.arange(nodes) < 10, "train", "test"))))
    return pd.concat(out, ignore_index=True)


def test_embedding_chart_shows_one_epoch_on_axes_fixed_over_all_epochs():
    frame = embeddings()
    spec = embedding_chart(frame, 5, {"gcn": 0.5, "mlp": 0.4}).to_dict()
    gcn, mlp = spec["concat"]
    assert gcn["title"]["text"] == "GCN, epoch 5" and "keep 50%" in gcn["title"]["subtitle"][1]
    data = rows(spec, gcn)
    assert len(data) == 40 and set(data.kind) == {"train", "test, right", "test, wrong"}
    assert sorted(data[data.kind == "test, wrong"].node) == [10, 11, 12]
    domain = gcn["encoding"]["x"]["scale"]["domain"]
    assert domain[1] > frame[(frame.model == "gcn") & (frame.epoch == 5)].x.max()  # room for epoch 10
    assert spec["resolve"]["scale"] == {"x": "independent", "y": "independent"}
    # an epoch between snapshots shows the latest one before it
    assert embedding_chart(frame, 7).to_dict()["concat"][0]["title"]["text"] == "GCN, epoch 5"


def test_embedding_chart_thins_big_graphs_keeping_every_train_and_test_node():
    frame = embeddings(nodes=MAX_POINTS + 2000, epochs=(0,))
    frame.loc[frame.node >= 500, "split"] = "other"
    spec = embedding_chart(frame, 0).to_dict()
    data = rows(spec, spec["concat"][0])
    assert len(data) == MAX_POINTS and (data.kind != "other").sum() == 500


def test_two_runs_of_one_model_are_refused_in_a_sentence_not_a_type_error():
    """Cora's GCN at 200 and at 100 epochs, seed 0: one panel cannot hold both."""
    nodes, edges = neighbourhood(star(), 0)
    twice = pd.concat([predictions(), predictions()[lambda p: p.model == "gat"]], ignore_index=True)
    with pytest.raises(ValueError, match="given GAT more than once"):
        neighbourhood_chart(nodes, edges, weights(), twice, centre=0)
    frame = embeddings()
    with pytest.raises(ValueError, match="given MLP more than once"):
        embedding_chart(pd.concat([frame, frame[frame.model == "mlp"]]), epoch=5)
