"""Run specs in, stored results and tidy frames out.

The data path of the whole product passes through here::

    RunSpec -> resolve (paper defaults, validation) -> engine.train -> RunResult
            -> RunStore (SQLite) -> tidy DataFrames -> charts, CSV

Each engine is a module with three functions:

* ``defaults(spec) -> dict``: hyperparameters to fill in where the spec is silent;
* ``validate(spec) -> None``: raise :class:`~gnncore.spec.SpecError` with one sentence;
* ``train(spec, on_progress, should_stop) -> RunResult``.
"""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from types import ModuleType
from typing import Iterable, Iterator

import pandas as pd

from gnncore import config
from gnncore.spec import Cancelled, Progress, ProgressFn, RunResult, RunSpec, SpecError, StopFn, one_thread

ENGINES = {
    "node": "gnncore.gnn.node",
    "link": "gnncore.gnn.link",
    "graph": "gnncore.gnn.graph",
    "posenc": "gnncore.posenc.train",
}


def engine(kind: str) -> ModuleType:
    if kind not in ENGINES:
        raise SpecError(f"Unknown run kind '{kind}'; choose one of {', '.join(ENGINES)}.")
    return importlib.import_module(ENGINES[kind])


def resolve(spec: RunSpec) -> RunSpec:
    """Fill in the engine's documented defaults, then validate; the result is what gets hashed."""
    mod = engine(spec.kind)
    filled = {**mod.defaults(spec), **spec.params}
    resolved = RunSpec.make(spec.kind, spec.dataset, spec.model, spec.seed, **filled)
    mod.validate(resolved)
    return resolved


def run_all(specs: Iterable[RunSpec], store: "RunStore | None" = None, on_progress: ProgressFn = None,
            should_stop: StopFn = None, use_cache: bool = True, workers: int = 1) -> Iterator[RunResult]:
    """Run specs, yielding each result as it finishes.

    Every spec is resolved and validated before the first one trains, so bad input stores
    nothing. Results already in the store are yielded first (``cached=True``). With
    ``workers`` > 1 the runs are spread over that many worker processes (see
    :func:`_run_parallel`); results are the same as with one, since every run seeds itself
    and trains on one torch thread (see :func:`one_thread`).
    A run stopped through ``should_stop`` raises :class:`~gnncore.spec.Cancelled`; the ones
    finished before it are already stored.
    """
    resolved = [resolve(s) for s in specs]
    todo = []
    for i, spec in enumerate(resolved):
        hit = store.get(spec) if use_cache and store is not None else None
        if hit is None:
            todo.append((i, spec))
            continue
        if on_progress:
            on_progress(Progress(spec, 1, 1, {}, i, len(resolved)))
        yield hit
    if workers > 1 and len(todo) > 1:
        runs = _run_parallel(todo, len(resolved), on_progress, should_stop, workers)
    else:
        runs = _run_serial(todo, len(resolved), on_progress, should_stop)
    for result in runs:
        if store is not None:
            store.put(result)
        yield result


def _train(spec: RunSpec, report: ProgressFn, should_stop: StopFn) -> RunResult:
    """One run, on one torch thread (see :func:`~gnncore.spec.one_thread`), wherever it runs."""
    with one_thread():
        return engine(spec.kind).train(spec, on_progress=report, should_stop=should_stop)


def _run_serial(todo, count, on_progress, should_stop) -> Iterator[RunResult]:
    for i, spec in todo:
        def report(p: Progress, i: int = i) -> None:
            if on_progress:
                on_progress(Progress(p.spec, p.step, p.total, p.metrics, i, count))

        yield _train(spec, report, should_stop)


def default_workers() -> int:
    """Training processes for the page and the CLI: ``$GNNCORE_WORKERS``, else one per core
    up to 2. On this project's 2-core machine, two single-threaded processes train 4 GNNs x
    5 seeds on Cora in about half the time of one process with two threads (the models are
    too small for a second thread to share one model's work well)."""
    value = os.environ.get("GNNCORE_WORKERS")
    if value:
        return max(1, int(value))
    return max(1, min(2, os.cpu_count() or 1))


# ---- worker processes ----
# Written with the standard library's ProcessPoolExecutor; what it does not do (progress
# from inside a run, a stop that reaches a run in flight) is below. Workers that load the same
# dataset take turns writing its cache (gnncore.gnn.datasets._cache_lock).

_worker_queue = None
_worker_stop = None


def _init_worker(queue, stop) -> None:
    global _worker_queue, _worker_stop
    _worker_queue, _worker_stop = queue, stop


