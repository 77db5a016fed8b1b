"""``python -m gnncore posenc``: train toy transformers that differ only in their positional
encoding on short inputs, test them on longer ones, print the summary, write the table.

    python -m gnncore posenc --task copy --encodings sinusoidal,learned,t5,alibi,rope,nope \\
        --train-length 16 --test-length 48 --seeds 3 --out results.csv
    python -m gnncore posenc --encodings rope,randomised-rope --max-position 256 \\
        --rope-scaling none,pi,ntk,yarn --out results.csv

Every flag, default and CSV column comes from the engine's facts (``gnncore.runs.facts``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gnncore.cli import common

if TYPE_CHECKING:
    import pandas as pd

    from gnncore.spec import RunResult, RunSpec

KIND = "posenc"
HELP = "positional encodings: train short, test long"


def register(subparsers: argparse._SubParsersAction) -> None:
    from gnncore import runs
    from gnncore.pairs import CSV_COLUMNS as PAIR_COLUMNS
    from gnncore.posenc.scaling import SCALINGS
    from gnncore.runs import facts
    from gnncore.spec import RunSpec

    f = facts(KIND)
    p = subparsers.add_parser(
        f.command[0], help=HELP,
        description="Train one small transformer per encoding and seed, then score it at every "
                    "input length up to --test-length. Unset options take the engine's defaults.")
    p.add_argument(f.dataset_flag, dest="task", default=f.default_dataset,
                   help=f"one of {', '.join(f.datasets)} (default {f.default_dataset})")
    p.add_argument(f.model_flag, dest="encodings", type=common.csv_list, default=list(f.default_models),
                   help=f"comma-separated, from {','.join(f.models)} (default {','.join(f.default_models)})")
    p.add_argument("--seeds", type=int, default=f.seeds, help=f"seeds 0..N-1 per encoding (default {f.seeds})")
    common.add_output(p, "--out", help="CSV with one row per (encoding, seed, length)")
    common.add_output(p, "--pairs-out", help="CSV with the paired difference of out-of-distribution "
                      f"{f.headline.label.lower()} for every pair of encodings (a minus b, over the same seeds, "
                      "in percentage points): " + ",".join(PAIR_COLUMNS))
    p.add_argument("--rope-scaling", type=common.csv_list,
                   help=f"comma-separated, from {','.join(SCALINGS)}: for every rope run, add its rows "
                        "scored again under these RoPE scalings at evaluation (same trained model, scale = "
                        "longest test example / longest trained one), with a scaling column (none for "
                        "the other rows)")
    defaults = {}
    for task in f.datasets:  # every setting has a default in the encodings and tasks it applies to
        for name in f.models:
            defaults = {**runs.engine(KIND).defaults(RunSpec.make(KIND, task, name)), **defaults}
    settings = common.add_settings(p, [f], lambda s: f"{defaults[s.name]}" if isinstance(defaults[s.name], str)
                                   else f"{defaults[s.name]:g}")
    p.add_argument("--no-cache", action="store_true", help="train again even if stored")
    common.add_workers(p)
    common.add_executor(p)
    p.set_defaults(func=run, settings=settings)


def run(args: argparse.Namespace) -> int:
    from gnncore.charts.theme import order
    from gnncore.pairs import for_csv, paired_differences, verdict
    from gnncore.posenc.train import OUT_OF_DISTRIBUTION
    from gnncore.runs import facts, runs_frame

    f = facts(KIND)
    given = common.settings_from_args(args, args.settings, f)
    scalings = check_scalings(args.rope_scaling, args.encodings)
    specs = grid(args.task, args.encodings, args.seeds, given)
    results = common.execute(specs, use_cache=not args.no_cache, workers=args.workers,
                             executor=args.executor, ray_address=args.ray_address)
    frame = length_frame(results, scalings)
    runs = runs_frame(results)
    # Paired over seeds on the inputs longer than trained: what the lab is about.
    ood = OUT_OF_DISTRIBUTION[f.headline.name]
    pairs = paired_differences(runs, ood.name, order(runs["model"]))
    if args.out:
        common.write_csv(frame, args.out)
    if args.pairs_out:
        common.write_csv(for_csv(pairs, ood.fraction), args.pairs_out, "--pairs-out")
    print(summary_text(frame, results))
    if len(pairs):
        print(f"Is the difference real? {ood.label}, paired over the same seeds:")
    for _, row in pairs.iterrows():
        print("  " + verdict(row, fraction=ood.fraction))
    for path, rows in ((args.out, len(frame)), (args.pairs_out, len(pairs))):
        if path:
            print(f"wrote {rows} rows to {path}")
    return 0


def grid(task: str, encodings: list[str], seeds: int, given: dict) -> list[RunSpec]:
    """The spec list; a setting only some encodings have goes to those alone."""
    from gnncore import runs
    from gnncore.posenc.train import encoding_settings
    from gnncore.runs import facts
    from gnncore.spec import DatasetUnavailable, SpecError

    own = {s.name for e in facts(KIND).models for s in encoding_settings(e)}
    shared = {k: v for k, v in given.items() if k not in own}
    per_model = {e: {k: v for k, v in given.items() if k in {s.name for s in encoding_settings(e)}}
                 for e in encodings}
    for name in set(given) & own:
        if not any(name in chosen for chosen in per_model.values()):
            takers = ",".join(e for e in facts(KIND).models if name in {s.name for s in encoding_settings(e)})
            raise common.UsageError(f"--{name.replace('_', '-')} applies only to {takers}; none of "
                                    "them is among --encodings.")
    try:
        return runs.grid(KIND, task, encodings, seeds, per_model=per_model, **shared)
    except (SpecError, DatasetUnavailable) as e:
        raise common.UsageError(str(e)) from None


def check_scalings(scalings: list[str] | None, encodings: list[str]) -> list[str]:
    """The RoPE scalings asked for, each known, and a rope run to apply them to."""
    from gnncore.posenc.scaling import SCALINGS
    from gnncore.posenc.train import RESCALED

    if scalings is None:
        return []
    unknown = [s for s in scalings if s not in SCALINGS]
    if unknown or not scalings:
        raise common.UsageError(f"--rope-scaling takes {','.join(SCALINGS)}; got "
                                f"{','.join(unknown) or 'nothing'}.")
    if not set(RESCALED) & set(encodings):
        raise common.UsageError(f"--rope-scaling applies to {','.join(RESCALED)} runs; add {' or '.join(RESCALED)} "
                                "to --encodings.")
    return list(dict.fromkeys(scalings))


def length_frame(results: list[RunResult], scalings: list[str] = ()) -> pd.DataFrame:
    """One row per (encoding, seed, length); accuracy empty where not applicable. With
    ``scalings``, a ``scaling`` column: the rope runs' rows once per scaling, "none" elsewhere."""
    import pandas as pd

    from gnncore.posenc.scaling import SCALINGS
    from gnncore.posenc.train import RESCALED
    from gnncore.runs import facts, table_frame

    frame = table_frame(results, "length").rename(columns={"dataset": "task", "model": "encoding"})
    columns = list(facts(KIND).columns)
    if not scalings:
        return frame[columns]
    frame["scaling"] = "none"
    scaled = table_frame(results, "rope_scaling").rename(columns={"dataset": "task", "model": "encoding"})
    missing = [r.spec.seed for r in results if r.spec.model in RESCALED and "rope_scaling" not in r.tables]
    if missing:
        raise common.UsageError("These rope runs were stored before RoPE scaling was evaluated: train them "
                                "again with --no-cache.")
    if len(scaled):
        frame = pd.concat([frame[~frame["encoding"].isin(RESCALED)],
                           scaled[scaled["scaling"].isin(scalings)]], ignore_index=True)
        order = {r.spec.key: i for i, r in enumerate(results)}
        frame["scaling"] = pd.Categorical(frame["scaling"], categories=list(SCALINGS))
        frame = frame.sort_values(["key", "scaling", "length"], key=lambda c: c.map(order) if c.name == "key"
                                  else c, kind="stable")
        frame["scaling"] = frame["scaling"].astype(str)
    columns.insert(columns.index("encoding") + 1, "scaling")
    return frame[columns].reset_index(drop=True)


