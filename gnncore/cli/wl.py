"""``python -m gnncore wl``: the 1-WL test on the built-in pairs of graphs, and how stored
graph runs (CSL's) embed a pair, as the "Where message passing fails" page shows them."""

from __future__ import annotations

from gnncore.cli import common

COMMAND = "wl"
HELP = "the 1-WL test on pairs of graphs; trained models' embeddings of a pair"


def register(sub) -> None:
    from gnncore.gnn.inside.pair_embeddings import COLUMNS
    from gnncore.gnn.inside.wl import COLUMNS as REFINEMENT, PAIRS

    p = sub.add_parser(COMMAND, help=HELP,
                       description="Colour refinement (1-WL, PyG's WLConv) on built-in pairs of graphs, "
                                   "with the verdict in one sentence; with --models, the distance between "
                                   "the pair's embeddings in each stored CSL run of those models (train "
                                   "them with gnn or sweep first).")
    p.add_argument("--pair", choices=list(PAIRS), help="one pair (default: every pair)")
    p.add_argument("--models", type=common.csv_list, help="comma-separated: the stored CSL runs of these "
                   "models, every graph encoding and fold, embed the pair (default: no embeddings)")
    p.add_argument("--epochs", type=int, help="with --models: the stored runs trained for this many epochs "
                   "at most (default: graph classification's default)")
    common.add_output(p, "--out", help="CSV with the refinement, one row per graph, round and node: "
                      + ",".join(REFINEMENT))
    common.add_output(p, "--distances-out", help="CSV with the embedding distances: " + ",".join(COLUMNS))
    p.set_defaults(func=run)


def run(args) -> int:
    import pandas as pd

    from gnncore.gnn.inside.pair_embeddings import pair_distances
    from gnncore.gnn.inside.wl import PAIRS, refine, verdict
    from gnncore.runs import RunStore, engine

    pairs = [PAIRS[args.pair]] if args.pair else list(PAIRS.values())
    if args.distances_out and not args.models:
        raise common.UsageError("--distances-out needs --models: the stored CSL runs of which models.")
    frames, distances = [], []
    store = RunStore() if args.models else None
    epochs = args.epochs or engine("graph").DEFAULTS["epochs"]
    stored = [r for r in store.results("graph") if r.spec.dataset == "CSL" and r.spec.model in args.models
              and r.spec.params.get("epochs") == epochs] if store else []
    if args.models and not stored:
        raise common.UsageError(f"No stored CSL run of {', '.join(args.models)}: train them first, e.g. "
                                f"python -m gnncore gnn --task graph --dataset CSL --models {','.join(args.models)} "
                                f"--graph-encoding laplacian (runs of {epochs} epochs; --epochs picks others).")
    for pair in pairs:
        result = refine(pair)
        frames.append(result.frame)
        print(f"{pair.label}: {verdict(result)}")
        if stored:
            frame = pair_distances([(r.spec, store.artifact(r.spec, "model")) for r in stored], pair)
            distances.append(frame)
            for (model, encoding), rows in frame.groupby(["model", "graph_encoding"], sort=False):
                print(f"  {model:<4} {encoding:<12} distance {rows['distance'].mean():10.4f} "
                      f"(norm {rows['norm'].mean():.1f}, relative {rows['relative'].mean():.4f}, {len(rows)} runs)")
    if args.out:
        common.write_csv(pd.concat(frames, ignore_index=True), args.out)
        print(f"wrote {sum(map(len, frames))} rows to {args.out}")
    if args.distances_out:
        out = pd.concat(distances, ignore_index=True)
        common.write_csv(out, args.distances_out, "--distances-out")
        print(f"wrote {len(out)} rows to {args.distances_out}")
    return 0
