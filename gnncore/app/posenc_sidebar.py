"""The positional-encoding page's sidebar: task, encodings, lengths, steps, seeds and (in an
expander) the model size, read into a :class:`~gnncore.app.choice.Choice`.

Every widget comes from the engine's setting declarations (``gnncore.posenc.train.SETTINGS``)
and starts at its documented default (``gnncore.posenc.train.defaults``)
and lives in ``st.session_state`` under a ``pe:`` key, so :func:`restore` can set the
sidebar from a job's specs after a browser refresh and no key clashes with another page.
Bad combinations (a test length below the train length, heads that do not divide d_model)
are not prevented here: the page shows the engine's one-sentence reason instead.
"""

from __future__ import annotations

import heapq
import os

import streamlit as st

from gnncore.app.choice import Choice, setting_widget
from gnncore.charts.theme import display_name
from gnncore.posenc import train as engine
from gnncore.posenc.model import ModelConfig
from gnncore.posenc.scaling import SCALINGS
from gnncore.posenc.tasks import TASKS
from gnncore.runs import default_workers, facts
from gnncore.spec import RunResult, RunSpec

KIND = "posenc"
TASK_WAS = "pe:_task_was"
KEEP = "session"  # widget values survive a visit to another page
# What one run costs relative to the default one, so that the page can say how long Train
# will take before it is pressed: a training step's fixed cost and its cost per 512 training
# tokens (milliseconds), and the seconds for scoring every length up to 48, as measured on
# one core of the development machine at the model's default size (docs/decisions.md).
# Machines differ several-fold, so the estimate is scaled by the default step measured on
# this one (``engine.measured_step_ms``) against REFERENCE_STEP_MS, that step's cost there.
STEP_MS = 9.0
TOKENS_MS = 3.5
EVAL_SECONDS = 1.5
REFERENCE_STEP_MS = STEP_MS + TOKENS_MS  # the default run: 512 training tokens a step
EVAL_EXAMPLES = 128  # the examples per length EVAL_SECONDS was measured with


def _shown(advanced: bool):
    return [s for s in facts(KIND).settings if s.shown and s.advanced == advanced]


def posenc_sidebar() -> Choice:
    """Draw the sidebar and return what it asks for."""
    ss, f = st.session_state, facts(KIND)
    defaults = model_defaults(ss.get("pe:task") or f.default_dataset)  # a task may start elsewhere
    with st.sidebar:
        st.subheader("Experiment")
        ss.setdefault("pe:task", f.default_dataset)
        task = st.selectbox("Task", list(f.datasets), key="pe:task", persist_state=KEEP,
                            format_func=task_label, on_change=follow_task,
                            help="Copy and reverse need positions; sort and mode have answers that "
                                 "do not depend on the order of the input (Kazemnejad et al. 2023). "
                                 "Addition: lengths count digits per operand, every number written "
                                 "units first; counting and flip-flop: where recurrent networks "
                                 "generalise and transformers struggle (Chang & Bisk 2024, Liu et al. 2023).")
        ss[TASK_WAS] = task  # what follow_task switches from
        st.caption(f"The answer: {TASKS[task].description}.")
        ss.setdefault("pe:encodings", list(f.default_models))
        encodings = st.multiselect("Positional encodings", list(f.models), key="pe:encodings",
                                   persist_state=KEEP, format_func=display_name,
                                   placeholder="Pick at least one encoding", help=f.model_help)
        settings, per_model = {}, {}
        for s in _shown(advanced=False):
            if not s.applies_to(task):  # a task's own setting (addition's index hints)
                continue
            ss.setdefault(f"pe:{s.name}", defaults[s.name])
            default = defaults[s.name] if isinstance(defaults[s.name], str) else f"{defaults[s.name]:,}"
            settings[s.name] = setting_widget(s, key=f"pe:{s.name}", persist_state=KEEP,
                                              help=f"{s.help} Default {default}.")
        ss.setdefault("pe:seeds", f.seeds)
        seeds = int(st.number_input("Seeds per encoding", 1, f.max_seeds, step=1, key="pe:seeds",
                                    persist_state=KEEP,
                                    help="Each encoding trains once per seed (0, 1, ...); the charts "
                                         "show the mean and a ± 1 standard deviation band."))
        with st.expander("Model size and training"):
            st.caption(f"Defaults: the engine's toy transformer ({defaults['layers']} layers, "
                       f"d_model {defaults['d_model']}, {defaults['heads']} heads) and its training "
                       "settings, tuned on the copy task.")
            for s in _shown(advanced=True):
                takers = [e for e in encodings if s in engine.encoding_settings(e)]
                if s in engine.ENCODING_SETTINGS and not takers:
                    continue  # only for encodings that are not chosen
                ss.setdefault(f"pe:{s.name}", defaults[s.name])
                value = setting_widget(s, key=f"pe:{s.name}", persist_state=KEEP,
                                       help=f"{s.help} Default {defaults[s.name]:g}.")
                if s in engine.ENCODING_SETTINGS:
                    for e in takers:
                        per_model.setdefault(e, {})[s.name] = value
                else:
                    settings[s.name] = value
            st.button("Reset to defaults", key="pe:reset", on_click=_reset, args=(defaults,),
                      width="stretch")

    return Choice(KIND, task, list(encodings), seeds, settings, per_model=per_model,
                  summary=_summary(task, list(encodings), seeds, settings))


