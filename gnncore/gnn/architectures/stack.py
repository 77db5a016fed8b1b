"""The two model shapes an architecture's layer is stacked into, as PyG's ``basic_gnn.py``
stacks its ``init_conv``.

:class:`ConvStack` (node classification, the link encoder): dropout on each layer's input,
a convolution, the architecture's nonlinearity between layers. Output: [N, C] logits.
:class:`GraphModel` (graph classification): convolutions with batch norm, a readout over
each graph, an MLP head. Output: [B, C] logits.

:class:`Stacked` is the architecture built that way: it gives a layer (:meth:`Stacked.conv`)
and, to train seeds as one batch, that layer for S seeds (:meth:`Stacked.batched_layer`).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Mapping

import torch
from torch import nn
from torch_geometric.nn import global_add_pool, global_max_pool, global_mean_pool
from torch_geometric.nn.dense.linear import Linear

from gnncore.gnn.architectures.base import Architecture, Layer, architecture, placeholder
from gnncore.gnn.architectures.inputs import feature_dropout

__all__ = ["ConvStack", "GraphModel", "READOUTS", "Stacked", "count_parameters", "root_readout"]



def root_readout(x: torch.Tensor, batch: torch.Tensor, size: int) -> torch.Tensor:
    """Each graph's first node, where a rooted dataset puts its root (Tree-NeighborsMatch
    asks its question there, Alon & Yahav 2021): [B, F] out, as the pools give.
    Written here because PyG has no readout that picks one node per graph."""
    nodes = torch.arange(batch.numel(), device=batch.device)
    first = torch.full((size,), batch.numel(), device=batch.device).scatter_reduce(0, batch, nodes, "amin")
    return x[first]


READOUTS = {"mean": global_mean_pool, "sum": global_add_pool, "max": global_max_pool, "root": root_readout}


class Stacked(Architecture):
    """An architecture that is one layer, stacked: :class:`ConvStack` for nodes and links,
    :class:`GraphModel` for graphs. With ``batched_seeds`` it gives :meth:`batched_layer`."""

    requires = {**Architecture.requires, "batched_seeds": "batched_layer"}

    @abstractmethod
    def conv(self, layer: Layer) -> nn.Module:
        """One layer of the stack."""

    def width(self, settings: Mapping) -> int:
        """Features out of a hidden layer (GAT concatenates its heads)."""
        return settings["hidden"]

    def model(self, in_channels: int, out_channels: int, settings: Mapping, cached: bool = True) -> nn.Module:
        return ConvStack(self, in_channels, out_channels, settings, cached)

    @placeholder
    def batched_layer(self, stack, i: int, x, graph) -> torch.Tensor:
        """Layer ``i`` of S seeds at once (gnncore.gnn.kernels.batched): [S, N, C] out, the same
        numbers as each seed's layer alone."""
        raise TypeError(f"{self.name} declares no batched_seeds")

    def batched_forward(self, stack, x, graph, hidden: bool = False):
        """ConvStack's forward for S seeds: dropout on each layer's input (a sparse input comes
        out of it block-diagonal, its S copies), the nonlinearity between layers."""
        model, seeds = stack.template, stack.seeds
        layers = len(model.convs)
        h = None
        for i in range(layers):
            if i:
                h = x
            x = self.batched_layer(stack, i, seeds.dropout(x, model.dropout), graph)
            if i < layers - 1:
                x = self.act(x)
        return (x if h is None else h, x) if hidden else x


class ConvStack(nn.Module):
    """``layers`` convolutions of one architecture, dropout on each input, the architecture's
    nonlinearity between them: h^(l) = act(conv_l(dropout(h^(l-1)), A)), no act after the last.

    Args:
        arch: a :class:`Stacked` architecture.
        in_channels, out_channels: feature sizes.
        settings: the resolved spec's ``hidden`` (per head for GAT), ``layers``, ``dropout``
            and the architecture's own.
        cached: GCN-style layers keep the normalised adjacency, right only when the graph is fixed.
    """

    def __init__(self, arch: Stacked, in_channels: int, out_channels: int, settings: Mapping,
                 cached: bool = True):
        super().__init__()
        self.arch, self.dropout = arch.name, settings["dropout"]
        self._arch = arch
        layers, hidden = settings["layers"], settings["hidden"]
        self.convs = nn.ModuleList()
        n_in = in_channels
        for i in range(layers):
            last = i == layers - 1
            n_out = out_channels if last else hidden
            self.convs.append(arch.conv(Layer(n_in, n_out, last, False, settings, cached)))
            n_in = arch.width(settings)

    def forward(self, x: torch.Tensor, graph: torch.Tensor, hidden: bool = False):
        """Logits; with ``hidden`` also the last hidden layer (the last convolution's input;
        with a single layer its output, since its input is the raw features)."""
        h = None
        for i, conv in enumerate(self.convs):
            if i:
                h = x
            x = feature_dropout(x, self.dropout, self.training)
            x = conv(x, graph) if self._arch.uses_graph else conv(x)
            if i < len(self.convs) - 1:
                x = self._arch.act(x)
        return (x if h is None else h, x) if hidden else x


