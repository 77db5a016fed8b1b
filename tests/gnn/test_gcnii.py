"""GCNII (gnncore.gnn.architectures.gcnii): its layer's formula, that depth stays trainable,
the authors' settings per dataset, and their two weight decays."""

from __future__ import annotations

import math

import torch
from torch_geometric.nn.conv.gcn_conv import gcn_norm

from gnncore.gnn.architectures import build, graph_input
from gnncore.gnn.data.synthetic import CLASSES as CSBM_CLASSES
from gnncore.gnn.tasks import node
from gnncore.runs import resolve
from gnncore.spec import RunSpec


def spec(dataset="CSBM", model="gcnii", **hp):
    return resolve(RunSpec.make("node", dataset, model, 0, **hp))


def test_the_model_is_the_authors_formula_layer_by_layer():
    """Eval mode: H0 = relu(lin0 x), H_l = relu(((1-a) P H + a H0)((1-b_l) I + b_l W_l)),
    b_l = log(lambda / l + 1), logits = lin1 H_L, with P GCN's normalised adjacency."""
    torch.manual_seed(0)
    n, f, c = 12, 5, 3
    edge_index = torch.randint(0, n, (2, 40))
    edge_index = torch.cat([edge_index, edge_index.flip(0)], 1)
    x = torch.randn(n, f)
    model = build(spec(hidden=8, layers=3, residual_alpha=0.2, identity_lambda=0.7, dropout=0.5), f, c).eval()
    hidden, logits = model(x, graph_input("gcnii", edge_index, n), hidden=True)
    assert logits.shape == (n, c) and hidden.shape == (n, 8)

    index, weight = gcn_norm(edge_index.unique(dim=1), num_nodes=n)
    p = torch.sparse_coo_tensor(index.flip(0), weight, (n, n)).to_dense()
    h0 = h = torch.relu(model.lins[0](x))
    for l, conv in enumerate(model.convs, start=1):
        beta = math.log(0.7 / l + 1)
        support = 0.8 * p @ h + 0.2 * h0
        h = torch.relu(support @ ((1 - beta) * torch.eye(8) + beta * conv.weight1))
    assert torch.allclose(hidden, h, atol=1e-5)
    assert torch.allclose(logits, model.lins[1](h), atol=1e-5)

    # What a node hears along its edges: GCN's fixed weight times (1 - alpha), in every layer.
    from gnncore.gnn.architectures import architecture
    (heard,) = architecture("gcnii").edge_weights(model, x, None, edge_index.unique(dim=1))
    assert torch.allclose(heard.weight.squeeze(-1), 0.8 * p[heard.edges[1], heard.edges[0]])


def test_sixteen_layers_still_learn_where_sixteen_gcn_layers_do_not():
    """The initial residual keeps each node's own features at every depth: 16 GCNII layers
    learn the synthetic graph, 16 GCN layers smooth it to about chance."""
    kw = dict(epochs=20, layers=16, hidden=8, patience=0, select="accuracy", signal=1.0, homophily=0.8, nodes=300)
    gcnii = node.train(spec(**kw), keep=False).metrics
    gcn = node.train(spec(model="gcn", **kw), keep=False).metrics
    chance = 1 / CSBM_CLASSES
    assert gcnii["test_accuracy"] > chance + 0.3
    assert gcnii["test_accuracy"] > gcn["test_accuracy"] + 0.2
    assert gcnii["mad"] > 3 * gcn["mad"]


def test_defaults_are_the_authors_semi_supervised_settings_per_dataset():
    """chennnM/GCNII: train.py's argument defaults, semi.sh's lines per dataset."""
    common = dict(residual_alpha=0.1, lr=0.01, dense_weight_decay=5e-4, epochs=1500, patience=100, select="loss")
    per_dataset = {"Cora": dict(layers=64, hidden=64, identity_lambda=0.5, dropout=0.6, weight_decay=0.01),
                   "CiteSeer": dict(layers=32, hidden=256, identity_lambda=0.6, dropout=0.7, weight_decay=0.01),
                   "PubMed": dict(layers=16, hidden=256, identity_lambda=0.4, dropout=0.5, weight_decay=5e-4)}
    for dataset, own in per_dataset.items():
        assert spec(dataset).params == {**common, **own}, dataset


def test_the_convolutions_and_the_dense_layers_decay_apart_and_gcn_keeps_its_first_layer_decay():
    s = spec(hidden=8, layers=4, weight_decay=0.01, dense_weight_decay=5e-4)
    model = build(s, 6, 3)
    groups = {g["weight_decay"]: {id(q) for q in g["params"]} for g in node.optimizer(s, model).param_groups}
    assert groups == {0.01: {id(q) for q in model.convs.parameters()},
                      5e-4: {id(q) for q in model.lins.parameters()}}
    assert all(conv.weight2 is None and not hasattr(conv, "bias") for conv in model.convs)  # no bias, as theirs

    g = spec(model="gcn")
    gcn = build(g, 6, 3)
    groups = {gr["weight_decay"]: {id(q) for q in gr["params"]} for gr in node.optimizer(g, gcn).param_groups}
    assert groups == {5e-4: {id(q) for q in gcn.convs[0].parameters()}, 0.0: {id(q) for q in gcn.convs[1].parameters()}}
