"""Runs as Ray tasks: the same runs as the local worker processes, on a Ray cluster.

:func:`gnncore.runs.run_all` with ``executor="ray"`` hands its runs here. Each job of
:func:`gnncore.runs.training.jobs` (a run, or the seeds of one run trained as one batch)
is one Ray task of one CPU that trains exactly as a local worker does
(:func:`gnncore.runs.training.train_job`: every spec seeds itself, one torch thread), so
the numbers are the local executor's. The finished :class:`~gnncore.spec.RunResult` (with its
artifacts) travels back to the driver, which alone writes the run store: a task never opens it.

* ``address`` names an existing cluster (``ray start --head`` on one machine, ``ray start
  --address=HEAD:6379`` on the others; ``ray://HOST:10001`` through Ray Client). Without
  one, a Ray instance already started in this process is used, else a local one is started
  with ``workers`` CPUs. The gnncore package is shipped to the cluster with each job
  (``runtime_env`` ``py_modules``); its nodes need the requirements installed and their own
  datasets (``GNNCORE_DATA``, ``GNNCORE_MIRROR``, or a network).
* Progress: each task sends ``(run, epoch, epochs, metrics)`` to a small actor at most twice
  a second; the driver polls it five times a second.
* Stop: ``should_stop`` cancels every task not finished (Ray raises KeyboardInterrupt inside
  a running one and drops the queued ones); the runs finished before are still yielded.

Ray is optional (``requirements-ray.txt``): this module imports it only when called.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from gnncore.runs.training import jobs, train_job
from gnncore.spec import Cancelled, Progress, ProgressFn, RunResult, RunSpec, SpecError, StopFn

REPORT_EVERY = 0.5  # seconds between a task's progress messages
POLL = 0.2          # seconds between the driver's looks at finished tasks and progress
PACKAGE = Path(__file__).resolve().parents[1]  # the whole gnncore package, shipped to the cluster


def available() -> bool:
    """Is Ray importable here? (The page offers the executor only then.)"""
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def _ray():
    try:
        import ray
    except ImportError:
        raise SpecError("The Ray executor needs Ray: pip install -r requirements-ray.txt "
                        "(or choose the local executor).") from None
    return ray


def connect(address: str | None = None, cpus: int | None = None) -> None:
    """Join the cluster at ``address``, or use (else start) a local instance of ``cpus`` CPUs."""
    ray = _ray()
    if ray.is_initialized():
        return
    options = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
                   runtime_env={"py_modules": [str(PACKAGE)]})
    try:
        if address:
            ray.init(address=address, **options)
        else:
            ray.init(num_cpus=cpus, **options)
    except ConnectionError as e:
        raise SpecError(f"Could not reach a Ray cluster at {address}: {str(e).splitlines()[0]} "
                        "(start one with `ray start --head`, or leave out --ray-address for a local "
                        "instance).") from None


@contextmanager
def session() -> Iterator[None]:
    """Around a command's runs: a Ray connection opened inside is shut down at the end; one
    open before (a test's, a notebook's) is left as it was."""
    before = available() and _ray().is_initialized()
    try:
        yield
    finally:
        if not before:
            shutdown()


def shutdown() -> None:
    """End this process's Ray connection (and the local instance, if it started one)."""
    if available():
        import ray

        if ray.is_initialized():
            ray.shutdown()


@lru_cache(maxsize=1)
def _remote():
    """The task and the progress inbox, defined once Ray is imported."""
    ray = _ray()

    @ray.remote(num_cpus=0)
    class Inbox:
        """Progress messages from the tasks, taken by the driver."""

        def __init__(self):
            self.items = []

        def put(self, item) -> None:
            self.items.append(item)

        def take(self) -> list:
            items, self.items = self.items, []
            return items

    @ray.remote(num_cpus=1, max_retries=0)
    def train(job: list, inbox) -> list:
        """One job of :func:`jobs`: a run, or the seeds of one run as one batch."""
        last: dict[int, float] = {}

        def report(index: int, p: Progress) -> None:
            now = time.monotonic()
            if p.step == p.total or now - last.get(index, 0.0) >= REPORT_EVERY:
                last[index] = now
                inbox.put.remote((index, p.step, p.total, dict(p.metrics)))

        return train_job(job, report, None)

    return Inbox, train


def run_on_ray(todo: list[tuple[int, RunSpec]], count: int, on_progress: ProgressFn,
               should_stop: StopFn, address: str | None = None, workers: int = 1) -> Iterator[RunResult]:
    """Train ``todo`` (``(index, spec)`` pairs, ``count`` runs in the whole request) as Ray
    tasks, yielding each result as it comes back; raises the first run's error after the
    others have stopped, or Cancelled after a stop."""
    ray = _ray()
    connect(address, workers)
    Inbox, train = _remote()
    from ray.exceptions import RayTaskError, TaskCancelledError

    inbox = Inbox.remote()
    work = jobs(todo, workers)
    refs = {train.remote(job, inbox): n for n, job in enumerate(work)}
    specs = dict(todo)
    partial: dict[int, float] = {}
    finished = 0
    cancelled = False
    error: BaseException | None = None

    def cancel(pending) -> None:
        for ref in pending:
            ray.cancel(ref)

    def drain() -> None:
        for i, step, total, metrics in ray.get(inbox.take.remote()):
            partial[i] = step / total if total else 1.0
            if on_progress:
                done = finished + sum(partial.values())
                on_progress(Progress(specs[i], step, total, metrics, i, count,
                                     overall=min(1.0, (count - len(todo) + done) / count)))

    pending = list(refs)
    try:
        while pending:
            if not cancelled and error is None and should_stop is not None and should_stop():
                cancelled = True
                cancel(pending)
            done, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL)
            drain()
            for ref in sorted(done, key=refs.get):
                for i, _ in work[refs[ref]]:
                    partial.pop(i, None)
                try:
                    results = ray.get(ref)
                except (TaskCancelledError, KeyboardInterrupt):
                    cancelled = True
                    continue
                except RayTaskError as e:
                    cause = e.cause if isinstance(e.cause, BaseException) else e
                    if isinstance(cause, (Cancelled, KeyboardInterrupt)):
                        cancelled = True
                    elif error is None:
                        error = cause
                        cancel(pending)
                    continue
                for result in results:
                    finished += 1
                    yield result
    finally:
        cancel(pending)  # the caller stopped reading early: nothing trains on for nobody
        ray.kill(inbox)
    if error is not None:
        raise error
    if cancelled:
        raise Cancelled()
