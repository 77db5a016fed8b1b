"""The GNN arena's sidebar: task, dataset (with its statistics), models, seeds, epochs and
per-model hyperparameters, read into a list of :class:`~gnncore.spec.RunSpec`.

Every hyperparameter widget starts at the engine's documented default for the chosen
dataset (``engine.defaults(spec)``, the papers' settings), and each model's expander has a
button that puts them back. Widget values live in ``st.session_state`` under stable keys,
so :func:`restore` can set the whole sidebar from a job's specs after a browser refresh.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import streamlit as st

from gnncore.charts.theme import display_name
from gnncore.gnn.datasets import DATASETS, availability, dataset_names
from gnncore.gnn.models import ARCHITECTURES
from gnncore.runs import engine
from gnncore.spec import RunSpec

# Later issues add "link" and "graph" here; everything below works per task already.
TASKS = {"node": "Node classification"}
DEFAULT_DATASET = "Cora"
DEFAULT_SEEDS = 5
MAX_SEEDS = 20
# Settings that apply to every model, shown once above the per-model expanders.
SHARED = ("epochs", "patience")
# The synthetic graph's knobs: (label, min, max, step, help).
CSBM_KNOBS = {
    "homophily": ("Homophily", 0.0, 1.0, 0.05,
                  "Expected fraction of edges that join two nodes of the same class."),
    "signal": ("Feature signal", 0.0, 3.0, 0.1,
               "How far apart the class means of the node features are, against unit noise; "
               "0 makes the features useless, so only the graph can tell classes apart."),
}
# Per-model hyperparameters: (label, min, max, step, format, help).
FIELDS = {
    "hidden": ("Hidden units", 1, 1024, 1, None, "Width of each hidden layer (per head for GAT)."),
    "heads": ("Attention heads", 1, 16, 1, None, "Heads in the hidden layers, concatenated."),
    "out_heads": ("Output heads", 1, 16, 1, None, "Heads in the output layer, averaged."),
    "layers": ("Layers", 1, 8, 1, None, "Number of graph convolutions (linear layers for the MLP)."),
    "dropout": ("Dropout", 0.0, 0.95, 0.05, "%.2f", "Dropout rate on every layer's input."),
    "lr": ("Learning rate", 1e-5, 1.0, 0.001, "%.4f", "Adam's step size."),
    "weight_decay": ("Weight decay", 0.0, 0.1, 1e-4, "%.4f", "L2 penalty on the weights."),
}


@dataclass
class ArenaChoice:
    """What the sidebar asks for: ``specs`` is one spec per (model, seed)."""

    task: str
    dataset: str
    models: list[str]
    seeds: int
    epochs: int
    specs: list[RunSpec] = field(default_factory=list)

    @property
    def summary(self) -> str:
        names = ", ".join(display_name(m) for m in self.models) or "no model"
        runs = len(self.specs)
        return (f"{names} on {DATASETS[self.dataset].title}: {self.seeds} seed"
                f"{'s' if self.seeds != 1 else ''} each, {self.epochs} epochs, "
                f"{runs} run{'s' if runs != 1 else ''} in all.")


def gnn_sidebar() -> ArenaChoice:
    """Draw the sidebar and return what it asks for."""
    ss = st.session_state
    with st.sidebar:
        st.subheader("Experiment")
        task = st.selectbox("Task", list(TASKS), format_func=TASKS.get, key="task",
                            help="Link prediction and graph classification come in a later version.")
        names = dataset_names(task)
        ss.setdefault("dataset", DEFAULT_DATASET if DEFAULT_DATASET in names else names[0])
        dataset = st.selectbox("Dataset", names, key="dataset",
                               format_func=lambda n: DATASETS[n].title)
        dataset_card(dataset)
        _follow_dataset_defaults(task, dataset)

        knobs = {}
        if dataset == "CSBM":
            for name, (label, lo, hi, step, text) in CSBM_KNOBS.items():
                ss.setdefault(f"csbm:{name}", _default(task, dataset, "gcn", name))
                knobs[name] = _clean(st.slider(label, lo, hi, step=step, key=f"csbm:{name}", help=text))

        ss.setdefault("models", list(ARCHITECTURES))
        models = st.multiselect("Models", list(ARCHITECTURES), key="models", format_func=model_label,
                                placeholder="Pick at least one model",
                                help="The MLP never looks at the edges: the baseline that shows "
                                     "what the graph adds.")
        ss.setdefault("seeds", DEFAULT_SEEDS)
        seeds = st.number_input("Seeds per model", 1, MAX_SEEDS, step=1, key="seeds",
                                help="Each model trains once per seed (0, 1, ...); the charts "
                                     "show the mean and the spread over seeds.")
        ss.setdefault("epochs", _default(task, dataset, "gcn", "epochs"))
        epochs = st.number_input("Epochs", 1, 5000, step=10, key="epochs",
                                 help="Training epochs per run. The test accuracy reported is "
                                      "the one at the epoch of best validation accuracy.")
        ss.setdefault("patience", _default(task, dataset, "gcn", "patience") or 0)
        patience = st.number_input("Early stopping patience", 0, 5000, step=10, key="patience",
                                   help="Stop a run after this many epochs without a better "
                                        "validation accuracy; 0 trains all epochs.")

        hparams = {}
        if models:
            st.subheader("Hyperparameters")
            st.caption("Pre-filled with each paper's settings for this dataset.")
        for model in models:
            hparams[model] = _model_expander(task, dataset, model)

    specs = [RunSpec.make(task, dataset, m, seed, epochs=int(epochs), patience=int(patience),
                          **hparams[m], **knobs)
             for m in models for seed in range(int(seeds))]
    return ArenaChoice(task, dataset, list(models), int(seeds), int(epochs), specs)


def dataset_card(name: str) -> None:
    """The dataset's statistics, split, source and where its files are."""
    d = DATASETS[name]
    graphs = f"**{d.graphs:,}** graphs · " if d.graphs > 1 else ""
    st.markdown(f"{graphs}**{d.nodes:,}** nodes · **{d.edges:,}** directed edges  \n"
                f"**{d.features:,}** features · **{d.classes}** classes")
    files = availability_text(name)
    if files.startswith("not available"):
        files += " (in neither the dataset cache nor the offline mirror)"
    st.caption(f"Split: {d.split}  \nSource: {d.source}  \nFiles: {files}")


