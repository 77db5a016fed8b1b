"""The progress panel of a running :class:`~gnncore.app.jobs.Job`: a bar naming the run,
how many runs have finished, a Stop button, and optionally the results so far.

The panel is an ``st.fragment`` that reruns on a timer, so the sidebar and the rest of the
page stay as they are while the job trains (every CPU second the page spends is taken from
training; docs/decisions.md has the measurements); when the job ends it reruns the whole page.
"""

from __future__ import annotations

import time
from typing import Callable

import streamlit as st

from gnncore.app.jobs import Job
from gnncore.charts.theme import display_name


def progress_text(job: Job, unit: str = "epoch", noun: str = "run") -> str:
    """``GCN · seed 2 · epoch 140/200 · run 7 of 20``."""
    p = job.progress
    if job.stopping:
        return f"Stopping after this {unit}; the {job.finished_count} finished {noun}s are kept…"
    if p is None:
        first = job.specs[0].dataset if job.specs else "the data"
        return f"Loading {first} and building the first model…"
    spec = p.spec
    where = f"{display_name(spec.model)} · seed {spec.seed}"
    if "fold" in spec.params:
        where += f" · fold {spec.params['fold']}"
    return f"{where} · {unit} {p.step}/{p.total} · {noun} {p.run_index + 1} of {p.run_count}"


def progress_panel(job: Job, unit: str = "epoch", noun: str = "run", every: float = 2.0,
                   results: Callable[[], None] | None = None, results_every: float = 5.0) -> None:
    """Draw the panel for ``job``, refreshed every ``every`` seconds until the job ends, and
    below it ``results()`` (the results so far), refreshed every ``results_every`` seconds.

    Without ``results``, the whole page is redrawn when runs have finished, at most every
    ``results_every`` seconds, for a page that draws its results itself.
    """
    drawn, drawn_at = job.finished_count, time.monotonic()

    @st.fragment(run_every=every)
    def panel() -> None:
        if not job.running:
            st.rerun()  # the whole page, so it shows how the job ended
        if (results is None and job.finished_count > drawn
                and time.monotonic() - drawn_at >= results_every):
            st.rerun()
        st.progress(job.progress.fraction if job.progress else 0.0, text=progress_text(job, unit, noun))
        row = st.container(horizontal=True, vertical_alignment="center", gap="medium")
        row.button("Stop", key=f"stop:{job.key}", on_click=job.stop, disabled=job.stopping,
                   icon=":material/stop_circle:", help=f"Stop after the current {unit}. Every "
                   f"{noun} finished so far is kept, here and in the run store.")
        elapsed = time.time() - (job.started or time.time())
        row.caption(f"{job.finished_count} of {job.total} {noun}s finished · {elapsed:.0f} s")

    # A second fragment on a slower clock: drawing the results costs far more than the bar.
    @st.fragment(run_every=results_every)
    def results_so_far() -> None:
        results()

    panel()
    if results is not None:
        results_so_far()
