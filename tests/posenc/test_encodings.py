"""Known values and invariances of the six positional encodings."""

import math

import pytest
import torch

from gnncore.posenc.encodings import (ENCODINGS, EncodingConfig, LearnedAbsolute, RoPE,
                                      alibi_slopes, sinusoids, t5_bucket)


def test_alibi_slopes_for_powers_of_two_follow_2_to_the_minus_8h_over_n():
    assert alibi_slopes(4) == [2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8]
    assert alibi_slopes(8) == [2.0 ** -h for h in range(1, 9)]


def test_alibi_slopes_for_6_heads_take_4_then_every_other_of_8():
    # Press et al.'s rule: the 4-head slopes, then slopes 1 and 3 of the 8-head sequence.
    assert alibi_slopes(6) == [2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3]


def test_alibi_bias_is_minus_slope_times_distance():
    alibi = ENCODINGS["alibi"](EncodingConfig(d_model=16, heads=4))
    bias = alibi.bias(5)
    assert bias.shape == (4, 5, 5)
    assert bias[0, 4, 1].item() == pytest.approx(-0.25 * 3)
    assert bias[3, 2, 0].item() == pytest.approx(-(2 ** -8) * 2)
    assert torch.all(bias.diagonal(dim1=1, dim2=2) == 0)


@pytest.mark.parametrize("distance, bucket", [
    (0, 0), (1, 1), (15, 15),  # one bucket per distance below 32 / 2
    (16, 16), (20, 17), (31, 21), (32, 21), (64, 26), (127, 31),  # 16 + floor(16 log(d/16) / log 8)
    (128, 31), (500, 31),  # everything from max_distance on shares the last bucket
])
def test_t5_causal_buckets_match_the_t5_formula(distance, bucket):
    assert t5_bucket(torch.tensor([distance])).item() == bucket


def test_t5_buckets_agree_with_huggingface_where_installed():
    t5 = pytest.importorskip("transformers.models.t5.modeling_t5")
    distance = torch.arange(0, 300)
    theirs = t5.T5Attention._relative_position_bucket(-distance, bidirectional=False,
                                                      num_buckets=32, max_distance=128)
    assert torch.equal(t5_bucket(distance), theirs)


def test_sinusoid_at_position_0_is_sin_0_cos_0_alternating():
    pe = sinusoids(3, 8)
    assert torch.equal(pe[0], torch.tensor([0.0, 1.0] * 4))
    # dims 0/1 turn at rate 1, the last pair at 10000^(-6/8)
    assert pe[2, 0].item() == pytest.approx(math.sin(2))
    assert pe[2, 7].item() == pytest.approx(math.cos(2 * 10000 ** (-6 / 8)))


def test_rope_score_depends_only_on_the_offset():
    torch.manual_seed(0)
    rope = RoPE(EncodingConfig(d_model=32, heads=2))
    q_vec, k_vec = torch.randn(16), torch.randn(16)

    def score(m: int, n: int) -> float:
        q = torch.zeros(1, 1, 40, 16)
        k = torch.zeros(1, 1, 40, 16)
        q[0, 0, m], k[0, 0, n] = q_vec, k_vec
        q, k = rope.rotate(q, k)
        return float(q[0, 0, m] @ k[0, 0, n])

    for m, n, shift in [(5, 2, 7), (9, 9, 30), (3, 0, 1), (12, 4, 20)]:
        assert score(m + shift, n + shift) == pytest.approx(score(m, n), abs=1e-4)
    assert score(5, 2) != pytest.approx(score(5, 3), abs=1e-3)  # and it does depend on it


def test_rope_keeps_the_norm_of_each_vector():
    rope = RoPE(EncodingConfig(d_model=32, heads=2))
    q = torch.randn(2, 2, 10, 16)
    rotated, _ = rope.rotate(q, q)
    assert torch.allclose(rotated.norm(dim=-1), q.norm(dim=-1), atol=1e-5)


def test_learned_absolute_refuses_input_past_its_table():
    learned = LearnedAbsolute(EncodingConfig(d_model=8, heads=2, max_length=5))
    assert learned.embed(torch.zeros(1, 5, 8)).shape == (1, 5, 8)
    with pytest.raises(ValueError, match="5 tokens"):
        learned.embed(torch.zeros(1, 6, 8))
