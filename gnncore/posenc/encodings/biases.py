"""Relative encodings as an additive attention bias (heads, T, T): T5's learned buckets,
ALiBi's fixed slopes, FIRE's and Kerple's learned functions of distance.

One instance is shared by all layers, as in T5 (one bias table for the whole stack) and
ALiBi (fixed slopes); FIRE and Kerple are shared the same way here (one bias function for
the stack).
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
from torch import Tensor, nn

from gnncore.posenc.encodings.base import EncodingConfig, PositionalEncoding

__all__ = ["ALiBi", "FIRE", "Kerple", "T5Bias", "alibi_slopes", "distances", "t5_bucket"]


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
    own_tables = ("t5_bias",)  # its learned bias per head and distance

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
    own_tables = ("learned_bias",)  # its trained bias per head, against distance
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
    own_tables = ("learned_bias",)  # its trained bias per head, against distance
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

    def head_parameters(self) -> list[dict]:
        return [{"r1": float(r1), "r2": float(r2)} for r1, r2 in zip(self.r1.tolist(), self.r2.tolist())]
