"""Every test runs offline against a private run store; datasets come from the mirror.

The dataset cache is shared by the whole session (PyG processes each dataset once), the
run store is fresh for every test so no test reads another's results. Training runs in
the test process (GNNCORE_WORKERS=1): spawning worker processes costs seconds, more than
the tiny runs of a test; tests/test_parallel.py covers the worker processes.
"""

from pathlib import Path

import pytest
from mirror import MIRROR


@pytest.fixture(scope="session")
def dataset_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gnncore-data")


@pytest.fixture(autouse=True)
def offline_env(monkeypatch, tmp_path, dataset_cache):
    monkeypatch.setenv("GNNCORE_DATA", str(dataset_cache))
    monkeypatch.setenv("GNNCORE_STORE", str(tmp_path / "runs.sqlite"))
    monkeypatch.setenv("GNNCORE_MIRROR", str(MIRROR))
    monkeypatch.setenv("GNNCORE_OFFLINE", "1")
    monkeypatch.setenv("GNNCORE_WORKERS", "1")
