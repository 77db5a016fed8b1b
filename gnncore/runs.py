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
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from types import ModuleType
from typing import Iterable, Iterator

import pandas as pd

from gnncore import config
from gnncore.spec import Progress, ProgressFn, RunResult, RunSpec, SpecError, StopFn

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
            should_stop: StopFn = None, use_cache: bool = True) -> Iterator[RunResult]:
    """Run specs one after another, yielding each result as it finishes.

    Every spec is resolved and validated before the first one trains, so bad input stores
    nothing. Results already in the store are yielded at once (``cached=True``). A run
    stopped through ``should_stop`` raises :class:`~gnncore.spec.Cancelled`; the ones
    finished before it are already stored.
    """
    resolved = [resolve(s) for s in specs]
    for i, spec in enumerate(resolved):
        if use_cache and store is not None:
            hit = store.get(spec)
            if hit is not None:
                if on_progress:
                    on_progress(Progress(spec, 1, 1, {}, i, len(resolved)))
                yield hit
                continue

        def report(p: Progress, i: int = i) -> None:
            if on_progress:
                on_progress(Progress(p.spec, p.step, p.total, p.metrics, i, len(resolved)))

        result = engine(spec.kind).train(spec, on_progress=report, should_stop=should_stop)
        if store is not None:
            store.put(result)
        yield result


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
