"""Several seeds of one node-classification run trained as one batched model.

An epoch of these small models is mostly per-call overhead (about a hundred aten calls for
a GCN), so S seeds trained together pay it once (:mod:`gnncore.gnn.kernels.batched`: every
weight with a leading seed dimension, one sparse product over S-times-wider features, one
optimizer step for all).

What stays per seed is what its run alone has: its initialisation (each model is built
after ``torch.manual_seed(seed)``, as :func:`gnncore.gnn.tasks.node.train` builds it, then the
weights are stacked with ``torch.func.stack_module_state``), its dropout masks (each seed
draws from a generator that continues the global stream its run alone draws from, in the
same order and shapes), its split, its loss, its early stop (a seed that stopped stops
updating) and its reported epoch. Each row of a batched product sums the same terms in the
same order as the run alone (:mod:`gnncore.gnn.kernels.batched`), so a seed trained inside
a batch gives its run alone's result to the bit, every epoch's loss and accuracy
(tests/gnn/test_seeds.py), and is stored under its own spec.
"""

from __future__ import annotations

import math
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch.func import stack_module_state

from gnncore.gnn.tasks import settings as gs
from gnncore.gnn.kernels.batched import Seeds
from gnncore.gnn.data.datasets import info, load_node_data
from gnncore.gnn.kernels.measures import mean_average_distance
from gnncore.gnn.kernels.memory import PeakMemory
from gnncore.gnn.architectures import (architecture, build, count_parameters, graph_input, sparse_if_mostly_zero,
                                      state_bytes)
from gnncore.gnn.tasks.training import adam, node_metrics, node_row, node_selection
from gnncore.gnn.inside.snapshots import Snapshots
from gnncore.spec import Progress, ProgressFn, RunResult, RunSpec, StopFn, check_stop

__all__ = ["Stack", "batchable", "generator_after", "per_batch", "together", "train_seeds"]


def batchable(spec: RunSpec) -> bool:
    """Whether seeds of ``spec`` can train as one batch: an architecture that declares
    ``batched_seeds``, full batch (a sampled mini-batch is another subgraph per seed), on the
    CPU, without a graph encoding."""
    # A graph encoding's features (and the Laplacian's sign flips) are node.train's alone.
    return (architecture(spec.model).batched_seeds and not spec.params.get("batch_size")
            and spec.params.get("device", "cpu") == "cpu" and not spec.params.get("graph_encoding"))


def together(spec: RunSpec):
    """The spec without its seed, for a batchable node or link spec; None otherwise (also
    where each seed draws a graph of its own: the synthetic one)."""
    if not batchable(spec) or info(spec.dataset, spec.kind).graph_per_seed:
        return None
    d = spec.to_dict()
    d.pop("seed")
    return repr(sorted((k, repr(v)) for k, v in d.items()))


# Seeds per batch: the page's and the CLI's ten on graphs whose epochs are mostly per-call
# overhead; one (no batch) from about 10,000 nodes, where an epoch is work that batching
# does not shrink and a batch only multiplies the memory (docs/decisions.md).
MAX_SEEDS = 10
BATCH_BELOW_NODES = 10_000


def per_batch(spec: RunSpec) -> int:
    return MAX_SEEDS if info(spec.dataset, spec.kind).nodes < BATCH_BELOW_NODES else 1


