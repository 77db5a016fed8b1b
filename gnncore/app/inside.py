"""Inside the models, under a node comparison: what a node hears from its neighbours in each
trained model, and how the node embeddings moved during training, for one seed.

The trained weights and the embedding snapshots are artifacts of the runs, read from the
run store (:meth:`gnncore.runs.RunStore.artifact`); the tables come from
:mod:`gnncore.gnn.inside.neighbourhood` and :mod:`gnncore.gnn.inside.snapshots`, the charts from
:mod:`gnncore.charts.inside`. This module only picks and places.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gnncore.app.comparison import draw_spec
from gnncore.app.why import show_why
from gnncore.charts.inside import class_name, embedding_chart, incoming_weights_chart, neighbourhood_chart
from gnncore.charts.theme import display_name, order
from gnncore.gnn.tasks import settings as gs
from gnncore.gnn.inside.neighbourhood import Trained, disagreements, neighbourhood, run_data
from gnncore.gnn.inside.snapshots import embeddings_frame, explained_variance
from gnncore.runs import RunStore
from gnncore.spec import DatasetUnavailable, RunResult, RunSpec

ANY_NODE, DISAGREE = "any node by its id", "nodes where the models disagree"
LAYERS = {"last": "the last layer (it feeds the prediction)", "first": "the first layer"}


def show_inside(results: list[RunResult], store: RunStore, stem: str) -> None:
    """The section for a finished node comparison (one dataset); ``stem`` starts file names."""
    st.subheader("Inside the models")
    seeds = sorted({r.spec.seed for r in results})
    seed = st.selectbox("Seed", seeds, key="inside_seed", width=160,
                        help="Both views show the models trained with this seed (same split, same start).")
    specs = one_per_model([r.spec for r in results if r.spec.seed == seed])
    specs = sorted(specs, key=lambda s: order([x.model for x in specs]).index(s.model))
    try:
        trained = [_trained(s.key, str(store.path), s) for s in specs]
    except DatasetUnavailable as e:
        st.error(str(e))
        return
    except LookupError:  # the store lost them since the runs were read (moved aside, replaced)
        st.info("The run store no longer holds these runs' trained weights; train them again to look inside.")
        return
    hears, moves, why = st.tabs(["What a node hears", "How the representations move", "Why this prediction"])
    with hears:
        _hears(trained, stem, seed)
    with moves:
        _moves(specs, store, stem, seed)
    with why:
        show_why(trained, store, stem, seed)


def one_per_model(specs: list[RunSpec]) -> list[RunSpec]:
    """The first run of each model: the views set models side by side, one panel each, so two
    runs of one model and seed (other settings) would collide; a sentence says which is shown."""
    first: dict[str, RunSpec] = {}
    for s in specs:
        first.setdefault(s.model, s)
    if len(first) < len(specs):
        twice = sorted({display_name(s.model) for s in specs if first[s.model] is not s})
        st.caption(f"{', '.join(twice)} ran with this seed under more than one setting: the views show "
                   "the first run of each model. Pick one setting group to see another.")
    return list(first.values())


def _hears(trained: list[Trained], stem: str, seed: int) -> None:
    data = trained[0].data
    predictions = _predictions(tuple(t.spec.key for t in trained), trained)
    differ = disagreements(predictions)
    st.caption("Pick a node: its neighbourhood, the weight each model puts on every edge into it, "
               "and what each model predicts there.")
    with st.container(horizontal=True, gap="medium"):
        how = st.radio("Pick from", [DISAGREE, ANY_NODE] if len(differ) else [ANY_NODE], key="inside_pick")
        if how == DISAGREE:
            rows = {int(r.node): r for r in differ.itertuples(index=False)}
            node = st.selectbox(f"Node ({len(differ)} test nodes where the predictions differ)", list(rows),
                                key="inside_node_disagree", width=460,
                                format_func=lambda n: _describe(rows[n], [t.spec.model for t in trained]))
        else:
            node = int(st.number_input(f"Node id (0 to {data.num_nodes - 1})", min_value=0,
                                       max_value=data.num_nodes - 1, step=1, key="inside_node_id", width=220))
        layer = st.radio("Weights of", list(LAYERS), format_func=LAYERS.get, key="inside_layer")
    nodes, edges, weights = _around(tuple(t.spec.key for t in trained), node, trained)
    here = predictions[predictions["node"] == node]
    st.dataframe(pd.DataFrame({
        "Model": [display_name(m) for m in here["model"]],
        "Predicts": [class_name(c) for c in here["predicted"]],
        "Probability": here["confidence"].to_numpy(),
        "Right?": ["yes" if p == y else "no" for p, y in zip(here["predicted"], here["label"])],
    }), hide_index=True, key="inside_predictions", width=520,
        column_config={"Probability": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})
    split = here["split"].iloc[0]
    st.caption(f"Node {node} is of {class_name(here['label'].iloc[0])}, a {split} node"
               f"{' (the models never saw its label)' if split == 'test' else ''}, "
               f"with {int(nodes.loc[nodes['node'] == node, 'degree'].iloc[0])} neighbours.")
    file = f"{stem}node_{node}_seed_{seed}_"
    labels = pd.Series(data.y.numpy())
    draw_spec(_spec(neighbourhood_chart(nodes, edges, weights, predictions, node, layer)),
              weights, "inside_neighbourhood", file + "neighbourhood",
              caption="Hover an edge for its weight, a node for its class and each model's prediction. "
                      "The CSV holds every model's weight on every edge into these nodes, per layer and "
                      "attention head (head 0: the layer's weight, for GAT the mean over its heads).")
    if len(weights):
        draw_spec(_spec(incoming_weights_chart(weights, labels, node, layer)),
                  weights[weights["target"] == node], "inside_incoming", file + "incoming_weights")


def _moves(specs: list[RunSpec], store: RunStore, stem: str, seed: int) -> None:
    frame, explained = _embeddings(tuple(s.key for s in specs), str(store.path), specs)
    if frame.empty:
        st.info("These runs were stored without embedding snapshots; train them again to see them.")
        return
    epochs = sorted(frame["epoch"].unique().tolist())
    epoch = st.select_slider("Epoch", epochs, value=epochs[-1], key="inside_epoch",
                             help="The snapshots kept during training: epoch 0 is the untrained model.")
    chart = embedding_chart(frame, epoch, explained)
    draw_spec(_spec(chart), frame[frame["epoch"] == epoch], "inside_embeddings",
              f"{stem}embeddings_seed_{seed}_epoch_{epoch}",
              caption="Slide through the epochs: a model that separates the classes pulls each colour "
                      "into its own region. The hidden layer is the last layer's input (for APPNP the "
                      "MLP's hidden layer, before any propagation). The CSV holds this epoch; "
                      "`python -m gnncore gnn --embeddings-out` writes every epoch.")


def _describe(row, models: list[str]) -> str:
    said = [f"{display_name(m)} " + ("right" if int(getattr(row, m)) == int(row.label)
                                     else f"wrong ({class_name(getattr(row, m))})") for m in models]
    return f"{row.node} ({class_name(row.label)}): " + " · ".join(said)


def _spec(chart) -> dict:
    return chart.to_dict(validate=False)


@st.cache_resource(max_entries=8, show_spinner=False)
def _graph(dataset: str, seed: int, options: tuple, _spec: RunSpec):
    return run_data(_spec)


@st.cache_resource(max_entries=32, show_spinner="Loading the trained models…")
def _trained(key: str, store_path: str, _spec: RunSpec) -> Trained:
    """A stored run's model; LookupError (not cached) where the store no longer has it."""
    blob = RunStore(store_path).artifact(_spec, "model")
    if blob is None:
        raise LookupError(key)
    data = _graph(_spec.dataset, _spec.seed, tuple(sorted(gs.dataset_options(_spec).items())), _spec)
    return Trained.load(_spec, blob, data)