def _summary(task: str, encodings: list[str], seeds: int, settings: dict) -> str:
    runs = len(encodings) * seeds
    return (f"**{len(encodings)} encoding{_s(encodings)} × {seeds} seed{_s(seeds)}** "
            f"on the {task} task: {runs} run{_s(runs)} of {settings['steps']:,} steps, "
            f"trained on inputs of length 1–{settings['train_length']}, tested on 1–{settings['test_length']}.")


def model_defaults(task: str | None = None) -> dict:
    """The engine's defaults for the settings this sidebar shows."""
    f, out = facts(KIND), {}
    for dataset in f.datasets:  # a setting of some tasks or encodings only has its default in theirs
        for name in f.models:
            out = {**engine.defaults(RunSpec.make(KIND, dataset, name)), **out}
    if task is not None:
        for name in f.models:
            out.update(engine.defaults(RunSpec.make(KIND, task, name)))
    return {s.name: out[s.name] for s in facts(KIND).settings if s.shown}


def task_label(name: str) -> str:
    return name.replace("_", " ")


def restore(specs: list[RunSpec]) -> None:
    """Set every sidebar widget so that the sidebar asks for ``specs`` again."""
    specs = [s for s in specs if s.kind == KIND]
    if not specs:
        return
    ss, first = st.session_state, specs[0]
    ss["pe:task"] = first.dataset
    ss["pe:encodings"] = list(dict.fromkeys(s.model for s in specs))
    ss["pe:seeds"] = max(s.seed for s in specs) + 1
    for s in facts(KIND).settings:
        having = next((spec for spec in specs if s.name in spec.params), None)
        if s.shown and having is not None:
            ss[f"pe:{s.name}"] = having.params[s.name]


# ---- what the page says before Train ----

def run_seconds(spec: RunSpec, step_ms: float | None = None) -> float:
    """A rough estimate of one run's seconds on one idle core of this machine.

    The toy model is so small that a step's fixed per-operation cost dominates; the part
    that grows with the batch (its tokens) and the width is smaller. Both grow with depth.
    step_ms: the default run's step on this machine (measured once if not given).
    """
    scale = (engine.measured_step_ms() if step_ms is None else step_ms) / REFERENCE_STEP_MS
    s = {**engine.defaults(spec), **spec.params}
    # The constants were measured on the default task (copy); a task whose answers are longer
    # or shorter (duplicate, mode) costs in proportion to its examples' length.
    task, measured = TASKS[spec.dataset], TASKS[facts(KIND).default_dataset]
    longer = task.sequence_length(s["train_length"]) / measured.sequence_length(s["train_length"])
    longer_test = task.sequence_length(s["test_length"]) / measured.sequence_length(s["test_length"])
    tokens = s["batch_size"] * s["train_length"] * longer / 512
    width = (s["d_model"] / ModelConfig.d_model) ** 1.5
    ms = (s["layers"] / ModelConfig.layers) * (STEP_MS + TOKENS_MS * tokens * width)
    eval_s = EVAL_SECONDS * (s["test_length"] * longer_test / 48) ** 2 * width * s["layers"] / ModelConfig.layers
    eval_s *= s["eval_examples"] / EVAL_EXAMPLES
    if spec.model in engine.RESCALED:  # scored once more under each RoPE scaling
        eval_s *= len(SCALINGS)
    return scale * (s["steps"] * ms / 1000 + eval_s)


