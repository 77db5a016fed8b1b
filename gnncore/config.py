"""Where things live on disk (the dataset cache, the offline mirror, the run store) and how
many training processes run: read from the environment, checked here once.

A setting that cannot be used raises :class:`ConfigError`, one sentence naming the variable,
what is wrong and what to do; it is a :class:`~gnncore.spec.SpecError`, so the pages and the
CLI show it as they show any other bad input.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gnncore.spec import SpecError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(SpecError):
    """An environment variable (``GNNCORE_*``) that names something unusable; one sentence."""


def data_dir() -> Path:
    """Dataset cache and run store root: ``$GNNCORE_DATA`` or ``data/`` in the project,
    created if missing; a ConfigError where it is not a folder that can be written."""
    named = os.environ.get("GNNCORE_DATA")
    path = Path(named).expanduser() if named else PROJECT_ROOT / "data"
    where = f"GNNCORE_DATA names {path}" if named else f"The data folder {path}"
    fix = "set GNNCORE_DATA to a folder you can write to"
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{where}, which is a file, not a folder; {fix}.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"{where}, which cannot be created ({_reason(e)}); {fix}.") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"{where}, which cannot be written; {fix}.")
    return path


def mirror_dir() -> Path | None:
    """Offline mirror of raw dataset files in PyG's layout (``$GNNCORE_MIRROR``), if set.
    Not checked here: a wrong mirror matters only for a dataset the cache lacks, and
    :func:`gnncore.gnn.data.mirror.unavailable` says so then."""
    mirror = os.environ.get("GNNCORE_MIRROR")
    return Path(mirror).expanduser() if mirror else None


def store_path() -> Path:
    """The SQLite run store: ``$GNNCORE_STORE`` or ``runs.sqlite`` in the data directory,
    checked by :func:`usable_store`."""
    named = os.environ.get("GNNCORE_STORE")
    if not named:
        return usable_store(data_dir() / "runs.sqlite")
    return usable_store(Path(named).expanduser(), "GNNCORE_STORE")


def usable_store(path: Path, variable: str | None = None) -> Path:
    """``path`` if a run store can live there: a regular file or nothing yet, in a folder that
    exists or can be made. Anything else (a folder, a device) is refused, never moved aside,
    since it is not a store the project made. ``variable`` names where the path came from."""
    where = f"{variable} names {path}" if variable else f"The run store {path}"
    fix = f"set {variable or 'GNNCORE_STORE'} to a file, such as {path / 'runs.sqlite'}" if path.is_dir() else \
        f"set {variable or 'GNNCORE_STORE'} to a file in a folder you can write to"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        blocker = next(p for p in path.parents if p.exists())
        raise ConfigError(f"{where}, but {blocker} is a file, not a folder; {fix}.") from None
    except OSError as e:
        raise ConfigError(f"{where}, which cannot be read ({_reason(e)}); {fix}.") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise ConfigError(f"{where}, which is a folder, not a file; {fix}.")
    if mode is not None and not stat.S_ISREG(mode):
        raise ConfigError(f"{where}, which is not a regular file; {fix}.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"{where}, whose folder cannot be created ({_reason(e)}); {fix}.") from None
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ConfigError(f"{where}, whose folder cannot be written; {fix}.")
    return path


def workers() -> int | None:
    """``$GNNCORE_WORKERS``: training processes side by side, or None where it is unset."""
    value = os.environ.get("GNNCORE_WORKERS", "").strip()
    if not value:
        return None
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise ConfigError(f"GNNCORE_WORKERS must be a whole number of training processes, 1 or more "
                          f"(such as 2), not '{value}'; set it so or unset it.")
    return count


def _reason(e: OSError) -> str:
    """``Permission denied``, not ``[Errno 13] Permission denied: '/x'``: the path is said already."""
    return e.strerror or type(e).__name__
