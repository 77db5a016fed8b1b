"""FIRE, Kerple, randomised positions and the GRU baseline: each formula at known values,
gradients where something is learned, and the GRU's blindness to position."""

import math

import pytest
import torch

from gnncore import runs
from gnncore.posenc import train as engine
from gnncore.posenc.encodings import (ENCODINGS, FIRE, EncodingConfig, Kerple, RandomisedLearned,
                                      random_positions, sinusoids)
from gnncore.posenc.model import ModelConfig, Recurrent, Transformer, build
from gnncore.spec import RunSpec, SpecError

CONFIG = EncodingConfig(d_model=16, heads=2, max_length=20, max_position=64)


def identity_fire() -> FIRE:
    """FIRE whose MLP is f(x) = x on every head (x >= 0), so its bias is the normalised distance."""
    fire = FIRE(CONFIG)
    with torch.no_grad():
        first, second = fire.mlp[0], fire.mlp[2]
        first.weight.zero_(), first.bias.zero_(), second.weight.zero_(), second.bias.zero_()
        first.weight[0, 0] = 1.0
        second.weight[:, 0] = 1.0
    return fire


@pytest.mark.parametrize("query, key", [(20, 5), (3, 1), (7, 7), (30, 0)])
def test_fire_bias_is_psi_of_distance_over_psi_of_max_threshold_query(query, key):
    fire = identity_fire()
    c, threshold = 0.1, 20 / 4  # the initial values: c = 0.1, L = max_length / 4
    assert fire.c.item() == pytest.approx(c) and fire.threshold.item() == threshold
    expected = math.log(c * (query - key) + 1) / math.log(c * max(threshold, query) + 1)
    bias = fire.bias(31)
    assert bias.shape == (2, 31, 31)
    assert bias[1, query, key].item() == pytest.approx(expected, rel=1e-5)


def test_fire_maps_every_distance_a_long_query_sees_into_0_1():
    d = identity_fire().normalised_distance(200)
    assert d[150, :151].min() == 0 and d[150, 0].item() == pytest.approx(1.0, rel=1e-5)
    assert d.max() <= 1 + 1e-6  # progressive interpolation: never past the longest distance


def test_fire_mlp_constant_and_threshold_receive_gradients():
    fire = FIRE(CONFIG)
    torch.manual_seed(0)
    (fire.bias(12) * torch.randn(2, 12, 12)).tril().sum().backward()
    for name, p in fire.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    # queries 0..4 sit below the threshold 5, so the threshold sets their normaliser


@pytest.mark.parametrize("head, query, key", [(0, 9, 2), (1, 4, 4), (1, 40, 1)])
def test_kerple_log_bias_is_minus_r1_log_1_plus_r2_distance(head, query, key):
    kerple = Kerple(CONFIG)
    with torch.no_grad():
        kerple.r1.copy_(torch.tensor([1.5, 0.3]))
        kerple.r2.copy_(torch.tensor([0.5, 2.0]))
    r1, r2 = (1.5, 0.3)[head], (0.5, 2.0)[head]
    expected = -r1 * math.log(1 + r2 * (query - key))
    assert kerple.bias(41)[head, query, key].item() == pytest.approx(expected, rel=1e-5, abs=1e-7)


def test_kerple_keeps_its_parameters_positive_and_learns_them():
    kerple = Kerple(CONFIG)
    with torch.no_grad():
        kerple.r1.fill_(-1.0)
    bias = kerple.bias(6)
    assert torch.all(kerple.r1 == 0.01)  # clamped in place, as Chi et al.'s code does
    assert torch.all(bias <= 0)  # a penalty only, growing with distance
    bias.sum().backward()
    assert kerple.r1.grad.abs().min() > 0 and kerple.r2.grad.abs().min() > 0


def test_random_positions_are_sorted_distinct_and_in_range():
    lengths = torch.tensor([1, 5, 30, 30, 12])
    drawn = random_positions(lengths, 30, 64, torch.Generator().manual_seed(0))
    assert drawn.shape == (5, 30)
    for row, n in zip(drawn, lengths.tolist()):
        used = row[:n]
        assert torch.all(used[1:] > used[:-1])  # sorted and distinct
        assert used.min() >= 0 and used.max() < 64
        assert torch.all(row[n:] == 63)  # padding, never seen by a real token
    again = random_positions(lengths, 30, 64, torch.Generator().manual_seed(0))
    assert torch.equal(drawn, again)


def test_random_positions_cover_the_range_uniformly_whatever_the_padding():
    # A 3-token row padded to 40 columns must still draw a uniform 3-subset of 0..63.
    generator = torch.Generator().manual_seed(1)
    counts = torch.zeros(64)
    for _ in range(400):
        drawn = random_positions(torch.full((50,), 3), 40, 64, generator)[:, :3]
        counts += torch.bincount(drawn.flatten(), minlength=64)
    expected = 400 * 50 * 3 / 64
    assert (counts / expected - 1).abs().max() < 0.12
    assert counts[48:].sum() / counts.sum() == pytest.approx(16 / 64, abs=0.01)


