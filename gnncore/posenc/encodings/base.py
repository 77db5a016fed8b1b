"""The interface every positional encoding shares, and the entries without one (NoPE, GRU).

An encoding can act at three places in a transformer, and each class overrides only the
ones it uses:

* ``embed(x, positions)``: add something to the token embeddings x (B, T, d) -- absolute encodings;
* ``bias(length)``: an additive attention bias (heads, T, T), or None -- relative biases;
* ``rotate(q, k, positions)``: transform queries and keys (B, heads, T, d_head) -- RoPE.

``positions(lengths, width, generator)`` says where each token sits: None (every encoding but
the randomised ones) means 0..T-1; the randomised wrapper draws them (Ruoss et al. 2023).
``max_length`` is the longest sequence an encoding can represent (None: any length).

The GRU entry is a model, not an encoding: ``recurrent`` tells :func:`gnncore.posenc.model.build`
to build a recurrent network, which never calls the encoding methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import Tensor, nn

__all__ = ["GRU", "EncodingConfig", "NoPE", "PositionalEncoding"]


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
    registry the front ends read (:class:`gnncore.protocol.Entry`); the class attributes
    below declare what the engine does differently for it, so that no code outside the
    entry compares its name.
    """

    name = label = color = title = ""
    max_length: Optional[int] = None
    recurrent = False   # a recurrent model, not a transformer (the GRU baseline's entry)
    uses_rope = False   # rotates pairs of q and k dimensions, so d_model / heads must be even
    own_tables: tuple[str, ...] = ()  # the tables a run keeps for this encoding alone
    structured = False  # reads the digits' places of a task with numbers (Abacus, position coupling)

    def __init__(self, config: EncodingConfig):
        super().__init__()
        self.config = config

    def positions(self, lengths: Tensor, width: int, generator: Optional[torch.Generator] = None,
                  structure: Optional[Tensor] = None) -> Optional[Tensor]:
        """(B, width) position of each token of rows with ``lengths`` real tokens, or None
        for 0..width-1. ``structure``: the batch's digit places, for tasks that have them."""
        return None

    def embed(self, x: Tensor, positions: Optional[Tensor] = None) -> Tensor:
        return x

    def bias(self, length: int) -> Optional[Tensor]:
        return None

    def rotate(self, q: Tensor, k: Tensor, positions: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
        return q, k

    def head_parameters(self) -> Optional[list[dict]]:
        """Per head, the learned numbers its bias is a formula of (Kerple's r1, r2), or None."""
        return None


class NoPE(PositionalEncoding):
    """No positional encoding (NoPE; Kazemnejad et al. 2023).

    A causal decoder can still infer positions: the causal mask lets position i attend to
    exactly i + 1 tokens, so averaging attention can count. Kazemnejad et al. found it
    generalises to longer inputs better than the explicit encodings on several tasks.
    """

    name, label, color = "nope", "NoPE", "#8C8C8C"
    title = "No positional encoding (Kazemnejad et al. 2023)"


class GRU(NoPE):
    """A gated recurrent network (Cho et al. 2014), the baseline that needs no positional
    encoding: it reads tokens one at a time, so order is in its state. The model is
    :class:`gnncore.posenc.model.Recurrent`, sized to about the transformer's parameter count."""

    recurrent = True
    name, label, color = "gru", "GRU (no positional encoding)", "#393B79"
    title = "Recurrent baseline, GRU (Cho et al. 2014): no positional encoding"
