"""Link prediction: a graph auto-encoder (Kipf & Welling 2016) with a choice of encoder.

The undirected edges are split 85 / 5 / 10 (train / validation / test) at random from the
run's seed with PyG's ``RandomLinkSplit``; the validation and test negatives (as many as
positives, pairs that are no edge of the whole graph) are fixed by that split. The encoder
(GCN, GraphSAGE, GAT or the MLP baseline, :class:`~gnncore.gnn.models.NodeModel`) runs
message passing over the training edges only, in training and in evaluation alike, as GAE
did. An edge's score is the dot product of its two end nodes' embeddings. Every epoch
draws fresh negative training pairs, one per positive training edge.

Reported: test ROC AUC and average precision at the epoch of best validation AUC.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch_geometric.data import Data
from torch_geometric.transforms import RandomLinkSplit
from torch_geometric.utils import negative_sampling

from gnncore.gnn.datasets import info, load_node_data
from gnncore.gnn.metrics import average_precision, roc_auc
from gnncore.gnn.models import (ARCHITECTURES, NodeModel, count_parameters, graph_input,
                                 sparse_if_mostly_zero)
from gnncore.gnn.node import CSBM_DEFAULTS, check_hparams, check_model
from gnncore.gnn.selection import BestEpoch
from gnncore.spec import Progress, ProgressFn, RunResult, RunSpec, SpecError, StopFn, check_stop

VAL_FRACTION, TEST_FRACTION = 0.05, 0.10  # Kipf & Welling 2016, Sec. 3

# GAE (Kipf & Welling 2016, Sec. 3): a 32-unit hidden layer, 16-dimensional embeddings,
# Adam with lr 0.01 for 200 epochs; their code uses no dropout and no weight decay.
# GraphSAGE and the MLP take the same setup. GAT keeps the 32-unit hidden width as 4 heads
# of 8 (concatenated) and a single-head output.
# Two more details of GAE's code that we follow, worth about 1 point of AUC on Cora: the
# encoder's layers have no bias, and the features are the raw binary bag of words.
COMMON_DEFAULTS = dict(hidden=32, embedding=16, layers=2, dropout=0.0, lr=0.01, weight_decay=0.0,
                       epochs=200, patience=0)  # patience 0: no early stopping
PAPER_DEFAULTS = {"gat": dict(hidden=8, heads=4, out_heads=1)}


def defaults(spec: RunSpec) -> dict:
    """The documented defaults for this encoder (see COMMON_DEFAULTS)."""
    out = {**COMMON_DEFAULTS, **PAPER_DEFAULTS.get(spec.model, {})}
    if spec.dataset.lower() == "csbm":
        out.update(CSBM_DEFAULTS)
    return out


def validate(spec: RunSpec) -> None:
    """Raise SpecError with one sentence when the spec cannot be run."""
    info(spec.dataset, "link")
    check_model(spec.model, ARCHITECTURES)
    check_hparams(spec)
    embedding = spec.get("embedding")
    if embedding is not None and not (isinstance(embedding, int) and embedding >= 1):
        raise SpecError(f"Embedding must be a whole number of at least 1; got {embedding}.")


@dataclass
class LinkSplit:
    """Node features, the message-passing edges and the labelled pairs of each split.

    ``edge_index`` holds the training edges in both directions: the only edges the
    encoder ever sees. ``*_pos`` / ``*_neg`` are [2, k] node pairs, one direction each.
    """

    x: torch.Tensor
    edge_index: torch.Tensor
    num_nodes: int
    train_pos: torch.Tensor
    val_pos: torch.Tensor
    val_neg: torch.Tensor
    test_pos: torch.Tensor
    test_neg: torch.Tensor


def split_edges(spec: RunSpec) -> LinkSplit:
    """The dataset's edges split 85 / 5 / 10 from the spec's seed."""
    p = spec.params
    options = {k: p[k] for k in CSBM_DEFAULTS if k in p}
    full = load_node_data(spec.dataset, spec.seed, **options)
    data = Data(x=_gae_features(spec.dataset, full.x), edge_index=full.edge_index,
                num_nodes=full.num_nodes)
    # RandomLinkSplit draws with torch's generator and negative_sampling with Python's.
    torch.manual_seed(spec.seed)
    random.seed(spec.seed)
    split = RandomLinkSplit(num_val=VAL_FRACTION, num_test=TEST_FRACTION, is_undirected=True,
                            add_negative_train_samples=False, split_labels=True)
    train, val, test = split(data)
    return LinkSplit(data.x, train.edge_index, data.num_nodes, train.pos_edge_label_index,
                     val.pos_edge_label_index, val.neg_edge_label_index,
                     test.pos_edge_label_index, test.neg_edge_label_index)


def _gae_features(dataset: str, x: torch.Tensor) -> torch.Tensor:
    """GAE's input features: Cora's and CiteSeer's raw binary bag of words.

    ``load_node_data`` row-normalises features (GCN's preprocessing for node
    classification); for a 0/1 bag of words ``x > 0`` gives the raw vectors back exactly.
    PubMed's TF-IDF values cannot be recovered that way and the synthetic graph's Gaussian
    features were never normalised, so both stay as loaded.
    """
    return (x > 0).float() if dataset.lower() in BINARY_FEATURES else x


BINARY_FEATURES = {"cora", "citeseer"}


def build_model(spec: RunSpec, in_channels: int) -> NodeModel:
    """The encoder: a NodeModel whose layers have no bias, as GAE's have none."""
    p = spec.params
    # The graph is fixed (the training edges), so GCN may cache its normalised adjacency.
    model = NodeModel(spec.model, in_channels, p["hidden"], p["embedding"], layers=p["layers"],
                      dropout=p["dropout"], heads=p.get("heads", 8), out_heads=p.get("out_heads", 1))
    for module in model.modules():
        if isinstance(getattr(module, "bias", None), torch.nn.Parameter):
            module.bias = None  # every PyG layer here checks `bias is not None`
    return model