@st.cache_data(max_entries=32, show_spinner=False)
def _around(keys: tuple, node: int, _trained: list[Trained]):
    """The node's neighbourhood and every model's weights into it: computed once per node,
    not on every rerun (GAT's weights need a forward pass over the whole graph)."""
    nodes, edges = neighbourhood(_trained[0].data, node)
    weights = pd.concat([t.edge_weights(nodes["node"].tolist()) for t in _trained], ignore_index=True)
    return nodes, edges, weights


@st.cache_data(max_entries=8, show_spinner=False)
def _predictions(keys: tuple, _trained: list[Trained]) -> pd.DataFrame:
    return pd.concat([t.predictions() for t in _trained], ignore_index=True)


@st.cache_data(max_entries=8, show_spinner=False)
def _embeddings(keys: tuple, store_path: str, _specs: list[RunSpec]) -> tuple[pd.DataFrame, dict]:
    """Every model's snapshots of one seed, and the variance their axes keep."""
    store = RunStore(store_path)
    blobs = {s: store.artifact(s, "embeddings") for s in _specs}
    blobs = {s: b for s, b in blobs.items() if b is not None}
    frames = [embeddings_frame(b, s.model, s.seed) for s, b in blobs.items()]
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(),
            {s.model: explained_variance(b) for s, b in blobs.items()})