class Stack(torch.nn.Module):
    """The S models' weights stacked, with a batched forward of the architecture."""

    def __init__(self, models: list[torch.nn.Module], seeds: Seeds):
        super().__init__()
        self.template, self.seeds = models[0], seeds
        params, buffers = stack_module_state(models)
        self.names = list(params)
        self.stacked = torch.nn.ParameterDict({k.replace(".", "__"): torch.nn.Parameter(v) for k, v in params.items()})
        self.buffers_ = buffers
        self.arch = architecture(models[0].arch)
        self._cache: dict = {}

    def cached(self, key: str, make: Callable):
        """What a layer derives from the fixed graph once (GCN's normalised adjacency)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def param(self, name: str) -> torch.Tensor | None:
        """The seeds' stacked weight of that name; None where the model has none (no bias)."""
        key = name.replace(".", "__")
        return self.stacked[key] if key in self.stacked else None

    def forward(self, x, graph, hidden: bool = False):
        """[S, N, C] logits (with ``hidden`` also the last hidden layer, as ConvStack's)."""
        return self.arch.batched_forward(self, x, graph, hidden)

    def step(self, opt: torch.optim.Optimizer, running: list[bool]) -> None:
        """The optimizer's step for the seeds still running: a seed that stopped stops updating."""
        frozen = [k for k, r in enumerate(running) if not r]
        kept = {name: v.detach()[frozen].clone() for name, v in self.stacked.items()} if frozen else {}
        opt.step()
        with torch.no_grad():
            for name, v in kept.items():
                self.stacked[name][frozen] = v

    def state_of(self, s: int) -> dict[str, torch.Tensor]:
        """Seed ``s``'s weights under the names its model alone has."""
        out = {k: self.param(k)[s].detach().to("cpu", copy=True) for k in self.names}
        out.update({k: v[s].detach().to("cpu", copy=True) for k, v in self.buffers_.items()})
        return out


def generator_after(seed: int, build: Callable[[], torch.nn.Module]) -> tuple[torch.nn.Module, torch.Generator]:
    """The model its run alone builds, and a generator where that run's global stream is then."""
    torch.manual_seed(seed)
    model = build()
    g = torch.Generator()
    g.set_state(torch.get_rng_state())
    return model, g


class _Rows:
    """One split's nodes per seed, from masks [S, N]: shared when every seed has the same,
    else one row of indices per seed (the same count per seed: Shchur et al.'s splits)."""

    def __init__(self, mask: torch.Tensor):
        s = mask.size(0)
        self.seeds = torch.arange(s).view(-1, 1)
        self.shared = bool((mask == mask[:1]).all())
        if self.shared:
            self.index = mask[0].nonzero().view(-1)
        else:
            self.index = torch.stack([mask[k].nonzero().view(-1) for k in range(s)])

    @staticmethod
    def fit(mask: torch.Tensor) -> bool:
        """Whether every seed's split has the same number of nodes (else no batch)."""
        counts = mask.sum(1)
        return bool((counts == counts[0]).all())

    def take(self, t: torch.Tensor) -> torch.Tensor:
        """[S, n, ...]: each seed's rows of a seed-major [S, N, ...] tensor."""
        return t[:, self.index] if self.shared else t[self.seeds, self.index]

    def loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """[S] mean cross-entropies, each by ``F.cross_entropy`` on the seed's rows alone: one
        call over all seeds reduces in another order, and in training those last bits grow."""
        rows, labels = self.take(logits), self.take(y.expand(logits.size(0), -1))
        return torch.stack([F.cross_entropy(rows[s], labels[s]) for s in range(rows.size(0))])

    def mean(self, correct: torch.Tensor) -> torch.Tensor:
        return self.take(correct).float().mean(1)


