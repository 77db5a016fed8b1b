"""``python -m gnncore gnn``: node classification, link prediction, graph classification.

Every flag, default and CSV column comes from the engines' facts (``gnncore.runs.facts``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gnncore.cli import common

if TYPE_CHECKING:
    import pandas as pd

    from gnncore.protocol import Metric

COMMAND = "gnn"
HELP = "train GNNs and the MLP baseline on a graph dataset"


def register(sub) -> None:
    from gnncore.gnn.inside.neighbourhood import WEIGHT_COLUMNS
    from gnncore.gnn.inside.snapshots import COLUMNS as EMBEDDING_COLUMNS
    from gnncore.pairs import CSV_COLUMNS as PAIR_COLUMNS
    from gnncore.runs import facts, kinds

    tasks = kinds(COMMAND)
    every = [facts(k) for k in tasks]
    models = list(dict.fromkeys(m for f in every for m in f.models))
    p = sub.add_parser(COMMAND, help=HELP,
                       description="Train GNNs over several seeds; prints mean +- std per model. "
                                   "Unset options take each paper's settings.")
    p.add_argument("--task", choices=tasks,
                   help="; ".join(f"{k}: {f.title.lower()} ({', '.join(f.datasets)})"
                                  for k, f in zip(tasks, every))
                   + f"; default: the first task that has the dataset, else {tasks[0]}")
    p.add_argument("--dataset", required=True, help="dataset name as PyG spells it, e.g. Cora")
    p.add_argument("--models", type=common.csv_list,
                   help=f"comma-separated, from {','.join(models)} (not every task has each); "
                        + "; ".join(f"default for {k}: {','.join(f.default_models)}" for k, f in zip(tasks, every)))
    p.add_argument("--seeds", type=int, help="number of seeds, 0..N-1 (default: "
                   + ", ".join(f"{f.seeds} for {k}" for k, f in zip(tasks, every))
                   + "; for graph every fold is run, so N seeds give models x folds x N runs)")
    p.add_argument("--folds", type=int, help="stratified cross-validation folds, all of them run (tasks "
                   + ", ".join(f"{k}: default {f.folds}" for k, f in zip(tasks, every) if f.folds) + ")")
    common.add_output(p, "--out", help="CSV file with one row per run (model, seed, and fold where there are folds)")
    common.add_output(p, "--pairs-out", help="CSV file with the paired difference of the headline metric for every "
                                             "pair of models (a minus b, over the same seeds and splits; accuracies "
                                             "in percentage points): " + ",".join(PAIR_COLUMNS))
    inside = [k for k, f in zip(tasks, every) if "embeddings" in f.keeps]
    common.add_output(p, "--embeddings-out", help="CSV file with each run's node embeddings in 2-D at about ten "
                      "epochs of training (PCA on the final epoch's axes): " + ",".join(EMBEDDING_COLUMNS)
                      + f" (tasks: {', '.join(inside)})")
    common.add_output(p, "--weights-out", help="CSV file with each trained model's weight on every edge into "
                      "the --node, per layer and attention head (head 0: the layer's weight, GAT's mean over "
                      "heads): " + ",".join(WEIGHT_COLUMNS) + f" (tasks: {', '.join(inside)})")
    p.add_argument("--node", type=int, help="the node whose incoming edge weights --weights-out writes")
    settings = common.add_settings(p, every)
    common.add_device(p)
    p.add_argument("--no-cache", action="store_true", help="train again even if the run store has the result")
    common.add_workers(p)
    common.add_executor(p)
    p.set_defaults(func=run, settings=settings)



def specs_from_args(args) -> list:
    from gnncore.runs import facts, folds_of

    f = facts(common.infer_task(args, COMMAND))
    given = {**common.settings_from_args(args, args.settings, f), **common.device_setting(args, f)}
    if args.folds is not None and not f.folds:
        raise common.UsageError(f"--folds does not apply to {' '.join(f.command)}.")
    models = list(f.default_models) if args.models is None else args.models
    seeds = f.seeds if args.seeds is None else args.seeds
    folds = folds_of(args.task, args.dataset, args.folds)
    if args.folds is not None and folds != args.folds:
        raise common.UsageError(f"--folds does not apply to {args.dataset}: it comes with its own split.")
    return common.grid(args.task, args.dataset, models, seeds, folds, **given)


def out_columns(f, judged: Metric, frame: pd.DataFrame) -> list[str]:
    """``--out``'s columns: the engine's; for a dataset judged by a measure of its own
    (Tree-NeighborsMatch), its settings after the seed (the tree's depth, the fully-adjacent
    switch where runs had it) and that measure; then the measures."""
    base = list(f.columns)
    own = [s.name for s in f.settings if (s.datasets or s.type is bool) and s.name in frame
           and judged != f.headline]
    at = base.index("seed") + 1
    base[at:at] = own
    return [*base, *([judged.name] if judged.name not in base else []), *(m.name for m in f.measures)]


def judged_by(task: str, dataset: str) -> Metric:
    """What a comparison on ``dataset`` is judged by: the engine's headline, or the dataset's
    own measure where the engine says (Tree-NeighborsMatch: training accuracy)."""
    from gnncore.runs import engine, facts

    mod = engine(task)
    return mod.judged_by(dataset) if hasattr(mod, "judged_by") else facts(task).headline



def check_inside(args) -> None:
    """The inside views' flags apply where runs keep their models; --weights-out needs --node."""
    from gnncore.runs import facts

    f = facts(args.task)
    for flag, path in (("--embeddings-out", args.embeddings_out), ("--weights-out", args.weights_out)):
        if path and "embeddings" not in f.keeps:
            raise common.UsageError(f"{flag} does not apply to {' '.join(f.command)}: only node runs keep "
                                    "their trained models and embeddings.")
    if (args.weights_out is None) != (args.node is None):
        raise common.UsageError("--weights-out and --node go together: --node 12 --weights-out weights.csv "
                                "writes the weights on every edge into node 12.")


