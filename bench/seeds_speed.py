"""Ten seeds trained as one batch against ten single runs, in one process, on one thread.

For each architecture on Cora (its paper's settings, 200 epochs): the ten seeds' runs one
after another (``gnncore.gnn.node.train``), then the same ten as one batched model
(``gnncore.gnn.seeds.train_seeds``), both without the views' artifacts, and whether every
seed reported the same test accuracy both ways.

    python bench/seeds_speed.py [--models gcn,sage,gat,mlp] [--seeds 10] [--dataset Cora]

Ends with one line per architecture: ``gcn seeds=10 ratio=0.21`` (batched / singles, lower
is faster).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from gnncore.gnn import node, seeds  # noqa: E402
from gnncore.gnn.datasets import DatasetUnavailable  # noqa: E402
from gnncore.runs import resolve  # noqa: E402
from gnncore.spec import RunSpec  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="gcn,sage,gat,mlp")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--dataset", default="Cora")
    ap.add_argument("--epochs", type=int, help="epochs per run (default: the paper's)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    models = args.models.split(",")
    unknown = [m for m in models if m not in node.FACTS.models]
    if unknown:
        sys.exit(f"Unknown model '{unknown[0]}'; choose from {', '.join(node.FACTS.models)}.")
    if args.seeds < 1:
        sys.exit(f"--seeds must be at least 1, not {args.seeds}.")
    extra = {"epochs": args.epochs} if args.epochs else {}
    print(f"{args.dataset}, {args.seeds} seeds, torch {torch.__version__}, 1 thread")
    ratios = []
    for arch in models:
        specs = [resolve(RunSpec.make("node", args.dataset, arch, s, **extra)) for s in range(args.seeds)]
        if not seeds.batchable(specs[0]):
            print(f"{arch:5s} has no batched layer: its seeds train one by one")
            continue
        try:
            node.train(specs[0].replace(epochs=3), keep=False)  # warm-up: dataset cache, allocator
        except DatasetUnavailable as e:
            sys.exit(str(e))
        seeds.train_seeds([s.replace(epochs=3) for s in specs], keep=False)
        start = time.perf_counter()
        alone = [node.train(s, keep=False) for s in specs]
        singles = time.perf_counter() - start
        start = time.perf_counter()
        together = seeds.train_seeds(specs, keep=False)
        batched = time.perf_counter() - start
        same = all(round(a.metrics["test_accuracy"], 4) == round(b.metrics["test_accuracy"], 4)
                   for a, b in zip(alone, together))
        mean = sum(r.metrics["test_accuracy"] for r in together) / len(together)
        print(f"{arch:5s} singles {singles:6.1f} s   batched {batched:6.1f} s   mean test {mean:.3f}   "
              f"every seed's test accuracy the same both ways: {'yes' if same else 'NO'}")
        ratios.append((arch, batched / singles))
    for arch, ratio in ratios:
        print(f"{arch} seeds={args.seeds} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
