"""Rotary position embedding: queries and keys rotated by their position."""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from gnncore.posenc.encodings.base import EncodingConfig, PositionalEncoding

__all__ = ["RoPE"]


class RoPE(PositionalEncoding):
    """Rotary position embedding (Su et al. 2021, "RoFormer").

    Each pair of query/key dimensions i is rotated by the angle p * theta_i, with
    theta_i = base^(-2i/d_head), so q_m . k_n depends on m - n only. Pairs are (i, i + d/2)
    (the GPT-NeoX "rotate half" layout), a fixed permutation of the paper's (2i, 2i + 1).
    """

    name, label, color = "rope", "RoPE", "#B279A2"
    title = "Rotary position embedding (Su et al. 2021)"
    uses_rope = True
    own_tables = ("rope_scaling",)  # scored again under each RoPE scaling (gnncore.posenc.scaling)

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
