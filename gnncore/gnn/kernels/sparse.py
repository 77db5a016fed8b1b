"""Products with sparse CSR matrices whose pattern stays fixed while a model trains, with
the transpose their backward needs built once instead of every epoch.

The backward of ``A @ X`` with respect to ``X`` is ``A^T @ G``, and of ``X_sparse @ W^T``
with respect to ``W`` it is ``X_sparse^T @ G``. torch builds that transpose again on every
backward (``aten::_to_sparse_csr``: a sort and a gather over every non-zero), most of a GCN
epoch on a large graph (docs/decisions.md). PyG's ``SparseTensor`` caches its transpose, but
torch-sparse is not installable here, so these two small autograd functions do the same for torch's CSR
tensors: the transposed pattern is computed the first time a matrix takes part in a
backward and kept on the tensor (:func:`fix`); a matrix with the same pattern and other
values (dropout on the features, :func:`with_values`) shares it and only permutes its
values. The forward products are torch's own kernels, so the numbers are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["Transpose", "block_diagonal", "by_target", "edge_aggregate", "fix", "joined_edges", "linear", "mm",
           "target_pointer", "transposed", "with_values"]

_ATTR = "_gnncore_transpose"


@dataclass(frozen=True)
class Transpose:
    """The CSR pattern of ``A^T``; its values are ``A.values()[order]``."""

    crow: torch.Tensor
    col: torch.Tensor
    order: torch.Tensor
    size: tuple[int, int]


def _pattern(a: torch.Tensor) -> Transpose:
    rows, cols = a.shape
    crow, col = a.crow_indices(), a.col_indices()
    row = torch.repeat_interleave(torch.arange(rows, device=a.device), crow.diff())
    order = torch.argsort(col * rows + row)  # by column, then row: A^T's rows in CSR order
    crow_t = torch.zeros(cols + 1, dtype=crow.dtype, device=a.device)
    crow_t[1:] = torch.bincount(col, minlength=cols).cumsum(0)
    return Transpose(crow_t, row[order].to(col.dtype), order, (cols, rows))


def fix(a: torch.Tensor) -> torch.Tensor:
    """``a`` with its transposed pattern computed (once) and kept on it; dense ``a`` as is."""
    if a.layout == torch.sparse_csr and getattr(a, _ATTR, None) is None:
        setattr(a, _ATTR, _pattern(a))
    return a


def _shifts(sizes: list[int], counts: list[int], device) -> torch.Tensor:
    """For parts of ``sizes`` laid end to end, each of their ``counts`` entries' shift: the
    sizes of the parts before it."""
    starts = torch.tensor([0] + sizes[:-1], device=device).cumsum(0)
    return torch.repeat_interleave(starts, torch.tensor(counts, device=device))


def _joined_pointers(pointers: list[torch.Tensor], nnz: list[int]) -> torch.Tensor:
    """The CSR row pointer of parts stacked row-wise, from theirs (each starting at 0)."""
    tails = torch.cat([q[1:] for q in pointers])
    return torch.cat([pointers[0][:1], tails + _shifts(nnz, [q.numel() - 1 for q in pointers], tails.device)])


def block_diagonal(parts: list[torch.Tensor]) -> torch.Tensor:
    """The CSR matrices ``parts`` (any sizes) on the diagonal of one, in a few calls however
    many parts: S seeds' copies of a graph (gnncore.gnn.kernels.batched), or a mini-batch of small
    graphs, each prepared once (gnncore.gnn.tasks.graph). Where every part has its transposed
    pattern (:func:`fix`), the block's is theirs joined, so no batch sorts again."""
    nnz = [a.col_indices().numel() for a in parts]
    rows, cols = [a.size(0) for a in parts], [a.size(1) for a in parts]
    crow = _joined_pointers([a.crow_indices() for a in parts], nnz)
    device = parts[0].device
    col = torch.cat([a.col_indices() for a in parts]) + _shifts(cols, nnz, device)
    out = torch.sparse_csr_tensor(crow, col, torch.cat([a.values() for a in parts]), (sum(rows), sum(cols)))
    patterns = [getattr(a, _ATTR, None) for a in parts]
    if all(t is not None for t in patterns):
        setattr(out, _ATTR, Transpose(
            _joined_pointers([t.crow for t in patterns], nnz),
            torch.cat([t.col for t in patterns]) + _shifts(rows, nnz, device),
            torch.cat([t.order for t in patterns]) + _shifts(nnz, nnz, device),
            (sum(cols), sum(rows))))
    return out


