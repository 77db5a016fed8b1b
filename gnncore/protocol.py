"""What every engine declares about itself, once: the facts front ends read instead of
keeping tables of their own.

An engine (``gnn/tasks/node.py``, ``gnn/tasks/link.py``, ``gnn/tasks/graph.py``, ``posenc/train.py``) is a
module with a ``FACTS`` object (:class:`Facts`) and three functions::

    defaults(spec) -> dict       hyperparameters to fill in where the spec is silent
    validate(spec) -> None       raise SpecError with one sentence a user can act on
    train(spec, on_progress, should_stop) -> RunResult   on a resolved spec

and, where runs that differ only in their seed can train as one batch, two more::

    together(spec) -> Hashable | None    equal for specs that may share a batch; None: alone
    per_batch(spec) -> int               how many of them one batch takes
    train_together(specs, on_progress, should_stop) -> list[RunResult]   one per spec, each
        the result its run alone gives (gnncore.gnn.tasks.node_seeds, gnncore.gnn.tasks.link_seeds)

``gnncore.runs`` finds the engines, resolves each spec once and builds every front end's
spec list (:func:`gnncore.runs.grid`). Models (architectures, encodings) are entries of
one registry per engine family; each entry carries its own name, label, colour and
description (:class:`Entry`), so adding one is a change in one place. Each number a run
reports is a :class:`Metric`, declared by the engine that makes it and listed in its
facts; ``gnncore.runs.metric(name)`` finds any of them for charts, tables and the CLI.

This module sits at the bottom beside :mod:`gnncore.spec`: the engines import it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Protocol, Sequence

from gnncore.spec import RunSpec, SpecError


class Entry(Protocol):
    """A model of an engine's registry: an architecture or a positional encoding."""

    name: str    # as specs and the CLI spell it: "gcn", "rope"
    label: str   # as charts and menus show it: "GCN", "RoPE"
    title: str   # one line: what it is and whose paper
    color: str   # fixed per model, so it is the same in every chart


@dataclass(frozen=True)
class Metric:
    """A number runs report, declared once by the engine that makes it: how charts, tables,
    the CLI and the run list name it and show it.

    name: as the run store and the CSV columns spell it (``test_accuracy``); outside checks
        read these names, so a metric keeps its name.
    label: as axes, legends and table headings show it ("Test accuracy").
    short: its column heading in the summary tables ("ms / epoch", "Token acc."); a cost or
        measure without one gets no column there.
    fraction: stored as 0..1, shown in percent (``digits`` then count decimals of the percent).
    unit: what a number that is not a fraction counts ("ms", "MB"); "" for none.
    digits: decimals the summary tables and the CLI show.
    screen_digits: decimals the page shows where fewer than the table keeps; None: ``digits``.
    whole: a count (epochs, parameters): no decimals, thousands separated.
    higher_is_better: which way is better (a loss, a time, a size: lower).
    brief: its place in the CLI's one-line summary of a model ("{:6.1f} ms/epoch"); "": none.
    pooled: how a model's runs pool into that line: "mean", or "max" (for a peak).
    help: what it means, in a sentence for the page's captions and help.
    """

    name: str
    label: str
    short: str = ""
    fraction: bool = False
    unit: str = ""
    digits: int = 1
    screen_digits: int | None = None
    whole: bool = False
    higher_is_better: bool = True
    brief: str = ""
    pooled: str = "mean"
    help: str = ""

    @classmethod
    def undeclared(cls, name: str) -> "Metric":
        """A number no engine declares (an old run's, a table's own): its name as the label."""
        return cls(name, str(name).replace("_", " ").capitalize())

    @property
    def scale(self) -> float:
        """What a stored value is multiplied by to show it: 100 for a fraction (percent)."""
        return 100.0 if self.fraction else 1.0

    @property
    def d3_format(self) -> str:
        """A single value in a tooltip: one decimal in percent, none for a count."""
        if self.fraction:
            return ".1%"
        return ",.0f" if self.whole else ",.2f"


# Numbers every engine's runs report, whatever the model: shared, so declared here.
LOSS = Metric("loss", "Training loss", higher_is_better=False)
PARAMS = Metric("params", "Trainable parameters", short="Parameters", whole=True, digits=0,
                higher_is_better=False)


