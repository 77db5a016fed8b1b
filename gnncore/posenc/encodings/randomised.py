"""Randomised positional encodings (Ruoss et al. 2023): an encoding that reads positions,
at a sorted random subset of a longer range of them."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import torch
from torch import Tensor

from gnncore.posenc.encodings.absolute import LearnedAbsolute, Sinusoidal
from gnncore.posenc.encodings.base import EncodingConfig, PositionalEncoding
from gnncore.posenc.encodings.rotary import RoPE

__all__ = ["Randomised", "RandomisedLearned", "RandomisedRoPE", "RandomisedSinusoidal", "random_positions"]


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

    def positions(self, lengths: Tensor, width: int, generator: Optional[torch.Generator] = None,
                  structure: Optional[Tensor] = None) -> Tensor:
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
    uses_rope = True
    name, label, color = "randomised-rope", "Randomised RoPE", "#D6A5C9"
    title = "RoPE at randomised positions (Ruoss et al. 2023)"
