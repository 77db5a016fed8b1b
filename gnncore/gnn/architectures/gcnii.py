r"""GCNII (Chen et al. 2020, "Simple and Deep Graph Convolutional Networks"): GCN made deep
by an initial residual and an identity mapping in every layer (their Eq. 5):

.. math::
    H^{(\ell+1)} = \sigma\Big(\big((1 - \alpha) \hat{P} H^{(\ell)} + \alpha H^{(0)}\big)
        \big((1 - \beta_\ell) I + \beta_\ell W^{(\ell)}\big)\Big), \quad
    \beta_\ell = \log\Big(\frac{\lambda}{\ell} + 1\Big),

with :math:`\hat{P}` GCN's normalised adjacency with self-loops (gnncore.gnn.architectures.gcn)
and :math:`H^{(0)}` the first linear layer's output. The initial residual keeps a share
alpha of every node's own representation at every depth, so the stack cannot smooth all
nodes into one; beta_l shrinks with depth, so deep layers stay close to the identity.
The layer is PyG's ``GCN2Conv``; the model is the authors' (chennnM/GCNII, ``model.py``).
"""

from __future__ import annotations

from typing import Mapping

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import GCN2Conv
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.nn.dense.linear import Linear

from gnncore.gnn.architectures.base import Architecture, EdgeWeights, register
from gnncore.gnn.architectures.gcn import normalised_adjacency
from gnncore.gnn.architectures.inputs import SparseInputLinear, feature_dropout
from gnncore.gnn.kernels import sparse
from gnncore.protocol import Setting

__all__ = ["DeepResidualGCN", "FixedGCN2Conv", "GCNII"]


class FixedGCN2Conv(GCN2Conv):
    """PyG's GCN2Conv whose product with the normalised adjacency keeps its transpose
    (gnncore.gnn.kernels.sparse), as FixedGCNConv's.

    Shapes as GCN2Conv: ``x`` and ``x_0`` [N, C], ``adj_t`` the normalised transposed
    adjacency as a sparse CSR tensor [N, N] (``normalize=False``: the model normalises it
    once for all its layers); output [N, C].
    """

    def message_and_aggregate(self, adj_t, x):
        return sparse.mm(adj_t, x) if isinstance(adj_t, torch.Tensor) else super().message_and_aggregate(adj_t, x)


