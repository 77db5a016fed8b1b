"""The GNN arena's sidebar: task, dataset (with its statistics), models, seeds (and folds,
where the task cross-validates), the settings shared by the comparison and, per model, its
hyperparameters; read into a :class:`~gnncore.app.choice.Choice`.

Everything it offers comes from the engines' facts (``gnncore.runs.facts``): the tasks,
their datasets and models, default seeds and folds, and every setting's label, range and
help. Every hyperparameter widget starts at the engine's documented default for the chosen
task and dataset (the papers' settings), and each model's expander has a button that puts
them back. Widget values live in ``st.session_state`` under stable keys, so :func:`restore`
can set the whole sidebar from a job's specs after a browser refresh. The keys are shared by
the tasks: on a task or dataset change a value still at the old default moves to the new
one, and a value the user set stays.
"""

from __future__ import annotations


import streamlit as st

from gnncore.app.across import AcrossChoice
from gnncore.app.choice import Choice, clean, setting_widget
from gnncore.charts.theme import display_name
from gnncore.gnn.data.datasets import availability, info, load_node_data
from gnncore.gnn.kernels.measures import homophily
from gnncore.protocol import Facts
from gnncore.runs import engine, facts, kinds
from gnncore.spec import RunSpec

COMMAND = "gnn"
TASK_HELP = ("Node classification labels the nodes of one graph; link prediction ranks held-out "
             "edges against node pairs that are no edge; graph classification labels whole graphs "
             "(molecules, proteins), scored by cross-validation.")
PAPER = "paper"  # a comparison-wide choice left at each model's own default


def gnn_sidebar() -> Choice:
    """Draw the sidebar and return what it asks for."""
    ss = st.session_state
    tasks = kinds(COMMAND)
    with st.sidebar:
        st.subheader("Experiment")
        task = st.selectbox("Task", tasks, key="task", format_func=lambda k: facts(k).title, help=TASK_HELP)
        f = facts(task)
        _follow_task(task)
        dataset = st.selectbox("Dataset", list(f.datasets), key="dataset",
                               format_func=lambda n: info(n).title)
        dataset_card(dataset, f)
        also = _also_datasets(f, dataset)
        _follow_dataset_defaults(task, dataset)

        settings, per_model = {}, {}
        for s in f.settings_for(dataset, "run"):
            if s.datasets and s.shown:  # the dataset's own knobs, under its card
                ss.setdefault(f"csbm:{s.name}", _run_default(task, dataset, s.name))
                settings[s.name] = clean(st.slider(s.label, s.low, s.high, step=s.step, key=f"csbm:{s.name}",
                                                   help=s.help))

        ss.setdefault("models", list(f.default_models))
        models = st.multiselect("Models", list(f.models), key="models", format_func=lambda m: model_label(f, m),
                                placeholder="Pick at least one model", help=f.model_help)
        folds = 0
        if f.folds:
            ss.setdefault("folds", f.folds)
            folds = int(st.number_input(
                "Folds", 2, f.max_folds, step=1, key="folds",
                help="Stratified cross-validation (Errica et al. 2020): every fold is the test set "
                     "once, and each model trains once per fold; the charts show the mean and the "
                     "spread over folds."))
        for s in f.settings_for(dataset, "run"):
            if s.choices is not None and s.shown:
                ss.setdefault(s.name, PAPER)
                options = {PAPER: "Each paper's", **s.choices}
                value = st.selectbox(s.label, list(options), key=s.name, format_func=options.get,
                                     help=f"{s.help} Each paper's: every model's own default.")
                if value != PAPER:
                    settings[s.name] = value
                for knob in f.settings_for(dataset, "run"):  # a graph encoding's k or walk length
                    if knob.with_value == (s.name, value):
                        ss.setdefault(knob.name, knob.suggested)
                        settings[knob.name] = setting_widget(knob, key=knob.name)
        ss.setdefault("seeds", f.seeds)
        seeds = st.number_input("Seeds per fold" if folds else "Seeds per model", 1, f.max_seeds, step=1,
                                key="seeds",
                                help="Each model trains once per seed (0, 1, ...) on every fold."
                                if folds else "Each model trains once per seed (0, 1, ...); the "
                                "charts show the mean and the spread over seeds.")
        reported = f"The {display_metric(f)} reported is the one at the epoch of best {f.selected_by}."
        for s in _shared_numbers(f, dataset):
            ss.setdefault(s.name, _run_default(task, dataset, s.name) or 0)
            help_text = f"{s.help} {reported}" if s.name == "epochs" else s.help
            settings[s.name] = setting_widget(s, key=s.name, help=help_text)
        settings.update(_mini_batches(f))

        if models:
            st.subheader("Hyperparameters")
            st.caption("Pre-filled with each paper's settings for this task and dataset.")
        for model in models:
            per_model[model] = _model_expander(f, dataset, model)

    return AcrossChoice(task, dataset, list(models), int(seeds), settings, per_model, folds,
                        summary=_summary(f, dataset, list(models), int(seeds), folds, settings.get("epochs"),
                                         settings.get("patience"), also),
                        also=also)


