"""Positional encodings behind one interface, and the registry of them (``ENCODINGS``).

An encoding can act at three places in a transformer, and each class overrides only the
ones it uses:

* ``embed(x, positions)``: add something to the token embeddings x (B, T, d) -- absolute encodings;
* ``bias(length)``: an additive attention bias (heads, T, T), or None -- relative biases;
* ``rotate(q, k, positions)``: transform queries and keys (B, heads, T, d_head) -- RoPE.

``positions(lengths, width, generator)`` says where each token sits: None (every encoding but
the randomised ones) means 0..T-1; the randomised wrapper draws them (Ruoss et al. 2023).
``max_length`` is the longest sequence an encoding can represent (None: any length).
One instance is shared by all layers, as in T5 (one bias table for the whole stack) and
ALiBi (fixed slopes); RoPE and the absolute encodings have nothing per layer either; FIRE
and Kerple are shared the same way here (one bias function for the stack).

The GRU entry is a model, not an encoding: ``recurrent`` tells :func:`gnncore.posenc.model.build`
to build a recurrent network, which never calls the encoding methods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
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
    max_position: the randomised encodings draw positions from 0..max_position-1.
    """

    d_model: int
    heads: int
    max_length: int = 64
    t5_buckets: int = 32
    t5_max_distance: int = 128
    rope_base: float = 10000.0
    max_position: int = 512


