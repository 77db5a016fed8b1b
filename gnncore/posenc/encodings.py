"""Six positional encodings behind one interface.

An encoding can act at three places in a transformer, and each class overrides only the
ones it uses:

* ``embed(x)``: add something to the token embeddings x (B, T, d) -- absolute encodings;
* ``bias(length)``: an additive attention bias (heads, T, T), or None -- relative biases;
* ``rotate(q, k)``: transform queries and keys (B, heads, T, d_head) -- RoPE.

``max_length`` is the longest sequence an encoding can represent (None: any length).
One instance is shared by all layers, as in T5 (one bias table for the whole stack) and
ALiBi (fixed slopes); RoPE and the absolute encodings have nothing per layer either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class EncodingConfig:
    """What an encoding needs to know about the model it sits in.

    max_length: table size of the learned absolute encoding (the longest training example).
    t5_buckets, t5_max_distance: T5's defaults (32 buckets, distance 128; Raffel et al. 2020).
    rope_base: RoPE's 10000 (Su et al. 2021), the same base as the sinusoids.
    """

    d_model: int
    heads: int
    max_length: int = 64
    t5_buckets: int = 32
    t5_max_distance: int = 128
    rope_base: float = 10000.0


class PositionalEncoding(nn.Module):
    """The shared interface; on its own it is NoPE (no positional information at all).

    Each encoding's ``name``, ``label``, ``color`` and ``title`` make it an entry of the
    registry the front ends read (:class:`gnncore.protocol.Entry`).
    """

    name = label = color = title = ""
    max_length: Optional[int] = None

    def __init__(self, config: EncodingConfig):
        super().__init__()
        self.config = config

    def embed(self, x: Tensor) -> Tensor:
        return x

    def bias(self, length: int) -> Optional[Tensor]:
        return None

    def rotate(self, q: Tensor, k: Tensor) -> tuple[Tensor, Tensor]:
        return q, k


class NoPE(PositionalEncoding):
    """No positional encoding (NoPE; Kazemnejad et al. 2023).

    A causal decoder can still infer positions: the causal mask lets position i attend to
    exactly i + 1 tokens, so averaging attention can count. Kazemnejad et al. found it
    generalises to longer inputs better than the explicit encodings on several tasks.
    """

    name, label, color = "nope", "NoPE", "#8C8C8C"
    title = "No positional encoding (Kazemnejad et al. 2023)"


@lru_cache(maxsize=256)
def sinusoids(length: int, d_model: int) -> Tensor:
    """PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d)); shape (length, d).
    Cached per shape: callers must not change the result in place."""
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    inv_freq = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    angles = position * inv_freq
    pe = torch.zeros(length, d_model)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles)[:, : d_model // 2]
    return pe


class Sinusoidal(PositionalEncoding):
    """Fixed sinusoidal absolute encoding (Vaswani et al. 2017, "Attention Is All You Need").

    x_p <- x_p + PE(p), with PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d)).
    Defined at every position, but positions past the trained length are vectors the model
    has never seen.
    """

    name, label, color = "sinusoidal", "Sinusoidal", "#4C78A8"
    title = "Sinusoidal absolute (Vaswani et al. 2017)"

    def embed(self, x: Tensor) -> Tensor:
        return x + sinusoids(x.shape[1], x.shape[2]).to(x.dtype)


class LearnedAbsolute(PositionalEncoding):
    """Learned absolute position embeddings (Gehring et al. 2017; GPT, Radford et al. 2018).

    x_p <- x_p + E[p], one trained vector per position p < max_length. There is no vector
    past the table, so a longer input is refused (ValueError) rather than clamped.
    """

    name, label, color = "learned", "Learned absolute", "#F58518"
    title = "Learned absolute positions (Gehring et al. 2017)"

    def __init__(self, config: EncodingConfig):
        super().__init__(config)
        self.max_length = config.max_length
        self.table = nn.Embedding(config.max_length, config.d_model)
        nn.init.normal_(self.table.weight, std=0.02)

    def embed(self, x: Tensor) -> Tensor:
        if x.shape[1] > self.max_length:
            raise ValueError(f"learned absolute positions cover {self.max_length} tokens; "
                             f"this input has {x.shape[1]}")
        return x + self.table.weight[: x.shape[1]]


def t5_bucket(distance: Tensor, buckets: int = 32, max_distance: int = 128) -> Tensor:
    """T5's causal bucket of a distance d = query - key >= 0 (Raffel et al. 2020).

    The first buckets/2 distances get a bucket each; larger ones share logarithmically
    wider buckets up to max_distance, and everything further falls in the last bucket.
    Same as ``_relative_position_bucket(-d, bidirectional=False)`` in HF transformers.
    """
    exact = buckets // 2
    far = exact + (torch.log(distance.float().clamp(min=1) / exact)
                   / math.log(max_distance / exact) * (buckets - exact)).long()
    return torch.where(distance < exact, distance, far.clamp(max=buckets - 1))


class T5Bias(PositionalEncoding):
    """T5 relative position bias (Raffel et al. 2020), bucketed and causal.

    score(i, j) <- q_i . k_j / sqrt(d_head) + b[h, bucket(i - j)], one learned scalar per
    head and bucket, shared by all layers as in T5. Distances past the trained ones land in
    buckets that were trained (the last bucket covers everything from max_distance on).
    """

    name, label, color = "t5", "T5 bias", "#54A24B"
    title = "T5 relative position bias (Raffel et al. 2020)"

    def __init__(self, config: EncodingConfig):
        super().__init__(config)
        self.table = nn.Embedding(config.t5_buckets, config.heads)
        nn.init.normal_(self.table.weight, std=0.02)

    def bucket(self, distance: Tensor) -> Tensor:
        return t5_bucket(distance, self.config.t5_buckets, self.config.t5_max_distance)

    def bias(self, length: int) -> Tensor:
        buckets = _bucket_matrix(length, self.config.t5_buckets, self.config.t5_max_distance)
        return self.table(buckets).permute(2, 0, 1)


@lru_cache(maxsize=256)
def distances(length: int) -> Tensor:
    """(T, T): query - key, 0 for future keys (they are masked anyway). Cached: read only."""
    pos = torch.arange(length)
    return (pos.unsqueeze(1) - pos.unsqueeze(0)).clamp(min=0)


@lru_cache(maxsize=256)
def _bucket_matrix(length: int, buckets: int, max_distance: int) -> Tensor:
    return t5_bucket(distances(length), buckets, max_distance)


def alibi_slopes(heads: int) -> list[float]:
    """Head h of n gets slope 2^(-8h/n), h = 1..n (Press et al. 2022).

    For n not a power of two, take the slopes of the power of two just below n and fill
    up with every other slope of the next power of two (the paper's reference code).
    """
    def power_of_two(n: int) -> list[float]:
        return [2.0 ** (-8.0 * h / n) for h in range(1, n + 1)]

    if math.log2(heads).is_integer():
        return power_of_two(heads)
    below = 2 ** math.floor(math.log2(heads))
    return power_of_two(below) + power_of_two(2 * below)[0::2][: heads - below]


class ALiBi(PositionalEncoding):
    """Attention with Linear Biases (Press et al. 2022, "Train Short, Test Long").

    score(i, j) <- q_i . k_j / sqrt(d_head) - m_h * (i - j), fixed slopes m_h = 2^(-8h/n).
    Nothing is learned, and a longer input only adds larger (more negative) penalties.
    """

    name, label, color = "alibi", "ALiBi", "#E45756"
    title = "Attention with linear biases (Press et al. 2022)"

    def __init__(self, config: EncodingConfig):
        super().__init__(config)
        self.register_buffer("slopes", torch.tensor(alibi_slopes(config.heads)), persistent=False)

    def bias(self, length: int) -> Tensor:
        return -self.slopes.view(-1, 1, 1) * distances(length)


class RoPE(PositionalEncoding):
    """Rotary position embedding (Su et al. 2021, "RoFormer").

    Each pair of query/key dimensions i is rotated by the angle p * theta_i, with
    theta_i = base^(-2i/d_head), so q_m . k_n depends on m - n only. Pairs are (i, i + d/2)
    (the GPT-NeoX "rotate half" layout), a fixed permutation of the paper's (2i, 2i + 1).
    """

    name, label, color = "rope", "RoPE", "#B279A2"
    title = "Rotary position embedding (Su et al. 2021)"

    @classmethod
    def for_head(cls, d_head: int, base: float = 10000.0) -> "RoPE":
        """RoPE for one head of width ``d_head`` (the look-inside pictures' case)."""
        return cls(EncodingConfig(d_model=d_head, heads=1, rope_base=base))

    def __init__(self, config: EncodingConfig):
        super().__init__(config)
        head = config.d_model // config.heads
        inv_freq = config.rope_base ** (-torch.arange(0, head, 2, dtype=torch.float32) / head)
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def angles(self, length: int) -> Tensor:
        """(length, d_head / 2): p * theta_i."""
        return torch.arange(length, dtype=torch.float32).unsqueeze(1) * self.inv_freq

    def rotate(self, q: Tensor, k: Tensor) -> tuple[Tensor, Tensor]:
        # x_i' = x_i cos - x_(i+d/2) sin and x_(i+d/2)' = x_(i+d/2) cos + x_i sin, written as
        # x cos + roll(x, d/2) (-sin, +sin): four ops per tensor instead of six.
        angles = self.angles(q.shape[-2])
        cos, sin = angles.cos().repeat(1, 2), angles.sin()
        signed_sin = torch.cat([-sin, sin], dim=1)
        half = q.shape[-1] // 2
        return (q * cos + q.roll(half, dims=-1) * signed_sin,
                k * cos + k.roll(half, dims=-1) * signed_sin)


# The registry, in reading order: adding an encoding is its class and its place here.
ENCODINGS: dict[str, type[PositionalEncoding]] = {
    cls.name: cls for cls in (Sinusoidal, LearnedAbsolute, T5Bias, ALiBi, RoPE, NoPE)}
