"""The GNN arena's sidebar: task, dataset (with its statistics), models, seeds (and folds,
for graph classification), epochs and per-model hyperparameters, read into a list of
:class:`~gnncore.spec.RunSpec`.

Every hyperparameter widget starts at the engine's documented default for the chosen task
and dataset (``engine.defaults(spec)``, the papers' settings), and each model's expander
has a button that puts them back. Widget values live in ``st.session_state`` under stable
keys, so :func:`restore` can set the whole sidebar from a job's specs after a browser
refresh. The keys are shared by the three tasks: on a task or dataset change a value still
at the old default moves to the new one, and a value the user set stays.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import streamlit as st

from gnncore.charts.theme import display_name
from gnncore.gnn.datasets import DATASETS, availability, dataset_names
from gnncore.gnn.models import ARCHITECTURES, GRAPH_ARCHITECTURES, READOUTS
from gnncore.runs import engine
from gnncore.spec import RunSpec

TASKS = {"node": "Node classification", "link": "Link prediction", "graph": "Graph classification"}
TASK_HELP = ("Node classification labels the nodes of one graph; link prediction ranks held-out "
             "edges against node pairs that are no edge; graph classification labels whole graphs "
             "(molecules, proteins), scored by cross-validation.")
DEFAULT_DATASETS = {"node": "Cora", "link": "Cora", "graph": "PROTEINS"}
# Graph classification runs every fold and the folds give the spread, so one seed per fold
# (as the CLI does).
DEFAULT_SEEDS = {"node": 5, "link": 5, "graph": 1}
MAX_SEEDS = 20
DEFAULT_FOLDS, MAX_FOLDS = 10, 20  # Errica et al. 2020 use 10
MODELS = {"node": ARCHITECTURES, "link": ARCHITECTURES, "graph": GRAPH_ARCHITECTURES}
ALL_MODELS = list({**ARCHITECTURES, **GRAPH_ARCHITECTURES})
MODEL_HELP = {
    "node": "The MLP never looks at the edges: the baseline that shows what the graph adds.",
    "link": "Each model encodes the nodes and a dot product scores a pair (a graph auto-encoder, "
            "Kipf & Welling 2016); the MLP encodes each node from its features alone.",
    "graph": "GIN tells apart as many graphs as any message-passing model can (Xu et al. 2019). "
             "The MLP embeds each node without its edges, then pools: the baseline that shows "
             "what the graph adds.",
}
# What picks the reported epoch, per task: the epochs and patience help say it.
SELECTED_BY = {"node": ("test accuracy", "validation accuracy"),
               "link": ("test ROC-AUC and average precision", "validation ROC-AUC"),
               "graph": ("test accuracy of each fold", "validation accuracy on the inner split")}
# Settings that apply to every model, shown once above the per-model expanders.
SHARED = ("epochs", "patience")
# Graph classification's settings for the whole comparison, not per model.
TASK_SETTINGS = ("folds", "fold", "readout")
PAPER_READOUT = "paper"  # each model's own default readout (gnncore.gnn.graph.PAPER_DEFAULTS)
READOUT_LABELS = {PAPER_READOUT: "Each paper's", "mean": "Mean", "sum": "Sum", "max": "Max"}
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
    "embedding": ("Embedding size", 1, 1024, 1, None,
                  "Width of the node embeddings whose dot product scores a pair."),
    "batch_size": ("Batch size", 2, 1024, 1, None, "Graphs per training step."),
}


# Per-model settings with a few named values: (label, {value: what it means}, help).
CHOICES = {
    "select": ("Reported epoch", {"accuracy": "best validation accuracy", "loss": "lowest validation loss"},
               "Which validation metric picks the epoch whose test score is reported."),
}


@dataclass
class ArenaChoice:
    """What the sidebar asks for: ``specs`` is one spec per (model, seed), and per fold too
    for graph classification (``folds`` > 0)."""

    task: str
    dataset: str
    models: list[str]
    seeds: int
    epochs: int
    specs: list[RunSpec] = field(default_factory=list)
    folds: int = 0

    @property
    def summary(self) -> str:
        names = ", ".join(display_name(m) for m in self.models) or "no model"
        runs = len(self.specs)
        seeds = f"{self.seeds} seed{'s' if self.seeds != 1 else ''}"
        each = f"{self.folds} folds x {seeds}" if self.folds else f"{seeds} each"
        return (f"{names} on {DATASETS[self.dataset].title}: {each}, {self.epochs} epochs, "
                f"{runs} run{'s' if runs != 1 else ''} in all.")


def gnn_sidebar() -> ArenaChoice:
    """Draw the sidebar and return what it asks for."""
    ss = st.session_state
    with st.sidebar:
        st.subheader("Experiment")
        task = st.selectbox("Task", list(TASKS), format_func=TASKS.get, key="task", help=TASK_HELP)
        _follow_task(task)
        dataset = st.selectbox("Dataset", dataset_names(task), key="dataset",
                               format_func=lambda n: DATASETS[n].title)
        dataset_card(dataset)
        _follow_dataset_defaults(task, dataset)

        knobs = {}
        if dataset == "CSBM":
            for name, (label, lo, hi, step, text) in CSBM_KNOBS.items():
                ss.setdefault(f"csbm:{name}", _default(task, dataset, "gcn", name))
                knobs[name] = _clean(st.slider(label, lo, hi, step=step, key=f"csbm:{name}", help=text))

        ss.setdefault("models", list(MODELS[task]))
        models = st.multiselect("Models", list(MODELS[task]), key="models", format_func=model_label,
                                placeholder="Pick at least one model", help=MODEL_HELP[task])
        folds, readout = 0, None
        if task == "graph":
            ss.setdefault("folds", DEFAULT_FOLDS)
            folds = int(st.number_input(
                "Folds", 2, MAX_FOLDS, step=1, key="folds",
                help="Stratified cross-validation (Errica et al. 2020): every fold is the test set "
                     "once, and each model trains once per fold; the charts show the mean and the "
                     "spread over folds."))
            ss.setdefault("readout", PAPER_READOUT)
            readout = st.selectbox("Readout", [PAPER_READOUT, *READOUTS], key="readout",
                                   format_func=READOUT_LABELS.get,
                                   help="How a graph's node embeddings pool into one vector for the "
                                        "classifier: their mean, sum or maximum. Each paper's: sum "
                                        "for GIN (Xu et al. 2019) and the baseline (Errica et al. "
                                        "2020), mean for the others.")
            readout = None if readout == PAPER_READOUT else readout
        ss.setdefault("seeds", DEFAULT_SEEDS[task])
        seeds = st.number_input("Seeds per fold" if folds else "Seeds per model", 1, MAX_SEEDS, step=1,
                                key="seeds",
                                help="Each model trains once per seed (0, 1, ...) on every fold."
                                if folds else "Each model trains once per seed (0, 1, ...); the "
                                "charts show the mean and the spread over seeds.")
        reported, selected_by = SELECTED_BY[task]
        ss.setdefault("epochs", _default(task, dataset, "gcn", "epochs"))
        epochs = st.number_input("Epochs", 1, 5000, step=10, key="epochs",
                                 help=f"Training epochs per run. The {reported} reported is the one "
                                      f"at the epoch of best {selected_by}.")
        ss.setdefault("patience", _default(task, dataset, "gcn", "patience") or 0)
        patience = st.number_input("Early stopping patience", 0, 5000, step=10, key="patience",
                                   help="Stop a run after this many epochs without a better "
                                        f"{selected_by}; 0 trains all epochs.")

        hparams = {}
        if models:
            st.subheader("Hyperparameters")
            st.caption("Pre-filled with each paper's settings for this task and dataset.")
        for model in models:
            hparams[model] = _model_expander(task, dataset, model)

    shared = dict(epochs=int(epochs), patience=int(patience), **knobs)
    if task == "graph":  # in the CLI's order: model, seed, fold
        specs = [RunSpec.make(task, dataset, m, seed, fold=k, folds=folds, readout=readout,
                              **shared, **hparams[m])
                 for m in models for seed in range(int(seeds)) for k in range(folds)]
    else:
        specs = [RunSpec.make(task, dataset, m, seed, **shared, **hparams[m])
                 for m in models for seed in range(int(seeds))]
    return ArenaChoice(task, dataset, list(models), int(seeds), int(epochs), specs, folds)


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
    if first.kind == "graph":
        ss["folds"] = first.get("folds", DEFAULT_FOLDS)
        ss["readout"] = PAPER_READOUT if all(
            s.get("readout") == _default("graph", s.dataset, s.model, "readout") for s in specs
        ) else first.get("readout")
    for name in CSBM_KNOBS:
        if name in first.params:
            ss[f"csbm:{name}"] = first.params[name]
    for s in specs:
        for name, value in s.params.items():
            if name not in SHARED and name not in CSBM_KNOBS and name not in TASK_SETTINGS:
                ss[_key(s.model, name)] = value
    ss["_task_for"], ss["_defaults_for"] = first.kind, (first.kind, first.dataset)


def model_label(model: str) -> str:
    return display_name(model) + (" baseline" if model == "mlp" else "")


# ---- per-model hyperparameters ----

def model_defaults(task: str, dataset: str, model: str) -> dict:
    """The engine's defaults for this model on this dataset, less the settings shown once for
    every model (epochs, patience, the synthetic graph's knobs, folds and readout)."""
    out = engine(task).defaults(RunSpec.make(task, dataset, model))
    return {k: v for k, v in out.items()
            if k not in SHARED and k not in CSBM_KNOBS and k not in TASK_SETTINGS}


def _model_expander(task: str, dataset: str, model: str) -> dict:
    defaults = model_defaults(task, dataset, model)
    values = {}
    with st.expander(f"{display_name(model)} hyperparameters"):
        st.caption(MODELS[task][model])
        for name, default in defaults.items():
            key = _key(model, name)
            st.session_state.setdefault(key, default)
            if name in CHOICES:
                label, options, text = CHOICES[name]
                values[name] = st.selectbox(label, list(options), key=key, format_func=options.get,
                                            help=f"{text} Paper default here: {options[default]}.")
                continue
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


def _follow_task(task: str) -> None:
    """Before the task's widgets are drawn: keep a dataset and models the task has.

    On a task change the dataset goes to the task's default unless the new task has it too
    (Cora has nodes and links to predict); a model selection that was all of the old task's
    models becomes all of the new one's (GIN comes in for graphs), any other keeps the models
    the new task has; seeds still at the old task's default move to the new one's.
    """
    ss = st.session_state
    if ss.get("dataset") not in dataset_names(task):
        ss["dataset"] = DEFAULT_DATASETS[task]
    before = ss.get("_task_for")
    if before == task:
        return
    if before in MODELS and "models" in ss:
        kept = [m for m in ss["models"] if m in MODELS[task]]
        ss["models"] = list(MODELS[task]) if set(ss["models"]) == set(MODELS[before]) or not kept else kept
    if before in DEFAULT_SEEDS and ss.get("seeds") == DEFAULT_SEEDS[before]:
        ss["seeds"] = DEFAULT_SEEDS[task]
    ss["_task_for"] = task


def _follow_dataset_defaults(task: str, dataset: str) -> None:
    """On a task or dataset change, move each value still at the old default to the new one
    (GAT's PubMed settings differ; graph classification trains 100 epochs with patience 20);
    values the user changed stay as they are."""
    ss = st.session_state
    before = ss.get("_defaults_for")
    if before == (task, dataset):
        return
    if before:
        for name in SHARED:
            old, new = _default(*before, "gcn", name) or 0, _default(task, dataset, "gcn", name) or 0
            if name in ss and ss[name] == old:
                ss[name] = new
    for model in ALL_MODELS:
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
