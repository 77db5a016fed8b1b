"""Why this prediction: under a node comparison, for one seed, each explainer's edge
importances for one node drawn on its neighbourhood, the features it leans on, and, in the
background, each explainer scored on 100 nodes (fidelity, and AUC against a planted motif).

The explanations come from :mod:`gnncore.gnn.explain` (one node at a time, here, on the
stored models), the scores from explain runs (a background job, stored), the charts from
:mod:`gnncore.charts.explain`. This module only picks and places.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gnncore.app import jobs
from gnncore.app.comparison import draw_spec
from gnncore.app.progress import progress_panel
from gnncore.charts.explain import feature_chart, mask_chart, scores_chart
from gnncore.charts.theme import display_name
from gnncore.gnn.architectures import build
from gnncore.gnn.explain.engine import FACTS, explain_node
from gnncore.gnn.explain.explainers import EXPLAINERS, explainable, refusal
from gnncore.gnn.inside.neighbourhood import Trained, neighbourhood
from gnncore.pairs import paired_differences, verdict
from gnncore.runs import RunStore, grid, runs_frame

SCORED_NODES = 100
SCORED = tuple(EXPLAINERS)  # the explainers scored in the background


def show_why(trained: list[Trained], store: RunStore, stem: str, seed: int) -> None:
    """The tab for the models of one seed (``trained``: one per model, on one graph)."""
    data = trained[0].data
    st.caption("Pick a node and explainers: each draws how much every edge mattered to each model's "
               "prediction there. Attention explains only GAT, the model that has it.")
    test_nodes = data.test_mask.nonzero().view(-1).tolist()
    with st.container(horizontal=True, gap="medium"):
        node = int(st.number_input(f"Node id (0 to {data.num_nodes - 1})", min_value=0,
                                   max_value=data.num_nodes - 1, value=test_nodes[0] if test_nodes else 0,
                                   step=1, key="why_node", width=220))
        # The quick ones: Streamlit draws every tab on each rerun, and GNNExplainer trains a mask.
        default = [e for e in ("saliency", "attention", "random") if e in EXPLAINERS]
        chosen = st.multiselect("Explainers", list(EXPLAINERS), default=default, key="why_explainers",
                                format_func=lambda e: EXPLAINERS[e].label, width=520)
    if not chosen:
        st.info("Choose at least one explainer.")
        return
    for said in dict.fromkeys(refusal(e, t.spec.model) for e in chosen for t in trained):
        if said:
            st.caption(said)
    masks, features = _explained(tuple(t.spec.key for t in trained), node, tuple(chosen), trained)
    if masks.empty:
        st.info("None of the chosen explainers applies to these models.")
        return
    nodes, edges = neighbourhood(data, node, hops=max(t.spec.params.get("layers", 2) for t in trained))
    shown = set(nodes["node"])
    near = masks[masks["source"].isin(shown) & masks["target"].isin(shown)]
    file = f"{stem}why_node_{node}_seed_{seed}_"
    draw_spec(mask_chart(nodes, edges, near, node).to_dict(validate=False), masks, "why_masks", file + "masks",
              caption="The CSV holds every explainer's importance on every edge within the models' reach.")
    features = features[features["explainer"] != "random"] if not features.empty else features  # noise
    if not features.empty:
        draw_spec(feature_chart(features).to_dict(validate=False), features, "why_features", file + "features")
    _scores(trained, store, stem, seed)


def _scores(trained: list[Trained], store: RunStore, stem: str, seed: int) -> None:
    st.markdown(f"**How faithful is each explainer?** Scored on {SCORED_NODES} nodes of seed {seed} "
                "(models trained with their default settings), in the background.")
    specs = []
    for e in SCORED:
        fits = [t.spec.model for t in trained if not refusal(e, t.spec.model)]
        if fits:
            specs += grid("explain", trained[0].spec.dataset, fits, [seed], explainer=e, nodes=SCORED_NODES)
    key = jobs.request_key(specs, store)
    job = jobs.registry().get(key)
    stored = [store.get(s) for s in specs]
    if all(r is not None for r in stored):
        _draw_scores([r for r in stored if r is not None], stem, seed)
        return
    if job is None or (not job.running and st.session_state.get("why_started") != key):
        if st.button(f"Score the explainers on {SCORED_NODES} nodes", key="why_score", icon=":material/science:"):
            st.session_state["why_started"] = key
            jobs.registry().start(specs, store, workers=1)
            st.rerun()
        return
    if job.running:
        progress_panel(job, unit="node", noun="explainer run")
    elif job.state == jobs.FAILED:
        st.error(job.error or "Scoring failed.")
    elif job.state == jobs.STOPPED:
        st.info(f"Stopped: {job.finished_count} of {job.total} explainer runs finished and are kept.")
    if job.results:
        _draw_scores(job.results, stem, seed)


def _draw_scores(results, stem: str, seed: int) -> None:
    frame = runs_frame(results)
    metrics = [m.name for m in FACTS.metrics if frame[m.name].notna().any()]
    draw_spec(scores_chart(frame, metrics).to_dict(validate=False), frame, "why_scores",
              f"{stem}why_scores_seed_{seed}")
    for model, runs in frame.groupby("model", sort=False):
        pairs = paired_differences(runs.drop(columns="model").rename(columns={"explainer": "model"}),
                                   "characterization")
        for _, row in pairs.iterrows():
            if "random" in (row["model_a"], row["model_b"]) or "attention" in (row["model_a"], row["model_b"]):
                st.caption(f"{display_name(model)}: " + verdict(row, lambda e: EXPLAINERS[e].label, fraction=False))


@st.cache_data(max_entries=16, show_spinner="Explaining…")
def _explained(keys: tuple, node: int, explainers: tuple, _trained: list[Trained]):
    """Every model's explanation of ``node`` by each explainer that applies (a copy of the
    model: the explainers need PyG's plain layers)."""
    masks, features = [], []
    for t in _trained:
        fresh = build(t.spec, t.data.num_features, t.data.num_classes)  # the inside view keeps its own
        fresh.load_state_dict(t.model.state_dict())
        model = explainable(fresh.eval())
        for e in explainers:
            if refusal(e, t.spec.model):
                continue
            one = explain_node(e, model, t.data, node, t.spec.params.get("layers", 2))
            masks.append(pd.DataFrame(one.rows()).assign(model=t.spec.model, explainer=e))
            if one.features is not None:
                top = one.features.argsort(descending=True)[:10].tolist()
                features.append(pd.DataFrame({"model": t.spec.model, "explainer": e, "feature": top,
                                              "importance": one.features[top].tolist()}))
    cat = lambda parts: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()  # noqa: E731
    return cat(masks), cat(features)
