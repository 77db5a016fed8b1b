"""The architectures, one registry entry each, and the two model shapes built from them.

Each architecture is one class registered with :func:`register` (as PyG's
``basic_gnn.py`` adds one with an ``init_conv``): its names and colour, the tasks it
takes part in, its papers' settings where they differ from the task's own, and the layer
it stacks. The CLI, the sidebar, the charts and the README read this registry; adding an
architecture is one class here.

:class:`NodeModel` (node classification, the link encoder): dropout on each layer's input,
a convolution, a nonlinearity between layers. :class:`GraphModel` (graph classification):
convolutions with batch norm, a readout over each graph, an MLP head.

Inputs: ``x`` of shape [N, F], dense or a ``torch.sparse_csr`` tensor (bag-of-words
features are ~99% zeros; dropping out and multiplying only the non-zeros is what makes an
epoch on Cora take milliseconds); ``graph`` as :func:`graph_input` builds it for the
architecture. Output: [N, C] logits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import (GATConv, global_add_pool, global_max_pool,
                                global_mean_pool)
from torch_geometric.nn.dense.linear import Linear
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.utils import (add_remaining_self_loops, degree, remove_self_loops, softmax,
                                   to_torch_csr_tensor)

from gnncore.gnn.kernels import batched
from gnncore.gnn.kernels import sparse
from gnncore.gnn.architectures.layers import (FixedAPPNP, FixedGCNConv, FixedGINConv, GATConvUniformDropout, SAGEMeanConv,
                                SparseInputLinear, feature_dropout, sparse_if_mostly_zero)
from gnncore.protocol import Setting

__all__ = ["ARCHITECTURES", "Architecture", "EdgeWeights", "NodeModel", "GraphModel", "READOUTS", "architectures",
           "count_parameters", "feature_dropout", "graph_input", "register", "sparse_if_mostly_zero",
           "SAGEMeanConv"]


@dataclass(frozen=True)
class Layer:
    """What a layer builder needs: sizes, its place in the stack, the run's settings."""

    n_in: int
    n_out: int
    last: bool
    graph_level: bool      # inside a GraphModel (every batch is another graph)
    settings: Mapping


class Architecture:
    """One architecture. Subclasses set the class attributes and build a layer in :meth:`conv`.

    defaults: the architecture's paper settings where they differ from the task's own
    (``gnncore.gnn.tasks.node.COMMON_DEFAULTS`` and its kin), keyed by task (``node``), then by
    task and the dataset's protocol (``node/shchur``: the settings behind the numbers
    published under that protocol), then by task and dataset (``node/PubMed``); each later
    key overrides the earlier ones (:meth:`defaults_for`).
    settings: hyperparameters of its own, beyond those every GNN has (gnncore.gnn.tasks.settings).
    uses_graph: False for the baseline that never sees an edge.
    edge_index: takes ``edge_index`` with self-loops (per-edge attention) instead of the
    sparse adjacency.
    decay_first_layer_only: weight decay on the first layer only, as its paper's code.
    hears: how it weighs what a node receives from its neighbours, in a sentence for the
    neighbourhood view (:meth:`edge_weights` gives the numbers).
    adds_self_loops: its layer adds one self-loop per node (GCN's normalisation), so any in
    the data are dropped first, as PyG's ``add_remaining_self_loops`` does on ``edge_index``.
    batched_layer(stack, i, x, graph): layer ``i`` of S seeds at once (gnncore.gnn.kernels.batched,
    gnncore.gnn.tasks.node_seeds), the same numbers as each seed's layer alone; None: seeds train one by one
    (unless the architecture's own model has a ``batched_forward`` of its own, as APPNP's).
    """

    name = label = title = color = ""
    tasks: tuple[str, ...] = ("node", "link", "graph")
    defaults: Mapping[str, dict] = {}
    settings: tuple[Setting, ...] = ()
    uses_graph = True
    edge_index = False
    decay_first_layer_only = False
    hears = ""
    adds_self_loops = False
    batched_layer = None

    @property
    def batched_forward(self):
        """The batched forward of its ConvStack, where it has a batched layer."""
        if self.batched_layer is None or type(self).node_model is not Architecture.node_model:
            return None
        return batched.conv_stack(self.batched_layer)

    def defaults_for(self, task: str, protocol: str = "", dataset: str = "") -> dict:
        """Its settings for ``task`` on a dataset of that protocol and name (see ``defaults``)."""
        out = dict(self.defaults.get(task, {}))
        for key in (protocol, dataset):
            if key:
                out.update(self.defaults.get(f"{task}/{key}", {}))
        return out

    @staticmethod
    def act(x: torch.Tensor) -> torch.Tensor:
        return F.relu(x)

    def conv(self, layer: Layer) -> nn.Module:
        raise NotImplementedError

    def width(self, hidden: int, settings: Mapping, graph_level: bool) -> int:
        """Features out of a hidden layer (GAT concatenates its heads)."""
        return hidden

    def graph_level(self, graph):
        """What its layers take inside a GraphModel, from :func:`graph_input`'s form, made
        once per graph: there every batch is other graphs, so a layer can cache nothing."""
        return graph

    def node_model(self, in_channels: int, out_channels: int, settings: Mapping,
                   cached: bool = True) -> nn.Module:
        return ConvStack(self, in_channels, out_channels, settings, cached)

    def edge_weights(self, model: nn.Module, x: torch.Tensor, graph: torch.Tensor,
                     edge_index: torch.Tensor) -> list[EdgeWeights]:
        """What each node hears from its neighbours in the trained node ``model``, per layer
        (``edge_index`` the graph without self-loops; ``x`` and ``graph`` as it trains on).
        Empty for a model that hears nothing; NotImplementedError where not declared."""
        if not self.uses_graph:
            return []
        raise NotImplementedError(self.name)