def metric_table(facts: Iterable["Facts"]) -> dict[str, Metric]:
    """Every metric the engines declare, by name; a name two engines report (``params``,
    ``loss``) must be one declaration, so it reads the same whichever run it comes from."""
    table: dict[str, Metric] = {}
    for f in facts:
        for m in f.declared:
            if table.setdefault(m.name, m) != m:
                raise ValueError(f"The {f.kind} engine declares the metric {m.name} unlike another engine.")
    return table


@dataclass(frozen=True)
class Setting:
    """One hyperparameter a user may set: its type, range, label and help, declared once.

    The engine's ``validate`` checks it (:meth:`check`), the sidebar draws its widget from it,
    the CLI makes it a flag (``--weight-decay``) when ``cli`` is set.

    scope: ``model`` (each model its own value, in its expander) or ``run`` (one value for
        the whole comparison, shown once).
    shown: False for a setting the spec list sets (a cross-validation fold), never a widget.
    datasets: the setting exists only for these datasets (the synthetic graph's knobs).
    choices: ``{value: what it means}`` for a setting with named values.
    suggested: where the widget of a setting that is unset by default starts once it is
        turned on (GraphSAGE's mini-batches).
    with_value: ``(name, value)``: the setting applies only when setting ``name`` has that
        value (a graph encoding's knob); the sidebar draws it then, starting at ``suggested``.
    absent: the value that means the same as leaving the setting unset (``none`` for a graph
        encoding): a spec drops it (:func:`gnncore.runs.resolve`), so its key is the unset one.
    sweep_values: the values a sweep of it starts from, as typed (``4,8,12,16``), where the
        generic rule (:func:`gnncore.sweep.suggested_values`) would give invalid ones.
    """

    name: str
    label: str
    type: type = float
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    step: float | None = None
    help: str = ""
    format: str | None = None
    choices: Mapping[str, str] | None = None
    scope: str = "model"
    advanced: bool = False
    cli: bool = True
    shown: bool = True
    datasets: tuple[str, ...] = ()
    why_high: str = ""   # what a value past ``high`` would cost, said when one is asked for
    suggested: Any = None
    with_value: tuple[str, Any] | None = None
    absent: Any = None
    sweep_values: str = ""

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def wanted(self) -> str:
        """What a valid value is, as the end of "<Name> must be ..."."""
        if self.choices is not None:
            return f"one of {', '.join(self.choices)}"
        if self.type is bool:
            return "true or false"
        if self.type is str:
            return "text"
        if self.type is int:
            if self.high is None:
                return f"a whole number of at least {self.low:g}"
            return f"a whole number from {self.low:g} to {self.high:g}"
        low = f"above {self.low:g}" if self.low_open else f"at least {self.low:g}"
        return low if self.high is None else f"{low} and at most {self.high:g}"

    def applies_to(self, dataset: str) -> bool:
        return not self.datasets or dataset.lower() in {d.lower() for d in self.datasets}

    def check(self, value: Any) -> None:
        """Raise SpecError with one sentence when ``value`` is not valid."""
        if self.choices is not None:
            ok = value in self.choices
        elif self.type is bool:
            ok = isinstance(value, bool)
        elif self.type is str:  # its format is the engine's to check
            ok = isinstance(value, str)
        elif self.type is int:
            ok = isinstance(value, int) and not isinstance(value, bool) and self._in_range(value)
        else:
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
                  and math.isfinite(value) and self._in_range(value))
        if not ok:
            named = self.label if f"({self.name})" in self.label else f"{self.label} ({self.name})"
            past = (self.why_high and self.high is not None and isinstance(value, (int, float))
                    and value > self.high)
            raise SpecError(f"{named} must be {self.wanted}; got {plain(value)}"
                            + (f" ({self.why_high})." if past else "."))

    def _in_range(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or value <= self.high


def plain(value: Any) -> str:
    """A value as a person would write it (``nan``, ``-1``, ``'abc'``), never numpy's repr
    (``np.float64(nan)``), which says more about the code than about the input."""
    if not isinstance(value, (str, bytes)) and hasattr(value, "item"):
        try:
            value = value.item()  # a numpy scalar to its Python number
        except (TypeError, ValueError):
            pass
    return repr(value) if isinstance(value, (str, bytes)) else str(value)


def check_settings(spec: RunSpec, settings: Sequence[Setting]) -> None:
    """Check every hyperparameter of ``spec`` against its declaration; a name that is not
    declared is an error too (a typo would otherwise change the key and nothing else), and
    so is one declared for other datasets only (the synthetic graph's knobs), said so."""
    declared = {s.name: s for s in settings}
    here = sorted(s.name for s in settings if s.applies_to(spec.dataset))
    for name, value in spec.params.items():
        setting = declared.get(name)
        if setting is None:
            raise SpecError(f"Unknown setting '{name}'; the settings are {', '.join(here)}.")
        if not setting.applies_to(spec.dataset):
            raise SpecError(f"{setting.label} ({name}) is a setting of {', '.join(setting.datasets)} only, not "
                            f"of {spec.dataset}; leave it unset for {spec.dataset}.")
        setting.check(value)


@dataclass(frozen=True)
class Facts:
    """An engine's facts, declared once in the engine and read by every front end.

    kind: the run kind (``RunSpec.kind``). command: the CLI subcommand and the arguments
    that select this engine (``("gnn", "--task", "link")``); dataset_flag and model_flag
    name the flags for the dataset (or sequence task) and the models (or encodings).
    metrics: the headline metric first, then those shown beside it. curves: per-epoch (or
    per-step) history columns, the one that picks the reported epoch first. costs: what a
    run costs (time, memory, parameters), in the order tables show them. measures: what a
    run measures of its trained model beside its scores (smoothness), kept in every CSV of
    runs. judged_by: what one run alone is judged by (a sweep's points, the run list), the
    first a run has; default ``metrics``. others: every other number a run or its tables
    report that a front end may show. columns: the CSV columns of the CLI's ``--out``, in
    order; run_columns: those of a CSV with one row per run (``sweep --out``), where they
    differ (an engine scored per length). file_prefix: how the page's downloads begin
    (``gnn_link`` gives ``gnn_link_Cora_summary.csv``). folds: default cross-validation folds
    (0: none). settings: every hyperparameter a user may set. keeps: the artifacts every run
    stores besides its numbers (``RunResult.artifacts``); a stored run without one of them
    counts as not stored, so it trains again (to the same numbers) and keeps them.
    """

    kind: str
    title: str
    command: tuple[str, ...]
    datasets: tuple[str, ...]
    default_dataset: str
    models: Mapping[str, Entry]
    default_models: tuple[str, ...]
    metrics: tuple[Metric, ...]
    curves: tuple[Metric, ...]
    columns: tuple[str, ...]
    settings: tuple[Setting, ...]
    seeds: int
    max_seeds: int = 100
    folds: int = 0
    max_folds: int = 20
    noun: str = "model"                  # what the models are: "model", "encoding"
    dataset_flag: str = "--dataset"
    model_flag: str = "--models"
    selected_by: str = ""                # the validation metric that picks the reported epoch
    reported: str = ""                   # how the summary's numbers were chosen, after the metric
    intro: str = ""                      # a paragraph for the page
    model_help: str = ""                 # a sentence on the model choice
    keeps: tuple[str, ...] = ()
    by_length: bool = False              # scored per test length (a "length" table per run)
    # Seeds of one run may train as one batch: the engine has together, per_batch, train_together.
    seed_batches: bool = False
    costs: tuple[Metric, ...] = ()
    measures: tuple[Metric, ...] = ()
    judged_by: tuple[Metric, ...] = ()
    others: tuple[Metric, ...] = ()
    run_columns: tuple[str, ...] = ()
    file_prefix: str = ""

    def __post_init__(self):
        if not self.judged_by:
            object.__setattr__(self, "judged_by", self.metrics)
        if not self.run_columns:
            object.__setattr__(self, "run_columns", self.columns)
        if not self.file_prefix:
            object.__setattr__(self, "file_prefix", self.kind)

    @property
    def headline(self) -> Metric:
        return self.metrics[0]

    @property
    def declared(self) -> tuple[Metric, ...]:
        """Every metric of the engine, once each, in the order of the fields above."""
        every: dict[str, Metric] = {}
        for m in (*self.metrics, *self.curves, *self.costs, *self.measures, *self.judged_by, *self.others):
            every.setdefault(m.name, m)
        return tuple(every.values())

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.declared if m.name == name), None)

    def beside(self) -> tuple[Metric, ...]:
        """The numbers the summary tables show after the scores, in order: those with a
        column heading of the others, the costs and the measures."""
        return tuple(m for m in dict.fromkeys((*self.others, *self.costs, *self.measures)) if m.short)

    def setting(self, name: str) -> Setting | None:
        return next((s for s in self.settings if s.name == name), None)

    def settings_for(self, dataset: str, scope: str | None = None) -> list[Setting]:
        return [s for s in self.settings if s.applies_to(dataset) and (scope is None or s.scope == scope)]