def _also_datasets(f: Facts, dataset: str) -> list[str]:
    """More datasets for the same comparison (charts then get one panel per dataset)."""
    ss = st.session_state
    others = [d for d in f.datasets if d != dataset]
    ss["also_datasets"] = [d for d in ss.get("also_datasets", []) if d in others]  # the task or dataset changed
    return st.multiselect("Also compare on", others, key="also_datasets", format_func=lambda n: info(n).title,
                          placeholder="more datasets (optional)",
                          help="The same models and seeds on these datasets too; the charts get one panel "
                               "per dataset. Settings left at the paper defaults take each dataset's own; "
                               "those you change apply to every dataset.")


def _mini_batches(f: Facts) -> dict:
    """GraphSAGE's sampled mini-batches (gnncore.gnn.data.sampling), where the task has them: off,
    the whole graph trains at once."""
    batch, fanout = f.setting("batch_size"), f.setting("fanout")
    if fanout is None or batch is None:
        return {}
    ss = st.session_state
    if not st.toggle("Sampled mini-batches", key="mini_batches",
                     help="Train on batches of labelled nodes, each with a sample of its neighbours, layer "
                          "by layer (Hamilton et al. 2017): memory bounded by the batch, not the graph. "
                          "Scores are always on the whole graph."):
        return {}
    ss.setdefault("batch_size", batch.suggested)
    ss.setdefault("fanout", fanout.suggested)
    size = int(st.number_input(batch.label, int(batch.low), int(batch.high), step=int(batch.step),
                               key="batch_size", help=batch.help))
    text = st.text_input(fanout.label, key="fanout", help=fanout.help).strip()
    return {"batch_size": size, "fanout": text}


def display_metric(f: Facts) -> str:
    return f.headline.label.lower()


def _summary(f: Facts, dataset: str, models: list[str], seeds: int, folds: int, epochs,
             patience=None, also: list[str] = ()) -> str:
    names = ", ".join(display_name(m) for m in models) or "no model"
    runs = len(models) * seeds * (folds or 1) * (1 + len(also))
    if also:
        titles = [info(d).title for d in (dataset, *also)]
        return (f"{names} on {', '.join(titles[:-1])} and {titles[-1]}: {seeds} seed{'s' if seeds != 1 else ''}"
                f"{f' x {folds} folds' if folds else ''} per model and dataset, {runs} runs in all.")
    seed_text = f"{seeds} seed{'s' if seeds != 1 else ''}"
    each = f"{folds} folds x {seed_text}" if folds else f"{seed_text} each"
    length = (f"up to {epochs} epochs (each run stops after {patience} without progress)" if patience
              else f"{epochs} epochs")
    return f"{names} on {info(dataset).title}: {each}, {length}, {runs} run{'s' if runs != 1 else ''} in all."