@dataclass(frozen=True)
class EdgeWeights:
    """One layer's weights: ``weight[e, h]`` is what head h gives edge ``edges[:, e]``
    (source, target) when it aggregates into the target. ``own`` marks the node's own term
    where it is apart from its edges (GraphSAGE's root weight); None: the edges i -> i."""

    layer: int
    edges: torch.Tensor
    weight: torch.Tensor
    own: torch.Tensor | None = None


ARCHITECTURES: dict[str, Architecture] = {}


def register(cls: type[Architecture]) -> type[Architecture]:
    """Add an architecture to the registry; the order of registration is the reading order."""
    ARCHITECTURES[cls.name] = cls()
    return cls


def architectures(task: str) -> dict[str, Architecture]:
    return {name: a for name, a in ARCHITECTURES.items() if task in a.tasks}


def architecture(name: str) -> Architecture:
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}")
    return ARCHITECTURES[name]


@register
class GCN(Architecture):
    """Kipf & Welling 2017, Sec. 5.1: hidden 16, dropout 0.5, lr 0.01, weight decay 5e-4 on the
    first layer only (as in their code)."""

    name, label, color = "gcn", "GCN", "#4C78A8"
    title = "GCN (Kipf & Welling 2017)"
    defaults = {"node": dict(hidden=16, dropout=0.5, lr=0.01, weight_decay=5e-4),
                # Shchur et al. 2018's tuned settings (shchur/gnn-benchmark, config/optimized).
                "node/shchur": dict(hidden=64, dropout=0.8, lr=0.01, weight_decay=1e-3),
                # Zhu et al. 2020's baselines on the Geom-GCN splits (GemsLab/H2GCN configs).
                "node/geom": dict(hidden=64)}
    decay_first_layer_only = True
    hears = "1/√(dᵢdⱼ) on each edge, self-loop included, fixed by the degrees before training."
    adds_self_loops = True

    def conv(self, layer: Layer) -> nn.Module:
        # Inside a GraphModel the graph comes normalised (graph_level), not once per layer.
        return FixedGCNConv(layer.n_in, layer.n_out, cached=layer.settings.get("cached", True)
                            and not layer.graph_level, normalize=not layer.graph_level)

    def graph_level(self, graph):
        """D^-1/2 (A + I) D^-1/2 as GCNConv makes it from the adjacency."""
        return gcn_norm(graph, None, graph.size(0), add_self_loops=True, dtype=torch.float)[0]

    def batched_layer(self, stack, i, x, graph):
        a = _normalised_blocks(stack, graph, stack.template.convs[i])
        h = batched.propagate(a, batched.linear(x, stack.param(f"convs.{i}.lin.weight")))
        return batched.plus(h, stack.param(f"convs.{i}.bias"))

    def edge_weights(self, model, x, graph, edge_index):
        """Fixed by the graph, the same in every layer: 1/sqrt(d_i d_j), degrees with self-loops."""
        edges, weight = normalised_adjacency(edge_index, x.size(0))
        return [EdgeWeights(i + 1, edges, weight.unsqueeze(-1)) for i in range(len(model.convs))]


