"""Run specs in, stored results and tidy frames out; the engine registry and the protocol.

The data path of the whole product passes through here::

    front end -> grid(...) -> resolved RunSpecs -> engine.train -> RunResult
              -> RunStore (SQLite) -> tidy DataFrames -> charts, CSV

**The engine protocol.** Each engine is a module named in :data:`ENGINES` with

* ``FACTS``: a :class:`gnncore.protocol.Facts`, everything a front end needs to know (title,
  datasets or sequence tasks, models, metrics, curves, what picks the reported epoch,
  default models, seeds and folds, CSV columns, settings);
* ``defaults(spec) -> dict``: hyperparameters to fill in where the spec is silent;
* ``validate(spec) -> None``: raise :class:`~gnncore.spec.SpecError` with one sentence;
* ``train(spec, on_progress, should_stop) -> RunResult``: train a resolved spec.

A spec is resolved (defaults, then validation) once, by :func:`resolve`, which marks it;
:func:`grid` builds and resolves every front end's spec list, and :func:`run_all` resolves
only what is not resolved yet. A new engine is one module and one line in ``ENGINES``.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sqlite3
import time
from contextlib import closing, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterable, Iterator, Sequence

import pandas as pd

from gnncore import config
from gnncore.protocol import Entry, Facts, Metric, metric_table
from gnncore.spec import Cancelled, Progress, ProgressFn, RunResult, RunSpec, SpecError, StopFn, one_thread

ENGINES = {
    "node": "gnncore.gnn.tasks.node",
    "link": "gnncore.gnn.tasks.link",
    "graph": "gnncore.gnn.tasks.graph",
    "posenc": "gnncore.posenc.train",
}
REFERENCES_PATH = config.PROJECT_ROOT / "data" / "reference_results.csv"


def engine(kind: str) -> ModuleType:
    if kind not in ENGINES:
        raise SpecError(f"Unknown run kind '{kind}'; choose one of {', '.join(ENGINES)}.")
    return importlib.import_module(ENGINES[kind])


def facts(kind: str) -> Facts:
    return engine(kind).FACTS


def kinds(command: str | None = None) -> list[str]:
    """The run kinds, or those of one CLI subcommand (``gnn``: node, link, graph)."""
    return [k for k in ENGINES if command is None or facts(k).command[0] == command]


def models() -> dict[str, Entry]:
    """Every engine's models (architectures and encodings) by name, in reading order: each
    engine's own order kept, a model only one engine has placed before the next one they
    share (GIN, a graph model only, before the MLP baseline)."""
    order: list[str] = []
    entries: dict[str, Entry] = {}
    for kind in ENGINES:
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
    return metric_table(facts(kind) for kind in ENGINES)


def resolve(spec: RunSpec) -> RunSpec:
    """Fill in the engine's documented defaults, then validate; the result is what gets hashed."""
    if spec.resolved:
        return spec
    mod = engine(spec.kind)
    # One spelling per dataset, whatever the user typed, so "cora" finds Cora's stored runs.
    dataset = next((d for d in mod.FACTS.datasets if d.lower() == str(spec.dataset).lower()), spec.dataset)
    spec = RunSpec(spec.kind, dataset, spec.model, spec.seed, spec.hparams)
    filled = {**mod.defaults(spec), **spec.params}
    resolved = RunSpec.make(spec.kind, spec.dataset, spec.model, spec.seed, **filled)
    mod.validate(resolved)
    return resolved.as_resolved()


def grid(kind: str, dataset: str, models: Sequence[str], seeds: int | Sequence[int],
         folds: int = 0, per_model: dict[str, dict] | None = None, **settings) -> list[RunSpec]:
    """The resolved spec list of a comparison, for every front end: models x seeds (x folds).

    ``seeds`` is a count (seeds 0..N-1) or a list; ``folds`` > 0 runs every fold of a
    cross-validation once per model and seed. ``settings`` apply to every model,
    ``per_model[model]`` to one. Order: model, then seed, then fold. Raises SpecError with
    one sentence on bad input, before anything trains.
    """
    f = facts(kind)
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


def references(kind: str | None = None, dataset: str | None = None) -> pd.DataFrame:
    """Published results (columns task, dataset, model, metric, mean, std, source; fractions),
    from ``data/reference_results.csv``; ``dataset`` matches in any case."""
    frame = pd.read_csv(REFERENCES_PATH)
    if kind is not None:
        frame = frame[frame["task"] == kind]
    if dataset is not None:
        frame = frame[frame["dataset"].str.lower() == str(dataset).lower()]
    return frame.reset_index(drop=True)


