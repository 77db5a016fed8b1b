"""What a run is: the spec that decides it, the result it gives, and the errors it may raise.

This module sits at the bottom of the package: the engines (``gnn/``, ``posenc/``) take a
:class:`RunSpec` and return a :class:`RunResult`; :mod:`gnncore.runs` stores and tabulates them.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

# Bump when an engine change makes stored results stale: it is part of every spec's key
# (what each version changed: docs/decisions.md, "Engine versions").
ENGINE_VERSION = 6


class SpecError(ValueError):
    """A run that cannot be run as asked. The message is one sentence a user can act on."""


class DatasetUnavailable(RuntimeError):
    """A dataset whose files cannot be had; the message says which, where, and how to get them."""


class Cancelled(Exception):
    """Raised inside an engine when the caller's stop signal is set; nothing is stored."""


@dataclass(frozen=True)
class RunSpec:
    """Everything that decides a run's result; its :attr:`key` is the run store's cache key.

    kind: ``node``, ``link``, ``graph`` (GNN tasks) or ``posenc`` (sequence models).
    dataset: a dataset name (``Cora``) or a sequence task (``copy``).
    model: an architecture (``gcn``) or a positional encoding (``rope``).
    hparams: sorted ``(name, value)`` pairs, so the spec stays hashable and its key stable.
    """

    kind: str
    dataset: str
    model: str
    seed: int = 0
    hparams: tuple[tuple[str, Any], ...] = ()
    # Set by gnncore.runs.resolve: defaults filled in and validated. Not part of the key.
    resolved: bool = field(default=False, compare=False, repr=False)

    @classmethod
    def make(cls, kind: str, dataset: str, model: str, seed: int = 0, **hparams: Any) -> "RunSpec":
        """Build a spec from keyword hyperparameters; ``None`` values mean "use the default"."""
        pairs = tuple(sorted((k, v) for k, v in hparams.items() if v is not None))
        return cls(kind, dataset, model, int(seed), pairs)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.hparams)

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def replace(self, **changes: Any) -> "RunSpec":
        """A copy with some fields or hyperparameters changed (unknown names go to hparams)."""
        fields = {"kind": self.kind, "dataset": self.dataset, "model": self.model, "seed": self.seed}
        params = self.params
        for k, v in changes.items():
            (fields if k in fields else params)[k] = v
        return RunSpec.make(**fields, **params)

    def as_resolved(self) -> "RunSpec":
        return RunSpec(self.kind, self.dataset, self.model, self.seed, self.hparams, resolved=True)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "dataset": self.dataset, "model": self.model,
                "seed": self.seed, "hparams": self.params}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RunSpec":
        return cls.make(d["kind"], d["dataset"], d["model"], d.get("seed", 0), **d.get("hparams", {}))

    @property
    def key(self) -> str:
        canonical = json.dumps([ENGINE_VERSION, self.to_dict()], sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:20]

    @property
    def label(self) -> str:
        return f"{self.model} on {self.dataset}, seed {self.seed}"


@dataclass
class RunResult:
    """What a finished run gives back.

    metrics: final numbers, one per name (``test_accuracy``, ``best_epoch``, ``ms_per_epoch``...).
    history: one dict per epoch (or logged step) for learning curves.
    tables: further tidy tables by name, e.g. ``length`` for length generalisation
        (one dict per row); ``runs.table_frame`` turns them into DataFrames.
    artifacts: what a run keeps besides numbers, as bytes by name (the trained weights,
        embedding snapshots; the engine's ``FACTS.keeps``). Stored beside the run and read
        back only when a view asks (``RunStore.artifact``), so results read from the store
        come without them.
    cached: True when read back from the run store instead of trained.
    """

    spec: RunSpec
    metrics: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    artifacts: dict[str, bytes] = field(default_factory=dict, repr=False)
    cached: bool = False


@dataclass(frozen=True)
class Progress:
    """One progress report from an engine: ``step`` of ``total`` (epochs or steps) done."""

    spec: RunSpec
    step: int
    total: int
    metrics: dict[str, float] = field(default_factory=dict)
    run_index: int = 0
    run_count: int = 1
    overall: float | None = None  # fraction of all runs done, when runs train in parallel

    @property
    def fraction(self) -> float:
        if self.overall is not None:
            return self.overall
        done = self.run_index + (self.step / self.total if self.total else 1.0)
        return min(1.0, done / max(1, self.run_count))

    @property
    def message(self) -> str:
        text = f"{self.spec.model} · {self.spec.dataset} · seed {self.spec.seed}"
        if "fold" in self.spec.params:
            text += f" · fold {self.spec.params['fold']}"
        return f"run {self.run_index + 1}/{self.run_count}: {text} · step {self.step}/{self.total}"


ProgressFn = Optional[Callable[[Progress], None]]
StopFn = Optional[Callable[[], bool]]


def check_stop(should_stop: StopFn) -> None:
    """Engines call this once per epoch or step."""
    if should_stop is not None and should_stop():
        raise Cancelled()


@contextmanager
def one_thread() -> Iterator[None]:
    """Train on one torch thread, then restore the caller's setting: the thread count changes
    the order of floating-point sums, so one thread everywhere makes a result independent of
    the machine and of the number of workers (docs/decisions.md)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
