"""Time per epoch on one node dataset: a bare PyG loop against our engine, same model, same data.

The bare loop is shaped like PyG's examples/gcn.py and examples/gat.py: dense features,
``edge_index`` message passing, 200 epochs, evaluation every epoch, test accuracy at the
best validation epoch. Ours is ``gnncore.gnn.tasks.node.train`` on the same spec, timed from the
outside (its data preparation included).

    python bench/gnn_speed.py [--dataset Cora] [--epochs 200] [--models gcn,sage,gat,mlp] [--threads N]

Both train on the data our engine loads for the dataset (for Amazon and Coauthor: the largest
component, raw features), with the spec's hyperparameters (the dataset's protocol included).

Ends with one line per architecture: ``gcn ratio=0.12`` (ours / bare, lower is faster).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch_geometric.nn import GATConv, GCNConv, SAGEConv  # noqa: E402

from gnncore.gnn.tasks import node  # noqa: E402
from gnncore.gnn.data.datasets import DatasetUnavailable, load_node_data  # noqa: E402
from gnncore.runs import resolve  # noqa: E402
from gnncore.spec import RunSpec  # noqa: E402


class Bare(torch.nn.Module):
    """Two PyG convolutions with dropout before each, as in PyG's examples."""

    def __init__(self, arch, p, in_dim, out_dim):
        super().__init__()
        self.arch, self.dropout = arch, p["dropout"]
        h = p["hidden"]
        if arch == "gcn":
            self.c1, self.c2 = GCNConv(in_dim, h), GCNConv(h, out_dim)
        elif arch == "sage":
            self.c1, self.c2 = SAGEConv(in_dim, h), SAGEConv(h, out_dim)
        elif arch == "gat":
            self.c1 = GATConv(in_dim, h, heads=p["heads"], dropout=p["dropout"])
            self.c2 = GATConv(h * p["heads"], out_dim, heads=p["out_heads"], concat=False, dropout=p["dropout"])
        else:
            self.c1, self.c2 = torch.nn.Linear(in_dim, h), torch.nn.Linear(h, out_dim)

    def forward(self, x, edge_index):
        act = F.elu if self.arch == "gat" else F.relu
        args = () if self.arch == "mlp" else (edge_index,)
        x = F.dropout(x, self.dropout, self.training)
        x = act(self.c1(x, *args))
        x = F.dropout(x, self.dropout, self.training)
        return self.c2(x, *args)


def bare_loop(arch, spec, data, epochs):
    p = spec.params
    torch.manual_seed(spec.seed)
    model = Bare(arch, p, data.num_features, data.num_classes)
    opt = torch.optim.Adam(model.parameters(), lr=p["lr"], weight_decay=p["weight_decay"])
    best_val = test_at_best = 0.0
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        opt.zero_grad()
        out = model(data.x, data.edge_index)
        F.cross_entropy(out[data.train_mask], data.y[data.train_mask]).backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            pred = model(data.x, data.edge_index).argmax(-1)
        accs = [float((pred[m] == data.y[m]).float().mean()) for m in (data.train_mask, data.val_mask, data.test_mask)]
        if accs[1] > best_val:
            best_val, test_at_best = accs[1], accs[2]
    return 1000 * (time.perf_counter() - start) / epochs, test_at_best


def ours(spec):
    start = time.perf_counter()
    result = node.train(spec)
    return 1000 * (time.perf_counter() - start) / result.metrics["epochs_run"], result.metrics["test_accuracy"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="Cora", help="a node dataset: " + ", ".join(node.FACTS.datasets))
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--models", default="gcn,sage,gat,mlp")
    ap.add_argument("--threads", type=int, help="torch threads (default: PyTorch's choice)")
    args = ap.parse_args()
    models = args.models.split(",")
    unknown = sorted(set(models) - {"gcn", "sage", "gat", "mlp"})
    if unknown:
        sys.exit(f"Unknown model '{unknown[0]}'; choose from gcn, sage, gat, mlp.")
    if args.epochs < 1:
        sys.exit(f"--epochs must be at least 1, not {args.epochs}.")
    dataset = next((d for d in node.FACTS.datasets if d.lower() == args.dataset.lower()), None)
    if dataset is None:
        sys.exit(f"Unknown dataset '{args.dataset}'; choose from {', '.join(node.FACTS.datasets)}.")
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        data = load_node_data(dataset)
    except DatasetUnavailable as e:
        sys.exit(str(e))
    print(f"{dataset}, {args.epochs} epochs, torch {torch.__version__}, {torch.get_num_threads()} threads")
    ratios = []
    for arch in models:
        # Every epoch runs in both loops: no early stopping, so the per-epoch times compare.
        spec = resolve(RunSpec.make("node", dataset, arch, 0, epochs=args.epochs, patience=0))
        bare_loop(arch, spec, data, 5)  # warm-up: allocator, lazy init
        ours(spec.replace(epochs=5))
        bare_ms, bare_acc = bare_loop(arch, spec, data, args.epochs)
        our_ms, our_acc = ours(spec)
        print(f"{arch:5s} bare {bare_ms:7.1f} ms/epoch (test {bare_acc:.3f})   "
              f"ours {our_ms:6.1f} ms/epoch (test {our_acc:.3f})")
        ratios.append((arch, our_ms / bare_ms))
    for arch, ratio in ratios:
        print(f"{arch} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
