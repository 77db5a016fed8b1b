"""A small pre-LN decoder-only transformer whose only variable part is its positional encoding.

Modelled on nanoGPT's ``model.py``: embeddings, a stack of blocks (LayerNorm -> causal
self-attention -> residual, LayerNorm -> MLP -> residual), a final LayerNorm and a linear
head. Attention runs on ``F.scaled_dot_product_attention``; an encoding's additive bias is
folded into the causal mask, and RoPE rotates q and k just before it.

:class:`Recurrent` is the GRU baseline of the same registry (``gru``), and :func:`build`
picks between the two from the registry entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gnncore.posenc.encodings import ENCODINGS, EncodingConfig, NoPE, PositionalEncoding, RoPE
from gnncore.posenc.tasks import PAD


@dataclass(frozen=True)
class ModelSize:
    """The toy transformer's size, declared once: the engine's defaults
    (:func:`gnncore.posenc.train.defaults`), :class:`ModelConfig` and the front ends read it.

    d_model 64, 2 layers of 4 heads: the toy size the issue asks for. The feed-forward layer
    is ``ffn_ratio`` x d_model wide, the ratio of Vaswani et al. 2017 (2048 / 512).
    """

    d_model: int = 64
    layers: int = 2
    heads: int = 4
    ffn_ratio: int = 4

    def ffn(self, d_model: int | None = None) -> int:
        """The feed-forward width for ``d_model`` (this size's own unless given)."""
        return self.ffn_ratio * (self.d_model if d_model is None else d_model)


SIZE = ModelSize()


@dataclass(frozen=True)
class ModelConfig:
    """The model's size, declared once: its defaults are the toy size the issue asks for
    (d_model 64, 2 layers, 4 heads, a feed-forward 4 x d_model wide as in Vaswani et al.
    2017), which the engine's defaults (gnncore.posenc.train.defaults) and the page read."""

    vocab_size: int
    encoding: str = RoPE.name
    d_model: int = SIZE.d_model
    layers: int = SIZE.layers
    heads: int = SIZE.heads
    ffn: int = SIZE.ffn()
    max_length: int = 64  # learned absolute table size; other encodings ignore it
    max_position: int = 512  # the randomised encodings' range of positions


class CausalSelfAttention(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.heads = config.heads
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.proj = nn.Linear(config.d_model, config.d_model)

    def forward(self, x: Tensor, mask: Optional[Tensor], encoding: PositionalEncoding,
                start: int = 0, weights: Optional[list] = None,
                positions: Optional[Tensor] = None) -> Tensor:
        """x (B, T, d) -> (B, T - start, d): attention output for the queries start..T-1.
        mask: additive (1, heads, T, T) with -inf above the diagonal, or None for plain causal.
        weights: when a list is given, the attention weights are appended to it.
        positions: (B, T) where each token sits, or None for 0..T-1."""
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k = encoding.rotate(q, k, positions)
        if start:
            q = q[:, :, start:]
            # SDPA's is_causal aligns a shorter query block to the first keys, not the last.
            mask = (mask if mask is not None else causal_mask(T))[..., start:, :]
        if weights is None:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask is None)
        else:
            # The same computation written out, for pictures: SDPA does not return weights.
            scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
            w = (scores + (mask if mask is not None else causal_mask(T))).softmax(dim=-1)
            weights.append(w)
            y = w @ v
        return self.proj(y.transpose(1, 2).reshape(B, T - start, C))


class Block(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.norm1 = nn.LayerNorm(config.d_model)
        self.attention = CausalSelfAttention(config)
        self.norm2 = nn.LayerNorm(config.d_model)
        # ReLU as in Vaswani et al. 2017: GELU's backward pass costs more (docs/decisions.md).
        self.mlp = nn.Sequential(nn.Linear(config.d_model, config.ffn), nn.ReLU(),
                                 nn.Linear(config.ffn, config.d_model))

    def forward(self, x: Tensor, mask: Optional[Tensor], encoding: PositionalEncoding,
                start: int = 0, weights: Optional[list] = None,
                positions: Optional[Tensor] = None) -> Tensor:
        x = x[:, start:] + self.attention(self.norm1(x), mask, encoding, start, weights, positions)
        return x + self.mlp(self.norm2(x))


@lru_cache(maxsize=256)
def causal_mask(length: int) -> Tensor:
    """(T, T): 0 on and below the diagonal, -inf above it (no looking at later tokens).
    Cached: callers must not change it in place."""
    return torch.full((length, length), float("-inf")).triu(1)


class Transformer(nn.Module):
    attends = True

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.tokens = nn.Embedding(config.vocab_size, config.d_model)
        self.encoding = ENCODINGS[config.encoding](EncodingConfig(
            config.d_model, config.heads, max_length=config.max_length,
            max_position=config.max_position))
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.norm = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        for name, p in self.named_parameters():
            if p.dim() == 2 and not name.startswith(("encoding.", "tokens.")):
                nn.init.normal_(p, std=0.02)  # GPT-2's initialisation, as in nanoGPT
            elif name.endswith("bias") and not name.startswith("encoding."):
                nn.init.zeros_(p)  # an encoding initialises its own (FIRE's MLP needs its biases)
        # Token embeddings keep PyTorch's N(0, 1), the scale of the sinusoids (coordinates in
        # [-1, 1]) and of Vaswani et al.'s sqrt(d)-scaled embeddings: with GPT-2's 0.02 the
        # sinusoids drowned the tokens and the sinusoidal model stayed at chance on copy.

    @property
    def max_length(self) -> Optional[int]:
        """Longest input the model can take (None: any)."""
        return self.encoding.max_length

    def attention_mask(self, length: int) -> Optional[Tensor]:
        """The encoding's bias folded into the causal mask, (1, heads, T, T); None if no bias."""
        bias = self.encoding.bias(length)
        return None if bias is None else (bias + causal_mask(length)).unsqueeze(0)

    def forward(self, tokens: Tensor, start: int = 0, weights: Optional[list] = None,
                generator: Optional[torch.Generator] = None, structure: Optional[Tensor] = None) -> Tensor:
        """tokens (B, T) -> logits (B, T - start, vocab) for the positions start..T-1.

        Only the last layer is cut to those positions: every earlier layer must run at all
        positions, because later ones read its keys and values. With the loss on the output
        only, ``start`` = the SEP position saves about half of the last layer.
        weights: pass a list to collect each layer's attention weights (B, heads, T', T),
        computed explicitly instead of by SDPA.
        generator: draws the randomised encodings' positions (the global one if None);
        right padding does not count as tokens there.
        structure: (B, >= T) the digits' places of a task with numbers (Batch.significance).
        """
        positions = self.encoding.positions((tokens != PAD).sum(dim=1), tokens.shape[1], generator, structure)
        x = self.encoding.embed(self.tokens(tokens), positions)
        mask = self.attention_mask(tokens.shape[1])
        for i, block in enumerate(self.blocks):
            x = block(x, mask, self.encoding, start if i == len(self.blocks) - 1 else 0, weights,
                      positions)
        return self.head(self.norm(x))

    @torch.no_grad()
    def attention_weights(self, tokens: Tensor, generator: Optional[torch.Generator] = None,
                          structure: Optional[Tensor] = None) -> list[Tensor]:
        """Per layer, the attention weights (B, heads, T, T) for a few examples."""
        weights: list[Tensor] = []
        self(tokens, weights=weights, generator=generator, structure=structure)
        return weights


class Recurrent(nn.Module):
    """The GRU baseline (Cho et al. 2014): token embeddings -> ``layers`` stacked GRU layers
    (``nn.GRU``) -> a linear head. It gets no position at all: step t sees its token and the
    state left by the tokens before it, so it is causal by construction and takes any length.
    Its hidden width is chosen so the parameter count is about the transformer's
    (:func:`recurrent_width`).
    """

    max_length = None
    attends = False  # no attention weights to draw

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.hidden = recurrent_width(config)
        self.tokens = nn.Embedding(config.vocab_size, config.d_model)
        self.gru = nn.GRU(config.d_model, self.hidden, num_layers=config.layers, batch_first=True)
        self.head = nn.Linear(self.hidden, config.vocab_size)

    def forward(self, tokens: Tensor, start: int = 0, weights: Optional[list] = None,
                generator: Optional[torch.Generator] = None, structure: Optional[Tensor] = None) -> Tensor:
        """tokens (B, T) -> logits (B, T - start, vocab), as :meth:`Transformer.forward`."""
        out, _ = self.gru(self.tokens(tokens))
        return self.head(out[:, start:])


def parameter_count(module_type, *args) -> int:
    """Parameters of ``module_type(*args)``, built on the meta device (no memory, no random draws)."""
    with torch.device("meta"):
        return sum(p.numel() for p in module_type(*args).parameters())


def recurrent_width(config: ModelConfig) -> int:
    """The GRU hidden width whose whole model (embeddings, GRU, head) has the parameter
    count closest to a transformer of the same config with no encoding parameters."""
    target = parameter_count(Transformer, replace(config, encoding=NoPE.name))
    outside = config.vocab_size * config.d_model + config.vocab_size  # embeddings, head bias

    def total(h: int) -> int:
        return outside + parameter_count(nn.GRU, config.d_model, h, config.layers) + h * config.vocab_size

    low, high = 1, 8 * config.d_model
    while low < high:  # the count grows with the width: the first width at or above target
        mid = (low + high) // 2
        low, high = (mid + 1, high) if total(mid) < target else (low, mid)
    return min((low - 1, low), key=lambda h: abs(total(h) - target)) if low > 1 else low


def build(config: ModelConfig) -> nn.Module:
    """The model an entry of ``ENCODINGS`` stands for: a transformer, or the GRU baseline."""
    return (Recurrent if ENCODINGS[config.encoding].recurrent else Transformer)(config)
