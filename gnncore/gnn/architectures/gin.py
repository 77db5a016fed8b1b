r"""GIN-0 (Xu et al. 2019): the sum of the neighbours and the node itself through an MLP, as
injective as a message-passing layer can be:

.. math::
    x'_i = \mathrm{MLP}\big((1 + \epsilon) x_i + \sum_{j \in \mathcal{N}(i)} x_j\big), \quad \epsilon = 0
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import GINConv
from torch_geometric.nn.dense.linear import Linear

from gnncore.gnn.architectures.base import Layer, register
from gnncore.gnn.architectures.stack import Stacked
from gnncore.gnn.kernels import sparse

__all__ = ["GIN", "FixedGINConv"]


class FixedGINConv(GINConv):
    """PyG's GINConv (sum of the neighbours) whose product with the batch's adjacency uses
    the transpose joined from its graphs' (gnncore.gnn.tasks.graph.Graphs), not one sorted anew.

    Shapes as GINConv: ``x`` [N, F_in], ``adj_t`` the transposed adjacency as a sparse CSR
    tensor [N, N]; output [N, F_out].
    """

    def message_and_aggregate(self, adj_t, x):
        return sparse.mm(adj_t, x[0]) if isinstance(adj_t, torch.Tensor) else super().message_and_aggregate(adj_t, x)


@register
class GIN(Stacked):
    """Xu et al. 2019: GIN-0, a 2-layer MLP with batch norm per layer, sum readout."""

    name, label, color = "gin", "GIN", "#B279A2"
    title = "GIN-0, sum aggregation and a 2-layer MLP per layer (Xu et al. 2019)"
    tasks = ("graph",)
    defaults = {"graph": dict(readout="sum")}

    def conv(self, layer: Layer) -> nn.Module:
        n_in, n_out = layer.n_in, layer.n_out
        return FixedGINConv(nn.Sequential(Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.ReLU(),
                                          Linear(n_out, n_out)))
