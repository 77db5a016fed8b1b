"""Where things live on disk: the dataset cache, the offline mirror and the run store."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Dataset cache and run store root: ``$GNNCORE_DATA`` or ``data/`` in the project."""
    return Path(os.environ.get("GNNCORE_DATA") or PROJECT_ROOT / "data")


def mirror_dir() -> Path | None:
    """Offline mirror of raw dataset files in PyG's layout (``$GNNCORE_MIRROR``), if set."""
    mirror = os.environ.get("GNNCORE_MIRROR")
    return Path(mirror) if mirror else None


def store_path() -> Path:
    """The SQLite run store: ``$GNNCORE_STORE`` or ``runs.sqlite`` in the data directory."""
    return Path(os.environ.get("GNNCORE_STORE") or data_dir() / "runs.sqlite")
