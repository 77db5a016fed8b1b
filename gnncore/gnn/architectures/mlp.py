"""The structure-agnostic baseline: linear layers that never see an edge,

.. math::
    x'_i = W x_i + b,

ReLU between them; what a GNN scores above it is what the graph adds.
"""

from __future__ import annotations

from torch import nn

from gnncore.gnn.architectures.base import Layer, register
from gnncore.gnn.architectures.inputs import SparseInputLinear
from gnncore.gnn.architectures.stack import Stacked
from gnncore.gnn.kernels import batched

__all__ = ["MLP"]


@register
class MLP(Stacked):
    """Kipf & Welling's MLP row; for graphs, Errica et al. 2020's baseline, summed then
    classified."""

    name, label, color = "mlp", "MLP", "#8C8C8C"
    title = "MLP baseline (ignores the edges)"
    defaults = {"node": dict(hidden=16, dropout=0.5, lr=0.01, weight_decay=5e-4),
                "node/shchur": dict(hidden=64, dropout=0.8, lr=0.005, weight_decay=0.01),
                "node/geom": dict(hidden=64),
                "graph": dict(readout="sum")}
    uses_graph = False
    hears = "nothing: it predicts from the node's own features."
    batched_seeds = True

    def conv(self, layer: Layer) -> nn.Module:
        return SparseInputLinear(layer.n_in, layer.n_out)

    def batched_layer(self, stack, i, x, graph):
        return batched.linear(x, stack.param(f"convs.{i}.weight"), stack.param(f"convs.{i}.bias"))