def summary_text(frame: pd.DataFrame, results: list[RunResult]) -> str:
    """Mean token accuracy (exact match) per encoding, in and out of distribution."""
    import pandas as pd

    from gnncore.runs import facts

    p = results[0].spec.params
    token, exact = facts(KIND).metrics
    lines = [f"{results[0].spec.dataset}: trained on lengths 1-{p['train_length']}, tested on 1-"
             f"{p['test_length']}, {common.plural(frame['seed'].nunique(), 'seed')}; mean {token.label.lower()} "
             f"({exact.label.lower()}), in %",
             f"{'encoding':<22}{'in distribution':>18}{'out of distribution':>22}"]
    if "scaling" in frame:
        frame = frame.assign(encoding=frame["encoding"].where(frame["scaling"] == "none",
                                                              frame["encoding"] + "+" + frame["scaling"]))
    for encoding, rows in frame.groupby("encoding", sort=False):
        cells = []
        for inside in (True, False):
            part = rows[rows["in_distribution"] == inside]
            a, b = part[token.name].mean(), part[exact.name].mean()
            cells.append("n/a" if pd.isna(a) else f"{token.scale * a:.1f} ({exact.scale * b:.1f})")
        lines.append(f"{encoding:<22}{cells[0]:>18}{cells[1]:>22}")
    return "\n".join(lines)
