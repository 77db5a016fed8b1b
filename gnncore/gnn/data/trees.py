"""Tree-NeighborsMatch (Alon & Yahav 2021, Sec. 4.1), built in: the over-squashing benchmark.

Each example is a complete binary tree of depth r whose edges point from children to
parents. Every leaf carries a key (which leaf it is) and a label; the root carries one key.
The task: predict, at the root, the label of the leaf whose key is the root's. The answer
is r hops away and the root must hear all 2^r leaves through ever narrower parents, so a
model with r+1 layers has the reach and fails only if it cannot squash 2^r labels into one
vector: what the paper calls over-squashing.

Everything about the dataset is here: its generator, its knobs, the split and the settings
its authors trained with (``tech-srl/bottleneck``: ``tasks/dictionary_lookup.py``,
``tasks/tree_dataset.py``, ``run-gcn-2-8.py``, ``experiment.py``), and its entry
(:data:`ENTRY`).
"""

from __future__ import annotations

import itertools
import math
import random
from functools import lru_cache

import networkx as nx
import torch
from torch_geometric.data import Data

from gnncore.gnn.data.entry import DatasetInfo
from gnncore.protocol import Setting
from gnncore.spec import SpecError

__all__ = ["ENTRY", "NAME", "TREE_DEPTH", "TREES", "examples", "paper_trees", "split", "tree", "trees"]

NAME = "NeighborsMatch"
GENERATOR_SEED = 0    # one dataset per depth, the same for every model and run seed
TRAIN_FRACTION = 0.8  # the authors' train_fraction; the rest is a test set (never used to choose)

TREE_DEPTH = Setting("tree_depth", "Tree depth r", type=int, low=2, high=8, step=1, scope="run",
                     datasets=(NAME,),
                     help="Depth r of each tree (2^r leaves, r hops from a leaf to the root); the "
                          "models get r+1 layers, enough to reach every leaf.",
                     why_high="the paper stops at 8: 256 leaves, and 2 GB of node features already at r=6")
TREES = Setting("trees", "Trees", type=int, low=8, high=32000, step=100, scope="run", datasets=(NAME,),
                help="How many trees (examples) to generate, 80% of them to train on; unset, the "
                     "paper's count (96 at r=2, 8,000 at r=3, 16,000 at r=4, 32,000 from r=5).",
                why_high="the paper caps every depth at 32,000 trees")


def tree(depth: int) -> tuple[torch.Tensor, list[int]]:
    """The blank tree: ``edge_index`` from every child to its parent, and the leaves in order.

    networkx numbers the complete binary tree breadth first, so node 0 is the root (the
    graph task's ``root`` readout reads the first node of each graph) and the last 2^depth
    nodes are the leaves.
    """
    g = nx.balanced_tree(2, depth)
    parent_child = torch.tensor(sorted(g.edges()), dtype=torch.long).t()  # (parent, child), parent < child
    leaves = [n for n in g.nodes if g.degree(n) == 1 and n != 0]
    return parent_child.flip(0), sorted(leaves)


