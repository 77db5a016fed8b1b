"""Graph classification on TU datasets with the protocol of Errica et al. (2020).

The graphs are split into ``folds`` stratified folds (10 by default) from a fixed seed, so
every run, model and seed sees the same folds. One run trains one model on one outer
fold: that fold is the test set; a stratified 10% of the rest is the inner validation
set, the remainder trains. The reported test accuracy is the one at the epoch of best
validation accuracy (ties go to the lower validation loss); training stops early after
``patience`` epochs without progress. A model's score is the mean +- std of its test
accuracy over the folds.

What we leave out of Errica et al.'s protocol, for time: their model selection is a
grid search on the inner split and the final model is retrained three times per fold; we
train one fixed setting (``DEFAULTS``) once per fold.

A dataset made in code may bring its own split instead of folds, its own training settings
and its own protocol (its entry's ``graph_split``, ``task_defaults``, ``protocol``). Under
the ``fit`` protocol (Tree-NeighborsMatch, Alon & Yahav 2021) the measure is how well the
training set is fitted: the reported epoch is the one of best training accuracy (the
running accuracy over the epoch's batches, as the authors count it) and training stops at
100%. The authors train up to 50,000 epochs with a patience of 2,000; the ``epochs`` and
``patience`` settings say where a run here stops.
"""

from __future__ import annotations

import time
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torch_geometric.utils import dense_to_sparse

from gnncore import config
from gnncore.gnn.tasks import reported as r
from gnncore.gnn.tasks import settings as gs
from gnncore.gnn.kernels import sparse
from gnncore.gnn.data import encodings as enc
from gnncore.gnn.data.datasets import dataset_names, find, info, knobs, load_graphs
from gnncore.gnn.architectures import (architecture, architectures, build, count_parameters, graph_input,
                                      state_bytes)
from gnncore.gnn.tasks.training import SELECT
from gnncore.gnn.tasks.selection import BestEpoch
from gnncore.protocol import Facts, Setting
from gnncore.spec import Progress, ProgressFn, RunResult, RunSpec, SpecError, StopFn, check_stop

SPLIT_SEED = 0          # the folds are fixed: the same for every model and run seed
VAL_FOLDS = 10          # inner validation split: one tenth of the outer training part

# One fixed setting, since a grid search per fold is beyond this machine. Its values come
# from Errica et al. (2020)'s grids (config_GraphSAGE.yml, config_GIN.yml in their code):
# 3 layers of 64 units and Adam with lr 0.01 (GraphSAGE), batch size 32 and dropout 0.5
# (GIN). They train up to 1000 epochs with a patience of 500; we stop at 100 epochs, or
# after 20 without better validation accuracy, which keeps a 10-fold run on PROTEINS in
# minutes. Readout: mean, except where the model's paper sums (its module in gnncore.gnn.architectures).
DEFAULTS = dict(hidden=64, layers=3, dropout=0.5, lr=0.01, weight_decay=0.0, batch_size=32,
                epochs=100, patience=20, readout="mean", folds=10, fold=0)
FOLDS = Setting("folds", "Folds", type=int, low=2, scope="run", cli=False, shown=False,
                help="Stratified cross-validation folds.")
FOLD = Setting("fold", "Fold", type=int, low=0, scope="run", cli=False, shown=False,
               help="The outer fold that is the test set.")

FACTS = Facts(
    kind="graph", title="Graph classification", command=("gnn", "--task", "graph"),
    datasets=tuple(dataset_names("graph")), default_dataset="PROTEINS",
    models=architectures("graph"),
    default_models=tuple(name for name, a in architectures("graph").items() if a.in_defaults),
    metrics=(r.TEST_ACCURACY,),
    curves=r.ACCURACY_CURVES,
    costs=(r.MS_PER_EPOCH, r.PARAMS), others=(r.BEST_EPOCH, r.EPOCHS_RUN, r.TRAIN_ACCURACY),
    file_prefix="gnn_graph",
    columns=("dataset", "task", "model", "fold", "seed", "test_accuracy", "val_accuracy", "best_epoch",
             "epochs_run", "ms_per_epoch", "params"),
    settings=gs.for_task("graph", gs.BATCH_SIZE, gs.READOUT, FOLDS, FOLD, gs.FULLY_ADJACENT, *knobs("graph"),
                         gs.DEVICE, *enc.SETTINGS),
    # Every fold is run and the folds give the spread, so one seed per fold.
    seeds=1, folds=DEFAULTS["folds"],  # Errica et al. 2020 use 10 folds
    # The weights of the reported epoch: how the trained model embeds a pair of graphs
    # (gnncore.gnn.inside.pair_embeddings).
    keeps=("model",),
    selected_by="validation accuracy on the inner split",
    reported="on each outer fold at the epoch of best validation accuracy on the inner split, "
             "mean ± standard deviation over {over}, as in Errica et al. (2020).",
    intro="One label per graph: node embeddings pooled into one vector per graph, scored by "
          "stratified cross-validation as in Errica et al. (2020), against an MLP that ignores "
          "the edges. Every model trains once per fold.",
    model_help="GIN tells apart as many graphs as any message-passing model can (Xu et al. 2019). "
               "The MLP embeds each node without its edges, then pools: the baseline that shows "
               "what the graph adds.",
)