def edge_scores(z: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
    """The inner-product decoder's logits: z_u . z_v for each pair (u, v)."""
    return (z[pairs[0]] * z[pairs[1]]).sum(-1)


def _ranking(z: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor) -> tuple[float, float]:
    scores = torch.cat([edge_scores(z, pos), edge_scores(z, neg)])
    labels = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
    return roc_auc(scores, labels), average_precision(scores, labels)


def train(spec: RunSpec, on_progress: ProgressFn = None, should_stop: StopFn = None) -> RunResult:
    p = spec.params
    s = split_edges(spec)
    x = sparse_if_mostly_zero(s.x)
    graph = graph_input(spec.model, s.edge_index, s.num_nodes)
    torch.manual_seed(spec.seed)
    random.seed(spec.seed)
    model = build_model(spec, s.x.size(1))
    opt = torch.optim.Adam(model.parameters(), lr=p["lr"], weight_decay=p["weight_decay"])
    num_pos = s.train_pos.size(1)
    targets = torch.cat([torch.ones(num_pos), torch.zeros(num_pos)])

    elapsed = 0.0
    selection = BestEpoch(lambda row: (row["val_auc"], row["val_ap"]), p["patience"])
    for epoch in range(1, p["epochs"] + 1):
        check_stop(should_stop)
        start = time.perf_counter()
        model.train()
        opt.zero_grad()
        neg = negative_sampling(s.edge_index, num_nodes=s.num_nodes, num_neg_samples=num_pos)
        z = model(x, graph)
        logits = torch.cat([edge_scores(z, s.train_pos), edge_scores(z, neg)])
        loss = F.binary_cross_entropy_with_logits(logits, targets[:logits.numel()])
        loss.backward()
        opt.step()
        model.eval()
        with torch.inference_mode():
            z = model(x, graph)
            val_auc, val_ap = _ranking(z, s.val_pos, s.val_neg)
            test_auc, test_ap = _ranking(z, s.test_pos, s.test_neg)
        elapsed += time.perf_counter() - start
        row = dict(epoch=epoch, loss=loss.item(), val_auc=val_auc, val_ap=val_ap,
                   test_auc=test_auc, test_ap=test_ap)
        if on_progress:
            on_progress(Progress(spec, epoch, p["epochs"], {"val_auc": val_auc, "loss": row["loss"]}))
        if selection.update(row):
            break

    metrics = {**selection.summary(elapsed, "test_auc", "test_ap", "val_auc", "val_ap"),
               "params": count_parameters(model)}
    return RunResult(spec, metrics, selection.history)
