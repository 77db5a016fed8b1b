"""The engine registry: which module trains each kind of run, what it declares, and the one
place specs are resolved and every front end's spec list is built.

**The engine protocol.** Each engine is a module named in :data:`ENGINES` with

* ``FACTS``: a :class:`gnncore.protocol.Facts`, everything a front end needs to know (title,
  datasets or sequence tasks, models, metrics, curves, what picks the reported epoch,
  default models, seeds and folds, CSV columns, settings);
* ``defaults(spec) -> dict``: hyperparameters to fill in where the spec is silent;
* ``validate(spec) -> None``: raise :class:`~gnncore.spec.SpecError` with one sentence;
* ``train(spec, on_progress, should_stop) -> RunResult``: train a resolved spec.

A spec is resolved (defaults, then validation) once, by :func:`resolve`, which marks it;
:func:`grid` builds and resolves every front end's spec list, and
:func:`gnncore.runs.run_all` resolves only what is not resolved yet. A new engine is one
module and one line in ``ENGINES``; its kind is the ``FACTS.kind`` it declares, nowhere else.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType
from typing import Sequence

from gnncore.protocol import Entry, Facts, Metric, metric_table
from gnncore.spec import RunSpec, SpecError

# The engines, in reading order. Their kinds are read from their FACTS, so every engine is
# imported at the first lookup (about 4 s more than one alone, once per process: docs/decisions.md).
ENGINES = (
    "gnncore.gnn.tasks.node",
    "gnncore.gnn.tasks.link",
    "gnncore.gnn.tasks.graph",
    "gnncore.posenc.train",
    "gnncore.gnn.explain.engine",
)


@functools.lru_cache(maxsize=1)
def _by_kind() -> dict[str, ModuleType]:
    modules = [importlib.import_module(name) for name in ENGINES]
    return {module.FACTS.kind: module for module in modules}


def engine(kind: str) -> ModuleType:
    found = _by_kind().get(kind)
    if found is None:
        raise SpecError(f"Unknown run kind '{kind}'; choose one of {', '.join(_by_kind())}.")
    return found


def facts(kind: str) -> Facts:
    return engine(kind).FACTS


def kinds(command: str | None = None) -> list[str]:
    """The run kinds, or those of one CLI subcommand (``gnn``: node, link, graph)."""
    return [k for k in _by_kind() if command is None or facts(k).command[0] == command]


def models() -> dict[str, Entry]:
    """Every engine's models (architectures and encodings) by name, in reading order: each
    engine's own order kept, a model only one engine has placed before the next one they
    share (GIN, a graph model only, before the MLP baseline)."""
    order: list[str] = []
    entries: dict[str, Entry] = {}
    for kind in kinds():
        names = list(facts(kind).models)
        for i, name in enumerate(names):
            if name in entries:
                continue
            entries[name] = facts(kind).models[name]
            later = next((n for n in names[i + 1:] if n in order), None)
            order.insert(order.index(later) if later else len(order), name)
    return {name: entries[name] for name in order}


def metric(name: str) -> Metric:
    """How the number ``name`` is labelled and shown, as the engine that reports it declares it
    (:class:`gnncore.protocol.Metric`); a name no engine declares gets its name as label."""
    return _metrics().get(name) or Metric.undeclared(name)


@functools.lru_cache(maxsize=1)
def _metrics() -> dict[str, Metric]:
    return metric_table(facts(kind) for kind in kinds())


def resolve(spec: RunSpec) -> RunSpec:
    """Fill in the engine's documented defaults, then validate; the result is what gets hashed."""
    if spec.resolved:
        return spec
    mod = engine(spec.kind)
    # One spelling per dataset, whatever the user typed, so "cora" finds Cora's stored runs.
    dataset = next((d for d in mod.FACTS.datasets if d.lower() == str(spec.dataset).lower()), spec.dataset)
    # A setting at its "absent" value (graph_encoding=none) is the setting unset: one key for both.
    absent = {s.name: s.absent for s in mod.FACTS.settings if s.absent is not None}
    spec = RunSpec(spec.kind, dataset, spec.model, spec.seed,
                   tuple((k, v) for k, v in spec.hparams if k not in absent or absent[k] != v))
    filled = {**mod.defaults(spec), **spec.params}
    resolved = RunSpec.make(spec.kind, spec.dataset, spec.model, spec.seed, **filled)
    mod.validate(resolved)
    return resolved.as_resolved()


def folds_of(kind: str, dataset: str, given: int | None = None) -> int:
    """The folds a comparison on ``dataset`` runs: ``given``, unset the engine's default for
    the dataset; none where the dataset brings its own split (the engine's ``folds_for``)."""
    mod = engine(kind)
    if hasattr(mod, "folds_for"):
        return mod.folds_for(dataset, given)
    return facts(kind).folds if given is None else given


def grid(kind: str, dataset: str, models: Sequence[str], seeds: int | Sequence[int],
         folds: int = 0, per_model: dict[str, dict] | None = None, **settings) -> list[RunSpec]:
    """The resolved spec list of a comparison, for every front end: models x seeds (x folds).

    ``seeds`` is a count (seeds 0..N-1) or a list; ``folds`` > 0 runs every fold of a
    cross-validation once per model and seed. ``settings`` apply to every model,
    ``per_model[model]`` to one. Order: model, then seed, then fold. Raises SpecError with
    one sentence on bad input, before anything trains.
    """
    f = facts(kind)
    if folds:  # a dataset with a split of its own has no folds
        folds = folds_of(kind, dataset, folds)
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if isinstance(seeds, int) and not 1 <= seeds <= f.max_seeds:
        raise SpecError(f"Seeds must be a whole number from 1 to {f.max_seeds}; got {seeds}.")
    if not models:
        raise SpecError(f"No {f.noun} chosen; choose from {', '.join(f.models)}.")
    if folds and not 2 <= folds <= f.max_folds:
        raise SpecError(f"Folds must be a whole number from 2 to {f.max_folds}; got {folds}.")
    per_model = per_model or {}
    specs = []
    for model in models:
        for seed in seed_list:
            for fold in (range(folds) if folds else [None]):
                extra = {"fold": fold, "folds": folds} if folds else {}
                specs.append(RunSpec.make(kind, dataset, model, seed, **settings,
                                          **per_model.get(model, {}), **extra))
    return [resolve(s) for s in specs]