def with_values(a: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """A CSR matrix of ``a``'s pattern holding ``values``, sharing ``a``'s transposed pattern."""
    out = torch.sparse_csr_tensor(a.crow_indices(), a.col_indices(), values, a.size())
    pattern = getattr(a, _ATTR, None)
    if pattern is not None:
        setattr(out, _ATTR, pattern)
    return out


def transposed(a: torch.Tensor) -> torch.Tensor:
    """``a^T`` as CSR, from the kept pattern (computed now if ``a`` has none)."""
    t = getattr(fix(a), _ATTR)
    return torch.sparse_csr_tensor(t.crow, t.col, a.values().index_select(0, t.order), t.size)  # not [ ]: slower


class _SparseDense(torch.autograd.Function):
    """``A @ X`` for a constant sparse ``A``: the gradient reaches ``X`` only."""

    @staticmethod
    def forward(ctx, a, x):
        ctx.a = a
        return torch.sparse.mm(a, x)

    @staticmethod
    def backward(ctx, grad):
        return None, torch.sparse.mm(transposed(ctx.a), grad)


class _SparseLinear(torch.autograd.Function):
    """``X W^T`` for a constant sparse ``X``: the gradient reaches ``W`` only."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.x = x
        return F.linear(x, weight)

    @staticmethod
    def backward(ctx, grad):
        return None, torch.sparse.mm(transposed(ctx.x), grad).t()


def mm(a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``A @ X`` for a sparse CSR ``A`` that needs no gradient.

    Sums only: torch's own mean reduction (GraphSAGE) has a backward that builds no
    transpose, and dividing a sum by the degree here would change its last bits."""
    if a.layout != torch.sparse_csr or a.requires_grad or not x.requires_grad:
        return torch.sparse.mm(a, x)
    return _SparseDense.apply(a, x)


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """``F.linear`` for constant features ``x``, dense or sparse CSR."""
    if x.layout != torch.sparse_csr or not weight.requires_grad or not torch.is_grad_enabled():
        return F.linear(x, weight, bias)
    out = _SparseLinear.apply(x, weight)
    return out if bias is None else out + bias


@dataclass(frozen=True)
class _Heads:
    """The graph with every node split into one row per head (row ``i * H + h``), so that
    GAT's [N, H, C] features are a [N * H, C] matrix without a copy: head h of node i
    hears head h of its neighbours. ``index`` takes the flattened [E, H] attention to the
    CSR's values."""

    crow: torch.Tensor
    col: torch.Tensor
    index: torch.Tensor
    size: tuple[int, int]
    transpose: Transpose | None = None

    def matrix(self, values: torch.Tensor) -> torch.Tensor:
        m = torch.sparse_csr_tensor(self.crow, self.col, values, self.size)
        if self.transpose is not None:
            setattr(m, _ATTR, self.transpose)
        return m


def _heads_pattern(edge_index: torch.Tensor, num_nodes: int, heads: int) -> _Heads:
    src, dst = edge_index
    n, device = num_nodes, src.device
    order = torch.argsort(dst * n + src)  # edges by target, then source
    deg = torch.bincount(dst, minlength=n)
    crow = torch.zeros(heads * n + 1, dtype=torch.long, device=device)
    crow[1:] = deg.repeat_interleave(heads).cumsum(0)
    # Row (i, h) holds the edges into i, in order: position k of the values is edge
    # order[start_i + k'] at head h.
    start = torch.cat([deg.new_zeros(1), deg.cumsum(0)[:-1]])
    row = torch.repeat_interleave(torch.arange(heads * n, device=device), deg.repeat_interleave(heads))
    node, head = row // heads, row % heads
    k = torch.arange(row.numel(), device=device) - crow[row]
    edge = order[start[node] + k]
    a = _Heads(crow, src[edge] * heads + head, edge * heads + head, (heads * n, heads * n))
    return _Heads(a.crow, a.col, a.index, a.size, _pattern(a.matrix(torch.ones(a.col.numel(), device=device))))


class _EdgeAggregate(torch.autograd.Function):
    """out[i, h] = sum over edges j -> i of alpha[e, h] x[j, h]."""

    @staticmethod
    def forward(ctx, alpha, x, a):
        n, heads, c = x.shape
        m = a.matrix(alpha.reshape(-1).index_select(0, a.index))
        xs = x.view(n * heads, c)
        ctx.save_for_backward(xs)
        ctx.m, ctx.a, ctx.alpha_shape = m, a, alpha.shape
        return torch.sparse.mm(m, xs).view(n, heads, c)

    @staticmethod
    def backward(ctx, grad):
        (xs,) = ctx.saved_tensors
        gs = grad.contiguous().view(xs.shape)
        grad_alpha = grad_x = None
        if ctx.needs_input_grad[0]:  # <grad[i, h], x[j, h]> on each edge: a sampled product
            sampled = torch.sparse.sampled_addmm(ctx.m, gs, xs.t(), beta=0.0).values()
            grad_alpha = sampled.new_empty(ctx.alpha_shape)
            grad_alpha.view(-1).index_copy_(0, ctx.a.index, sampled)
        if ctx.needs_input_grad[1]:
            grad_x = torch.sparse.mm(transposed(ctx.m), gs).view(grad.shape)
        return grad_alpha, grad_x, None


def edge_aggregate(edge_index: torch.Tensor, alpha: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """GAT's weighted sum: ``out[i, h] = sum_{j -> i} alpha[e, h] x[j, h]`` for ``alpha``
    [E, H] and ``x`` [N, H, C], as one sparse product over the heads' block-diagonal
    adjacency instead of a gather, a product and a scatter over every edge and channel.
    The pattern is kept on ``edge_index`` (a graph that stays fixed while a model trains)."""
    heads = alpha.size(1)
    key = (x.size(0), heads)
    kept = getattr(edge_index, _ATTR, None)
    if kept is None:
        kept = {}
        setattr(edge_index, _ATTR, kept)
    if key not in kept:  # one per head count: GAT's output layer often has fewer heads
        kept[key] = _heads_pattern(edge_index, x.size(0), heads)
    return _EdgeAggregate.apply(alpha, x.contiguous(), kept[key])


def by_target(edge_index: torch.Tensor, num_nodes: int) -> torch.Tensor:
    """``edge_index`` sorted by target, then source: the order in which the per-target
    reductions (GAT's softmax) run as segments, kept with its :func:`target_pointer`."""
    src, dst = edge_index
    out = edge_index[:, torch.argsort(dst * num_nodes + src)]
    ptr = torch.zeros(num_nodes + 1, dtype=torch.long, device=edge_index.device)
    ptr[1:] = torch.bincount(out[1], minlength=num_nodes).cumsum(0)
    setattr(out, _PTR, ptr)
    return out


def joined_edges(parts: list[torch.Tensor], sizes: list[int]) -> torch.Tensor:
    """Graphs' edges from :func:`by_target` (graph k on ``sizes[k]`` nodes) as one disjoint
    graph's, node ids shifted past the graphs before; still by target, pointer kept."""
    counts = [e.size(1) for e in parts]
    out = torch.cat(parts, 1) + _shifts(sizes, counts, parts[0].device)
    setattr(out, _PTR, _joined_pointers([target_pointer(e) for e in parts], counts))
    return out


def target_pointer(edge_index: torch.Tensor) -> torch.Tensor | None:
    """The CSR row pointer of an ``edge_index`` from :func:`by_target`; None for any other."""
    return getattr(edge_index, _PTR, None)


_PTR = "_gnncore_target_pointer"