@register
class GraphSAGE(Architecture):
    """Hamilton et al. 2017 give no Planetoid setting: GCN's training setup with 64 hidden
    units, as in PyG's examples."""

    name, label, color = "sage", "GraphSAGE", "#F58518"
    title = "GraphSAGE, mean aggregation (Hamilton et al. 2017)"
    defaults = {"node": dict(hidden=64, dropout=0.5, lr=0.01, weight_decay=5e-4),
                "node/shchur": dict(hidden=32, dropout=0.4, lr=0.001, weight_decay=0.1),
                "node/geom": dict(hidden=64)}
    hears = "its neighbours share weight 1 (their mean); the node itself adds its own, through a matrix of its own."

    def conv(self, layer: Layer) -> nn.Module:
        return SAGEMeanConv(layer.n_in, layer.n_out)

    def batched_layer(self, stack, i, x, graph):
        conv, w = stack.template.convs[i], stack.param
        h = batched.linear(x, w(f"convs.{i}.lin_l.weight"))
        s, n, c = h.shape
        flat = h.reshape(s * n, c)
        mean = conv.propagate(stack.seeds.block(graph), x=(flat, flat)).view(s, n, c)
        return batched.plus(mean, w(f"convs.{i}.lin_l.bias")) + batched.linear(
            x, w(f"convs.{i}.lin_r.weight"), w(f"convs.{i}.lin_r.bias"))

    def edge_weights(self, model, x, graph, edge_index):
        """The neighbour mean, 1/d_i on every edge j -> i, and weight 1 on the self term, which
        has a weight matrix of its own."""
        n, m = x.size(0), edge_index.size(1)
        deg = degree(edge_index[1], n).clamp(min=1)
        edges = torch.cat([edge_index, torch.arange(n).expand(2, n)], 1)
        weight = torch.cat([1.0 / deg[edge_index[1]], torch.ones(n)]).unsqueeze(-1)
        own = torch.arange(m + n) >= m  # a self-loop in the data is one of the neighbours
        return [EdgeWeights(i + 1, edges, weight, own) for i in range(len(model.convs))]


