"""What every subcommand shares: argument errors as one line, atomic CSV output, progress."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

from gnncore.gnn.datasets import DatasetUnavailable
from gnncore.runs import RunStore, default_workers, resolve, run_all
from gnncore.spec import Progress, RunResult, RunSpec, SpecError


class UsageError(Exception):
    """Bad input from the command line; main prints it as one line and exits 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit itself
        raise UsageError(f"{message} (see {self.prog} --help)")


def csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def add_workers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=None,
                        help="training processes run side by side (default $GNNCORE_WORKERS, "
                             "else one per core up to 2); results do not depend on it")


def execute(specs: list[RunSpec], use_cache: bool, quiet: bool = False,
            workers: int | None = None) -> list[RunResult]:
    """Run the specs with a one-line progress report; bad input becomes a UsageError.
    Results come back in the order of ``specs``, however many workers trained them."""
    last = [""]

    quiet = quiet or not sys.stderr.isatty()

    def show(p: Progress) -> None:
        if quiet:
            return
        line = p.message
        if line != last[0] and (p.step == p.total or p.step % 20 == 0):
            print(f"\r{line:<90}", end="", file=sys.stderr, flush=True)
            last[0] = line

    try:
        specs = [resolve(s) for s in specs]  # validate before the store file is created
        if workers is not None and workers < 1:
            raise SpecError(f"--workers must be at least 1; got {workers}.")
        order = {s.key: i for i, s in enumerate(specs)}
        results = sorted(run_all(specs, store=RunStore(), on_progress=show, use_cache=use_cache,
                                 workers=workers or default_workers()),
                         key=lambda r: order[r.spec.key])
    except (SpecError, DatasetUnavailable) as e:
        raise UsageError(str(e)) from None
    if not quiet:
        print("\r" + " " * 90 + "\r", end="", file=sys.stderr)
    return results


def write_csv(frame: pd.DataFrame, path: str) -> None:
    """Write next to the target and rename, so an interrupted run never leaves half a file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="") as f:
            frame.to_csv(f, index=False)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
