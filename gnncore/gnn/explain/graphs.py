"""Why a graph got its label: a trained graph-classification model (a graph run's stored
weights) explained on one graph by each explainer, its edges drawn with atom types where the
dataset names its node features (MUTAG).

Graph runs keep the weights of their reported epoch (gnncore.gnn.tasks.graph); the layers
become PyG's plain ones as for nodes (:func:`gnncore.gnn.explain.explainers.explainable`),
and GCN normalises the adjacency itself again, as the graph task did once per graph.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd
import torch
from torch import nn
from torch_geometric.data import Data
from torch_geometric.nn import GCNConv

from gnncore.gnn.architectures import restore
from gnncore.gnn.data.datasets import info
from gnncore.gnn.explain.explainers import explain, explainable
from gnncore.spec import RunSpec

__all__ = ["GraphExplainable", "graph_masks", "graph_model", "molecule"]


class GraphExplainable(nn.Module):
    """A trained GraphModel on one graph: ``forward(x, edge_index)`` gives its logits [1, C]."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        batch = torch.zeros(x.size(0), dtype=torch.long, device=x.device)
        return self.model(x, edge_index, batch, 1)


def graph_model(spec: RunSpec, blob: bytes, num_features: int, num_classes: int) -> GraphExplainable:
    """The stored graph run's model, on PyG's plain layers."""
    model = explainable(restore(spec, blob, num_features, num_classes)).model
    for module in model.modules():
        if isinstance(module, GCNConv):
            module.normalize = True  # the graph task gave its layers the normalised adjacency
    return GraphExplainable(model.eval())


def graph_masks(model: GraphExplainable, graph: Data, explainers: list[str]) -> pd.DataFrame:
    """``explainer, source, target, importance, ground_truth`` for every edge of ``graph``."""
    rows = []
    for name in explainers:
        _, explanation = explain(name, model, graph.x, graph.edge_index, None, level="graph")
        truth = graph.edge_mask.long().tolist() if "edge_mask" in graph else [None] * graph.num_edges
        rows.append(pd.DataFrame({"explainer": name, "source": graph.edge_index[0].tolist(),
                                  "target": graph.edge_index[1].tolist(),
                                  "importance": explanation.edge_mask.detach().tolist(), "ground_truth": truth}))
    return pd.concat(rows, ignore_index=True)


def molecule(dataset: str, graph: Data) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The graph laid out for drawing (Kamada-Kawai): nodes (``node, label, x, y`` and ``text``,
    the atom, where the dataset names its one-hot features) and edges (each pair once). The
    node ``label`` is its feature's index, so atoms of one kind share a colour."""
    names = info(dataset).node_names
    kind = graph.x.argmax(-1).tolist()
    g = nx.Graph()
    g.add_nodes_from(range(graph.num_nodes))
    pairs = sorted({(min(s, t), max(s, t)) for s, t in graph.edge_index.t().tolist() if s != t})
    g.add_edges_from(pairs)
    pos = nx.kamada_kawai_layout(g)
    nodes = pd.DataFrame({"node": range(graph.num_nodes), "label": kind,
                          "x": [float(pos[n][0]) for n in g.nodes], "y": [float(pos[n][1]) for n in g.nodes]})
    if names:
        nodes["text"] = [names[k] for k in kind]
    return nodes, pd.DataFrame(pairs, columns=["source", "target"])
