"""The engine: validation sentences, a short real training run, evaluation, progress, cancel."""

import json

import pytest
import torch
import torch.nn.functional as F

from gnncore import runs
from gnncore.posenc import fit as loop
from gnncore.posenc import train as engine
from gnncore.posenc.evaluate import eval_batch, evaluate, greedy_exact_match, _correct
from gnncore.posenc.tasks import IGNORE, TASKS
from gnncore.spec import Cancelled, RunSpec, SpecError

# Small enough to train in a second or two, big enough to learn copy at lengths 1..3.
TINY = dict(train_length=3, test_length=6, steps=200, d_model=32, heads=4, ffn=64,
            batch_size=32, lr=1e-2, eval_examples=32)


@pytest.fixture(scope="module")
def copy_run():
    return engine.train(runs.resolve(RunSpec.make("posenc", "copy", "rope", 0, **TINY)))


@pytest.fixture(scope="module")
def learned_run():
    return engine.train(runs.resolve(RunSpec.make("posenc", "copy", "learned", 0, **TINY)))


def test_defaults_cover_every_setting_and_validate():
    spec = RunSpec.make("posenc", "copy", "rope")
    filled = engine.defaults(spec)
    assert set(filled) == {s.name for s in engine.SETTINGS}
    assert (filled["d_model"], filled["layers"], filled["heads"]) == (64, 2, 4)
    assert filled["ffn"] == 4 * filled["d_model"]
    engine.validate(runs.resolve(spec))
    assert engine.defaults(RunSpec.make("posenc", "copy", "rope", d_model=32))["ffn"] == 128


@pytest.mark.parametrize("task, encoding, hparams, words", [
    ("copy", "rope", {"train_length": 16, "test_length": 8}, ["test_length", "16"]),
    ("copy", "rope", {"d_model": 64, "heads": 5}, ["heads", "1, 2, 4, 8, 16, 32."]),
    ("copy", "rope", {"steps": 0}, ["(steps)", "from 1 to 50000"]),
    ("copi", "rope", {}, ["copi", "copy, reverse, copy_small_vocab"]),
    ("copy", "rotary", {}, ["rotary", "sinusoidal, learned, t5, alibi, rope, nope"]),
    ("copy", "rope", {"d_model": 12, "heads": 4}, ["RoPE", "even"]),
    ("copy", "rope", {"test_length": 500}, ["test_length", "128"]),
    ("copy", "rope", {"lr": -1.0}, ["lr"]),
    ("copy", "rope", {"dropout": 0.1}, ["dropout", "train_length"]),
    ("copy", "rope", {"steps": 2.5}, ["steps", "whole number"]),
])
def test_bad_specs_get_one_sentence_naming_the_problem(task, encoding, hparams, words):
    with pytest.raises(SpecError) as error:
        runs.resolve(RunSpec.make("posenc", task, encoding, 0, **hparams))
    message = str(error.value)
    assert "\n" not in message and message.endswith(".")
    for word in words:
        assert word in message


def test_training_learns_copy_in_distribution(copy_run):
    m = copy_run.metrics
    assert m["in_distribution_token_accuracy"] > 0.8  # chance is 1/32
    assert m["params"] > 0 and m["ms_per_step"] > 0
    losses = [h["loss"] for h in copy_run.history]
    assert losses[-1] < losses[0] / 5
    assert [h["step"] for h in copy_run.history][-1] == TINY["steps"]


def test_tables_have_one_row_per_length_and_output_position(copy_run):
    lengths = copy_run.tables["length"]
    assert [r["length"] for r in lengths] == list(range(1, 7))
    assert [r["in_distribution"] for r in lengths] == [True] * 3 + [False] * 3
    positions = copy_run.tables["position"]
    assert len(positions) == sum(range(1, 7))  # copy: n output positions at length n
    at_3 = [r["accuracy"] for r in positions if r["length"] == 3]
    assert sum(at_3) / 3 == pytest.approx(lengths[2]["token_accuracy"], abs=1e-3)
    json.dumps(copy_run.tables), json.dumps(copy_run.metrics), json.dumps(copy_run.history)


def test_attention_table_holds_a_train_and_a_test_example(copy_run):
    rows = copy_run.tables["attention"]
    assert {r["example"] for r in rows} == {"train", "test"}
    assert {r["layer"] for r in rows} == {0, 1} and {r["head"] for r in rows} == {0, 1, 2, 3}
    assert all(r["key_position"] <= r["query"] and 0 < r["weight"] <= 1 for r in rows)
    assert "t5_bias" not in copy_run.tables


def test_learned_absolute_is_not_applicable_past_its_table(learned_run):
    task = TASKS["copy"]
    for row in learned_run.tables["length"]:
        fits = task.sequence_length(row["length"]) <= task.sequence_length(TINY["train_length"])
        assert (row["token_accuracy"] is not None) == fits
        assert (row["exact_match"] is not None) == fits
    assert learned_run.metrics["out_of_distribution_token_accuracy"] is None
    assert learned_run.metrics["in_distribution_token_accuracy"] > 0.5


def test_exact_match_from_teacher_forcing_equals_greedy_decoding():
    # Half trained, so that some examples come out right and some wrong.
    spec = runs.resolve(RunSpec.make("posenc", "copy", "rope", 0, **{**TINY, "steps": 100}))
    model = engine.build_model(spec)
    loop.fit(model, TASKS["copy"], spec, None, None)
    model.eval()
    seen = set()
    for n in range(1, 7):
        batch = eval_batch(TASKS["copy"], n, 32)
        with torch.no_grad():
            teacher = _correct(model, batch).all(dim=1)
        assert torch.equal(teacher, greedy_exact_match(model, batch))
        seen |= set(teacher.tolist())
    assert seen == {True, False}  # both outcomes occur, so the comparison means something


