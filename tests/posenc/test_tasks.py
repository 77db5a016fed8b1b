"""Sequence tasks: layout, answers, and loss only on the output."""

from collections import Counter

import pytest
import torch

from gnncore.posenc.tasks import BOS, EOS, IGNORE, PAD, SEP, SPECIALS, TASKS


def reference(name: str, x: list[int]) -> list[int]:
    if name in ("copy", "copy_small_vocab"):
        return x
    if name == "reverse":
        return x[::-1]
    if name == "duplicate":
        return x + x
    if name == "sort":
        return sorted(x)
    counts = Counter(x)
    return [min(s for s in counts if counts[s] == max(counts.values()))]


PLAIN = [name for name, task in TASKS.items() if task.draw is None]  # the drawn ones: test_addition.py


@pytest.mark.parametrize("name", PLAIN)
def test_examples_are_bos_input_sep_output_eos_then_padding(name):
    task = TASKS[name]
    lengths = torch.tensor([1, 4, 7, 2])
    batch = task.batch(lengths, torch.Generator().manual_seed(0))
    for row, n in zip(batch.tokens.tolist(), lengths.tolist()):
        x = [t - SPECIALS for t in row[1:n + 1]]
        y = reference(name, x)
        assert all(0 <= s < task.symbols for s in x)
        expected = [BOS] + [s + SPECIALS for s in x] + [SEP] + [s + SPECIALS for s in y] + [EOS]
        assert row[:len(expected)] == expected
        assert set(row[len(expected):]) <= {PAD}
        assert len(expected) == task.sequence_length(n)


@pytest.mark.parametrize("name", PLAIN)
def test_loss_is_on_the_output_and_eos_only(name):
    task = TASKS[name]
    batch = task.batch(torch.tensor([3, 5]), torch.Generator().manual_seed(1))
    for tokens, targets, n in zip(batch.tokens, batch.targets, batch.lengths.tolist()):
        m = int(task.output_length(n))
        scored = (targets != IGNORE).nonzero().flatten().tolist()
        assert scored == list(range(n + 1, n + 2 + m))  # from SEP to the last output token
        assert targets[scored].tolist() == tokens[n + 2:n + 3 + m].tolist()  # the next token
        assert tokens[n + 2 + m] == EOS


def test_generation_is_determined_by_the_seed():
    task = TASKS["copy"]
    a = task.batch(torch.full((8,), 5), torch.Generator().manual_seed(3)).tokens
    b = task.batch(torch.full((8,), 5), torch.Generator().manual_seed(3)).tokens
    c = task.batch(torch.full((8,), 5), torch.Generator().manual_seed(4)).tokens
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_vocabularies():
    assert TASKS["copy"].symbols >= 32
    assert 2 <= TASKS["copy_small_vocab"].symbols <= 4
    assert TASKS["mode"].output_length(9) == 1


def test_order_free_tasks_do_not_depend_on_order():
    x = torch.randint(8, (16, 9), generator=torch.Generator().manual_seed(0))
    shuffled = x[:, torch.randperm(9, generator=torch.Generator().manual_seed(1))]
    n = torch.full((16,), 9)
    for name in ("sort", "mode"):
        task = TASKS[name]
        assert torch.equal(task.answer(x, n), task.answer(shuffled, n))
