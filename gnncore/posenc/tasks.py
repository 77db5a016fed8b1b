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

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Optional

import torch
from torch import Tensor

PAD, BOS, SEP, EOS = 0, 1, 2, 3
SPECIALS = 4  # symbol s of a task is token SPECIALS + s
IGNORE = -100  # target value that cross_entropy skips


@dataclass(frozen=True)
class Batch:
    """tokens (B, T); targets (B, T): the next token where it is scored, IGNORE elsewhere;
    lengths (B,): input lengths in tokens; output_lengths (B,): output lengths without EOS.
    significance (B, T), tasks with numbers only: each digit's place in its number (1 = units),
    0 for every other token, -1 for the operators that close an operand ('+', SEP); what
    the encodings built on task structure (Abacus, position coupling) read."""

    tokens: Tensor
    targets: Tensor
    lengths: Tensor
    output_lengths: Tensor
    significance: Optional[Tensor] = None


@dataclass(frozen=True)
class Task:
    """A sequence-to-sequence task over ``symbols`` symbols.

    answer(x, n): x (B, W) symbol ids, n (B,) the used length of each row; returns the
    answers (B, W'), each row valid up to its output length.
    output_length(n): the answer's length for input length n (int or tensor).
    draw(lengths, generator, task): for a task whose size n is not its input's token count
    (addition: n digits per operand), the input tokens, answers and significance of random
    examples; ``input_length(n)`` is then the input's token count.
    index_hints: addition only, every digit preceded by a hint naming its place (Zhou et al. 2024).
    defaults: the engine's settings this task starts from instead of the lab's (addition's
        lengths count digits, and it needs longer training).
    longest: the largest input length n the task can make, if it has a bound (counting's
        numbers end at 63, so at most 63 marks).
    """

    name: str
    symbols: int
    description: str
    answer: Optional[Callable[[Tensor, Tensor], Tensor]]
    output_length: Callable
    input_length: Callable = None  # type: ignore[assignment]
    draw: Optional[Callable] = None
    index_hints: bool = False
    defaults: Mapping[str, Any] = field(default_factory=dict, hash=False)
    longest: Optional[int] = None

    def __post_init__(self):
        if self.input_length is None:
            object.__setattr__(self, "input_length", _same)

    @property
    def structured(self) -> bool:
        """Whether examples carry the places of their digits (see :class:`Batch`)."""
        return self.draw is _addition

    def hinted(self) -> "Task":
        """This task with index hints (addition only): a hint before every digit doubles the
        input's digits and the answer."""
        return replace(self, index_hints=True, input_length=_hinted_input, output_length=_hinted_output)

    @property
    def vocab_size(self) -> int:
        return SPECIALS + self.symbols

    def sequence_length(self, n: int) -> int:
        """Tokens in a whole example with input length n: BOS, input, SEP, output, EOS."""
        return int(self.input_length(n)) + int(self.output_length(n)) + 3

    def batch(self, lengths: Tensor, generator: torch.Generator) -> Batch:
        """Random examples, one per entry of ``lengths`` (input lengths, 1 or more)."""
        if self.draw is not None:  # draw: inputs, answers and digit places (None: no numbers)
            x, y, places = self.draw(lengths, generator, self)
            return self.layout(x, self.input_length(lengths), y, self.output_length(lengths), places)
        width = int(lengths.max())
        x = torch.randint(self.symbols, (len(lengths), width), generator=generator)
        return self.layout(x, lengths)

    def layout(self, x: Tensor, lengths: Tensor, y: Optional[Tensor] = None, out_lengths=None,
               places: Optional[tuple[Tensor, Tensor]] = None) -> Batch:
        """Lay out inputs x (B, W), used up to ``lengths``, as ``[BOS] x [SEP] y [EOS] PAD...``.
        ``places``: the significance of each input and answer symbol (see :class:`Batch`)."""
        y = self.answer(x, lengths) if y is None else y
        out_lengths = torch.as_tensor(self.output_length(lengths) if out_lengths is None else out_lengths
                                      ).expand_as(lengths)
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
        significance = None
        if places is not None:
            x_places, y_places = places
            significance = torch.zeros_like(tokens)
            significance = torch.where((j >= 1) & (j <= n), x_places.gather(
                1, (j - 1).clamp(0, x.shape[1] - 1).expand(len(x), -1)), significance)
            significance = torch.where(j == n + 1, -1, significance)  # SEP closes the second operand
            significance = torch.where((j >= n + 2) & (j <= n + 1 + m), y_places.gather(
                1, (j - n - 2).clamp(0, y.shape[1] - 1)), significance)
        return Batch(tokens, targets, lengths, out_lengths, significance)


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


DIGITS = 10
PLUS = DIGITS  # the symbol '+'
HINTS = 130  # index-hint symbols: the places 1..n + 1 of up to 128 digits, from a random start
HINT = PLUS + 1  # the first hint symbol


