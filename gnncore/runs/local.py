"""Running specs: :func:`run_all`, in this process or in local worker processes (the default
executor), or on a Ray cluster (:mod:`gnncore.runs.ray`, imported only when asked for).

Worker processes come from the standard library's ProcessPoolExecutor; what it does not do
(progress from inside a run, a stop that reaches a run in flight, workers that end with their
parent) is added here.
"""

from __future__ import annotations

import atexit
import os
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterable, Iterator

from gnncore import config
from gnncore.runs.engines import resolve
from gnncore.runs.training import jobs, train_job
from gnncore.spec import Cancelled, Progress, ProgressFn, RunResult, RunSpec, SpecError, StopFn

if TYPE_CHECKING:
    from gnncore.runs.store import RunStore

EXECUTORS = ("local", "ray")  # where runs train: worker processes here, or tasks on a Ray cluster


def run_all(specs: Iterable[RunSpec], store: RunStore | None = None, on_progress: ProgressFn = None,
            should_stop: StopFn = None, use_cache: bool = True, workers: int = 1,
            executor: str = "local", ray_address: str | None = None) -> Iterator[RunResult]:
    """Run specs, yielding each result as it finishes.

    ``executor`` ``ray`` sends every run not in the store to a Ray cluster as one task
    (:mod:`gnncore.runs.ray`; ``ray_address`` names the cluster, none starts a local
    instance of ``workers`` CPUs); the results come back here, and only this process writes
    the store.

    Every spec not yet resolved is resolved before the first one trains, so bad input
    stores nothing. Results already in the store are yielded first (``cached=True``). With
    ``workers`` > 1 the runs are spread over that many worker processes (see
    :func:`_run_parallel`); results are the same as with one, since every run seeds itself
    and trains on one torch thread (see :func:`~gnncore.spec.one_thread`). Results written to
    ``store`` come back without their artifacts: read those with :meth:`RunStore.artifact`.
    A run stopped through ``should_stop`` raises :class:`~gnncore.spec.Cancelled`; the ones
    finished before it are already stored.
    """
    if executor not in EXECUTORS:
        raise SpecError(f"Unknown executor '{executor}'; choose one of {', '.join(EXECUTORS)}.")
    remove_generated_modules_at_exit()
    resolved = [resolve(s) for s in specs]  # a no-op for specs from grid()
    todo = []
    for i, spec in enumerate(resolved):
        hit = store.get(spec) if use_cache and store is not None else None
        if hit is None:
            todo.append((i, spec))
            continue
        if on_progress:
            on_progress(Progress(spec, 1, 1, {}, i, len(resolved)))
        yield hit
    if executor == "ray" and todo:
        from gnncore.runs.ray import run_on_ray  # Ray is optional: imported only when asked for

        runs = run_on_ray(todo, len(resolved), on_progress, should_stop, ray_address, workers)
    elif workers > 1 and len(todo) > 1:
        runs = _run_parallel(todo, len(resolved), on_progress, should_stop, workers)
    else:
        runs = _run_serial(todo, len(resolved), on_progress, should_stop)
    for result in runs:
        if store is not None:
            store.put(result)
            result.artifacts = {}  # in the store now; a page's job would hold megabytes otherwise
        yield result


def _run_serial(todo, count, on_progress, should_stop) -> Iterator[RunResult]:
    """Train ``todo`` (``(index, spec)`` pairs of ``count`` in the request) in this process."""
    def report(i: int, p: Progress) -> None:
        if on_progress:
            on_progress(Progress(p.spec, p.step, p.total, p.metrics, i, count))

    for job in jobs(todo):
        yield from train_job(job, report, should_stop)


def default_workers() -> int:
    """Training processes for the page and the CLI: ``$GNNCORE_WORKERS``, else one per core
    up to 2 (these models are too small for two threads to share one model's work well)."""
    return config.workers() or max(1, min(2, os.cpu_count() or 1))


def remove_generated_modules_at_exit() -> None:
    """Once per process: at exit, delete the modules PyG generated into the temp folder.

    ``torch_geometric.template`` writes each message-passing layer's ``propagate`` as a file
    there (``<module>_<Layer>_propagate_<random>.py``), loads it and never deletes it, so
    every process that builds a layer left a few behind.
    """
    global _cleanup_registered
    if not _cleanup_registered:
        _cleanup_registered = True
        atexit.register(_remove_generated_modules)