def defaults(spec: RunSpec) -> dict:
    """DEFAULTS, then the architecture's own (GAT's heads, GIN's and the baseline's sum), then
    the dataset's: its knobs' defaults and the settings it trains with (a dataset with a
    split of its own has no folds), then the architecture's for the dataset's protocol, then
    the knob of the graph encoding asked for."""
    out = {**DEFAULTS}
    arch = architecture(spec.model) if spec.model in FACTS.models else None
    if arch is not None:
        out.update(arch.defaults_for("graph"))
    d = find(spec.dataset)
    if d is None:
        return {**out, **enc.defaults(spec.params)}
    if not d.folds_apply:
        out = {k: v for k, v in out.items() if k not in (FOLDS.name, FOLD.name)}
    out.update(d.knob_defaults)
    if d.task_defaults is not None:
        out.update(d.task_defaults({**d.knob_defaults, **spec.params}))
    if arch is not None and d.protocol:
        out.update(arch.defaults.get(f"graph/{d.protocol}", {}))
    return {**out, **enc.defaults(spec.params)}


def validate(spec: RunSpec) -> None:
    """Raise SpecError with one sentence when the spec cannot be run."""
    gs.validate(spec, FACTS)
    gs.check_device(spec)
    enc.validate(spec.params)
    p, d = spec.params, info(spec.dataset, "graph")
    if p.get("readout") == "root" and not d.rooted:
        rooted = ", ".join(name for name in FACTS.datasets if info(name).rooted)
        raise SpecError(f"The root readout reads each graph's root node, which only {rooted} marks; "
                        f"choose mean, sum or max for {d.name}.")
    if p.get(gs.FULLY_ADJACENT.name) and not architecture(spec.model).uses_graph:
        raise SpecError(f"The fully-adjacent last layer is for message-passing models; "
                        f"{architecture(spec.model).label} sees no edges, so leave it off.")
    if not d.folds_apply:
        if FOLDS.name in p or FOLD.name in p:
            raise SpecError(f"{d.title} comes with its own split ({d.split}); leave folds unset.")
        return
    folds, fold = p["folds"], p["fold"]
    if fold >= folds:
        raise SpecError(f"Fold must be a whole number from 0 to {folds - 1}; got {fold}.")
    graphs = d.graphs
    if folds > graphs:
        raise SpecError(f"Folds must be at most the number of graphs ({graphs}); got {folds}.")


def judged_by(dataset: str):
    """The metric a comparison on ``dataset`` is judged by: training accuracy under the
    ``fit`` protocol (over-squashing keeps a model from fitting), else test accuracy."""
    d = find(dataset)
    return r.TRAIN_ACCURACY if d is not None and d.protocol == "fit" else FACTS.headline


def folds_for(dataset: str, folds: int | None = None) -> int:
    """The folds a comparison on ``dataset`` runs: ``folds``, unset its benchmark's (CSL's 5)
    or the task's; none where the dataset comes with a split of its own."""
    d = find(dataset)
    if folds is None:
        folds = d.folds if d is not None and d.folds else FACTS.folds
    return folds if d is None or d.folds_apply else 0


def stratified_folds(y: torch.Tensor, folds: int, seed: int) -> torch.Tensor:
    """The fold (0 .. folds-1) of every example, each class spread evenly over the folds.

    Each class is shuffled and dealt out round-robin, the deal carrying on from one class
    to the next, so fold sizes differ by at most one overall and within every class.
    Written here because scikit-learn's StratifiedKFold is not a dependency.
    """
    g = torch.Generator().manual_seed(seed)
    fold_of = torch.empty_like(y)
    dealt = 0
    for c in y.unique():
        idx = (y == c).nonzero().view(-1)
        idx = idx[torch.randperm(len(idx), generator=g)]
        fold_of[idx] = (torch.arange(len(idx)) + dealt) % folds
        dealt += len(idx)
    return fold_of


