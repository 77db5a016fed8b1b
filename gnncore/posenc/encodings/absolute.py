"""Absolute encodings: a vector per position added to the token embeddings."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Optional

import torch
from torch import Tensor, nn

from gnncore.posenc.encodings.base import EncodingConfig, PositionalEncoding

__all__ = ["LearnedAbsolute", "Sinusoidal", "sinusoids", "sinusoids_at"]


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
