"""The batched layers: S seeds of one model as one, every weight with a leading seed dimension.

S seeds of a model on one graph are that model on S disjoint copies of the graph, each
copy with its own weights (where each seed has a graph of its own, link prediction's edge
split, the copies are those graphs: a graph argument is then a tuple, one per seed): features are seed-major, [S, N, C] (row ``s * N + i`` of a
flattened [S * N, C] is node i of seed s), a product with the adjacency is one sparse
product with the block-diagonal adjacency (S copies, built once), GAT's edges are the S
copies' edges, and a dense linear map is one batched matmul over the seeds. Each row of
such a product sums the same terms in the same order as the seed's model alone, so the
numbers are the same; and every tensor stays contiguous (a node-major [N, S, C] layout
made every elementwise op a strided one, several times slower on a CPU).

Sparse input features dropped out per seed become one block-diagonal CSR matrix
[S * N, S * F] (the pattern built once, only the values change per epoch), whose product
with the seeds' weights side by side is every seed's first layer in one call.

``torch.func.vmap`` cannot carry this: the products with sparse CSR matrices (the
adjacency, bag-of-words features) have no batching rule, and every layer here is such a
product. So the batched layers are written by hand, one per architecture
(``Architecture.batched_layer`` in gnncore.gnn.architectures.models) from the pieces below.
"""

from __future__ import annotations

from typing import Callable

import torch

from gnncore.gnn.kernels import sparse

__all__ = ["Seeds", "block_edges", "conv_stack", "each", "linear", "plus", "propagate"]


class Seeds:
    """What a batched forward needs besides the weights: how many seeds, their generators,
    training or not, and the block-diagonal copies of the fixed sparse matrices."""

    def __init__(self, generators: list[torch.Generator]):
        self.generators = generators
        self.count = len(generators)
        self.training = True
        self._blocks: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def dropout(self, x, p: float):
        """Each seed's own inverted dropout, drawn as :func:`gnncore.gnn.architectures.models.feature_dropout`
        draws it alone. ``x``: shared features [N, F] (sparse CSR or dense) or per seed
        [S, N, ...]. Returns per-seed features: a block-diagonal CSR [S * N, S * F] for a
        sparse ``x``, else [S, N, ...]."""
        if x.layout == torch.sparse_csr and (not self.training or p == 0):
            return self.block(x)  # nothing dropped: the same features in every seed's copy
        if not self.training or p == 0:
            return x
        if x.layout == torch.sparse_csr:
            values = x.values()
            kept = [values * (torch.rand(values.shape, generator=g, dtype=values.dtype, device=values.device) >= p)
                    / (1 - p) for g in self.generators]
            return sparse.with_values(self.block(x), torch.cat(kept))
        shape = x.shape if x.dim() == 2 else x.shape[1:]
        masks = torch.stack([torch.rand(shape, generator=g, dtype=x.dtype, device=x.device) >= p
                             for g in self.generators])
        return x * (masks / (1 - p))

    def block(self, a) -> torch.Tensor:
        """The sparse CSR ``a`` repeated S times on a diagonal, or a tuple of S such matrices
        (one per seed) on it; kept, with its transpose."""
        kept = self._blocks.get(id(a))
        if kept is None or kept[0] is not a:
            parts = list(a) if isinstance(a, tuple) else [a] * self.count
            kept = self._blocks[id(a)] = (a, sparse.fix(sparse.block_diagonal(parts)))
        return kept[1]


def each(graph, fn: Callable):
    """``fn`` of the graph, or of each seed's where ``graph`` is a tuple of them."""
    return tuple(fn(g) for g in graph) if isinstance(graph, tuple) else fn(graph)


def block_edges(edge_index, num_nodes: int, s: int) -> torch.Tensor:
    """S disjoint copies of a graph's edges (or a tuple of S graphs' edges), copy k on nodes
    k * N .. (k + 1) * N - 1; edges sorted by target stay so (gnncore.gnn.kernels.sparse.by_target)."""
    parts = list(edge_index) if isinstance(edge_index, tuple) else [edge_index] * s
    return sparse.joined_edges(parts, [num_nodes] * s)


def plus(h: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """[S, N, C] plus each seed's bias [S, C]; the model may have none (link prediction's)."""
    return h if bias is None else h + bias.unsqueeze(1)


def linear(x, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Each seed's ``x_s W_s^T + b_s`` as [S, N, out], for ``weight`` [S, out, in], ``bias``
    [S, out]; ``x`` per seed [S, N, in], shared dense [N, in], or a block-diagonal CSR
    [S * N, S * in] (:meth:`Seeds.dropout`, :meth:`Seeds.block`)."""
    s, out_dim, in_dim = weight.shape
    if x.layout == torch.sparse_csr:
        # The seeds' weights side by side: [out, S * in], block k of the columns seed k's.
        y = sparse.linear(x, weight.transpose(0, 1).reshape(out_dim, s * in_dim)).view(s, -1, out_dim)
    else:
        if x.dim() == 2:
            x = x.expand(s, *x.shape)
        y = _SeedsLinear.apply(x, weight)
    return plus(y, bias)


class _SeedsLinear(torch.autograd.Function):
    """``bmm(x, W^T)`` whose weight gradient is each seed's ``G_s^T X_s`` by ``torch.mm``, as
    ``F.linear`` alone computes it: bmm's own backward blocks that sum over the nodes
    otherwise, and its last bits then grow over an epoch's hundreds of steps."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return torch.bmm(x, weight.transpose(1, 2))

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        grad_x = torch.bmm(grad, weight) if ctx.needs_input_grad[0] else None
        grad_w = torch.stack([g.t().mm(xs) for g, xs in zip(grad, x)]) if ctx.needs_input_grad[1] else None
        return grad_x, grad_w


def propagate(a: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """``A @ H_s`` for every seed at once, ``a`` the block-diagonal adjacency."""
    s, n, c = h.shape
    return sparse.mm(a, h.reshape(s * n, c)).view(s, n, c)


def conv_stack(layer: Callable) -> Callable:
    """A ConvStack's batched forward from a batched layer ``layer(stack, i, x, graph)``:
    dropout on each layer's input (a sparse input comes out of it block-diagonal, its S
    copies), the architecture's nonlinearity between layers."""

    def forward(stack, x, graph, hidden: bool = False):
        model, seeds = stack.template, stack.seeds
        layers = len(model.convs)
        h = None
        for i in range(layers):
            if i:
                h = x
            x = layer(stack, i, seeds.dropout(x, model.dropout), graph)
            if i < layers - 1:
                x = stack.arch.act(x)
        return (x if h is None else h, x) if hidden else x

    return forward