def _shared_numbers(f: Facts, dataset: str):
    """The comparison-wide numeric settings (epochs, patience), drawn once for every model."""
    return [s for s in f.settings_for(dataset, "run")
            if s.shown and not s.datasets and s.choices is None and s.with_value is None]


def dataset_card(name: str, f: Facts) -> None:
    """The dataset's statistics, homophily, split, source and where its files are; ``f``: the
    chosen task's facts, whose settings of this dataset alone (the synthetic graph's knobs)
    shape the graph measured."""
    d = info(name)
    graphs = f"**{d.graphs:,}** graphs · " if d.graphs > 1 else ""
    st.markdown(f"{graphs}**{d.nodes:,}** nodes · **{d.edges:,}** directed edges  \n"
                f"**{d.features:,}** features · **{d.classes}** classes")
    if d.graphs == 1:  # one graph whose nodes have classes: how alike its edges' two ends are
        knobs = tuple((s.name, st.session_state.get(f"csbm:{s.name}")) for s in f.settings_for(name, "run")
                      if s.datasets and st.session_state.get(f"csbm:{s.name}") is not None)
        measured = graph_homophily(name, knobs)
        if measured is not None:
            st.markdown(f"Homophily: **{measured['edge']:.2f}** of edges join one class; "
                        f"class-insensitive **{measured['class_insensitive']:.2f}**",
                        help="Edge homophily (Zhu et al. 2020): the share of edges whose two ends have "
                             "the same class. Class-insensitive (Lim et al. 2021): the same, less what "
                             "the class sizes alone would give; 0 means no more same-class edges than "
                             "chance. GCN and GAT average over neighbours and suffer when these are low.")
    files = availability(name)
    if files.startswith("not available"):
        files += " (in neither the dataset cache nor the offline mirror)"
    st.caption(f"Split: {d.split}  \nSource: {d.source}  \nFiles: {files}")


@st.cache_data(show_spinner="Measuring the graph's homophily…", max_entries=64)
def graph_homophily(name: str, knobs: tuple) -> dict | None:
    """The dataset's homophily (gnncore.gnn.kernels.measures), or None until its files are on this
    disk: the card never downloads a dataset, and a dataset that fails to load is the
    Train button's to explain, in one sentence."""
    if availability(name).startswith(("downloads", "not available")):
        return None
    try:
        data = load_node_data(name, 0, **dict(knobs))
    except Exception:  # noqa: BLE001 - the card is optional; training reports the error
        return None
    return homophily(data.edge_index, data.y)


def restore(specs: list[RunSpec]) -> None:
    """Set every sidebar widget so that the sidebar asks for ``specs`` again."""
    if not specs:
        return
    ss, first = st.session_state, specs[0]
    f = facts(first.kind)
    ss["task"], ss["dataset"] = first.kind, first.dataset
    ss["also_datasets"] = [d for d in dict.fromkeys(s.dataset for s in specs) if d != first.dataset]
    ss["models"] = list(dict.fromkeys(s.model for s in specs))
    ss["seeds"] = max(s.seed for s in specs) + 1
    if f.folds:
        ss["folds"] = first.get("folds", f.folds)
    for s in f.settings_for(first.dataset, "run"):
        if s.name not in first.params or not s.shown:
            continue
        if s.choices is not None:
            at_default = all(x.get(s.name) == _default(x.kind, x.dataset, x.model, s.name) for x in specs)
            ss[s.name] = PAPER if at_default else first.params[s.name]
        else:
            ss[f"csbm:{s.name}" if s.datasets else s.name] = first.params[s.name]
    ss["mini_batches"] = "batch_size" in first.params
    for name in ("batch_size", "fanout"):
        if name in first.params:
            ss[name] = first.params[name]
    run_wide = {s.name for s in f.settings if s.scope == "run"}
    for spec in specs:
        if spec.dataset != first.dataset:  # the others took their own defaults (gnncore.app.across)
            continue
        for name, value in spec.params.items():
            if name not in run_wide:
                ss[_key(spec.model, name)] = value
    ss["_task_for"], ss["_defaults_for"] = first.kind, (first.kind, first.dataset)


