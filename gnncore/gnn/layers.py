"""The layers the architectures are built from, where PyG's own need a change for this
project: GraphSAGE's mean with the linear map first, GAT with its authors' dropout, and
dropout that takes sparse CSR features.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch_geometric.nn import GATConv, SAGEConv


class SAGEMeanConv(SAGEConv):
    """PyG's SAGEConv (mean aggregation) that applies ``lin_l`` before aggregating.

    mean_j(x_j) W = mean_j(x_j W), so the numbers are the same, but the neighbour mean runs
    over ``out_channels`` instead of ``in_channels`` (64 instead of 1433 on Cora) and the
    input may stay sparse. DGL's SAGEConv does the same ("lin_before_mp"); PyG's does not.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(in_channels, out_channels, aggr="mean")

    def forward(self, x, edge_index, size=None):
        h = F.linear(x, self.lin_l.weight)
        out = self.propagate(edge_index, x=(h, h), size=size)
        if self.lin_l.bias is not None:
            out = out + self.lin_l.bias
        return out + self.lin_r(x)


class GATConvUniformDropout(GATConv):
    """PyG's GATConv with the dropout of the GAT authors' code, drawn through
    :func:`feature_dropout`.

    Besides dropout on the attention coefficients (as PyG's GATConv), the reference
    implementation (PetarV-/GAT, ``utils/layers.py``, ``attn_head``) also drops each node's
    transformed features before they are aggregated, with the same rate; PyG's layer does
    not. Without it GAT on CiteSeer stays about a point below its paper (docs/decisions.md).
    ``feature_dropout`` sets that rate apart from the attention's (``dropout``), as Shchur et
    al. (2018) did (0.6 on features, 0.3 on attention); None: the same rate.
    """

    def __init__(self, *args, feature_dropout: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.feature_rate = self.dropout if feature_dropout is None else feature_dropout

    def edge_update(self, alpha_j, alpha_i, edge_attr, index, ptr, dim_size):
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
        return super().propagate(edge_index, size=size, **kwargs)


def sparse_if_mostly_zero(x: torch.Tensor, density: float = 0.3) -> torch.Tensor:
    """Bag-of-words features as sparse CSR, where that saves work."""
    if x.numel() and torch.count_nonzero(x) < density * x.numel():
        return x.to_sparse_csr()
    return x


def feature_dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Inverted dropout drawn from a uniform sample; also takes a sparse CSR ``x``.

    For a sparse input only the stored non-zeros are dropped: the same distribution as
    dense dropout (a dropped zero is still zero) at a hundredth of the cost; Kipf's GCN code
    does the same (``sparse_dropout``). Written here because ``F.dropout`` takes no sparse
    CSR tensors, and on a CPU its ``bernoulli_`` draw costs about three times a uniform one.
    """
    if not training or p == 0:
        return x
    if x.layout != torch.sparse_csr:
        return x * ((torch.rand_like(x) >= p) / (1 - p))
    values = x.values()
    keep = torch.rand_like(values) >= p
    return torch.sparse_csr_tensor(x.crow_indices(), x.col_indices(), values * keep / (1 - p), x.size())


