"""``python -m gnncore posenc``: the CSV, the summary, and bad input."""

import pandas as pd
import pytest

from gnncore.cli import main
from gnncore.runs import RunStore

FAST = ["--steps", "3", "--d-model", "16", "--heads", "2", "--batch-size", "4"]


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    """A private run store, whatever the environment says."""
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("GNNCORE_STORE", str(tmp_path / "data" / "runs.sqlite"))
    return tmp_path / "data" / "runs.sqlite"


def test_writes_one_row_per_encoding_seed_and_length(tmp_path, capsys):
    out = tmp_path / "results.csv"
    code = main(["posenc", "--task", "copy", "--encodings", "learned,alibi", "--train-length", "3",
                 "--test-length", "5", "--seeds", "2", "--out", str(out), *FAST])
    assert code == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["task", "encoding", "seed", "length", "in_distribution",
                                   "token_accuracy", "exact_match"]
    assert len(frame) == 2 * 2 * 5
    assert set(frame["task"]) == {"copy"} and set(frame["seed"]) == {0, 1}
    assert frame["in_distribution"].tolist()[:5] == [True] * 3 + [False] * 2
    # learned absolute has no positions past its table (9 tokens at input length 3): empty there
    learned = frame[frame["encoding"] == "learned"]
    assert learned[learned["length"] > 3]["token_accuracy"].isna().all()
    assert learned[learned["length"] <= 3]["token_accuracy"].notna().all()
    assert frame[frame["encoding"] == "alibi"]["exact_match"].notna().all()
    text = out.read_text().splitlines()
    assert text[-1].startswith("copy,learned,1,5,False,,") or "learned" not in text[-1]
    stdout = capsys.readouterr().out
    table = stdout.split("Is the difference real?")[0]  # the summary, before the verdicts
    lines = {line.split()[0]: line for line in table.splitlines() if line.split()}
    assert "n/a" in lines["learned"] and "n/a" not in lines["alibi"]
    assert f"wrote 20 rows to {out}" in stdout


def test_a_second_call_reads_the_store(capsys, store):
    args = ["posenc", "--encodings", "nope", "--train-length", "2", "--test-length", "3", "--seeds", "1", *FAST]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert len(RunStore(store)) == 1


@pytest.mark.parametrize("args, words", [
    (["--train-length", "16", "--test-length", "8"], "test_length"),
    (["--d-model", "64", "--heads", "6"], "heads (6) must divide d_model (64)"),
    (["--steps", "0"], "(steps) must be a whole number from 1"),
    (["--task", "multiplication"], "Unknown task 'multiplication'"),
    (["--encodings", "rope,absolute"], "Unknown encoding 'absolute'"),
    (["--seeds", "0"], "Seeds must be"),
    (["--steps", "many"], "invalid int value"),
    (["--d-model", "100000"], "from 2 to 512; got 100000 (the feed-forward weights"),
    (["--lr", "inf"], "must be above 0 and at most 1; got inf"),
    (["--steps", "10000000"], "from 1 to 50000"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_stored(args, words, tmp_path, capsys, store):
    out = tmp_path / "results.csv"
    assert main(["posenc", *args, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]
    assert not out.exists()
    assert not store.exists() or len(RunStore(store)) == 0


def test_rope_scaling_adds_a_row_per_scaling_for_rope_runs_only(tmp_path, capsys):
    out = tmp_path / "results.csv"
    code = main(["posenc", "--encodings", "rope,alibi", "--train-length", "3", "--test-length", "5",
                 "--rope-scaling", "none,pi,yarn", "--seeds", "1", "--out", str(out), *FAST])
    assert code == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["task", "encoding", "scaling", "seed", "length", "in_distribution",
                                   "token_accuracy", "exact_match"]
    rope, alibi = frame[frame["encoding"] == "rope"], frame[frame["encoding"] == "alibi"]
    assert rope["scaling"].tolist() == ["none"] * 5 + ["pi"] * 5 + ["yarn"] * 5
    assert set(alibi["scaling"]) == {"none"} and len(alibi) == 5
    stdout = capsys.readouterr().out
    assert "rope+pi" in stdout and "rope+yarn" in stdout and "rope+ntk" not in stdout


def test_max_position_goes_to_the_randomised_encodings_only(tmp_path, store):
    out = tmp_path / "results.csv"
    assert main(["posenc", "--encodings", "randomised-rope,nope", "--train-length", "3", "--test-length", "4",
                 "--max-position", "40", "--out", str(out), *FAST]) == 0
    params = {r.spec.model: r.spec.params for r in RunStore(store).results("posenc")}
    assert params["randomised-rope"]["max_position"] == 40 and "max_position" not in params["nope"]


@pytest.mark.parametrize("args, words", [
    (["--encodings", "rope", "--rope-scaling", "none,linear"], "--rope-scaling takes none,pi,ntk,yarn; got linear"),
    (["--encodings", "alibi", "--rope-scaling", "pi"], "add rope to --encodings"),
    (["--encodings", "rope", "--max-position", "256"], "--max-position applies only to randomised-sinusoidal"),
    (["--encodings", "randomised-learned", "--max-position", "50"], "must cover the longest test example, 99 tokens"),
])
def test_bad_new_flags_are_one_line_exit_2(args, words, capsys, store):
    assert main(["posenc", *args]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]
    assert not store.exists() or len(RunStore(store)) == 0


def test_pairs_out_pairs_every_two_encodings_over_the_same_seeds(tmp_path, capsys):
    from gnncore.pairs import CSV_COLUMNS

    out, pairs_out = tmp_path / "results.csv", tmp_path / "pairs.csv"
    assert main(["posenc", "--encodings", "alibi,nope,t5", "--train-length", "3", "--test-length", "5",
                 "--seeds", "3", "--out", str(out), "--pairs-out", str(pairs_out), *FAST]) == 0
    lengths, pairs = pd.read_csv(out), pd.read_csv(pairs_out)
    assert list(pairs.columns) == CSV_COLUMNS and len(pairs) == 3
    assert list(zip(pairs["model_a"], pairs["model_b"])) == [("t5", "alibi"), ("t5", "nope"), ("alibi", "nope")]
    # Each seed's out-of-distribution token accuracy: its mean over the lengths past the trained ones.
    ood = lengths[~lengths["in_distribution"]].groupby(["encoding", "seed"])["token_accuracy"].mean()
    for row in pairs.itertuples():
        diff = 100 * (ood[row.model_a] - ood[row.model_b])
        assert row.n_pairs == 3 and row.metric == "out_of_distribution_token_accuracy"
        assert row.mean_diff_points == pytest.approx(diff.mean())
        assert row.ci_low_points <= row.mean_diff_points <= row.ci_high_points
    stdout = capsys.readouterr().out
    assert "Is the difference real?" in stdout and stdout.count("3 paired seeds") == 3
    assert f"wrote 3 rows to {pairs_out}" in stdout
