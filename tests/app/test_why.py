"""The arena's "Why this prediction" view: explanations of one node side by side, and the
explainers scored in the background."""

import pytest

from test_gnn_arena import PAGE, charts, choose, train


def test_why_this_prediction_draws_each_explainer_and_scores_them(pages, monkeypatch):
    import gnncore.app.why as why

    monkeypatch.setattr(why, "SCORED_NODES", 3)  # the page's 100 nodes, cut for time
    at = train(pages, choose(pages.open(PAGE), "CSBM", ("gcn", "gat"), seeds=1, epochs=4))
    pages.no_exceptions(at)
    at.multiselect(key="why_explainers").set_value(["saliency", "attention", "random"]).run()
    at.number_input(key="why_node").set_value(7).run()
    pages.no_exceptions(at)
    spec, rows = charts(at)["Why node 7 got its prediction"]
    # a panel per model and explainer that applies: attention for GAT only, said for GCN
    drawn = {(r["model"], r["explainer"]) for r in rows}
    assert drawn == {("gcn", "saliency"), ("gcn", "random"), ("gat", "saliency"), ("gat", "attention"),
                     ("gat", "random")}
    assert any("GCN weighs its neighbours without any" in c.value for c in at.caption)
    assert "Which input features the prediction leans on" in charts(at)

    at.button(key="why_score").click().run()
    at = pages.run_until_idle(at, until=lambda a: "How faithful each explainer is" in charts(a.run()))
    pages.no_exceptions(at)
    _, scored = charts(at)["How faithful each explainer is"]
    assert {r["explainer"] for r in scored} >= {"saliency", "random"}
    assert all(0 <= r["mean"] <= 1 for r in scored)
