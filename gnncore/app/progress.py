"""The progress panel of a running :class:`~gnncore.app.jobs.Job`: a bar naming the run,
how many runs have finished, and a Stop button.

The bar is an ``st.fragment`` that reruns on a timer, so only the bar redraws while the job
trains. It triggers a full rerun of the page when new runs have finished (so the table and
the charts grow as results come in) and when the job ends.

What it costs, measured with the app and a headless Chromium on the same 2-core machine:
the browser's redrawing, not the server, is what slows training down. A fragment holding
the bar, a button and a caption, redrawn every 0.5 s, took ~12% of a core in the browser
and doubled the time per epoch; the bar alone took ~4%. Redrawing the charts costs more
still, hence at most one full redraw every ``redraw_every`` seconds while training.
"""

from __future__ import annotations

import time

import streamlit as st

from gnncore.app.jobs import Job
from gnncore.charts.theme import display_name


def progress_text(job: Job, unit: str = "epoch", noun: str = "run") -> str:
    """``GCN · seed 2 · epoch 140/200 · run 7 of 20 (6 finished, 41 s)``."""
    p = job.progress
    elapsed = time.time() - (job.started or time.time())
    if job.stopping:
        return f"Stopping after this {unit}; the {job.finished_count} finished {noun}s are kept…"
    if p is None:
        first = job.specs[0].dataset if job.specs else "the data"
        return f"Loading {first} and building the first model… ({elapsed:.0f} s)"
    spec = p.spec
    where = f"{display_name(spec.model)} · seed {spec.seed}"
    if "fold" in spec.params:
        where += f" · fold {spec.params['fold']}"
    return (f"{where} · {unit} {p.step}/{p.total} · {noun} {p.run_index + 1} of {p.run_count} "
            f"({job.finished_count} finished, {elapsed:.0f} s)")


def progress_panel(job: Job, shown: int, unit: str = "epoch", noun: str = "run", every: float = 1.0,
                   redraw_every: float = 10.0) -> None:
    """Draw the panel for ``job``; ``shown`` is how many finished runs the page has drawn."""
    ss = st.session_state
    ss["_progress_drawn"] = (shown, time.monotonic())

    @st.fragment(run_every=every)
    def bar() -> None:
        drawn, drawn_at = ss.get("_progress_drawn", (0, 0.0))
        if not job.running:
            st.rerun()  # the whole page, so the final table and charts are drawn
        if job.finished_count > drawn and time.monotonic() - drawn_at >= redraw_every:
            st.rerun()
        st.progress(job.progress.fraction if job.progress else 0.0, text=progress_text(job, unit, noun))

    bar()
    # Outside the fragment, which redraws only the bar: a click reruns the page, which is
    # what should happen anyway once the job stops.
    st.button("Stop", key=f"stop:{job.key}", on_click=job.stop, disabled=job.stopping,
              icon=":material/stop_circle:", help=f"Stop after the current {unit}. Every {noun} "
              "finished so far is kept, here and in the run store.")