def train_seeds(specs: list[RunSpec], on_progress: ProgressFn = None, should_stop: StopFn = None,
                keep: bool = True) -> list[RunResult] | None:
    """Train resolved specs that differ only in their seed as one batch; one RunResult per spec,
    as :func:`gnncore.gnn.tasks.node.train` gives for each alone (each seed's model built as its
    run alone builds it). None when the seeds cannot share a batch (each draws its own graph, or their splits differ
    in size): the caller trains each alone."""
    first = specs[0]
    p = first.params
    datas = []
    for spec in specs:
        torch.manual_seed(spec.seed)
        datas.append(load_node_data(spec.dataset, spec.seed, **gs.dataset_options(spec)))
    data = datas[0]
    masks = [torch.stack([d.train_mask for d in datas]), torch.stack([d.val_mask for d in datas]),
             torch.stack([d.test_mask for d in datas])]
    shared = all(d.num_nodes == data.num_nodes and torch.equal(d.edge_index, data.edge_index)
                 and torch.equal(d.x, data.x) for d in datas[1:])
    if not shared or not all(_Rows.fit(m) for m in masks):
        return None
    y = data.y
    x = sparse_if_mostly_zero(data.x)
    graph = graph_input(first.model, data.edge_index, data.num_nodes)
    s_count = len(specs)
    with PeakMemory("cpu") as memory:
        built = [generator_after(spec.seed, lambda: build(spec, data.num_features, data.num_classes))
                 for spec in specs]
        seeds = Seeds([g for _, g in built])
        stack = Stack([m for m, _ in built], seeds)
        opt = adam(first, ((name, stack.param(name)) for name in stack.names))
        selections = [node_selection(first) for _ in specs]
        snapshots = [Snapshots(p["epochs"]) for _ in specs] if keep else None
        best_states: list[dict | None] = [None] * s_count
        smoothness = [float("nan")] * s_count
        diverged = [0] * s_count
        running = [True] * s_count
        elapsed = [0.0] * s_count
        train, val, test = (_Rows(m) for m in masks)
        if keep:
            seeds.training = False
            with torch.no_grad():
                hidden, logits = stack(x, graph, hidden=True)
            for s in range(s_count):
                snapshots[s].offer(0, hidden[s], logits[s])
        for epoch in range(1, p["epochs"] + 1):
            check_stop(should_stop)
            start = time.perf_counter()
            seeds.training = True
            opt.zero_grad()
            out = stack(x, graph)
            # Each seed's mean loss over its own training nodes; the gradient of their sum
            # is in each seed's slice that seed's own.
            losses = train.loss(out, y)
            losses.sum().backward()
            stack.step(opt, running)
            seeds.training = False
            with torch.inference_mode():
                if keep:
                    hidden, logits = stack(x, graph, hidden=True)
                else:
                    logits = stack(x, graph)
                correct = logits.argmax(-1) == y
                columns = [losses.detach(), val.loss(logits, y), *(r.mean(correct) for r in (train, val, test))]
                values = torch.stack(columns, 1).tolist()
            rows = [node_row(epoch, v[0], v[1], v[2:]) if running[s] else None for s, v in enumerate(values)]
            # The batch's time, shared by the seeds it trained: each seed's cost of an epoch.
            share = (time.perf_counter() - start) / sum(running)
            for s in range(s_count):
                elapsed[s] += share if running[s] else 0.0
            for s, row in enumerate(rows):
                if row is None:
                    continue
                if keep:
                    snapshots[s].offer(epoch, hidden[s], logits[s])
                if on_progress:
                    on_progress(Progress(specs[s], epoch, p["epochs"],
                                         {"val_accuracy": row["val_accuracy"], "loss": row["loss"]}))
                stop = selections[s].update(row)
                if not math.isfinite(row["loss"]):
                    diverged[s], stop = epoch, True
                if selections[s].row is row:
                    smoothness[s] = mean_average_distance(logits[s])
                    if keep:
                        best_states[s] = stack.state_of(s)
                if stop:
                    running[s] = False
            if not any(running):
                break

    params = count_parameters(stack.template)
    results = []
    for s, spec in enumerate(specs):
        sel = selections[s]
        metrics = node_metrics(sel, elapsed[s], params, smoothness[s], memory.peak_mb, diverged[s])
        artifacts = {}
        if keep:
            embeddings = snapshots[s].encode(y, [m[s] for m in masks])
            artifacts = {"model": state_bytes(best_states[s]), **({"embeddings": embeddings} if embeddings else {})}
        results.append(RunResult(spec, metrics, sel.history, artifacts=artifacts))
    return results
