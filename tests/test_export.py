"""Exports: real renders of one small chart (vl-convert takes ~0.5 s each), zip contents, README."""

import io
import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile

import altair as alt
import pandas as pd
import pytest

from gnncore import export
from gnncore.charts import theme
from gnncore.spec import RunSpec


@pytest.fixture(scope="module")
def chart():
    frame = pd.DataFrame({"model": ["gcn", "gat"], "test_accuracy": [0.81, 0.83]})
    return theme.style(alt.Chart(frame).mark_bar().encode(x="model:N", y="test_accuracy:Q"))


@pytest.fixture(scope="module")
def frame():
    return pd.DataFrame({"model": ["gcn", "gat", "mlp"], "seed": [0, 1, 2],
                         "test_accuracy": [0.815, 0.83, None], "note": ["a,b", 'say "hi"', "é"]})


def specs(models=("gcn", "gat"), seeds=2, **hp):
    return [RunSpec.make("node", "Cora", m, s, **{"epochs": 200, **hp}) for m in models for s in range(seeds)]


def test_png_is_a_png_at_the_asked_scale(chart):
    small, large = export.chart_png(chart, scale=1), export.chart_png(chart, scale=2)
    assert small.startswith(b"\x89PNG\r\n\x1a\n") and large.startswith(b"\x89PNG\r\n\x1a\n")
    width = lambda png: int.from_bytes(png[16:20], "big")  # IHDR width
    assert width(large) == pytest.approx(2 * width(small), abs=2)


def test_svg_parses_and_uses_the_theme_font(chart):
    svg = export.chart_svg(chart)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "Liberation Sans" in svg


def test_html_is_self_contained(chart):
    html = export.chart_html(chart)
    assert "<html" in html.lower()
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)  # every script inlined
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']https?:", html, re.I)
    assert "vegaEmbed" in html and "0.83" in html  # the library and the chart's data


def test_csv_round_trip(frame):
    back = pd.read_csv(io.BytesIO(export.frame_csv(frame)))
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert export.frame_csv(frame).decode("utf-8").splitlines()[3].endswith(",é")


def test_comparison_zip_holds_charts_data_specs_and_readme(chart, frame):
    runs = specs()
    data = export.comparison_zip({"final scores": chart}, {"runs": frame}, runs, readme="My comparison.")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == sorted([
        "charts/final_scores.png", "charts/final_scores.svg", "charts/final_scores.html",
        "data/runs.csv", "specs.json", "README.txt"])
    assert archive.read("charts/final_scores.png").startswith(b"\x89PNG")
    ET.fromstring(archive.read("charts/final_scores.svg"))
    back = [RunSpec.from_dict(d) for d in json.loads(archive.read("specs.json"))]
    assert back == runs and [s.key for s in back] == [s.key for s in runs]
    pd.testing.assert_frame_equal(pd.read_csv(archive.open("data/runs.csv")), frame, check_dtype=False)
    readme = archive.read("README.txt").decode()
    assert readme.startswith("My comparison.")
    assert "python -m gnncore gnn --task node --dataset Cora --models gcn,gat --seeds 2" in readme


def test_zip_is_the_same_bytes_for_the_same_comparison(frame):
    # Without charts (no render), only data: timestamps are fixed, so the bytes repeat.
    one = export.comparison_zip({}, {"runs": frame}, specs())
    assert one == export.comparison_zip({}, {"runs": frame}, specs())


def test_zip_names_are_safe_and_unique(frame):
    data = export.comparison_zip({}, {"../runs": frame, "runs": frame, "a b/c": frame}, specs())
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert {"data/runs.csv", "data/runs_2.csv", "data/a_b_c.csv"} <= set(names)
    assert not any(".." in n for n in names)


def test_cli_commands_group_runs_and_drop_defaults():
    # Resolved specs carry every default; GCN and GAT at their paper defaults share a command.
    from gnncore.runs import resolve
    runs = [resolve(s) for s in specs(seeds=3)]
    assert export.cli_commands(runs) == [
        "python -m gnncore gnn --task node --dataset Cora --models gcn,gat --seeds 3"]
    # a changed setting gets its own command with the flag
    mixed = specs(models=("gcn",), seeds=2) + specs(models=("gcn",), seeds=2, epochs=50, lr=0.05)
    lines = export.cli_commands(mixed)
    assert len(lines) == 2 and "--epochs 50 --lr 0.05" in lines[1]


def test_cli_commands_note_what_the_cli_cannot_express():
    odd = [RunSpec.make("node", "CSBM", "gcn", s, epochs=10, homophily=0.3) for s in (3, 5)]
    lines = export.cli_commands(odd)
    assert lines[0].startswith("python -m gnncore gnn --task node --dataset CSBM --models gcn --seeds 2")
    assert any("seeds 3, 5" in line for line in lines)
    if "--homophily" not in lines[0]:
        assert any("homophily=0.3 has no CLI flag" in line for line in lines)


def test_save_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "out" / "chart.csv"
    export.save(target, b"old")
    assert target.read_bytes() == b"old"

    def crash(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        export.save(target, "new")
    assert target.read_bytes() == b"old"  # the old file, whole
    assert os.listdir(target.parent) == ["chart.csv"]  # and no temporary left behind
