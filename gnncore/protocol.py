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
description (:class:`Entry`), so adding one is a change in one place.

This module sits at the bottom beside :mod:`gnncore.spec`: the engines import it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence

from gnncore.spec import RunSpec, SpecError


class Entry(Protocol):
    """A model of an engine's registry: an architecture or a positional encoding."""

    name: str    # as specs and the CLI spell it: "gcn", "rope"
    label: str   # as charts and menus show it: "GCN", "RoPE"
    title: str   # one line: what it is and whose paper
    color: str   # fixed per model, so it is the same in every chart


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

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def wanted(self) -> str:
        """What a valid value is, as the end of "<Name> must be ..."."""
        if self.choices is not None:
            return f"one of {', '.join(self.choices)}"
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
            raise SpecError(f"{named} must be {self.wanted}; got {value!r}"
                            + (f" ({self.why_high})." if past else "."))

    def _in_range(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or value <= self.high


def check_settings(spec: RunSpec, settings: Sequence[Setting]) -> None:
    """Check every hyperparameter of ``spec`` against its declaration; a name that is not
    declared is an error too (a typo would otherwise change the key and nothing else)."""
    declared = {s.name: s for s in settings}
    for name, value in spec.params.items():
        if name in declared:
            declared[name].check(value)
        else:
            raise SpecError(f"Unknown setting '{name}'; the settings are {', '.join(sorted(declared))}.")


@dataclass(frozen=True)
class Facts:
    """An engine's facts, declared once in the engine and read by every front end.

    kind: the run kind (``RunSpec.kind``). command: the CLI subcommand and the arguments
    that select this engine (``("gnn", "--task", "link")``); dataset_flag and model_flag
    name the flags for the dataset (or sequence task) and the models (or encodings).
    metrics: the headline metric first, then those shown beside it. curves: per-epoch (or
    per-step) history columns, the one that picks the reported epoch first. columns: the
    CSV columns of the CLI's ``--out``, in order. folds: default cross-validation folds
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
    metrics: tuple[str, ...]
    curves: tuple[str, ...]
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

    def setting(self, name: str) -> Setting | None:
        return next((s for s in self.settings if s.name == name), None)

    def settings_for(self, dataset: str, scope: str | None = None) -> list[Setting]:
        return [s for s in self.settings if s.applies_to(dataset) and (scope is None or s.scope == scope)]
