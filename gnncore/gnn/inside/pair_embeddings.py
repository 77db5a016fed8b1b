"""How a trained graph model embeds the two graphs of a 1-WL pair (gnncore.gnn.inside.wl).

Each graph gets what the model trained on: one constant feature per node (as CSL's), and
the run's graph encoding appended (gnncore.gnn.data.encodings, signs as computed); both go
through the model in one batch, in eval mode, and the pooled embeddings (the head's input)
are compared. On a pair 1-WL cannot tell apart a message-passing model without an encoding
must give both graphs the same embedding (distance 0, up to rounding); an encoding can
pull them apart.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd
import torch
from torch_geometric.utils import from_networkx

from gnncore.gnn.architectures import graph_input, restore
from gnncore.gnn.data import encodings as enc
from gnncore.gnn.data.datasets import info
from gnncore.gnn.inside.wl import Pair
from gnncore.gnn.kernels import sparse
from gnncore.spec import RunSpec

__all__ = ["COLUMNS", "applies", "pair_distance", "pair_distances"]

# relative: the distance over the two embeddings' mean norm, comparable across models whose
# embeddings differ in scale (a sum readout grows with the graph; GAT's and GCN's are smaller).
COLUMNS = ("pair", "model", "graph_encoding", "fold", "seed", "distance", "norm", "relative")


def applies(spec: RunSpec) -> bool:
    """A graph run whose inputs the pair's graphs can have: one constant feature per node (CSL)."""
    return spec.kind == "graph" and info(spec.dataset, "graph").features == 1


def _inputs(spec: RunSpec, graphs: tuple[nx.Graph, nx.Graph]) -> tuple:
    """The two graphs as one batch of the model's inputs: (x, graph, batch, 2)."""
    union = nx.disjoint_union(*graphs)
    data = from_networkx(union)
    data.x = torch.ones(union.number_of_nodes(), 1)
    # Each graph's encoding on its own (an eigenvector of the union would mix the two).
    parts, xs = [], []
    for g in graphs:
        d = from_networkx(nx.convert_node_labels_to_integers(g))
        d.x = torch.ones(g.number_of_nodes(), 1)
        xs.append(enc.with_encoding(d, spec.params).x)
        parts.append(g.number_of_nodes())
    batch = torch.repeat_interleave(torch.arange(2), torch.tensor(parts))
    graph = sparse.fix(graph_input(spec.model, data.edge_index, data.num_nodes, graph_level=True))
    return torch.cat(xs), graph, batch, 2


def pair_distance(spec: RunSpec, blob: bytes, pair: Pair) -> tuple[float, float]:
    """(distance between the two graphs' embeddings, their mean norm) for the run's model."""
    d = info(spec.dataset, "graph")
    model = restore(spec, blob, d.features + enc.width(spec.params), d.classes)
    with torch.no_grad():
        emb = model.embed(*_inputs(spec, pair.graphs()))
    return float(torch.dist(emb[0], emb[1])), float(emb.norm(dim=1).mean())


def pair_distances(runs: list[tuple[RunSpec, bytes | None]], pair: Pair) -> pd.DataFrame:
    """:data:`COLUMNS`, one row per run that :func:`applies` and kept its model."""
    rows = []
    for spec, blob in runs:
        if blob is None or not applies(spec):
            continue
        distance, norm = pair_distance(spec, blob, pair)
        rows.append((pair.label, spec.model, enc.encoding(spec.params), spec.params.get("fold"), spec.seed,
                     distance, norm, distance / norm if norm else 0.0))
    return pd.DataFrame(rows, columns=list(COLUMNS))
