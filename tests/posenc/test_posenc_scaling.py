"""RoPE scaling at evaluation: PI, NTK and YaRN frequencies at a known scale, the model left
as it was, and the extra table of a RoPE run."""

import math

import pytest
import torch

from gnncore import runs
from gnncore.posenc import train as engine
from gnncore.posenc.encodings import RoPE
from gnncore.posenc.scaling import SCALINGS, frequencies, scaled
from gnncore.spec import RunSpec

D, BASE = 16, 10000.0
THETA = [BASE ** (-2 * i / D) for i in range(D // 2)]


def test_none_keeps_the_frequencies():
    theta, factor = frequencies("none", D, BASE, 3.0, 35)
    assert theta.tolist() == pytest.approx(THETA) and factor == 1.0


def test_position_interpolation_divides_every_frequency_by_the_scale():
    theta, factor = frequencies("pi", D, BASE, 4.0, 35)
    assert theta.tolist() == pytest.approx([t / 4 for t in THETA]) and factor == 1.0


def test_ntk_raises_the_base_keeping_the_fastest_and_dividing_the_slowest_by_s():
    theta, factor = frequencies("ntk", D, BASE, 4.0, 35)
    new_base = BASE * 4.0 ** (D / (D - 2))
    assert theta.tolist() == pytest.approx([new_base ** (-2 * i / D) for i in range(D // 2)])
    assert theta[0].item() == 1.0 and theta[-1].item() == pytest.approx(THETA[-1] / 4)
    assert factor == 1.0


def test_yarn_interpolates_slow_pairs_keeps_fast_ones_and_sets_the_temperature():
    scale, trained = 4.0, 35
    theta, factor = frequencies("yarn", D, BASE, scale, trained)
    assert factor == pytest.approx(0.1 * math.log(4) + 1)  # 1.1386
    for i, t in enumerate(THETA):
        turns = trained * t / (2 * math.pi)  # r = L / wavelength
        gamma = min(1.0, max(0.0, (turns - 1) / (32 - 1)))
        assert theta[i].item() == pytest.approx((1 - gamma) * t / scale + gamma * t, rel=1e-6)
    # pair 0 turns 5.6 times over 35 tokens: partly interpolated; the slow pairs fully
    assert THETA[0] / scale < theta[0] < THETA[0]
    assert theta[-1].item() == pytest.approx(THETA[-1] / scale)
    long_trained, _ = frequencies("yarn", D, BASE, scale, 10_000)
    assert long_trained[0].item() == pytest.approx(THETA[0])  # > 32 turns: kept as trained


def test_scaled_rope_rotates_with_the_new_frequencies_then_restores_them():
    rope = RoPE.for_head(D)
    q = torch.randn(1, 1, 12, D)
    before, _ = rope.rotate(q, q)
    with scaled(rope, "yarn", 4.0, 35):
        theta, factor = frequencies("yarn", D, BASE, 4.0, 35)
        assert torch.equal(rope.inv_freq, theta) and rope.attention_factor == factor
        turned, _ = rope.rotate(q, q)
        assert torch.allclose(turned.norm(dim=-1), factor * q.norm(dim=-1), atol=1e-5)
    after, _ = rope.rotate(q, q)
    assert torch.equal(before, after) and rope.attention_factor == 1.0
    with pytest.raises(ValueError, match="unknown RoPE scaling"):
        frequencies("linear", D, BASE, 2.0, 35)


def test_a_rope_run_scores_every_length_again_under_each_scaling():
    tiny = dict(train_length=3, test_length=6, steps=60, d_model=16, heads=2, ffn=32,
                batch_size=16, eval_examples=16)
    result = engine.train(runs.resolve(RunSpec.make("posenc", "copy", "rope", 0, **tiny)))
    rows = result.tables["rope_scaling"]
    assert [r["scaling"] for r in rows] == [s for s in SCALINGS for _ in range(6)]
    assert {r["scale"] for r in rows} == {round(15 / 9, 4)}  # copy: 3 + 6 + 6 tokens over 3 + 3 + 3
    none = [{k: v for k, v in r.items() if k not in ("scaling", "scale")} for r in rows if r["scaling"] == "none"]
    assert none == result.tables["length"]
    pi = [r["token_accuracy"] for r in rows if r["scaling"] == "pi"]
    assert pi != [r["token_accuracy"] for r in none]  # the same model, read differently
    other = engine.train(runs.resolve(RunSpec.make("posenc", "copy", "alibi", 0, **{**tiny, "steps": 2})))
    assert "rope_scaling" not in other.tables
