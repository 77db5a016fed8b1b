"""Negative pairs for link prediction: PyG's ``negative_sampling``, the same pairs, faster.

Link prediction draws fresh negative training pairs every epoch with PyG's
``negative_sampling`` (its "sparse" method), which draws with ``random.sample`` from
Python's generator and filters the known edges with ``np.isin``: a large share of a link
epoch (docs/decisions.md), and what is drawn must stay what it was, since the pairs decide
every stored link result. :class:`NegativePairs` gives the same pairs from the same
generator state, and leaves the generator where PyG's call leaves it:

* ``random.sample(range(n), k)`` (CPython's set method, the one it takes when n is large
  against k) is a loop of ``getrandbits`` calls with rejection; :func:`python_sample`
  draws the same 32-bit words at once with NumPy's MT19937 (the same Mersenne Twister,
  started from Python's state) and applies the same rejections vectorised. No library
  offers this, hence by hand; where CPython would take its other method, or the draws
  need more than 32 bits, it calls ``random.sample`` itself.
* The graph is fixed for a run, so the known edges are turned into PyG's pair numbers
  (:func:`pair_numbers`, as PyG's private ``edge_index_to_vector``) and sorted once, not
  every epoch.
"""

from __future__ import annotations

import math
import random

import numpy as np
import torch

__all__ = ["NegativePairs", "pair_numbers", "pairs", "python_sample"]


def pair_numbers(edge_index: torch.Tensor, num_nodes: int) -> tuple[torch.Tensor, int]:
    """Each edge's number among the ``num_nodes * (num_nodes - 1)`` ordered pairs that are
    no self-loop (self-loops dropped), and that count: PyG's numbering for a graph that is
    neither bipartite nor forced undirected, kept here as PyG keeps it private."""
    row, col = edge_index
    mask = row != col
    row, col = row[mask], col[mask]
    col[row < col] -= 1
    return row * (num_nodes - 1) + col, num_nodes * num_nodes - num_nodes


def pairs(numbers: torch.Tensor, num_nodes: int) -> torch.Tensor:
    """[2, k] node pairs of pair ``numbers`` (:func:`pair_numbers`' inverse)."""
    row = numbers.div(num_nodes - 1, rounding_mode="floor")
    col = numbers % (num_nodes - 1)
    col[row <= col] += 1
    return torch.stack([row, col], dim=0)


def python_sample(n: int, k: int) -> np.ndarray:
    """``random.sample(range(n), k)`` as an int64 array: the same values, and Python's
    generator left in the same state."""
    setsize = 21 + (4 ** math.ceil(math.log(k * 3, 4)) if k > 5 else 0)  # CPython's rule
    bits = n.bit_length()
    if n <= setsize or bits > 32 or not 0 <= k <= n:
        return np.asarray(random.sample(range(n), k), dtype=np.int64)
    version, internal, gauss = random.getstate()
    start = {"bit_generator": "MT19937", "state": {"key": np.asarray(internal[:-1], dtype=np.uint32),
                                                    "pos": internal[-1]}}
    twister = np.random.MT19937()
    twister.state = start
    words = np.empty(0, dtype=np.uint64)
    needed = k + k // 4 + 64  # words per try; rejections and repeats cost a few more
    while True:
        words = np.concatenate([words, twister.random_raw(needed)])
        candidates = (words >> np.uint64(32 - bits)).astype(np.int64)  # getrandbits(bits)
        valid = np.flatnonzero(candidates < n)  # randbelow's rejection
        _, first = np.unique(candidates[valid], return_index=True)
        fresh = np.zeros(valid.size, dtype=bool)
        fresh[first] = True  # the set method's "while j in selected": only first draws count
        taken = valid[fresh]
        if taken.size >= k:
            break
        needed = max(needed, k - taken.size + 64)
    used = int(taken[k - 1]) + 1 if k else 0
    twister.state = start
    twister.random_raw(used)
    state = twister.state["state"]
    random.setstate((version, tuple(int(w) for w in state["key"]) + (int(state["pos"]),), gauss))
    return candidates[taken[:k]]


class NegativePairs:
    """``negative_sampling(edge_index, num_nodes, count)`` for one fixed graph: pairs that are
    no edge and no self-loop, as PyG's sparse method draws them."""

    def __init__(self, edge_index: torch.Tensor, num_nodes: int):
        self.size = (num_nodes, num_nodes)
        idx, self.population = pair_numbers(edge_index.cpu(), num_nodes)
        self.known = np.unique(idx.numpy())
        self.count_known = idx.numel()  # PyG's rate counts repeated edges too
        self.device = edge_index.device

    def draw(self, count: int) -> torch.Tensor:
        if self.count_known >= self.population:
            return torch.empty((2, 0), dtype=torch.long, device=self.device)
        prob = 1.0 - self.count_known / self.population
        sample_size = int(1.1 * count / prob)
        negatives = np.empty(0, dtype=np.int64)
        for _ in range(3):  # PyG's three tries
            drawn = (np.arange(self.population) if self.population <= sample_size
                     else python_sample(self.population, sample_size))
            clash = _isin(drawn, self.known) | _isin(drawn, np.sort(negatives))
            negatives = np.concatenate([negatives, drawn[~clash]])
            if negatives.size >= count:
                negatives = negatives[:count]
                break
        return pairs(torch.from_numpy(negatives).to(self.device), self.size[0])


def _isin(values: np.ndarray, sorted_: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_)`` for a sorted ``sorted_``, by binary search."""
    if sorted_.size == 0:
        return np.zeros(values.shape, dtype=bool)
    at = np.searchsorted(sorted_, values).clip(max=sorted_.size - 1)
    return sorted_[at] == values
