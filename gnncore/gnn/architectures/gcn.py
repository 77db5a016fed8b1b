"""GCN (Kipf & Welling 2017): each layer averages the neighbours with fixed weights.

.. math::
    X' = \\hat{D}^{-1/2} \\hat{A} \\hat{D}^{-1/2} X W + b, \\quad \\hat{A} = A + I,

with :math:`\\hat{D}_{ii} = \\sum_j \\hat{A}_{ij}`: an edge j -> i weighs 1/sqrt(d_i d_j),
degrees counting the self-loop.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import GCNConv
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import remove_self_loops

from gnncore.gnn.architectures.base import EdgeWeights, Layer, register
from gnncore.gnn.architectures.inputs import takes_sparse_input
from gnncore.gnn.architectures.stack import Stacked
from gnncore.gnn.kernels import batched, sparse

__all__ = ["GCN", "FixedGCNConv", "normalised_adjacency", "normalised_blocks"]


class FixedGCNConv(GCNConv):
    """PyG's GCNConv whose product with the (cached) normalised adjacency keeps its transpose
    (gnncore.gnn.kernels.sparse), and whose linear map takes sparse features.

    Args and shapes as GCNConv: ``x`` [N, F_in] (dense or sparse CSR), ``adj_t`` the
    transposed adjacency as a sparse CSR tensor [N, N]; output [N, F_out].
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        takes_sparse_input(self.lin)

    def message_and_aggregate(self, adj_t, x):
        return sparse.mm(adj_t, x) if isinstance(adj_t, torch.Tensor) else super().message_and_aggregate(adj_t, x)


@register
class GCN(Stacked):
    """Kipf & Welling 2017, Sec. 5.1: hidden 16, dropout 0.5, lr 0.01, weight decay 5e-4 on the
    first layer only (as in their code)."""

    name, label, color = "gcn", "GCN", "#4C78A8"
    title = "GCN (Kipf & Welling 2017)"
    defaults = {"node": dict(hidden=16, dropout=0.5, lr=0.01, weight_decay=5e-4),
                # Shchur et al. 2018's tuned settings (shchur/gnn-benchmark, config/optimized).
                "node/shchur": dict(hidden=64, dropout=0.8, lr=0.01, weight_decay=1e-3),
                # Zhu et al. 2020's baselines on the Geom-GCN splits (GemsLab/H2GCN configs).
                "node/geom": dict(hidden=64),
                # Ying et al. 2019 (RexYing/gnn-model-explainer, configs.py): 20 units, no dropout,
                # weight decay 0.005 on the planted-motif benchmarks; lr 0.01, not their 0.001: with
                # the normalised adjacency 1000 epochs at 0.001 stay at the majority class (measured).
                "node/explain": dict(hidden=20, dropout=0.0, lr=0.01, weight_decay=5e-3)}
    decay_first_layer_only = True
    hears = "1/√(dᵢdⱼ) on each edge, self-loop included, fixed by the degrees before training."
    adds_self_loops = True
    batched_seeds = True
    inside_weights = True

    def conv(self, layer: Layer) -> nn.Module:
        # Inside a GraphModel the graph comes normalised (graph_level_input), not once per layer.
        return FixedGCNConv(layer.n_in, layer.n_out, cached=layer.cached and not layer.graph_level,
                            normalize=not layer.graph_level)

    def graph_level_input(self, graph):
        """D^-1/2 (A + I) D^-1/2 as GCNConv makes it from the adjacency."""
        return gcn_norm(graph, None, graph.size(0), add_self_loops=True, dtype=torch.float)[0]

    def batched_layer(self, stack, i, x, graph):
        a = normalised_blocks(stack, graph, stack.template.convs[i])
        h = batched.propagate(a, batched.linear(x, stack.param(f"convs.{i}.lin.weight")))
        return batched.plus(h, stack.param(f"convs.{i}.bias"))

    def edge_weights(self, model, x, graph, edge_index):
        """Fixed by the graph, the same in every layer: 1/sqrt(d_i d_j), degrees with self-loops."""
        edges, weight = normalised_adjacency(edge_index, x.size(0))
        return [EdgeWeights(i + 1, edges, weight.unsqueeze(-1)) for i in range(len(model.convs))]


def normalised_adjacency(edge_index: torch.Tensor, num_nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """GCN's D^-1/2 (A + I) D^-1/2 as (edges, weights), one self-loop per node as the layer has."""
    return gcn_norm(remove_self_loops(edge_index)[0], None, num_nodes, add_self_loops=True)


def normalised_blocks(stack, graph, layer) -> torch.Tensor:
    """The seeds' block-diagonal adjacency normalised as ``layer`` (GCNConv, APPNP) normalises
    it, made once per batch."""
    return stack.cached("gcn_norm", lambda: stack.seeds.block(batched.each(graph, lambda g: gcn_norm(
        g, None, g.size(0), getattr(layer, "improved", False), layer.add_self_loops, layer.flow, torch.float)[0])))
