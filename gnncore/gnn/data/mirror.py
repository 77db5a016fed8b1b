"""Where a dataset's raw files come from, offline included.

Files come, in this order, from the cache (``$GNNCORE_DATA``, default ``data/``), from an
offline mirror folder in PyG's layout (``$GNNCORE_MIRROR``, copied into the cache, never
written to), or from PyG's own download. ``$GNNCORE_OFFLINE=1`` forbids the download.
"""

from __future__ import annotations

import os
import shutil
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from gnncore import config
from gnncore.gnn.data.entry import DatasetInfo
from gnncore.spec import DatasetUnavailable

__all__ = ["cache_lock", "ensure_raw", "file_state", "missing", "size_text", "unavailable"]


def missing(d: DatasetInfo, root: Path) -> list[str]:
    """The dataset's raw files that are not under ``root``."""
    raw = root / d.raw_subdir
    return [f for f in d.raw_files if not (raw / f).exists()]


def file_state(d: DatasetInfo) -> str:
    """``cached``, ``in offline mirror``, ``downloads on first use (N MB)``, or ``not
    available offline`` where ``$GNNCORE_OFFLINE`` forbids that download (as
    :func:`ensure_raw` would): the one answer the CLI's list and the pages show."""
    if not missing(d, config.data_dir()):
        return "cached"
    mirror = config.mirror_dir()
    if mirror and not missing(d, mirror):
        return "in offline mirror"
    if os.environ.get("GNNCORE_OFFLINE"):
        return "not available offline"
    return f"downloads on first use ({size_text(d.download_mb)})"


def ensure_raw(d: DatasetInfo) -> Path:
    """Make the raw files present in the cache; returns the PyG root for the family."""
    cache = config.data_dir()
    lacking = missing(d, cache)
    mirror = config.mirror_dir()
    if lacking and mirror and not missing(d, mirror):
        target = cache / d.raw_subdir
        target.mkdir(parents=True, exist_ok=True)
        for f in lacking:
            (target / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(mirror / d.raw_subdir / f, target / f)
            os.chmod(target / f, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
        lacking = []
    if lacking and os.environ.get("GNNCORE_OFFLINE"):
        raise unavailable(d, lacking, cache)
    return cache / d.family


def unavailable(d: DatasetInfo, lacking: list[str], cache: Path) -> DatasetUnavailable:
    """One sentence: which files, where expected, how to get them; a mirror that is not there
    is named first, since a typo in GNNCORE_MIRROR is the likeliest cause offline."""
    mirror = config.mirror_dir()
    if mirror is not None and not mirror.is_dir():
        where = "is a file, not a folder" if mirror.exists() else "does not exist"
        fix = f"set GNNCORE_MIRROR to the mirror folder (one holding {d.raw_subdir}/)"
    elif mirror is not None:
        where, fix = "", f"copy them into {mirror / d.raw_subdir} or set GNNCORE_MIRROR to a folder holding them"
    else:
        where, fix = "", f"copy them there, set GNNCORE_MIRROR to a folder holding {d.raw_subdir}/"
    named = f"the mirror folder {mirror} named by GNNCORE_MIRROR {where}, and " if where else ""
    return DatasetUnavailable(
        f"{d.title} is not available: {named}{', '.join(lacking)} missing from {cache / d.raw_subdir}; "
        f"{fix}, or go online so they download ({size_text(d.download_mb)}).")


def size_text(mb: float) -> str:
    """0.6 MB, 8.6 MB, 12 MB, 220 MB, 1.3 GB: as many digits as the figure has."""
    return f"{mb / 1000:.1f} GB" if mb >= 1000 else f"{mb:.0f} MB" if mb >= 10 else f"{mb:.1f} MB"


@contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """An exclusive lock on one dataset's cache, across processes (``flock`` on a file in
    the cache). Written here because PyG does not lock its ``processed/`` files. Where
    ``fcntl`` does not exist (Windows) it does nothing."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    path = config.data_dir() / ".locks" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
