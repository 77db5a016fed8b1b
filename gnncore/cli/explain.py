"""``python -m gnncore explain``: explainers side by side on trained node models, scored
against the planted motif (where the dataset has one) and against the model itself.

One run per model, explainer and seed (the explain engine, gnncore.gnn.explain.engine); an
explainer that does not apply to a model (attention to a model without any) is left out
for it, with one sentence saying so.
"""

from __future__ import annotations

import sys

from gnncore.cli import common

COMMAND = "explain"
HELP = "explain trained GNNs' predictions and score the explainers"


def register(sub) -> None:
    from gnncore.gnn.explain.engine import FACTS, MASK_COLUMNS
    from gnncore.gnn.explain.explainers import EXPLAINERS
    from gnncore.pairs import CSV_COLUMNS as PAIR_COLUMNS

    f = FACTS
    p = sub.add_parser(COMMAND, help=HELP,
                       description="Explain each model's predictions on sampled nodes by each explainer, over "
                                   "several seeds; prints mean +- std per model and explainer, and which "
                                   "explainer is more faithful.")
    p.add_argument("--dataset", default=f.default_dataset,
                   help=f"a node dataset; BAShapes, TreeCycles and TreeGrid have planted motifs to score against "
                        f"(default {f.default_dataset})")
    p.add_argument("--models", type=common.csv_list, help=f"comma-separated, from {','.join(f.models)} "
                   f"(default {','.join(f.default_models)})")
    p.add_argument("--explainers", type=common.csv_list, default=list(EXPLAINERS),
                   help=f"comma-separated, from {','.join(EXPLAINERS)} (default all; attention only for GAT)")
    p.add_argument("--seeds", type=int, default=f.seeds, help=f"number of seeds, 0..N-1 (default {f.seeds})")
    common.add_output(p, "--out", help="CSV file with one row per model, explainer and seed: " + ",".join(f.columns))
    common.add_output(p, "--masks-out", help="CSV file with every explained node's edge importances: "
                      "model,explainer,seed," + ",".join(MASK_COLUMNS))
    common.add_output(p, "--pairs-out", help="CSV file with the paired difference of characterization (and of "
                      "the explanation AUC where there is a ground truth) between every two explainers of a "
                      "model, over the same seeds: " + ",".join(PAIR_COLUMNS))
    p.add_argument("--graph", type=int, help="graph datasets (MUTAG, BA2Motifs): explain the model's prediction "
                   "for this graph, by its index in the dataset")
    common.add_output(p, "--draw-out", help="graph datasets: the explained graph drawn once per explainer, its "
                      "edges as thick as their importance, atoms named (PNG, SVG or HTML by the file's ending)")
    settings = common.add_settings(p, [f])
    p.add_argument("--no-cache", action="store_true", help="explain again even if the run store has the result")
    common.add_workers(p)
    p.set_defaults(func=run, settings=settings)


def specs_from_args(args) -> tuple[list, list[str]]:
    """The resolved specs, and a sentence for each model an asked explainer does not apply to."""
    from gnncore.gnn.explain.engine import FACTS
    from gnncore.gnn.explain.explainers import EXPLAINERS, refusal

    given = common.settings_from_args(args, args.settings, FACTS)
    models = list(FACTS.default_models) if args.models is None else args.models
    unknown = [e for e in args.explainers if e not in EXPLAINERS]
    if unknown or not args.explainers:
        raise common.UsageError(f"Unknown explainer '{(unknown or [''])[0]}'; choose from {', '.join(EXPLAINERS)}.")
    specs, said = [], []
    for explainer in dict.fromkeys(args.explainers):
        fits = [m for m in models if not refusal(explainer, m)]
        said += [refusal(explainer, m) for m in models if m not in fits]
        if fits:
            specs += common.grid("explain", args.dataset, fits, args.seeds, explainer=explainer, **given)
    if not specs:
        raise common.UsageError(" ".join(said) + " Choose another explainer for these models.")
    return specs, said


def scores_frame(results):
    """One row per run, as ``--out`` writes it."""
    from gnncore.runs import runs_frame

    return runs_frame(results)


