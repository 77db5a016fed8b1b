"""Ten seeds trained as one batch against ten single runs, in one process, on one thread.

For each architecture on Cora (its paper's settings, 200 epochs): the ten seeds' runs one
after another (``gnncore.gnn.tasks.node.train``), then the same ten as one batched model
(``gnncore.gnn.tasks.node.train_together``), both without the views' artifacts, and whether every
seed reported the same test accuracy both ways (and how many seeds' histories, every
loss of every epoch, are equal to the bit). ``--task link`` does the same for link
prediction (``gnncore.gnn.tasks.link.train_together``).

For the transformer (``--encodings rope``, on copy), the engine trains seeds one by one
(README, "Seeds of one run train as one batch", says why), so what is timed is what a
batch would gain: the engine's own training steps for each seed against one
``torch.func.vmap`` step of all seeds over the same batches (padded to a common width:
vmap needs one shape), written here and nowhere else.

    python bench/seeds_speed.py [--models gcn,sage,gat,appnp,mlp] [--encodings rope] [--seeds 10]
                                [--dataset Cora] [--task node|link] [--steps 100] [--sizes 1,2,5,10]

``--sizes`` prints instead, per architecture, a seed's cost of an epoch in batches of each
size: where a bigger batch stops paying (how ``gnncore.gnn.tasks.node_seeds.MAX_SEEDS`` was chosen).

Ends with one line per architecture or encoding: ``gcn seeds=10 ratio=0.21`` (batched /
singles, lower is faster).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.func import functional_call, stack_module_state, vmap  # noqa: E402

from gnncore.gnn.tasks import link  # noqa: E402
from gnncore.gnn.tasks import node  # noqa: E402
from gnncore.gnn.tasks import node_seeds as seeds  # noqa: E402
from gnncore.gnn.data.datasets import DatasetUnavailable  # noqa: E402
from gnncore.posenc import model as posenc_model  # noqa: E402
from gnncore.posenc import fit as loop  # noqa: E402
from gnncore.posenc import train as posenc  # noqa: E402
from gnncore.posenc.tasks import IGNORE, PAD, TASKS  # noqa: E402
from gnncore.runs import resolve  # noqa: E402
from gnncore.spec import RunSpec  # noqa: E402

ENGINES = {"node": (node, node.train_together), "link": (link, link.train_together)}


def gnn_line(task: str, arch: str, dataset: str, count: int, extra: dict) -> Optional[float]:
    """Singles, batched, and whether every seed's headline metric is the same both ways."""
    engine, together = ENGINES[task]
    metric = engine.FACTS.headline.name
    quiet = {"keep": False} if task == "node" else {}
    specs = [resolve(RunSpec.make(task, dataset, arch, s, **extra)) for s in range(count)]
    if not seeds.batchable(specs[0]):
        print(f"{arch:5s} has no batched layer: its seeds train one by one")
        return None
    try:
        engine.train(specs[0].replace(epochs=3), **quiet)  # warm-up: dataset cache, allocator
    except DatasetUnavailable as e:
        sys.exit(str(e))
    together([s.replace(epochs=3) for s in specs], **quiet)
    start = time.perf_counter()
    alone = [engine.train(s, **quiet) for s in specs]
    singles = time.perf_counter() - start
    start = time.perf_counter()
    batch = together(specs, **quiet)
    batched = time.perf_counter() - start
    same = all(round(a.metrics[metric], 4) == round(b.metrics[metric], 4) for a, b in zip(alone, batch))
    bits = sum(a.history == b.history for a, b in zip(alone, batch))
    mean = sum(r.metrics[metric] for r in batch) / len(batch)
    print(f"{arch:5s} singles {singles:6.1f} s   batched {batched:6.1f} s   mean {metric} {mean:.3f}   "
          f"every seed's {metric} the same both ways: {'yes' if same else 'NO'}; "
          f"histories equal to the bit: {bits} of {len(batch)}")
    return batched / singles


# SDPA has no batching rule on a CPU (vmap would run it once per seed), so under vmap the
# attention goes through this op, whose rule folds the seeds into SDPA's batch dimension.
@torch.library.custom_op("gnncore_bench::attention", mutates_args=())
def _attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: Optional[torch.Tensor],
               is_causal: bool) -> torch.Tensor:
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal)


