"""Split rules: how a dataset's train / validation / test masks come from a run's seed.

Each rule takes ``(graph, seed, knob values)`` and returns the three masks; a dataset entry
names its rule (:class:`gnncore.gnn.data.entry.DatasetInfo.split_rule`). Every rule draws
from its own generator seeded by the run's seed, never from torch's global stream.
"""

from __future__ import annotations

import torch
from torch_geometric.data import Data

__all__ = ["SHCHUR_TRAIN", "SHCHUR_VAL", "fixed", "halves", "per_class_fractions", "per_class_split", "shchur"]

SHCHUR_TRAIN, SHCHUR_VAL = 20, 30  # per class (Shchur et al. 2018)


def per_class_split(y: torch.Tensor, train_per_class: int, val_per_class: int, seed: int):
    """Shchur et al. (2018): per class, ``train_per_class`` train and ``val_per_class``
    validation nodes at random; every other node is a test node.

    Written here because PyG's RandomNodeSplit draws validation nodes over all classes
    together, not per class.
    """
    g = torch.Generator().manual_seed(seed)
    masks = [torch.zeros_like(y, dtype=torch.bool) for _ in range(3)]
    for c in range(int(y.max()) + 1):
        idx = (y == c).nonzero().view(-1)
        idx = idx[torch.randperm(len(idx), generator=g)]
        masks[0][idx[:train_per_class]] = True
        masks[1][idx[train_per_class:train_per_class + val_per_class]] = True
    masks[2] = ~(masks[0] | masks[1])
    return tuple(masks)


def shchur(data: Data, seed: int, options: dict):
    """Shchur et al.'s random per-class split, 20 train and 30 validation nodes per class."""
    return per_class_split(data.y, SHCHUR_TRAIN, SHCHUR_VAL, seed)


def fixed(data: Data, seed: int, options: dict):
    """Split ``seed`` of the fixed splits shipped as mask columns (Geom-GCN's 10)."""
    return tuple(m[:, seed].clone() for m in (data.train_mask, data.val_mask, data.test_mask))


def halves(data: Data, seed: int, options: dict):
    """The shipped training nodes; every other node in validation or test, half each at random."""
    mask = ~data.train_mask
    idx = mask.nonzero().view(-1)
    idx = idx[torch.randperm(len(idx), generator=torch.Generator().manual_seed(seed))]
    a, b = torch.zeros_like(mask), torch.zeros_like(mask)
    a[idx[: len(idx) // 2]] = True
    b[idx[len(idx) // 2:]] = True
    return data.train_mask, a, b


def per_class_fractions(y: torch.Tensor, train: float, val: float, seed: int):
    """Per class, ``train`` and ``val`` of its nodes (fractions) for training and validation,
    the rest for testing, drawn from ``seed`` (at least one training node per class)."""
    g = torch.Generator().manual_seed(seed)
    masks = [torch.zeros_like(y, dtype=torch.bool) for _ in range(3)]
    for c in torch.unique(y).tolist():
        idx = (y == c).nonzero().view(-1)
        idx = idx[torch.randperm(len(idx), generator=g)]
        n_train = max(1, round(train * len(idx)))
        n_val = min(len(idx) - n_train, round(val * len(idx)))
        masks[0][idx[:n_train]] = True
        masks[1][idx[n_train:n_train + n_val]] = True
        masks[2][idx[n_train + n_val:]] = True
    return tuple(masks)
