"""The look-inside tables of trained FIRE and Kerple models, and RoPE's scaled frequencies."""

import math

import pytest
import torch

from gnncore import runs
from gnncore.posenc import inspect, scaling
from gnncore.posenc import train as engine
from gnncore.posenc.evaluate import learned_bias_rows
from gnncore.posenc.tasks import TASKS
from gnncore.spec import RunSpec

TINY = dict(train_length=3, test_length=6, steps=5, d_model=16, heads=4, ffn=32,
            batch_size=8, eval_examples=8)


@pytest.fixture(scope="module", params=["fire", "kerple"])
def trained(request):
    spec = runs.resolve(RunSpec.make("posenc", "copy", request.param, 0, **TINY))
    return spec, engine.train(spec)


def test_fire_and_kerple_runs_keep_their_learned_bias_per_head_and_distance(trained):
    spec, result = trained
    rows = result.tables["learned_bias"]
    length = TASKS["copy"].sequence_length(TINY["test_length"])
    assert len(rows) == 4 * length
    assert [r["distance"] for r in rows[:length]] == list(range(length))
    assert {r["head"] for r in rows} == {0, 1, 2, 3}
    assert "learned_bias" not in engine.train(runs.resolve(
        RunSpec.make("posenc", "copy", "alibi", 0, **TINY))).tables


def test_kerple_bias_is_minus_r1_log_1_plus_r2_d_for_the_models_own_parameters():
    model = engine.build_model(runs.resolve(RunSpec.make("posenc", "copy", "kerple", 3, **TINY)))
    with torch.no_grad():
        model.encoding.r1.copy_(torch.tensor([0.5, 1.0, 1.5, 0.001]))  # the last is clamped to 0.01
        model.encoding.r2.copy_(torch.tensor([0.1, 0.2, 0.9, 0.3]))
    rows = learned_bias_rows(model, 20)
    r1, r2 = [0.5, 1.0, 1.5, 0.01], [0.1, 0.2, 0.9, 0.3]
    for row in rows:
        h, d = row["head"], row["distance"]
        assert (row["r1"], row["r2"]) == pytest.approx((r1[h], r2[h]))
        assert row["bias"] == pytest.approx(-r1[h] * math.log(1 + r2[h] * d), abs=1e-5)


def test_fire_bias_rows_are_the_last_querys_row_of_the_models_bias(trained):
    spec, _ = trained
    if spec.model != "fire":
        pytest.skip("FIRE only")
    model = engine.build_model(spec)
    rows = learned_bias_rows(model, 12)
    bias = model.encoding.bias(12).detach()
    for row in rows:
        assert row["bias"] == pytest.approx(float(bias[row["head"], 11, 11 - row["distance"]]), abs=1e-5)
    # distance 0: the MLP at input psi(0) / ... = 0, the same for every query
    assert rows[0]["bias"] == pytest.approx(float(model.encoding.mlp(torch.zeros(1)).detach()[0]), abs=1e-5)


def test_rope_scaled_frequencies_follow_each_method():
    d_head, scale, trained = 16, 3.0, 9
    frame = inspect.rope_scaled_frequencies(d_head, scale, trained)
    assert list(dict.fromkeys(frame["scaling"])) == list(scaling.SCALINGS)
    by = {name: part.sort_values("pair") for name, part in frame.groupby("scaling")}
    plain = [10000.0 ** (-2 * i / d_head) for i in range(d_head // 2)]
    assert by["none"]["frequency"].tolist() == pytest.approx(plain, rel=1e-6)
    assert by["pi"]["frequency"].tolist() == pytest.approx([t / scale for t in plain], rel=1e-6)
    ntk_base = 10000.0 * scale ** (d_head / (d_head - 2))
    assert by["ntk"]["frequency"].tolist() == pytest.approx(
        [ntk_base ** (-2 * i / d_head) for i in range(d_head // 2)], rel=1e-6)
    assert by["ntk"]["ratio"].iloc[0] == pytest.approx(1.0)
    assert by["ntk"]["ratio"].iloc[-1] == pytest.approx(1 / scale, rel=1e-5)  # the slowest: / s
    # YaRN over 9 trained tokens: pair 0 turns 9 / (2 pi) ~ 1.43 times, ramp (1.43 - 1) / 31
    gamma = (trained / (2 * math.pi) - 1) / 31
    assert by["yarn"]["frequency"].iloc[0] == pytest.approx((1 - gamma) / scale + gamma, rel=1e-6)
    assert by["yarn"]["frequency"].iloc[-1] == pytest.approx(plain[-1] / scale, rel=1e-6)
    assert by["yarn"]["attention_factor"].tolist() == pytest.approx([0.1 * math.log(scale) + 1] * (d_head // 2))
    assert set(by["pi"]["attention_factor"]) == {1.0}
    assert frame["wavelength"].tolist() == pytest.approx((2 * math.pi / frame["frequency"]).tolist())