class PositionalEncoding(nn.Module):
    """The shared interface; on its own it is NoPE (no positional information at all).

    Each encoding's ``name``, ``label``, ``color`` and ``title`` make it an entry of the
    registry the front ends read (:class:`gnncore.protocol.Entry`).
    """

    name = label = color = title = ""
    max_length: Optional[int] = None
    recurrent = False  # True only for the GRU baseline's entry (see the module docstring)

    def __init__(self, config: EncodingConfig):
        super().__init__()
        self.config = config

    def positions(self, lengths: Tensor, width: int,
                  generator: Optional[torch.Generator] = None) -> Optional[Tensor]:
        """(B, width) position of each token of rows with ``lengths`` real tokens, or None
        for 0..width-1."""
        return None

    def embed(self, x: Tensor, positions: Optional[Tensor] = None) -> Tensor:
        return x

    def bias(self, length: int) -> Optional[Tensor]:
        return None

    def rotate(self, q: Tensor, k: Tensor, positions: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
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
    return sinusoids_at(torch.arange(length), d_model)


def sinusoids_at(positions: Tensor, d_model: int) -> Tensor:
    """The sinusoids at any positions (...,) -> (..., d_model)."""
    inv_freq = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    angles = positions.to(torch.float32).unsqueeze(-1) * inv_freq
    pe = torch.zeros(*positions.shape, d_model)
    pe[..., 0::2] = torch.sin(angles)
    pe[..., 1::2] = torch.cos(angles)[..., : d_model // 2]
    return pe


class Sinusoidal(PositionalEncoding):
    """Fixed sinusoidal absolute encoding (Vaswani et al. 2017, "Attention Is All You Need").

    x_p <- x_p + PE(p), with PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d)).
    Defined at every position, but positions past the trained length are vectors the model
    has never seen.
    """

    name, label, color = "sinusoidal", "Sinusoidal", "#4C78A8"
    title = "Sinusoidal absolute (Vaswani et al. 2017)"

    def embed(self, x: Tensor, positions: Optional[Tensor] = None) -> Tensor:
        if positions is not None:
            return x + sinusoids_at(positions, x.shape[2]).to(x.dtype)
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

    def embed(self, x: Tensor, positions: Optional[Tensor] = None) -> Tensor:
        if x.shape[1] > self.max_length:
            raise ValueError(f"learned absolute positions cover {self.max_length} tokens; "
                             f"this input has {x.shape[1]}")
        if positions is not None:
            return x + self.table(positions)
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
        # Multiplies q and k after the rotation; 1 except under YaRN (gnncore.posenc.scaling).
        self.attention_factor = 1.0

    def angles(self, length: int) -> Tensor:
        """(length, d_head / 2): p * theta_i."""
        return self.angles_at(torch.arange(length))

    def angles_at(self, positions: Tensor) -> Tensor:
        """(..., d_head / 2): p * theta_i at any positions (...,)."""
        return positions.to(torch.float32).unsqueeze(-1) * self.inv_freq

    def rotate(self, q: Tensor, k: Tensor, positions: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
        # x_i' = x_i cos - x_(i+d/2) sin and x_(i+d/2)' = x_(i+d/2) cos + x_i sin, written as
        # x cos + roll(x, d/2) (-sin, +sin): four ops per tensor instead of six.
        angles = self.angles(q.shape[-2]) if positions is None else self.angles_at(positions).unsqueeze(1)
        cos, sin = angles.cos(), angles.sin()
        cos, signed_sin = torch.cat([cos, cos], dim=-1), torch.cat([-sin, sin], dim=-1)
        if self.attention_factor != 1.0:
            cos, signed_sin = cos * self.attention_factor, signed_sin * self.attention_factor
        half = q.shape[-1] // 2
        return (q * cos + q.roll(half, dims=-1) * signed_sin,
                k * cos + k.roll(half, dims=-1) * signed_sin)


class FIRE(PositionalEncoding):
    """Functional interpolation for relative positions (Li et al. 2024, "Functional
    Interpolation for Relative Positions Improves Long Context Transformers", ICLR).

    score(i, j) <- q_i . k_j / sqrt(d_head) + f(psi(i - j) / psi(max(L, i)))[h], with
    psi(x) = log(c x + 1), f a two-layer MLP (1 -> 32 -> heads, ReLU) and c, L learned.
    Dividing by psi(i) maps every distance a query sees into [0, 1] whatever the length
    ("progressive interpolation"); the threshold L keeps short inputs from being stretched.
    Initialisation: c = 0.1 and L a quarter of the longest training example (the authors'
    512 for their 2048 tokens, scaled to this lab's lengths). Shared by all layers here.
    """

    name, label, color = "fire", "FIRE", "#17BECF"
    title = "Functional interpolation for relative positions (Li et al. 2024)"
    width = 32  # the MLP's hidden width in Li et al.
    eps = 1e-6  # keeps the normaliser above 0 should c reach 0

    def __init__(self, config: EncodingConfig):
        super().__init__(config)
        self.mlp = nn.Sequential(nn.Linear(1, self.width), nn.ReLU(), nn.Linear(self.width, config.heads))
        self.c = nn.Parameter(torch.tensor(0.1))
        self.threshold = nn.Parameter(torch.tensor(config.max_length / 4))

    def psi(self, x: Tensor) -> Tensor:
        return torch.log(torch.abs(self.c * x) + 1)

    def normalised_distance(self, length: int) -> Tensor:
        """(T, T): psi(i - j) / psi(max(L, i)), the MLP's input."""
        query = torch.arange(length, dtype=torch.float32)
        normaliser = self.psi(torch.maximum(query, self.threshold.abs())) + self.eps
        return self.psi(distances(length).float()) / normaliser.unsqueeze(1)

    def bias(self, length: int) -> Tensor:
        return self.mlp(self.normalised_distance(length).unsqueeze(-1)).permute(2, 0, 1)


class Kerple(PositionalEncoding):
    """KERPLE, logarithmic variant (Chi et al. 2022, "KERPLE: Kernelized Relative Positional
    Embedding for Length Extrapolation", NeurIPS).

    score(i, j) <- q_i . k_j / sqrt(d_head) - r1_h * log(1 + r2_h * (i - j)), with r1_h, r2_h > 0
    learned per head: a conditionally positive definite kernel turned into a bias. Like ALiBi
    it only penalises distance, but logarithmically, and its slopes are learned.
    Initialisation r1 ~ U(0, 2), r2 ~ U(0, 1), and both clamped to at least 0.01 before use,
    in place, as in the authors' code. Shared by all layers here.
    """

    name, label, color = "kerple", "Kerple (log)", "#BCBD22"
    title = "KERPLE logarithmic relative bias (Chi et al. 2022)"
    eps = 0.01

    def __init__(self, config: EncodingConfig):
        super().__init__(config)
        self.r1 = nn.Parameter(2 * torch.rand(config.heads))
        self.r2 = nn.Parameter(torch.rand(config.heads))

    def bias(self, length: int) -> Tensor:
        # In place rather than a functional clamp, so a parameter pushed below eps comes back
        # to eps and keeps its gradient (a clamped-off parameter would never move again).
        with torch.no_grad():
            self.r1.clamp_(min=self.eps)
            self.r2.clamp_(min=self.eps)
        return -self.r1.view(-1, 1, 1) * torch.log1p(self.r2.view(-1, 1, 1) * distances(length))


def random_positions(lengths: Tensor, width: int, max_position: int,
                     generator: Optional[torch.Generator] = None) -> Tensor:
    """(B, width): row b holds, in its first lengths[b] columns, a sorted subset of distinct
    positions of 0..max_position-1 drawn uniformly (Ruoss et al. 2023); padding columns
    after it hold max_position - 1 (causal attention never lets a real token see them).

    The positions with the n smallest of max_position uniform keys are a uniform n-subset,
    so one top-k over the keys serves every row whatever its length.
    """
    keys = torch.rand(len(lengths), max_position, generator=generator)
    drawn = keys.topk(width, dim=1, largest=False).indices
    column = torch.arange(width)
    drawn = torch.where(column < lengths.unsqueeze(1), drawn, max_position + column)
    return drawn.sort(dim=1).values.clamp(max=max_position - 1)


class Randomised(PositionalEncoding):
    """Randomised positional encodings (Ruoss et al. 2023, "Randomized Positional Encodings
    Boost Length Generalization of Transformers", ACL).

    Wraps an encoding that takes positions (``inner``): instead of 0..n-1, an input of n tokens
    gets a sorted random subset of n distinct positions drawn from 0..L-1 (L = ``max_position``,
    longer than any test input), freshly for every example. Training then covers every position
    up to L, and at test time a longer input only uses more of them. At evaluation positions
    are drawn the same way (fixed seed), one draw per example, so each length's accuracy is an
    average over its examples' draws; the attention pictures show one draw.
    Only the encodings that read positions are wrapped: sinusoidal, learned, RoPE. T5 and
    ALiBi read distances through a bias shared by the whole batch; Ruoss et al. randomise
    relative encodings too, which here would need a bias per example (not built).
    """

    inner: type[PositionalEncoding] = PositionalEncoding

    def __init__(self, config: EncodingConfig):
        super().__init__(config)
        self.max_length = config.max_position
        self.encoding = self.inner(replace(config, max_length=config.max_position))

    def positions(self, lengths: Tensor, width: int,
                  generator: Optional[torch.Generator] = None) -> Tensor:
        if width > self.config.max_position:
            raise ValueError(f"randomised positions cover {self.config.max_position} tokens; "
                             f"this input has {width}")
        return random_positions(lengths, width, self.config.max_position, generator)

    def embed(self, x: Tensor, positions: Optional[Tensor] = None) -> Tensor:
        return self.encoding.embed(x, positions)

    def rotate(self, q: Tensor, k: Tensor, positions: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
        return self.encoding.rotate(q, k, positions)


class RandomisedSinusoidal(Randomised):
    """Sinusoidal at randomised positions (Ruoss et al. 2023); see :class:`Randomised`."""

    inner = Sinusoidal
    name, label, color = "randomised-sinusoidal", "Randomised sinusoidal", "#9ECAE9"
    title = "Sinusoidal at randomised positions (Ruoss et al. 2023)"


class RandomisedLearned(Randomised):
    """Learned absolute at randomised positions (Ruoss et al. 2023): the table has
    ``max_position`` rows, each trained whenever its position is drawn."""

    inner = LearnedAbsolute
    name, label, color = "randomised-learned", "Randomised learned", "#FFBF79"
    title = "Learned absolute at randomised positions (Ruoss et al. 2023)"


class RandomisedRoPE(Randomised):
    """RoPE at randomised positions (Ruoss et al. 2023): scores still depend on the offset
    between the drawn positions only."""

    inner = RoPE
    name, label, color = "randomised-rope", "Randomised RoPE", "#D6A5C9"
    title = "RoPE at randomised positions (Ruoss et al. 2023)"


class GRU(NoPE):
    """A gated recurrent network (Cho et al. 2014), the baseline that needs no positional
    encoding: it reads tokens one at a time, so order is in its state. The model is
    :class:`gnncore.posenc.model.Recurrent`, sized to about the transformer's parameter count."""

    recurrent = True
    name, label, color = "gru", "GRU (no positional encoding)", "#393B79"
    title = "Recurrent baseline, GRU (Cho et al. 2014): no positional encoding"


def uses_rope(encoding: type[PositionalEncoding]) -> bool:
    """Whether an encoding rotates pairs of dimensions (RoPE, itself or wrapped)."""
    return issubclass(encoding, RoPE) or issubclass(getattr(encoding, "inner", PositionalEncoding), RoPE)


# The registry, in reading order: adding an encoding is its class and its place here.
ENCODINGS: dict[str, type[PositionalEncoding]] = {
    cls.name: cls for cls in (Sinusoidal, LearnedAbsolute, T5Bias, ALiBi, RoPE, NoPE, FIRE, Kerple,
                              RandomisedSinusoidal, RandomisedLearned, RandomisedRoPE, GRU)}
# The six the lab started with: the default comparison (the new ones would take it past 90 s).
ANCHORS = ("sinusoidal", "learned", "t5", "alibi", "rope", "nope")
