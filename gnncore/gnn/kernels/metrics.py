"""Ranking metrics for link prediction: ROC AUC and average precision.

Written by hand because no installed library has them (scikit-learn and torchmetrics are
not dependencies). Both follow scikit-learn's definitions, ties included, so the numbers
compare with papers that used ``roc_auc_score`` and ``average_precision_score`` (GAE did).

Inputs: ``scores`` [n] (any real numbers, higher means "more likely an edge") and
``labels`` [n] (1 for a positive, 0 for a negative). Outputs: a Python float in [0, 1].
"""

from __future__ import annotations

import torch


def _check(scores: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    # On the CPU whatever device scored: ranking a few thousand pairs is no GPU work.
    scores, labels = scores.detach().reshape(-1).double().cpu(), labels.detach().reshape(-1).bool().cpu()
    if scores.numel() != labels.numel():
        raise ValueError(f"{scores.numel()} scores but {labels.numel()} labels")
    if not labels.any() or labels.all():
        raise ValueError("need at least one positive and one negative example")
    return scores, labels


def roc_auc(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """Area under the ROC curve: the probability that a random positive scores above a
    random negative, ties counting one half.

    Computed from ranks (the Mann-Whitney U statistic):
    AUC = (sum of the positives' ranks - P (P + 1) / 2) / (P N), where tied scores share
    the average of the ranks they span.
    """
    scores, labels = _check(scores, labels)
    order = scores.argsort()
    values, counts = torch.unique_consecutive(scores[order], return_counts=True)
    # Average rank (1-based) of each group of tied scores.
    ends = counts.cumsum(0).double()
    group_rank = ends - (counts.double() - 1) / 2
    ranks = torch.empty_like(scores)
    ranks[order] = group_rank.repeat_interleave(counts)
    pos, neg = int(labels.sum()), int((~labels).sum())
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg))


def average_precision(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """Average precision: AP = sum_k (R_k - R_{k-1}) P_k over the distinct score
    thresholds, from the highest down (precision P_k and recall R_k of predicting
    "positive" for every score >= the k-th threshold).

    No interpolation, tied scores enter together: scikit-learn's definition.
    """
    scores, labels = _check(scores, labels)
    order = scores.argsort(descending=True)
    scores, labels = scores[order], labels[order].double()
    # The last position of each run of tied scores is where a threshold cuts.
    last = torch.ones_like(scores, dtype=torch.bool)
    last[:-1] = scores[1:] != scores[:-1]
    true_pos = labels.cumsum(0)[last]
    predicted = torch.arange(1, len(scores) + 1, dtype=torch.double)[last]
    precision = true_pos / predicted
    recall = true_pos / labels.sum()
    recall_step = torch.diff(recall, prepend=recall.new_zeros(1))
    return float((recall_step * precision).sum())
