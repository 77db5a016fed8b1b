"""Run specs in, stored results and tidy frames out: the middle of the product's data path::

    front end -> grid(...) -> resolved RunSpecs -> engine.train -> RunResult
              -> RunStore (SQLite) -> tidy DataFrames -> charts, CSV

One idea per module: :mod:`~gnncore.runs.engines` (the engine registry and protocol,
resolving specs, every front end's spec list), :mod:`~gnncore.runs.published` (published
results), :mod:`~gnncore.runs.store` (the run store, the only code that speaks SQL),
:mod:`~gnncore.runs.training` (runs grouped into jobs, and how a job trains, for every
executor), :mod:`~gnncore.runs.local` (:func:`run_all` and the local worker processes),
:mod:`~gnncore.runs.ray` (the Ray executor, optional) and :mod:`~gnncore.runs.frames`
(tidy frames). No module is named after a function it holds, so ``gnncore.runs.jobs`` and
``gnncore.runs.references`` stay the functions below.
"""

from gnncore.runs.engines import ENGINES, engine, facts, folds_of, grid, kinds, metric, models, resolve
from gnncore.runs.frames import history_frame, mean_std, runs_frame, table_frame
from gnncore.runs.training import jobs
from gnncore.runs.local import EXECUTORS, default_workers, run_all
from gnncore.runs.published import REFERENCES_PATH, references
from gnncore.runs.store import RunStore

__all__ = [
    "ENGINES", "engine", "facts", "folds_of", "grid", "kinds", "metric", "models", "resolve",
    "REFERENCES_PATH", "references",
    "RunStore",
    "EXECUTORS", "default_workers", "jobs", "run_all",
    "history_frame", "mean_std", "runs_frame", "table_frame",
]
