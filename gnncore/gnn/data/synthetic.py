"""The synthetic graph: a contextual stochastic block model (Deshpande et al. 2018), built in.

Everything about it is here: its generator, its size, its knobs (the settings only it has,
with their defaults and their one check) and its dataset entry (:data:`ENTRY`). Each seed
draws a graph of its own and Shchur et al.'s per-class split of it.
"""

from __future__ import annotations

import torch
from torch_geometric.data import Data

from gnncore.gnn.data.entry import DatasetInfo
from gnncore.gnn.data.splits import SHCHUR_TRAIN, SHCHUR_VAL, per_class_split
from gnncore.protocol import Setting
from gnncore.spec import SpecError

__all__ = ["CLASSES", "DEFAULTS", "ENTRY", "HOMOPHILY", "NAME", "NODES", "NODES_SETTING", "SIGNAL",
           "TRAIN_PER_CLASS", "csbm"]

NAME = "CSBM"
NODES, CLASSES = 1000, 4  # the synthetic graph's size unless set

HOMOPHILY = Setting("homophily", "Homophily", low=0.0, high=1.0, step=0.05, scope="run", cli=False,
                    datasets=(NAME,),
                    help="Expected fraction of edges that join two nodes of the same class.")
SIGNAL = Setting("signal", "Feature signal", low=0.0, high=3.0, step=0.1, scope="run", cli=False,
                 datasets=(NAME,),
                 help="How far apart the class means of the node features are, against unit noise; "
                      "0 makes the features useless, so only the graph can tell classes apart.")
NODES_SETTING = Setting("nodes", "Nodes", type=int, low=40, high=5_000_000, step=1000, scope="run", shown=False,
                        datasets=(NAME,),
                        help="How many nodes the synthetic graph has (average degree 10).",
                        why_high="5 million nodes are 50 million directed edges, about 2 GB before training")
TRAIN_PER_CLASS = Setting("train_per_class", "Training nodes per class", type=int, low=1, high=1_000_000,
                          step=10, scope="run", shown=False, datasets=(NAME,),
                          help="Labelled training nodes per class (30 more per class validate; the rest "
                               "test); Shchur et al.'s split has 20.")
# The size and the training nodes have none: they keep the generator's default unless set,
# so that the runs stored before they existed keep their keys.
DEFAULTS = dict(homophily=0.8, signal=1.0)


def csbm(nodes: int = NODES, classes: int = CLASSES, avg_degree: float = 10.0, homophily: float = 0.8,
         signal: float = 1.0, features: int = 32, seed: int = 0) -> Data:
    """Contextual stochastic block model (Deshpande et al. 2018), built in: no file needed.

    ``homophily`` is the expected fraction of edges joining two nodes of the same class;
    ``signal`` scales the class means of the Gaussian features against unit noise, so 0
    leaves the features uninformative and only the graph can tell classes apart.
    Written here because PyG's StochasticBlockModelDataset writes files and has no
    homophily knob.
    """
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(nodes) % classes
    y = y[torch.randperm(nodes, generator=g)]
    means = torch.randn(classes, features, generator=g)
    means = means / means.norm(dim=1, keepdim=True)
    x = signal * means[y] + torch.randn(nodes, features, generator=g) / features ** 0.5
    # Each undirected edge picks a source uniformly, then a target of the same class with
    # probability `homophily`, else of another class.
    m = int(nodes * avg_degree / 2)
    src = torch.randint(nodes, (m,), generator=g)
    same = torch.rand(m, generator=g) < homophily
    by_class = [(y == c).nonzero().view(-1) for c in range(classes)]
    shift = torch.randint(1, classes, (m,), generator=g)
    target_class = torch.where(same, y[src], (y[src] + shift) % classes)
    dst = torch.empty(m, dtype=torch.long)
    for c in range(classes):
        sel = target_class == c
        pool = by_class[c]
        dst[sel] = pool[torch.randint(len(pool), (int(sel.sum()),), generator=g)]
    keep = src != dst
    edge_index = torch.stack([src[keep], dst[keep]])
    from torch_geometric.utils import coalesce, to_undirected
    edge_index = coalesce(to_undirected(edge_index), num_nodes=nodes)
    return Data(x=x, edge_index=edge_index, y=y, num_nodes=nodes)


def _graph(d: DatasetInfo, seed: int, options: dict) -> Data:
    return csbm(seed=seed, **{k: v for k, v in options.items() if k != TRAIN_PER_CLASS.name})


def _split(data: Data, seed: int, options: dict):
    """Shchur et al.'s split, with ``train_per_class`` training nodes per class (20 unless set)."""
    return per_class_split(data.y, options.get(TRAIN_PER_CLASS.name, SHCHUR_TRAIN), SHCHUR_VAL, seed)


def _check(params: dict) -> None:
    """Enough nodes for the split asked for."""
    per_class = params.get(TRAIN_PER_CLASS.name)
    if per_class is not None:
        nodes = params.get(NODES_SETTING.name, NODES)
        if (per_class + SHCHUR_VAL) * CLASSES > nodes:
            raise SpecError(f"{per_class} training and {SHCHUR_VAL} validation nodes per class need at least "
                            f"{(per_class + SHCHUR_VAL) * CLASSES} nodes in the synthetic graph's {CLASSES} "
                            f"classes; it has {nodes}.")


ENTRY = DatasetInfo(
    NAME, "Synthetic CSBM", "builtin", ("node", "link"), NODES, 10000, 32, CLASSES,
    "random per class: 20 train / 30 validation, rest test (Shchur et al. 2018)",
    "contextual stochastic block model (Deshpande et al. 2018)",
    loader=_graph, split_rule=_split,
    knobs={"node": (HOMOPHILY, SIGNAL, NODES_SETTING, TRAIN_PER_CLASS), "link": (HOMOPHILY, SIGNAL)},
    knob_defaults=DEFAULTS, check_knobs=_check, graph_per_seed=True)
