"""Time per epoch of graph classification: PyG's usual mini-batch loop against our engine's.

The reference is the loop PyG's examples run (examples/mutag_gin.py): a
``torch_geometric.loader.DataLoader`` collating ``Data`` objects into a ``Batch`` every
step, the adjacency built from the batch's ``edge_index`` every step, GCN normalising it
in every layer, and Adam's per-tensor loop. Ours is ``gnncore.gnn.tasks.graph.train``: every graph
made once into what the layers take (gnncore.gnn.tasks.graph.Graphs), a batch those pieces
joined, the foreach Adam. Same model, weights, folds and shuffles, so both must report the
same accuracies (checked here); one thread, fold 0, no early stop.

    python bench/graph_speed.py [--dataset PROTEINS] [--epochs 30] [--models gcn,sage,gat,gin,mlp] [--profile]

``--profile`` also prints where our epochs spend their time (torch.profiler, by operator).

Ends with one line per architecture: ``gin ratio=0.55`` (ours / reference, lower is faster).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch_geometric.data import Batch  # noqa: E402
from torch_geometric.loader import DataLoader  # noqa: E402
from torch_geometric.nn import GINConv  # noqa: E402

from gnncore import config  # noqa: E402
from gnncore.gnn.tasks import graph  # noqa: E402
from gnncore.gnn.data.datasets import info  # noqa: E402
from gnncore.gnn.architectures import build, graph_input  # noqa: E402
from gnncore.runs import grid  # noqa: E402


def as_pyg(model) -> None:
    """Our GraphModel as PyG's layers run it: GCN normalising in each layer, PyG's GINConv."""
    for conv in model.convs:
        if model.arch == "gcn":
            conv.normalize = conv.add_self_loops = True  # GCNConv ties the second to the first
        if model.arch == "gin":
            conv.__class__ = GINConv


def reference(spec) -> tuple[float, list[float]]:
    """Seconds per epoch and the test accuracy of every epoch, the PyG-example way."""
    p = spec.params
    graphs, y, num_features, num_classes = graph._graphs(info(spec.dataset, "graph").name, str(config.data_dir()))
    train_idx, val_idx, test_idx = graph.fold_split(y, p["folds"], p["fold"])

    def inputs(batch):
        return batch.x, graph_input(spec.model, batch.edge_index, batch.num_nodes), batch.batch, batch.num_graphs

    val_in = inputs(Batch.from_data_list([graphs[i] for i in val_idx]))
    test_in = inputs(Batch.from_data_list([graphs[i] for i in test_idx]))
    torch.manual_seed(spec.seed)
    model = build(spec, num_features, num_classes)
    as_pyg(model)
    opt = torch.optim.Adam(model.parameters(), lr=p["lr"], weight_decay=p["weight_decay"])
    loader = DataLoader([graphs[i] for i in train_idx], batch_size=p["batch_size"], shuffle=True,
                        drop_last=len(train_idx) % p["batch_size"] == 1)
    accuracies = []
    start = time.perf_counter()
    for _ in range(p["epochs"]):
        model.train()
        for batch in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(*inputs(batch)), batch.y)
            loss.backward()
            opt.step()
        model.eval()
        with torch.inference_mode():
            model(*val_in)
            accuracies.append(float((model(*test_in).argmax(-1) == y[test_idx]).float().mean()))
    return (time.perf_counter() - start) / p["epochs"], accuracies


def ours(spec) -> tuple[float, list[float]]:
    start = time.perf_counter()
    result = graph.train(spec)
    return (time.perf_counter() - start) / spec.params["epochs"], [h["test_accuracy"] for h in result.history]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="PROTEINS")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--models", default="gcn,sage,gat,gin,mlp")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    lines = []
    for model in args.models.split(","):
        spec = grid("graph", args.dataset, [model], [0], epochs=args.epochs, patience=0, fold=0)[0]
        # Ours makes every graph once per process, then each fold of the model reuses them:
        # timed apart, once, and then kept for the runs timed below.
        name, root = info(args.dataset, "graph").name, str(config.data_dir())
        data_list = graph._graphs(name, root)[0]
        start = time.perf_counter()
        graph._prepared(name, root, model, "cpu")
        made = time.perf_counter() - start
        graph.train(grid("graph", args.dataset, [model], [0], epochs=1, patience=0, fold=0)[0])  # warm-up
        t_ref, acc_ref = reference(spec)
        t_ours, acc_ours = ours(spec)
        same = acc_ref == acc_ours
        print(f"{model}: reference {t_ref * 1e3:.0f} ms/epoch, ours {t_ours * 1e3:.0f} ms/epoch "
              f"(and {made:.2f} s once, to make the {len(data_list)} graphs), test accuracy per epoch "
              f"{'the same' if same else 'DIFFERENT'} (last {acc_ours[-1]:.4f})", flush=True)
        if not same:
            sys.exit(f"{model}: the two loops disagree; the ratio would compare different work.")
        lines.append(f"{model} ratio={t_ours / t_ref:.2f}")
        if args.profile:
            with torch.profiler.profile() as prof:
                ours(spec)
            print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
