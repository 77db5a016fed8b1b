"""``python -m gnncore gnn``: node classification, link prediction, graph classification.

Every flag, default and CSV column comes from the engines' facts (``gnncore.runs.facts``).
"""

from __future__ import annotations

import pandas as pd

from gnncore.charts.theme import is_fraction, order
from gnncore.cli import common
from gnncore.pairs import COLUMNS as PAIR_COLUMNS
from gnncore.pairs import paired_differences, verdict
from gnncore.runs import facts, kinds, runs_frame

COMMAND = "gnn"


def register(sub) -> None:
    tasks = kinds(COMMAND)
    every = [facts(k) for k in tasks]
    models = list(dict.fromkeys(m for f in every for m in f.models))
    p = sub.add_parser(COMMAND, help="train GNNs and the MLP baseline on a graph dataset",
                       description="Train GNNs over several seeds; prints mean +- std per model. "
                                   "Unset options take each paper's settings.")
    p.add_argument("--task", default=tasks[0], choices=tasks,
                   help="; ".join(f"{k}: {f.title.lower()} ({', '.join(f.datasets)})"
                                  for k, f in zip(tasks, every)) + f"; default {tasks[0]}")
    p.add_argument("--dataset", required=True, help="dataset name as PyG spells it, e.g. Cora")
    p.add_argument("--models", type=common.csv_list,
                   help=f"comma-separated, from {','.join(models)} (not every task has each); "
                        + "; ".join(f"default for {k}: {','.join(f.default_models)}" for k, f in zip(tasks, every)))
    p.add_argument("--seeds", type=int, help="number of seeds, 0..N-1 (default: "
                   + ", ".join(f"{f.seeds} for {k}" for k, f in zip(tasks, every))
                   + "; for graph every fold is run, so N seeds give models x folds x N runs)")
    p.add_argument("--folds", type=int, help="stratified cross-validation folds, all of them run (tasks "
                   + ", ".join(f"{k}: default {f.folds}" for k, f in zip(tasks, every) if f.folds) + ")")
    p.add_argument("--out", help="CSV file with one row per run (model, seed, and fold where there are folds)")
    p.add_argument("--pairs-out", help="CSV file with the paired difference of the headline metric for every "
                                       "pair of models (a minus b, over the same seeds and splits): "
                                       + ",".join(PAIR_COLUMNS))
    settings = common.add_settings(p, every)
    p.add_argument("--no-cache", action="store_true", help="train again even if the run store has the result")
    common.add_workers(p)
    p.set_defaults(func=run, settings=settings)


def specs_from_args(args) -> list:
    f = facts(args.task)
    given = common.settings_from_args(args, args.settings, f)
    if args.folds is not None and not f.folds:
        raise common.UsageError(f"--folds does not apply to {' '.join(f.command)}.")
    models = list(f.default_models) if args.models is None else args.models
    seeds = f.seeds if args.seeds is None else args.seeds
    folds = f.folds if args.folds is None else args.folds
    return common.grid(args.task, args.dataset, models, seeds, folds, **given)


def run(args) -> int:
    f = facts(args.task)
    specs = specs_from_args(args)
    common.check_out(args.out)
    common.check_out(args.pairs_out, "--pairs-out")
    results = common.execute(specs, use_cache=not args.no_cache, workers=args.workers)
    frame = runs_frame(results)
    frame["task"] = frame["kind"]
    pairs = paired_differences(frame, f.metrics[0], order(frame["model"]))
    if args.out:
        common.write_csv(frame[[c for c in f.columns if c in frame]], args.out)
    if args.pairs_out:
        common.write_csv(pairs[PAIR_COLUMNS], args.pairs_out, "--pairs-out")
    print(summary_text(frame, list(f.metrics)))
    unit = "fold" if f.folds else "seed"
    for _, row in pairs.iterrows():
        print("  " + verdict(row, fraction=is_fraction(f.metrics[0]), unit=unit))
    for path in (args.out, args.pairs_out):
        if path:
            print(f"wrote {len(frame) if path == args.out else len(pairs)} rows to {path}")
    return 0


def summary_text(frame: pd.DataFrame, metrics: list[str]) -> str:
    """A heading, then ``model  metric mean +- std (n runs)`` lines, in percent for fractions."""
    heading = f"{frame['dataset'].iloc[0]} ({frame['task'].iloc[0]}), {common.plural(frame['seed'].nunique(), 'seed')}"
    if "fold" in frame:  # graph classification: the spread is over folds (and seeds)
        heading += f" x {frame['fold'].nunique()} folds, mean +- std over folds"
    return "\n".join([heading, *common.summary_lines(frame, "model", metrics)])
