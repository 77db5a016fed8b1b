"""The batched layers: S seeds of one model as one, every weight with a leading seed dimension.

An epoch of these small models is mostly per-call overhead (about a hundred aten calls for
a GCN on Cora), so S seeds trained together pay it once: every weight gets a leading seed
dimension (``torch.func.stack_module_state`` over the S models each seed builds alone), a
product with the shared adjacency runs over an S-times-wider matrix, a dense linear map is
one batched matmul, and one optimizer step updates every seed.

What stays per seed is exactly what a run alone has: its initialisation (each model is
built after ``torch.manual_seed(seed)``, as :func:`gnncore.gnn.node.train` builds it), its
dropout masks (each seed draws from a generator that continues the global stream its run
alone would draw from, in the same order and shapes), its split, its loss, its early stop
and its reported epoch. So a seed trained inside a batch gives its run alone's result, to
the rounding of a batched matmul (tests/gnn/test_seeds.py).

``torch.func.vmap`` cannot carry this: the products with sparse CSR matrices (the
adjacency, bag-of-words features) have no batching rule, and every layer here is such a
product. So the batched layers are written by hand below, one per architecture that
declares one (``Architecture.batched``); the others train seed by seed.

Layout: hidden features are node-major, [N, S, C], so that ``A @ H`` is one sparse product
over [N, S * C]. Sparse input features dropped out per seed become one block-diagonal CSR
matrix [S * N, S * F] (the pattern built once, only the values change per epoch), whose
product with the seeds' stacked weights is every seed's first layer in one call.
"""

from __future__ import annotations

from typing import Callable

import torch

from gnncore.gnn import sparse

__all__ = ["Seeds", "conv_stack", "linear", "propagate"]


class Seeds:
    """What a batched forward needs besides the weights: how many seeds, their generators,
    training or not, and the block-diagonal pattern of the sparse input (built once)."""

    def __init__(self, generators: list[torch.Generator]):
        self.generators = generators
        self.count = len(generators)
        self.training = True
        self._block: dict[int, torch.Tensor] = {}

    def dropout(self, x, p: float):
        """Each seed's own inverted dropout, drawn as :func:`gnncore.gnn.models.feature_dropout`
        draws it alone. ``x``: shared features [N, F] (sparse CSR or dense) or per-seed [N, S, ...].
        Returns per-seed features: a block-diagonal CSR [S * N, S * F] for a sparse ``x``."""
        if not self.training or p == 0:
            return x
        if isinstance(x, torch.Tensor) and x.layout == torch.sparse_csr:
            values = x.values()
            kept = [values * (torch.rand(values.shape, generator=g, dtype=values.dtype, device=values.device) >= p)
                    / (1 - p) for g in self.generators]
            return sparse.with_values(self.block(x), torch.cat(kept))
        shape = x.shape if x.dim() == 2 else (x.size(0), *x.shape[2:])
        masks = torch.stack([torch.rand(shape, generator=g, dtype=x.dtype, device=x.device) >= p
                             for g in self.generators], 1)
        base = x.unsqueeze(1) if x.dim() == 2 else x
        return base * (masks / (1 - p))

    def block(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` repeated on the diagonal of an [S * N, S * F] CSR matrix, its transpose kept."""
        key = id(x)
        if key not in self._block:
            n, f = x.shape
            s, crow, col = self.count, x.crow_indices(), x.col_indices()
            nnz = col.numel()
            offsets = torch.arange(s, device=col.device)
            crows = torch.cat([crow[:-1] + k * nnz for k in range(s)] + [crow[-1:] + (s - 1) * nnz])
            cols = (col.unsqueeze(0) + (offsets * f).unsqueeze(1)).reshape(-1)
            m = torch.sparse_csr_tensor(crows, cols, x.values().repeat(s), (s * n, s * f))
            self._block = {key: sparse.fix(m)}
        return self._block[key]


def linear(x, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Each seed's ``x_s W_s^T + b_s`` as [N, S, out], for ``weight`` [S, out, in], ``bias``
    [S, out]; ``x`` shared [N, in] (sparse or dense), per seed [N, S, in], or block-diagonal
    CSR [S * N, S * in] (from :meth:`Seeds.dropout`)."""
    s, out_dim, in_dim = weight.shape
    if x.layout == torch.sparse_csr and s > 1 and x.size(1) == s * in_dim:  # block-diagonal
        y = sparse.linear(x, weight.permute(1, 0, 2).reshape(out_dim, s * in_dim))  # [S * N, out]
        y = y.view(s, -1, out_dim).transpose(0, 1)
    elif x.dim() == 2:  # shared features: one product with every seed's weights side by side
        y = sparse.linear(x, weight.reshape(s * out_dim, in_dim)).view(-1, s, out_dim)
    else:  # [N, S, in] @ [S, in, out], one batched matmul
        y = torch.bmm(x.transpose(0, 1), weight.transpose(1, 2)).transpose(0, 1)
    return y if bias is None else y + bias


def propagate(a: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """``A @ H_s`` for every seed at once: one sparse product over [N, S * C]."""
    n, s, c = h.shape
    return sparse.mm(a, h.reshape(n, s * c)).view(n, s, c)


def conv_stack(layer: Callable) -> Callable:
    """A ConvStack's batched forward from a batched layer ``layer(stack, i, x, graph)``:
    dropout on each layer's input, the architecture's nonlinearity between layers."""

    def forward(stack: Stack, x, graph, hidden: bool = False):
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
