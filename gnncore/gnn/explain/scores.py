"""How an explanation is scored: against the planted motif where there is one (AUC), and
against the model itself (fidelity+ and fidelity-, and their characterization score,
Amara et al. 2022, GraphFramEx, as PyG's ``torch_geometric.explain.metric`` computes them).

Fidelity needs a hard explanation: the ``top_edges`` edges the explainer ranks highest
(ties broken by edge order). fid+ is 1 when the model's prediction changes once those
edges are removed, fid- is 1 when it changes with only those edges kept; a run's scores
are their means over the explained nodes, so a faithful explainer has high fid+ and low fid-.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.stats import rankdata
from torch_geometric.explain import Explainer, Explanation
from torch_geometric.explain.metric import characterization_score, fidelity

from gnncore.protocol import Metric

__all__ = ["CHARACTERIZATION", "FIDELITY_MINUS", "FIDELITY_PLUS", "GROUND_TRUTH_AUC", "METRICS", "MODEL_ACCURACY",
           "MS_PER_NODE", "NODES", "characterization", "hard", "mask_auc", "node_fidelity"]

GROUND_TRUTH_AUC = Metric(
    "ground_truth_auc", "Explanation AUC", short="AUC", digits=3,
    help="How well the edge importances rank the planted motif's edges above the others (1: perfectly, "
         "0.5: as chance), per explained node, mean over nodes (Ying et al. 2019's explanation accuracy).")
FIDELITY_PLUS = Metric(
    "fidelity_plus", "Fidelity+", short="Fid+", digits=3,
    help="How often the prediction changes when the explanation's top edges are removed: higher is more "
         "necessary.")
FIDELITY_MINUS = Metric(
    "fidelity_minus", "Fidelity-", short="Fid-", digits=3, higher_is_better=False,
    help="How often the prediction changes when only the explanation's top edges are kept: lower is more "
         "sufficient.")
CHARACTERIZATION = Metric(
    "characterization", "Characterization", short="Charact.", digits=3,
    help="The harmonic mean of fidelity+ and 1 - fidelity- (Amara et al. 2022): high only when the "
         "explanation is both necessary and sufficient.")
MODEL_ACCURACY = Metric("model_accuracy", "Model's test accuracy", short="Model acc.", fraction=True,
                        help="The explained model's test accuracy (its node run's reported epoch).")
MS_PER_NODE = Metric("ms_per_node", "Time per explanation", short="ms / node", unit="ms", digits=1,
                     higher_is_better=False, help="Wall time to explain one node, on one thread.")
NODES = Metric("nodes", "Nodes explained", whole=True, digits=0, help="How many nodes the run explained.")
METRICS = (CHARACTERIZATION, FIDELITY_PLUS, FIDELITY_MINUS, GROUND_TRUTH_AUC)


def mask_auc(importance: torch.Tensor, truth: torch.Tensor) -> float:
    """ROC AUC of ``importance`` against the 0/1 ``truth`` (NaN where truth is all one kind):
    the Mann-Whitney U over the number of pairs, ties counting half. Written with scipy's
    ranks because scikit-learn is not a dependency and PyG's ``groundtruth_metrics`` needs
    torchmetrics, which is not either."""
    truth = truth.bool().numpy()
    pos, neg = int(truth.sum()), int((~truth).sum())
    if not pos or not neg:
        return math.nan
    ranks = rankdata(importance.detach().numpy())
    return float((ranks[truth].sum() - pos * (pos + 1) / 2) / (pos * neg))


def hard(explanation: Explanation, top_edges: int) -> Explanation:
    """The explanation as its ``top_edges`` most important edges (a 0/1 edge mask), without
    feature masks, so every explainer is judged on edges alone, attention included."""
    mask = explanation.edge_mask.detach()
    keep = torch.zeros_like(mask)
    keep[torch.argsort(-mask, stable=True)[:top_edges]] = 1.0
    out = Explanation(x=explanation.x, edge_index=explanation.edge_index, edge_mask=keep,
                      index=explanation.get("index"), target=explanation.get("target"))
    out._model_args = []  # what PyG's fidelity passes on to the model beside x and edge_index
    return out


def node_fidelity(explainer: Explainer, explanation: Explanation, top_edges: int) -> tuple[float, float]:
    """(fid+, fid-) of one explanation, by PyG's ``fidelity`` on its hard form."""
    plus, minus = fidelity(explainer, hard(explanation, top_edges))
    return float(plus), float(minus)


def characterization(plus: float, minus: float) -> float:
    """PyG's characterization score of a run's mean fidelities; 0 where fid+ is 0 or fid- is 1
    (its formula divides by them)."""
    if plus <= 0 or minus >= 1:
        return 0.0
    return float(characterization_score(torch.tensor(plus), torch.tensor(minus)))


def mean(values: list[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan
