"""The posenc training loop: fresh mixed-length batches every step, split by length into
groups, AdamW under a warmup-stable-decay schedule (the engine, :mod:`gnncore.posenc.train`,
builds the model and scores it)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from gnncore.posenc.model import Transformer
from gnncore.posenc.tasks import IGNORE, Batch, Task
from gnncore.spec import Progress, ProgressFn, RunSpec, StopFn, check_stop

PROGRESS_EVERY = 10  # steps between progress reports
HISTORY_POINTS = 100  # logged steps per run, whatever the number of steps
# Batches are split by length into this many groups, each padded to its own longest example
# and with its last layer cut to the output positions; three cost more per-call overhead
# than they saved (docs/decisions.md).
LENGTH_GROUPS = 2
DECAY_FROM = 0.8  # the learning rate decays over the last 20% of the steps (see learning_rate)


def make_optimizer(model: torch.nn.Module, lr: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW (Loshchilov & Hutter 2019), decaying weight matrices only, as nanoGPT does.
    betas (0.9, 0.98): Vaswani et al. 2017. fused: one kernel for all parameters instead
    of a dozen small ops per tensor, which on a CPU is most of the optimiser's time."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.98), fused=True)


def train_step(model: Transformer, optimizer: torch.optim.Optimizer, batches: list[Batch],
               generator: torch.Generator | None = None) -> float:
    """One update from one batch split into groups (see ``length_groups``); returns its loss.

    The gradient is that of the whole batch: each group adds its summed token losses over
    the batch's scored-token count. The loss covers the output and EOS only, so a group's
    logits start at the SEP position of its shortest example. The last column (the longest
    example's EOS, or padding) predicts nothing and, being last, is read by no other
    position, so it is left out (as an autoregressive wrapper's ``seq[:, :-1]`` does).
    """
    scored = sum(int((b.targets != IGNORE).sum()) for b in batches)
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for batch in batches:
        start = int(batch.lengths.min()) + 1
        logits = model(batch.tokens[:, :-1], start, generator=generator, structure=batch.significance)
        loss = F.cross_entropy(logits.flatten(0, 1), batch.targets[:, start:-1].flatten(),
                               ignore_index=IGNORE, reduction="sum") / scored
        loss.backward()
        total += loss.item()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=True)
    optimizer.step()
    return total


def length_groups(task: Task, batch_size: int, train_length: int, groups: int,
                  generator: torch.Generator) -> list[Batch]:
    """A batch of fresh examples, lengths uniform in 1..train_length, split by length into
    ``groups`` batches that are each padded only to their own longest example."""
    lengths = torch.randint(1, train_length + 1, (batch_size,), generator=generator).sort().values
    return [task.batch(chunk, generator) for chunk in lengths.chunk(groups)]


def learning_rate(step: int, steps: int, warmup: int, peak: float) -> float:
    """Warmup-stable-decay (Hu et al. 2024, "MiniCPM"): linear warmup to ``peak``, constant
    until ``DECAY_FROM`` of the steps, then cosine decay to peak / 10.

    Why not nanoGPT's cosine decay over all steps: copy is learnt in a sudden drop of the
    loss whose step varies by seed, and a drop that comes late needs a rate that has not
    decayed yet (docs/decisions.md).
    """
    if step <= warmup:
        return peak * step / warmup
    decay_from = max(warmup, int(DECAY_FROM * steps))
    if step <= decay_from:
        return peak
    progress = (step - decay_from) / max(1, steps - decay_from)
    return peak * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))


def fit(model: Transformer, task: Task, spec: RunSpec, on_progress: ProgressFn = None,
        should_stop: StopFn = None) -> list[dict]:
    """Train on fresh examples every step; returns the history (mean loss per logged span).

    Every batch mixes lengths 1..train_length: batches of a single length cost less but pull
    each update towards one length. The batch is split by length into ``LENGTH_GROUPS``
    groups, which keeps most padding out and leaves the gradient as it was.
    """
    hp = spec.params
    optimizer = make_optimizer(model, hp["lr"], hp["weight_decay"])
    generator = torch.Generator().manual_seed(spec.seed)
    steps = hp["steps"]
    log_every = max(1, steps // HISTORY_POINTS)
    history, losses = [], []
    model.train()
    for step in range(1, steps + 1):
        check_stop(should_stop)
        lr = learning_rate(step, steps, hp["warmup"], hp["lr"])
        for group in optimizer.param_groups:
            group["lr"] = lr
        batches = length_groups(task, hp["batch_size"], hp["train_length"], LENGTH_GROUPS, generator)
        loss = train_step(model, optimizer, batches, generator)
        losses.append(loss)
        if step % log_every == 0 or step == steps:
            history.append({"step": step, "loss": sum(losses) / len(losses), "lr": lr})
            losses = []
        if on_progress and (step % PROGRESS_EVERY == 0 or step == steps):
            on_progress(Progress(spec, step, steps, {"loss": loss}))
    return history
