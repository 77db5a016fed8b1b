"""Fixtures shared by the page tests: fresh Streamlit caches and job registry per test, and
``pages``, which opens a page in AppTest and reruns it while its background job trains.

The parent conftest already runs every test offline (``GNNCORE_OFFLINE=1``) against a private
run store, with the dataset cache shared by the session and the mirror from
``$GNNCORE_MIRROR`` or ``../shared/datasets``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # seconds for one script run; training itself happens off the script thread


def open_page(path: str, query: dict | None = None) -> AppTest:
    """An AppTest of a script under the project root (``pages/1_GNN_Arena.py``), run once;
    ``query`` are URL parameters, as after a browser refresh."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def job_of(at: AppTest):
    """The job the page's URL names (the one its Train button started), if any."""
    from gnncore.app import jobs

    key = at.query_params.get("run")
    key = key[0] if isinstance(key, list) else key
    return jobs.registry().get(key) if key else None


def run_until_idle(at: AppTest, deadline: float = 60.0, until=None) -> AppTest:
    """Rerun the page until no job is training (or until ``until(at)`` holds)."""
    end = time.monotonic() + deadline
    while True:
        at.run()
        job = job_of(at)
        if until is not None and until(at):
            return at
        if until is None and (job is None or not job.running):
            return at.run()  # the page as drawn after the job ended
        if time.monotonic() > end:
            raise AssertionError(f"training did not finish within {deadline} s")
        time.sleep(0.2)


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


class Pages:
    """The helpers above, handed to tests as the ``pages`` fixture."""

    open = staticmethod(open_page)
    run_until_idle = staticmethod(run_until_idle)
    job_of = staticmethod(job_of)
    texts = staticmethod(texts)
    no_exceptions = staticmethod(no_exceptions)


def _reset_streamlit() -> None:
    from gnncore.app import jobs

    jobs.registry().stop_all()  # a job left running would train into the next test
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def fresh_streamlit():
    _reset_streamlit()
    yield
    _reset_streamlit()


@pytest.fixture
def pages() -> Pages:
    return Pages()
