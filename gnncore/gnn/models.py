"""GCN, GraphSAGE, GAT and the MLP baseline behind one constructor, built from PyG's layers.

Every model is the same two-part shape as in the papers: dropout on each layer's input,
a graph convolution, a nonlinearity between layers. The MLP swaps the convolutions for
linear layers and never looks at the graph, which makes it the structure-agnostic baseline.

Inputs: ``x`` of shape [N, F], dense or a ``torch.sparse_csr`` tensor (bag-of-words
features are ~99% zeros, and dropping out and multiplying only the non-zeros is what makes
an epoch on Cora take milliseconds); ``graph`` as :func:`graph_input` builds it for the
architecture. Output: [N, C] logits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import (GATConv, GCNConv, GINConv, SAGEConv, global_add_pool, global_max_pool,
                                global_mean_pool)
from torch_geometric.nn.dense.linear import Linear
from torch_geometric.utils import add_remaining_self_loops, to_torch_csr_tensor

ARCHITECTURES = {
    "gcn": "GCN (Kipf & Welling 2017)",
    "sage": "GraphSAGE, mean aggregation (Hamilton et al. 2017)",
    "gat": "GAT (Velickovic et al. 2018)",
    "mlp": "MLP baseline (ignores the edges)",
}


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
    not. With it, 10 seeds on CiteSeer gave 72.3 +- 0.6 (paper 72.5 +- 0.7) instead of
    71.4 +- 0.7, on Cora 82.6 +- 0.9 (83.0 +- 0.7) instead of 82.5 +- 0.8, on PubMed
    79.1 +- 0.5 (79.0 +- 0.3). The draws are uniform: ``F.dropout``'s ``bernoulli_`` is the largest single cost of a GAT epoch on Cora
    on a CPU.
    """

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
        if self.training and self.dropout > 0:
            x_src, x_dst = kwargs["x"]
            kwargs["x"] = (feature_dropout(x_src, self.dropout, True), x_dst)
        return super().propagate(edge_index, size=size, **kwargs)


def graph_input(arch: str, edge_index: torch.Tensor, num_nodes: int) -> torch.Tensor:
    """The graph in the form each architecture runs fastest on a CPU.

    GCN, GraphSAGE and the MLP take the transposed adjacency as a sparse CSR tensor: one
    sparse-dense product replaces PyG's gather/scatter message passing. GAT needs per-edge
    attention, so it keeps ``edge_index``, with self-loops added once here instead of in
    every forward pass.
    """
    if arch == "gat":
        return add_remaining_self_loops(edge_index, num_nodes=num_nodes)[0]
    return to_torch_csr_tensor(edge_index.flip(0), size=(num_nodes, num_nodes))


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


class NodeModel(nn.Module):
    """A stack of ``layers`` graph convolutions of one architecture.

    Args:
        arch: ``gcn``, ``sage``, ``gat`` or ``mlp``.
        in_channels, hidden, out_channels: feature sizes; for GAT ``hidden`` is per head.
        layers: number of convolutions (the papers use 2).
        dropout: dropout rate on every layer's input (and GAT's attention coefficients).
        heads: GAT attention heads in hidden layers (concatenated).
        out_heads: GAT heads in the output layer (averaged).
        cached: let GCN cache its normalised adjacency; right only when the graph is fixed.
    """

    def __init__(self, arch: str, in_channels: int, hidden: int, out_channels: int, layers: int = 2,
                 dropout: float = 0.5, heads: int = 8, out_heads: int = 1, cached: bool = True):
        super().__init__()
        if arch not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {arch!r}")
        self.arch, self.dropout = arch, dropout
        self.act = F.elu if arch == "gat" else F.relu
        sizes = [in_channels] + [hidden] * (layers - 1) + [out_channels]
        self.convs = nn.ModuleList()
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = i == layers - 1
            if arch == "gcn":
                conv = GCNConv(n_in, n_out, cached=cached)
            elif arch == "sage":
                conv = SAGEMeanConv(n_in, n_out)
            elif arch == "gat":
                n_in = n_in * heads if i > 0 else n_in
                conv = GATConvUniformDropout(n_in, n_out, heads=out_heads if last else heads, concat=not last,
                               dropout=dropout, add_self_loops=False)  # graph_input adds them
            else:
                conv = Linear(n_in, n_out)
            self.convs.append(conv)

    def forward(self, x: torch.Tensor, graph: torch.Tensor) -> torch.Tensor:
        for i, conv in enumerate(self.convs):
            x = feature_dropout(x, self.dropout, self.training)
            x = conv(x) if self.arch == "mlp" else conv(x, graph)
            if i < len(self.convs) - 1:
                x = self.act(x)
        return x


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ---- graph-level models (graph classification) ----