def _remove_generated_modules() -> None:
    """Only files this process loaded as modules named like themselves: PyG's, never another's."""
    import sys
    import tempfile

    temp = os.path.realpath(tempfile.gettempdir())
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if (path and os.path.basename(path).startswith(f"{name}_") and path.endswith(".py")
                and os.path.dirname(os.path.realpath(path)) == temp):
            try:
                os.unlink(path)
            except OSError:
                pass


_cleanup_registered = False

# ---- worker processes ----

_worker_queue = None
_worker_stop = None


def _init_worker(queue, stop, parent: int) -> None:
    global _worker_queue, _worker_stop
    _worker_queue, _worker_stop = queue, stop
    remove_generated_modules_at_exit()  # a spawned worker ends through sys.exit, so atexit runs
    _end_with_parent(parent)


def _end_with_parent(parent: int) -> None:
    """End this worker when the process that started it ends, however it ends.

    A parent stopped by SIGTERM or SIGKILL runs no clean-up, and its workers would otherwise
    train on and then wait forever on a pipe. On Linux the kernel sends SIGTERM the moment the
    parent goes (prctl PR_SET_PDEATHSIG, through ctypes: no installable package wraps it
    here); elsewhere a daemon thread polls the parent's pid once a second.
    """
    import signal
    import threading

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # gone before the line above took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        _remove_generated_modules()  # os._exit skips atexit
        os._exit(1)

    threading.Thread(target=watch, name="gnncore-parent-watch", daemon=True).start()


def _train_in_worker(job: list[tuple[int, RunSpec]]) -> list[RunResult]:
    def report(index: int, p: Progress) -> None:
        _worker_queue.put((index, p.step, p.total, p.metrics))

    return train_job(job, report, _worker_stop.is_set)


@contextmanager
def _plain_main() -> Iterator[None]:
    """Start spawned workers without the caller's ``__main__``.

    A spawned process imports its parent's main module again; under ``streamlit run`` that is
    the page script, which every worker would draw again in bare mode, while the workers need
    nothing from it: they import what they run by name (docs/decisions.md).
    """
    import sys
    import types

    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _run_parallel(todo, count, on_progress, should_stop, workers) -> Iterator[RunResult]:
    """Train ``todo`` in ``workers`` spawned processes of one thread each.

    Progress comes back through a queue; a stop sets an event every run checks once per
    epoch and cancels the runs not yet started; runs finished before a stop or an error are
    still yielded (and so stored). The first error in any run is raised after that.
    """
    import multiprocessing
    from queue import Empty
    from concurrent.futures import CancelledError, ProcessPoolExecutor, wait, FIRST_COMPLETED

    ctx = multiprocessing.get_context("spawn")  # fork is unsafe in a threaded server
    queue, stop = ctx.Queue(), ctx.Event()
    specs = dict(todo)
    partial: dict[int, float] = {}
    finished = 0
    error: BaseException | None = None
    cancelled = False

    def drain() -> None:
        while True:
            try:
                i, step, total, metrics = queue.get_nowait()
            except Empty:
                return
            partial[i] = step / total if total else 1.0
            if on_progress:
                done = finished + sum(partial.values())
                on_progress(Progress(specs[i], step, total, metrics, i, count,
                                     overall=min(1.0, (count - len(todo) + done) / count)))

    work = jobs(todo, workers)
    pool = ProcessPoolExecutor(min(workers, len(work)), mp_context=ctx,
                               initializer=_init_worker, initargs=(queue, stop, os.getpid()))
    try:
        with _plain_main():  # the workers start on the first submits
            futures = {pool.submit(_train_in_worker, job): n for n, job in enumerate(work)}
        pending = set(futures)
        while pending:
            if not stop.is_set() and should_stop is not None and should_stop():
                stop.set()
                for f in pending:
                    f.cancel()
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            drain()
            for f in sorted(done, key=futures.get):
                for i, _ in work[futures[f]]:
                    partial.pop(i, None)
                try:
                    results = f.result()
                except (Cancelled, CancelledError):
                    cancelled = True
                    continue
                except BaseException as e:  # noqa: BLE001 - raised below, after the others stop
                    if error is None:
                        error = e
                        stop.set()
                        for g in pending:
                            g.cancel()
                    continue
                for result in results:
                    finished += 1
                    yield result
    finally:
        stop.set()  # reaches runs still in flight if the caller stopped reading early
        pool.shutdown(wait=True, cancel_futures=True)
        queue.close()
    if error is not None:
        raise error
    if cancelled:
        raise Cancelled()
