"""CSL, the circular skip-link graphs of Murphy et al. (2019, Relational Pooling), built in.

Every graph is the circulant C(41, {1, s}): 41 nodes on a cycle, each also joined to the
nodes ``s`` steps away, so every node has degree 4. The skip length ``s`` is the class (ten
of them, 15 graphs each, 150 in all), and the graphs of a class are the same graph with its
nodes numbered anew. Every node looks alike to message passing (4-regular, constant
features), so 1-WL, and every message-passing GNN with it, gives every graph the same
colouring: without positional information the best any such model can do is chance, 10%.
Dwivedi et al. (2020, Benchmarking GNNs) score it by stratified 5-fold cross-validation.

Generated here with networkx (no download); the numbering of each copy is drawn from a
fixed seed, so the dataset is the same on every machine.
"""

from __future__ import annotations

from functools import lru_cache

import networkx as nx
import torch
from torch_geometric.data import Data
from torch_geometric.utils import coalesce, from_networkx

from gnncore.gnn.data.entry import DatasetInfo

__all__ = ["ENTRY", "FOLDS", "GraphList", "NAME", "NODES", "PER_CLASS", "SKIPS", "circulant", "csl_graphs"]

NAME = "CSL"
NODES = 41
SKIPS = (2, 3, 4, 5, 6, 9, 11, 12, 13, 16)  # Murphy et al. 2019, Sec. 5.1: the ten classes
PER_CLASS = 15
FOLDS = 5  # Dwivedi et al. 2020: stratified 5-fold cross-validation
SEED = 0


class GraphList(list):
    """A list of graphs with what the graph task reads of a PyG dataset: its feature and
    class counts."""

    def __init__(self, graphs, num_features: int, num_classes: int):
        super().__init__(graphs)
        self.num_features, self.num_classes = num_features, num_classes


def circulant(nodes: int, skip: int) -> nx.Graph:
    """C(nodes, {1, skip}): the cycle and its chords ``skip`` steps long."""
    return nx.circulant_graph(nodes, [1, skip])


def as_data(graph: nx.Graph, label: int = 0) -> Data:
    """A networkx graph as PyG data with one constant feature per node (nothing tells nodes apart)."""
    data = from_networkx(nx.convert_node_labels_to_integers(graph))
    data.x = torch.ones(graph.number_of_nodes(), 1)
    data.y = torch.tensor([label])
    return data


@lru_cache(maxsize=1)
def _graphs() -> GraphList:
    g = torch.Generator().manual_seed(SEED)
    out = []
    for label, skip in enumerate(SKIPS):
        base = circulant(NODES, skip)
        for _ in range(PER_CLASS):
            data = as_data(base, label)
            data.edge_index = coalesce(torch.randperm(NODES, generator=g)[data.edge_index], num_nodes=NODES)
            out.append(data)
    return GraphList(out, 1, len(SKIPS))


def csl_graphs(d: DatasetInfo | None = None, options: dict | None = None) -> GraphList:
    """The 150 graphs (the same whatever the seed), each a copy the caller may change."""
    graphs = _graphs()
    return GraphList([g.clone() for g in graphs], graphs.num_features, graphs.num_classes)


ENTRY = DatasetInfo(
    NAME, "CSL (circular skip links)", "builtin", ("graph",), NODES * PER_CLASS * len(SKIPS),
    4 * NODES * PER_CLASS * len(SKIPS), 1, len(SKIPS),
    f"stratified {FOLDS}-fold cross-validation (Dwivedi et al. 2020)",
    "Murphy et al. 2019 (Relational Pooling); generated with networkx", graphs=PER_CLASS * len(SKIPS),
    graph_loader=csl_graphs, folds=FOLDS)
