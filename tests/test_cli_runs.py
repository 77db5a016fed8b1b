"""``python -m gnncore runs list|delete|export``: the run store headless; runs trained by
the CLI are listed one per line, deleted only with explicit filters or --all, exported as
the comparison zip or a CSV."""

from __future__ import annotations

import io
import sqlite3
import zipfile

import pandas as pd
import pytest

from gnncore import history
from gnncore.cli import main
from gnncore.runs import RunStore


@pytest.fixture
def trained(capsys):
    for dataset in ("CSBM", "KarateClub"):
        assert main(["gnn", "--dataset", dataset, "--models", "gcn,mlp", "--seeds", "2", "--epochs", "3",
                     "--workers", "1"]) == 0
    assert main(["gnn", "--dataset", "CSBM", "--models", "gcn", "--seeds", "1", "--epochs", "3",
                 "--lr", "0.5", "--workers", "1"]) == 0
    capsys.readouterr()
    return RunStore()


def lines(capsys) -> list[str]:
    return capsys.readouterr().out.strip().splitlines()


def test_list_prints_one_line_per_run_with_dataset_model_seed_and_metric(trained, capsys):
    assert main(["runs", "list"]) == 0
    out = lines(capsys)
    assert out[-1] == "9 runs" and len(out) == 10
    for line in out[:-1]:
        assert "test_accuracy " in line and "%" in line and " seed " in line
    assert sum("KarateClub" in line and " gcn " in line for line in out) == 2

    assert main(["runs", "list", "--dataset", "csbm", "--model", "gcn"]) == 0
    assert lines(capsys)[-1] == "3 runs"
    assert main(["runs", "list", "--param", "lr=0.5"]) == 0
    assert lines(capsys)[-1] == "1 run"
    assert main(["runs", "list", "--kind", "link"]) == 0
    assert lines(capsys) == ["0 runs"]
    assert main(["runs", "list", "--since", "today", "--seed", "1"]) == 0
    assert lines(capsys)[-1] == "4 runs"


def test_delete_needs_filters_or_all_and_says_how_many(trained, capsys):
    assert main(["runs", "delete"]) == 2
    assert "needs filters" in capsys.readouterr().err and len(trained) == 9
    assert main(["runs", "delete", "--param", "lr=0.5"]) == 0
    assert lines(capsys) == ["deleted 1 run."]
    with sqlite3.connect(trained.path) as db:
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 8
        assert db.execute("SELECT COUNT(DISTINCT key) FROM artifacts").fetchone()[0] == 8
    assert main(["runs", "delete", "--dataset", "KarateClub", "--model", "mlp"]) == 0
    assert lines(capsys) == ["deleted 2 runs."]
    assert main(["runs", "delete", "--all"]) == 0
    assert lines(capsys) == ["deleted 6 runs."] and len(trained) == 0


def test_export_writes_the_comparison_zip_or_a_csv(trained, tmp_path, capsys):
    out = tmp_path / "cmp.zip"
    assert main(["runs", "export", "--param", "lr=0.01", "--out", str(out)]) == 0
    assert lines(capsys) == [f"wrote 8 runs to {out}"]
    archive = zipfile.ZipFile(out)
    names = archive.namelist()
    assert {"charts/final_test_accuracy.png", "charts/learning_curves.html", "data/pairs.csv",
            "specs.json", "README.txt"} <= set(names)
    summary = pd.read_csv(io.BytesIO(archive.read("data/summary.csv")))
    assert sorted(zip(summary["Dataset"], summary["Model"])) == [
        ("CSBM", "GCN"), ("CSBM", "MLP"), ("KarateClub", "GCN"), ("KarateClub", "MLP")]
    readme = archive.read("README.txt").decode()
    assert "(node on KarateClub, CSBM)" in readme and "gnn --task node --dataset CSBM" in readme

    csv = tmp_path / "runs.csv"
    assert main(["runs", "export", "--dataset", "KarateClub", "--out", str(csv)]) == 0
    frame = pd.read_csv(csv)
    assert len(frame) == 4 and {"test_accuracy", "lr", "seed"} <= set(frame.columns)
    capsys.readouterr()
    assert main(["runs", "export", "--dataset", "Nope", "--out", str(csv)]) == 2
    assert "No stored run matches" in capsys.readouterr().err
    assert main(["runs", "export", "--out", str(tmp_path / "x.txt")]) == 2
    assert main(["runs", "list", "--param", "lr"]) == 2
    assert main(["runs", "list", "--param", "nonsense=1"]) == 2
    assert "the settings are" in capsys.readouterr().err
    assert main(["runs", "list", "--since", "31/12"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_tags_from_the_page_show_in_the_list_and_filter(trained, capsys):
    keys = history.runs_table(trained)["key"][:2]
    history.add_tag(trained, keys, "keep")
    assert main(["runs", "list", "--tag", "keep"]) == 0
    out = lines(capsys)
    assert out[-1] == "2 runs" and all(line.endswith("[keep]") for line in out[:-1])
