"""The over-smoothing and homophily measures hold their known values."""

import pytest
import torch
from torch_geometric.utils import to_undirected

from gnncore.gnn.kernels.measures import homophily, mean_average_distance


def test_mad_is_zero_when_every_output_points_the_same_way_whatever_its_length():
    alike = torch.tensor([[1.0, 2.0, -1.0]]) * torch.tensor([[1.0], [3.0], [0.5], [10.0]])
    assert mean_average_distance(alike) == pytest.approx(0.0, abs=1e-12)


def test_mad_against_its_definition_and_blind_to_the_logits_scale():
    x = torch.randn(12, 5, generator=torch.Generator().manual_seed(0))
    u = torch.nn.functional.normalize(x.double(), dim=1)
    cos = u @ u.T
    by_pairs = float((1 - cos)[~torch.eye(12, dtype=torch.bool)].mean())
    assert mean_average_distance(x) == pytest.approx(by_pairs)
    assert mean_average_distance(0.01 * x) == pytest.approx(by_pairs)  # an unconfident model's logits
    # Two opposite directions, half the nodes each: distance 2 across, 0 within.
    half = torch.tensor([[1.0, 0.0]] * 3 + [[-1.0, 0.0]] * 3)
    assert mean_average_distance(half) == pytest.approx(2 * 9 / 15)


def test_homophily_of_a_two_class_graph():
    edges = to_undirected(torch.tensor([[0, 1, 2, 0], [1, 2, 3, 3]]))  # a 4-cycle
    y = torch.tensor([0, 0, 1, 1])
    measured = homophily(edges, y)
    assert measured["edge"] == pytest.approx(0.5)  # 0-1 and 2-3 join one class, 1-2 and 3-0 do not
    assert measured["class_insensitive"] == pytest.approx(0.0)  # exactly what two equal classes give
