"""The positional-encoding page's sidebar: task, encodings, lengths, steps, seeds and (in an
expander) the model size, read into a list of :class:`~gnncore.spec.RunSpec`.

Every widget starts at the engine's documented default (``gnncore.posenc.train.defaults``)
and lives in ``st.session_state`` under a ``pe:`` key, so :func:`restore` can set the
sidebar from a job's specs after a browser refresh and no key clashes with another page.
Bad combinations (a test length below the train length, heads that do not divide d_model)
are not prevented here: the page shows the engine's one-sentence reason instead.
"""

from __future__ import annotations

import heapq
import os
from dataclasses import dataclass, field

import streamlit as st

from gnncore.charts.theme import display_name
from gnncore.posenc import train as engine
from gnncore.posenc.encodings import ENCODINGS
from gnncore.posenc.tasks import TASKS
from gnncore.runs import default_workers
from gnncore.spec import RunResult, RunSpec

KIND = "posenc"
KEEP = "session"  # widget values survive a visit to another page
DEFAULT_TASK = "copy"
MAX_SEEDS = 10
# Shown always: (label, min, max, step, help).
MAIN = {
    "train_length": ("Train length", 1, engine.MAX_TEST_LENGTH, 1,
                     "Training inputs have every length from 1 to this."),
    "test_length": ("Test length", 1, engine.MAX_TEST_LENGTH, 1,
                    "Every input length from 1 to this is scored; longer than the train length "
                    f"tests generalisation. At most {engine.MAX_TEST_LENGTH}."),
    "steps": ("Training steps", 1, 50_000, 100, "Updates per run, each on a fresh batch."),
}
# In the expander: (label, min, max, step, format, help).
ADVANCED = {
    "d_model": ("Model width (d_model)", 2, 512, 8, None, "Width of the token vectors."),
    "layers": ("Layers", 1, 8, 1, None, "Transformer blocks."),
    "heads": ("Attention heads", 1, 32, 1, None, "Must divide d_model."),
    "batch_size": ("Batch size", 1, 1024, 8, None, "Examples per training step."),
    "lr": ("Peak learning rate", 1e-5, 1.0, 1e-4, "%.4f",
           "AdamW's step size after warmup, held until 80% of the steps, then decayed to a tenth."),
}
# Rough cost of one run on one core of this machine, for the estimate before Train: a
# training step's fixed cost and its cost per 512 training tokens (milliseconds, 2 layers,
# d_model 64), and the seconds for scoring every length up to 48 (measured on copy, with
# two runs training at once, one per core: the default 6 runs took 81 s).
STEP_MS = 9.0
TOKENS_MS = 3.5
EVAL_SECONDS = 1.5

@dataclass
class PosencChoice:
    """What the sidebar asks for: ``specs`` is one spec per (encoding, seed)."""

    task: str
    encodings: list[str]
    seeds: int
    settings: dict
    specs: list[RunSpec] = field(default_factory=list)

    @property
    def train_length(self) -> int:
        return self.settings["train_length"]

    @property
    def test_length(self) -> int:
        return self.settings["test_length"]

    @property
    def summary(self) -> str:
        runs = len(self.specs)
        return (f"**{len(self.encodings)} encoding{_s(self.encodings)} × {self.seeds} seed{_s(self.seeds)}** "
                f"on the {self.task} task: {runs} run{_s(runs)} of {self.settings['steps']:,} steps, "
                f"trained on inputs of length 1–{self.train_length}, tested on 1–{self.test_length}.")


