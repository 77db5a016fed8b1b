"""GAT (Velickovic et al. 2018): each head learns how much a node hears from each neighbour.

.. math::
    \\alpha_{ij} = \\mathrm{softmax}_{j \\in \\mathcal{N}(i) \\cup \\{i\\}}
        \\left(\\mathrm{LeakyReLU}(a_s^\\top W x_j + a_t^\\top W x_i)\\right), \\quad
    x'_i = \\big\\Vert_{h} \\sum_j \\alpha^h_{ij} W^h x_j

(heads concatenated in hidden layers, averaged in the output layer).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import GATConv
from torch_geometric.utils import softmax

from gnncore.gnn.architectures.base import EdgeWeights, Layer, register
from gnncore.gnn.architectures.inputs import feature_dropout, takes_sparse_input
from gnncore.gnn.architectures.stack import Stacked
from gnncore.gnn.kernels import batched, sparse
from gnncore.protocol import Setting

__all__ = ["ATTENTION_DROPOUT", "GAT", "GATConvUniformDropout", "HEADS", "OUT_HEADS"]


class GATConvUniformDropout(GATConv):
    """PyG's GATConv with the dropout of the GAT authors' code, drawn through
    :func:`~gnncore.gnn.architectures.inputs.feature_dropout`.

    Besides dropout on the attention coefficients (as PyG's GATConv), the reference
    implementation (PetarV-/GAT, ``utils/layers.py``, ``attn_head``) also drops each node's
    transformed features before they are aggregated, with the same rate; PyG's layer does
    not. Without it GAT on CiteSeer stays about a point below its paper (docs/decisions.md).
    ``feature_dropout`` sets that rate apart from the attention's (``dropout``), as Shchur et
    al. (2018) did (0.6 on features, 0.3 on attention); None: the same rate.

    Shapes as GATConv: ``x`` [N, F_in] (dense or sparse CSR), ``edge_index`` [2, E] sorted
    by target with self-loops (gnncore.gnn.kernels.sparse.by_target); output [N, H * F_out]
    (``concat``) or [N, F_out].
    """

    def __init__(self, *args, feature_dropout: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.feature_rate = self.dropout if feature_dropout is None else feature_dropout
        if self.lin is not None:
            takes_sparse_input(self.lin)

    def edge_updater(self, edge_index, size=None, **kwargs):
        # Edges sorted by target: the softmax over each node's incoming edges runs as segments
        # instead of PyG's scatters (docs/decisions.md, Large graphs).
        self._ptr = sparse.target_pointer(edge_index) if isinstance(edge_index, torch.Tensor) else None
        return super().edge_updater(edge_index, size=size, **kwargs)

    def edge_update(self, alpha_j, alpha_i, edge_attr, index, ptr, dim_size):
        if ptr is None:
            ptr = getattr(self, "_ptr", None)
        dropout, self.dropout = self.dropout, 0.0  # the parent's dropout becomes a no-op
        try:
            alpha = super().edge_update(alpha_j, alpha_i, edge_attr, index, ptr, dim_size)
        finally:
            self.dropout = dropout
        return feature_dropout(alpha, dropout, self.training)

    def propagate(self, edge_index, size=None, **kwargs):
        # The node's features are dropped once (per head and channel) for all its edges,
        # after the attention logits were computed from them, as in the reference code.
        if self.training and self.feature_rate > 0:
            x_src, x_dst = kwargs["x"]
            kwargs["x"] = (feature_dropout(x_src, self.feature_rate, True), x_dst)
        x_src, x_dst = kwargs["x"]
        if ("alpha" in kwargs and isinstance(edge_index, torch.Tensor) and not edge_index.is_sparse
                and size is None and (x_dst is None or x_dst.size(0) == x_src.size(0))):
            # The attention-weighted sum as one sparse product, not per-edge gathers and scatters.
            return sparse.edge_aggregate(edge_index, kwargs["alpha"], x_src)
        return super().propagate(edge_index, size=size, **kwargs)


# Shared with GPS's global attention (gnncore.gnn.architectures.gps).
HEADS = Setting("heads", "Attention heads", type=int, low=1, high=16, step=1, cli=False,
                help="Attention heads: GAT's in the hidden layers, concatenated; GPS's, which share "
                     "the hidden units among them.")
OUT_HEADS = Setting("out_heads", "Output heads", type=int, low=1, high=16, step=1, cli=False,
                    help="GAT's heads in the output layer, averaged.")
ATTENTION_DROPOUT = Setting("attention_dropout", "Attention dropout", low=0.0, high=0.95, step=0.05,
                            format="%.2f", cli=False,
                            help="Dropout on the attention coefficients; for GAT unset is the same as "
                                 "Dropout (Velickovic et al.); Shchur et al. 2018 used 0.3 beside 0.6.")


@register
class GAT(Stacked):
    """Velickovic et al. 2018, Sec. 3.3: 8 heads of 8 units, one output head, dropout 0.6,
    lr 0.005, weight decay 5e-4 (PubMed's own under ``node/PubMed``); on the Geom-GCN
    splits Zhu et al. 2020 kept these 8 x 8. For links, GAE's 32-unit hidden layer as 4
    heads of 8; for graphs, 4 heads of 16 (of 8 on Tree-NeighborsMatch, as its authors)."""

    name, label, color = "gat", "GAT", "#54A24B"
    title = "GAT (Velickovic et al. 2018)"
    defaults = {"node": dict(hidden=8, heads=8, out_heads=1, dropout=0.6, lr=0.005, weight_decay=5e-4),
                # PubMed: 8 output heads, lr 0.01, weight decay 0.001 and early stopping "on
                # the loss only" (Sec. 3.3).
                "node/PubMed": dict(out_heads=8, lr=0.01, weight_decay=1e-3, select="loss"),
                # Shchur et al. kept the 8 x 8 heads and dropout 0.6 on the features.
                "node/shchur": dict(attention_dropout=0.3, lr=0.01, weight_decay=0.01),
                "link": dict(hidden=8, heads=4, out_heads=1),
                "graph": dict(hidden=16, heads=4),
                # Tree-NeighborsMatch (tech-srl/bottleneck, common.py): 4 heads of 8, 32 units in all.
                "graph/fit": dict(hidden=8)}
    settings = (HEADS, OUT_HEADS, ATTENTION_DROPOUT)
    edge_index = True
    hears = "learned attention, summing to 1 over the neighbours and the node itself."
    batched_seeds = True
    inside_weights = True

    @staticmethod
    def act(x: torch.Tensor) -> torch.Tensor:
        return F.elu(x)

    def width(self, settings) -> int:
        return settings["hidden"] * settings["heads"]

    def conv(self, layer: Layer) -> nn.Module:
        p = layer.settings
        if layer.graph_level:  # graph_input adds the self-loops
            return GATConv(layer.n_in, layer.n_out, heads=p["heads"], add_self_loops=False)
        heads = p["out_heads"] if layer.last else p["heads"]
        rate = p["dropout"]
        # attention_dropout unset is the paper's one rate for both, not a default of its own.
        return GATConvUniformDropout(layer.n_in, layer.n_out, heads=heads, concat=not layer.last,
                                     dropout=p.get("attention_dropout", rate), feature_dropout=rate,
                                     add_self_loops=False)

    def batched_layer(self, stack, i, x, graph):
        """GATConvUniformDropout for S seeds: the layer on the graph's S copies, the same
        draws in the same order as each seed alone (attention, then features)."""
        conv, w, seeds = stack.template.convs[i], stack.param, stack.seeds
        heads, c = conv.heads, conv.out_channels
        h = batched.linear(x, w(f"convs.{i}.lin.weight"))
        s, n = h.size(0), h.size(1)
        h = h.view(s, n, heads, c)
        a_src = (h * w(f"convs.{i}.att_src")).sum(-1).view(s * n, heads)  # att_src: [S, 1, H, C]
        a_dst = (h * w(f"convs.{i}.att_dst")).sum(-1).view(s * n, heads)
        edges = stack.cached("edges", lambda: batched.block_edges(graph, n, s))
        src, dst = edges
        alpha = a_src.index_select(0, src) + a_dst.index_select(0, dst)
        alpha = softmax(F.leaky_relu(alpha, conv.negative_slope), dst, sparse.target_pointer(edges), s * n)
        alpha = seeds.dropout(alpha.view(s, -1, heads), conv.dropout).view(-1, heads)
        h = seeds.dropout(h, conv.feature_rate)
        out = sparse.edge_aggregate(edges, alpha, h.reshape(s * n, heads, c)).view(s, n, heads, c)
        out = out.reshape(s, n, heads * c) if conv.concat else out.mean(dim=2)
        return batched.plus(out, w(f"convs.{i}.bias"))

    def edge_weights(self, model, x, graph, edge_index):
        """Learned: each head's attention, from PyG's ``return_attention_weights``, layer by
        layer on the trained model's own inputs (the self-loops are in ``graph``)."""
        out = []
        with torch.no_grad():
            for i, conv in enumerate(model.convs):
                x, (edges, alpha) = conv(x, graph, return_attention_weights=True)
                out.append(EdgeWeights(i + 1, edges, alpha))
                x = self.act(x)
        return out
