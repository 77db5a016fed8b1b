"""What every subcommand shares: argument errors as one line, output files checked once,
atomic CSV output, progress.

Nothing here imports torch, PyG or pandas at module level: ``--help`` builds on this module
alone (:func:`gnncore.cli.build_parser`); what needs them imports it where it is used.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from gnncore.protocol import Facts, Metric, Setting
from gnncore.spec import DatasetUnavailable, Progress, RunResult, RunSpec, SpecError

if TYPE_CHECKING:
    import pandas as pd


def prog() -> str:
    """How the user called us: ``gnncore`` as the installed command, else ``python -m gnncore``."""
    return "gnncore" if Path(sys.argv[0]).stem == "gnncore" else "python -m gnncore"


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


def add_executor(parser: argparse.ArgumentParser) -> None:
    """``--executor`` and ``--ray-address``: where the runs train (see gnncore.runs.run_all)."""
    from gnncore.runs import EXECUTORS

    parser.add_argument("--executor", choices=list(EXECUTORS), default="local",
                        help="local: worker processes on this machine (default); ray: one Ray task per "
                             "run, on the cluster at --ray-address or a local Ray instance (needs "
                             "pip install -r requirements-ray.txt); results are the same")
    parser.add_argument("--ray-address", help="a running Ray cluster, such as 10.0.0.5:6379 (from `ray start "
                                              "--head`) or ray://10.0.0.5:10001; only with --executor ray")


def add_device(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu",
                        help="where the runs train: cpu (default), cuda, or auto (a GPU when "
                             "torch sees one); a run's result is stored per device")


def device_setting(args: argparse.Namespace, facts: Facts) -> dict:
    """``{"device": "cuda"}`` where the runs go to a GPU; nothing for the CPU, so that a CPU
    run keeps the key it always had."""
    import torch

    wanted = getattr(args, "device", "cpu")
    if wanted == "auto":
        wanted = "cuda" if torch.cuda.is_available() and facts.setting("device") else "cpu"
    if wanted == "cpu":
        return {}
    if facts.setting("device") is None:
        raise UsageError(f"--device {wanted} applies to the GNN tasks only; "
                         f"{' '.join(facts.command)} trains on the CPU.")
    return {"device": wanted}


def add_settings(parser: argparse.ArgumentParser, facts: Iterable[Facts],
                 default: Callable[[Setting], str] = lambda s: "each model's paper setting") -> list[Setting]:
    """A flag for every setting with ``cli`` set, once, from the engines' own declarations;
    unset flags leave the engine's default (``default`` says what it is, for --help)."""
    added: dict[str, Setting] = {}
    for f in facts:
        for setting in f.settings:
            if setting.cli and setting.name not in added:
                added[setting.name] = setting
                kind = {"type": setting.type} if setting.choices is None else {"choices": list(setting.choices)}
                if setting.type is bool:  # a switch: given, it is on; absent, the spec leaves it unset
                    kind = {"action": "store_true", "default": None}
                elif list(setting.choices or ()) == ["off", "on"]:  # a switch: the flag alone turns it on
                    kind.update(nargs="?", const="on")
                only = f" Only for {', '.join(setting.datasets)}." if setting.datasets else ""
                parser.add_argument(setting.flag, dest=setting.name, **kind,
                                    help=f"{setting.help} Must be {setting.wanted}; default: "
                                         f"{default(setting)}.{only}".replace("%", "%%"))  # argparse formats help
    return list(added.values())


def infer_task(args: argparse.Namespace, command: str | None = None) -> str:
    """``--task`` as given; unset, the first task (of ``command``) that offers ``--dataset``
    (NeighborsMatch: graph), else the first task. Sets ``args.task`` and returns it."""
    from gnncore.runs import facts, kinds

    if args.task is None:
        tasks = kinds(command)
        wanted = str(getattr(args, "dataset", None) or "").lower()
        args.task = next((k for k in tasks if wanted in {d.lower() for d in facts(k).datasets}), tasks[0])
    return args.task


def settings_from_args(args: argparse.Namespace, settings: list[Setting], facts: Facts) -> dict:
    """The settings given on the command line; one that the chosen engine lacks is an error."""
    given = {s.name: getattr(args, s.name) for s in settings if getattr(args, s.name, None) is not None}
    for name in given:
        if facts.setting(name) is None:
            flag = next(s.flag for s in settings if s.name == name)
            raise UsageError(f"{flag} does not apply to {' '.join(facts.command)}.")
    return given


