"""GraphSAGE on ever larger synthetic graphs: full batch against sampled mini-batches.

Each point trains in a fresh process (so one point's memory does not hide the next one's)
through the engine's own node loop: CSBM at the given sizes (average degree 10, 32
features, homophily 0.8, feature signal 1.0), 1% of the nodes per class labelled for
training, GraphSAGE's paper settings, a few epochs without early stopping; sampled runs
take batches of 1024 training nodes with Hamilton et al.'s fanout 25, 10. Evaluation is on
the whole graph either way. A full-batch point whose peak, extrapolated linearly from the
previous full-batch point, would pass ``--budget-mb`` is skipped and said so.

    python bench/scale.py [--nodes 10000,100000,1000000,3000000] [--epochs 5] [--budget-mb 6000]

One line per point, exactly:
``nodes=100000 mode=sampled s_per_epoch=0.84 peak_mb=512 test_accuracy=0.912``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def point(nodes: int, mode: str, epochs: int) -> dict:
    import torch

    from gnncore.gnn.tasks import node
    from gnncore.runs import resolve
    from gnncore.spec import RunSpec

    torch.set_num_threads(1)
    extra = dict(batch_size=1024, fanout="25,10") if mode == "sampled" else {}
    spec = resolve(RunSpec.make("node", "CSBM", "sage", 0, nodes=nodes, train_per_class=max(1, nodes // 100),
                                epochs=epochs, patience=0, **extra))
    r = node.train(spec, keep=False)
    return {"s_per_epoch": r.metrics["ms_per_epoch"] / 1000, "peak_mb": r.metrics["peak_mb"],
            "test_accuracy": r.metrics["test_accuracy"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", default="10000,100000,1000000,3000000")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--budget-mb", type=float, default=6000, help="memory a full-batch point may take")
    ap.add_argument("--point", help=argparse.SUPPRESS)  # internal: NODES,MODE in a fresh process
    args = ap.parse_args()
    if args.point:
        nodes, mode = args.point.split(",")
        print(json.dumps(point(int(nodes), mode, args.epochs)))
        return
    try:
        sizes = [int(n) for n in args.nodes.split(",")]
    except ValueError:
        sys.exit(f"--nodes must be whole numbers separated by commas, not {args.nodes!r}.")
    last_full = None
    for n in sizes:
        for mode in ("full", "sampled"):
            if mode == "full" and last_full is not None:
                estimate = last_full[1] * n / last_full[0]
                if estimate > args.budget_mb:
                    print(f"nodes={n} mode=full skipped: about {estimate:,.0f} MB expected, over the "
                          f"{args.budget_mb:,.0f} MB budget", flush=True)
                    continue
            done = subprocess.run([sys.executable, __file__, "--point", f"{n},{mode}", "--epochs", str(args.epochs)],
                                  capture_output=True, text=True, cwd=ROOT)
            if done.returncode != 0:
                print(f"nodes={n} mode={mode} failed: {done.stderr.strip().splitlines()[-1]}", flush=True)
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            if mode == "full":
                last_full = (n, r["peak_mb"])
            print(f"nodes={n} mode={mode} s_per_epoch={r['s_per_epoch']:.2f} peak_mb={r['peak_mb']:.0f} "
                  f"test_accuracy={r['test_accuracy']:.3f}", flush=True)


if __name__ == "__main__":
    main()
