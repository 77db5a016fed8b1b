"""Addition: the sums, units first; index hints; the digit places that Abacus and position
coupling read; and what the engine refuses."""

import pytest
import torch

from gnncore.posenc.encodings import ENCODINGS, EncodingConfig
from gnncore.posenc.tasks import EOS, HINT, PLUS, SEP, SPECIALS, TASKS
from gnncore.posenc.train import validate
from gnncore.runs import resolve
from gnncore.spec import RunSpec, SpecError

ADDITION = TASKS["addition"]


def number(digits: list[int]) -> int:
    """Digits written units first, as an integer."""
    return sum(d * 10 ** k for k, d in enumerate(digits))


def test_every_example_is_a_plus_b_equals_their_sum_all_written_units_first():
    lengths = torch.tensor([1, 3, 6, 2, 6])
    batch = ADDITION.batch(lengths, torch.Generator().manual_seed(0))
    for row, n in zip(batch.tokens.tolist(), lengths.tolist()):
        symbols = [t - SPECIALS for t in row]
        a, b = symbols[1:n + 1], symbols[n + 2:2 * n + 2]
        assert symbols[n + 1] == PLUS and row[2 * n + 2] == SEP
        answer = symbols[2 * n + 3:3 * n + 4]
        assert len(answer) == n + 1 and row[3 * n + 4] == EOS  # the carry digit is always written
        assert all(0 <= d <= 9 for d in a + b + answer)
        assert number(a) + number(b) == number(answer)
        assert len(row[:3 * n + 5]) == ADDITION.sequence_length(n)


def test_the_places_count_from_the_units_in_both_operands_and_the_answer():
    batch = ADDITION.batch(torch.tensor([3]), torch.Generator().manual_seed(1))
    # BOS, a (3 digits), '+', b (3), SEP, answer (4), EOS
    assert batch.significance[0].tolist() == [0, 1, 2, 3, -1, 1, 2, 3, -1, 1, 2, 3, 4, 0]


def test_index_hints_name_each_place_the_same_in_both_operands_and_the_answer():
    hinted = ADDITION.hinted()
    n = 4
    batch = hinted.batch(torch.tensor([n]), torch.Generator().manual_seed(2))
    symbols = [t - SPECIALS for t in batch.tokens[0].tolist()]
    a, b = symbols[1:2 * n + 1], symbols[2 * n + 2:4 * n + 2]
    answer = symbols[4 * n + 3:4 * n + 3 + 2 * (n + 1)]
    hints = [a[0::2], b[0::2], answer[0::2][:n]]
    assert hints[0] == hints[1] == hints[2]
    assert all(h >= HINT for h in answer[0::2]) and answer[0::2] == list(range(answer[0], answer[0] + n + 1))
    assert number(a[1::2]) + number(b[1::2]) == number(answer[1::2])
    assert len(batch.tokens[0]) == hinted.sequence_length(n)


@pytest.mark.parametrize("name, operator", [("abacus", 0), ("position-coupling", 1)])
def test_structured_encodings_give_equal_places_equal_ids_and_shift_them_in_training(name, operator):
    encoding = ENCODINGS[name](EncodingConfig(d_model=8, heads=2, max_position=20))
    batch = ADDITION.batch(torch.tensor([3, 3]), torch.Generator().manual_seed(3))
    width = batch.tokens.shape[1]
    encoding.eval()
    ids = encoding.positions(batch.lengths, width, None, batch.significance)[0].tolist()
    units = 1 + operator  # position coupling numbers the operator first, then the units
    assert ids[1:4] == ids[5:8] == ids[9:12] == [units, units + 1, units + 2]
    assert ids[4] == ids[8] == operator and ids[0] == 0  # BOS has no place
    encoding.train()
    shifted = encoding.positions(batch.lengths, width, torch.Generator().manual_seed(0), batch.significance)
    shift = shifted[:, 1] - units
    assert (shifted[:, 1:4] == torch.tensor([units, units + 1, units + 2]) + shift.unsqueeze(1)).all()
    assert int(shifted.max()) < 20


@pytest.mark.parametrize("spec, words", [
    (RunSpec.make("posenc", "copy", "abacus", 0), "Abacus numbers the digits of a number, so it needs a task "
                                                  "with numbers (addition), not copy."),
    (RunSpec.make("posenc", "copy", "rope", 0, index_hints="on"), "Index hints (index_hints) is a setting of "
                                                                 "addition only"),
    (RunSpec.make("posenc", "addition", "rope", 0, index_hints="yes"), "must be one of off, on"),
])
def test_what_does_not_fit_is_one_sentence(spec, words):
    with pytest.raises(SpecError, match=words.replace("(", r"\(").replace(")", r"\)")):
        validate(resolve(spec) if "index_hints" not in spec.params else spec)


def test_only_addition_gets_the_index_hints_setting():
    assert resolve(RunSpec.make("posenc", "addition", "rope", 0)).params["index_hints"] == "off"
    assert "index_hints" not in resolve(RunSpec.make("posenc", "copy", "rope", 0)).params


def test_counting_answers_the_start_plus_the_marks_once_at_the_end():
    task = TASKS["counting"]
    lengths = torch.tensor([2, 7])
    batch = task.batch(lengths, torch.Generator().manual_seed(4))
    for row, n in zip(batch.tokens.tolist(), lengths.tolist()):
        symbols = [t - SPECIALS for t in row]
        start, marks = symbols[1], symbols[2:n + 2]
        assert set(marks) == {task.symbols - 1} and row[n + 2] == SEP and row[n + 4] == EOS
        assert symbols[n + 3] == start + n < task.symbols - 1  # a number, never the mark
    scored = (batch.targets != -100).sum(dim=1)
    assert scored.tolist() == [2, 2]  # the count and EOS: no count per mark to copy from
    assert batch.significance is None and not task.structured


def test_counting_refuses_a_test_length_past_its_numbers_in_one_sentence():
    longest = TASKS["counting"].longest
    validate(resolve(RunSpec.make("posenc", "counting", "gru", 0, test_length=longest)))
    with pytest.raises(SpecError, match=f"at most {longest}, not {longest + 1}"):
        validate(resolve(RunSpec.make("posenc", "counting", "gru", 0, test_length=longest + 1)))


def test_flip_flop_answers_the_last_written_bit_once_at_the_end():
    task = TASKS["flip-flop"]
    lengths = torch.tensor([40] * 6 + [3, 17])
    batch = task.batch(lengths, torch.Generator().manual_seed(5))
    for row, n in zip(batch.tokens.tolist(), lengths.tolist()):
        symbols = [t - SPECIALS for t in row]
        instructions, answer = symbols[1:n + 1], symbols[n + 2]
        assert instructions[0] in (0, 1) and row[n + 3] == EOS  # the first always writes; one answer
        assert answer == [op for op in instructions if op < 2][-1]
    rows = batch.tokens[:6].tolist()
    ignores = sum(s >= 2 for row in rows for s in [t - SPECIALS for t in row[2:41]])
    assert ignores > 0.6 * 6 * 39  # writes are rare