def test_randomised_sinusoidal_adds_the_sinusoid_of_each_drawn_position():
    enc = ENCODINGS["randomised-sinusoidal"](CONFIG)
    positions = enc.positions(torch.tensor([4]), 4, torch.Generator().manual_seed(2))
    out = enc.embed(torch.zeros(1, 4, 16), positions)
    assert torch.allclose(out[0], sinusoids(64, 16)[positions[0]], atol=1e-6)
    assert enc.max_length == 64
    with pytest.raises(ValueError, match="64 tokens"):
        enc.positions(torch.tensor([65]), 65)


def test_randomised_learned_table_gets_gradients_only_at_drawn_rows():
    torch.manual_seed(0)
    model = build(ModelConfig(vocab_size=12, encoding="randomised-learned", d_model=16, heads=2,
                              ffn=32, max_length=20, max_position=64))
    tokens = torch.randint(4, 12, (2, 6))
    generator = torch.Generator().manual_seed(3)
    drawn = model.encoding.positions(torch.tensor([6, 6]), 6, torch.Generator().manual_seed(3))
    model(tokens, generator=generator).sum().backward()
    grad = model.encoding.encoding.table.weight.grad
    rows = set(drawn.flatten().tolist())
    assert all(grad[r].abs().sum() > 0 for r in rows)
    assert all(grad[r].abs().sum() == 0 for r in set(range(64)) - rows)
    assert isinstance(model.encoding, RandomisedLearned) and model.max_length == 64


def test_randomised_rope_depends_only_on_drawn_offsets():
    rope = ENCODINGS["randomised-rope"](CONFIG)
    q, k = torch.randn(1, 1, 2, 8), torch.randn(1, 1, 2, 8)

    def score(positions):
        rq, rk = rope.rotate(q, k, torch.tensor([positions]))
        return float(rq[0, 0, 1] @ rk[0, 0, 0])

    assert score([3, 10]) == pytest.approx(score([33, 40]), abs=1e-4)
    assert score([3, 10]) != pytest.approx(score([3, 11]), abs=1e-3)


def config(**changes) -> ModelConfig:
    return ModelConfig(**{**dict(vocab_size=36, encoding="gru"), **changes})


def test_gru_has_about_the_transformers_parameter_count():
    for changes in ({}, {"d_model": 32, "layers": 1, "ffn": 128}, {"layers": 4}):
        gru = sum(p.numel() for p in build(config(**changes)).parameters())
        transformer = sum(p.numel() for p in Transformer(config(**changes, encoding="nope")).parameters())
        assert abs(gru / transformer - 1) < 0.02, changes


def test_gru_never_sees_a_position():
    # Time-homogeneous: from the state after tokens 0..k-1, tokens k.. give the same logits
    # as if they were a fresh input at position 0 onwards; nothing but the state carries order.
    torch.manual_seed(0)
    model = build(config()).eval()
    assert isinstance(model, Recurrent) and model.max_length is None
    assert not any("encoding" in name for name, _ in model.named_parameters())
    x = torch.randint(4, 36, (3, 20))
    with torch.no_grad():
        full = model(x)
        _, state = model.gru(model.tokens(x[:, :8]))
        rest, _ = model.gru(model.tokens(x[:, 8:]), state)
        assert torch.allclose(full[:, 8:], model.head(rest), atol=1e-5)
        # and the same tokens after a different history give different logits
        _, other = model.gru(model.tokens(x[:, :8].flip(0)))
        assert not torch.allclose(model.head(model.gru(model.tokens(x[:, 8:]), other)[0]), full[:, 8:], atol=1e-3)


def test_max_position_belongs_to_the_randomised_encodings_and_covers_the_test():
    spec = runs.resolve(RunSpec.make("posenc", "copy", "randomised-rope", 0))
    assert spec.params["max_position"] == 512
    assert "max_position" not in runs.resolve(RunSpec.make("posenc", "copy", "rope", 0)).params
    with pytest.raises(SpecError, match="applies only to randomised-sinusoidal"):
        runs.resolve(RunSpec.make("posenc", "copy", "rope", 0, max_position=256))
    with pytest.raises(SpecError, match="must cover the longest test example, 99 tokens"):
        runs.resolve(RunSpec.make("posenc", "copy", "randomised-learned", 0, max_position=64))
    with pytest.raises(SpecError, match="even"):
        runs.resolve(RunSpec.make("posenc", "copy", "randomised-rope", 0, d_model=12, heads=4))


TINY = dict(train_length=3, test_length=6, steps=120, d_model=32, heads=4, ffn=64,
            batch_size=32, lr=1e-2, eval_examples=32)


@pytest.mark.parametrize("encoding", ["randomised-learned", "fire", "kerple", "gru"])
def test_new_encodings_learn_copy_in_distribution_and_repeat_exactly(encoding):
    extra = {"max_position": 32} if encoding.startswith("randomised") else {}
    spec = runs.resolve(RunSpec.make("posenc", "copy", encoding, 0, **TINY, **extra))
    first = engine.train(spec)
    assert first.metrics["in_distribution_token_accuracy"] > 0.5  # chance: 1/32
    assert first.metrics["out_of_distribution_token_accuracy"] is not None  # every length fits
    again = engine.train(spec)
    assert again.tables["length"] == first.tables["length"]  # positions drawn from the seed
    assert ("attention" in first.tables) and (len(first.tables["attention"]) == 0) == (encoding == "gru")
