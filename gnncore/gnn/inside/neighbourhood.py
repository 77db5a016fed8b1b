"""What a node hears from its neighbours: each trained model's weight on every edge into a
node, its prediction there, and the node's neighbourhood laid out for drawing.

The weights are each architecture's own (``Architecture.edge_weights``, where it declares
``inside_weights``; gnncore.gnn.architectures): GCN's fixed 1/sqrt(d_i d_j), GraphSAGE's neighbour mean 1/d_i
beside its self term, GAT's attention per head from the stored model of the run. Tables
are tidy: :data:`WEIGHT_COLUMNS`, :data:`PREDICTION_COLUMNS`, :data:`NODE_COLUMNS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import torch
from torch_geometric.data import Data
from torch_geometric.utils import degree, k_hop_subgraph

from gnncore.gnn.tasks import settings as gs
from gnncore.gnn.data.datasets import load_node_data
from gnncore.gnn.data.encodings import with_encoding
from gnncore.gnn.architectures import architecture, graph_input, restore, sparse_if_mostly_zero
from gnncore.gnn.inside.snapshots import SPLITS
from gnncore.spec import RunSpec

# head 0 is the layer's weight: the only one, or the mean over its heads; 1.. each head's own.
WEIGHT_COLUMNS = ("model", "seed", "layer", "head", "term", "source", "target", "weight")
PREDICTION_COLUMNS = ("model", "seed", "node", "label", "predicted", "confidence", "split")
NODE_COLUMNS = ("node", "hop", "label", "degree", "x", "y")


@dataclass
class Trained:
    """One stored node run with its graph, ready to look inside."""

    spec: RunSpec
    model: torch.nn.Module
    data: Data

    @classmethod
    def load(cls, spec: RunSpec, blob: bytes, data: Data | None = None) -> "Trained":
        """``blob``: the run's ``model`` artifact; ``data`` the run's graph if already loaded
        (it depends on the dataset, the seed and the dataset's own settings: :func:`run_data`)."""
        data = data if data is not None else run_data(spec)
        return cls(spec, restore(spec, blob, data.num_features, data.num_classes), data)

    def inputs(self) -> tuple[torch.Tensor, torch.Tensor]:
        return sparse_if_mostly_zero(self.data.x), graph_input(self.spec.model, self.data.edge_index,
                                                               self.data.num_nodes)

    def predictions(self) -> pd.DataFrame:
        """One row per node: its class, the prediction at the reported epoch, its probability."""
        with torch.no_grad():
            probs = torch.softmax(self.model(*self.inputs()), -1)
        confidence, predicted = probs.max(-1)
        return pd.DataFrame({"model": self.spec.model, "seed": self.spec.seed,
                             "node": range(self.data.num_nodes), "label": self.data.y.numpy(),
                             "predicted": predicted.numpy(), "confidence": confidence.numpy(),
                             "split": node_splits(self.data)})

    def edge_weights(self, targets: list[int] | None = None) -> pd.DataFrame:
        """:data:`WEIGHT_COLUMNS` for every edge into ``targets`` (every node if None); none
        for an architecture that declares no ``inside_weights`` (the MLP hears nothing)."""
        arch = architecture(self.spec.model)
        if not arch.inside_weights:
            return pd.DataFrame(columns=list(WEIGHT_COLUMNS))
        x, graph = self.inputs()
        with torch.no_grad():
            layers = arch.edge_weights(self.model, x, graph, self.data.edge_index)
        frames = []
        wanted = None if targets is None else torch.tensor(sorted(set(targets)))
        for w in layers:
            keep = torch.ones(w.edges.size(1), dtype=torch.bool) if wanted is None else torch.isin(w.edges[1], wanted)
            edges, weight = w.edges[:, keep], w.weight[keep]
            own = (edges[0] == edges[1]) if w.own is None else w.own[keep]
            heads = [weight.mean(-1)] + ([weight[:, h] for h in range(weight.size(1))] if weight.size(1) > 1 else [])
            for head, values in enumerate(heads):
                frames.append(pd.DataFrame({
                    "model": self.spec.model, "seed": self.spec.seed, "layer": w.layer, "head": head,
                    "term": np.where(own.numpy(), "self", "neighbour"),
                    "source": edges[0].numpy(), "target": edges[1].numpy(), "weight": values.numpy()}))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(WEIGHT_COLUMNS))


