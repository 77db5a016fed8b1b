"""The GNN page's Sweep mode, driven with AppTest: the mode switch, the knob and its values,
the presets, bad values in one sentence, training a small sweep and the chart it draws
(its numbers are the stored runs'), the downloads, and a refresh finding the sweep again."""

from __future__ import annotations

import pandas as pd
import pytest

from gnncore.runs import RunStore
from gnncore.runs import ray as ray_executor

PAGE = "pages/1_GNN_Arena.py"


def sweep_page(pages, dataset="CSBM", models=("gcn", "mlp"), seeds=2, epochs=3):
    at = pages.open(PAGE)
    at.button_group(key="mode").set_value("Sweep").run()
    at.selectbox(key="dataset").set_value(dataset)
    at.multiselect(key="models").set_value(list(models))
    at.number_input(key="seeds").set_value(seeds)
    at.number_input(key="epochs").set_value(epochs)
    return at.run()


def drawn_rows(at, words: str, mark: str = "line") -> pd.DataFrame:
    """The rows of the ``mark`` layer of the top panel of the chart titled with ``words``."""
    import json

    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        top = spec.get("vconcat", [spec])[0]
        if words not in top.get("title", {}).get("text", ""):
            continue
        tables = {name: pd.DataFrame(rows) for name, rows in spec.get("datasets", {}).items()}
        for named in element.proto.datasets:
            tables[named.name] = convert_arrow_bytes_to_pandas_df(named.data.data)
        layer = next(lay for lay in top["layer"]
                     if (lay["mark"] if isinstance(lay["mark"], str) else lay["mark"]["type"]) == mark)
        return tables[layer["data"]["name"]]
    raise AssertionError(f"no chart titled with {words!r}")


def test_sweep_mode_offers_every_setting_as_a_knob_with_suggested_values(pages):
    at = sweep_page(pages)
    pages.no_exceptions(at)
    knob = at.selectbox(key="sweep:knob")
    assert knob.value == "layers" and at.text_input(key="sweep:values").value == "1,2,4,8,16,32"
    assert {"layers", "hidden", "dropout", "lr", "homophily", "signal"} <= set(knob.options_values
                                                                           if hasattr(knob, "options_values")
                                                                           else [o.split("(")[-1].rstrip(")")
                                                                                 for o in knob.options])
    assert any("24 runs: 2 models x 2 seeds x 6 values of layers" in m.value for m in at.markdown)
    knob.set_value("homophily").run()
    assert at.text_input(key="sweep:values").value == "0:1:0.1"
    assert any("44 runs" in m.value for m in at.markdown)
    assert ("sweep:executor" in [r.key for r in at.radio]) == ray_executor.available()


@pytest.mark.parametrize("values, phrase", [("0:1:0", "is empty"), ("0,7", "must be at least 0 and at most 1"),
                                            ("high", "must be at least 0")])
def test_bad_values_are_one_sentence_and_nothing_to_train(pages, values, phrase):
    at = sweep_page(pages)
    at.selectbox(key="sweep:knob").set_value("homophily").run()
    at.text_input(key="sweep:values").set_value(values).run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and phrase in errors[0] and "\n" not in errors[0]
    assert not [b for b in at.button if b.key == "train"]


def test_presets_set_the_sidebar_and_say_what_to_look_for(pages):
    at = pages.open(PAGE)
    at.button_group(key="mode").set_value("Sweep").run()
    at.button(key="preset:homophily").click().run()
    pages.no_exceptions(at)
    assert at.selectbox(key="dataset").value == "CSBM" and at.session_state["csbm:signal"] == 0.3
    assert at.multiselect(key="models").value == ["gcn", "sage", "gat", "mlp"]
    assert at.selectbox(key="sweep:knob").value == "homophily"
    assert at.text_input(key="sweep:values").value == "0:1:0.1"
    assert any("220 runs: 4 models x 5 seeds x 11 values" in m.value for m in at.markdown)
    assert any("signal 0.3" in c.value and "MLP" in c.value for c in at.caption)
    at.button(key="preset:depth").click().run()
    assert at.selectbox(key="dataset").value == "Cora" and at.selectbox(key="sweep:knob").value == "layers"
    assert at.multiselect(key="models").value == ["gcn", "sage", "gat", "appnp"]
    assert any("72 runs" in m.value for m in at.markdown)
    assert any("over-smooths" in c.value for c in at.caption)
    assert not RunStore().results()  # a preset trains nothing by itself


def test_a_trained_sweep_draws_the_stored_numbers_and_a_refresh_finds_it(pages):
    at = sweep_page(pages)
    at.selectbox(key="sweep:knob").set_value("homophily").run()
    at.text_input(key="sweep:values").set_value("0, 1").run()
    at.button(key="train").click()
    at = pages.run_until_idle(at, 120)
    pages.no_exceptions(at)
    stored = RunStore().results()
    assert len(stored) == 2 * 2 * 2 and {r.spec.params["homophily"] for r in stored} == {0.0, 1.0}
    lines = drawn_rows(at, "against Homophily on CSBM")
    for r in lines.itertuples():
        scores = [s.metrics["test_accuracy"] for s in stored
                  if s.spec.model == r.model and s.spec.params["homophily"] == r.homophily]
        assert r.mean == pytest.approx(sum(scores) / len(scores)) and r.runs == 2
    assert len(lines) == 4
    assert len(drawn_rows(at, "against Homophily on CSBM", "circle")) == 8  # a dot per run
    (table,) = [d.value for d in at.dataframe]
    assert list(table.columns) == ["homophily", "GCN", "MLP"] and len(table) == 2
    labels = {b.label for b in at.get("download_button")}
    assert {"PNG", "SVG", "HTML", "CSV", "Download the comparison (zip)"} <= labels
    # The URL names the job: a fresh tab on it comes back in Sweep mode on the same knob.
    run_key = at.query_params["run"]
    again = pages.open(PAGE, {"run": run_key[0] if isinstance(run_key, list) else run_key})
    assert again.session_state["mode"] == "Sweep" and again.selectbox(key="sweep:knob").value == "homophily"
    assert again.selectbox(key="dataset").value == "CSBM"
    assert any("8 runs trained" in s.value for s in again.success)  # the same job, found again


def test_the_page_trains_a_sweep_on_ray_when_asked(pages):
    pytest.importorskip("ray")
    at = sweep_page(pages, models=("mlp",), seeds=1)
    at.selectbox(key="sweep:knob").set_value("layers").run()
    at.text_input(key="sweep:values").set_value("1,2").run()
    at.radio(key="sweep:executor").set_value("ray").run()
    assert at.text_input(key="sweep:address").value in ("", None)
    try:
        at.button(key="train").click()
        at = pages.run_until_idle(at, 180)
        job = pages.job_of(at)
        assert job is not None and job.state == "done", job and job.error
        assert job._runner.keywords["executor"] == "ray"  # trained on Ray, not locally
    finally:
        ray_executor.shutdown()
    stored = RunStore().results()
    assert sorted(r.spec.params["layers"] for r in stored) == [1, 2]
    assert len(drawn_rows(at, "against Layers on CSBM")) == 2
