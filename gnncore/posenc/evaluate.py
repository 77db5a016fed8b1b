"""Length-generalisation evaluation: every input length 1..test_length, batched per length.

Greedy exact match is read off a teacher-forced pass, which is exact, not an approximation:
greedy decoding emits the target t iff, for every i, argmax p(. | t_<i) = t_i. If every
teacher-forced prediction is right, greedy decoding sees the same prefix t_<i at each step
(induction) and emits t; if greedy emits t, each of its steps saw t_<i and chose t_i. So
exact match = "all output tokens and the closing EOS right under teacher forcing".
``greedy_decode`` does it step by step; a test checks the two agree.

The randomised encodings draw their positions at evaluation as in training (Ruoss et al.
2023), from a generator seeded per length: one draw per example, so a length's accuracy
averages over as many draws as it has examples, the same draws for every seed.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gnncore.posenc import scaling
from gnncore.posenc.model import Transformer
from gnncore.posenc.tasks import EOS, Batch, Task

# Fixed, so every encoding and seed is scored on the same inputs at each length.
EVAL_SEED = 20_231


def eval_batch(task: Task, length: int, examples: int) -> Batch:
    generator = torch.Generator().manual_seed(EVAL_SEED + length)
    return task.batch(torch.full((examples,), length), generator)


def position_generator(length: int) -> torch.Generator:
    """Draws the randomised encodings' positions for the examples of one length."""
    return torch.Generator().manual_seed(2 * EVAL_SEED + length)


def fits(model: Transformer, task: Task, length: int) -> bool:
    """Whether the model has a position for every token of an example of this input length."""
    return model.max_length is None or task.sequence_length(length) <= model.max_length


@torch.no_grad()
def evaluate(model: Transformer, task: Task, train_length: int, test_length: int,
             examples: int) -> tuple[list[dict], list[dict]]:
    """Rows for the ``length`` table (one per input length) and the ``position`` table
    (one per length and output position). Metrics are None where the model has no
    position for the input (learned absolute past its table)."""
    model.eval()
    lengths, positions = [], []
    for n in range(1, test_length + 1):
        row = {"length": n, "in_distribution": n <= train_length,
               "token_accuracy": None, "exact_match": None}
        lengths.append(row)
        if not fits(model, task, n):
            continue
        batch = eval_batch(task, n, examples)
        correct = _correct(model, batch, position_generator(n))
        # The last scored position is EOS: exact match needs it, token accuracy does not.
        outputs = correct[:, :-1]
        row["token_accuracy"] = float(outputs.float().mean())
        row["exact_match"] = float(correct.all(dim=1).float().mean())
        by_position = outputs.float().mean(dim=0)
        positions += [{"length": n, "in_distribution": n <= train_length, "position": j + 1,
                       "accuracy": round(float(a), 4)} for j, a in enumerate(by_position)]
    return lengths, positions


def _correct(model: Transformer, batch: Batch, generator: torch.Generator | None = None) -> Tensor:
    """(B, m + 1) booleans, prediction right at each scored position (outputs, then EOS).
    All rows of an evaluation batch share one length, so the scored columns line up."""
    start = int(batch.lengths[0]) + 1  # the SEP position: the first one scored
    predicted = model(batch.tokens, start, generator=generator, structure=batch.significance).argmax(dim=-1)[:, :-1]
    return predicted == batch.targets[:, start:-1]


@torch.no_grad()
def greedy_decode(model: Transformer, prompt: Tensor, steps: int) -> Tensor:
    """Extend prompts (B, T) by ``steps`` tokens, each the argmax given all before it.
    (Not for the randomised encodings: each step would draw new positions.)"""
    tokens = prompt
    for _ in range(steps):
        next_token = model(tokens)[:, -1].argmax(dim=-1, keepdim=True)
        tokens = torch.cat([tokens, next_token], dim=1)
    return tokens


