"""A page's Sweep mode (the GNN arena's, the encodings page's): one setting over a list of
values, x the sidebar's models and seeds.

The sidebar still chooses the task, dataset, models, seeds and every other setting; this
panel adds the knob and its values (typed as on the command line: ``1,2,4`` or
``0:1:0.1``), builds the sweep's specs (:func:`gnncore.sweep.sweep_specs`, ordinary runs,
cached by key) and hands them to the page's request and job
(:mod:`gnncore.app.training`), so points appear on the chart as runs finish, Stop works
and a refresh finds the job again. Presets set up the sweeps that teach most. Where Ray
is installed, the runs can go to a Ray cluster instead of this machine's worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Optional

import pandas as pd
import streamlit as st

from gnncore import sweep
from gnncore.app import export_ui, jobs, posenc_sidebar, training
from gnncore.app.choice import Choice
from gnncore.app.comparison import Comparison, draw, finished_caption, memo, results_key
from gnncore.charts.stats import pm
from gnncore.charts.posenc import length_heatmap
from gnncore.charts.sweep import sweep_chart
from gnncore.charts.theme import display_name
from gnncore.runs import engine, facts, metric as declared, resolve, run_all, table_frame
from gnncore.runs import ray as ray_executor
from gnncore.spec import RunResult, RunSpec, SpecError

MODES = ("Compare", "Sweep")
HEATMAP = "train_vs_test_length"


@dataclass(frozen=True)
class Keys:
    """One page's Sweep mode: where it keeps its mode and panel in the session state, and how
    its runs train. The arena's keys have no prefix; the encodings page's start with ``pe:``
    as its sidebar's do, so that the two pages' panels never share a value (both have a
    ``layers`` knob, with other ranges)."""

    prefix: str = ""
    first_knob: str = "layers"  # the knob the panel starts at
    command: str = "gnn"        # the CLI subcommand whose run kinds the page trains
    unit: str = "epoch"         # what the progress counts
    results_every: int = 10     # seconds between redraws of the results while training

    @property
    def mode(self) -> str:
        return f"{self.prefix}mode"

    def __call__(self, name: str) -> str:
        """The key of the panel's ``name``: knob, values, executor, address, preset, suggested."""
        return f"{self.prefix}sweep:{name}"


ARENA = Keys()
# Steps, and redraws every 30 s: the encodings page's charts cost ~3 s of CPU to redraw.
ENCODINGS_PAGE = Keys("pe:", "train_length", command="posenc", unit="step", results_every=30)


@dataclass(frozen=True)
class Preset:
    """A sweep one click away: the sidebar's choice (session-state keys of its widgets and
    their values), the page it belongs to, the knob, and what to look for."""

    label: str
    sidebar: dict
    knob: str
    values: str
    page: Keys = ARENA
    caption: str = ""
    then: Optional[Callable[[], None]] = None  # the sidebar's own follow-up (a task's defaults)


PRESETS = {
    "depth": Preset(
        "Depth on Cora", {"task": "node", "dataset": "Cora", "models": ["gcn", "sage", "gat", "appnp"], "seeds": 3},
        "layers", "1,2,4,8,16,32",
        caption="Stack layers and GCN over-smooths: its accuracy falls past 2-4 layers as the mean "
                "cosine distance between nodes' outputs (MAD, lower panel) drops towards 0, every node "
                "averaged into its neighbours until all look alike. The black diamonds are GCN's "
                "published depth row (Rong et al. 2020, trained wider: 128 units) and the 2-layer papers. APPNP's layers are propagation steps around one MLP: it keeps its "
                "accuracy. 72 runs; the deep GAT runs take longest."),
    "homophily": Preset(
        "Homophily on CSBM", {"task": "node", "dataset": "CSBM", "models": ["gcn", "sage", "gat", "mlp"], "seeds": 5,
                              "csbm:signal": 0.3}, "homophily", "0:1:0.1",
        caption="At feature signal 0.3 both the features and the edges matter (at the default 1.0 the "
                "features alone solve it and every line is flat). The MLP ignores the edges: a flat line. "
                "GCN and GAT average the neighbours' features into a node's own, so where most edges "
                "join two classes they fall below the MLP (Zhu et al. 2020), and rise again as the "
                "graph becomes bipartite-like near 0 (Ma et al. 2022's U shape). GraphSAGE keeps a "
                "node's own features apart from its neighbours' mean and holds up. 220 runs."),
    "lengths": Preset(
        "Train length × test length", {"pe:task": "copy", "pe:encodings": ["sinusoidal", "alibi", "rope"],
                                       "pe:seeds": 1},
        "train_length", facts("posenc").setting("train_length").sweep_values, page=ENCODINGS_PAGE, then=posenc_sidebar.follow_task,
        caption="Each encoding trained at four lengths and every one tested on the copy task's test lengths: "
                "the heatmap below shows, per trained length (rows), how far past it (right of the outline) "
                "each encoding stays right. Sinusoidal goes dark at the outline whatever the length; ALiBi "
                "stays bright past it once trained to 8 or more. One seed each (12 runs), so a single row "
                "can be luck: add seeds to see the spread."),
}