def availability_text(name: str) -> str:
    """:func:`gnncore.gnn.datasets.availability`, saying plainly when offline rules it out."""
    text = availability(name)
    if text.startswith("downloads") and os.environ.get("GNNCORE_OFFLINE"):
        return "not available offline"
    return text


def restore(specs: list[RunSpec]) -> None:
    """Set every sidebar widget so that the sidebar asks for ``specs`` again."""
    if not specs:
        return
    ss, first = st.session_state, specs[0]
    ss["task"], ss["dataset"] = first.kind, first.dataset
    ss["models"] = list(dict.fromkeys(s.model for s in specs))
    ss["seeds"] = max(s.seed for s in specs) + 1
    for name in SHARED:
        if name in first.params:
            ss[name] = first.params[name]
    for name in CSBM_KNOBS:
        if name in first.params:
            ss[f"csbm:{name}"] = first.params[name]
    for s in specs:
        for name, value in s.params.items():
            if name not in SHARED and name not in CSBM_KNOBS:
                ss[_key(s.model, name)] = value
    ss["_defaults_for"] = (first.kind, first.dataset)


def model_label(model: str) -> str:
    return display_name(model) + (" baseline" if model == "mlp" else "")


# ---- per-model hyperparameters ----

def model_defaults(task: str, dataset: str, model: str) -> dict:
    """The engine's defaults for this model on this dataset, less the shared settings."""
    out = engine(task).defaults(RunSpec.make(task, dataset, model))
    return {k: v for k, v in out.items() if k not in SHARED and k not in CSBM_KNOBS}


def _model_expander(task: str, dataset: str, model: str) -> dict:
    defaults = model_defaults(task, dataset, model)
    values = {}
    with st.expander(f"{display_name(model)} hyperparameters"):
        st.caption(ARCHITECTURES[model])
        for name, default in defaults.items():
            key = _key(model, name)
            st.session_state.setdefault(key, default)
            label, lo, hi, step, fmt, text = FIELDS.get(name, (name.replace("_", " ").capitalize(),
                                                               None, None, None, None, ""))
            if isinstance(default, int):
                lo, hi, step = (int(v) if v is not None else None for v in (lo, hi, step))
            value = st.number_input(label, lo, hi, step=step, format=fmt, key=key,
                                    help=f"{text} Paper default here: {default:g}.".strip())
            values[name] = _clean(value)
        st.button("Reset to paper defaults", key=f"reset:{model}", on_click=_reset,
                  args=(model, defaults), width="stretch")
    return values


def _reset(model: str, defaults: dict) -> None:
    for name, value in defaults.items():
        st.session_state[_key(model, name)] = value


def _follow_dataset_defaults(task: str, dataset: str) -> None:
    """On a dataset change, move each value still at the old dataset's default to the new one
    (GAT's PubMed settings differ); values the user changed stay as they are."""
    ss = st.session_state
    before = ss.get("_defaults_for")
    if before == (task, dataset):
        return
    for model in ARCHITECTURES:
        old = model_defaults(*before, model) if before else {}
        for name, value in model_defaults(task, dataset, model).items():
            key = _key(model, name)
            if key in ss and name in old and ss[key] == old[name]:
                ss[key] = value
    ss["_defaults_for"] = (task, dataset)


def _default(task: str, dataset: str, model: str, name: str):
    return engine(task).defaults(RunSpec.make(task, dataset, model)).get(name)


def _key(model: str, name: str) -> str:
    return f"hp:{model}:{name}"


def _clean(value):
    """Round away float noise from steppers and sliders (0.1 + 0.2), so equal settings give
    equal spec keys and the run store finds them."""
    return float(f"{value:.6g}") if isinstance(value, float) else value