def execute(specs: list[RunSpec], use_cache: bool, quiet: bool = False,
            workers: int | None = None, executor: str = "local",
            ray_address: str | None = None) -> list[RunResult]:
    """Run resolved specs with a one-line progress report; bad input becomes a UsageError.
    Results come back in the order of ``specs``, however many workers trained them, and
    wherever (``executor``, ``ray_address``: see :func:`gnncore.runs.run_all`)."""
    last = [""]

    quiet = quiet or not sys.stderr.isatty()

    def show(p: Progress) -> None:
        if quiet:
            return
        line = p.message
        if line != last[0] and (p.step == p.total or p.step % 20 == 0):
            print(f"\r{line:<90}", end="", file=sys.stderr, flush=True)
            last[0] = line

    from gnncore.runs import RunStore, default_workers, run_all
    from gnncore.runs import ray as ray_executor

    try:
        if workers is not None and workers < 1:
            raise SpecError(f"--workers must be at least 1; got {workers}.")
        if ray_address and executor != "ray":
            raise SpecError("--ray-address goes with --executor ray.")
        order = {s.key: i for i, s in enumerate(specs)}
        store = RunStore()
        if store.notice:
            print(f"note: {store.notice}", file=sys.stderr)
        with ray_executor.session() if executor == "ray" else nullcontext():
            results = sorted(run_all(specs, store=store, on_progress=show, use_cache=use_cache,
                                     workers=workers or default_workers(), executor=executor,
                                     ray_address=ray_address),
                             key=lambda r: order[r.spec.key])
    except (SpecError, DatasetUnavailable) as e:
        raise UsageError(str(e)) from None
    if not quiet:
        print("\r" + " " * 90 + "\r", end="", file=sys.stderr)
    print(f"note: {stored_text(results)}", file=sys.stderr)  # stdout stays the results alone
    diverged = [r for r in results if r.metrics.get("diverged_epoch")]
    if diverged:
        which = ", ".join(f"{r.spec.model} seed {r.spec.seed}" + "".join(
            f" {k}={v}" for k, v in sorted(r.spec.params.items()) if k in ("layers", "lr")) +
            f" at epoch {r.metrics['diverged_epoch']}" for r in diverged[:5])
        more = f" and {len(diverged) - 5} more" if len(diverged) > 5 else ""
        print(f"note: {len(diverged)} run(s) diverged (the loss became NaN), so they stopped and report "
              f"their best epoch before it: {which}{more}.", file=sys.stderr)
    return results


def stored_text(results: list[RunResult]) -> str:
    """Which runs were read back and which trained: ``3 of 40 runs from the run store; 37 trained.``"""
    stored = sum(r.cached for r in results)
    if not stored:
        return f"{plural(len(results), 'run')} trained."
    if stored == len(results):
        return f"{'the run' if stored == 1 else f'all {stored} runs'} from the run store; none trained."
    return f"{stored} of {len(results)} runs from the run store; {len(results) - stored} trained."


def grid(kind: str, dataset: str, models: list[str], seeds: int, folds: int = 0, **settings) -> list[RunSpec]:
    """:func:`gnncore.runs.grid`, its one-sentence errors as UsageError."""
    from gnncore import runs

    try:
        return runs.grid(kind, dataset, models, seeds, folds, **settings)
    except (SpecError, DatasetUnavailable) as e:
        raise UsageError(str(e)) from None


def add_output(parser: argparse.ArgumentParser, flag: str, **kwargs) -> None:
    """An output file flag; :func:`check_outputs` checks every one a subcommand has, together."""
    parser.add_argument(flag, **kwargs)
    parser.set_defaults(outputs=[*(parser.get_default("outputs") or []), flag])


def check_outputs(args: argparse.Namespace) -> None:
    """Before anything trains, for every subcommand: each output flag given names a file that
    can be written, and no two name the same file (the second would overwrite the first)."""
    given = [(flag, getattr(args, flag.lstrip("-").replace("-", "_"))) for flag in getattr(args, "outputs", [])]
    given = [(flag, str(path)) for flag, path in given if path is not None]
    seen: dict[Path, str] = {}
    for flag, path in given:
        where = Path(path).expanduser().resolve()
        if where in seen:
            raise UsageError(f"{seen[where]} and {flag} both name {path}; give each output its own file, "
                             "or the second would overwrite the first.")
        seen[where] = flag
    for flag, path in given:
        check_out(path, flag)


def check_out(path: str | None, flag: str = "--out") -> None:
    """Can a file be written at ``path``? One sentence if not. Leaves no trace: a missing
    folder is made only when the file is written (gnncore.export.save)."""
    if path is None:
        return
    target = Path(path).expanduser()
    if target.is_dir():
        raise UsageError(f"{flag} {path} is a directory; give a file name, such as {target / 'results.csv'}.")
    if target.exists() and not target.is_file():
        raise UsageError(f"{flag} {path} is not a regular file; give a file name, such as results.csv.")
    folder = next((p for p in (target.parent, *target.parent.parents) if p.exists()), Path("."))
    if not folder.is_dir():
        raise UsageError(f"{flag} {path} cannot be written: {folder} is a file, not a folder.")
    try:  # a probe, not os.access: root passes access() where the file system still refuses
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise UsageError(f"{flag} {path} cannot be written ({e.strerror or e}); choose a file in a "
                         "folder you can write to.") from None


def write_csv(frame: pd.DataFrame, path: str, flag: str = "--out") -> None:
    """Write atomically (gnncore.export.save): an interrupted run never leaves half a file."""
    from gnncore import export

    try:
        export.save(path, export.frame_csv(frame))
    except OSError as e:
        raise UsageError(f"{flag} {path} could not be written ({e.strerror or e}); the runs are in "
                         "the run store, so the same command writes it without training again.") from None


def summary_lines(frame: pd.DataFrame, by: str, metrics: list[Metric], costs: list[Metric] = ()) -> list[str]:
    """``name  metric mean +- std (n runs)`` per group, fractions in percent, then the
    ``costs`` that have a place in the line (:attr:`gnncore.protocol.Metric.brief`)."""
    from gnncore.charts.stats import pm
    from gnncore.runs import mean_std

    lines = []
    for name, group in frame.groupby(by, sort=False):
        cells = []
        for m in metrics:
            row = mean_std(group, [by], m.name).iloc[0]
            cells.append(f"{m.name} {pm(row['mean'], row['std'], row['runs'], m.scale, sep=' +- '):>12}")
        extra = ", ".join(m.brief.format(group[m.name].agg(m.pooled)) for m in costs
                          if m.brief and m.name in group and group[m.name].notna().any())
        lines.append(f"  {name:<6} " + "  ".join(cells) + f"  {extra}  ({plural(len(group), 'run')})")
    return lines


def plural(n: int, noun: str) -> str:
    """``1 seed``, ``10 seeds``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