def model_label(f: Facts, model: str) -> str:
    """``MLP baseline``: the model that never sees an edge says so."""
    return display_name(model) + ("" if f.models[model].uses_graph else " baseline")


# ---- per-model hyperparameters ----

def model_defaults(task: str, dataset: str, model: str) -> dict:
    """The engine's defaults for this model on this dataset, less the settings shown once for
    the whole comparison (epochs, patience, the synthetic graph's knobs, folds, readout)."""
    f = facts(task)
    run_wide = {s.name for s in f.settings if s.scope == "run"}
    out = engine(task).defaults(RunSpec.make(task, dataset, model))
    return {k: v for k, v in out.items() if k not in run_wide}


def _model_expander(f: Facts, dataset: str, model: str) -> dict:
    defaults = model_defaults(f.kind, dataset, model)
    values = {}
    with st.expander(f"{display_name(model)} hyperparameters"):
        st.caption(f.models[model].title)
        for name, default in defaults.items():
            key = _key(model, name)
            st.session_state.setdefault(key, default)
            setting = f.setting(name)
            if setting is None or not setting.shown:
                continue
            shown = setting.choices[default] if setting.choices else f"{default:g}"
            values[name] = setting_widget(setting, key=key, help=f"{setting.help} Paper default here: {shown}.")
        st.button("Reset to paper defaults", key=f"reset:{model}", on_click=_reset,
                  args=(model, defaults), width="stretch")
    return values


def _reset(model: str, defaults: dict) -> None:
    for name, value in defaults.items():
        st.session_state[_key(model, name)] = value


def _follow_task(task: str) -> None:
    """Before the task's widgets are drawn: keep a dataset and models the task has.

    On a task change the dataset goes to the task's default unless the new task has it too
    (Cora has nodes and links to predict); a model selection that was the old task's default
    becomes the new one's (GIN comes in for graphs), any other keeps the models the new task
    has; seeds still at the old task's default move to the new one's.
    """
    ss, f = st.session_state, facts(task)
    if ss.get("dataset") not in f.datasets:
        ss["dataset"] = f.default_dataset
    before = ss.get("_task_for")
    if before == task:
        return
    if before in kinds(COMMAND) and "models" in ss:
        old = facts(before)
        kept = [m for m in ss["models"] if m in f.models]
        ss["models"] = list(f.default_models) if set(ss["models"]) == set(old.default_models) or not kept else kept
        if ss.get("seeds") == old.seeds:
            ss["seeds"] = f.seeds
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
        for s in _shared_numbers(facts(task), dataset):
            old, new = _run_default(*before, s.name) or 0, _run_default(task, dataset, s.name) or 0
            if s.name in ss and ss[s.name] == old:
                ss[s.name] = new
    for model in dict.fromkeys(m for k in kinds(COMMAND) for m in facts(k).models):
        old = model_defaults(*before, model) if before else {}
        for name, value in model_defaults(task, dataset, model).items():
            key = _key(model, name)
            if key in ss and name in old and ss[key] == old[name]:
                ss[key] = value
    ss["_defaults_for"] = (task, dataset)


def _run_default(task: str, dataset: str, name: str):
    """A comparison-wide setting's default: the same for every model, so the first one's."""
    return _default(task, dataset, facts(task).default_models[0], name)


def _default(task: str, dataset: str, model: str, name: str):
    return engine(task).defaults(RunSpec.make(task, dataset, model)).get(name)


def _key(model: str, name: str) -> str:
    return f"hp:{model}:{name}"
