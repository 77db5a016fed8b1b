"""Runs as jobs, and the one way a job trains, whichever executor runs it (local worker
processes, :mod:`gnncore.runs.local`, or Ray tasks, :mod:`gnncore.runs.ray`): so both give
the same numbers."""

from __future__ import annotations

from typing import Callable

from gnncore.runs.engines import engine
from gnncore.spec import Progress, ProgressFn, RunResult, RunSpec, StopFn, one_thread

Job = list[tuple[int, RunSpec]]  # (index in the whole request, spec) of the runs one job trains


def jobs(todo: Job, workers: int = 1) -> list[Job]:
    """``todo`` as jobs: the seeds of one run together where its engine trains them as one
    batch (``together``), every other run alone.

    A batch takes at most the engine's ``per_batch`` seeds, and with several workers its
    share of them (10 seeds, 2 workers: two batches of 5), since a batch's cost per seed
    hardly falls past a few seeds and one whole batch per model would leave a worker idle
    while the slowest model's batch trains.
    """
    groups: dict = {}
    order: list = []
    for i, spec in todo:
        eng = engine(spec.kind)
        key = eng.together(spec) if eng.FACTS.seed_batches else None
        if key is None:
            order.append([(i, spec)])
            continue
        if key not in groups:
            groups[key] = []
            order.append(groups[key])
        groups[key].append((i, spec))
    out: list[Job] = []
    for group in order:
        if len(group) == 1:
            out.append(group)
            continue
        spec = group[0][1]
        size = max(1, min(engine(spec.kind).per_batch(spec), -(-len(group) // max(1, workers))))
        chunks = -(-len(group) // size)
        step = -(-len(group) // chunks)  # equal chunks, the last one shorter where it must be
        out += [group[k:k + step] for k in range(0, len(group), step)]
    return out


def train_one(spec: RunSpec, report: ProgressFn, should_stop: StopFn) -> RunResult:
    """One run, on one torch thread (see :func:`~gnncore.spec.one_thread`), wherever it runs."""
    with one_thread():
        return engine(spec.kind).train(spec, on_progress=report, should_stop=should_stop)


def train_job(job: Job, report: Callable[[int, Progress], None], should_stop: StopFn) -> list[RunResult]:
    """One job of :func:`jobs` on one torch thread; ``report(index, progress)`` per run."""
    if len(job) == 1:
        i, spec = job[0]
        return [train_one(spec, lambda p: report(i, p), should_stop)]
    index = {spec.key: i for i, spec in job}
    specs = [spec for _, spec in job]
    with one_thread():
        return engine(specs[0].kind).train_together(specs, on_progress=lambda p: report(index[p.spec.key], p),
                                                    should_stop=should_stop)