@dataclass
class SweepChoice:
    """The sidebar's :class:`Choice` swept along one knob: what :func:`training.open_request` takes."""

    choice: Choice
    knob: str
    values: str

    def specs(self) -> list[RunSpec]:
        c = self.choice
        knob = sweep.parse_vary(f"{self.knob}={self.values}", c.kind, c.dataset)
        return sweep.sweep_specs(c.kind, c.dataset, c.models, c.seeds, knob, c.folds,
                                 per_model=c.per_model, **c.settings)


def mode_switch(keys: Keys = ARENA, noun: str = "models", examples: str = "depth, homophily") -> str:
    st.session_state.setdefault(keys.mode, MODES[0])
    return st.segmented_control("Mode", MODES, key=keys.mode, label_visibility="collapsed",
                                help=f"Compare: the chosen {noun} side by side. Sweep: the same {noun} "
                                     f"along one setting ({examples}, ...), a line per {noun[:-1]}.") or MODES[0]


def apply_preset(name: str) -> None:
    """A callback: set the sidebar and the sweep panel to a preset, before they are drawn."""
    p, ss = PRESETS[name], st.session_state
    ss.update(p.sidebar)
    if p.then is not None:
        p.then()
    ss[p.page("knob")], ss[p.page("values")], ss[p.page.mode], ss[p.page("preset")] = p.knob, p.values, "Sweep", name


def _follow_knob(keys: Keys) -> None:
    ss = st.session_state
    ss[keys("values")] = ss.get(keys("suggested"), {}).get(ss[keys("knob")], "")
    ss.pop(keys("preset"), None)


def sweep_panel(choice: Choice, keys: Keys = ARENA) -> SweepChoice | None:
    """Presets, the knob and its values, where to train; None until a knob can be chosen."""
    ss = st.session_state
    knob_key, values_key = keys("knob"), keys("values")
    row = st.container(horizontal=True, gap="small")
    for name, p in PRESETS.items():
        if p.page == keys:
            row.button(p.label, key=f"{keys.prefix}preset:{name}", on_click=apply_preset, args=(name,),
                       icon=":material/bolt:", help=p.caption)
    settings = sweep.knobs(choice.kind, choice.dataset)
    names = [s.name for s in settings]
    first = choice.models[0] if choice.models else facts(choice.kind).default_models[0]
    defaults = engine(choice.kind).defaults(RunSpec.make(choice.kind, choice.dataset, first))
    ss[keys("suggested")] = suggested = {
        s.name: valid_only(choice, first, s.name, sweep.suggested_values(s, defaults.get(s.name))) for s in settings}
    if ss.get(knob_key) not in names:
        ss[knob_key] = keys.first_knob if keys.first_knob in names else names[0]
        ss[values_key] = suggested[ss[knob_key]]
    labels = {s.name: s.label for s in settings}
    cols = st.columns([1, 2])
    knob = cols[0].selectbox("Sweep", names, key=knob_key, format_func=lambda n: f"{labels[n]} ({n})",
                             on_change=_follow_knob, args=(keys,),
                             help="The setting that changes from point to point; every other setting is the sidebar's.")
    cols[1].text_input("Values", key=values_key, help="Comma-separated (1,2,4,8) or START:STOP:STEP "
                       "(0:1:0.1, STOP included), as on the command line.")
    if ray_executor.available():
        where = st.radio("Train on", ["local", "ray"], key=keys("executor"), horizontal=True,
                         format_func={"local": "This machine", "ray": "Ray cluster"}.get,
                         help="Ray: every run is a Ray task on the cluster below (blank: a local Ray "
                              "instance); the results come back here and into this machine's run store.")
        if where == "ray":
            st.text_input("Ray address", key=keys("address"), placeholder="blank: a local Ray instance, or HOST:6379")
    preset = PRESETS.get(ss.get(keys("preset")))
    if preset is not None and preset.knob == knob:
        st.caption(preset.caption)
    return SweepChoice(choice, knob, ss.get(values_key, ""))


