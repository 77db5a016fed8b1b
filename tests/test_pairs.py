"""The paired verdict: intervals as scipy's paired t-interval from the per-run CSV, one row
per unordered pair, a sentence a newcomer can read, and the seeds a difference would need."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gnncore.cli import main
from gnncore.pairs import COLUMNS, CSV_COLUMNS, paired_differences, seeds_needed, verdict


def runs(scores: dict[str, list[float]], dataset="Cora", folds=False) -> pd.DataFrame:
    rows = [{"kind": "node", "dataset": dataset, "model": m, "seed": s, "test_accuracy": v,
             **({"fold": 0} if folds else {})}
            for m, values in scores.items() for s, v in enumerate(values)]
    return pd.DataFrame(rows).sample(frac=1, random_state=0)  # order must not matter


def t_interval(diff: np.ndarray) -> tuple[float, float]:
    """The textbook paired t-interval, written out: mean +- t_{0.975, n-1} s / sqrt(n)."""
    n = len(diff)
    half = stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / math.sqrt(n)
    return diff.mean() - half, diff.mean() + half


def test_interval_and_p_value_are_the_paired_t_test_of_the_matched_runs():
    rng = np.random.default_rng(0)
    gcn = 0.815 + rng.normal(0, 0.006, 10)
    gat = gcn + 0.008 + rng.normal(0, 0.004, 10)
    mlp = 0.57 + rng.normal(0, 0.015, 10)
    pairs = paired_differences(runs({"gcn": gcn, "gat": gat, "mlp": mlp}), "test_accuracy", ["gcn", "gat", "mlp"])
    assert list(pairs.columns[:len(COLUMNS)]) == COLUMNS
    assert [(a, b) for a, b in zip(pairs.model_a, pairs.model_b)] == [("gcn", "gat"), ("gcn", "mlp"), ("gat", "mlp")]
    row = pairs.iloc[0]
    low, high = t_interval(gcn - gat)
    assert row.n_pairs == 10 and row.mean_diff == pytest.approx((gcn - gat).mean())  # a minus b
    assert (row.ci_low, row.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert row.p_value == pytest.approx(stats.ttest_rel(gcn, gat).pvalue)
    assert row.ci_high < 0  # GAT is better here, and the runs say so
    sentence = verdict(row, label=str.upper)
    assert sentence.startswith("GAT beats GCN by 0.") and "10 paired seeds" in sentence
    assert "95% CI" in sentence and "points on Cora" in sentence


def test_the_cli_writes_the_pairs_from_its_own_per_run_csv(tmp_path, capsys):
    out, pairs_out = tmp_path / "runs.csv", tmp_path / "pairs.csv"
    assert main(["gnn", "--dataset", "CSBM", "--models", "gcn,sage,mlp", "--seeds", "3", "--epochs", "4",
                 "--out", str(out), "--pairs-out", str(pairs_out)]) == 0
    per_run, pairs = pd.read_csv(out), pd.read_csv(pairs_out)
    assert list(pairs.columns) == CSV_COLUMNS and len(pairs) == 3  # one row per unordered pair
    for row in pairs.itertuples():  # accuracies in percentage points, as the page and the verdicts say them
        a = 100 * per_run[per_run.model == row.model_a].sort_values("seed").test_accuracy.to_numpy()
        b = 100 * per_run[per_run.model == row.model_b].sort_values("seed").test_accuracy.to_numpy()
        low, high = t_interval(a - b)
        assert row.n_pairs == 3 and row.mean_diff_points == pytest.approx((a - b).mean())
        assert (row.ci_low_points, row.ci_high_points) == (pytest.approx(low), pytest.approx(high))
    printed = capsys.readouterr().out
    assert printed.count("paired seeds") == 3


def test_only_runs_of_the_same_seed_and_fold_are_paired():
    frame = runs({"gcn": [0.80, 0.81, 0.82], "mlp": [0.60, 0.61]})
    (row,) = paired_differences(frame, "test_accuracy").itertuples()
    assert row.n_pairs == 2 and row.mean_diff == pytest.approx(0.2)


def test_a_difference_the_runs_cannot_tell_says_how_many_seeds_would():
    gcn = np.array([0.81, 0.80, 0.82, 0.815, 0.805])
    sage = gcn + np.array([0.010, -0.005, 0.008, -0.004, 0.006])  # +0.3 points, spread 0.7
    row = paired_differences(runs({"gcn": gcn, "sage": sage}), "test_accuracy").iloc[0]
    assert row.ci_low < 0 < row.ci_high
    sentence = verdict(row, label=str.upper)
    assert "cannot be told apart with 5 paired seeds" in sentence
    assert f"about {int(row.seeds_needed)} seeds" in sentence and row.seeds_needed > 5


def test_seeds_needed_is_the_power_of_the_paired_t_test():
    # Effect size 1 (difference = its spread): the textbook n for 80% power at 5% is 10.
    assert seeds_needed(1.0, 1.0) == 10
    assert seeds_needed(0.5, 1.0) > seeds_needed(1.0, 1.0) > seeds_needed(2.0, 1.0)
    assert math.isnan(seeds_needed(0.0, 1.0)) and math.isnan(seeds_needed(1e-6, 1.0))


def test_one_seed_is_too_few_and_says_so():
    row = paired_differences(runs({"gcn": [0.8], "gat": [0.82]}), "test_accuracy").iloc[0]
    assert row.n_pairs == 1 and math.isnan(row.ci_low)
    assert "too few" in verdict(row)


def test_a_model_without_the_metric_pairs_with_nothing_instead_of_failing():
    frame = runs({"gcn": [0.80, 0.81], "mlp": [0.6, 0.61]})
    frame.loc[frame.model == "mlp", "test_accuracy"] = None
    (row,) = paired_differences(frame, "test_accuracy").itertuples()
    assert row.n_pairs == 0 and "nothing to compare" in verdict(pd.Series(row._asdict()))


def test_a_zero_mean_with_spread_is_not_called_the_same_score():
    row = paired_differences(runs({"gcn": [0.80, 0.81], "gat": [0.8025, 0.8075]}), "test_accuracy").iloc[0]
    assert row.mean_diff == pytest.approx(0, abs=1e-9) and row.ci_low < 0 < row.ci_high
    assert "same score on every pair" not in verdict(row)


def test_advice_past_the_folds_the_data_allow_says_so_and_counts_seeds_of_folds():
    row = pd.Series({"model_a": "gcn", "model_b": "gin", "n_pairs": 10, "mean_diff": 0.02, "ci_low": -0.01,
                     "ci_high": 0.05, "dataset": "MUTAG", "seeds_needed": 106.0})
    text = verdict(row, unit="fold", most=20)
    assert "about 106 paired runs" in text and "more than the 20 folds the data allow" in text
    assert "about 6 seeds of 20 folds" in text and "about 106 folds" not in text
