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
}
# The metric whose mean +- std the summary prints, per task.
HEADLINE = {"node": ["test_accuracy"]}


def register(sub) -> None:
    p = sub.add_parser("gnn", help="train GNNs and the MLP baseline on a graph dataset",
                       description="Train GNNs over several seeds; prints mean +- std per model.")
    p.add_argument("--task", default="node", choices=sorted(COLUMNS), help="prediction level (default node)")
    p.add_argument("--dataset", required=True, help="dataset name as PyG spells it, e.g. Cora")
    p.add_argument("--models", default="gcn,sage,gat,mlp", help="comma-separated: gcn,sage,gat,mlp")
    p.add_argument("--seeds", type=int, default=10, help="number of seeds, 0..N-1 (default 10)")
    p.add_argument("--out", help="CSV file for one row per (model, seed)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--hidden", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--dropout", type=float)
    p.add_argument("--patience", type=int, help="early stopping after N epochs without progress; 0 = off")
    p.add_argument("--no-cache", action="store_true", help="train again even if the run store has the result")
    p.set_defaults(func=run)


def specs_from_args(args) -> list[RunSpec]:
    if args.seeds < 1:
        raise common.UsageError(f"--seeds must be at least 1; got {args.seeds}.")
    models = common.csv_list(args.models)
    if not models:
        raise common.UsageError("--models is empty; give a comma-separated list such as gcn,gat.")
    hparams = dict(epochs=args.epochs, hidden=args.hidden, lr=args.lr, weight_decay=args.weight_decay,
                   dropout=args.dropout, patience=args.patience)
    return [RunSpec.make(args.task, args.dataset, m, seed, **hparams)
            for m in models for seed in range(args.seeds)]


def run(args) -> int:
    results = common.execute(specs_from_args(args), use_cache=not args.no_cache)
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
    for model, group in frame.groupby("model", sort=False):
        cells = []
        for m in metrics:
            values = group[m].astype(float) * 100
            cells.append(f"{m} {values.mean():5.1f} +- {values.std():4.1f}")
        extra = f"{group['ms_per_epoch'].mean():6.1f} ms/epoch" if "ms_per_epoch" in group else ""
        lines.append(f"  {model:<5} " + "  ".join(cells) + f"  {extra}  ({len(group)} runs)")
    return "\n".join(lines)
