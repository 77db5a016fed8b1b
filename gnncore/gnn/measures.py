"""Where message passing fails, measured: how smooth a run's node representations are, and
how homophilous a graph is.

* :func:`dirichlet_energy`: the normalised Dirichlet energy of node features X (N x F),
  E(X) = trace(X^T (I - D^-1/2 A D^-1/2) X) / trace(X^T X), with A the adjacency plus
  self-loops and D its degrees (Cai & Wang 2020; Rusch et al. 2023 use the unnormalised
  sum). Dividing by ||X||^2 makes it independent of the features' scale, so models compare:
  it lies in [0, 2], and it falls to 0 as every node's features become the same (up to the
  degree scaling), which is over-smoothing. Written here because PyG has no such measure.
* :func:`homophily`: PyG's edge homophily (the share of edges joining two nodes of the same
  class; Zhu et al. 2020) and class-insensitive edge homophily (Lim et al. 2021), which
  discounts what class sizes alone would give.
"""

from __future__ import annotations

import torch
from torch_geometric.utils import add_remaining_self_loops, degree
from torch_geometric.utils import homophily as pyg_homophily


def dirichlet_energy(x: torch.Tensor, edge_index: torch.Tensor) -> float:
    """Normalised Dirichlet energy of ``x`` on the graph of ``edge_index`` (both directions)."""
    x = x.detach().double()
    n = x.size(0)
    total = float((x * x).sum())
    if n == 0 or total == 0:
        return float("nan")
    edges, _ = add_remaining_self_loops(edge_index, num_nodes=n)
    deg = degree(edges[0], n, dtype=x.dtype)
    scaled = x / deg.sqrt().unsqueeze(-1)
    # x^T (I - D^-1/2 A D^-1/2) x = sum_i |x_i|^2 - sum_(i,j) in A <x_i/sqrt(d_i), x_j/sqrt(d_j)>
    smooth = float((scaled[edges[0]] * scaled[edges[1]]).sum())
    return (total - smooth) / total


def homophily(edge_index: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """``edge`` and ``class_insensitive`` homophily of a labelled graph."""
    return {"edge": float(pyg_homophily(edge_index, y, method="edge")),
            "class_insensitive": float(pyg_homophily(edge_index, y, method="edge_insensitive"))}
