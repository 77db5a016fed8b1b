"""The Runs page with one model and seed under two settings (GCN at 3 epochs, then GCN and
GAT at 2): no model is pooled over settings, the page shows one setting group at a time with
a table of both, the inside view gets one run per model, and a view that fails leaves the
rest of the page (the comparison zip) standing."""

from __future__ import annotations

import pytest

from gnncore.cli import main
from gnncore.runs import RunStore

PAGE = "pages/3_Runs.py"


@pytest.fixture(autouse=True)
def own_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "data"))


@pytest.fixture
def two_settings(capsys):
    for models, epochs in (("gcn", "3"), ("gcn,gat", "2")):
        assert main(["gnn", "--dataset", "KarateClub", "--models", models, "--seeds", "1", "--epochs", epochs,
                     "--workers", "1"]) == 0
    capsys.readouterr()
    return RunStore()


def summary(at):
    return next(d.value for d in at.dataframe if "Runs" in d.value.columns)


def zipped(at) -> bool:
    return any(b.proto.label.startswith("Download the comparison") for b in at.get("download_button"))


def test_one_model_and_seed_under_two_settings_is_shown_one_setting_at_a_time(pages, two_settings):
    at = pages.open(PAGE)
    pages.no_exceptions(at)
    (sentence,) = [m for m in pages.texts(at.markdown) if m.startswith("**Across settings**")]
    assert "GCN with the same dataset and seed under different settings (epochs)" in sentence
    across = next(d.value for d in at.dataframe if "epochs=2" in d.value.columns)
    assert list(across.columns) == ["Model", "epochs=2", "epochs=3"] and list(across["Model"]) == ["GCN", "GAT"]
    assert across.loc[1, "epochs=3"] == "–"  # GAT never ran at 3 epochs
    group = at.selectbox(key="runs:group")
    assert group.options == ["epochs=2: GCN, GAT (2 runs)", "epochs=3: GCN (1 run)"]
    assert group.value == "epochs=2: GCN, GAT (2 runs)"  # the largest group first
    table = summary(at)
    assert list(table["Model"]) == ["GCN", "GAT"] and list(table["Runs"]) == [1, 1]  # nothing pooled
    assert list(next(d.value for d in at.dataframe if "Predicts" in d.value.columns)["Model"]) == ["GCN", "GAT"]  # one per model
    assert zipped(at)

    group.set_value("epochs=3: GCN (1 run)").run()
    pages.no_exceptions(at)
    assert list(summary(at)["Model"]) == ["GCN"] and zipped(at)


def test_a_view_that_fails_leaves_the_rest_of_the_page(pages, two_settings, monkeypatch):
    from gnncore.app import results

    def broken(*args, **kwargs):
        raise TypeError("int() argument must be a string, not 'Series'")

    monkeypatch.setattr(results, "show_inside", broken)
    at = pages.open(PAGE)
    pages.no_exceptions(at)
    (error,) = pages.texts(at.error)
    assert error.startswith("Inside the models could not be drawn (TypeError: int() argument")
    assert zipped(at)
