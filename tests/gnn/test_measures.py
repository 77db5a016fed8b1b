"""The over-smoothing and homophily measures hold their known values."""

import pytest
import torch
from torch_geometric.utils import add_remaining_self_loops, degree, to_undirected

from gnncore.gnn.measures import dirichlet_energy, homophily


def ring(n=8):
    src = torch.arange(n)
    return to_undirected(torch.stack([src, (src + 1) % n]))


def test_energy_is_zero_for_features_as_smooth_as_the_graph_allows():
    edges = to_undirected(torch.tensor([[0, 0, 1, 2], [1, 2, 2, 3]]))  # degrees differ
    with_loops, _ = add_remaining_self_loops(edges, num_nodes=4)
    deg = degree(with_loops[0], 4)
    x = deg.sqrt().unsqueeze(-1) * torch.tensor([[1.0, -2.0]])  # the null space of the normalised Laplacian
    assert dirichlet_energy(x, edges) == pytest.approx(0.0, abs=1e-9)


def test_energy_is_scale_free_and_highest_for_alternating_features():
    edges = ring(8)
    alternating = torch.tensor([[1.0], [-1.0]] * 4)  # every neighbour opposite: the roughest signal
    rough = dirichlet_energy(alternating, edges)
    assert rough == pytest.approx(dirichlet_energy(1000 * alternating, edges))
    noise = dirichlet_energy(torch.randn(8, 16, generator=torch.Generator().manual_seed(0)), edges)
    assert 0 < noise < rough <= 2
    # On a ring with self-loops every degree is 3: 1 - (1 - 2) / 3 = 4/3 for the alternating signal.
    assert rough == pytest.approx(4 / 3)


def test_homophily_of_a_two_class_graph():
    edges = to_undirected(torch.tensor([[0, 1, 2, 0], [1, 2, 3, 3]]))  # a 4-cycle
    y = torch.tensor([0, 0, 1, 1])
    measured = homophily(edges, y)
    assert measured["edge"] == pytest.approx(0.5)  # 0-1 and 2-3 join one class, 1-2 and 3-0 do not
    assert measured["class_insensitive"] == pytest.approx(0.0)  # exactly what two equal classes give
