"""The positional-encoding page, driven through its widgets with AppTest: defaults, a tiny
run trained in the background and read back from the charts, bad settings, and the
look-inside tab before any training."""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from gnncore.app import export_ui, posenc_results
from gnncore.posenc import train as engine
from gnncore.runs import RunStore, table_frame
from gnncore.spec import RunSpec

PAGE = Path(__file__).resolve().parents[2] / "pages" / "2_Positional_Encodings.py"
TINY = {"train_length": 3, "test_length": 5, "steps": 30, "d_model": 16, "layers": 1, "batch_size": 16}


@pytest.fixture(autouse=True)
def private_store(tmp_path, monkeypatch):
    """Data, store and network as the brief asks (the parent conftest does the same), and
    fresh Streamlit caches for every test."""
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("GNNCORE_STORE", str(tmp_path / "runs.sqlite"))
    monkeypatch.setenv("GNNCORE_OFFLINE", "1")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()


def open_page() -> AppTest:
    return AppTest.from_file(str(PAGE), default_timeout=60).run()


def choose(at: AppTest, encodings=("rope", "learned"), seeds=1, **settings) -> AppTest:
    at.multiselect(key="pe:encodings").set_value(list(encodings))
    at.number_input(key="pe:seeds").set_value(seeds)
    for name, value in {**TINY, **settings}.items():
        at.number_input(key=f"pe:{name}").set_value(value)
    return at.run()


def look_inside(at: AppTest, section: str | None = None) -> AppTest:
    at.session_state["pe:tab"] = "Look inside"
    if section:
        at.session_state["pe:inside"] = section
    return at.run()