EXECUTORS = ("local", "ray")  # where runs train: worker processes here, or tasks on a Ray cluster


def run_all(specs: Iterable[RunSpec], store: "RunStore | None" = None, on_progress: ProgressFn = None,
            should_stop: StopFn = None, use_cache: bool = True, workers: int = 1,
            executor: str = "local", ray_address: str | None = None) -> Iterator[RunResult]:
    """Run specs, yielding each result as it finishes.

    ``executor`` ``ray`` sends every run not in the store to a Ray cluster as one task
    (:mod:`gnncore.ray_executor`; ``ray_address`` names the cluster, none starts a local
    instance of ``workers`` CPUs); the results come back here, and only this process writes
    the store.

    Every spec not yet resolved is resolved before the first one trains, so bad input
    stores nothing. Results already in the store are yielded first (``cached=True``). With
    ``workers`` > 1 the runs are spread over that many worker processes (see
    :func:`_run_parallel`); results are the same as with one, since every run seeds itself
    and trains on one torch thread (see :func:`one_thread`). Results written to ``store``
    come back without their artifacts: read those with :meth:`RunStore.artifact`.
    A run stopped through ``should_stop`` raises :class:`~gnncore.spec.Cancelled`; the ones
    finished before it are already stored.
    """
    if executor not in EXECUTORS:
        raise SpecError(f"Unknown executor '{executor}'; choose one of {', '.join(EXECUTORS)}.")
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
        from gnncore.ray_executor import run_on_ray  # Ray is optional: imported only when asked for

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


def _train(spec: RunSpec, report: ProgressFn, should_stop: StopFn) -> RunResult:
    """One run, on one torch thread (see :func:`~gnncore.spec.one_thread`), wherever it runs."""
    with one_thread():
        return engine(spec.kind).train(spec, on_progress=report, should_stop=should_stop)


def jobs(todo: list[tuple[int, RunSpec]], workers: int = 1) -> list[list[tuple[int, RunSpec]]]:
    """``todo`` as jobs: the seeds of one run together where its engine trains them as one
    batch (``together``), every other run alone.

    A batch takes at most the engine's ``per_batch`` seeds, and with several workers its
    share of them (10 seeds, 2 workers: two batches of 5): a batch's cost per seed hardly
    falls past a few seeds, while one whole batch per model left a worker idle for as long
    as the slowest model's batch trained.
    """
    groups: dict = {}
    order: list = []
    for i, spec in todo:
        eng = engine(spec.kind)
        key = eng.together(spec) if hasattr(eng, "together") else None
        if key is None:
            order.append([(i, spec)])
            continue
        if key not in groups:
            groups[key] = []
            order.append(groups[key])
        groups[key].append((i, spec))
    out: list[list[tuple[int, RunSpec]]] = []
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


def _train_job(job: list[tuple[int, RunSpec]], report: Callable[[int, Progress], None],
               should_stop: StopFn) -> list[RunResult]:
    """One job of :func:`jobs` on one torch thread; ``report(index, progress)`` per run."""
    if len(job) == 1:
        i, spec = job[0]
        return [_train(spec, lambda p: report(i, p), should_stop)]
    index = {spec.key: i for i, spec in job}
    specs = [spec for _, spec in job]
    with one_thread():
        return engine(specs[0].kind).train_together(specs, on_progress=lambda p: report(index[p.spec.key], p),
                                                    should_stop=should_stop)


def _run_serial(todo, count, on_progress, should_stop) -> Iterator[RunResult]:
    def report(i: int, p: Progress) -> None:
        if on_progress:
            on_progress(Progress(p.spec, p.step, p.total, p.metrics, i, count))

    for job in jobs(todo):
        yield from _train_job(job, report, should_stop)


def default_workers() -> int:
    """Training processes for the page and the CLI: ``$GNNCORE_WORKERS``, else one per core
    up to 2 (these models are too small for two threads to share one model's work well)."""
    value = os.environ.get("GNNCORE_WORKERS")
    if value:
        return max(1, int(value))
    return max(1, min(2, os.cpu_count() or 1))


# ---- worker processes ----
# Written with the standard library's ProcessPoolExecutor; what it does not do (progress
# from inside a run, a stop that reaches a run in flight) is below. Workers that load the same
# dataset take turns writing its cache (gnncore.gnn.data.datasets._cache_lock).

_worker_queue = None
_worker_stop = None


def _init_worker(queue, stop, parent: int) -> None:
    global _worker_queue, _worker_stop
    _worker_queue, _worker_stop = queue, stop
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
        os._exit(1)

    threading.Thread(target=watch, name="gnncore-parent-watch", daemon=True).start()


