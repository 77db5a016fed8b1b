"""A user's own architecture, installed as a package with a ``gnncore.architectures`` entry
point, is offered in the GNN arena beside the built-ins, with its paper defaults, and trains
into the table and the charts."""

from __future__ import annotations

import sys

import pytest
from plugin_package import write_plugin

from gnncore.app import sidebar
from gnncore.charts import theme
from gnncore.gnn.architectures import reset_plugins
from gnncore.runs import RunStore, facts

PAGE = "pages/1_GNN_Arena.py"


def _forget() -> None:
    reset_plugins()
    theme._registry.cache_clear()  # names and colours are read from the registry once
    for name in [m for m in sys.modules if m == "mypkg" or m.startswith("mypkg.")]:
        del sys.modules[name]


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(write_plugin(tmp_path / "site")))
    _forget()
    yield
    _forget()


def test_an_installed_plugin_is_a_model_of_the_arena_and_trains(pages, plugin):
    at = pages.open(PAGE)
    pages.no_exceptions(at)
    models = at.multiselect(key="models")
    assert models.options[-1] == sidebar.model_label(facts("node"), "myarch") == "My GCN"
    assert models.value == ["gcn", "sage", "gat", "mlp"]  # the defaults stay the task's own

    at.selectbox(key="dataset").set_value("KarateClub")
    at.multiselect(key="models").set_value(["gcn", "myarch"])
    at.number_input(key="seeds").set_value(1)
    at = at.run()
    at.number_input(key="epochs").set_value(3)
    at = at.run()
    assert at.number_input(key="hp:myarch:hidden").value == 16  # its own declared defaults
    assert any(e.label == "My GCN hyperparameters" for e in at.expander)

    at.button(key="train").click()
    at = pages.run_until_idle(at, 120)
    pages.no_exceptions(at)
    assert {r.spec.model for r in RunStore().results("node")} == {"gcn", "myarch"}
    assert list(at.dataframe[0].value["Model"]) == ["GCN", "My GCN"]
