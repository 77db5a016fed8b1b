"""How a graph and its features go into a model, on a CPU: the adjacency in the form each
architecture runs fastest on, bag-of-words features as sparse CSR, and the dropout and
linear map that take them.

Inputs of every model here: ``x`` of shape [N, F], dense or a ``torch.sparse_csr`` tensor
(bag-of-words features are ~99% zeros; dropping out and multiplying only the non-zeros is
what makes an epoch on Cora take milliseconds); ``graph`` as :func:`graph_input` builds it
for the architecture.
"""

from __future__ import annotations

import torch
from torch_geometric.nn.dense.linear import Linear
from torch_geometric.utils import add_remaining_self_loops, remove_self_loops, to_torch_csr_tensor

from gnncore.gnn.architectures.base import architecture
from gnncore.gnn.kernels import sparse

__all__ = ["SparseInputLinear", "feature_dropout", "graph_input", "sparse_if_mostly_zero", "takes_sparse_input"]


def graph_input(arch: str, edge_index: torch.Tensor, num_nodes: int, graph_level: bool = False) -> torch.Tensor:
    """The graph in the form each architecture runs fastest on a CPU; with ``graph_level``,
    as a GraphModel's layers take it (:meth:`Architecture.graph_level_input`).

    Most take the transposed adjacency as a sparse CSR tensor: one sparse-dense product
    replaces PyG's gather/scatter message passing. GAT needs per-edge attention, so it keeps
    ``edge_index``, with self-loops added once here instead of in every forward pass.
    """
    entry = architecture(arch)
    if entry.edge_index:
        graph = sparse.by_target(add_remaining_self_loops(edge_index, num_nodes=num_nodes)[0], num_nodes)
    else:
        if entry.adds_self_loops:  # gcn_norm adds one to a sparse adjacency even where the data has one
            edge_index = remove_self_loops(edge_index)[0]
        graph = to_torch_csr_tensor(edge_index.flip(0), size=(num_nodes, num_nodes))
    return entry.graph_level_input(graph) if graph_level else graph


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
    CSR tensors, and on a CPU its ``bernoulli_`` draw is slower than a uniform one
    (docs/decisions.md).
    """
    if not training or p == 0:
        return x
    if x.layout != torch.sparse_csr:
        return x * ((torch.rand_like(x) >= p) / (1 - p))
    values = x.values()
    keep = torch.rand_like(values) >= p
    return sparse.with_values(x, values * keep / (1 - p))


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