@_attention.register_vmap
def _(info, in_dims, q, k, v, mask, is_causal):
    size = info.batch_size
    q, k, v = (t.expand(size, *t.shape) if d is None else t.movedim(d, 0) for t, d in zip((q, k, v), in_dims))
    b = q.shape[1]
    if mask is not None and in_dims[3] is not None:  # a bias per seed (T5's, FIRE's, Kerple's)
        mask = mask.movedim(in_dims[3], 0)
        mask = mask.reshape(size, *[1] * (5 - mask.dim()), *mask.shape[1:]).expand(size, b, *mask.shape[-3:])
        mask = mask.flatten(0, 1)
    out = F.scaled_dot_product_attention(q.flatten(0, 1), k.flatten(0, 1), v.flatten(0, 1),
                                         attn_mask=mask, is_causal=is_causal)
    return out.unflatten(0, (size, b)), 0


class _VmapAttention:
    """``F`` for gnncore.posenc.model while the bench runs: SDPA through the op above when
    vmapped, as is otherwise."""

    def __getattr__(self, name):
        return getattr(F, name)

    @staticmethod
    def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False):
        if torch._C._functorch.is_batchedtensor(q):
            return _attention(q, k, v, attn_mask, is_causal)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal)


def _batched_steps(specs: list[RunSpec], steps: int) -> list[float]:
    """``steps`` AdamW steps of all seeds as one vmapped model, each seed on the batches its
    run alone draws; returns each seed's last loss."""
    hp, task = specs[0].params, TASKS[specs[0].dataset]
    models = [posenc.build_model(s) for s in specs]
    params, buffers = stack_module_state(models)
    template = posenc.build_model(specs[0]).to("meta")
    leaves = list(params.values())
    opt = torch.optim.AdamW([{"params": [p for p in leaves if p.dim() >= 3], "weight_decay": hp["weight_decay"]},
                             {"params": [p for p in leaves if p.dim() < 3], "weight_decay": 0.0}],
                            lr=hp["lr"], betas=(0.9, 0.98), fused=True)
    generators = [torch.Generator().manual_seed(s.seed) for s in specs]
    losses = torch.zeros(len(specs))
    for step in range(1, steps + 1):
        for group in opt.param_groups:
            group["lr"] = loop.learning_rate(step, hp["steps"], hp["warmup"], hp["lr"])
        drawn = [loop.length_groups(task, hp["batch_size"], hp["train_length"], loop.LENGTH_GROUPS, g)
                 for g in generators]
        scored = torch.tensor([sum(int((b.targets != IGNORE).sum()) for b in d) for d in drawn], dtype=torch.float)
        opt.zero_grad(set_to_none=True)
        losses.zero_()
        for part in range(loop.LENGTH_GROUPS):
            batches = [d[part] for d in drawn]
            width = max(b.tokens.shape[1] for b in batches)
            tokens = torch.stack([F.pad(b.tokens, (0, width - b.tokens.shape[1]), value=PAD) for b in batches])
            targets = torch.stack([F.pad(b.targets, (0, width - b.targets.shape[1]), value=IGNORE) for b in batches])
            first = min(int(b.lengths.min()) for b in batches) + 1

            def forward(p, b, t, first=first):
                return functional_call(template, (p, b), (t[:, :-1], first))

            logits = vmap(forward)(params, buffers, tokens)
            loss = F.cross_entropy(logits.flatten(0, 2), targets[:, :, first:-1].flatten(), ignore_index=IGNORE,
                                   reduction="none").view(len(specs), -1).sum(1) / scored
            loss.sum().backward()
            losses += loss.detach()
        norms = torch.stack([p.grad.flatten(1).norm(dim=1) for p in leaves], 1).norm(dim=1)
        scale = (1.0 / (norms + 1e-6)).clamp(max=1.0)  # clip_grad_norm_(1.0), per seed
        for p in leaves:
            p.grad.mul_(scale.view(-1, *[1] * (p.dim() - 1)))
        opt.step()
    return losses.tolist()


