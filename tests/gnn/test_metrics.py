"""The hand-written AUC and AP against values worked out by hand."""

import pytest
import torch

from gnncore.gnn.kernels.metrics import average_precision, roc_auc


def t(values):
    return torch.tensor(values, dtype=torch.float)


def test_auc_perfect_reversed_and_constant():
    labels = t([0, 0, 1, 1])
    assert roc_auc(t([0.1, 0.2, 0.8, 0.9]), labels) == 1.0
    assert roc_auc(t([0.9, 0.8, 0.2, 0.1]), labels) == 0.0
    assert roc_auc(t([0.5, 0.5, 0.5, 0.5]), labels) == 0.5


def test_auc_counts_pairs():
    # positives 0.35, 0.8; negatives 0.1, 0.4. Pairs (pos > neg): 0.35>0.1, 0.8>0.1,
    # 0.8>0.4 -> 3 of 4.
    assert roc_auc(t([0.1, 0.4, 0.35, 0.8]), t([0, 0, 1, 1])) == pytest.approx(0.75)


def test_auc_ties_count_half():
    # positives 0.5, 0.9; negatives 0.5, 0.1: pairs 0.5=0.5 (1/2), 0.5>0.1, 0.9>0.5, 0.9>0.1
    # -> 3.5 of 4.
    assert roc_auc(t([0.5, 0.9, 0.5, 0.1]), t([1, 1, 0, 0])) == pytest.approx(0.875)


def test_auc_does_not_depend_on_order():
    g = torch.Generator().manual_seed(0)
    scores, labels = torch.rand(50, generator=g), torch.rand(50, generator=g) < 0.4
    perm = torch.randperm(50, generator=g)
    assert roc_auc(scores, labels) == pytest.approx(roc_auc(scores[perm], labels[perm]))


def test_auc_matches_pair_count_on_random_data():
    g = torch.Generator().manual_seed(1)
    scores = torch.randint(0, 5, (40,), generator=g).float()  # many ties
    labels = torch.rand(40, generator=g) < 0.5
    pos, neg = scores[labels], scores[~labels]
    diff = pos[:, None] - neg[None, :]
    expected = ((diff > 0).double().sum() + 0.5 * (diff == 0).double().sum()) / diff.numel()
    assert roc_auc(scores, labels) == pytest.approx(float(expected))


def test_ap_by_hand():
    # Descending: 0.8 (+), 0.4 (-), 0.35 (+), 0.1 (-).
    # Thresholds: recall 1/2 at precision 1/1; recall 2/2 at precision 2/3.
    # AP = 0.5 * 1 + 0.5 * 2/3 = 5/6.
    assert average_precision(t([0.1, 0.4, 0.35, 0.8]), t([0, 0, 1, 1])) == pytest.approx(5 / 6)


def test_ap_ties_enter_together():
    # 0.9 (+) then the tie {0.5 (+), 0.5 (-)}, then 0.1 (-).
    # Recall 1/2 at precision 1; recall 1 at precision 2/3 (3 predicted, 2 right).
    # AP = 0.5 + 0.5 * 2/3 = 5/6.
    assert average_precision(t([0.5, 0.9, 0.5, 0.1]), t([1, 1, 0, 0])) == pytest.approx(5 / 6)


def test_ap_perfect_and_worst():
    assert average_precision(t([0.9, 0.8, 0.1]), t([1, 1, 0])) == 1.0
    # Positive ranked last of 4: AP = 1 * 1/4.
    assert average_precision(t([0.9, 0.8, 0.7, 0.1]), t([0, 0, 0, 1])) == pytest.approx(0.25)


def test_one_class_only_is_an_error():
    with pytest.raises(ValueError):
        roc_auc(t([0.1, 0.2]), t([1, 1]))
    with pytest.raises(ValueError):
        average_precision(t([0.1, 0.2]), t([0, 0]))
