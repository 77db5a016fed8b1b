"""Per-step training time of gnncore's toy transformer against x-transformers, same setup.

    pip install -r bench/requirements-bench.txt
    python bench/posenc_speed.py [--repeats 7 --steps 20 --threads 1]

Both models: d_model 64, 2 layers, 4 heads of 16, feed-forward 256 with ReLU, batch 64 of
copy examples at input length 16 (35 tokens; the first 34 are fed, the last predicts
nothing), AdamW (fused) with gradient clipping, loss on the output tokens only.
x-transformers runs with SDPA ("flash") attention where it allows it, else its own einsum
attention, whichever is faster here. Blocks of steps alternate
between the two so that load from other processes hits both alike; each side's time is
its fastest block. Ends with one line per encoding: ``rope ratio=0.45`` (ours / theirs).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from gnncore.posenc.model import ModelConfig, Transformer
from gnncore.posenc.tasks import IGNORE, TASKS
from gnncore.posenc.fit import make_optimizer, train_step

D_MODEL, LAYERS, HEADS, FFN, BATCH, LENGTH = 64, 2, 4, 256, 64, 16

# our encoding -> the x-transformers settings for the same encoding
THEIRS = {
    "sinusoidal": dict(wrapper=dict(scaled_sinu_pos_emb=True), decoder={}),
    "learned": dict(wrapper=dict(use_abs_pos_emb=True), decoder={}),
    "rope": dict(wrapper=dict(use_abs_pos_emb=False),
                 decoder=dict(rotary_pos_emb=True, rotary_emb_dim=D_MODEL // HEADS)),
    "alibi": dict(wrapper=dict(use_abs_pos_emb=False), decoder=dict(alibi_pos_bias=True)),
}


def theirs(encoding: str, vocab: int, max_length: int, flash: bool) -> nn.Module:
    from x_transformers import Decoder, TransformerWrapper
    settings = THEIRS[encoding]
    decoder = Decoder(dim=D_MODEL, depth=LAYERS, heads=HEADS, attn_dim_head=D_MODEL // HEADS,
                      ff_mult=FFN // D_MODEL, ff_custom_activation=nn.ReLU(), attn_flash=flash,
                      **settings["decoder"])
    return TransformerWrapper(num_tokens=vocab, max_seq_len=max_length, attn_layers=decoder,
                              **settings["wrapper"])


def our_step(model, optimizer, batch) -> float:
    return train_step(model, optimizer, [batch])


def their_step(model, optimizer, batch) -> float:
    # The same inputs as ours: the last token (EOS) predicts nothing and is left out.
    start = int(batch.lengths[0]) + 1
    logits = model(batch.tokens[:, :-1])[:, start:]
    loss = F.cross_entropy(logits.flatten(0, 1), batch.targets[:, start:-1].flatten(), ignore_index=IGNORE)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=True)
    optimizer.step()
    return loss.item()


def block_time(step, model, optimizer, batch, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        step(model, optimizer, batch)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encodings", default="sinusoidal,learned,rope,alibi")
    parser.add_argument("--steps", type=int, default=20, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=7, help="timed blocks per model")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the engine uses 1)")
    args = parser.parse_args()
    encodings = args.encodings.split(",")
    unknown = sorted(set(encodings) - set(THEIRS))
    if unknown:
        sys.exit(f"No x-transformers counterpart for '{unknown[0]}'; choose from {', '.join(THEIRS)}.")
    if args.steps < 1 or args.repeats < 1 or args.threads < 1:
        sys.exit("--steps, --repeats and --threads must each be at least 1.")
    if importlib.util.find_spec("x_transformers") is None:
        sys.exit("x-transformers is not installed; run: pip install -r bench/requirements-bench.txt")
    torch.set_num_threads(args.threads)
    task = TASKS["copy"]
    batch = task.batch(torch.full((BATCH,), LENGTH), torch.Generator().manual_seed(0))
    max_length = task.sequence_length(LENGTH)
    print(f"batch {BATCH} x {batch.tokens.shape[1] - 1} tokens, d_model {D_MODEL}, {LAYERS} layers, "
          f"{HEADS} heads, ffn {FFN}, {args.threads} thread(s); ms per step, fastest block")
    ratios = {}
    for encoding in encodings:
        torch.manual_seed(0)
        models = {"ours": Transformer(ModelConfig(task.vocab_size, encoding, D_MODEL, LAYERS, HEADS, FFN,
                                                  max_length=max_length))}
        for flash in (True, False):
            try:
                models[f"x-transformers{' flash' if flash else ''}"] = theirs(
                    encoding, task.vocab_size, max_length, flash)
            except AssertionError:  # a setting x-transformers cannot combine with flash
                pass
        runs = {name: (our_step if name == "ours" else their_step, model,
                       make_optimizer(model, 1e-3, 0.1)) for name, model in models.items()}
        best = {name: float("inf") for name in runs}
        for name, (step, model, opt) in runs.items():  # warm up
            block_time(step, model, opt, batch, 3)
        for _ in range(args.repeats):
            for name, (step, model, opt) in runs.items():
                best[name] = min(best[name], block_time(step, model, opt, batch, args.steps))
        reference = min(v for k, v in best.items() if k != "ours")
        ratios[encoding] = best["ours"] / reference
        for name, seconds in best.items():
            params = sum(p.numel() for p in models[name].parameters())
            print(f"  {encoding:<10} {name:<22} {1000 * seconds:7.2f} ms  ({params} parameters)")
    for encoding, ratio in ratios.items():
        print(f"{encoding} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