def _train_in_worker(index: int, spec: RunSpec) -> RunResult:
    def report(p: Progress) -> None:
        _worker_queue.put((index, p.step, p.total, p.metrics))

    return _train(spec, report, _worker_stop.is_set)


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

    pool = ProcessPoolExecutor(min(workers, len(todo)), mp_context=ctx,
                               initializer=_init_worker, initargs=(queue, stop))
    try:
        futures = {pool.submit(_train_in_worker, i, spec): i for i, spec in todo}
        pending = set(futures)
        while pending:
            if not stop.is_set() and should_stop is not None and should_stop():
                stop.set()
                for f in pending:
                    f.cancel()
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            drain()
            for f in sorted(done, key=futures.get):
                partial.pop(futures[f], None)
                try:
                    result = f.result()
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


class RunStore:
    """Finished runs in one SQLite file, keyed by the spec's hash.

    One row per run, written in a single transaction after the run has finished, so a
    cancelled or crashed run leaves nothing behind. The schema carries a version: a store
    written by another version is moved aside rather than misread.
    """

    SCHEMA_VERSION = 1

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else config.store_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        if tables and version != self.SCHEMA_VERSION:
            self.path.rename(self.path.with_suffix(f".v{version}.sqlite"))
        with closing(self._connect()) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS runs ("
                " key TEXT PRIMARY KEY, kind TEXT, dataset TEXT, model TEXT, seed INTEGER,"
                " spec TEXT, metrics TEXT, history TEXT, tables TEXT, created REAL)")
            db.execute(f"PRAGMA user_version = {self.SCHEMA_VERSION}")

    def _connect(self) -> sqlite3.Connection:
        # A fresh connection per call: the store is shared by the page's worker thread and
        # the script thread, and sqlite3 connections must not cross threads.
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def get(self, spec: RunSpec) -> RunResult | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT spec, metrics, history, tables FROM runs WHERE key = ?",
                             (spec.key,)).fetchone()
        return _from_row(row) if row else None

    def put(self, result: RunResult) -> None:
        s = result.spec
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (s.key, s.kind, s.dataset, s.model, s.seed, json.dumps(s.to_dict()),
                 json.dumps(result.metrics), json.dumps(result.history),
                 json.dumps(result.tables), time.time()))

    def results(self, kind: str | None = None) -> list[RunResult]:
        query, args = "SELECT spec, metrics, history, tables FROM runs", ()
        if kind:
            query, args = query + " WHERE kind = ?", (kind,)
        with closing(self._connect()) as db:
            rows = db.execute(query + " ORDER BY created", args).fetchall()
        return [_from_row(r) for r in rows]

    def __len__(self) -> int:
        with closing(self._connect()) as db:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]


def _from_row(row) -> RunResult:
    spec, metrics, history, tables = (json.loads(x) for x in row)
    return RunResult(RunSpec.from_dict(spec), metrics, history, tables, cached=True)


# ---- tidy frames: the only input the charts and the CSV export take ----

_ID_COLUMNS = ["kind", "dataset", "model", "seed"]


def _ids(result: RunResult) -> dict:
    s = result.spec
    return {"key": s.key, "kind": s.kind, "dataset": s.dataset, "model": s.model, "seed": s.seed}


def runs_frame(results: Iterable[RunResult]) -> pd.DataFrame:
    """One row per run: identity, hyperparameters, final metrics."""
    rows = [{**_ids(r), **r.spec.params, **r.metrics, "cached": r.cached} for r in results]
    return pd.DataFrame(rows)


def history_frame(results: Iterable[RunResult]) -> pd.DataFrame:
    """One row per (run, epoch or step)."""
    rows = [{**_ids(r), **r.spec.params, **h} for r in results for h in r.history]
    return pd.DataFrame(rows)


def table_frame(results: Iterable[RunResult], name: str) -> pd.DataFrame:
    """One row per (run, row of the named table), e.g. ``length`` for length generalisation."""
    rows = [{**_ids(r), **r.spec.params, **row} for r in results for row in r.tables.get(name, [])]
    return pd.DataFrame(rows)


def summary_frame(runs: pd.DataFrame, metrics: list[str], by: list[str] | None = None) -> pd.DataFrame:
    """Mean and standard deviation of each metric per group (default: dataset x model)."""
    by = by or ["dataset", "model"]
    present = [m for m in metrics if m in runs.columns]
    grouped = runs.groupby(by, sort=False)[present]
    out = grouped.agg(["mean", "std"])
    out.columns = [f"{m}_{stat}" for m, stat in out.columns]
    out["runs"] = grouped.size()
    return out.reset_index()
