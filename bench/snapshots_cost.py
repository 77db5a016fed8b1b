"""What keeping the inside views costs: the default Cora comparison (GCN, GraphSAGE, GAT,
MLP x 10 seeds, the papers' settings) trained with the artifacts (the reported epoch's
weights, ten embedding snapshots and their projection) and without, in one process.

Each run is trained both ways back to back, in alternating order, on one torch thread (as
the run workers do), so drift in the machine's load falls on both alike. The time is the
whole ``gnncore.gnn.tasks.node.train`` call, data preparation and encoding included.

    python bench/snapshots_cost.py [--dataset Cora] [--seeds 10] [--models gcn,sage,gat,mlp]

Ends with ``ratio=1.02`` (with / without, lower is cheaper) and the stored size per run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gnncore.gnn.tasks import node  # noqa: E402
from gnncore.runs import grid  # noqa: E402
from gnncore.spec import one_thread  # noqa: E402


def timed(spec, keep: bool) -> tuple[float, int]:
    start = time.perf_counter()
    result = node.train(spec, keep=keep)
    return time.perf_counter() - start, sum(len(b) for b in result.artifacts.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=node.FACTS.default_dataset)
    parser.add_argument("--seeds", type=int, default=node.FACTS.seeds)
    parser.add_argument("--models", default=",".join(node.FACTS.default_models))
    args = parser.parse_args()
    specs = grid("node", args.dataset, args.models.split(","), args.seeds)
    node.train(specs[0], keep=False)  # warm up: the dataset cache, PyG's compiled templates
    totals = {True: 0.0, False: 0.0}
    sizes: dict[str, list[int]] = {}
    with one_thread():
        for i, spec in enumerate(specs):
            for keep in ((True, False) if i % 2 == 0 else (False, True)):
                seconds, size = timed(spec, keep)
                totals[keep] += seconds
                if keep:
                    sizes.setdefault(spec.model, []).append(size)
    print(f"{args.dataset}: {len(specs)} runs ({args.models}, {args.seeds} seeds)")
    print(f"  with the artifacts    {totals[True]:7.1f} s")
    print(f"  without               {totals[False]:7.1f} s")
    for model, s in sizes.items():
        print(f"  stored per {model:<5} run {sum(s) / len(s) / 1e3:6.0f} kB")
    print(f"ratio={totals[True] / totals[False]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