def fold_split(y: torch.Tensor, folds: int, fold: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Indices of the (train, validation, test) graphs of outer fold ``fold``."""
    outer = stratified_folds(y, folds, SPLIT_SEED)
    test = (outer == fold).nonzero().view(-1)
    rest = (outer != fold).nonzero().view(-1)
    inner = stratified_folds(y[rest], VAL_FOLDS, SPLIT_SEED)
    return rest[inner != 0], rest[inner == 0], test


@lru_cache(maxsize=4)
def _graphs(name: str, data_root: str, options: tuple = ()) -> tuple[list, torch.Tensor, int, int]:
    """The dataset as a list of graphs (``options``: its knobs' values, as sorted items),
    kept in memory across the folds of one process."""
    graphs = load_graphs(name, **dict(options))
    y = torch.tensor([int(g.y) for g in graphs])
    return graphs, y, graphs[0].num_features, int(y.max()) + 1


def complete_graph(num_nodes: int) -> torch.Tensor:
    """``edge_index`` joining every ordered pair of distinct nodes (the architectures add
    their self-loops)."""
    return dense_to_sparse(torch.ones(num_nodes, num_nodes) - torch.eye(num_nodes))[0]


class Graphs:
    """A dataset's graphs, each made once into what a model's layers take (features, and
    :func:`graph_input` at graph level with its transpose), so that a mini-batch is those
    pieces joined: a block-diagonal adjacency, as PyG's ``Batch.from_data_list`` followed
    by ``graph_input`` on the batch gives, in a few calls instead of a collation and a
    sort per batch."""

    def __init__(self, arch: str, data_list, device: torch.device | str = "cpu", encoding: tuple = (),
                 fully_adjacent: bool = False):
        self.edge_index = architecture(arch).edge_index
        params = dict(encoding)  # the spec's graph encoding and its knob (gnncore.gnn.data.encodings)
        pes = [enc.encode(g, params) for g in data_list]
        self.x = [(g.x if pe is None else torch.cat([g.x.float(), pe], dim=1)).to(device)
                  for g, pe in zip(data_list, pes)]
        self.graph = [sparse.fix(graph_input(arch, g.edge_index.to(device), g.num_nodes, graph_level=True))
                      for g in data_list]
        # The fully-adjacent last layer's graph: one per size, as graphs of a size share it.
        complete = {n: sparse.fix(graph_input(arch, complete_graph(n).to(device), n, graph_level=True))
                    for n in {g.num_nodes for g in data_list}} if fully_adjacent else {}
        self.complete = [complete[g.num_nodes] for g in data_list] if fully_adjacent else None
        self.device = device

    def _join(self, parts, sizes):
        return sparse.joined_edges(parts, sizes) if self.edge_index else sparse.block_diagonal(parts)

    def batch(self, ids, flips: torch.Tensor | None = None) -> tuple:
        """The model's inputs for the graphs ``ids``: (x, graph, batch, num_graphs), and the
        last layer's complete graphs where it is fully adjacent; ``flips`` [len(ids), k]: the
        signs of each graph's Laplacian eigenvectors (training)."""
        ids = list(ids)
        sizes = [self.x[i].size(0) for i in ids]
        graph = self._join([self.graph[i] for i in ids], sizes)
        batch = torch.repeat_interleave(torch.arange(len(ids), device=self.device),
                                        torch.tensor(sizes, device=self.device))
        x = torch.cat([self.x[i] for i in ids])
        out = ((x if flips is None else enc.flip_signs(x, flips, batch)), graph, batch, len(ids))
        return out if self.complete is None else (*out, self._join([self.complete[i] for i in ids], sizes))


@lru_cache(maxsize=8)  # every graph model of a dataset, for the folds one process trains
def _prepared(name: str, data_root: str, arch: str, device: str, options: tuple = (), encoding: tuple = (),
              fully_adjacent: bool = False) -> Graphs:
    return Graphs(arch, _graphs(name, data_root, options)[0], device, encoding, fully_adjacent)


def encoding_of(params: dict) -> tuple:
    """The settings of a spec that change what a graph's nodes get as input, hashable."""
    return tuple(sorted((s.name, params[s.name]) for s in enc.SETTINGS if s.name in params))


def _select(protocol: str):
    """What orders a run's epochs: validation accuracy, or under the ``fit`` protocol (where
    the training set is the measure) training accuracy, ties to the lower training loss."""
    return (lambda row: (row["train_accuracy"], -row["loss"])) if protocol == "fit" else SELECT["accuracy"]


def train(spec: RunSpec, on_progress: ProgressFn = None, should_stop: StopFn = None) -> RunResult:
    p = spec.params
    device = torch.device(p.get("device", "cpu"))
    d, root = info(spec.dataset, "graph"), str(config.data_dir())
    name, options = d.name, tuple(sorted(d.options(p).items()))
    _, y, num_features, num_classes = _graphs(name, root, options)
    graphs = _prepared(name, root, spec.model, str(device), options, encoding_of(p),
                       bool(p.get(gs.FULLY_ADJACENT.name)))
    if d.folds_apply:
        train_idx, val_idx, test_idx = fold_split(y, p["folds"], p["fold"])
    else:
        train_idx, val_idx, test_idx = d.graph_split(y, dict(options))
    # Validation and test sets are evaluated every epoch: collate each once, as one batch.
    val_in = graphs.batch(val_idx.tolist()) if len(val_idx) else None
    test_in = graphs.batch(test_idx.tolist())
    y = y.to(device)
    torch.manual_seed(spec.seed)
    model = build(spec, num_features + enc.width(p), num_classes).to(device)
    flips = torch.Generator().manual_seed(spec.seed)  # the eigenvectors' signs in training
    # foreach: the same numbers as the default per-tensor loop, in fewer calls over GIN's ~40 tensors.
    opt = torch.optim.Adam(model.parameters(), lr=p["lr"], weight_decay=p["weight_decay"], foreach=True)
    # The head's batch norm cannot train on a batch of one graph: drop such a last batch
    # (a different graph each epoch, as the order is shuffled).
    # Batches of graph ids, shuffled as PyG's DataLoader shuffles the graphs (the same draws).
    loader = DataLoader(train_idx.tolist(), batch_size=p["batch_size"], shuffle=True,
                        drop_last=len(train_idx) % p["batch_size"] == 1, collate_fn=list)

    elapsed, best_state = 0.0, None
    selection = BestEpoch(_select(d.protocol), p["patience"])
    for epoch in range(1, p["epochs"] + 1):
        check_stop(should_stop)
        start = time.perf_counter()
        model.train()
        total_loss, correct, seen = 0.0, 0, 0
        for ids in loader:
            opt.zero_grad()
            logits = model(*graphs.batch(ids, enc.signs(p, len(ids), flips)))
            labels = y[ids]
            loss = F.cross_entropy(logits, labels)
            loss.backward()
            opt.step()
            total_loss += float(loss.detach()) * len(ids)
            correct += int((logits.argmax(-1) == labels).sum())
            seen += len(ids)
        model.eval()
        with torch.inference_mode():
            val_logits = model(*val_in) if val_in is not None else None
            test_logits = model(*test_in)
        # No validation set (a dataset whose measure is the training fit): NaN, not a number made up.
        val_loss = float(F.cross_entropy(val_logits, y[val_idx])) if val_in is not None else float("nan")
        val_acc = float((val_logits.argmax(-1) == y[val_idx]).float().mean()) if val_in is not None else float("nan")
        test_acc = float((test_logits.argmax(-1) == y[test_idx]).float().mean())
        elapsed += time.perf_counter() - start
        # train_accuracy: running accuracy over the epoch's batches, in training mode.
        row = dict(epoch=epoch, loss=total_loss / seen, val_loss=val_loss, train_accuracy=correct / seen,
                   val_accuracy=val_acc, test_accuracy=test_acc)
        if on_progress:
            on_progress(Progress(spec, epoch, p["epochs"], {"val_accuracy": val_acc, "loss": row["loss"]}))
        stop = selection.update(row)
        if selection.row is row:  # the reported epoch's weights: the pair embeddings view and the explanations read them
            best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        # Under ``fit`` a run that fits every training graph has nothing left to show (the authors stop there).
        if stop or (d.protocol == "fit" and row["train_accuracy"] == 1.0):
            break

    metrics = {**selection.summary(elapsed, "test_accuracy", "val_accuracy", "train_accuracy"),
               "params": count_parameters(model), "train_graphs": len(train_idx),
               "val_graphs": len(val_idx), "test_graphs": len(test_idx)}
    return RunResult(spec, metrics, selection.history, artifacts={"model": state_bytes(best_state)})
