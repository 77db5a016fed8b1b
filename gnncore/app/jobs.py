"""Training off the script thread: a background job per request, found again after a refresh.

A Streamlit script reruns from the top whenever a widget changes, and a browser refresh
starts a new session. Training inside the script would die on either, so a :class:`Job`
runs :func:`gnncore.runs.run_all` in a daemon thread and the page only reads its state.
Jobs live in one process-wide registry keyed by the request (the store plus the hash of
the resolved specs), so a rerun or a refreshed page asking for the same runs re-attaches
to the same job. Each finished run is also in the SQLite run store the moment it ends.

:class:`Job` and :class:`JobRegistry` are plain Python and know nothing of the page; only
:func:`registry` touches Streamlit (to share one registry across sessions).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import threading
import time
from typing import Callable, Iterable, Sequence

import streamlit as st

from gnncore.runs import RunStore, default_workers, run_all
from gnncore.spec import Cancelled, DatasetUnavailable, Progress, RunResult, RunSpec, SpecError

log = logging.getLogger(__name__)

RUNNING, DONE, STOPPED, FAILED = "running", "done", "stopped", "failed"


Runner = Callable[..., Iterable[RunResult]]


def request_key(specs: Sequence[RunSpec], store: RunStore | None = None) -> str:
    """The same runs against the same store give the same key, in any order."""
    text = "|".join(sorted(s.key for s in specs))
    if store is not None:
        text = f"{store.path}|{text}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Job:
    """One request's runs, trained in a daemon thread (which hands them to worker processes).

    Reading is lock-free for the page: ``results`` only grows, and ``progress``,
    ``state`` and ``error`` are replaced whole. ``stop()`` asks the engine to stop at its
    next epoch; the runs finished before that are kept (here and in the store).
    """

    def __init__(self, specs: Sequence[RunSpec], store: RunStore | None = None,
                 runner: Runner = run_all, workers: int | None = None):
        self.specs = list(specs)
        self.store = store
        self.key = request_key(self.specs, store)
        self.state = RUNNING
        self.error: str | None = None
        self.progress: Progress | None = None
        self.started = self.ended = None
        self._results: list[RunResult] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._runner = runner
        self._workers = workers or default_workers()
        self._thread = threading.Thread(target=self._work, name=f"gnncore-job-{self.key}", daemon=True)

    # -- control --

    def start(self) -> "Job":
        self.started = time.time()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (for tests and the command line); True if it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- reading --

    @property
    def results(self) -> list[RunResult]:
        with self._lock:
            return list(self._results)

    @property
    def finished_count(self) -> int:
        return len(self._results)

    @property
    def total(self) -> int:
        return len(self.specs)

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def stopping(self) -> bool:
        return self.running and self._stop.is_set()

    # -- the worker thread --

    def _work(self) -> None:
        try:
            for result in self._runner(self.specs, self.store, on_progress=self._report,
                                       should_stop=self._stop.is_set, workers=self._workers):
                with self._lock:
                    self._results.append(result)
            self.state = DONE
        except Cancelled:
            self.state = STOPPED
        except (SpecError, DatasetUnavailable) as e:
            self.error, self.state = str(e), FAILED
        except Exception as e:  # noqa: BLE001 - the page shows a sentence, the log the details
            log.exception("training job %s failed", self.key)
            where = self.progress.spec.label if self.progress else "the first run"
            self.error = (f"Training stopped with an unexpected error in {where} "
                          f"({type(e).__name__}: {e}); the finished runs are kept and the "
                          f"details are in the server log.")
            self.state = FAILED
        finally:
            self.ended = time.time()

    def _report(self, progress: Progress) -> None:
        self.progress = progress


class JobRegistry:
    """Jobs by request key, shared by every session of the server process."""

    def __init__(self, keep: int = 32):
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def get(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def start(self, specs: Sequence[RunSpec], store: RunStore | None = None, **job_args) -> Job:
        """The running job for this request if there is one, else a new one, started."""
        key = request_key(specs, store)
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.running:
                return job
            job = Job(specs, store, **job_args)
            self._jobs[key] = job
            self._prune()
            return job.start()

    def stop_all(self, wait: float = 10.0) -> None:
        """Stop every running job and wait up to ``wait`` seconds for each to end."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.stop()
        for job in jobs:
            job.wait(wait)

    def _prune(self) -> None:
        ended = [k for k, j in self._jobs.items() if not j.running]
        for k in ended[: max(0, len(self._jobs) - self._keep)]:
            del self._jobs[k]


@st.cache_resource(show_spinner=False)
def registry() -> JobRegistry:
    """The one registry of this server process (so a refreshed page finds its job). When the
    server exits normally its jobs are stopped first, so their worker processes end with it."""
    jobs = JobRegistry()
    atexit.register(jobs.stop_all, 5.0)
    return jobs