def wall_seconds(run_seconds: list[float], workers: int) -> float:
    """When the last run ends if the runs go, in order, each to the first free worker (as
    the job's worker processes take them)."""
    free = [0.0] * max(1, workers)
    for seconds in run_seconds:
        heapq.heapreplace(free, free[0] + seconds)
    return max(free)


def plan_text(choice: Choice, specs: list[RunSpec], done: list[RunResult]) -> str:
    """The sidebar's request in one line, with the expected time for the runs of ``specs``
    (resolved) that are not in ``done``: a lower bound, from a step timed on this machine (on a busy
    one the runs took twice that and more, and the load average lags), scaled up when the
    machine is busy now."""
    have = {r.spec.key for r in done}
    missing = [s for s in specs if s.key not in have]
    if not missing:
        return choice.summary
    seconds = wall_seconds([run_seconds(s) for s in missing], default_workers())
    which = "" if len(missing) == len(specs) else f" for the {len(missing)} runs not trained yet"
    text = (f"{choice.summary} Expected time{which}: at least **{duration(seconds)}**, from a training step "
            "timed on this machine; longer while other programs use its cores")
    busy = busy_factor()
    if busy >= 1.5:
        load, cores = os.getloadavg()[0], os.cpu_count() or 1
        return (f"{text}. It is busy now (load {load:.1f} on {cores} cores), so expect "
                f"**{duration(seconds * busy)}** or more.")
    return text + "."


def busy_factor() -> float:
    """How many times longer a run takes now than on an idle machine, roughly: each busy core
    is shared by load / cores programs (1 where the load cannot be read)."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return 1.0
    return max(1.0, load / (os.cpu_count() or 1))


def duration(seconds: float) -> str:
    """``40 s``, ``2 min 10 s``, ``1 h 5 min``: rounded as an estimate should be."""
    if seconds < 60:
        return f"{max(5, round(seconds / 5) * 5):.0f} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds / 10) * 10, 60)
        return f"{minutes:.0f} min" + (f" {rest:.0f} s" if rest else "")
    hours, rest = divmod(round(seconds / 300) * 300, 3600)
    return f"{hours:.0f} h" + (f" {rest / 60:.0f} min" if rest else "")


def learned_note(choice: Choice) -> str | None:
    """One sentence when learned absolute is asked past its table, else None."""
    train, test = choice.settings["train_length"], choice.settings["test_length"]
    bounded = [e for e in choice.models if e in engine.TRAINED_LENGTHS_ONLY]
    if not bounded or test <= train or choice.dataset not in TASKS:
        return None
    table = TASKS[choice.dataset].sequence_length(train)
    return (f"{' and '.join(display_name(e) for e in bounded)} has a position vector only for the {table} "
            f"tokens of the longest training example, so it cannot read inputs longer than {train}: its "
            f"line stops at the train length (a gap, not 0%).")


def follow_task() -> None:
    """A callback: a task switched to or from one that starts elsewhere (``Task.defaults``)
    sets those settings to the new task's defaults; any other switch keeps the user's values."""
    ss = st.session_state
    new, old = ss["pe:task"], ss.get(TASK_WAS)
    ss[TASK_WAS] = new
    names = set(TASKS[new].defaults) | set(TASKS[old].defaults if old in TASKS else {})
    ours = model_defaults(new)
    for name in names & set(ours):
        ss[f"pe:{name}"] = ours[name]


def _reset(defaults: dict) -> None:
    for s in _shown(advanced=True):
        st.session_state[f"pe:{s.name}"] = defaults[s.name]


def _s(n) -> str:
    n = len(n) if isinstance(n, (list, tuple)) else n
    return "" if n == 1 else "s"
