"""``python -m gnncore posenc``: train toy transformers that differ only in their positional
encoding on short inputs, test them on longer ones, print the summary, write the table.

    python -m gnncore posenc --task copy --encodings sinusoidal,learned,t5,alibi,rope,nope \\
        --train-length 16 --test-length 48 --seeds 3 --out results.csv

Every flag, default and CSV column comes from the engine's facts (``gnncore.runs.facts``).
"""

from __future__ import annotations

import argparse

import pandas as pd

from gnncore.cli import common
from gnncore import runs
from gnncore.runs import facts, table_frame
from gnncore.spec import RunResult, RunSpec

KIND = "posenc"


def register(subparsers: argparse._SubParsersAction) -> None:
    f = facts(KIND)
    p = subparsers.add_parser(
        f.command[0], help="positional encodings: train short, test long",
        description="Train one small transformer per encoding and seed, then score it at every "
                    "input length up to --test-length. Unset options take the engine's defaults.")
    p.add_argument(f.dataset_flag, dest="task", default=f.default_dataset,
                   help=f"one of {', '.join(f.datasets)} (default {f.default_dataset})")
    p.add_argument(f.model_flag, dest="encodings", type=common.csv_list, default=list(f.default_models),
                   help=f"comma-separated, from {','.join(f.models)} (default all)")
    p.add_argument("--seeds", type=int, default=f.seeds, help=f"seeds 0..N-1 per encoding (default {f.seeds})")
    p.add_argument("--out", help="CSV with one row per (encoding, seed, length)")
    defaults = runs.engine(KIND).defaults(RunSpec.make(KIND, f.default_dataset, f.default_models[0]))
    settings = common.add_settings(p, [f], lambda s: f"{defaults[s.name]:g}")
    p.add_argument("--no-cache", action="store_true", help="train again even if stored")
    common.add_workers(p)
    p.set_defaults(func=run, settings=settings)


def run(args: argparse.Namespace) -> int:
    f = facts(KIND)
    given = common.settings_from_args(args, args.settings, f)
    specs = common.grid(KIND, args.task, args.encodings, args.seeds, **given)
    common.check_out(args.out)
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
    return frame[list(facts(KIND).columns)]


def summary_text(frame: pd.DataFrame, results: list[RunResult]) -> str:
    """Mean token accuracy (exact match) per encoding, in and out of distribution."""
    p = results[0].spec.params
    lines = [f"{results[0].spec.dataset}: trained on lengths 1-{p['train_length']}, tested on 1-"
             f"{p['test_length']}, {common.plural(frame['seed'].nunique(), 'seed')}; mean token accuracy "
             "(exact match), in %",
             f"{'encoding':<12}{'in distribution':>18}{'out of distribution':>22}"]
    for encoding, rows in frame.groupby("encoding", sort=False):
        cells = []
        for inside in (True, False):
            part = rows[rows["in_distribution"] == inside]
            token, exact = part["token_accuracy"].mean(), part["exact_match"].mean()
            cells.append("n/a" if pd.isna(token) else f"{100 * token:.1f} ({100 * exact:.1f})")
        lines.append(f"{encoding:<12}{cells[0]:>18}{cells[1]:>22}")
    return "\n".join(lines)
