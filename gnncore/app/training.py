"""One page request: the resolved specs, what the run store already has, and its job.

A page hands its sidebar's :class:`~gnncore.app.choice.Choice` to :func:`open_request`,
which builds and resolves the specs (once: :func:`gnncore.runs.grid`). Bad input (a
:class:`~gnncore.spec.SpecError`) comes back as ``request.error``, one sentence for
``st.error``. Runs already in the run store are shown at once; :func:`train_controls`
offers to train only the missing ones, in a background job (see :mod:`gnncore.app.jobs`).

The URL remembers the request being trained (``?run=<key>``), so a browser refresh finds
the same job again, and :func:`restore_from_url` puts the sidebar back as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import streamlit as st

from gnncore.app import jobs
from gnncore.app.choice import Choice
from gnncore.app.jobs import Job
from gnncore.app.progress import progress_panel
from gnncore.runs import RunStore
from gnncore.spec import DatasetUnavailable, RunResult, RunSpec, SpecError

URL_PARAM = "run"


@dataclass
class Request:
    specs: list[RunSpec]                      # resolved: what is trained and stored
    store: RunStore | None = None
    key: str = ""
    job: Job | None = None
    stored: dict[str, RunResult] = field(default_factory=dict)
    error: str | None = None

    @property
    def results(self) -> list[RunResult]:
        """Finished runs in spec order: the job's where there is one, else the store's."""
        found = dict(self.stored)
        if self.job is not None:
            found.update((r.spec.key, r) for r in self.job.results)
        return [found[s.key] for s in self.specs if s.key in found]

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running


def open_request(choice: Choice, store: RunStore | None = None) -> Request:
    """Build the choice's resolved specs, read what the store has, find a job for them."""
    try:
        resolved = choice.specs()
    except (SpecError, DatasetUnavailable) as e:
        return Request([], error=str(e))
    store = store or RunStore()
    if store.notice:  # shown for the rest of the session: it happens once per damaged file
        st.session_state["_store_notice"] = store.notice
    if st.session_state.get("_store_notice"):
        st.warning(st.session_state["_store_notice"], icon=":material/warning:")
    key = jobs.request_key(resolved, store)
    stored = {}
    for spec in resolved:
        hit = store.get(spec)
        if hit is not None:
            stored[spec.key] = hit
    job = jobs.registry().get(key)
    if job is not None and not job.running and st.query_params.get(URL_PARAM) != key:
        job = None  # another tab's finished job: its runs are in the store, its messages are not ours
    return Request(resolved, store, key, job, stored)


def start(request: Request) -> Job:
    """Train the request's runs in a background job (stored runs are read back, not retrained)."""
    request.job = jobs.registry().start(request.specs, request.store)
    st.query_params[URL_PARAM] = request.key
    return request.job


def active_job() -> Job | None:
    """The job this browser tab started last (named in its URL), if the server still has it."""
    key = st.query_params.get(URL_PARAM)
    return jobs.registry().get(key) if key else None


def restore_from_url(restore: Callable[[list[RunSpec]], None]) -> None:
    """On a tab's first run, set the sidebar to the request its URL names (after a refresh)."""
    ss = st.session_state
    if ss.get("_url_restored"):
        return
    ss["_url_restored"] = True
    job = active_job()
    if job is not None:
        restore(job.specs)


def train_controls(request: Request, noun: str = "run", unit: str = "epoch",
                   results: Callable[[], None] | None = None, results_every: float = 5.0,
                   key: str = "train") -> bool:
    """What the request's training looks like: the progress panel while its job runs, else
    how the last job ended (one sentence) and the Train button for the runs still missing.

    ``results``, if given, draws the results so far. While the job runs it is called inside
    the progress panel, which refreshes it without redrawing the page (see
    :mod:`gnncore.app.progress`). Returns True when it did so: the page must not draw them too.
    ``results_every``: seconds between redraws of the results while training (every redraw
    takes CPU from the training, in the server and in the browser). ``key``: the Train
    button's widget key, unique per section where a page trains in two places.
    """
    job, other = request.job, active_job()
    if request.running:
        progress_panel(job, unit=unit, noun=noun, results=results, results_every=results_every)
        return results is not None
    if job is not None and job.state == jobs.FAILED:
        st.error(job.error)
    elif job is not None and job.state == jobs.STOPPED:
        st.info(f"Stopped after {job.finished_count} of {job.total} {noun}s: the finished ones "
                "are kept, here and in the run store.", icon=":material/stop_circle:")

    busy = other is not None and other.running and other.key != request.key
    done, total = len(request.results), len(request.specs)
    if done == total:
        if job is not None and job.state == jobs.DONE and job.ended:
            trained = sum(not r.cached for r in job.results)
            st.success(f"Done: {trained} {noun}s trained in {_seconds(job.ended - job.started)}"
                       + (f", {total - trained} read from the run store." if trained < total else "."),
                       icon=":material/check_circle:")
        else:
            st.success(f"All {total} {noun}s were trained before: shown from the run store, "
                       "no training needed.", icon=":material/database:")
    else:
        label = f"Train {total} {noun}s" if done == 0 else f"Train the {total - done} missing {noun}s"
        # Not an on_click callback: a callback would get the request of the previous run, and
        # a value typed into the sidebar just before the click arrives with the click.
        if st.button(label, type="primary", key=key, disabled=busy, icon=":material/play_arrow:",
                     help="Another training from this tab is still running; stop it first." if busy
                     else "Trains in the background: the page stays usable while it runs."):
            start(request)
            st.rerun()
        if done and job is None:
            st.caption(f"{done} of {total} {noun}s are already in the run store and shown below.")
    if busy:
        st.info(f"Still training an earlier selection ({other.finished_count} of {other.total} "
                f"{noun}s done); its results are kept. Stop it to train this one.")
        progress_panel(other, unit=unit, noun=noun)
    return False


def _seconds(t: float) -> str:
    return f"{t:.1f} s" if t < 10 else f"{t:.0f} s"
