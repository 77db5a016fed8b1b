"""The explanation benchmarks with planted motifs (Ying et al. 2019; Luo et al. 2020), made
offline by PyG's generators, each seed its own graph: BA-Shapes, Tree-Cycles, Tree-Grid (one
graph, a label per node) and BA-2Motifs (many graphs, a label per graph).

Every graph carries ``edge_mask``: 1 on the edges of a planted motif, 0 elsewhere (the
edges that join a motif to the base graph included, as PyG's ``ExplainerDataset`` marks
them), the ground truth an explanation is scored against.

Setup as in Ying et al. 2019 (Sec. 5.1 and their code, RexYing/gnn-model-explainer,
``gengraph.py``): BA-Shapes is a Barabasi-Albert graph of 300 nodes with 80 five-node
houses, four classes (base, and a house's top, middle and bottom); Tree-Cycles a balanced
binary tree of depth 8 with 60 six-node cycles; Tree-Grid the same tree with 80 3x3 grids;
both two classes (base, motif). Features are constant (10 ones), so only the structure
tells the classes apart. What is left out: Ying et al. also add random edges to the graph
(``perturb``, 1% of them); PyG's generators do not. BA-2Motifs (Luo et al. 2020,
PGExplainer): 1000 Barabasi-Albert graphs of 20 nodes, half with a house, half with a
five-node cycle, which is their class.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch
from torch_geometric.data import Data
from torch_geometric.datasets import ExplainerDataset
from torch_geometric.datasets.graph_generator import BAGraph, TreeGraph
from torch_geometric.datasets.motif_generator import CycleMotif, GridMotif, HouseMotif

from gnncore.gnn.data.entry import DatasetInfo
from gnncore.gnn.data.splits import per_class_fractions

__all__ = ["BA_2MOTIFS", "ENTRIES", "FEATURES", "Graphs", "ba_2motifs", "planted"]

FEATURES = 10  # Ying et al.'s constant input: 10 ones per node
SOURCE = "Ying et al. 2019 (GNNExplainer), made by PyG's ExplainerDataset"
SPLIT = "random per class: 80% train / 10% validation / 10% test per seed (Ying et al. train on 80%)"

# name -> (base graph, motif, motifs attached, title)
NODE_BENCHMARKS = {
    "BAShapes": (lambda: BAGraph(num_nodes=300, num_edges=5), HouseMotif, 80, "BA-Shapes (houses on a BA graph)"),
    "TreeCycles": (lambda: TreeGraph(depth=8, undirected=True), lambda: CycleMotif(6), 60, "Tree-Cycles (6-cycles on a binary tree)"),
    "TreeGrid": (lambda: TreeGraph(depth=8, undirected=True), GridMotif, 80, "Tree-Grid (3x3 grids on a binary tree)"),
}


@contextmanager
def _seeded(seed: int):
    """PyG's generators draw from torch's and numpy's global streams (``barabasi_albert_graph``
    uses ``np.random.choice``): seed both, and give the caller's back afterwards."""
    state = np.random.get_state()
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(state)


def planted(name: str, seed: int = 0) -> Data:
    """The node benchmark ``name`` drawn from ``seed``: labels, constant features, ``edge_mask``."""
    base, motif, count, _ = NODE_BENCHMARKS[name]
    with _seeded(seed):
        made = ExplainerDataset(graph_generator=base(), motif_generator=motif(), num_motifs=count)[0]
    y = made.y
    if name != "BAShapes":  # one class for every motif node (Ying et al.), not one per role in it
        y = (y > 0).long()
    return Data(x=torch.ones(made.num_nodes, FEATURES), edge_index=made.edge_index, y=y,
                edge_mask=made.edge_mask, node_mask=made.node_mask, num_nodes=made.num_nodes)


def ba_2motifs(graphs: int = 1000, seed: int = 0) -> list[Data]:
    """BA-2Motifs (Luo et al. 2020): each graph a 20-node BA graph with a house (class 0) or a
    five-node cycle (class 1) attached; PyG's ``BA2MotifDataset`` downloads the published
    file, so the same construction is drawn here instead."""
    out = []
    with _seeded(seed):
        for i in range(graphs):
            label = i % 2
            motif = HouseMotif() if label == 0 else CycleMotif(5)
            g = ExplainerDataset(graph_generator=BAGraph(num_nodes=20, num_edges=1),
                                 motif_generator=motif, num_motifs=1)[0]
            out.append(Data(x=torch.full((g.num_nodes, FEATURES), 0.1), edge_index=g.edge_index,
                            y=torch.tensor([label]), edge_mask=g.edge_mask, num_nodes=g.num_nodes))
    return out


def _node_loader(d: DatasetInfo, seed: int, options: dict) -> Data:
    return planted(d.name, seed)


def _split(data: Data, seed: int, options: dict):
    return per_class_fractions(data.y, 0.8, 0.1, seed)


def _node_entry(name: str) -> DatasetInfo:
    base, motif, count, title = NODE_BENCHMARKS[name]
    sample = planted(name, 0)
    classes = int(sample.y.max()) + 1
    return DatasetInfo(name, title, "builtin", ("node",), sample.num_nodes, sample.num_edges, FEATURES, classes,
                       SPLIT, SOURCE, protocol="explain", loader=_node_loader, split_rule=_split,
                       graph_per_seed=True)


ENTRIES = {name: _node_entry(name) for name in NODE_BENCHMARKS}


class Graphs(list):
    """Generated graphs, read as the graph task reads a PyG dataset."""

    @property
    def num_features(self) -> int:
        return int(self[0].num_features)

    @property
    def num_classes(self) -> int:
        return int(max(int(g.y) for g in self)) + 1


def _graphs_loader(d: DatasetInfo, options: dict) -> Graphs:
    return Graphs(ba_2motifs(d.graphs, seed=0))  # one fixed set: the folds are the graph task's


BA_2MOTIFS = DatasetInfo(
    "BA2Motifs", "BA-2Motifs (a house or a 5-cycle on a BA graph)", "builtin", ("graph",), 25000, 48000, FEATURES, 2,
    "stratified 10-fold cross-validation (Errica et al. 2020)", "Luo et al. 2020 (PGExplainer), made by PyG's "
    "generators", graphs=1000, graph_loader=_graphs_loader)
