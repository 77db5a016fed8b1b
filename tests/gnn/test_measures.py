"""The over-smoothing and homophily measures hold their known values."""

import pytest
import torch
from torch_geometric.utils import to_undirected

from gnncore.gnn.measures import dirichlet_energy, homophily, prediction_energy


def ring(n=8):
    src = torch.arange(n)
    return to_undirected(torch.stack([src, (src + 1) % n]))


def test_energy_is_zero_when_every_neighbour_agrees_whatever_the_degrees():
    edges = to_undirected(torch.tensor([[0, 0, 1, 2], [1, 2, 2, 3]]))  # degrees differ
    assert dirichlet_energy(torch.tensor([[1.0, -2.0]]).repeat(4, 1), edges) == 0.0
    # A collapsed model: the same logits everywhere (and a constant added changes nothing).
    logits = torch.tensor([[3.0, 1.0, -1.0]]).repeat(4, 1)
    assert prediction_energy(logits, edges) == 0.0
    varied = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    assert prediction_energy(varied + 7.0, edges) == pytest.approx(prediction_energy(varied, edges))


def test_energy_of_alternating_features_on_a_ring():
    edges = ring(8)
    alternating = torch.tensor([[1.0], [-1.0]] * 4)  # every neighbour opposite: the roughest signal
    # Each node has two neighbours, each at squared distance 4: 8 per node.
    assert dirichlet_energy(alternating, edges) == pytest.approx(8.0)
    assert dirichlet_energy(3 * alternating, edges) == pytest.approx(72.0)  # not scale-free: Rusch et al.'s
    # Confident opposite predictions: the probabilities (1, 0) and (0, 1) differ by 2 per edge.
    confident = torch.cat([100 * alternating, -100 * alternating], 1)
    assert prediction_energy(confident, edges) == pytest.approx(4.0)  # twice the mean degree, the most


def test_homophily_of_a_two_class_graph():
    edges = to_undirected(torch.tensor([[0, 1, 2, 0], [1, 2, 3, 3]]))  # a 4-cycle
    y = torch.tensor([0, 0, 1, 1])
    measured = homophily(edges, y)
    assert measured["edge"] == pytest.approx(0.5)  # 0-1 and 2-3 join one class, 1-2 and 3-0 do not
    assert measured["class_insensitive"] == pytest.approx(0.0)  # exactly what two equal classes give