def valid_only(choice: Choice, model: str, knob: str, values: str) -> str:
    """The suggested ``values`` of ``knob`` that the engine accepts with the sidebar's other
    settings (a train length past the test length, d_model 2 with 4 heads are dropped)."""
    try:
        parsed = sweep.parse_vary(f"{knob}={values}", choice.kind, choice.dataset).values
    except SpecError:
        return values
    settings = {**choice.settings, **choice.per_model.get(model, {})}
    kept = []
    for value in parsed:
        try:
            resolve(RunSpec.make(choice.kind, choice.dataset, model, **{**settings, knob: value}))
        except SpecError:
            continue
        kept.append(value)
    if not kept or len(kept) == len(parsed):  # as typed (a range stays a range), or all, to say why
        return values
    return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in kept)


def show_sweep(choice: Choice, keys: Keys = ARENA) -> None:
    """The whole Sweep mode below the page's title: panel, Train and progress, results."""
    chosen = sweep_panel(choice, keys)
    request = training.open_request(chosen)
    if request.error:
        st.error(request.error)
        return
    noun = facts(choice.kind).noun
    st.markdown(f"{len(request.specs)} runs: {len(choice.models)} {noun}s x {choice.seeds} seeds x "
                f"{len(set(s.params.get(chosen.knob) for s in request.specs))} values of {chosen.knob}.")
    _start_on_ray(request, keys)

    def results() -> None:
        finished = request.results
        if finished:
            show_results(finished, request.specs, chosen.knob, training=request.running)
        elif not request.running:
            st.caption("The chart appears here as runs finish.")

    if not training.train_controls(request, unit=keys.unit, results=results, results_every=keys.results_every):
        results()


def _start_on_ray(request: training.Request, keys: Keys) -> None:
    """The Train button just clicked with Ray chosen: start the job on Ray before
    ``train_controls`` would start it locally (it then shows that job's progress)."""
    ss = st.session_state
    if ss.get(keys("executor")) != "ray" or not ss.get("train") or request.running:
        return
    runner = partial(run_all, executor="ray", ray_address=(ss.get(keys("address")) or "").strip() or None)
    request.job = jobs.registry().start(request.specs, request.store, runner=runner)
    st.query_params[training.URL_PARAM] = request.key


def sweep_comparison(results: list[RunResult], knob: str) -> Comparison:
    """The sweep's frames and chart (pure: no drawing)."""
    first = results[0].spec
    metric = sweep.headline(first.kind)
    frame = sweep.sweep_frame(results, knob)
    refs = sweep.references(first.kind, first.dataset, knob, frame)
    # The lower panel: the first measure of the trained model the runs have (the smoothness).
    smooth = next((m.name for m in facts(first.kind).measures if m.name in frame), None)
    setting = facts(first.kind).setting(knob)
    chart = sweep_chart(frame, knob, metric, refs, smoothness=smooth,
                        knob_label=setting.label if setting else knob, noun=facts(first.kind).noun.capitalize())
    table = summary_table(frame, knob, metric)
    out = sweep.out_frame(frame, first.kind, knob)
    charts, frames, data = {f"sweep_{knob}": chart}, {"summary": table, "runs": out}, {f"sweep_{knob}": out}
    lengths = table_frame(results, "length") if knob == "train_length" else pd.DataFrame()
    if len(lengths):  # a sweep of the trained length: every tested length of every run, as a heatmap
        charts[HEATMAP] = length_heatmap(lengths)
        frames["lengths"] = data[HEATMAP] = lengths
    return Comparison(charts, frames, metric, data=data)


