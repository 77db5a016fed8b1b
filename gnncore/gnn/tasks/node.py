"""Full-batch node classification: train on the labelled nodes, select on validation.

The reported test accuracy is the one at the epoch of best validation accuracy (ties go
to the lower validation loss), or with ``select="loss"`` at the epoch of lowest validation
loss, which is what Velickovic et al. (2018, Sec. 3.3) used for GAT on PubMed.
"""

from __future__ import annotations

import math
import time

import torch
import torch.nn.functional as F

from gnncore.gnn.data import encodings as enc
from gnncore.gnn.data import sampling
from gnncore.gnn.tasks import node_seeds as seeds
from gnncore.gnn.tasks import reported as r
from gnncore.gnn.tasks import settings as gs
from gnncore.gnn.tasks.training import node_metrics, node_row, node_selection, optimizer
from gnncore.gnn.data.datasets import DatasetNames, info, knobs, load_node_data
from gnncore.gnn.kernels.measures import mean_average_distance
from gnncore.gnn.kernels.memory import PeakMemory
from gnncore.gnn.architectures import (architecture, architectures, build, count_parameters, graph_input,
                                      sparse_if_mostly_zero, state_bytes)
from gnncore.gnn.data.sampling import parse_fanout
from gnncore.gnn.tasks.node_seeds import per_batch, together  # noqa: F401 (the engine's batch functions)
from gnncore.gnn.inside.snapshots import Snapshots
from gnncore.protocol import Facts
from gnncore.spec import Progress, ProgressFn, RunResult, RunSpec, StopFn, check_stop

# What every model gets unless its paper says otherwise (the architectures' own settings
# are in their modules, gnncore.gnn.architectures): Kipf & Welling's 200 epochs of 2 layers, no early stopping.
COMMON_DEFAULTS = dict(epochs=200, layers=2, patience=0, select="accuracy")
# How each protocol trains, whatever the model (each architecture's own settings under a
# protocol are in its ``defaults``, gnncore.gnn.architectures). Shchur et al. 2018 (their code,
# shchur/gnn-benchmark: config/train.conf.yaml): early stopping on the validation loss only,
# patience 50, the weights of the lowest validation loss (their "gnnbench" criterion; at most
# 100,000 epochs, 5,000 here). Zhu et al. 2020 (H2GCN) on the Geom-GCN splits
# (GemsLab/H2GCN, experiments/h2gcn/configs/real-geomgcn): longer training with early
# stopping (they took the best of patience 40, 100 and 200; one setting here). "published"
# (ogbn-arxiv, Flickr, Reddit) keeps the arena's training.
PROTOCOL_TRAINING = {"shchur": dict(select="loss", patience=50, epochs=5000),
                     "geom": dict(epochs=1000, patience=100),
                     "published": {},
                     # Ying et al. 2019's benchmarks with planted motifs (gnncore.gnn.data.motifs):
                     # their code's training (RexYing/gnn-model-explainer, configs.py): 3 layers,
                     # 1000 epochs; the width, rate and decay are each architecture's "node/explain".
                     "explain": dict(layers=3, epochs=1000)}

FACTS = Facts(
    kind="node", title="Node classification", command=("gnn", "--task", "node"),
    datasets=DatasetNames("node"), default_dataset="Cora",  # read at each use: datasets the user adds
    models=architectures("node"), default_models=("gcn", "sage", "gat", "mlp"),
    metrics=(r.TEST_ACCURACY,),
    curves=r.ACCURACY_CURVES,
    costs=(r.MS_PER_EPOCH, r.PEAK_MB, r.PARAMS),
    measures=(r.MAD,), others=(r.BEST_EPOCH, r.EPOCHS_RUN),
    file_prefix="gnn",  # gnn_Cora_...: the names its files had before links and graphs came
    columns=("dataset", "task", "model", "seed", "test_accuracy", "val_accuracy", "best_epoch",
             "epochs_run", "ms_per_epoch", "peak_mb", "params"),
    settings=gs.for_task("node", gs.SELECT, *knobs("node"), gs.NODE_BATCH, gs.FANOUT, gs.DEVICE, *enc.SETTINGS),
    # Ten seeds, page and CLI alike: the papers report means over many runs, and a paired
    # comparison of two models needs about ten to tell a one-point difference.
    seeds=10,
    seed_batches=True,
    selected_by="validation accuracy",
    reported="at the epoch of best validation accuracy, mean ± standard deviation over seeds.",
    intro="Graph neural networks against an MLP that ignores the edges: same data, same splits, "
          "several seeds each.",
    model_help="The MLP never looks at the edges: the baseline that shows what the graph adds.",
    # The weights of the reported epoch (what each node hears, its prediction) and the
    # embedding snapshots (how the representations move): gnncore.gnn.inside.neighbourhood, .snapshots.
    keeps=("model", "embeddings"),
)


def defaults(spec: RunSpec) -> dict:
    """COMMON_DEFAULTS, then the dataset's protocol's training, then the architecture's
    settings for the task, its protocol and the dataset (Architecture.defaults_for), then
    the defaults of the dataset's knobs."""
    card = info(spec.dataset, "node")
    out = {**COMMON_DEFAULTS, **PROTOCOL_TRAINING.get(card.protocol, {})}
    if spec.model in FACTS.models:
        out.update(architecture(spec.model).defaults_for("node", card.protocol, card.name))
    out.update(card.knob_defaults)
    return {**out, **enc.defaults(spec.params)}


def validate(spec: RunSpec) -> None:
    """Raise SpecError with one sentence when the spec cannot be run."""
    gs.validate(spec, FACTS)
    gs.check_batches(spec)
    enc.validate(spec.params)




