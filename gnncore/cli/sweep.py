"""``python -m gnncore sweep``: one knob over a list or a range of values, x models x seeds.

    python -m gnncore sweep --task node --dataset CSBM --vary homophily=0:1:0.1 \\
        --models gcn,sage,gat,mlp --seeds 5 --set signal=0.3 --out sweep.csv
    python -m gnncore sweep --dataset Cora --vary layers=1,2,4,8,16,32 --models gcn,sage,gat --seeds 5
    python -m gnncore sweep --task posenc --vary train_length=8,16,32 --models rope,alibi

Every point is an ordinary run (:mod:`gnncore.sweep`), stored and cached by its spec: the
same sweep with one more value trains only that value. The flags of ``gnn`` and ``posenc``
(``--epochs``, ``--hidden``, ``--steps``...) fix a setting for the whole sweep, as there;
``--set NAME=VALUE`` fixes any declared setting, those without a flag too (CSBM's signal).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gnncore.cli import common

if TYPE_CHECKING:
    import pandas as pd

    from gnncore import sweep

COMMAND = "sweep"
HELP = "sweep one setting over values, x models x seeds"


def register(sub) -> None:
    from gnncore.runs import facts, kinds

    tasks = kinds()
    every = [facts(k) for k in tasks]
    p = sub.add_parser(COMMAND, help=HELP,
                       description="Train every model at every value of one setting (--vary), over "
                                   "several seeds; prints mean +- std per value and model. Each point "
                                   "is an ordinary run, stored and read back like any other.")
    p.add_argument("--task", choices=tasks,
                   help="; ".join(f"{k}: {f.title.lower()}" for k, f in zip(tasks, every))
                   + f"; default: the first task that has --dataset, else {tasks[0]}")
    p.add_argument("--dataset", help="dataset (or, for posenc, sequence task); default: "
                   + ", ".join(f"{f.default_dataset} for {k}" for k, f in zip(tasks, every)))
    p.add_argument("--vary", required=True, metavar="NAME=VALUES",
                   help="the setting to sweep and its values: NAME=a,b,c or NAME=START:STOP:STEP (STOP "
                        "included), e.g. layers=1,2,4,8 or homophily=0:1:0.1")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="fixed",
                   help="fix a setting for the whole sweep (repeatable), e.g. --set signal=0.3")
    p.add_argument("--models", "--encodings", type=common.csv_list, dest="models",
                   help="comma-separated; default: the task's default models")
    p.add_argument("--seeds", type=int, help="seeds 0..N-1 per model and value (default: the task's)")
    p.add_argument("--folds", type=int, help="cross-validation folds, for graph classification")
    measured = [k for k, f in zip(tasks, every) if f.measures]
    measures = ", ".join(dict.fromkeys(m.name for f in every for m in f.measures))
    common.add_output(p, "--out", help="CSV with one row per run: the columns of gnn --out, the swept setting "
                                 f"and, for {' and '.join(measured)} runs, the smoothness ({measures})")
    settings = common.add_settings(p, every, lambda s: "the engine's default")
    p.add_argument("--no-cache", action="store_true", help="train again even if the run store has the result")
    common.add_workers(p)
    common.add_executor(p)
    p.set_defaults(func=run, settings=settings)


def specs_from_args(args) -> tuple[sweep.Knob, list]:
    from gnncore import sweep
    from gnncore.runs import facts, folds_of
    from gnncore.spec import DatasetUnavailable, SpecError

    f = facts(common.infer_task(args))
    dataset = args.dataset or f.default_dataset
    given = common.settings_from_args(args, args.settings, f)
    if args.folds is not None and not f.folds:
        raise common.UsageError(f"--folds does not apply to --task {args.task}.")
    try:
        knob = sweep.parse_vary(args.vary, args.task, dataset)
        fixed = sweep.parse_set(args.fixed, args.task, dataset)
        both = sorted(set(given) & set(fixed))
        if both:
            raise SpecError(f"{both[0]} is given twice, as a flag and with --set; give it once.")
        fixed.update(given)
        if knob.name in fixed:
            raise SpecError(f"{knob.name} is swept by --vary, so it cannot also be fixed; drop one of them.")
        models = list(f.default_models) if args.models is None else args.models
        seeds = f.seeds if args.seeds is None else args.seeds
        folds = folds_of(args.task, dataset, args.folds)
        return knob, sweep.sweep_specs(args.task, dataset, models, seeds, knob, folds, **fixed)
    except (SpecError, DatasetUnavailable) as e:
        raise common.UsageError(str(e)) from None


def run(args) -> int:
    from gnncore import sweep

    knob, specs = specs_from_args(args)
    results = common.execute(specs, use_cache=not args.no_cache, workers=args.workers,
                             executor=args.executor, ray_address=args.ray_address)
    frame = sweep.sweep_frame(results, knob.name)
    if args.out:
        common.write_csv(sweep.out_frame(frame, args.task, knob.name), args.out)
    print(summary_text(frame, args.task, knob))
    if args.out:
        print(f"wrote {len(frame)} rows to {args.out}")
    return 0


def summary_text(frame: pd.DataFrame, kind: str, knob: sweep.Knob) -> str:
    """A heading, then one line per value: each model's mean +- std (percent for fractions);
    for runs that measure their trained model (node runs), a table per measure (the
    smoothness of the output)."""
    from gnncore import sweep
    from gnncore.charts.stats import pm
    from gnncore.charts.theme import display_name
    from gnncore.cli.gnn import judged_by
    from gnncore.runs import facts, metric

    first = frame.iloc[0]
    spread = f"{common.plural(frame['seed'].nunique(), 'seed')}"
    if "fold" in frame and frame["fold"].notna().any():
        spread += f" x {frame['fold'].nunique()} folds"
    lines = [f"{first['dataset']} ({kind}), {spread}, sweeping {knob.name}: mean +- std"]
    judged = judged_by(kind, str(first["dataset"]))
    tables = list(dict.fromkeys([metric(sweep.headline(kind)), *([judged] if judged.name in frame else []),
                                 *(m for m in facts(kind).measures if m.name in frame)]))
    for m in tables:
        stats = sweep.summary(frame, knob.name, m.name)
        models = list(dict.fromkeys(stats["model"]))
        width = max(16, *(len(display_name(x)) + 2 for x in models))
        lines.append(m.label + (" (%)" if m.fraction else ""))
        lines.append(f"  {knob.name:<14}" + "".join(f"{display_name(x):>{width}}" for x in models))
        for value in knob.values:
            row = stats[stats[knob.name] == value]
            cells = []
            for model in models:
                hit = row[row["model"] == model]
                cells.append("–" if hit.empty else pm(hit["mean"].iloc[0], hit["std"].iloc[0],
                                                      int(hit["runs"].iloc[0]), m.scale, m.digits, sep=" +- "))
            lines.append(f"  {value!s:<14}" + "".join(f"{c:>{width}}" for c in cells))
    return "\n".join(lines)
