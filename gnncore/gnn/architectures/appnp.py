"""APPNP, predict then propagate (Gasteiger et al. 2019): a 2-layer MLP predicts, then K
steps of personalised PageRank spread the predictions over the graph (their Eq. 3):

.. math::
    Z = \\mathrm{MLP}(X), \\quad H^{(0)} = Z, \\quad
    H^{(k+1)} = (1 - \\alpha) \\hat{D}^{-1/2} \\hat{A} \\hat{D}^{-1/2} H^{(k)} + \\alpha Z

with GCN's normalised adjacency (gnncore.gnn.architectures.gcn). Depth costs no parameters
and does not over-smooth: alpha keeps every node's own prediction in the mix.
"""

from __future__ import annotations

from typing import Mapping

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import APPNP
from torch_geometric.nn.dense.linear import Linear

from gnncore.gnn.architectures.base import Architecture, EdgeWeights, register
from gnncore.gnn.architectures.gcn import normalised_adjacency, normalised_blocks
from gnncore.gnn.architectures.inputs import SparseInputLinear, feature_dropout
from gnncore.gnn.kernels import batched, sparse
from gnncore.protocol import Setting

__all__ = ["APPNPArchitecture", "FixedAPPNP", "PredictThenPropagate"]


class FixedAPPNP(APPNP):
    """PyG's APPNP propagation, its K products with the normalised adjacency keeping its
    transpose (gnncore.gnn.kernels.sparse), as FixedGCNConv's."""

    def message_and_aggregate(self, adj_t, x):
        return sparse.mm(adj_t, x) if isinstance(adj_t, torch.Tensor) else super().message_and_aggregate(adj_t, x)


class PredictThenPropagate(nn.Module):
    """APPNP's model: dropout, linear, ReLU, dropout, linear, then :class:`FixedAPPNP`'s K
    steps, GCN's normalised adjacency with self-loops cached (``cached``).

    Shapes: ``x`` [N, F] (dense or sparse CSR), ``graph`` the transposed adjacency as a
    sparse CSR tensor [N, N]; output [N, C].
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int, steps: int, alpha: float,
                 dropout: float, cached: bool = True):
        super().__init__()
        self.arch, self.dropout = "appnp", dropout
        self.convs = nn.ModuleList([SparseInputLinear(in_channels, hidden), Linear(hidden, out_channels)])
        self.propagate = FixedAPPNP(steps, alpha, cached=cached)

    def forward(self, x: torch.Tensor, graph: torch.Tensor, hidden: bool = False):
        """Logits; with ``hidden`` also the MLP's hidden layer (what the graph never touched)."""
        h = F.relu(self.convs[0](feature_dropout(x, self.dropout, self.training)))
        x = self.propagate(self.convs[1](feature_dropout(h, self.dropout, self.training)), graph)
        return (h, x) if hidden else x


@register
class APPNPArchitecture(Architecture):
    """Gasteiger et al. 2019, Sec. 6: teleport alpha 0.1, K = ``layers`` = 10 steps, hidden 64,
    dropout 0.5, lr 0.01, weight decay 5e-3 on the first layer only."""

    name, label, color = "appnp", "APPNP", "#E45756"
    title = "APPNP, predict then propagate (Gasteiger et al. 2019)"
    tasks = ("node", "link")
    defaults = {"node": dict(hidden=64, layers=10, alpha=0.1, dropout=0.5, lr=0.01, weight_decay=5e-3),
                "link": dict(layers=10, alpha=0.1)}
    settings = (Setting("alpha", "Teleport probability", low=0.0, high=1.0, step=0.05, format="%.2f",
                        cli=False, help="APPNP's alpha: the share of each node's own prediction kept "
                                        "at every propagation step."),)
    decay_first_layer_only = True
    hears = "GCN's fixed weights times (1 − α), at each propagation step; α goes back to its own prediction."
    adds_self_loops = True
    batched_seeds = True
    inside_weights = True

    def model(self, in_channels: int, out_channels: int, settings: Mapping, cached: bool = True) -> nn.Module:
        return PredictThenPropagate(in_channels, settings["hidden"], out_channels, settings["layers"],
                                    settings["alpha"], settings["dropout"], cached)

    def batched_forward(self, stack, x, graph, hidden: bool = False):
        """PredictThenPropagate for S seeds (gnncore.gnn.kernels.batched): the MLP as batched
        linear maps, then the K steps over the block-diagonal normalised adjacency, in PyG's
        order of operations, so each seed's numbers are its model's alone."""
        model, seeds, w = stack.template, stack.seeds, stack.param
        prop = model.propagate
        h = F.relu(batched.linear(seeds.dropout(x, model.dropout), w("convs.0.weight"), w("convs.0.bias")))
        z = batched.linear(seeds.dropout(h, model.dropout), w("convs.1.weight"), w("convs.1.bias"))
        a = normalised_blocks(stack, graph, prop)
        out = z
        for _ in range(prop.K):
            out = batched.propagate(a, out)
            out = out * (1 - prop.alpha)
            out = out + prop.alpha * z
        return (h, out) if hidden else out

    def edge_weights(self, model, x, graph, edge_index):
        """Fixed, as GCN's, times (1 - alpha), the same at each of the K steps; the teleport
        alpha goes back to the node's own prediction, not along an edge."""
        edges, weight = normalised_adjacency(edge_index, x.size(0))
        return [EdgeWeights(1, edges, (1 - model.propagate.alpha) * weight.unsqueeze(-1))]