def train(spec: RunSpec, on_progress: ProgressFn = None, should_stop: StopFn = None,
          keep: bool = True) -> RunResult:
    """Train a resolved spec; ``keep`` False skips the artifacts (to time what they cost).

    With ``batch_size`` set each epoch takes the training nodes in sampled mini-batches
    (gnncore.gnn.data.sampling); evaluation always runs on the whole graph, every neighbour
    included: exact, and without gradients it needs only one layer's activations at a time.
    """
    p = spec.params
    device = torch.device(p.get("device", "cpu"))
    torch.manual_seed(spec.seed)
    # A graph encoding is appended to the features: every model reads it (gnncore.gnn.data.encodings).
    data = enc.with_encoding(load_node_data(spec.dataset, spec.seed, **gs.dataset_options(spec)), p).to(device)
    x = sparse_if_mostly_zero(data.x)
    flips = torch.Generator().manual_seed(spec.seed)  # the Laplacian eigenvectors' signs in training
    graph = graph_input(spec.model, data.edge_index, data.num_nodes)
    # Peak memory above the loaded graph: what training and evaluation need.
    with PeakMemory(device) as memory:
        torch.manual_seed(spec.seed)
        # A mini-batch is another graph each step: nothing may cache the normalised adjacency.
        model = build(spec, data.num_features, data.num_classes, cached=not p.get("batch_size")).to(device)
        opt = optimizer(spec, model)
        step = _batches(spec, model, opt, data, should_stop) if p.get("batch_size") else None
        y, masks = data.y, (data.train_mask, data.val_mask, data.test_mask)

        elapsed, smoothness, diverged = 0.0, float("nan"), 0
        chosen = node_selection(spec)
        snapshots, best_state = Snapshots(p["epochs"]) if keep else None, None
        if keep:  # the untrained model, frame 0 (no_grad: what GCN caches here must serve backward)
            model.eval()
            with torch.no_grad():
                snapshots.offer(0, *model(x, graph, hidden=True))
        for epoch in range(1, p["epochs"] + 1):
            check_stop(should_stop)
            start = time.perf_counter()
            model.train()
            if step is None:
                opt.zero_grad()
                signs = enc.signs(p, 1, flips)
                x_in = x if signs is None else enc.flip_signs(x, signs.to(device))
                loss = F.cross_entropy(model(x_in, graph)[data.train_mask], y[data.train_mask])
                loss.backward()
                opt.step()
                loss = loss.item()
            else:
                loss = step()
            model.eval()
            with torch.inference_mode():
                if keep:
                    hidden, logits = model(x, graph, hidden=True)
                else:
                    logits = model(x, graph)
                val_loss = float(F.cross_entropy(logits[data.val_mask], y[data.val_mask]))
                correct = logits.argmax(-1) == y
                accs = [float(correct[m].float().mean()) for m in masks]
            elapsed += time.perf_counter() - start
            if keep:  # not timed: ms_per_epoch is the training's cost, with or without the views
                snapshots.offer(epoch, hidden, logits)
            row = node_row(epoch, loss, val_loss, accs)
            if on_progress:
                on_progress(Progress(spec, epoch, p["epochs"], {"val_accuracy": accs[1], "loss": row["loss"]}))
            stop = chosen.update(row)
            if not math.isfinite(loss):  # diverged (deep GAT at a high rate): later epochs are NaN too
                diverged, stop = epoch, True
            if chosen.row is row:
                # How alike the nodes' outputs are at the reported epoch: the run's smoothness.
                smoothness = mean_average_distance(logits)
                if keep:
                    best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            if stop:
                break

    metrics = node_metrics(chosen, elapsed, count_parameters(model), smoothness, memory.peak_mb, diverged)
    embeddings = snapshots.encode(y.cpu(), [m.cpu() for m in masks]) if keep else None
    artifacts = {"model": state_bytes(best_state), **({"embeddings": embeddings} if embeddings else {})} if keep else {}
    return RunResult(spec, metrics, chosen.history, artifacts=artifacts)


def train_together(specs: list[RunSpec], on_progress: ProgressFn = None, should_stop: StopFn = None,
                   keep: bool = True) -> list[RunResult]:
    """The seeds of one run as one batch (gnncore.gnn.tasks.node_seeds), each with its result
    alone; seeds that cannot share a batch (a graph or a split size of their own) train one by one."""
    together = seeds.train_seeds(specs, on_progress, should_stop, keep)
    return together if together is not None else [train(spec, on_progress, should_stop, keep) for spec in specs]


def _batches(spec: RunSpec, model: torch.nn.Module, opt: torch.optim.Optimizer, data, should_stop: StopFn):
    """One epoch of sampled mini-batches over the training nodes, as a function that returns
    the epoch's mean training loss."""
    p = spec.params
    fanout = parse_fanout(p.get("fanout", gs.default_fanout(p["layers"])), p["layers"])
    batches = sampling.loader(data, data.train_mask.nonzero().view(-1), p["batch_size"], fanout, spec.seed)

    def epoch() -> float:
        total, seen = 0.0, 0
        for batch in batches:
            check_stop(should_stop)  # an epoch on a large graph is long
            opt.zero_grad()
            x = sparse_if_mostly_zero(batch.x)
            out = model(x, graph_input(spec.model, batch.edge_index, batch.num_nodes))[:batch.batch_size]
            loss = F.cross_entropy(out, batch.y[:batch.batch_size])
            loss.backward()
            opt.step()
            total, seen = total + loss.item() * batch.batch_size, seen + batch.batch_size
        return total / max(seen, 1)

    return epoch