def run_data(spec: RunSpec) -> Data:
    """The graph a node run trained on (splits depend on the seed for some datasets), with
    its graph encoding's features."""
    return with_encoding(load_node_data(spec.dataset, spec.seed, **gs.dataset_options(spec)), spec.params)


def node_splits(data: Data) -> list[str]:
    split = torch.full((data.num_nodes,), len(SPLITS) - 1)
    for i, mask in enumerate((data.train_mask, data.val_mask, data.test_mask)):
        split[mask] = i
    return [SPLITS[i] for i in split.tolist()]


def neighbourhood(data: Data, node: int, hops: int = 2, limit: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``hops``-hop neighbourhood of ``node``, at most ``limit`` nodes (nearer hops first,
    then higher degree), laid out by networkx's Kamada-Kawai (deterministic, the centre at
    the origin): :data:`NODE_COLUMNS`, and its edges (``source, target``, each pair once).
    The frame's ``attrs["total"]`` counts the nodes before the limit."""
    if not 0 <= node < data.num_nodes:
        raise ValueError(f"Node {node} is not in the graph; pick one from 0 to {data.num_nodes - 1}.")
    deg = degree(data.edge_index[1], data.num_nodes).long()
    hop = {node: 0}
    for h in range(1, hops + 1):
        subset, *_ = k_hop_subgraph(node, h, data.edge_index, num_nodes=data.num_nodes)
        for n in subset.tolist():
            hop.setdefault(n, h)
    ranked = sorted(hop, key=lambda n: (hop[n], -int(deg[n]), n))[:limit]
    kept = set(ranked)
    src, dst = data.edge_index.tolist()
    pairs = sorted({(min(s, t), max(s, t)) for s, t in zip(src, dst) if s in kept and t in kept and s != t})
    graph = nx.Graph()
    graph.add_nodes_from(ranked)
    graph.add_edges_from(pairs)
    pos = nx.kamada_kawai_layout(graph) if len(ranked) > 1 else {node: (0.0, 0.0)}
    cx, cy = pos[node]
    nodes = pd.DataFrame({"node": ranked, "hop": [hop[n] for n in ranked],
                          "label": data.y[ranked].tolist(), "degree": deg[ranked].tolist(),
                          "x": [float(pos[n][0] - cx) for n in ranked], "y": [float(pos[n][1] - cy) for n in ranked]})
    nodes.attrs["total"] = len(hop)
    return nodes, pd.DataFrame(pairs, columns=["source", "target"])


def disagreements(predictions: pd.DataFrame, split: str = "test") -> pd.DataFrame:
    """Nodes of ``split`` where the models do not all predict the same class: first those where
    some are right and some wrong, the most evenly split first (two of four right before one
    of four), then those where all are wrong; ``node, label``, one column of predictions per
    model, ``right`` (how many models are)."""
    frame = predictions[predictions["split"] == split]
    wide = frame.pivot_table(index=["node", "label"], columns="model", values="predicted", sort=False).reset_index()
    models = list(dict.fromkeys(frame["model"]))
    wide = wide[["node", "label", *models]]
    predicted = wide[models].astype(int)
    wide[models] = predicted
    wide["right"] = predicted.eq(wide["label"], axis=0).sum(axis=1)
    differ = wide[predicted.nunique(axis=1) > 1]
    rank = pd.DataFrame({"all_wrong": differ["right"] == 0,
                         "uneven": (differ["right"] - len(models) / 2).abs(), "node": differ["node"]})
    return differ.loc[rank.sort_values(["all_wrong", "uneven", "node"]).index].reset_index(drop=True)