def _addition(lengths: Tensor, generator: torch.Generator, task: Task):
    """a + b with n random digits each (leading zeros allowed: the papers' zero padding), both
    written least significant digit first, the answer too, with its carry digit always
    written (n + 1 digits), as McLeish et al. 2024 and Cho et al. 2024 write them. With index
    hints, every digit follows a hint symbol for its place, the same in both operands and the
    answer, counted from a random start so that every hint is trained (Zhou et al. 2024)."""
    batch, width = len(lengths), int(lengths.max())
    j = torch.arange(width + 1).unsqueeze(0)
    n = lengths.unsqueeze(1)
    a, b = (torch.randint(DIGITS, (batch, width), generator=generator).masked_fill(j[:, :width] >= n, 0)
            for _ in range(2))
    total = torch.nn.functional.pad(a + b, (0, 1))
    carry = torch.zeros(batch, dtype=torch.long)
    answer = torch.zeros_like(total)
    for k in range(width + 1):  # the schoolbook carry, one place at a time
        column = total[:, k] + carry
        answer[:, k], carry = column % DIGITS, column // DIGITS
    place = (j + 1).expand(batch, -1)  # 1 = units
    y, y_places = answer, place
    if task.index_hints:
        start = torch.randint(HINTS - width, (batch, 1), generator=generator)
        hints = HINT + start + j
        a, b, y = (torch.stack([hints[:, :v.shape[1]], v], dim=2).flatten(1) for v in (a, b, answer))
        place = torch.stack([torch.zeros_like(place), place], dim=2).flatten(1)  # a hint is no digit
        y_places = place
    step = 2 if task.index_hints else 1
    # Operand b goes right after a's n digits (and hints): gather per row.
    used = step * n
    k = torch.arange(2 * step * width + 1).unsqueeze(0)
    from_a = k < used
    x = torch.where(from_a, a.gather(1, k.clamp(max=a.shape[1] - 1).expand(batch, -1)),
                    torch.where(k == used, PLUS, b.gather(1, (k - used - 1).clamp(0, b.shape[1] - 1))))
    x_places = torch.where(from_a, place.gather(1, k.clamp(max=place.shape[1] - 1).expand(batch, -1)),
                           torch.where(k == used, -1, place.gather(1, (k - used - 1).clamp(0, place.shape[1] - 1))))
    return x, y, (x_places, y_places)


COUNTS = 64  # counting's numbers 0..63: a start and the count it reaches


def _counting(lengths: Tensor, generator: torch.Generator, task: Task):
    """Count on: a start number s, then n marks; the answer is s + n, one number at the end.

    Chang & Bisk 2024 score a count at every mark; written after SEP, as this layout writes
    answers, a count per mark would let the model add one to the count it has just been
    given (teacher forcing) instead of counting, so the count is asked for once, at the end.
    The start is drawn so that every number is trained as an answer (their shifted counts):
    a longer input asks only to keep counting, not for an unseen word."""
    batch, width = len(lengths), int(lengths.max())
    start = torch.randint(COUNTS - width, (batch, 1), generator=generator)
    x = torch.cat([start, torch.full((batch, width), COUNTS)], dim=1)  # symbol COUNTS: the mark
    return x, start + lengths.unsqueeze(1), None


def _flip_flop(lengths: Tensor, generator: torch.Generator, task: Task):
    """Flip-flop (Liu et al. 2023): instructions write 0, write 1, ignore 0, ignore 1, the first
    always a write; the answer, read at the end, is the bit last written. Writes are rare (each
    instruction one with probability 0.2, as the paper's sparse sequences), so the bit to
    recall often lies far back, behind ignored bits that are distractors. One answer, not one
    per instruction: written after SEP, a bit per instruction could be read off the previous
    answer (teacher forcing) instead of the memory."""
    batch, width = len(lengths), int(lengths.max())
    write = torch.rand(batch, width, generator=generator) < 0.2
    write[:, 0] = True
    bit = torch.randint(2, (batch, width), generator=generator)
    j = torch.arange(width).unsqueeze(0).expand(batch, -1)
    write &= j < lengths.unsqueeze(1)  # padding past a row's length writes nothing
    x = torch.where(write, bit, 2 + bit)  # 0, 1: write; 2, 3: ignore (the bit is a distractor)
    last = torch.where(write, j, 0).max(dim=1, keepdim=True).values  # the latest write
    return x, bit.gather(1, last), None


def _addition_input(n):
    return 2 * n + 1


def _addition_output(n):
    return n + 1


def _plus_one(n):
    return n + 1


def _hinted_input(n):
    return 4 * n + 1


def _hinted_output(n):
    return 2 * (n + 1)


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
    # 64 numbers and 4000 steps: with 256 numbers and 2000 steps no model learned even the
    # trained counts (GRU 69% exact); with 64 and 4000 every model did (94-99%).
    Task("counting", COUNTS + 1, "the start number plus the number of marks after it",
         None, _one, _plus_one, _counting, longest=COUNTS - 1, defaults={"steps": 4000}),
    Task("flip-flop", 4, "after instructions write 0/1 and ignore 0/1, the bit last written",
         None, _one, _same, _flip_flop),
    # Lengths count digits per operand; input and answer least significant digit first.
    # Trained to 5 digits and tested to 3 x 5, as Cho et al.'s toy script (trained to 5, tested
    # to 10); 6000 steps: with 4000, Abacus stayed at 62% exact match in distribution.
    Task("addition", DIGITS + 1 + HINTS, "a + b, n digits each, every number written units first; "
         "exact match needs every digit", None, _addition_output, _addition_input, _addition,
         defaults={"train_length": 5, "test_length": 15, "steps": 6000}),
]}
