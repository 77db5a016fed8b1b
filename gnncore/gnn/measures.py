"""Where message passing fails, measured: how smooth a run's node representations are, and
how homophilous a graph is.

* :func:`dirichlet_energy`: the Dirichlet energy of node features X (N x F), as Rusch et al.
  (2023, "A survey on oversmoothing in GNNs") define it, E(X) = 1/N sum_i sum_(j in N(i))
  ||X_i - X_j||^2: 0 exactly when neighbours agree; over-smoothing is its fall to 0. Runs
  measure it on their class probabilities (:func:`prediction_energy`), whose scale a model
  cannot inflate, so models compare without dividing by ||X||^2: a normalised energy
  measures the noise left on a collapsed output (docs/decisions.md, "Smoothness").
  Written here because PyG has no such measure.
* :func:`homophily`: PyG's edge homophily (the share of edges joining two nodes of the same
  class; Zhu et al. 2020) and class-insensitive edge homophily (Lim et al. 2021), which
  discounts what class sizes alone would give.
"""

from __future__ import annotations

import torch
from torch_geometric.utils import homophily as pyg_homophily


def dirichlet_energy(x: torch.Tensor, edge_index: torch.Tensor) -> float:
    """Dirichlet energy of ``x`` on the graph of ``edge_index`` (both directions listed),
    per node: 1/N sum over edges (i, j) of ||x_i - x_j||^2."""
    x = x.detach()
    if x.size(0) == 0:
        return float("nan")
    src, dst = edge_index
    return float((x[src] - x[dst]).pow(2).sum(dtype=torch.float64)) / x.size(0)


def prediction_energy(logits: torch.Tensor, edge_index: torch.Tensor) -> float:
    """The smoothness a run reports: the Dirichlet energy of its class probabilities, between
    0 (every neighbour predicts alike: over-smoothed, or a perfectly homophilous fit) and
    twice the mean degree."""
    return dirichlet_energy(logits.detach().softmax(-1), edge_index)


def homophily(edge_index: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """``edge`` and ``class_insensitive`` homophily of a labelled graph."""
    return {"edge": float(pyg_homophily(edge_index, y, method="edge")),
            "class_insensitive": float(pyg_homophily(edge_index, y, method="edge_insensitive"))}
