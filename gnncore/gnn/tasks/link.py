"""Link prediction: a graph auto-encoder (Kipf & Welling 2016) with a choice of encoder.

The undirected edges are split 85 / 5 / 10 (train / validation / test) at random from the
run's seed with PyG's ``RandomLinkSplit``; the validation and test negatives (as many as
positives, pairs that are no edge of the whole graph) are fixed by that split. The encoder
(GCN, GraphSAGE, GAT or the MLP baseline, :func:`~gnncore.gnn.architectures.build`) runs
message passing over the training edges only, in training and in evaluation alike, as GAE
did. An edge's score is the dot product of its two end nodes' embeddings. Every epoch
draws fresh negative training pairs, one per positive training edge (PyG's
``negative_sampling``, drawn faster by :mod:`gnncore.gnn.kernels.negatives`).

Reported: test ROC AUC and average precision at the epoch of best validation AUC.
"""

from __future__ import annotations

import random
import time

import torch
import torch.nn.functional as F

from gnncore.gnn.tasks import link_seeds
from gnncore.gnn.tasks import reported as r
from gnncore.gnn.tasks import settings as gs
from gnncore.gnn.data.datasets import DatasetNames, knobs
from gnncore.gnn.architectures import architecture, architectures, count_parameters, graph_input, sparse_if_mostly_zero
from gnncore.gnn.kernels.negatives import NegativePairs
from gnncore.gnn.tasks.gae import edge_scores, encoder, ranking, split_edges
from gnncore.gnn.tasks.training import link_metrics, link_row, link_selection
from gnncore.gnn.tasks.node_seeds import per_batch, together  # noqa: F401 (the engine's batch functions)
from gnncore.protocol import Facts
from gnncore.spec import Progress, ProgressFn, RunResult, RunSpec, StopFn, check_stop

# GAE (Kipf & Welling 2016, Sec. 3): a 32-unit hidden layer, 16-dimensional embeddings,
# Adam with lr 0.01 for 200 epochs; their code uses no dropout and no weight decay, its
# layers no bias, its features the raw binary bag of words. Every encoder takes this setup;
# the architectures' own changes to it are in their modules (gnncore.gnn.architectures).
COMMON_DEFAULTS = dict(hidden=32, embedding=16, layers=2, dropout=0.0, lr=0.01, weight_decay=0.0,
                       epochs=200, patience=0,  # patience 0: no early stopping
                       features="raw")  # tkipf/gae's load_data reads the files' features as they are

FACTS = Facts(
    kind="link", title="Link prediction", command=("gnn", "--task", "link"),
    datasets=DatasetNames("link"), default_dataset="Cora",  # read at each use: datasets the user adds
    models=architectures("link"), default_models=("gcn", "sage", "gat", "mlp"),
    metrics=(r.TEST_AUC, r.TEST_AP),
    curves=(r.VAL_AUC, r.VAL_AP, r.TEST_AUC, r.TEST_AP, r.LOSS),
    costs=(r.MS_PER_EPOCH, r.PARAMS), others=(r.BEST_EPOCH, r.EPOCHS_RUN),
    file_prefix="gnn_link",
    columns=("dataset", "task", "model", "seed", "test_auc", "test_ap", "val_auc", "best_epoch",
             "epochs_run", "ms_per_epoch", "params"),
    settings=gs.for_task("link", gs.EMBEDDING, gs.FEATURES, *knobs("link"), gs.DEVICE),
    seeds=10,  # as node classification (see there)
    seed_batches=True,
    selected_by="validation ROC-AUC",
    reported="at the epoch of best validation AUC, mean ± standard deviation over seeds; each seed "
             "draws its own 85 / 5 / 10 split of the edges.",
    intro="Which node pairs are edges? Each model embeds the nodes from the training edges, a dot "
          "product scores a pair, and the held-out edges are ranked against as many pairs that are "
          "no edge (Kipf & Welling 2016). Several seeds each; every seed splits the edges anew.",
    model_help="Each model encodes the nodes and a dot product scores a pair (a graph auto-encoder, "
               "Kipf & Welling 2016); the MLP encodes each node from its features alone.",
)


def defaults(spec: RunSpec) -> dict:
    """GAE's setup (COMMON_DEFAULTS), then the architecture's changes to it, then the
    defaults of the dataset's knobs."""
    out = {**COMMON_DEFAULTS}
    if spec.model in FACTS.models:
        out.update(architecture(spec.model).defaults_for("link"))
    out.update(gs.dataset_defaults(spec.dataset))
    return out


def validate(spec: RunSpec) -> None:
    """Raise SpecError with one sentence when the spec cannot be run."""
    gs.validate(spec, FACTS)
    gs.check_device(spec)


def train(spec: RunSpec, on_progress: ProgressFn = None, should_stop: StopFn = None) -> RunResult:
    p = spec.params
    device = torch.device(p.get("device", "cpu"))
    s = split_edges(spec).to(device)
    x = sparse_if_mostly_zero(s.x)
    graph = graph_input(spec.model, s.edge_index, s.num_nodes)
    torch.manual_seed(spec.seed)
    random.seed(spec.seed)
    model = encoder(spec, s.x.size(1)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=p["lr"], weight_decay=p["weight_decay"])
    num_pos = s.train_pos.size(1)
    negatives = NegativePairs(s.edge_index, s.num_nodes)
    targets = torch.cat([torch.ones(num_pos, device=device), torch.zeros(num_pos, device=device)])

    elapsed = 0.0
    chosen = link_selection(spec)
    for epoch in range(1, p["epochs"] + 1):
        check_stop(should_stop)
        start = time.perf_counter()
        model.train()
        opt.zero_grad()
        neg = negatives.draw(num_pos)
        z = model(x, graph)
        logits = torch.cat([edge_scores(z, s.train_pos), edge_scores(z, neg)])
        loss = F.binary_cross_entropy_with_logits(logits, targets[:logits.numel()])
        loss.backward()
        opt.step()
        model.eval()
        with torch.inference_mode():
            z = model(x, graph)
            val_auc, val_ap = ranking(z, s.val_pos, s.val_neg)
            test_auc, test_ap = ranking(z, s.test_pos, s.test_neg)
        elapsed += time.perf_counter() - start
        row = link_row(epoch, loss.item(), val_auc, val_ap, test_auc, test_ap)
        if on_progress:
            on_progress(Progress(spec, epoch, p["epochs"], {"val_auc": val_auc, "loss": row["loss"]}))
        if chosen.update(row):
            break

    return RunResult(spec, link_metrics(chosen, elapsed, count_parameters(model)), chosen.history)


def train_together(specs: list[RunSpec], on_progress: ProgressFn = None, should_stop: StopFn = None) -> list[RunResult]:
    """The seeds of one run as one batch (gnncore.gnn.tasks.link_seeds), each with its result
    alone; seeds whose splits cannot line up train one by one."""
    together = link_seeds.train_seeds(specs, on_progress, should_stop)
    return together if together is not None else [train(spec, on_progress, should_stop) for spec in specs]