@register
class GAT(Architecture):
    """Velickovic et al. 2018, Sec. 3.3: 8 heads of 8 units, one output head, dropout 0.6,
    lr 0.005, weight decay 5e-4 (PubMed's own under ``node/PubMed``); on the Geom-GCN
    splits Zhu et al. 2020 kept these 8 x 8. For links, GAE's 32-unit hidden layer as 4
    heads of 8; for graphs, 4 heads of 16."""

    name, label, color = "gat", "GAT", "#54A24B"
    title = "GAT (Velickovic et al. 2018)"
    defaults = {"node": dict(hidden=8, heads=8, out_heads=1, dropout=0.6, lr=0.005, weight_decay=5e-4),
                # PubMed: 8 output heads, lr 0.01, weight decay 0.001 and early stopping "on
                # the loss only" (Sec. 3.3).
                "node/PubMed": dict(out_heads=8, lr=0.01, weight_decay=1e-3, select="loss"),
                # Shchur et al. kept the 8 x 8 heads and dropout 0.6 on the features.
                "node/shchur": dict(attention_dropout=0.3, lr=0.01, weight_decay=0.01),
                "link": dict(hidden=8, heads=4, out_heads=1),
                "graph": dict(hidden=16, heads=4)}
    settings = (Setting("heads", "Attention heads", type=int, low=1, high=16, step=1, cli=False,
                        help="GAT's heads in the hidden layers, concatenated."),
                Setting("out_heads", "Output heads", type=int, low=1, high=16, step=1, cli=False,
                        help="GAT's heads in the output layer, averaged."),
                Setting("attention_dropout", "Attention dropout", low=0.0, high=0.95, step=0.05,
                        format="%.2f", cli=False,
                        help="Dropout on the attention coefficients; unset, the same as Dropout "
                             "(Velickovic et al.); Shchur et al. 2018 used 0.3 beside 0.6."))
    edge_index = True
    hears = "learned attention, summing to 1 over the neighbours and the node itself."

    @staticmethod
    def act(x: torch.Tensor) -> torch.Tensor:
        return F.elu(x)

    def width(self, hidden: int, settings: Mapping, graph_level: bool) -> int:
        return hidden * settings.get("heads", 8)

    def conv(self, layer: Layer) -> nn.Module:
        p = layer.settings
        if layer.graph_level:  # graph_input adds the self-loops
            return GATConv(layer.n_in, layer.n_out, heads=p.get("heads", 4), add_self_loops=False)
        heads = p.get("out_heads", 1) if layer.last else p.get("heads", 8)
        rate = p.get("dropout", 0.6)
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


@register
class APPNPArchitecture(Architecture):
    """Gasteiger et al. 2019 (APPNP): a 2-layer MLP predicts, then K = ``layers`` steps of
    personalised PageRank propagate, H <- (1 - alpha) A_hat H + alpha Z, teleport alpha 0.1,
    K 10; hidden 64, dropout 0.5, lr 0.01, weight decay 5e-3 on the first layer only (their
    Sec. 6). Depth costs no parameters and does not over-smooth: alpha keeps every node's
    own prediction in the mix."""

    name, label, color = "appnp", "APPNP", "#E45756"
    title = "APPNP, predict then propagate (Gasteiger et al. 2019)"
    tasks = ("node", "link")
    defaults = {"node": dict(hidden=64, layers=10, alpha=0.1, dropout=0.5, lr=0.01, weight_decay=5e-3),
                "link": dict(layers=10, alpha=0.1)}
    settings = (Setting("alpha", "Teleport probability", low=0.0, high=1.0, step=0.05, format="%.2f",
                        cli=False, help="APPNP's alpha: the share of each node's own prediction kept "
                                        "at every propagation step."),)
    decay_first_layer_only = True
    hears = "GCN's fixed weights times (1 − α), at each propagation step; α goes back to its own prediction."
    adds_self_loops = True

    def edge_weights(self, model, x, graph, edge_index):
        """Fixed, as GCN's, times (1 - alpha), the same at each of the K steps; the teleport
        alpha goes back to the node's own prediction, not along an edge."""
        edges, weight = normalised_adjacency(edge_index, x.size(0))
        return [EdgeWeights(1, edges, (1 - model.propagate.alpha) * weight.unsqueeze(-1))]

    @property
    def batched_forward(self):
        return _predict_then_propagate_seeds

    def node_model(self, in_channels: int, out_channels: int, settings: Mapping,
                   cached: bool = True) -> nn.Module:
        return PredictThenPropagate(in_channels, settings.get("hidden", 64), out_channels,
                                    settings.get("layers", 10), settings.get("alpha", 0.1),
                                    settings.get("dropout", 0.5), cached)


@register
class GIN(Architecture):
    """Xu et al. 2019: GIN-0, a 2-layer MLP with batch norm per layer, sum readout."""

    name, label, color = "gin", "GIN", "#B279A2"
    title = "GIN-0, sum aggregation and a 2-layer MLP per layer (Xu et al. 2019)"
    tasks = ("graph",)
    defaults = {"graph": dict(readout="sum")}

    def conv(self, layer: Layer) -> nn.Module:
        n_in, n_out = layer.n_in, layer.n_out
        return FixedGINConv(nn.Sequential(Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.ReLU(),
                                          Linear(n_out, n_out)))