GRAPH_ARCHITECTURES = {
    "gcn": ARCHITECTURES["gcn"],
    "sage": ARCHITECTURES["sage"],
    "gat": ARCHITECTURES["gat"],
    "gin": "GIN-0, sum aggregation and a 2-layer MLP per layer (Xu et al. 2019)",
    "mlp": "structure-agnostic baseline: MLP on each node, then the readout (Errica et al. 2020)",
}


READOUTS = {"mean": global_mean_pool, "sum": global_add_pool, "max": global_max_pool}


class GraphModel(nn.Module):
    """Node embeddings from ``layers`` convolutions, a readout over each graph, an MLP head.

    h^(l) = act(BatchNorm(conv_l(h^(l-1), A))) for l = 1 .. ``layers``, then
    y_G = W_2 dropout(relu(BatchNorm(W_1 readout_{v in G} [h_v^(1) || ... || h_v^(L)]))).

    As in Xu et al. (2019), every variant gets batch normalisation after each layer, and
    the readout sees every layer's output, concatenated (their Eq. 4.2; Errica et al.
    2020's GraphSAGE and GIN do the same): shallow features such as atom types survive the
    smoothing of deeper layers. The head normalises too, because a sum readout grows with
    the graph: without it the first updates blow up and every ReLU of the head dies
    (seen on ENZYMES). In training, batches therefore need at least two graphs.

    The convolution stack differs per architecture, the readout and the head are shared.
    With ``arch="mlp"`` the convolutions are linear layers that never see an edge, which is
    Errica et al.'s structure-agnostic baseline (an MLP per node, pooled, then an MLP on
    the pooled vector).

    Args:
        arch: ``gcn``, ``sage``, ``gat``, ``gin`` or ``mlp``.
        in_channels, hidden, out_channels: feature sizes; for GAT ``hidden`` is per head
            (``heads`` heads concatenated), as in :class:`NodeModel`.
        layers: number of convolutions.
        dropout: dropout rate before the head's last layer.
        readout: ``mean``, ``sum`` or ``max`` over the nodes of each graph.
        heads: GAT attention heads.

    Inputs: ``x`` [N, F], ``graph`` as :func:`graph_input` builds it for the batch's
    ``edge_index``, ``batch`` [N] (graph of each node), ``num_graphs``. Output: [B, C] logits.
    GCN never caches its normalised adjacency here: every batch is another graph.
    """

    def __init__(self, arch: str, in_channels: int, hidden: int, out_channels: int, layers: int = 3,
                 dropout: float = 0.5, readout: str = "mean", heads: int = 4):
        super().__init__()
        if arch not in GRAPH_ARCHITECTURES:
            raise ValueError(f"unknown architecture {arch!r}")
        if readout not in READOUTS:
            raise ValueError(f"unknown readout {readout!r}")
        self.arch = arch
        self.act = F.elu if arch == "gat" else F.relu
        self.pool = READOUTS[readout]
        width = hidden * heads if arch == "gat" else hidden
        self.convs = nn.ModuleList()
        for i in range(layers):
            n_in = in_channels if i == 0 else width
            if arch == "gcn":
                conv = GCNConv(n_in, hidden, cached=False)
            elif arch == "sage":
                conv = SAGEMeanConv(n_in, hidden)
            elif arch == "gat":
                conv = GATConv(n_in, hidden, heads=heads, add_self_loops=False)  # graph_input adds them
            elif arch == "gin":
                conv = GINConv(nn.Sequential(Linear(n_in, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                                             Linear(hidden, hidden)))
            else:
                conv = Linear(n_in, hidden)
            self.convs.append(conv)
        self.norms = nn.ModuleList(nn.BatchNorm1d(width) for _ in range(layers))
        self.head = nn.Sequential(Linear(width * layers, width), nn.BatchNorm1d(width), nn.ReLU(),
                                  nn.Dropout(dropout), Linear(width, out_channels))

    def forward(self, x: torch.Tensor, graph: torch.Tensor, batch: torch.Tensor,
                num_graphs: int) -> torch.Tensor:
        layers = []
        for conv, norm in zip(self.convs, self.norms):
            x = self.act(norm(conv(x) if self.arch == "mlp" else conv(x, graph)))
            layers.append(x)
        return self.head(self.pool(torch.cat(layers, dim=-1), batch, num_graphs))
