"""Split rules: how a dataset's train / validation / test masks come from a run's seed.

Each rule takes ``(graph, seed, knob values)`` and returns the three masks; a dataset entry
names its rule (:class:`gnncore.gnn.data.entry.DatasetInfo.split_rule`). Every rule draws
from its own generator seeded by the run's seed, never from torch's global stream.
"""

from __future__ import annotations

import torch
from torch_geometric.data import Data

__all__ = ["SHCHUR_TRAIN", "SHCHUR_VAL", "fixed", "fraction_counts", "halves", "per_class_fractions",
           "per_class_fractions_minimum", "per_class_split", "shchur"]

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
        n_train, n_val, _ = fraction_counts(len(idx), train, val)
        masks[0][idx[:n_train]] = True
        masks[1][idx[n_train:n_train + n_val]] = True
        masks[2][idx[n_train + n_val:]] = True
    return tuple(masks)


def fraction_counts(size: int, train: float, val: float) -> tuple[int, int, int]:
    """How many of a class of ``size`` nodes :func:`per_class_fractions` puts in training,
    validation and test (the same for every seed)."""
    n_train = max(1, round(train * size))
    n_val = min(size - n_train, round(val * size))
    return n_train, n_val, size - n_train - n_val


def per_class_fractions_minimum(train: float, val: float) -> int:
    """The fewest nodes a class needs for :func:`per_class_fractions` to give each of
    training, validation and test at least one of them, at that size and every larger one.

    Past ``size > 1 / train`` and ``size > 1 / val`` both ``round(train size)`` and
    ``round(val size)`` are at least one, and past ``size > 1 / (1 - train - val)`` so is
    the test part, ``size - round(train size) - round(val size) > (1 - train - val) size - 1``;
    below that bound the sizes are tried one by one (rounding makes the answer uneven: at
    0.6 / 0.2 a class of 3 leaves test empty, of 2 validation).
    """
    if not (0 < val and 0 < train and train + val < 1):
        raise ValueError(f"train {train} and val {val} leave no node for validation or test")
    bound = int(max(1 / (1 - train - val), 1 / train, 1 / val)) + 2
    failing = [size for size in range(1, bound) if min(fraction_counts(size, train, val)) < 1]
    return max(failing, default=0) + 1