@register
class MLP(Architecture):
    """The structure-agnostic baseline: linear layers that never see an edge (Kipf &
    Welling's MLP row; for graphs, Errica et al. 2020's baseline, summed then classified)."""

    name, label, color = "mlp", "MLP", "#8C8C8C"
    title = "MLP baseline (ignores the edges)"
    defaults = {"node": dict(hidden=16, dropout=0.5, lr=0.01, weight_decay=5e-4),
                "node/shchur": dict(hidden=64, dropout=0.8, lr=0.005, weight_decay=0.01),
                "node/geom": dict(hidden=64),
                "graph": dict(readout="sum")}
    uses_graph = False
    hears = "nothing: it predicts from the node's own features."

    def conv(self, layer: Layer) -> nn.Module:
        return SparseInputLinear(layer.n_in, layer.n_out)

    def batched_layer(self, stack, i, x, graph):
        return batched.linear(x, stack.param(f"convs.{i}.weight"), stack.param(f"convs.{i}.bias"))


def graph_input(arch: str, edge_index: torch.Tensor, num_nodes: int, graph_level: bool = False) -> torch.Tensor:
    """The graph in the form each architecture runs fastest on a CPU; with ``graph_level``,
    as a GraphModel's layers take it (:meth:`Architecture.graph_level`).

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
    return entry.graph_level(graph) if graph_level else graph


def normalised_adjacency(edge_index: torch.Tensor, num_nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """GCN's D^-1/2 (A + I) D^-1/2 as (edges, weights), one self-loop per node as the layer has."""
    return gcn_norm(remove_self_loops(edge_index)[0], None, num_nodes, add_self_loops=True)


class ConvStack(nn.Module):
    """``layers`` convolutions of one architecture, dropout on each input, the architecture's
    nonlinearity between them."""

    def __init__(self, arch: Architecture, in_channels: int, out_channels: int, settings: Mapping,
                 cached: bool = True):
        super().__init__()
        self.arch, self.dropout = arch.name, settings.get("dropout", 0.5)
        self._arch = arch
        layers, hidden = settings.get("layers", 2), settings.get("hidden", 16)
        settings = {**settings, "cached": cached}
        self.convs = nn.ModuleList()
        n_in = in_channels
        for i in range(layers):
            last = i == layers - 1
            n_out = out_channels if last else hidden
            self.convs.append(arch.conv(Layer(n_in, n_out, last, False, settings)))
            n_in = arch.width(hidden, settings, False)

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


class PredictThenPropagate(nn.Module):
    """APPNP's model: dropout, linear, ReLU, dropout, linear, then PyG's ``APPNP`` propagation
    (Gasteiger et al. 2019, Eq. 3), GCN's normalised adjacency with self-loops cached."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, steps: int, alpha: float,
                 dropout: float, cached: bool = True):
        super().__init__()
        self.arch, self.dropout = "appnp", dropout
        self.convs = nn.ModuleList([SparseInputLinear(in_channels, hidden), Linear(hidden, out_channels)])
        self.propagate = FixedAPPNP(steps, alpha, cached=cached)

    def forward(self, x: torch.Tensor, graph: torch.Tensor, hidden: bool = False):
        """Logits; with ``hidden`` also the MLP's hidden layer (what the graph never touched)."""
        h = F.relu(self.convs[0](feature_dropout(x, self.dropout, self.training)))
        x = self.propagate(self.convs[1](feature_dropout(h, self.dropout, self.training)), graph)
        return (h, x) if hidden else x


def _normalised_blocks(stack, graph, layer) -> torch.Tensor:
    """The seeds' block-diagonal adjacency normalised as ``layer`` (GCNConv, APPNP) normalises
    it, made once per batch."""
    return stack.cached("gcn_norm", lambda: stack.seeds.block(batched.each(graph, lambda g: gcn_norm(
        g, None, g.size(0), getattr(layer, "improved", False), layer.add_self_loops, layer.flow, torch.float)[0])))