def summary_table(frame: pd.DataFrame, knob: str, metric: str) -> pd.DataFrame:
    """One row per value, one column per model: ``81.5 ± 0.6``."""
    stats = sweep.summary(frame, knob, metric)
    scale = declared(metric).scale
    stats["cell"] = [pm(m, s, n, scale) for m, s, n in zip(stats["mean"], stats["std"], stats["runs"])]
    table = stats.pivot(index=knob, columns="model", values="cell")
    models = list(dict.fromkeys(stats["model"]))
    table = table.reindex(index=list(dict.fromkeys(stats[knob])), columns=models)
    return table.rename(columns=display_name).reset_index()


def show_results(results: list[RunResult], specs: list[RunSpec], knob: str, training: bool) -> None:
    st.subheader("Sweep")
    finished_caption(results, specs, training)
    first = results[0].spec
    stem = f"sweep_{first.kind}_{first.dataset}_{knob}"
    comparison = memo("_sweep", (knob, results_key(results)), lambda: sweep_comparison(results, knob))
    draw(comparison, f"sweep_{knob}", stem)
    if HEATMAP in comparison.charts:
        draw(comparison, HEATMAP, f"{stem}_{HEATMAP}", caption=(
            "**What to look for:** how far right of its outline each row stays bright. An encoding that "
            "generalises keeps its accuracy past the lengths it was trained on; one that does not goes "
            "dark at the outline's edge, whatever the trained length."))
    m = declared(comparison.metric)
    label = m.label + (" (%)" if m.fraction else "")
    st.caption(f"{label}, mean ± standard deviation over seeds, per value and model:")
    st.dataframe(comparison.summary, hide_index=True, key="sweep_table")
    export_ui.table_download(comparison.summary, stem + "_summary", "Summary table as CSV", key="sweep_summary")
    st.divider()
    export_ui.comparison_download(comparison.specs, comparison.frames, [r.spec for r in results],
                                  file_name=f"{stem}.zip",
                                  readme=f"Sweep of {knob} on {first.dataset} ({first.kind}): "
                                         f"{len(results)} runs. The sweep itself, headless (settings "
                                         f"other than the defaults are in the commands below):\n"
                                         f"  {sweep_command(results, knob)}")


def sweep_command(results: list[RunResult], knob: str) -> str:
    """``python -m gnncore sweep ...`` for these runs' task, dataset, knob, models and seeds."""
    first = results[0].spec
    values = ",".join(str(v) for v in dict.fromkeys(r.spec.params.get(knob) for r in results))
    models = ",".join(dict.fromkeys(r.spec.model for r in results))
    seeds = len({r.spec.seed for r in results})
    return (f"python -m gnncore sweep --task {first.kind} --dataset {first.dataset} --vary {knob}={values} "
            f"--models {models} --seeds {seeds}")


def restore_with(sidebar_restore: Callable[[list[RunSpec]], None],
                 keys: Keys = ARENA) -> Callable[[list[RunSpec]], None]:
    """The sidebar's restore, then this panel's: what ``training.restore_from_url`` takes."""
    def both(specs: list[RunSpec]) -> None:
        sidebar_restore(specs)
        restore(specs, keys)

    return both


def restore(specs: list[RunSpec], keys: Keys = ARENA) -> None:
    """After a refresh: a job whose runs of one model and seed differ in one setting was a
    sweep of it; set the mode and the panel to it (the page's own runs only)."""
    specs = [s for s in specs if facts(s.kind).command[0] == keys.command]
    by_run: dict[tuple, list[RunSpec]] = {}
    for s in specs:
        by_run.setdefault((s.model, s.seed, s.params.get("fold")), []).append(s)
    varying = {k for group in by_run.values() for k in {k for s in group for k in s.params}
               if len({repr(s.params.get(k)) for s in group}) > 1}
    if len(varying) == 1:
        (name,) = varying
        ss = st.session_state
        values = list(dict.fromkeys(s.params[name] for s in specs))
        ss[keys.mode], ss[keys("knob")], ss[keys("values")] = "Sweep", name, ",".join(str(v) for v in values)
