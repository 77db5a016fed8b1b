"""The toy transformer: causal, the bias folded into the mask right, weights as SDPA computes;
the GRU baseline behind the same registry."""

import math

import pytest
import torch

from gnncore.posenc.encodings import ENCODINGS
from gnncore.posenc.model import ModelConfig, Recurrent, Transformer, build

VOCAB = 12
ATTENDING = [e for e in ENCODINGS if not ENCODINGS[e].recurrent]


def model(encoding: str, **changes) -> Transformer:
    torch.manual_seed(0)
    config = dict(vocab_size=VOCAB, encoding=encoding, d_model=16, layers=2, heads=4, ffn=32,
                  max_length=20, max_position=64)
    return build(ModelConfig(**{**config, **changes})).eval()


def tokens(batch: int = 3, length: int = 10) -> torch.Tensor:
    """Token ids 1..VOCAB-1: no padding, so the randomised encodings see every token."""
    return torch.randint(1, VOCAB, (batch, length), generator=torch.Generator().manual_seed(1))


def same_draw() -> torch.Generator:
    """The same randomised positions in every call that gets one."""
    return torch.Generator().manual_seed(5)


def places(encoding: str, x: torch.Tensor) -> dict:
    """For the encodings that read a task's digit places: places 1, 2, ... on every token."""
    if not ENCODINGS[encoding].structured:
        return {}
    return {"structure": torch.arange(1, x.shape[1] + 1).expand_as(x)}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_no_leak_from_the_future(encoding):
    m, x = model(encoding), tokens()
    changed = x.clone()
    changed[:, 6] = x[:, 6] % (VOCAB - 1) + 1
    before = m(x, generator=same_draw(), **places(encoding, x))
    after = m(changed, generator=same_draw(), **places(encoding, x))
    assert torch.allclose(before[:, :6], after[:, :6], atol=1e-6)
    assert not torch.allclose(before[:, 6:], after[:, 6:], atol=1e-3)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_logits_from_start_equal_the_tail_of_the_full_logits(encoding):
    m, x = model(encoding), tokens()
    assert torch.allclose(m(x, start=4, generator=same_draw(), **places(encoding, x)),
                          m(x, generator=same_draw(), **places(encoding, x))[:, 4:], atol=1e-5)


@pytest.mark.parametrize("encoding", ["t5", "alibi"])
def test_bias_plus_causal_mask_equals_a_softmax_written_out(encoding):
    m, x = model(encoding), tokens(batch=2, length=7)
    with torch.no_grad():
        t5_table = m.encoding.table.weight if encoding == "t5" else None
        if t5_table is not None:
            t5_table.normal_()  # a zero-ish table would hide a wrongly placed bias
        layer = m.blocks[0]
        h = layer.norm1(m.encoding.embed(m.tokens(x)))
        q, k, v = layer.attention.qkv(h).view(2, 7, 3, 4, 4).permute(2, 0, 3, 1, 4)
        bias = m.encoding.bias(7)
        expected = torch.zeros(2, 4, 7, 4)
        for b in range(2):
            for head in range(4):
                for i in range(7):
                    scores = [float(q[b, head, i] @ k[b, head, j]) / math.sqrt(4) + float(bias[head, i, j])
                              for j in range(i + 1)]  # keys after i are masked out
                    top = max(scores)
                    weights = [math.exp(s - top) for s in scores]
                    total = sum(weights)
                    expected[b, head, i] = sum(w / total * v[b, head, j] for j, w in enumerate(weights))
        out = layer.attention(h, m.attention_mask(7), m.encoding)
        by_hand = layer.attention.proj(expected.transpose(1, 2).reshape(2, 7, 16))
    assert torch.allclose(out, by_hand, atol=1e-5)


@pytest.mark.parametrize("encoding", ATTENDING)
def test_attention_weights_are_what_sdpa_computes(encoding):
    m, x = model(encoding), tokens()
    weights = m.attention_weights(x, same_draw(), **places(encoding, x))
    assert len(weights) == 2 and weights[0].shape == (3, 4, 10, 10)
    assert torch.allclose(weights[0].sum(-1), torch.ones(3, 4, 10), atol=1e-5)
    assert torch.all(weights[0].triu(1) == 0)  # nothing on future keys
    # The explicit path (weights @ v) gives the same logits as the SDPA path.
    with torch.no_grad():
        explicit = m(x, weights=[], generator=same_draw(), **places(encoding, x))
    assert torch.allclose(explicit, m(x, generator=same_draw(), **places(encoding, x)), atol=1e-5)


def test_t5_table_receives_gradients():
    m = model("t5").train()
    m(tokens()).sum().backward()
    grad = m.encoding.table.weight.grad
    assert grad is not None
    # distances 0..9 use buckets 0..9, each for every head; the others are never looked up
    assert torch.all(grad[:10].abs() > 0) and torch.all(grad[10:] == 0)


def test_learned_absolute_model_refuses_over_length_input():
    m = model("learned", max_length=8)
    assert m.max_length == 8
    m(tokens(length=8))
    with pytest.raises(ValueError):
        m(tokens(length=9))


def test_other_encodings_take_any_length():
    for encoding in ["sinusoidal", "t5", "alibi", "rope", "nope", "fire", "kerple", "gru"]:
        m = model(encoding)
        assert m.max_length is None
        assert m(tokens(length=60)).shape == (3, 60, VOCAB)
