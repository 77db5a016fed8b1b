"""The over-squashing section driven through AppTest: its inputs, the request they make, a
small training run and the chart and table it draws from the stored runs."""

from __future__ import annotations

import json

SCRIPT = "tests/app/oversquashing_script.py"


def section(pages, models=("gcn",), depths=(2,), seeds=1, fa=False, epochs=30):
    at = pages.open(SCRIPT)
    at.multiselect(key="oversquashing:models").set_value(list(models))
    at.multiselect(key="oversquashing:depths").set_value(list(depths))
    at.number_input(key="oversquashing:seeds").set_value(seeds)
    at.number_input(key="oversquashing:epochs").set_value(epochs)
    at.toggle(key="oversquashing:fa").set_value(fa)
    return at.run()


def test_section_offers_message_passing_models_and_counts_the_runs(pages):
    at = pages.open(SCRIPT)
    pages.no_exceptions(at)
    models = at.multiselect(key="oversquashing:models")
    assert models.value == ["gcn", "gin", "gat"] and "mlp" not in models.options
    assert at.multiselect(key="oversquashing:depths").value == [2, 3, 4]
    assert any("27 runs: 3 models x 3 depths x 3 seeds" in m.value for m in at.markdown)
    at.toggle(key="oversquashing:fa").set_value(True).run()
    assert any("54 runs: 3 models x 3 depths x 3 seeds x 2 last layers" in m.value for m in at.markdown)


def test_training_draws_both_last_layers_from_the_stored_runs(pages):
    from gnncore.runs import RunStore

    at = section(pages, fa=True)
    at.button(key="oversquashing:train").click()
    at = pages.run_until_idle(at.run(), deadline=120)
    pages.no_exceptions(at)
    stored = [r for r in RunStore().results("graph") if r.spec.dataset == "NeighborsMatch"]
    assert len(stored) == 2 and {bool(r.spec.params.get("fully_adjacent")) for r in stored} == {False, True}
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    titles = [c["title"]["text"] for c in chart["hconcat"]]
    assert titles == ["Last layer over the tree's edges", "Fully-adjacent last layer"]
    table = at.dataframe[0].value
    assert list(table["Last layer"]) == titles and list(table["Model"]) == ["GCN", "GCN"]
    fitted = {bool(r.spec.params.get("fully_adjacent")): r.metrics["train_accuracy"] for r in stored}
    assert table["r = 2"].tolist() == [f"{100 * fitted[False]:.1f} ± 0.0", f"{100 * fitted[True]:.1f} ± 0.0"]
