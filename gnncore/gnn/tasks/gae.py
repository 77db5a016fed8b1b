"""The graph auto-encoder of link prediction (Kipf & Welling 2016), as a run alone and its
seeds in a batch share it: the split of the edges, the encoder, the inner-product decoder
and the ranking of held-out pairs."""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch
from torch_geometric.data import Data
from torch_geometric.transforms import RandomLinkSplit

from gnncore.gnn.tasks import settings as gs
from gnncore.gnn.data.datasets import load_node_data, raw_features
from gnncore.gnn.kernels.metrics import average_precision, roc_auc
from gnncore.gnn.architectures import build
from gnncore.spec import RunSpec

__all__ = ["TEST_FRACTION", "VAL_FRACTION", "LinkSplit", "encoder", "edge_scores", "ranking", "split_edges"]

VAL_FRACTION, TEST_FRACTION = 0.05, 0.10  # Kipf & Welling 2016, Sec. 3


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

    def to(self, device: torch.device) -> "LinkSplit":
        return LinkSplit(**{k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in vars(self).items()})


def split_edges(spec: RunSpec) -> LinkSplit:
    """The dataset's edges split 85 / 5 / 10 from the spec's seed."""
    full = load_node_data(spec.dataset, spec.seed, **gs.dataset_options(spec))
    data = Data(x=gae_features(spec, full.x), edge_index=full.edge_index,
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


def gae_features(spec: RunSpec, loaded: torch.Tensor) -> torch.Tensor:
    """The encoder's input: the features as the dataset's files give them (``features=raw``,
    GAE's: Cora's and CiteSeer's 0/1 bag of words, PubMed's TF-IDF), or as node classification
    loads them (``normalised``: rows summing to one where the dataset's protocol says so)."""
    raw = raw_features(spec.dataset) if spec.params["features"] == "raw" else None
    return loaded if raw is None else raw


def encoder(spec: RunSpec, in_channels: int) -> torch.nn.Module:
    """GAE's encoder: the architecture's node model into ``embedding`` features, without
    biases, as GAE's layers have none."""
    # The graph is fixed (the training edges), so GCN may cache its normalised adjacency.
    return build(spec, in_channels, spec.params["embedding"], bias=False)


def edge_scores(z: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
    """The inner-product decoder's logits: z_u . z_v for each pair (u, v)."""
    return (z[pairs[0]] * z[pairs[1]]).sum(-1)


def ranking(z: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor) -> tuple[float, float]:
    scores = torch.cat([edge_scores(z, pos), edge_scores(z, neg)])
    labels = torch.cat([torch.ones(pos.size(1), device=z.device), torch.zeros(neg.size(1), device=z.device)])
    return roc_auc(scores, labels), average_precision(scores, labels)
