"""Synthetic sequence tasks for length generalisation, generated on the fly from a seed.

Every example is laid out as ``[BOS] input [SEP] output [EOS]`` and padded on the right.
The model is trained to predict the output and the closing EOS only; the input is given.
Because attention is causal, right padding never changes what an earlier position sees,
so sequences of different lengths can share a batch.

The tasks follow Kazemnejad et al. 2023 ("The Impact of Positional Encoding on Length
Generalization in Transformers"): copy and reverse need positions; copy over a tiny
vocabulary makes content-based look-up ambiguous, so the model has to count; sort and
mode have answers that do not depend on the order of the input at all. Duplicate writes the
input twice, a task on which Delétang et al. 2023 ("Neural networks and the Chomsky
hierarchy") found transformers fail past the trained lengths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

PAD, BOS, SEP, EOS = 0, 1, 2, 3
SPECIALS = 4  # symbol s of a task is token SPECIALS + s
IGNORE = -100  # target value that cross_entropy skips


@dataclass(frozen=True)
class Batch:
    """tokens (B, T); targets (B, T): the next token where it is scored, IGNORE elsewhere;
    lengths (B,): input lengths; output_lengths (B,): output lengths without EOS."""

    tokens: Tensor
    targets: Tensor
    lengths: Tensor
    output_lengths: Tensor


@dataclass(frozen=True)
class Task:
    """A sequence-to-sequence task over ``symbols`` symbols.

    answer(x, n): x (B, W) symbol ids, n (B,) the used length of each row; returns the
    answers (B, W'), each row valid up to its output length.
    output_length(n): the answer's length for input length n (int or tensor).
    """

    name: str
    symbols: int
    description: str
    answer: Callable[[Tensor, Tensor], Tensor]
    output_length: Callable

    @property
    def vocab_size(self) -> int:
        return SPECIALS + self.symbols

    def sequence_length(self, n: int) -> int:
        """Tokens in a whole example with input length n: BOS, input, SEP, output, EOS."""
        return n + int(self.output_length(n)) + 3

    def batch(self, lengths: Tensor, generator: torch.Generator) -> Batch:
        """Random examples, one per entry of ``lengths`` (input lengths, 1 or more)."""
        width = int(lengths.max())
        x = torch.randint(self.symbols, (len(lengths), width), generator=generator)
        return self.layout(x, lengths)

    def layout(self, x: Tensor, lengths: Tensor) -> Batch:
        """Lay out inputs x (B, W), used up to ``lengths``, as ``[BOS] x [SEP] y [EOS] PAD...``."""
        y = self.answer(x, lengths)
        out_lengths = torch.as_tensor(self.output_length(lengths)).expand_as(lengths)
        total = int((lengths + out_lengths).max()) + 3
        j = torch.arange(total).unsqueeze(0)
        n, m = lengths.unsqueeze(1), out_lengths.unsqueeze(1)
        x_at = x.gather(1, (j - 1).clamp(0, x.shape[1] - 1).expand(len(x), -1)) + SPECIALS
        y_at = y.gather(1, (j - n - 2).clamp(0, y.shape[1] - 1)) + SPECIALS
        tokens = torch.full((len(lengths), total), PAD)
        tokens = torch.where(j == 0, BOS, tokens)
        tokens = torch.where((j >= 1) & (j <= n), x_at, tokens)
        tokens = torch.where(j == n + 1, SEP, tokens)
        tokens = torch.where((j >= n + 2) & (j <= n + 1 + m), y_at, tokens)
        tokens = torch.where(j == n + 2 + m, EOS, tokens)
        # Position i predicts token i + 1: the scored positions run from SEP to the last output.
        scored = (j >= n + 1) & (j <= n + 1 + m)
        targets = torch.where(scored, tokens.roll(-1, dims=1), IGNORE)
        return Batch(tokens, targets, lengths, out_lengths)


def _copy(x: Tensor, n: Tensor) -> Tensor:
    return x


def _reverse(x: Tensor, n: Tensor) -> Tensor:
    j = torch.arange(x.shape[1]).unsqueeze(0)
    return x.gather(1, (n.unsqueeze(1) - 1 - j).clamp(min=0))


def _sort(x: Tensor, n: Tensor) -> Tensor:
    # Unused slots take the largest value, so the n smallest are exactly the used ones.
    unused = torch.arange(x.shape[1]).unsqueeze(0) >= n.unsqueeze(1)
    return x.masked_fill(unused, int(x.max())).sort(dim=1).values


def _mode(x: Tensor, n: Tensor) -> Tensor:
    used = torch.arange(x.shape[1]).unsqueeze(0) < n.unsqueeze(1)
    counts = torch.zeros(x.shape[0], int(x.max()) + 1, dtype=torch.long)
    counts.scatter_add_(1, x, used.long())
    # argmax returns the first maximum: ties go to the smallest symbol, a fixed rule.
    return counts.argmax(dim=1, keepdim=True)


def _duplicate(x: Tensor, n: Tensor) -> Tensor:
    j = torch.arange(2 * x.shape[1]).unsqueeze(0)
    return x.gather(1, j % n.unsqueeze(1))


def _same(n):
    return n


def _twice(n):
    return 2 * n


def _one(n):
    return 1


TASKS: dict[str, Task] = {t.name: t for t in [
    Task("copy", 32, "repeat the input (32 symbols)", _copy, _same),
    Task("reverse", 32, "the input backwards (32 symbols)", _reverse, _same),
    # Two symbols: a token's content says almost nothing about where it sits, so copying
    # needs exact positions, the regime in which every encoding fails past the trained length.
    Task("copy_small_vocab", 2, "repeat the input (2 symbols)", _copy, _same),
    Task("duplicate", 32, "the input twice (32 symbols)", _duplicate, _twice),
    Task("sort", 32, "the input in ascending order: answer independent of order", _sort, _same),
    Task("mode", 8, "the most frequent symbol (ties: the smallest): answer independent of order",
         _mode, _one),
]}