def greedy_exact_match(model: Transformer, batch: Batch) -> Tensor:
    """(B,) booleans by real step-by-step decoding; slow, for checking ``evaluate``."""
    n, m = int(batch.lengths[0]), int(batch.output_lengths[0])
    prompt = batch.tokens[:, : n + 2]
    decoded = greedy_decode(model, prompt, m + 1)
    return (decoded == batch.tokens[:, : n + m + 3]).all(dim=1) & (decoded[:, -1] == EOS)


@torch.no_grad()
def attention_rows(model: Transformer, task: Task, train_length: int, test_length: int,
                   keep: int = 4, floor: float = 0.02) -> list[dict]:
    """Attention of one example at the train length and one at the test length, per layer
    and head, as rows (example, length, layer, head, query, key, weight).

    To keep a run's tables small, each query keeps only its ``keep`` strongest keys, and
    only those of weight >= ``floor``; a picture shows the missing cells as 0.
    """
    model.eval()
    rows = []
    if not model.attends:
        return rows
    for example, n in (("train", train_length), ("test", test_length)):
        if not fits(model, task, n):
            continue
        one = eval_batch(task, n, 1)
        for layer, w in enumerate(model.attention_weights(one.tokens, position_generator(n), one.significance)):
            top, key = w[0].topk(min(keep, w.shape[-1]), dim=-1)  # (heads, T, keep)
            for head, query, k in (top >= floor).nonzero().tolist():
                rows.append({"example": example, "length": n, "layer": layer, "head": head,
                             "query": query, "key_position": int(key[head, query, k]),
                             "weight": round(float(top[head, query, k]), 4)})
    return rows


@torch.no_grad()
def t5_bias_rows(model: Transformer, distances: int) -> list[dict]:
    """The learned T5 bias per head against relative distance 0..distances-1."""
    bias = model.encoding.bias(distances)[:, -1, :].flip(-1)  # last query: key at distance d
    buckets = model.encoding.bucket(torch.arange(distances)).tolist()
    return [{"head": h, "distance": d, "bucket": buckets[d], "bias": round(float(bias[h, d]), 5)}
            for h in range(bias.shape[0]) for d in range(distances)]


def learned_bias_rows(model: Transformer, distances: int) -> list[dict]:
    """FIRE's or Kerple's learned bias per head against relative distance 0..distances-1, as
    the last query of a ``distances``-token input sees it (FIRE's bias depends on the query
    position too; Kerple's does not). Kerple's rows carry the head's r1 and r2 (after the
    clamp its bias applies), so bias = -r1 * log(1 + r2 * distance) can be checked."""
    encoding = model.encoding
    with torch.no_grad():
        bias = encoding.bias(distances)[:, -1, :].flip(-1)  # last query: key at distance d
    extra = encoding.head_parameters() or [{} for _ in range(bias.shape[0])]
    return [{"head": h, "distance": d, "bias": round(float(bias[h, d]), 6), **extra[h]}
            for h in range(bias.shape[0]) for d in range(distances)]


def rope_scaling_rows(model: Transformer, task: Task, train_length: int, test_length: int,
                      examples: int, plain: list[dict]) -> list[dict]:
    """The ``length`` table again under every RoPE scaling of :mod:`gnncore.posenc.scaling`,
    on the same trained model, with ``scaling`` and ``scale`` columns. ``plain`` (the length
    table already computed) is the ``none`` rows. The scale s is the longest test sequence
    over the longest trained one."""
    trained = task.sequence_length(train_length)
    scale = max(1.0, task.sequence_length(test_length) / trained)
    rows = []
    for name in scaling.SCALINGS:
        if name == "none":
            lengths = plain
        else:
            with scaling.scaled(model.encoding, name, scale, trained):
                lengths, _ = evaluate(model, task, train_length, test_length, examples)
        rows += [{"scaling": name, "scale": round(scale, 4), **row} for row in lengths]
    return rows