def verdicts(frame) -> "tuple":
    """Paired differences between explainers of each model (characterization, and AUC where
    there is a ground truth), over the same seeds."""
    import pandas as pd

    from gnncore.pairs import paired_differences

    parts = []
    for model, runs in frame.groupby("model", sort=False):
        as_models = runs.drop(columns="model").rename(columns={"explainer": "model"})
        for metric in ("characterization", "ground_truth_auc"):
            if as_models[metric].notna().any():
                pairs = paired_differences(as_models, metric)
                pairs.insert(0, "architecture", model)
                parts.append(pairs)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def run_graph(args) -> int:
    """One graph of a graph dataset explained by the first fold's model of each ``--models``
    (trained by the graph task, stored), drawn and its masks written."""
    from gnncore import export
    from gnncore.charts.explain import mask_chart
    from gnncore.gnn.data.datasets import load_graphs
    from gnncore.gnn.explain.explainers import refusal
    from gnncore.gnn.explain.graphs import graph_masks, graph_model, molecule
    from gnncore.runs import RunStore
    import pandas as pd

    if args.graph is None:
        raise common.UsageError(f"{args.dataset} is a graph dataset: name the graph to explain, e.g. --graph 0.")
    dataset = load_graphs(args.dataset)
    num_features, num_classes = dataset[0].num_features, 1 + max(int(g.y) for g in dataset)
    if not 0 <= args.graph < len(dataset):
        raise common.UsageError(f"--graph {args.graph} is not in {args.dataset}; pick one from 0 to {len(dataset) - 1}.")
    specs = common.grid("graph", args.dataset, args.models or ["gin"], 1, folds=0, fold=0)
    results = common.execute(specs, use_cache=not args.no_cache, workers=1)
    graph = dataset[args.graph]
    store, parts = RunStore(), []
    for result in results:
        fits = [e for e in args.explainers if not refusal(e, result.spec.model)]
        model = graph_model(result.spec, store.artifact(result.spec, "model"), num_features,
                            num_classes)
        predicted = int(model(graph.x, graph.edge_index).argmax(-1))
        print(f"{result.spec.model}: test accuracy {100 * result.metrics['test_accuracy']:.1f}% (fold 0); graph "
              f"{args.graph} is of class {int(graph.y)}, predicted {predicted}")
        parts.append(graph_masks(model, graph, fits).assign(model=result.spec.model))
    masks = pd.concat(parts, ignore_index=True)
    if args.out:
        common.write_csv(masks[["model", "explainer", "source", "target", "importance", "ground_truth"]], args.out)
    if args.draw_out:
        nodes, edges = molecule(args.dataset, graph)
        chart = mask_chart(nodes, edges, masks, None, f"Why graph {args.graph} of {args.dataset} got its label")
        ending = args.draw_out.rsplit(".", 1)[-1].lower()
        draw = {"svg": export.chart_svg, "html": export.chart_html}.get(ending, export.chart_png)
        export.save(args.draw_out, draw(chart))
        print(f"drew {args.draw_out}")
    return 0


def run(args) -> int:
    from gnncore.gnn.data.datasets import info
    from gnncore.gnn.explain.engine import FACTS, MASK_COLUMNS
    from gnncore.spec import SpecError

    try:
        found = info(args.dataset)
    except SpecError:  # the node path names the datasets in its one sentence
        found = None
    if found is not None and "node" not in found.tasks:
        return run_graph(args)
    from gnncore.gnn.explain.explainers import EXPLAINERS
    from gnncore.pairs import for_csv, verdict
    from gnncore.runs import table_frame

    specs, said = specs_from_args(args)
    for sentence in dict.fromkeys(said):
        print(f"note: {sentence}", file=sys.stderr)
    results = common.execute(specs, use_cache=not args.no_cache, workers=args.workers)
    frame = scores_frame(results)
    written = {}
    if args.out:
        common.write_csv(frame[[c for c in FACTS.columns if c in frame]], args.out)
        written[args.out] = len(frame)
    if args.masks_out:
        masks = table_frame(results, "masks")
        common.write_csv(masks[["model", "explainer", "seed", *MASK_COLUMNS]], args.masks_out, "--masks-out")
        written[args.masks_out] = len(masks)
    pairs = verdicts(frame)
    if args.pairs_out:
        common.write_csv(pairs[["architecture"]].join(for_csv(pairs, False)), args.pairs_out, "--pairs-out")
        written[args.pairs_out] = len(pairs)
    metrics = [m for m in FACTS.metrics if frame[m.name].notna().any()]
    print(f"{frame['dataset'].iloc[0]}, explanations of {int(frame['nodes'].max())} nodes per run, "
          f"{common.plural(frame['seed'].nunique(), 'seed')}, mean +- std over seeds")
    for model, runs in frame.groupby("model", sort=False):
        print(f" {model} (test accuracy {100 * runs['model_accuracy'].mean():.1f}%)")
        for explainer, mine in runs.groupby("explainer", sort=False):
            cells = [f"{m.name} {mine[m.name].mean():.3f} +- {mine[m.name].std(ddof=1) if len(mine) > 1 else 0:.3f}"
                     for m in metrics]
            print(f"  {explainer:<21}" + "  ".join(cells) + f"  {mine['ms_per_node'].mean():.0f} ms/node")
    label = lambda name: EXPLAINERS[name].label if name in EXPLAINERS else name  # noqa: E731
    # Scores run from 0 to 1: differences in hundredths ("points"), as accuracies are.
    for _, row in pairs.iterrows():
        print(f"  {row['architecture']}, {row['metric']}: " + verdict(row, label, fraction=True))
    for path, rows in written.items():
        print(f"wrote {rows} rows to {path}")
    return 0