class GraphModel(nn.Module):
    """Node embeddings from ``layers`` convolutions, a readout over each graph, an MLP head.

    h^(l) = act(BatchNorm(conv_l(h^(l-1), A))) for l = 1 .. ``layers``, then
    y_G = W_2 dropout(relu(BatchNorm(W_1 readout_{v in G} [h_v^(1) || ... || h_v^(L)]))).

    As in Xu et al. (2019), every variant gets batch normalisation after each layer, and
    the readout sees every layer's output, concatenated (their Eq. 4.2; Errica et al.
    2020's GraphSAGE and GIN do the same): shallow features such as atom types survive the
    smoothing of deeper layers. The head normalises too, because a sum readout grows with
    the graph: without it the first updates blow up and every ReLU of the head dies. In
    training, batches therefore need at least two graphs.

    Args:
        arch: the name of a :class:`Stacked` architecture whose ``tasks`` include ``graph``.
        in_channels, out_channels: feature sizes.
        settings: the resolved spec's ``hidden`` (per head for GAT), ``layers``, ``dropout``
            (before the head's last layer), ``readout`` (``mean``, ``sum`` or ``max`` over
            the nodes of each graph) and the architecture's own (GAT's ``heads``).

    Inputs: ``x`` [N, F], ``graph`` as gnncore.gnn.architectures.inputs.graph_input builds it
    for the batch's ``edge_index`` with ``graph_level`` (gnncore.gnn.tasks.graph.Graphs joins
    it from each graph's), ``batch`` [N] (graph of each node), ``num_graphs``; ``last``, in
    the same form, the graph the last layer runs over instead of ``graph`` (the
    fully-adjacent layer of Alon & Yahav 2021: every pair of nodes of a graph joined).
    Output: [B, C].
    """

    def __init__(self, arch: str, in_channels: int, out_channels: int, settings: Mapping):
        super().__init__()
        entry = architecture(arch)
        if "graph" not in entry.tasks:
            raise ValueError(f"{arch!r} is not a graph-level architecture")
        readout, layers, hidden = settings["readout"], settings["layers"], settings["hidden"]
        if readout not in READOUTS:
            raise ValueError(f"unknown readout {readout!r}")
        self.arch, self._arch = arch, entry
        self.pool = READOUTS[readout]
        width = entry.width(settings)
        self.convs = nn.ModuleList(
            entry.conv(Layer(in_channels if i == 0 else width, hidden, False, True, settings))
            for i in range(layers))
        self.norms = nn.ModuleList(nn.BatchNorm1d(width) for _ in range(layers))
        self.head = nn.Sequential(Linear(width * layers, width), nn.BatchNorm1d(width), nn.ReLU(),
                                  nn.Dropout(settings["dropout"]), Linear(width, out_channels))

    def forward(self, x: torch.Tensor, graph: torch.Tensor, batch: torch.Tensor,
                num_graphs: int, last: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.embed(x, graph, batch, num_graphs, last))

    def embed(self, x: torch.Tensor, graph: torch.Tensor, batch: torch.Tensor,
              num_graphs: int, last: torch.Tensor | None = None) -> torch.Tensor:
        """Each graph's pooled embedding, the head's input: [B, width * layers]; ``last``:
        the graph the last layer runs over instead (the fully-adjacent layer)."""
        layers = []
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            over = last if last is not None and i == len(self.convs) - 1 else graph
            if self._arch.takes_batch:  # attention within each graph of the batch (GPS)
                x = conv(x, over, batch)
            else:
                x = conv(x, over) if self._arch.uses_graph else conv(x)
            x = self._arch.act(norm(x))
            layers.append(x)
        return self.pool(torch.cat(layers, dim=-1), batch, num_graphs)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
