"""Where message passing fails, measured: how smooth a run's node representations are, and
how homophilous a graph is.

* :func:`mean_average_distance`: MAD (Chen et al. 2020, "Measuring and relieving the
  over-smoothing problem"), the mean cosine distance between the representations of two
  distinct nodes: near 0 when every node's output points the same way, which is
  over-smoothing. A cosine ignores each output's length, so a model's confidence (the
  logits' scale, which differs from GAT to GCN by an order of magnitude) does not move it;
  Dirichlet energies either depend on that scale or, normalised, measure the noise left on
  a collapsed output (docs/decisions.md, "Smoothness"). Written here because PyG has no
  such measure.
* :func:`homophily`: PyG's edge homophily (the share of edges joining two nodes of the same
  class; Zhu et al. 2020) and class-insensitive edge homophily (Lim et al. 2021), which
  discounts what class sizes alone would give.
"""

from __future__ import annotations

import torch
from torch_geometric.utils import homophily as pyg_homophily


def mean_average_distance(x: torch.Tensor) -> float:
    """Mean of 1 - cos(x_i, x_j) over all pairs of distinct nodes, exactly, in O(N F):
    sum_(i != j) <u_i, u_j> = ||sum_i u_i||^2 - sum_i ||u_i||^2 for unit rows u. Chen et al.
    average only the non-zero distances; all of them here, so that a collapsed output reads 0.
    An all-zero row counts as pointing nowhere (distance 1 to every other)."""
    n = x.size(0)
    if n < 2:
        return float("nan")
    u = torch.nn.functional.normalize(x.detach().double(), dim=1)
    pairs = float(u.sum(0).pow(2).sum() - u.pow(2).sum())
    return max(0.0, 1.0 - pairs / (n * (n - 1)))  # rounding leaves -1e-17 on a collapsed output


def homophily(edge_index: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """``edge`` and ``class_insensitive`` homophily of a labelled graph."""
    return {"edge": float(pyg_homophily(edge_index, y, method="edge")),
            "class_insensitive": float(pyg_homophily(edge_index, y, method="edge_insensitive"))}
