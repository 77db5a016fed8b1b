"""``python -m gnncore gnn``: node classification, link prediction, graph classification."""

from __future__ import annotations

import pandas as pd

from gnncore.cli import common
from gnncore.runs import runs_frame
from gnncore.spec import RunSpec

# The --out columns per task, in order (the issue tracker fixes them).
COLUMNS = {
    "node": ["dataset", "task", "model", "seed", "test_accuracy", "val_accuracy", "best_epoch",
             "epochs_run", "ms_per_epoch", "params"],
    "link": ["dataset", "task", "model", "seed", "test_auc", "test_ap", "val_auc", "best_epoch",
             "epochs_run", "ms_per_epoch", "params"],
    "graph": ["dataset", "task", "model", "fold", "seed", "test_accuracy", "val_accuracy", "best_epoch",
              "epochs_run", "ms_per_epoch", "params"],
}
# The metric whose mean +- std the summary prints, per task.
HEADLINE = {"node": ["test_accuracy"], "link": ["test_auc", "test_ap"], "graph": ["test_accuracy"]}
# What --models and --seeds mean when not given: graph classification runs every fold, and
# the folds give the spread, so one seed per fold.
DEFAULT_MODELS = {"node": "gcn,sage,gat,mlp", "link": "gcn,sage,gat,mlp", "graph": "gcn,sage,gat,gin,mlp"}
DEFAULT_SEEDS = {"node": 10, "link": 10, "graph": 1}


def register(sub) -> None:
    p = sub.add_parser("gnn", help="train GNNs and the MLP baseline on a graph dataset",
                       description="Train GNNs over several seeds; prints mean +- std per model.")
    p.add_argument("--task", default="node", choices=sorted(COLUMNS),
                   help="prediction level: node classification, link prediction (Cora, CiteSeer, PubMed, "
                        "CSBM) or graph classification (MUTAG, PROTEINS, ENZYMES, IMDB-BINARY); default node")
    p.add_argument("--dataset", required=True, help="dataset name as PyG spells it, e.g. Cora")
    p.add_argument("--models", help="comma-separated: gcn,sage,gat,mlp (graph adds gin); default all of them")
    p.add_argument("--seeds", type=int,
                   help="number of seeds, 0..N-1 (default 10; for --task graph default 1: every fold is "
                        "run, so N seeds give models x folds x N runs)")
    p.add_argument("--folds", type=int,
                   help="graph only: stratified cross-validation folds, all of them run (default 10)")
    p.add_argument("--readout", choices=["mean", "sum", "max"],
                   help="graph only: how node embeddings pool into a graph's (default sum for "
                        "gin and the mlp baseline, as their papers do; mean for the others)")
    p.add_argument("--out", help="CSV file for one row per (model, seed), per fold too for --task graph")
    p.add_argument("--epochs", type=int)
    p.add_argument("--hidden", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--dropout", type=float)
    p.add_argument("--patience", type=int, help="early stopping after N epochs without progress; 0 = off")
    p.add_argument("--no-cache", action="store_true", help="train again even if the run store has the result")
    common.add_workers(p)
    p.set_defaults(func=run)


def specs_from_args(args) -> list[RunSpec]:
    seeds = DEFAULT_SEEDS[args.task] if args.seeds is None else args.seeds
    if seeds < 1:
        raise common.UsageError(f"--seeds must be at least 1; got {seeds}.")
    models = common.csv_list(DEFAULT_MODELS[args.task] if args.models is None else args.models)
    if not models:
        raise common.UsageError("--models is empty; give a comma-separated list such as gcn,gat.")
    hparams = dict(epochs=args.epochs, hidden=args.hidden, lr=args.lr, weight_decay=args.weight_decay,
                   dropout=args.dropout, patience=args.patience)
    if args.task != "graph":
        if args.folds is not None or args.readout is not None:
            raise common.UsageError("--folds and --readout apply to --task graph only.")
        return [RunSpec.make(args.task, args.dataset, m, seed, **hparams)
                for m in models for seed in range(seeds)]
    folds = 10 if args.folds is None else args.folds
    if folds < 2:
        raise common.UsageError(f"--folds must be at least 2; got {folds}.")
    return [RunSpec.make("graph", args.dataset, m, seed, fold=k, folds=folds, readout=args.readout, **hparams)
            for m in models for seed in range(seeds) for k in range(folds)]


def run(args) -> int:
    results = common.execute(specs_from_args(args), use_cache=not args.no_cache, workers=args.workers)
    frame = runs_frame(results)
    frame["task"] = frame["kind"]
    if args.out:
        common.write_csv(frame[[c for c in COLUMNS[args.task] if c in frame]], args.out)
    print(summary_text(frame, HEADLINE[args.task]))
    if args.out:
        print(f"wrote {len(frame)} rows to {args.out}")
    return 0


def summary_text(frame: pd.DataFrame, metrics: list[str]) -> str:
    """``model  metric mean +- std (n runs)`` lines, in percent for fractions."""
    lines = [f"{frame['dataset'].iloc[0]} ({frame['task'].iloc[0]}), {frame['seed'].nunique()} seeds"]
    if "fold" in frame:  # graph classification: the spread is over folds (and seeds)
        lines[0] += f" x {frame['fold'].nunique()} folds, mean +- std over folds"
    for model, group in frame.groupby("model", sort=False):
        cells = []
        for m in metrics:
            values = group[m].astype(float) * 100
            cells.append(f"{m} {values.mean():5.1f} +- {values.std():4.1f}")
        extra = f"{group['ms_per_epoch'].mean():6.1f} ms/epoch" if "ms_per_epoch" in group else ""
        lines.append(f"  {model:<5} " + "  ".join(cells) + f"  {extra}  ({len(group)} runs)")
    return "\n".join(lines)
