"""GraphSAGE with mean aggregation (Hamilton et al. 2017): a node's own term beside the mean
of its neighbours, each through a weight matrix of its own.

.. math::
    x'_i = W_1 x_i + W_2 \\cdot \\mathrm{mean}_{j \\in \\mathcal{N}(i)} x_j + b
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import SAGEConv
from torch_geometric.utils import degree

from gnncore.gnn.architectures.base import EdgeWeights, Layer, register
from gnncore.gnn.architectures.inputs import takes_sparse_input
from gnncore.gnn.architectures.stack import Stacked
from gnncore.gnn.kernels import batched, sparse

__all__ = ["GraphSAGE", "SAGEMeanConv"]


class SAGEMeanConv(SAGEConv):
    """PyG's SAGEConv (mean aggregation) that applies ``lin_l`` (W_2) before aggregating.

    mean_j(x_j) W = mean_j(x_j W), so the numbers are the same, but the neighbour mean runs
    over ``out_channels`` instead of ``in_channels`` (64 instead of 1433 on Cora) and the
    input may stay sparse. DGL's SAGEConv does the same ("lin_before_mp"); PyG's does not.

    Shapes: ``x`` [N, F_in] (dense or sparse CSR), ``edge_index`` the transposed adjacency
    as a sparse CSR tensor [N, N] (or PyG's [2, E]); output [N, F_out].
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(in_channels, out_channels, aggr="mean")
        takes_sparse_input(self.lin_r)

    def forward(self, x, edge_index, size=None):
        h = sparse.linear(x, self.lin_l.weight)
        out = self.propagate(edge_index, x=(h, h), size=size)
        if self.lin_l.bias is not None:
            out = out + self.lin_l.bias
        return out + self.lin_r(x)


@register
class GraphSAGE(Stacked):
    """Hamilton et al. 2017 give no Planetoid setting: GCN's training setup with 64 hidden
    units, as in PyG's examples."""

    name, label, color = "sage", "GraphSAGE", "#F58518"
    title = "GraphSAGE, mean aggregation (Hamilton et al. 2017)"
    defaults = {"node": dict(hidden=64, dropout=0.5, lr=0.01, weight_decay=5e-4),
                "node/shchur": dict(hidden=32, dropout=0.4, lr=0.001, weight_decay=0.1),
                "node/geom": dict(hidden=64)}
    hears = "its neighbours share weight 1 (their mean); the node itself adds its own, through a matrix of its own."
    batched_seeds = True
    inside_weights = True

    def conv(self, layer: Layer) -> nn.Module:
        return SAGEMeanConv(layer.n_in, layer.n_out)

    def batched_layer(self, stack, i, x, graph):
        conv, w = stack.template.convs[i], stack.param
        h = batched.linear(x, w(f"convs.{i}.lin_l.weight"))
        s, n, c = h.shape
        flat = h.reshape(s * n, c)
        mean = conv.propagate(stack.seeds.block(graph), x=(flat, flat)).view(s, n, c)
        return batched.plus(mean, w(f"convs.{i}.lin_l.bias")) + batched.linear(
            x, w(f"convs.{i}.lin_r.weight"), w(f"convs.{i}.lin_r.bias"))

    def edge_weights(self, model, x, graph, edge_index):
        """The neighbour mean, 1/d_i on every edge j -> i, and weight 1 on the self term, which
        has a weight matrix of its own."""
        n, m = x.size(0), edge_index.size(1)
        deg = degree(edge_index[1], n).clamp(min=1)
        edges = torch.cat([edge_index, torch.arange(n).expand(2, n)], 1)
        weight = torch.cat([1.0 / deg[edge_index[1]], torch.ones(n)]).unsqueeze(-1)
        own = torch.arange(m + n) >= m  # a self-loop in the data is one of the neighbours
        return [EdgeWeights(i + 1, edges, weight, own) for i in range(len(model.convs))]
