"""RoPE scaling at evaluation time: the ways long-context LLMs stretch a trained RoPE model
to inputs longer than it was trained on, applied to the same weights without retraining.

Each method maps RoPE's frequencies theta_i = base^(-2i/d) (i = 0 .. d/2 - 1) to new ones for
a scale s = L' / L (L: the longest trained sequence, L': the longest one to be read):

* ``none``: theta_i, unchanged.
* ``pi``, position interpolation (Chen et al. 2023, "Extending Context Window of Large
  Language Models via Positional Interpolation"): theta_i / s, so positions 0..L'-1 turn
  no further than 0..L-1 did in training.
* ``ntk``, NTK-aware scaling (bloc97, 2023, the Reddit post YaRN builds on): a larger base,
  base' = base * s^(d / (d - 2)): the fastest pair keeps its frequency, the slowest one is
  divided by s, those between by less.
* ``yarn`` (Peng et al. 2024, "YaRN: Efficient Context Window Extension of Large Language
  Models", ICLR): "NTK-by-parts" per pair, with r_i = L / lambda_i turns of pair i over the
  trained length (lambda_i = 2 pi / theta_i) and ramp gamma_i = clip((r_i - alpha) / (beta -
  alpha), 0, 1), alpha = 1, beta = 32: theta_i' = (1 - gamma_i) theta_i / s + gamma_i theta_i
  (interpolate the slow pairs, keep the fast ones); plus the attention temperature: q and k
  each multiplied by 0.1 ln(s) + 1.

The scale used here is fixed per run: s = L' / L for the longest test input, as when a
model is extended to a target context (not "dynamic" scaling, which grows s with each input).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator

import torch
from torch import Tensor

from gnncore.posenc.encodings import RoPE

YARN_ALPHA, YARN_BETA = 1.0, 32.0  # Peng et al.'s values for LLaMA

SCALINGS: dict[str, str] = {
    "none": "None (as trained)",
    "pi": "Position interpolation (Chen et al. 2023)",
    "ntk": "NTK-aware base scaling (bloc97 2023)",
    "yarn": "YaRN (Peng et al. 2024)",
}


def frequencies(scaling: str, d_head: int, base: float, scale: float,
                trained_length: int) -> tuple[Tensor, float]:
    """(theta', attention factor): the d_head / 2 frequencies under ``scaling`` at scale s,
    and what q and k are multiplied by (1 but for YaRN)."""
    if scaling not in SCALINGS:
        raise ValueError(f"unknown RoPE scaling '{scaling}'; choose one of {', '.join(SCALINGS)}")
    exponents = torch.arange(0, d_head, 2, dtype=torch.float64) / d_head
    theta = base ** -exponents
    if scaling == "pi":
        theta = theta / scale
    elif scaling == "ntk":
        theta = (base * scale ** (d_head / (d_head - 2))) ** -exponents
    elif scaling == "yarn":
        turns = trained_length * theta / (2 * math.pi)
        gamma = ((turns - YARN_ALPHA) / (YARN_BETA - YARN_ALPHA)).clamp(0, 1)
        theta = (1 - gamma) * theta / scale + gamma * theta
    factor = 0.1 * math.log(scale) + 1 if scaling == "yarn" and scale > 1 else 1.0
    return theta.to(torch.float32), factor


@contextmanager
def scaled(rope: RoPE, scaling: str, scale: float, trained_length: int) -> Iterator[RoPE]:
    """Within the block, ``rope`` rotates with the scaled frequencies; afterwards as before."""
    saved = rope.inv_freq, rope.attention_factor
    d_head = 2 * saved[0].numel()
    rope.inv_freq, rope.attention_factor = frequencies(scaling, d_head, rope.config.rope_base,
                                                       scale, trained_length)
    try:
        yield rope
    finally:
        rope.inv_freq, rope.attention_factor = saved
