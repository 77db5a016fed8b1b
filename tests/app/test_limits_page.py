"""The "Where message passing fails" page, driven with AppTest: the 1-WL verdict of each
pair with its chart, a small CSL comparison trained through the page's job (the runs in the
store, the paired verdicts, the pair's embeddings), and a refresh finding the job again."""

from __future__ import annotations

import json

import pytest

from gnncore.runs import RunStore

PAGE = "pages/4_Message_Passing_Limits.py"


def chart_titles(at) -> list[str]:
    out = []
    for element in at.get("vega_lite_chart"):
        title = json.loads(element.proto.spec).get("title", {})
        out.append(title.get("text", "") if isinstance(title, dict) else str(title))
    return out


@pytest.mark.parametrize("pair, words", [("decalin", "1-WL cannot tell decalin and bicyclopentyl apart"),
                                         ("path-star", "1-WL tells path of 4 and star of 4 apart")])
def test_each_pair_gets_its_verdict_and_its_refinement_drawn(pages, pair, words):
    at = pages.open(PAGE)
    pages.no_exceptions(at)
    assert any("cannot tell C(41, {1, 2}) and C(41, {1, 3}) apart" in m.value for m in at.markdown)
    at.selectbox(key="limits:pair").set_value(pair).run()
    pages.no_exceptions(at)
    assert any(words in m.value for m in at.markdown)
    assert "1-WL colour refinement, round by round" in chart_titles(at)
    assert not RunStore().results()  # opening the page trains nothing


def test_a_small_csl_comparison_trains_stores_and_compares(pages):
    at = pages.open(PAGE)
    at.multiselect(key="limits:models").set_value(["gin"])
    at.multiselect(key="limits:encodings").set_value(["none", "random-walk"])
    at.number_input(key="limits:epochs").set_value(2)
    at.run()
    at.button(key="train").click()
    at = pages.run_until_idle(at, 120)
    pages.no_exceptions(at)
    stored = RunStore().results()
    assert len(stored) == 10  # 1 model x 2 encodings x 5 folds
    assert {r.spec.params.get("graph_encoding", "none") for r in stored} == {"none", "random-walk"}
    assert {r.spec.params["fold"] for r in stored} == set(range(5))
    titles = chart_titles(at)
    assert "Trained models' embeddings of the pair" in titles
    verdicts = [df.value for df in at.dataframe if "Verdict" in df.value.columns]
    assert verdicts and "GIN · random-walk − GIN · none" in set(verdicts[0]["Pair (a − b)"])
    # Opened again with the job's URL (a browser refresh): the same choice, nothing to train.
    again = pages.open(PAGE, {"run": at.query_params["run"][0] if isinstance(at.query_params["run"], list)
                              else at.query_params["run"]})
    assert again.multiselect(key="limits:encodings").value == ["none", "random-walk"]
    assert not [b for b in again.button if b.key == "train"]