def _predict_then_propagate_seeds(stack, x, graph, hidden: bool = False):
    """PredictThenPropagate for S seeds (gnncore.gnn.kernels.batched): the MLP as batched linear maps,
    then APPNP's K steps over the block-diagonal normalised adjacency, in PyG's order of
    operations, so each seed's numbers are its model's alone."""
    model, seeds, w = stack.template, stack.seeds, stack.param
    prop = model.propagate
    h = F.relu(batched.linear(seeds.dropout(x, model.dropout), w("convs.0.weight"), w("convs.0.bias")))
    z = batched.linear(seeds.dropout(h, model.dropout), w("convs.1.weight"), w("convs.1.bias"))
    a = _normalised_blocks(stack, graph, prop)
    out = z
    for _ in range(prop.K):
        out = batched.propagate(a, out)
        out = out * (1 - prop.alpha)
        out = out + prop.alpha * z
    return (h, out) if hidden else out


def NodeModel(arch: str, in_channels: int, hidden: int, out_channels: int, layers: int = 2,
              dropout: float = 0.5, cached: bool = True, **settings) -> nn.Module:
    """The node-level model of architecture ``arch`` (for GAT ``hidden`` is per head;
    ``heads``, ``out_heads``, ``alpha`` and the like come in ``settings``); ``cached`` lets
    GCN-style layers keep the normalised adjacency, right only when the graph is fixed."""
    return architecture(arch).node_model(
        in_channels, out_channels, {**settings, "hidden": hidden, "layers": layers, "dropout": dropout},
        cached)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ---- graph-level models (graph classification) ----

READOUTS = {"mean": global_mean_pool, "sum": global_add_pool, "max": global_max_pool}


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
        arch: an architecture whose ``tasks`` include ``graph``.
        in_channels, hidden, out_channels: feature sizes; for GAT ``hidden`` is per head.
        layers: number of convolutions.
        dropout: dropout rate before the head's last layer.
        readout: ``mean``, ``sum`` or ``max`` over the nodes of each graph.
        heads: GAT attention heads.

    Inputs: ``x`` [N, F], ``graph`` as :func:`graph_input` builds it for the batch's
    ``edge_index`` with ``graph_level`` (gnncore.gnn.tasks.graph.Graphs joins it from each graph's),
    ``batch`` [N] (graph of each node), ``num_graphs``. Output: [B, C] logits.
    """

    def __init__(self, arch: str, in_channels: int, hidden: int, out_channels: int, layers: int = 3,
                 dropout: float = 0.5, readout: str = "mean", heads: int = 4):
        super().__init__()
        entry = architecture(arch)
        if "graph" not in entry.tasks:
            raise ValueError(f"{arch!r} is not a graph-level architecture")
        if readout not in READOUTS:
            raise ValueError(f"unknown readout {readout!r}")
        self.arch, self._arch = arch, entry
        self.pool = READOUTS[readout]
        settings = {"heads": heads}
        width = entry.width(hidden, settings, True)
        self.convs = nn.ModuleList(
            entry.conv(Layer(in_channels if i == 0 else width, hidden, False, True, settings))
            for i in range(layers))
        self.norms = nn.ModuleList(nn.BatchNorm1d(width) for _ in range(layers))
        self.head = nn.Sequential(Linear(width * layers, width), nn.BatchNorm1d(width), nn.ReLU(),
                                  nn.Dropout(dropout), Linear(width, out_channels))

    def forward(self, x: torch.Tensor, graph: torch.Tensor, batch: torch.Tensor,
                num_graphs: int) -> torch.Tensor:
        layers = []
        for conv, norm in zip(self.convs, self.norms):
            x = self._arch.act(norm(conv(x, graph) if self._arch.uses_graph else conv(x)))
            layers.append(x)
        return self.head(self.pool(torch.cat(layers, dim=-1), batch, num_graphs))
