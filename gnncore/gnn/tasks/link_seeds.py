"""Several seeds of one link-prediction run trained as one batched model.

As for node classification (:mod:`gnncore.gnn.tasks.node_seeds`), but every seed splits the edges
anew, so each seed's encoder runs on a graph of its own: the batch is the seeds' training
graphs side by side (a tuple of graphs, one per seed, to the batched layers of
:mod:`gnncore.gnn.kernels.batched`). What a seed's run alone draws it draws here from its own
streams, in the same order: its split and initialisation, its negative pairs each epoch
(PyG's ``negative_sampling``, as :mod:`gnncore.gnn.kernels.negatives` draws it, takes them from
Python's ``random``, so each seed's state of it is swapped in around the call) and its
dropout. Everything after the encoder (the pairs' scores, the loss, the ranking metrics,
the reported epoch) is the seed's own, as alone.
"""

from __future__ import annotations

import random
import time

import torch
import torch.nn.functional as F

from gnncore.gnn.kernels.batched import Seeds
from gnncore.gnn.architectures import count_parameters, graph_input, sparse_if_mostly_zero
from gnncore.gnn.kernels.negatives import NegativePairs
from gnncore.gnn.tasks.gae import edge_scores, encoder, ranking, split_edges
from gnncore.gnn.tasks.node_seeds import Stack, generator_after
from gnncore.gnn.tasks.training import link_metrics, link_row, link_selection
from gnncore.spec import Progress, ProgressFn, RunResult, RunSpec, StopFn, check_stop

__all__ = ["train_seeds"]


def _shared(splits) -> bool:
    """Whether the seeds' splits can share a batch: the same features and nodes, and as many
    pairs in each part (so the seeds' score tensors line up)."""
    first = splits[0]
    sizes = lambda s: (s.num_nodes, s.train_pos.shape, s.val_pos.shape, s.val_neg.shape,  # noqa: E731
                       s.test_pos.shape, s.test_neg.shape)
    return all(sizes(s) == sizes(first) and torch.equal(s.x, first.x) for s in splits[1:])


def train_seeds(specs: list[RunSpec], on_progress: ProgressFn = None,
                should_stop: StopFn = None) -> list[RunResult] | None:
    """Train resolved link specs that differ only in their seed as one batch; one RunResult
    per spec, as :func:`gnncore.gnn.tasks.link.train` gives for each alone. None when the
    seeds' splits cannot line up: the caller trains each alone."""
    p = specs[0].params
    splits = [split_edges(spec) for spec in specs]
    if not _shared(splits):
        return None
    n, count = splits[0].num_nodes, len(specs)
    x = sparse_if_mostly_zero(splits[0].x)
    graph = tuple(graph_input(specs[0].model, s.edge_index, n) for s in splits)
    built, python_states = [], []
    for spec in specs:
        random.seed(spec.seed)  # as the run alone seeds both streams before building
        built.append(generator_after(spec.seed, lambda: encoder(spec, splits[0].x.size(1))))
        python_states.append(random.getstate())
    stack = Stack([m for m, _ in built], Seeds([g for _, g in built]))
    opt = torch.optim.Adam([stack.param(name) for name in stack.names], lr=p["lr"],
                           weight_decay=p["weight_decay"])
    num_pos = splits[0].train_pos.size(1)
    targets = torch.cat([torch.ones(num_pos), torch.zeros(num_pos)])
    selections = [link_selection(spec) for spec in specs]
    running = [True] * count
    elapsed = [0.0] * count
    samplers = [NegativePairs(s.edge_index, n) for s in splits]
    negatives: list[torch.Tensor | None] = [None] * count
    outer = random.getstate()
    try:
        for epoch in range(1, p["epochs"] + 1):
            check_stop(should_stop)
            start = time.perf_counter()
            for k in range(count):
                if running[k]:  # a stopped seed draws no more, as its run alone has ended
                    random.setstate(python_states[k])
                    negatives[k] = samplers[k].draw(num_pos)
                    python_states[k] = random.getstate()
            stack.seeds.training = True
            opt.zero_grad()
            # One view per seed, taken once: the gradients of its four gathers then add up in
            # the order they do alone (taking z[k] per gather adds them in pairs first).
            zs = stack(x, graph).unbind(0)
            losses = []
            for k, s in enumerate(splits):
                logits = torch.cat([edge_scores(zs[k], s.train_pos), edge_scores(zs[k], negatives[k])])
                losses.append(F.binary_cross_entropy_with_logits(logits, targets[:logits.numel()]))
            torch.stack(losses).sum().backward()
            stack.step(opt, running)
            stack.seeds.training = False
            with torch.inference_mode():
                z = stack(x, graph)
                scores = [(*ranking(z[k], s.val_pos, s.val_neg), *ranking(z[k], s.test_pos, s.test_neg))
                          if running[k] else None for k, s in enumerate(splits)]
            share = (time.perf_counter() - start) / sum(running)
            for k in range(count):
                if not running[k]:
                    continue
                elapsed[k] += share
                val_auc, val_ap, test_auc, test_ap = scores[k]
                row = link_row(epoch, losses[k].item(), val_auc, val_ap, test_auc, test_ap)
                if on_progress:
                    on_progress(Progress(specs[k], epoch, p["epochs"], {"val_auc": val_auc, "loss": row["loss"]}))
                if selections[k].update(row):
                    running[k] = False
            if not any(running):
                break
    finally:
        random.setstate(outer)  # the caller's stream as it was

    params = count_parameters(stack.template)
    return [RunResult(spec, link_metrics(sel, elapsed[k], params), sel.history)
            for k, (spec, sel) in enumerate(zip(specs, selections))]