def paper_trees(depth: int) -> int:
    """How many trees the authors generate at ``depth`` (``get_combinations``): up to 1,000
    orders of the labels over the leaves, at most 32,000 trees in all, each order asked once
    per leaf."""
    leaves = 2 ** depth
    orders = min(1000, math.factorial(leaves)) if depth <= 3 else min(1000, math.factorial(leaves), 32000 // leaves)
    return orders * leaves


def examples(depth: int, count: int, seed: int = GENERATOR_SEED) -> list[tuple[int, tuple[int, ...]]]:
    """``count`` examples (key asked, labels of the leaves in order), as the authors draw them:
    distinct random orders of the labels (all of them where there are few), each asked for
    every key. Leaves hold the labels 0 .. 2^depth-1 once each, so every label is as common."""
    leaves = 2 ** depth
    rng = random.Random(seed)
    orders_wanted = math.ceil(count / leaves)
    if math.factorial(leaves) <= 10 * orders_wanted:  # few orders in all: sample without repeats
        orders = rng.sample(list(itertools.permutations(range(leaves))), min(orders_wanted, math.factorial(leaves)))
    else:  # repeats are vanishingly rare among 16! or more orders, as in the authors' code
        orders = [tuple(rng.sample(range(leaves), leaves)) for _ in range(orders_wanted)]
    pairs = [(key, order) for order in orders for key in range(leaves)]
    return pairs[:count] if count < len(pairs) else pairs


def trees(depth: int, count: int | None = None, seed: int = GENERATOR_SEED) -> list[Data]:
    """The dataset: ``count`` trees of ``depth`` (the paper's number unless given).

    Node features (width 2 * 2^depth): the root has the one-hot key asked and zeros; leaf i
    its own key one-hot, then its label one-hot; inner nodes zeros. ``y``: the label of the
    leaf whose key the root asks. ``root`` marks node 0, where the answer is read.
    """
    edge_index, leaves = tree(depth)
    n, width = 2 ** (depth + 1) - 1, 2 ** depth
    out = []
    for key, order in examples(depth, paper_trees(depth) if count is None else count, seed):
        x = torch.zeros(n, 2 * width)
        x[0, key] = 1.0
        x[leaves, torch.arange(width)] = 1.0
        x[leaves, width + torch.tensor(order)] = 1.0
        out.append(Data(x=x, edge_index=edge_index, y=torch.tensor([order[key]]), num_nodes=n))
    return out


def split(y: torch.Tensor, seed: int = GENERATOR_SEED) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """80% train, 20% test, stratified by label (the authors' ``train_test_split``); no
    validation set, since the measure is how well the training set is fitted.

    Returns (train, validation, test) indices, the validation set empty. Written here
    because scikit-learn is not a dependency.
    """
    g = torch.Generator().manual_seed(seed)
    train, test = [], []
    for c in y.unique():
        idx = (y == c).nonzero().view(-1)
        idx = idx[torch.randperm(len(idx), generator=g)]
        cut = round(TRAIN_FRACTION * len(idx))
        train.append(idx[:cut])
        test.append(idx[cut:])
    train_idx = torch.cat(train)
    return train_idx[torch.randperm(len(train_idx), generator=g)], torch.empty(0, dtype=torch.long), torch.cat(test)


@lru_cache(maxsize=4)
def _cached(depth: int, count: int | None) -> tuple[Data, ...]:
    return tuple(trees(depth, count))


def _graphs(d: DatasetInfo, options: dict) -> list[Data]:
    return list(_cached(options.get(TREE_DEPTH.name, DEFAULTS[TREE_DEPTH.name]), options.get(TREES.name)))


def _split(y: torch.Tensor, options: dict):
    return split(y)


MAX_FEATURE_GB = 4.0  # node features held in memory; the paper's r = 8 set would need 33 GB


def feature_gb(depth: int, count: int) -> float:
    """Memory of the dataset's node features (float32): trees x nodes x 2 * 2^depth."""
    return count * (2 ** (depth + 1) - 1) * 2 ** (depth + 1) * 4 / 1e9


def _check(params: dict) -> None:
    """Enough trees that every label has one to train on, few enough to fit in memory."""
    count, depth = params.get(TREES.name), params.get(TREE_DEPTH.name, DEFAULTS[TREE_DEPTH.name])
    if count is not None and count < 2 ** depth * 2:
        raise SpecError(f"Trees must be at least {2 ** depth * 2} at depth {depth} (two per label, so each "
                        f"of its {2 ** depth} labels has a tree to train on and one to test); got {count}.")
    wanted = paper_trees(depth) if count is None else count
    if feature_gb(depth, wanted) > MAX_FEATURE_GB:
        most = int(MAX_FEATURE_GB / feature_gb(depth, 1))
        raise SpecError(f"{wanted:,} trees of depth {depth} need {feature_gb(depth, wanted):.0f} GB of node "
                        f"features, more than the {MAX_FEATURE_GB:g} GB allowed; give --trees {most:,} or fewer.")


def training(params: dict) -> dict:
    """The authors' settings at the run's depth (``experiment.py``, ``run-gcn-2-8.py``):
    r+1 layers of width 32, no dropout or weight decay, Adam at lr 0.001, batches of 64
    trees up to r=3 and 1,024 beyond, the answer read at the root. They train up to 50,000
    epochs and stop at 100% training accuracy; what we stop at is ``epochs`` (docs in
    gnncore.gnn.tasks.graph)."""
    depth = params.get(TREE_DEPTH.name, DEFAULTS[TREE_DEPTH.name])
    return dict(layers=depth + 1, hidden=32, dropout=0.0, weight_decay=0.0, lr=0.001,
                batch_size=64 if depth <= 3 else 1024, readout="root")


DEFAULTS = {TREE_DEPTH.name: 3}

ENTRY = DatasetInfo(
    NAME, "Tree-NeighborsMatch", "builtin", ("graph",), 15, 14, 16, 8,
    "80% of the trees train, 20% test, stratified by label (Alon & Yahav 2021); the measure is "
    "training accuracy",
    "Alon & Yahav 2021 (On the Bottleneck of Graph Neural Networks); trees generated in code",
    graphs=paper_trees(DEFAULTS[TREE_DEPTH.name]), protocol="fit",
    graph_loader=_graphs, graph_split=_split, rooted=True, task_defaults=training,
    knobs={"graph": (TREE_DEPTH, TREES)}, knob_defaults=DEFAULTS, check_knobs=_check)