def run(args) -> int:
    import pandas as pd

    from gnncore.charts.theme import order
    from gnncore.gnn.inside.neighbourhood import WEIGHT_COLUMNS, Trained, run_data
    from gnncore.gnn.inside.snapshots import COLUMNS as EMBEDDING_COLUMNS
    from gnncore.gnn.inside.snapshots import embeddings_frame
    from gnncore.pairs import for_csv, paired_differences, verdict
    from gnncore.runs import RunStore, facts, runs_frame
    from gnncore.spec import DatasetUnavailable, SpecError

    f = facts(common.infer_task(args, COMMAND))
    specs = specs_from_args(args)
    check_inside(args)
    if args.node is not None:
        try:
            nodes = run_data(specs[0]).num_nodes
        except (SpecError, DatasetUnavailable) as e:
            raise common.UsageError(str(e)) from None
        if not 0 <= args.node < nodes:
            raise common.UsageError(f"--node {args.node} is not in {specs[0].dataset}; pick one from 0 to {nodes - 1}.")
    results = common.execute(specs, use_cache=not args.no_cache, workers=args.workers,
                             executor=args.executor, ray_address=args.ray_address)
    frame = runs_frame(results)
    frame["task"] = frame["kind"]
    judged = judged_by(args.task, args.dataset)
    pairs = paired_differences(frame, judged.name, order(frame["model"]))
    if args.out:
        # The smoothness of the reported epoch too, where the runs measured it (as sweep --out).
        columns = out_columns(f, judged, frame)
        common.write_csv(frame[[c for c in columns if c in frame]], args.out)
    if args.pairs_out:
        common.write_csv(for_csv(pairs, f.headline.fraction), args.pairs_out, "--pairs-out")
    written = {args.out: len(frame), args.pairs_out: len(pairs)}
    if args.embeddings_out or args.weights_out:
        store = RunStore()
        if args.embeddings_out:
            blobs = [(r.spec, store.artifact(r.spec, "embeddings")) for r in results]
            # A run that diverged before any finite epoch has no snapshots.
            emb = pd.concat([embeddings_frame(blob, spec.model, spec.seed) for spec, blob in blobs if blob is not None]
                            or [pd.DataFrame(columns=list(EMBEDDING_COLUMNS))], ignore_index=True)
            common.write_csv(emb[list(EMBEDDING_COLUMNS)], args.embeddings_out, "--embeddings-out")
            written[args.embeddings_out] = len(emb)
        if args.weights_out:
            # Each run on its own graph: the synthetic one, and some splits, differ by seed.
            weights = pd.concat([Trained.load(r.spec, store.artifact(r.spec, "model")).edge_weights([args.node])
                                 for r in results], ignore_index=True)
            common.write_csv(weights[list(WEIGHT_COLUMNS)], args.weights_out, "--weights-out")
            written[args.weights_out] = len(weights)
    print(summary_text(frame, list(dict.fromkeys([*f.metrics, judged])), list(f.costs)))
    folded = "fold" in frame and frame["fold"].notna().any()
    for _, row in pairs.iterrows():
        print("  " + verdict(row, fraction=judged.fraction, unit="fold" if folded else "seed",
                             most=f.max_folds if folded else None))
    for path, rows in written.items():
        if path:
            print(f"wrote {rows} rows to {path}")
    return 0


def summary_text(frame: pd.DataFrame, metrics: list[Metric], costs: list[Metric] = ()) -> str:
    """A heading, then ``model  metric mean +- std (n runs)`` lines, in percent for fractions,
    with what the runs cost."""
    heading = f"{frame['dataset'].iloc[0]} ({frame['task'].iloc[0]}), {common.plural(frame['seed'].nunique(), 'seed')}"
    if "fold" in frame:  # graph classification: the spread is over folds (and seeds)
        heading += f" x {frame['fold'].nunique()} folds, mean +- std over folds"
    return "\n".join([heading, *common.summary_lines(frame, "model", metrics, costs)])
