"""What an explanation costs: each explainer on one node and on N nodes of a trained model,
in one process, on one torch thread (as the run workers do), against the random floor.

The model is the explain engine's (the node run of its seed, trained once first, not timed);
each node is explained as the engine explains it (its computation subgraph with one hop more),
so the times are those of a ``gnncore explain`` run's ``ms_per_node``, without the scoring.
The first node of each explainer is timed alone (it also pays PyG's one-off compilation of
the layers' message passing on a fresh model); N nodes follow.

    python bench/explain_speed.py [--dataset BAShapes] [--model gcn] [--nodes 100]

Prints seconds for one node and for N per explainer, and ``ratio=`` against random.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gnncore.gnn.architectures import restore  # noqa: E402
from gnncore.gnn.data.datasets import load_node_data  # noqa: E402
from gnncore.gnn.explain import engine  # noqa: E402
from gnncore.gnn.explain.explainers import EXPLAINERS, explainable, refusal  # noqa: E402
from gnncore.runs import grid  # noqa: E402
from gnncore.spec import one_thread  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="BAShapes")
    ap.add_argument("--model", default="gcn")
    ap.add_argument("--nodes", type=int, default=100)
    args = ap.parse_args()
    with one_thread():
        spec = engine.model_spec(grid("explain", args.dataset, [args.model], 1, explainer="random")[0])
        trained = engine.node.train(spec)
        data = load_node_data(spec.dataset, spec.seed)
        targets = engine.explained_nodes(data, args.nodes, 0).tolist()
        layers = spec.params["layers"]
        times = {}
        for name in EXPLAINERS:
            if refusal(name, args.model):
                print(f"{name:<21} {refusal(name, args.model)}")
                continue
            model = explainable(restore(spec, trained.artifacts["model"], data.num_features, data.num_classes))
            start = time.perf_counter()
            engine.explain_node(name, model, data, targets[0], layers)
            one = time.perf_counter() - start
            start = time.perf_counter()
            for target in targets:
                engine.explain_node(name, model, data, target, layers)
            times[name] = (one, time.perf_counter() - start)
        floor = times["random"][1]
        for name, (one, many) in times.items():
            print(f"{name:<21} 1 node {one:7.3f} s   {len(targets)} nodes {many:8.2f} s   ratio={many / floor:.1f}")


if __name__ == "__main__":
    main()
