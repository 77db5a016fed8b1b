"""``python -m gnncore posenc``: train toy transformers that differ only in their positional
encoding on short inputs, test them on longer ones, print the summary, write the table.

    python -m gnncore posenc --task copy --encodings sinusoidal,learned,t5,alibi,rope,nope \\
        --train-length 16 --test-length 48 --seeds 3 --out results.csv
"""

from __future__ import annotations

import argparse

import pandas as pd

from gnncore.cli import common
from gnncore.posenc.encodings import ENCODINGS
from gnncore.posenc.tasks import TASKS
from gnncore.runs import table_frame
from gnncore.spec import RunResult, RunSpec

CSV_COLUMNS = ["task", "encoding", "seed", "length", "in_distribution", "token_accuracy", "exact_match"]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "posenc", help="positional encodings: train short, test long",
        description="Train one small transformer per encoding and seed, then score it at every "
                    "input length up to --test-length. Unset options take the engine's defaults.")
    p.add_argument("--task", default="copy", help=f"one of {', '.join(TASKS)} (default copy)")
    p.add_argument("--encodings", type=common.csv_list, default=list(ENCODINGS),
                   help=f"comma-separated, from {','.join(ENCODINGS)} (default all)")
    p.add_argument("--train-length", type=int, help="longest training input (default 16)")
    p.add_argument("--test-length", type=int, help="longest test input (default 48)")
    p.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1 per encoding (default 1)")
    p.add_argument("--out", help="CSV with one row per (encoding, seed, length)")
    p.add_argument("--steps", type=int, help="training steps")
    p.add_argument("--d-model", type=int, help="model width")
    p.add_argument("--layers", type=int, help="transformer blocks")
    p.add_argument("--heads", type=int, help="attention heads (must divide --d-model)")
    p.add_argument("--lr", type=float, help="peak learning rate")
    p.add_argument("--batch-size", type=int, help="examples per step")
    p.add_argument("--no-cache", action="store_true", help="train again even if stored")
    common.add_workers(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.seeds < 1:
        raise common.UsageError(f"--seeds must be at least 1, not {args.seeds}.")
    if not args.encodings:
        raise common.UsageError(f"--encodings is empty; choose from {', '.join(ENCODINGS)}.")
    hparams = {"train_length": args.train_length, "test_length": args.test_length,
               "steps": args.steps, "d_model": args.d_model, "layers": args.layers,
               "heads": args.heads, "lr": args.lr, "batch_size": args.batch_size}
    specs = [RunSpec.make("posenc", args.task, encoding, seed, **hparams)
             for encoding in args.encodings for seed in range(args.seeds)]
    results = common.execute(specs, use_cache=not args.no_cache, workers=args.workers)
    frame = length_frame(results)
    if args.out:
        common.write_csv(frame, args.out)
    print(summary_text(frame, results))
    if args.out:
        print(f"wrote {len(frame)} rows to {args.out}")
    return 0


def length_frame(results: list[RunResult]) -> pd.DataFrame:
    """One row per (encoding, seed, length); accuracy empty where not applicable."""
    frame = table_frame(results, "length").rename(columns={"dataset": "task", "model": "encoding"})
    return frame[CSV_COLUMNS]


def summary_text(frame: pd.DataFrame, results: list[RunResult]) -> str:
    """Mean token accuracy (exact match) per encoding, in and out of distribution."""
    p = results[0].spec.params
    lines = [f"{results[0].spec.dataset}: trained on lengths 1-{p['train_length']}, tested on 1-"
             f"{p['test_length']}, {frame['seed'].nunique()} seed(s); mean token accuracy (exact match)",
             f"{'encoding':<12}{'in distribution':>18}{'out of distribution':>22}"]
    for encoding, rows in frame.groupby("encoding", sort=False):
        cells = []
        for inside in (True, False):
            part = rows[rows["in_distribution"] == inside]
            token, exact = part["token_accuracy"].mean(), part["exact_match"].mean()
            cells.append("n/a" if pd.isna(token) else f"{token:.3f} ({exact:.3f})")
        lines.append(f"{encoding:<12}{cells[0]:>18}{cells[1]:>22}")
    return "\n".join(lines)