def _train_in_worker(job: list[tuple[int, RunSpec]]) -> list[RunResult]:
    def report(index: int, p: Progress) -> None:
        _worker_queue.put((index, p.step, p.total, p.metrics))

    return _train_job(job, report, _worker_stop.is_set)


@contextmanager
def _plain_main() -> Iterator[None]:
    """Start spawned workers without the caller's ``__main__``.

    A spawned process imports its parent's main module again; under ``streamlit run`` that
    is the page script, so every worker drew the page in bare mode (hundreds of "missing
    ScriptRunContext" lines in the server log, and seconds of start-up). The workers need
    nothing from it: they import what they run by name.
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


class RunStore:
    """Finished runs in one SQLite file, keyed by the spec's hash.

    One row per run, written in a single transaction after the run has finished, so a
    cancelled or crashed run leaves nothing behind. The file is checked when opened: one
    SQLite cannot read (not a database, truncated) or written by another schema version is
    moved aside, never deleted, and a new one started; ``notice`` then says where the old
    one went. Moving aside rather than refusing keeps the tool working while the user's
    data stays on disk for them to inspect.
    """

    SCHEMA_VERSION = 1

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else config.store_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.notice: str | None = None
        try:
            problem = self._check()
        except sqlite3.DatabaseError as e:
            problem = f"SQLite cannot read it ({e})"
        if problem:
            self.notice = self._move_aside(problem)
        with closing(self._connect()) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS runs ("
                " key TEXT PRIMARY KEY, kind TEXT, dataset TEXT, model TEXT, seed INTEGER,"
                " spec TEXT, metrics TEXT, history TEXT, tables TEXT, created REAL)")
            # Artifacts (weights, snapshots) apart from the numbers: listing runs never reads them.
            db.execute(
                "CREATE TABLE IF NOT EXISTS artifacts ("
                " key TEXT, name TEXT, data BLOB, PRIMARY KEY (key, name))")
            # The user's tags and notes on runs (gnncore.history). Added without a new schema
            # version: a store from before simply gains the empty tables, and keeps its runs.
            db.execute("CREATE TABLE IF NOT EXISTS tags (key TEXT, tag TEXT, PRIMARY KEY (key, tag))")
            db.execute("CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, note TEXT, updated REAL)")
            db.execute(f"PRAGMA user_version = {self.SCHEMA_VERSION}")

    def _check(self) -> str | None:
        """What is wrong with the file, or None. Checked once per file and process, since the
        page opens the store on every rerun and our own writes only grow a sound store; a
        file put in its place (another inode) or cut shorter is checked again."""
        if not self.path.exists():
            return None
        stat = self.path.stat()
        seen = _CHECKED.get(str(self.path.resolve()))
        if seen is not None and seen[0] == stat.st_ino and stat.st_size >= seen[1]:
            return None
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                return "it is damaged (SQLite's integrity check failed)"
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        if tables and version != self.SCHEMA_VERSION:
            return f"it was written by another version of gnncore (schema {version}, this one reads {self.SCHEMA_VERSION})"
        self._seen()
        return None

    def _move_aside(self, problem: str) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.stem}.unreadable-{stamp}{self.path.suffix}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.stem}.unreadable-{stamp}-{n}{self.path.suffix}")
        self.path.rename(aside)
        for extra in ("-wal", "-shm"):  # SQLite's side files belong with the old store
            side = self.path.with_name(self.path.name + extra)
            if side.exists():
                side.rename(aside.with_name(aside.name + extra))
        return (f"The run store {self.path} could not be used: {problem}. It was moved to {aside} "
                "(nothing was deleted) and a new, empty run store started; earlier runs train again "
                "when asked for.")

    def _connect(self) -> sqlite3.Connection:
        # A fresh connection per call: the store is shared by the page's worker thread and
        # the script thread, and sqlite3 connections must not cross threads.
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def get(self, spec: RunSpec) -> RunResult | None:
        """The stored run, without its artifacts; None where it is missing or lacks one of
        the artifacts its engine keeps (stored by an earlier version)."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT spec, metrics, history, tables FROM runs WHERE key = ?",
                             (spec.key,)).fetchone()
            kept = {name for (name,) in db.execute("SELECT name FROM artifacts WHERE key = ?", (spec.key,))}
        keeps = facts(spec.kind).keeps if spec.kind in ENGINES else ()
        if row is None or not set(keeps) <= kept:
            return None
        return _from_row(row)

    def artifact(self, spec: RunSpec, name: str) -> bytes | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT data FROM artifacts WHERE key = ? AND name = ?",
                             (spec.key, name)).fetchone()
        return bytes(row[0]) if row else None

    def put(self, result: RunResult) -> None:
        """Store a run and its artifacts in one transaction."""
        s = result.spec
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (s.key, s.kind, s.dataset, s.model, s.seed, json.dumps(s.to_dict()),
                 json.dumps(result.metrics), json.dumps(result.history),
                 json.dumps(result.tables), time.time()))
            db.execute("DELETE FROM artifacts WHERE key = ?", (s.key,))
            db.executemany("INSERT INTO artifacts VALUES (?, ?, ?)",
                           [(s.key, name, sqlite3.Binary(data)) for name, data in result.artifacts.items()])
        self._seen()

    def _seen(self) -> None:
        """Remember the file as sound at its present size: one cut shorter is checked again."""
        stat = self.path.stat()
        _CHECKED[str(self.path.resolve())] = (stat.st_ino, stat.st_size)

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

    def by_keys(self, keys: Iterable[str]) -> list[RunResult]:
        """The stored runs with these keys (without artifacts), in the order given."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, RunResult] = {}
        with closing(self._connect()) as db:
            for i in range(0, len(keys), 500):  # SQLite's limit on bound parameters
                chunk = keys[i:i + 500]
                marks = ",".join("?" * len(chunk))
                for key, *row in db.execute(
                        f"SELECT key, spec, metrics, history, tables FROM runs WHERE key IN ({marks})", chunk):
                    found[key] = _from_row(row)
        return [found[k] for k in keys if k in found]

    def delete(self, keys: Iterable[str]) -> int:
        """Delete runs with their artifacts, tags and notes in one transaction; how many went.
        The file is then compacted (VACUUM), so the space is given back to the disk."""
        keys = list(dict.fromkeys(keys))
        deleted = 0
        with closing(self._connect()) as db:
            with db:
                for i in range(0, len(keys), 500):
                    chunk = keys[i:i + 500]
                    marks = ",".join("?" * len(chunk))
                    deleted += db.execute(f"DELETE FROM runs WHERE key IN ({marks})", chunk).rowcount
                    for table in ("artifacts", "tags", "notes"):
                        db.execute(f"DELETE FROM {table} WHERE key IN ({marks})", chunk)
            if deleted:
                db.execute("VACUUM")
        self._seen()  # smaller now, and sound
        return deleted

    def delete_where(self, dataset: str | None = None, kind: str | None = None) -> int:
        """Delete every run on ``dataset`` (any case) and/or of ``kind``; how many went."""
        where, args = [], []
        if dataset is not None:
            where.append("LOWER(dataset) = LOWER(?)")
            args.append(dataset)
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if not where:
            raise ValueError("delete_where needs a dataset or a kind")
        with closing(self._connect()) as db:
            keys = [k for (k,) in db.execute(f"SELECT key FROM runs WHERE {' AND '.join(where)}", args)]
        return self.delete(keys) if keys else 0

    def size_bytes(self) -> int:
        """The store's size on disk, SQLite's side files included."""
        return sum(p.stat().st_size for p in (self.path, self.path.with_name(self.path.name + "-wal"))
                   if p.exists())


_CHECKED: dict[str, tuple[int, int]] = {}  # run store found sound in this process: (inode, size)


def _from_row(row) -> RunResult:
    spec, metrics, history, tables = (json.loads(x) for x in row)
    return RunResult(RunSpec.from_dict(spec), metrics, history, tables, cached=True)


# ---- tidy frames: the only input the charts and the CSV export take ----

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


def mean_std(frame: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Columns ``by + [mean, std, lower, upper, runs]``: the one aggregation over seeds (or
    folds) that the pages, the charts and the CLI share.

    The standard deviation is pandas' sample one (ddof=1), 0 for a single run; ``runs``
    counts the values that exist, and a group with none keeps a row with NaN mean, so a line
    drawn through it breaks there instead of dropping to zero. None becomes NaN.
    """
    data = frame.assign(**{value: pd.to_numeric(frame[value], errors="coerce").astype(float)})
    grouped = data.groupby(by, sort=False, dropna=False)[value]
    out = grouped.agg(["mean", "std", "count"]).reset_index().rename(columns={"count": "runs"})
    out["std"] = out["std"].where(out["runs"] > 1, 0.0)
    out["lower"] = out["mean"] - out["std"]
    out["upper"] = out["mean"] + out["std"]
    return out