def sizes_line(task: str, arch: str, dataset: str, count: int, sizes: list[int], extra: dict) -> None:
    """A seed's cost of an epoch when the ``count`` seeds train in batches of each size
    (1: one by one), to see where a bigger batch stops paying (``seeds.MAX_SEEDS``)."""
    engine, together = ENGINES[task]
    quiet = {"keep": False} if task == "node" else {}
    specs = [resolve(RunSpec.make(task, dataset, arch, s, **extra)) for s in range(count)]
    together([s.replace(epochs=3) for s in specs[:2]], **quiet)  # warm-up
    epochs = sum(s.params["epochs"] for s in specs)  # no early stop by default (patience 0)
    costs = []
    for size in sizes:
        start = time.perf_counter()
        for k in range(0, count, size):
            chunk = specs[k:k + size]
            engine.train(chunk[0], **quiet) if len(chunk) == 1 else together(chunk, **quiet)
        costs.append(f"{size}: {1000 * (time.perf_counter() - start) / epochs:.2f}")
    print(f"{arch:5s} ms a seed's epoch, by seeds per batch   " + "   ".join(costs))


def transformer_line(encoding: str, count: int, steps: int) -> float:
    """The engine's training steps seed by seed against one vmapped step of all seeds."""
    specs = [resolve(RunSpec.make("posenc", "copy", encoding, s)) for s in range(count)]
    posenc_model.F = _VmapAttention()
    short = [s.replace(steps=steps) for s in specs]
    loop.fit(posenc.build_model(short[0]), TASKS["copy"], short[0].replace(steps=3))  # warm-up
    _batched_steps(specs, 3)
    start = time.perf_counter()
    alone = [loop.fit(posenc.build_model(s), TASKS["copy"], s)[-1]["loss"] for s in short]
    singles = time.perf_counter() - start
    start = time.perf_counter()
    batch = _batched_steps(short, steps)
    batched = time.perf_counter() - start
    gap = max(abs(a - b) for a, b in zip(alone, batch))
    print(f"{encoding:5s} {steps} steps: singles {singles:6.1f} s ({1000 * singles / steps / count:.1f} ms a "
          f"seed's step)   batched {batched:6.1f} s   largest gap in the last step's loss {gap:.1e}")
    return batched / singles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="gcn,sage,gat,appnp,mlp", help="GNN architectures ('' for none)")
    ap.add_argument("--encodings", default="rope", help="transformer encodings, on copy ('' for none)")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--dataset", default="Cora")
    ap.add_argument("--task", default="node", choices=sorted(ENGINES))
    ap.add_argument("--epochs", type=int, help="epochs per GNN run (default: the paper's)")
    ap.add_argument("--steps", type=int, default=100, help="transformer steps timed per seed")
    ap.add_argument("--sizes", help="instead: a seed's epoch cost in batches of these sizes, e.g. 1,2,5,10")
    args = ap.parse_args()
    torch.set_num_threads(1)
    engine = ENGINES[args.task][0]
    models = [m for m in args.models.split(",") if m]
    encodings = [e for e in args.encodings.split(",") if e]
    unknown = [m for m in models if m not in engine.FACTS.models]
    if unknown:
        sys.exit(f"Unknown model '{unknown[0]}'; choose from {', '.join(engine.FACTS.models)}.")
    unknown = [e for e in encodings if e not in posenc.FACTS.models or e == "gru"]
    if unknown:
        sys.exit(f"Unknown encoding '{unknown[0]}'; choose from "
                 f"{', '.join(e for e in posenc.FACTS.models if e != 'gru')}.")
    if args.seeds < 1 or args.steps < 1:
        sys.exit(f"--seeds and --steps must be at least 1, not {args.seeds} and {args.steps}.")
    extra = {"epochs": args.epochs} if args.epochs else {}
    print(f"{args.task} on {args.dataset}, transformer on copy; {args.seeds} seeds, torch {torch.__version__}, "
          f"1 thread")
    if args.sizes:
        for arch in models:
            sizes_line(args.task, arch, args.dataset, args.seeds, [int(k) for k in args.sizes.split(",")], extra)
        return
    ratios = [(arch, gnn_line(args.task, arch, args.dataset, args.seeds, extra)) for arch in models]
    ratios += [(enc, transformer_line(enc, args.seeds, args.steps)) for enc in encodings]
    for name, ratio in ratios:
        if ratio is not None:
            print(f"{name} seeds={args.seeds} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