def posenc_sidebar() -> PosencChoice:
    """Draw the sidebar and return what it asks for."""
    ss = st.session_state
    defaults = model_defaults()
    with st.sidebar:
        st.subheader("Experiment")
        ss.setdefault("pe:task", DEFAULT_TASK)
        task = st.selectbox("Task", list(TASKS), key="pe:task", persist_state=KEEP,
                            format_func=task_label,
                            help="Copy and reverse need positions; sort and mode have answers that "
                                 "do not depend on the order of the input (Kazemnejad et al. 2023).")
        st.caption(f"The answer: {TASKS[task].description}.")
        ss.setdefault("pe:encodings", list(ENCODINGS))
        encodings = st.multiselect("Positional encodings", list(ENCODINGS), key="pe:encodings",
                                   persist_state=KEEP,
                                   format_func=display_name, placeholder="Pick at least one encoding",
                                   help="Six small transformers, identical except for how they "
                                        "learn where each token is. NoPE: no encoding at all.")
        settings = {}
        for name, (label, lo, hi, step, text) in MAIN.items():
            ss.setdefault(f"pe:{name}", defaults[name])
            settings[name] = int(st.number_input(label, lo, hi, step=step, key=f"pe:{name}",
                                                 persist_state=KEEP, help=f"{text} Default {defaults[name]:,}."))
        ss.setdefault("pe:seeds", 1)
        seeds = int(st.number_input("Seeds per encoding", 1, MAX_SEEDS, step=1, key="pe:seeds",
                                    persist_state=KEEP,
                                    help="Each encoding trains once per seed (0, 1, ...); the charts "
                                         "show the mean and a ± 1 standard deviation band."))
        with st.expander("Model size and training"):
            st.caption(f"Defaults: the engine's toy transformer ({defaults['layers']} layers, "
                       f"d_model {defaults['d_model']}, {defaults['heads']} heads) and its training "
                       "settings, tuned on the copy task.")
            for name, (label, lo, hi, step, fmt, text) in ADVANCED.items():
                ss.setdefault(f"pe:{name}", defaults[name])
                if isinstance(defaults[name], int):
                    lo, hi, step = int(lo), int(hi), int(step)
                value = st.number_input(label, lo, hi, step=step, format=fmt, key=f"pe:{name}",
                                        persist_state=KEEP,
                                        help=f"{text} Default {defaults[name]:g}.")
                settings[name] = _clean(value)
            st.button("Reset to defaults", key="pe:reset", on_click=_reset, args=(defaults,),
                      width="stretch")

    specs = [RunSpec.make(KIND, task, encoding, seed, **settings)
             for encoding in encodings for seed in range(seeds)]
    return PosencChoice(task, list(encodings), seeds, settings, specs)


def model_defaults(task: str = DEFAULT_TASK) -> dict:
    """The engine's defaults for the settings this sidebar shows."""
    out = engine.defaults(RunSpec.make(KIND, task, "rope"))
    return {name: out[name] for name in (*MAIN, *ADVANCED)}


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
    for name in (*MAIN, *ADVANCED):
        if name in first.params:
            ss[f"pe:{name}"] = first.params[name]


# ---- what the page says before Train ----

def run_seconds(spec: RunSpec) -> float:
    """A rough estimate of one run's seconds on one idle core of this machine.

    The toy model is so small that a step's fixed per-operation cost dominates; the part
    that grows with the batch (its tokens) and the width is smaller. Both grow with depth.
    """
    s = {**engine.defaults(spec), **spec.params}
    tokens = s["batch_size"] * s["train_length"] / 512
    width = (s["d_model"] / 64) ** 1.5
    step_ms = (s["layers"] / 2) * (STEP_MS + TOKENS_MS * tokens * width)
    eval_s = EVAL_SECONDS * (s["test_length"] / 48) ** 2 * width * s["layers"] / 2
    return s["steps"] * step_ms / 1000 + eval_s


def wall_seconds(run_seconds: list[float], workers: int) -> float:
    """When the last run ends if the runs go, in order, each to the first free worker (as
    the job's worker processes take them)."""
    free = [0.0] * max(1, workers)
    for seconds in run_seconds:
        heapq.heapreplace(free, free[0] + seconds)
    return max(free)


def plan_text(choice: PosencChoice, specs: list[RunSpec], done: list[RunResult]) -> str:
    """The sidebar's request in one line, with the expected time for the runs of ``specs``
    (resolved) that are not in ``done``, and how much longer while the machine is busy."""
    have = {r.spec.key for r in done}
    missing = [s for s in specs if s.key not in have]
    if not missing:
        return choice.summary
    seconds = wall_seconds([run_seconds(s) for s in missing], default_workers())
    which = "" if len(missing) == len(specs) else f" for the {len(missing)} runs not trained yet"
    text = f"{choice.summary} Expected time{which}: about **{duration(seconds)}** on this machine when idle"
    busy = busy_factor()
    if busy >= 1.5:
        load, cores = os.getloadavg()[0], os.cpu_count() or 1
        return (f"{text}; it is busy now (load {load:.1f} on {cores} cores), so expect roughly "
                f"**{duration(seconds * busy)}**.")
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


def learned_note(choice: PosencChoice) -> str | None:
    """One sentence when learned absolute is asked past its table, else None."""
    if "learned" not in choice.encodings or choice.test_length <= choice.train_length:
        return None
    if choice.task not in TASKS:
        return None
    table = TASKS[choice.task].sequence_length(choice.train_length)
    return (f"Learned absolute has a position vector only for the {table} tokens of the longest "
            f"training example, so it cannot read inputs longer than {choice.train_length}: its "
            f"line stops at the train length (a gap, not 0%).")


def _reset(defaults: dict) -> None:
    for name in ADVANCED:
        st.session_state[f"pe:{name}"] = defaults[name]


def _clean(value):
    """Round away float noise from steppers (0.1 + 0.2), so equal settings give equal keys."""
    return float(f"{value:.6g}") if isinstance(value, float) else int(value)


def _s(n) -> str:
    n = len(n) if isinstance(n, (list, tuple)) else n
    return "" if n == 1 else "s"