class DeepResidualGCN(nn.Module):
    """GCNII's model as the authors' code builds it: dropout, linear, ReLU (H^(0)), then
    ``layers`` times [dropout, GCN2Conv(H, H^(0)), ReLU], then dropout, linear.

    Parameters: ``lins`` (the two dense layers) and ``convs`` (the GCN2Conv weights, no
    bias), named apart because the authors decay them apart (:meth:`GCNII.weight_decay`).
    Shapes: ``x`` [N, F] (dense or sparse CSR), ``graph`` the transposed adjacency as a sparse
    CSR tensor [N, N] without self-loops (gnncore.gnn.architectures.inputs.graph_input);
    output [N, C].
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int, layers: int, alpha: float,
                 lam: float, dropout: float, cached: bool = True):
        super().__init__()
        self.arch, self.dropout, self.cached = "gcnii", dropout, cached
        self.lins = nn.ModuleList([SparseInputLinear(in_channels, hidden), Linear(hidden, out_channels)])
        self.convs = nn.ModuleList(FixedGCN2Conv(hidden, alpha, theta=lam, layer=i + 1, normalize=False)
                                   for i in range(layers))
        self._adjacency: tuple[torch.Tensor, torch.Tensor] | None = None

    def normalised(self, graph: torch.Tensor) -> torch.Tensor:
        """D^-1/2 (A + I) D^-1/2 made once per graph for every layer (kept where ``cached``)."""
        if self._adjacency is not None and self._adjacency[0] is graph:
            return self._adjacency[1]
        adj = sparse.fix(gcn_norm(graph, None, graph.size(0), add_self_loops=True, dtype=torch.float)[0])
        if self.cached:
            self._adjacency = (graph, adj)
        return adj

    def forward(self, x: torch.Tensor, graph: torch.Tensor, hidden: bool = False):
        """Logits; with ``hidden`` also the last convolution's output (the classifier's input)."""
        adj = self.normalised(graph)
        h = x0 = F.relu(self.lins[0](feature_dropout(x, self.dropout, self.training)))
        for conv in self.convs:
            h = F.relu(conv(feature_dropout(h, self.dropout, self.training), x0, adj))
        out = self.lins[1](feature_dropout(h, self.dropout, self.training))
        return (h, out) if hidden else out


@register
class GCNII(Architecture):
    """Chen et al. 2020, semi-supervised (their ``semi.sh`` and ``train.py``): Cora 64 layers of
    64 units, lambda 0.5, alpha 0.1, dropout 0.6, lr 0.01, weight decay 0.01 on the
    convolutions and 5e-4 on the dense layers, up to 1500 epochs, patience 100 on the
    validation loss, the test accuracy at the epoch of lowest validation loss; CiteSeer 32
    layers of 256, lambda 0.6, dropout 0.7; PubMed 16 layers of 256, lambda 0.4, dropout 0.5,
    weight decay 5e-4 on the convolutions too."""

    name, label, color = "gcnii", "GCNII", "#9D755D"
    title = "GCNII, initial residual and identity mapping (Chen et al. 2020)"
    tasks = ("node", "link")
    defaults = {"node": dict(hidden=64, layers=64, residual_alpha=0.1, identity_lambda=0.5, dropout=0.6,
                             lr=0.01, weight_decay=0.01, dense_weight_decay=5e-4,
                             epochs=1500, patience=100, select="loss"),
                "node/CiteSeer": dict(layers=32, hidden=256, identity_lambda=0.6, dropout=0.7),
                "node/PubMed": dict(layers=16, hidden=256, identity_lambda=0.4, dropout=0.5, weight_decay=5e-4),
                # GAE's setup (gnncore.gnn.tasks.link) with the authors' alpha and lambda.
                "link": dict(residual_alpha=0.1, identity_lambda=0.5)}
    settings = (Setting("residual_alpha", "Initial residual α", low=0.0, high=1.0, step=0.05, format="%.2f",
                        cli=False, help="GCNII's alpha: the share of the first layer's output H⁽⁰⁾ "
                                        "mixed into every layer's input."),
                Setting("identity_lambda", "Identity mapping λ", low=0.0, low_open=True, high=10.0, step=0.1,
                        format="%.2f", cli=False,
                        help="GCNII's lambda: layer ℓ's weight counts β = log(λ/ℓ + 1), the rest "
                             "is the identity, so deeper layers stay closer to it."),
                Setting("dense_weight_decay", "Weight decay, dense layers", low=0.0, high=1.0, step=1e-4,
                        format="%.4f", cli=False,
                        help="GCNII's L2 penalty on its two linear layers; Weight decay is the "
                             "convolutions' (the authors' wd2 and wd1)."))
    hears = "GCN's fixed weights times (1 − α) in every layer; α comes from its own first-layer output."
    adds_self_loops = True
    inside_weights = True

    def model(self, in_channels: int, out_channels: int, settings: Mapping, cached: bool = True) -> nn.Module:
        return DeepResidualGCN(in_channels, settings["hidden"], out_channels, settings["layers"],
                               settings["residual_alpha"], settings["identity_lambda"], settings["dropout"], cached)

    def weight_decay(self, parameter: str, settings: Mapping) -> float:
        """The authors' two groups: ``weight_decay`` on the convolutions (their wd1),
        ``dense_weight_decay`` on the two linear layers (wd2)."""
        return settings["dense_weight_decay"] if parameter.startswith("lins.") else settings["weight_decay"]

    def edge_weights(self, model, x, graph, edge_index):
        """Fixed, as GCN's, times (1 - alpha), the same in every layer; the initial residual
        alpha comes from the node's own H^(0), not along an edge."""
        edges, weight = normalised_adjacency(edge_index, x.size(0))
        alpha = model.convs[0].alpha
        return [EdgeWeights(1, edges, (1 - alpha) * weight.unsqueeze(-1))]
