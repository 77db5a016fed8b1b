"""The encodings page's Sweep mode, driven with AppTest: its own mode and knob (apart from the
arena's), the train-length preset, and a tiny sweep of the trained length drawn as the
train length x test length heatmap, whose cells are the stored runs' per-length scores."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from gnncore.runs import RunStore, table_frame

PAGE = "pages/2_Positional_Encodings.py"
TINY = {"test_length": 5, "steps": 30, "d_model": 16, "layers": 1, "batch_size": 16}


def sweep_page(pages, encodings=("alibi",), seeds=1, **settings):
    at = pages.open(PAGE)
    at.button_group(key="pe:mode").set_value("Sweep").run()
    at.multiselect(key="pe:encodings").set_value(list(encodings))
    at.number_input(key="pe:seeds").set_value(seeds)
    for name, value in {**TINY, **settings}.items():
        at.number_input(key=f"pe:{name}").set_value(value)
    return at.run()


def heatmap_rows(at) -> pd.DataFrame:
    """The cells of the train length x test length heatmap, as drawn."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    for element in at.get("vega_lite_chart"):
        if '"rect"' not in element.proto.spec:
            continue
        spec = json.loads(element.proto.spec)
        tables = [pd.DataFrame(rows) for rows in spec.get("datasets", {}).values()]
        tables += [convert_arrow_bytes_to_pandas_df(named.data.data) for named in element.proto.datasets]
        found = [t for t in tables if {"train_length", "length"} <= set(t.columns)]
        if found:
            return found[0]
    raise AssertionError("no heatmap on the page")


def test_sweep_mode_starts_at_the_trained_length_and_keeps_its_own_keys(pages):
    at = sweep_page(pages, test_length=48)
    pages.no_exceptions(at)
    assert at.selectbox(key="pe:sweep:knob").value == "train_length"
    assert at.text_input(key="pe:sweep:values").value
    assert "mode" not in at.session_state and "sweep:knob" not in at.session_state  # the arena's are untouched
    assert at.text_input(key="pe:sweep:values").value == "4,8,12,16"  # all within the default test length
    assert any("4 runs: 1 encodings x 1 seeds x 4 values of train_length" in m.value for m in at.markdown)
    at.selectbox(key="pe:sweep:knob").set_value("d_model").run()
    assert "2" not in at.text_input(key="pe:sweep:values").value.split(",")  # d_model 2 cannot have 4 heads
    at.selectbox(key="pe:sweep:knob").set_value("train_length").run()
    at.text_input(key="pe:sweep:values").set_value("2,50").run()  # 50 is past the test length (48)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "test_length" in errors[0] and "\n" not in errors[0]


def test_the_lengths_preset_sets_the_sidebar_and_trains_nothing(pages):
    at = pages.open(PAGE)
    at.selectbox(key="pe:task").set_value("addition").run()  # its own lengths and steps...
    at.button_group(key="pe:mode").set_value("Sweep").run()
    assert not [b for b in at.button if b.key and b.key.startswith("preset:")]  # the arena's presets stay there
    at.button(key="pe:preset:lengths").click().run()
    pages.no_exceptions(at)
    assert at.multiselect(key="pe:encodings").value == ["sinusoidal", "alibi", "rope"]
    assert at.selectbox(key="pe:sweep:knob").value == "train_length"
    assert at.text_input(key="pe:sweep:values").value == "4,8,12,16"
    assert any("12 runs: 3 encodings x 1 seeds x 4 values of train_length" in m.value for m in at.markdown)
    assert at.selectbox(key="pe:task").value == "copy"  # ...give way to copy's with the preset
    assert [at.number_input(key=f"pe:{n}").value for n in ("test_length", "steps")] == [48, 2000]
    assert any("heatmap" in c.value for c in at.caption)
    assert not RunStore().results()


def test_a_sweep_of_the_trained_length_draws_the_heatmap_of_the_stored_scores(pages):
    at = sweep_page(pages)
    at.text_input(key="pe:sweep:values").set_value("2,3").run()
    at.button(key="train").click()
    at = pages.run_until_idle(at, 120)
    pages.no_exceptions(at)
    stored = RunStore().results()
    assert sorted(r.spec.params["train_length"] for r in stored) == [2, 3]
    cells = heatmap_rows(at)
    lengths = table_frame(stored, "length")
    assert len(cells) == len(lengths) == 2 * 5  # every tested length 1-5 of both trained lengths
    for cell in cells.itertuples():
        want = lengths[(lengths["train_length"] == cell.train_length) & (lengths["length"] == cell.length)]
        assert cell.mean == pytest.approx(want["token_accuracy"].mean())
    assert any('"title": "Encoding"' in e.proto.spec for e in at.get("vega_lite_chart"))  # the legend's noun
    labels = {b.label for b in at.get("download_button")}
    assert {"PNG", "CSV", "Download the comparison (zip)"} <= labels


def test_a_switch_between_tasks_without_defaults_of_their_own_keeps_the_users_settings(pages):
    at = pages.open(PAGE)
    at.number_input(key="pe:steps").set_value(700).run()
    at.selectbox(key="pe:task").set_value("reverse").run()
    assert at.number_input(key="pe:steps").value == 700
    at.selectbox(key="pe:task").set_value("counting").run()  # counting trains longer by default
    assert at.number_input(key="pe:steps").value == 4000
