"""The layers the architectures are built from, where PyG's own need a change for this
project: GraphSAGE's mean with the linear map first, GAT with its authors' dropout, dropout
that takes sparse CSR features, and products with fixed sparse matrices whose transpose is
built once (:mod:`gnncore.gnn.kernels.sparse`) in GCN's, APPNP's, GIN's and every first linear map.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch_geometric.nn import APPNP, GATConv, GCNConv, GINConv, SAGEConv
from torch_geometric.nn.dense.linear import Linear

from gnncore.gnn.kernels import sparse


class SparseInputLinear(Linear):
    """PyG's Linear, with a sparse CSR input multiplied through :func:`gnncore.gnn.kernels.sparse.linear`
    (the features' transpose built once, not at every backward)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sparse.linear(x, self.weight, self.bias)


def takes_sparse_input(lin: Linear) -> Linear:
    """``lin`` as a :class:`SparseInputLinear`: the same parameters, already initialised, so
    the random stream of the model's initialisation is the one PyG's layers draw."""
    lin.__class__ = SparseInputLinear  # a subclass that only changes forward, as parametrize does
    return lin


class FixedGCNConv(GCNConv):
    """PyG's GCNConv whose product with the (cached) normalised adjacency keeps its transpose."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        takes_sparse_input(self.lin)

    def message_and_aggregate(self, adj_t, x):
        return sparse.mm(adj_t, x) if isinstance(adj_t, torch.Tensor) else super().message_and_aggregate(adj_t, x)


class FixedAPPNP(APPNP):
    """PyG's APPNP propagation, its K products with the normalised adjacency as in FixedGCNConv."""

    def message_and_aggregate(self, adj_t, x):
        return sparse.mm(adj_t, x) if isinstance(adj_t, torch.Tensor) else super().message_and_aggregate(adj_t, x)


class FixedGINConv(GINConv):
    """PyG's GINConv (sum of the neighbours) whose product with the batch's adjacency uses
    the transpose joined from its graphs' (gnncore.gnn.tasks.graph.Graphs), not one sorted anew."""

    def message_and_aggregate(self, adj_t, x):
        return sparse.mm(adj_t, x[0]) if isinstance(adj_t, torch.Tensor) else super().message_and_aggregate(adj_t, x)


class SAGEMeanConv(SAGEConv):
    """PyG's SAGEConv (mean aggregation) that applies ``lin_l`` before aggregating.

    mean_j(x_j) W = mean_j(x_j W), so the numbers are the same, but the neighbour mean runs
    over ``out_channels`` instead of ``in_channels`` (64 instead of 1433 on Cora) and the
    input may stay sparse. DGL's SAGEConv does the same ("lin_before_mp"); PyG's does not.
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
        if self.lin is not None:
            takes_sparse_input(self.lin)

    def edge_updater(self, edge_index, size=None, **kwargs):
        # Edges sorted by target (gnncore.gnn.kernels.sparse.by_target): the softmax over each node's
        # incoming edges runs as segments, 5-15x faster on a CPU than PyG's scatters.
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
            # The attention-weighted sum as one sparse product (GAT's epoch was mostly this).
            return sparse.edge_aggregate(edge_index, kwargs["alpha"], x_src)
        return super().propagate(edge_index, size=size, **kwargs)


def sparse_if_mostly_zero(x: torch.Tensor, density: float = 0.3) -> torch.Tensor:
    """Bag-of-words features as sparse CSR, where that saves work (its transpose built now)."""
    if x.numel() and torch.count_nonzero(x) < density * x.numel():
        return sparse.fix(x.to_sparse_csr())
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
    return sparse.with_values(x, values * keep / (1 - p))


