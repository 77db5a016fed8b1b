"""gnncore.gnn.kernels.negatives draws what PyG's negative_sampling draws, from the same state of
Python's generator, and leaves that generator where PyG leaves it."""

import random

import pytest
import torch
from torch_geometric.utils import negative_sampling

from gnncore.gnn.kernels.negatives import NegativePairs, python_sample


@pytest.mark.parametrize("n,k", [(7_333_556, 4935),  # Cora's pairs, one epoch's draw
                                 (100, 30),  # CPython's pool method: handed to random.sample
                                 (10**6, 3), (2**33, 10),  # few draws; more than 32 bits a draw
                                 (50, 50), (1 << 20, 1 << 19)])  # many repeats to reject
def test_the_sample_is_random_sample_and_leaves_the_same_state(n, k):
    random.seed(3)
    expected, state = random.sample(range(n), k), random.getstate()
    random.seed(3)
    assert python_sample(n, k).tolist() == expected
    assert random.getstate() == state


def _graph(n, edges, seed):
    g = torch.Generator().manual_seed(seed)
    ei = torch.randint(n, (2, edges), generator=g)
    return torch.cat([ei, ei.flip(0)], 1)  # both directions, repeats and self-loops kept


@pytest.mark.parametrize("n,edges,count", [(2708, 4500, 4500), (300, 2000, 2000),
                                           (8, 20, 30)])  # nearly complete: PyG's later tries
def test_the_pairs_are_pygs_epoch_after_epoch(n, edges, count):
    ei = _graph(n, edges, n)
    negatives = NegativePairs(ei, n)
    random.seed(11)
    expected = [negative_sampling(ei, num_nodes=n, num_neg_samples=count) for _ in range(5)]
    state = random.getstate()
    random.seed(11)
    drawn = [negatives.draw(count) for _ in range(5)]
    assert all(torch.equal(a, b) for a, b in zip(expected, drawn))
    assert random.getstate() == state
    src, dst = drawn[0]
    known = set(zip(ei[0].tolist(), ei[1].tolist()))
    assert not (src == dst).any() and not any((u, v) in known for u, v in zip(src.tolist(), dst.tolist()))


def test_a_complete_graph_has_no_negatives():
    n = 5
    ei = torch.tensor([[i, j] for i in range(n) for j in range(n) if i != j]).t()
    assert NegativePairs(ei, n).draw(4).shape == (2, 0) == negative_sampling(ei, num_nodes=n).shape
