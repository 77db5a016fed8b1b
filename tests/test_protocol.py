"""The engine protocol: every engine declares its facts once, every setting validates from its
declaration, one grid builds every front end's specs, and a registry entry reaches every
front end (CLI, sidebar, charts, README) without a table of its own."""

from pathlib import Path

import pytest

from gnncore import runs
from gnncore.charts import theme
from gnncore.cli import build_parser
from gnncore.protocol import Setting
from gnncore.spec import RunSpec, SpecError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kind", runs.kinds())
def test_every_engine_declares_consistent_facts(kind):
    f = runs.facts(kind)
    assert f.kind == kind and f.title and f.command
    assert f.default_dataset in f.datasets
    assert set(f.default_models) <= set(f.models) and f.default_models
    assert 1 <= f.seeds <= f.max_seeds
    names = [s.name for s in f.settings]
    assert len(names) == len(set(names)), "a setting declared twice"
    # Every default the engine fills in is a declared setting, so it is validated.
    for model in f.models:
        filled = runs.engine(kind).defaults(RunSpec.make(kind, f.default_dataset, model))
        assert set(filled) <= set(names), (model, set(filled) - set(names))
        # Each model resolves on some dataset (Abacus and position coupling need numbers: addition).
        assert any(_resolves(kind, dataset, model) for dataset in f.datasets), model


def _resolves(kind: str, dataset: str, model: str) -> bool:
    from gnncore.spec import SpecError

    try:
        runs.resolve(RunSpec.make(kind, dataset, model))
    except SpecError:
        return False
    return True


def test_each_registry_entry_reaches_the_cli_the_charts_and_the_readme():
    readme = (ROOT / "README.md").read_text()
    help_text = " ".join(a.help or "" for sub in build_parser()._subparsers._group_actions
                         for p in sub.choices.values() for a in p._actions)
    for name, entry in runs.models().items():
        assert entry.label and entry.title and entry.color.startswith("#")
        assert theme.display_name(name) == entry.label
        assert theme.color_of(name) == entry.color
        assert name in help_text, f"{name} missing from the CLI's help"
        assert entry.label in readme, f"{entry.label} missing from README.md"
    colours = [e.color for k in runs.kinds() for e in runs.facts(k).models.values()]
    gnn = [runs.models()[m].color for m in runs.models() if m in runs.facts("node").models]
    assert len(set(gnn)) == len(gnn), "two architectures share a colour"
    assert colours


def test_grid_builds_resolved_specs_in_model_seed_fold_order():
    specs = runs.grid("graph", "MUTAG", ["gin", "mlp"], 2, folds=3, epochs=5)
    assert [(s.model, s.seed, s.params["fold"]) for s in specs][:4] == [
        ("gin", 0, 0), ("gin", 0, 1), ("gin", 0, 2), ("gin", 1, 0)]
    assert len(specs) == 12 and all(s.resolved and s.params["folds"] == 3 for s in specs)
    assert specs[0].params["readout"] == "sum" and specs[0].params["epochs"] == 5
    node = runs.grid("node", "Cora", ["gcn", "gat"], [3, 7], per_model={"gat": {"heads": 4}})
    assert [(s.model, s.seed) for s in node] == [("gcn", 3), ("gcn", 7), ("gat", 3), ("gat", 7)]
    assert node[2].params["heads"] == 4 and "heads" not in node[0].params
    assert runs.resolve(node[0]) is node[0]  # resolved once
    assert node[0] == RunSpec.from_dict(node[0].to_dict()) and node[0].key == runs.resolve(
        RunSpec.make("node", "Cora", "gcn", 3)).key


@pytest.mark.parametrize("args, words", [
    (("node", "Cora", [], 2), "No model chosen"),
    (("node", "Cora", ["gcn"], 0), "Seeds must be a whole number from 1 to 100; got 0."),
    (("graph", "MUTAG", ["gin"], 1, 1), "Folds must be a whole number from 2"),
    (("node", "Cora", ["gin"], 1), "GIN is a model for graph tasks only; for node tasks choose one of gcn"),
])
def test_grid_says_what_is_wrong_in_one_sentence(args, words):
    with pytest.raises(SpecError, match=words):
        runs.grid(*args)


@pytest.mark.parametrize("kwargs, bad", [
    ({"lr": float("inf")}, "Learning rate (lr) must be above 0 and at most 1; got inf."),
    ({"lr": 1e308}, "at most 1"),
    ({"hidden": 100000}, "Hidden units (hidden) must be a whole number from 1 to 1024; got 100000 (1,024 units"),
    ({"epochs": 2.5}, "whole number"),
    ({"dropout": True}, "Dropout (dropout) must be"),
    ({"homophily": 0.5}, "Homophily (homophily) is a setting of CSBM only, not of Cora"),  # the synthetic graph's knob
    ({"hiden": 16}, "Unknown setting 'hiden'"),
])
def test_settings_are_checked_from_their_declaration(kwargs, bad):
    with pytest.raises(SpecError) as error:
        runs.resolve(RunSpec.make("node", "Cora", "gcn", **kwargs))
    assert bad in str(error.value) and "\n" not in str(error.value)


def test_a_setting_says_what_it_wants():
    assert Setting("x", "X", type=int, low=1).wanted == "a whole number of at least 1"
    assert Setting("x", "X", low=0.0, low_open=True, high=1.0).wanted == "above 0 and at most 1"
    assert Setting("x", "X", type=str, choices={"a": "A", "b": "B"}).wanted == "one of a, b"
    Setting("x", "X", low=0.0, high=1.0).check(1)  # an int is a number too


def test_reading_order_keeps_the_baseline_last_across_engines():
    names = list(runs.models())
    assert names.index("gin") < names.index("mlp") and names[:3] == ["gcn", "sage", "gat"]
    assert theme.order(["mlp", "gin", "gcn"]) == ["gcn", "gin", "mlp"]


IDENTITY = {"dataset", "task", "encoding", "model", "explainer", "seed", "fold", "length", "in_distribution"}


def test_every_number_a_csv_holds_is_a_declared_metric():
    """Each metric is declared once, by its engine; charts, tables and the CLI read it."""
    for kind in runs.kinds():
        f = runs.facts(kind)
        for column in {*f.columns, *f.run_columns} - IDENTITY:
            assert f.metric(column) is not None, (kind, column)
        assert f.headline == f.metrics[0] and f.judged_by
    assert runs.metric("test_accuracy").label == "Test accuracy" and runs.metric("test_accuracy").fraction
    assert runs.metric("out_of_distribution_token_accuracy").label == "Out of distribution token accuracy"
    assert [theme.value_format(m) for m in ("test_auc", "params", "ms_per_epoch")] == [".1%", ",.0f", ",.2f"]
    assert runs.metric("final_loss").label == "Final loss" and not runs.metric("final_loss").fraction


def test_one_name_is_one_declaration_across_engines():
    from types import SimpleNamespace

    from gnncore.protocol import Metric, metric_table

    loss = runs.facts("node").metric("loss")
    assert runs.facts("posenc").metric("loss") is loss  # shared, not declared twice
    other = SimpleNamespace(kind="other", declared=(Metric("loss", "Loss"),))
    with pytest.raises(ValueError, match="loss"):
        metric_table([runs.facts("node"), other])