def test_t5_run_reports_its_learned_bias_per_head_and_distance():
    result = engine.train(runs.resolve(RunSpec.make("posenc", "copy", "t5", 0, **{**TINY, "steps": 5})))
    rows = result.tables["t5_bias"]
    length = TASKS["copy"].sequence_length(TINY["test_length"])
    assert len(rows) == 4 * length
    assert [r["bucket"] for r in rows[:length]] == list(range(length))  # all below 16: exact


def test_progress_is_reported_and_stop_cancels():
    spec = runs.resolve(RunSpec.make("posenc", "copy", "nope", 0, **{**TINY, "steps": 30}))
    reports = []
    engine.train(spec, on_progress=reports.append)
    assert [p.step for p in reports] == [10, 20, 30] and all(p.total == 30 for p in reports)
    assert all("loss" in p.metrics for p in reports)
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        engine.train(spec, should_stop=stop)
    assert len(calls) == 4


def test_runs_are_stored_and_read_back(tmp_path):
    store = runs.RunStore(tmp_path / "runs.sqlite")
    spec = RunSpec.make("posenc", "reverse", "alibi", 1, **{**TINY, "steps": 5})
    first = list(runs.run_all([spec], store=store))[0]
    again = list(runs.run_all([spec], store=store))[0]
    assert again.cached and not first.cached and len(store) == 1
    assert again.tables["length"] == first.tables["length"]
    frame = runs.table_frame([again], "length")
    assert len(frame) == TINY["test_length"] and {"dataset", "model", "seed", "length"} <= set(frame.columns)
    assert (tmp_path / "runs.sqlite").exists()


def test_evaluation_of_an_order_free_task_scores_one_output():
    spec = runs.resolve(RunSpec.make("posenc", "mode", "nope", 0, **{**TINY, "steps": 2}))
    model = engine.build_model(spec)
    lengths, positions = evaluate(model, TASKS["mode"], 3, 6, 16)
    assert len(lengths) == 6 and len(positions) == 6 and {r["position"] for r in positions} == {1}


def test_a_step_on_length_groups_equals_a_step_on_the_whole_padded_batch():
    task = TASKS["reverse"]
    spec = runs.resolve(RunSpec.make("posenc", "reverse", "t5", 0, **TINY))
    lengths = torch.tensor([1, 2, 2, 3, 5, 6])
    x = torch.randint(task.symbols, (6, 6), generator=torch.Generator().manual_seed(0))
    whole = [task.layout(x, lengths)]
    groups = [task.layout(x[:3, :2], lengths[:3]), task.layout(x[3:], lengths[3:])]
    params = []
    for batches in (whole, groups):
        model = engine.build_model(spec)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        loss = loop.train_step(model, optimizer, batches)
        params.append((loss, torch.cat([p.detach().flatten() for p in model.parameters()])))
    assert params[0][0] == pytest.approx(params[1][0], rel=1e-5)
    assert torch.allclose(params[0][1], params[1][1], atol=1e-6)



@pytest.mark.parametrize("task_name", TASKS)
def test_a_step_without_the_last_column_equals_the_loss_on_every_token(task_name):
    # train_step leaves out the last column; the loss on all tokens and positions is the same.
    task = TASKS[task_name]
    spec = runs.resolve(RunSpec.make("posenc", task_name, "alibi", 0, **TINY))
    batch = task.batch(torch.tensor([1, 3, 4, 4]), torch.Generator().manual_seed(2))
    assert torch.all(batch.targets[:, -1] == IGNORE)
    grads = []
    for trimmed in (True, False):
        model = engine.build_model(spec)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
        if trimmed:
            loss = loop.train_step(model, optimizer, [batch])
        else:
            loss = F.cross_entropy(model(batch.tokens).flatten(0, 1), batch.targets.flatten(),
                                   ignore_index=IGNORE)
            loss.backward()
            loss = loss.item()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # as train_step does
        grads.append((loss, torch.cat([p.grad.flatten() for p in model.parameters()])))
    assert grads[0][0] == pytest.approx(grads[1][0], rel=1e-5)
    assert torch.allclose(grads[0][1], grads[1][1], atol=1e-6)


def test_learning_rate_warms_up_holds_then_decays_to_a_tenth():
    rates = [loop.learning_rate(step, 1000, 50, 1.0) for step in range(1, 1001)]
    assert rates[0] == pytest.approx(1 / 50) and rates[49] == 1.0  # linear warmup
    assert set(rates[49:800]) == {1.0}  # stable until 80% of the steps
    decay = rates[799:]
    assert all(a >= b for a, b in zip(decay, decay[1:])) and decay[-1] == pytest.approx(0.1)

def test_training_lengths_are_uniform_and_groups_sorted():
    generator = torch.Generator().manual_seed(0)
    counts = torch.zeros(17)
    for _ in range(200):
        batches = loop.length_groups(TASKS["copy"], 32, 16, 2, generator)
        assert len(batches) == 2 and batches[0].lengths.max() <= batches[1].lengths.min()
        for b in batches:
            counts += torch.bincount(b.lengths, minlength=17)
    assert counts[0] == 0 and counts.sum() == 200 * 32
    assert (counts[1:] / counts[1:].mean() - 1).abs().max() < 0.15  # 400 per length expected