def charts(at: AppTest) -> dict[str, list[dict]]:
    """The Vega-Lite charts on the page by title: their data rows (inline and Arrow)."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    out = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        rows = [r for values in spec.get("datasets", {}).values() for r in values]
        for named in element.proto.datasets:
            rows += convert_arrow_bytes_to_pandas_df(named.data.data).to_dict("records")
        heading = spec.get("title", {})
        out[heading.get("text", "") if isinstance(heading, dict) else str(heading)] = rows
    return out


def drawn(at: AppTest, words: str) -> pd.DataFrame:
    return pd.DataFrame(next(rows for heading, rows in charts(at).items() if words in heading))


def test_sidebar_starts_at_the_engine_defaults_and_says_what_it_will_cost(pages):
    at = open_page()
    pages.no_exceptions(at)
    defaults = engine.defaults(RunSpec.make("posenc", "copy", "rope"))
    assert at.selectbox(key="pe:task").value == "copy"
    # the six anchors only: the newer encodings would make the default comparison longer still
    assert at.multiselect(key="pe:encodings").value == ["sinusoidal", "learned", "t5", "alibi", "rope", "nope"]
    assert {"FIRE", "Kerple (log)", "Randomised RoPE", "GRU (no positional encoding)"} <= set(
        at.multiselect(key="pe:encodings").options)
    assert "pe:max_position" not in [w.key for w in at.number_input]  # no randomised encoding chosen
    for name in ("train_length", "test_length", "steps", "d_model", "layers", "heads"):
        assert at.number_input(key=f"pe:{name}").value == defaults[name], name
    assert at.number_input(key="pe:seeds").value == 3  # every pair of encodings gets a verdict
    assert at.button(key="train").label == "Train 18 runs"
    plan = at.markdown[0].value
    assert "18 runs" in plan and "Expected time: at least **" in plan  # a lower bound, and says so
    assert "timed on this machine; longer while other programs use its cores" in plan
    assert len(at.info) == 1 and "Learned absolute" in at.info[0].value  # past its table
    assert [t.label for t in at.tabs] == ["Results", "Look inside"]


def test_on_a_busy_machine_the_estimate_grows_and_stays_a_lower_bound(pages, monkeypatch):
    import os

    monkeypatch.setattr(os, "getloadavg", lambda: (8.0 * (os.cpu_count() or 1),) * 3)
    at = open_page()
    plan = at.markdown[0].value
    assert "It is busy now (load " in plan and plan.endswith("or more.")


def test_tiny_run_trains_in_the_background_and_every_chart_shows_its_numbers(pages):
    at = choose(open_page())
    assert at.button(key="train").label == "Train 2 runs"
    at.button(key="train").click()
    at = pages.run_until_idle(at, deadline=60)
    pages.no_exceptions(at)
    assert not at.error
    assert pages.texts(at.success)[0].startswith("Done: 2 runs trained")

    stored = table_frame(RunStore().results("posenc"), "length")
    assert set(stored["model"]) == {"rope", "learned"} and stored["length"].max() == 5
    headline = drawn(at, "by input length")
    lines = headline.dropna(subset=["name"]) if "name" in headline else headline
    rope = lines[lines["name"] == "RoPE"].set_index("length")["mean"]
    expected = stored[stored["model"] == "rope"].set_index("length")["token_accuracy"]
    assert rope.sort_index().tolist() == pytest.approx(expected.sort_index().tolist())
    learned = lines[lines["name"] == "Learned absolute"].set_index("length")["mean"]
    assert learned[[4, 5]].isna().all() and learned[[1, 2, 3]].notna().all()  # a gap past its table
    assert len(charts(at)) == 7  # with RoPE: the scaling chart too; and the paired verdict's two
    assert {"Accuracy along the answer", "Training loss during training"} <= {
        h.split(" on the")[0] for h in charts(at)}
    scaled = drawn(at, "RoPE scaling at inference")
    scaled = scaled.dropna(subset=["name"]) if "name" in scaled else scaled
    assert set(scaled["name"]) == {"None (as trained)", "Position interpolation (Chen et al. 2023)",
                                   "NTK-aware base scaling (bloc97 2023)", "YaRN (Peng et al. 2024)"}
    none = scaled[scaled["name"] == "None (as trained)"].set_index("length")["mean"].sort_index()
    assert none.tolist() == pytest.approx(expected.sort_index().tolist())  # the plain RoPE line
    verdict = next(m.value for m in at.markdown if m.value.startswith("Past the trained length"))
    assert "RoPE" in verdict and "Learned absolute: no answer" in verdict

    table = at.dataframe[0].value
    assert list(table["Encoding"]) == ["Learned absolute", "RoPE"]
    assert table.loc[0, "Token acc., longer (%)"] == "n/a"
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("PNG") == labels.count("SVG") == labels.count("HTML") == labels.count("CSV") == 7
    # Learned absolute has no answer past its table, so nothing to pair with RoPE there.
    assert any("Learned absolute and RoPE: no seed has a value for both" in m.value for m in at.markdown)
    assert "Summary table as CSV" in labels and "Download the comparison (zip)" in labels

    comparison = posenc_results.posenc_comparison(RunStore().results("posenc"))
    headline = {"accuracy_vs_length": comparison.specs["accuracy_vs_length"]}  # rendering all: slow
    archive = zipfile.ZipFile(io.BytesIO(export_ui.comparison_zip_file(
        headline, comparison.frames, [r.spec for r in RunStore().results("posenc")])()))
    names = set(archive.namelist())
    assert {"specs.json", "README.txt", "data/lengths.csv", "data/positions.csv", "data/history.csv",
            "data/pairs.csv",
            "charts/accuracy_vs_length.png", "charts/accuracy_vs_length.svg",
            "charts/accuracy_vs_length.html"} <= names
    assert len(json.loads(archive.read("specs.json"))) == 2
    assert "python -m gnncore posenc --task copy" in archive.read("README.txt").decode()

    at.segmented_control(key="pe:metric").set_value("exact_match").run()
    assert any(h.startswith("Exact match by input length") for h in charts(at))

    at = look_inside(at, "attention")
    pages.no_exceptions(at)
    maps = drawn(at, "What trained models attend to")
    cells = maps.dropna(subset=["weight"])
    assert set(zip(cells["name"], cells["example"])) == {("RoPE", "train"), ("RoPE", "test"),
                                                         ("Learned absolute", "train")}
    assert maps["line"].dropna().str.startswith("No map").any()

    at.session_state["pe:tab"] = "Results"  # back again: the score chosen before is kept
    at.run()
    assert at.segmented_control(key="pe:metric").value == "exact_match"
    assert any(h.startswith("Exact match by input length") for h in charts(at))


def test_seeds_give_each_encoding_a_dot_per_seed_and_a_verdict_per_pair(pages):
    at = choose(open_page(), encodings=("alibi", "nope"), seeds=2)
    assert at.button(key="train").label == "Train 4 runs"
    at.button(key="train").click()
    at = pages.run_until_idle(at, deadline=90)
    pages.no_exceptions(at)
    runs = posenc_results.runs_frame(RunStore().results("posenc"))
    ood = runs.set_index(["model", "seed"])["out_of_distribution_token_accuracy"]
    dots = drawn(at, "Out of distribution token accuracy per model")
    dots = dots.dropna(subset=["seed"]) if "seed" in dots else dots
    assert sorted(dots["out_of_distribution_token_accuracy"].dropna()) == pytest.approx(sorted(ood))
    sentence = next(m.value for m in at.markdown if "ALiBi" in m.value and "NoPE" in m.value and "2 paired" in m.value)
    assert "2 paired seeds on copy" in sentence
    table = next(d.value for d in at.dataframe if "Pair (a − b)" in d.value)
    assert list(table["Pair (a − b)"]) == ["ALiBi − NoPE"]
    diff = 100 * (ood["alibi"] - ood["nope"]).mean()
    assert float(table["Mean difference (points)"].iloc[0]) == pytest.approx(diff, abs=0.006)
    assert drawn(at, "Is the difference real?")["n_pairs"].dropna().tolist() == [2]  # and the zero line


@pytest.mark.parametrize("settings, words", [
    ({"train_length": 5, "test_length": 3}, "test_length must lie between the train length"),
    ({"d_model": 16, "heads": 3}, "heads (3) must divide d_model (16)"),
])
def test_bad_settings_give_one_sentence_and_no_train_button(pages, settings, words):
    at = choose(open_page(), **settings)
    pages.no_exceptions(at)
    assert len(at.error) == 1 and words in at.error[0].value
    assert "\n" not in at.error[0].value and "Traceback" not in at.error[0].value
    assert "train" not in [b.key for b in at.button]
    pages.no_exceptions(look_inside(at))  # the pictures need no valid run
    assert len(at.get("vega_lite_chart")) == 2


def test_look_inside_draws_every_picture_before_any_training(pages):
    at = look_inside(open_page())
    pages.no_exceptions(at)
    heatmaps = drawn(at, "Three ways to write position p")
    sinusoid = heatmaps.dropna(subset=["dimension"]) if "dimension" in heatmaps else heatmaps
    assert len(sinusoid) == 64 * 64  # the default 64 positions x d_model 64
    expected = {"rotation": ["A shift is a rotation", "depends only on m − n"],
                "rope": ["RoPE: attention score"], "alibi": ["ALiBi"],
                "t5": ["T5 relative bias"], "learned": [],
                "scaling": ["RoPE's frequencies under each scaling"], "attention": []}
    for section, titles in expected.items():
        at = look_inside(at, section)
        pages.no_exceptions(at)
        shown = list(charts(at))
        assert len(shown) == len(titles), (section, shown)
        for words in titles:
            assert any(words in h for h in shown), (section, words, shown)
    assert "need trained models" in at.info[-1].value
    at = look_inside(at, "scaling")  # the engine's defaults: d_head 16, copy 16 -> 48 (35 -> 99 tokens)
    frequencies = drawn(at, "RoPE's frequencies")
    pi = frequencies[frequencies["scaling"] == "pi"].sort_values("pair")
    assert len(pi) == 8 and pi["frequency"].tolist() == pytest.approx(
        [10000 ** (-2 * i / 16) / (99 / 35) for i in range(8)], rel=1e-5)
    at = look_inside(at, "alibi")
    at.slider(key="pe:in:alibi_heads").set_value(2).run()
    bias = drawn(at, "ALiBi").dropna(subset=["query"])
    cell = bias[(bias["head"] == 1) & (bias["query"] == 5) & (bias["key"] == 1) & (~bias["masked"])]
    assert cell["bias"].item() == pytest.approx(-(2 ** -8) * 4)  # head 2 of 2: slope 1/256


def test_refresh_puts_the_sidebar_back_and_finds_the_runs(pages):
    at = choose(open_page(), encodings=("alibi", "nope"), steps=20)
    at.button(key="train").click()
    at = pages.run_until_idle(at, deadline=60)
    key = at.query_params["run"]
    key = key[0] if isinstance(key, list) else key

    refreshed = AppTest.from_file(str(PAGE), default_timeout=60)
    refreshed.query_params["run"] = key  # a new session, same URL
    refreshed.run()
    pages.no_exceptions(refreshed)
    assert refreshed.multiselect(key="pe:encodings").value == ["alibi", "nope"]
    assert refreshed.number_input(key="pe:steps").value == 20
    assert refreshed.number_input(key="pe:train_length").value == TINY["train_length"]
    assert len(charts(refreshed)) == 6 and not refreshed.error  # with the paired verdict's two


def test_expected_time_counts_the_worker_processes():
    from gnncore.app import posenc_sidebar
    assert posenc_sidebar.wall_seconds([30, 30, 30, 30, 30, 20], 2) == 90  # 3 + 3 runs in turn
    assert posenc_sidebar.wall_seconds([30, 30, 30], 1) == 90
    assert posenc_sidebar.wall_seconds([10, 50, 10, 10], 2) == 50  # the long run holds one worker
    # The comparison it was calibrated on (6 runs of 2000 steps, 128 test examples per length,
    # on 2 workers) is announced at about the 81 s it took.
    specs = [RunSpec.make("posenc", "copy", e, 0, steps=2000, eval_examples=128)
             for e in ("sinusoidal", "learned", "t5", "alibi", "rope", "nope")]
    reference = posenc_sidebar.REFERENCE_STEP_MS  # the machine it was calibrated on
    two = posenc_sidebar.wall_seconds([posenc_sidebar.run_seconds(s, reference) for s in specs], 2)
    assert 70 <= two <= 95
    # On a machine whose default step takes three times as long, so does every run.
    slow = [posenc_sidebar.run_seconds(s, 3 * reference) for s in specs]
    assert slow == pytest.approx([3 * posenc_sidebar.run_seconds(s, reference) for s in specs])


def test_the_step_the_estimate_scales_by_is_timed_on_this_machine():
    from gnncore.posenc.train import measured_step_ms
    assert 0 < measured_step_ms() < 10_000 and measured_step_ms() == measured_step_ms()  # once a process


def test_a_randomised_encoding_gets_its_largest_position_and_the_gru_trains_beside_it(pages):
    at = open_page()
    at.multiselect(key="pe:encodings").set_value(["randomised-learned", "gru"]).run()
    assert at.number_input(key="pe:max_position").value == 512
    at = choose(at, encodings=("randomised-learned", "gru"), max_position=40)
    at.button(key="train").click()
    at = pages.run_until_idle(at, deadline=60)
    pages.no_exceptions(at)
    specs = {r.spec.model: r.spec for r in RunStore().results("posenc")}
    assert specs["randomised-learned"].params["max_position"] == 40
    assert "max_position" not in specs["gru"].params  # only the randomised encodings have it
    lines = drawn(at, "by input length")
    assert {"Randomised learned", "GRU (no positional encoding)"} <= set(lines["name"].dropna())


def test_look_inside_shows_the_bias_trained_fire_and_kerple_models_learned(pages):
    at = choose(open_page(), encodings=("fire", "kerple"), steps=20)
    at.button(key="train").click()
    at = pages.run_until_idle(at, deadline=60)
    pages.no_exceptions(at)
    at = look_inside(at, "learned")
    pages.no_exceptions(at)
    stored = {r.spec.model: r for r in RunStore().results("posenc")}
    kerple = drawn(at, "Kerple bias the model learned").dropna(subset=["bias"])
    expected = pd.DataFrame(stored["kerple"].tables["learned_bias"])
    assert len(kerple) == len(expected) == 4 * 13  # 4 heads, copy at test length 5: 13 tokens
    assert kerple["bias"].tolist() == pytest.approx(
        (-kerple["r1"] * (1 + kerple["r2"] * kerple["distance"]).map(math.log)).tolist(), abs=1e-5)
    assert kerple["bias"].tolist() == pytest.approx(expected["bias"].tolist())
    fire = drawn(at, "FIRE bias the model learned").dropna(subset=["bias"])
    assert fire["bias"].tolist() == pytest.approx(
        [r["bias"] for r in stored["fire"].tables["learned_bias"]])
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("CSV") == 2
    at = look_inside(at, "scaling")  # the run's scale: copy 3 -> 5, 9 -> 13 tokens
    frequencies = drawn(at, "RoPE's frequencies")
    assert frequencies["scale"].tolist() == pytest.approx([13 / 9] * len(frequencies))
    assert len(frequencies) == 4 * 2  # d_head 16 / 4 = 4: two pairs, four scalings


def test_addition_has_its_index_hints_switch_and_abacus_needs_a_task_with_numbers(pages):
    at = open_page()
    assert "pe:index_hints" not in [w.key for w in at.selectbox]  # copy has no digits to hint
    at = choose(at, encodings=("position-coupling", "abacus"), steps=10)
    assert "needs a task with numbers (addition), not copy" in at.error[0].value
    at.selectbox(key="pe:task").set_value("addition").run()
    at = choose(at, encodings=("position-coupling", "abacus"), steps=10)  # addition starts at its own sizes
    hints = at.selectbox(key="pe:index_hints")
    assert hints.value == "off" and hints.options == ["digits alone", "a hint before every digit"]
    hints.set_value("on").run()
    assert not at.error and at.button(key="train").label == "Train 2 runs"
    at.button(key="train").click()
    at = pages.run_until_idle(at, deadline=90)
    pages.no_exceptions(at)
    stored = {r.spec.model: r.spec.params for r in RunStore().results("posenc")}
    assert set(stored) == {"position-coupling", "abacus"}
    assert all(p["index_hints"] == "on" and p["test_length"] == TINY["test_length"] for p in stored.values())
    assert any(h.startswith("Token accuracy by input length on the addition task") for h in charts(at))


def test_choosing_addition_starts_its_own_lengths_and_steps_and_leaving_it_restores_the_labs():
    at = open_page()
    at.selectbox(key="pe:task").set_value("addition").run()
    assert not at.exception
    addition = engine.defaults(RunSpec.make("posenc", "addition", "position-coupling"))
    for name in ("train_length", "test_length", "steps"):
        assert at.number_input(key=f"pe:{name}").value == addition[name], name
    assert (addition["train_length"], addition["test_length"]) == (5, 15)  # digits per operand, to 3N
    assert at.selectbox(key="pe:index_hints").value == "off"  # addition's own setting appears
    at.selectbox(key="pe:task").set_value("copy").run()
    copy = engine.defaults(RunSpec.make("posenc", "copy", "rope"))
    assert [at.number_input(key=f"pe:{n}").value for n in ("train_length", "test_length", "steps")] == [
        copy["train_length"], copy["test_length"], copy["steps"]] == [16, 48, 2000]
    assert "pe:index_hints" not in [w.key for w in at.selectbox]
