"""Positional encodings behind one interface (:mod:`.base`), and the registry of them
(``ENCODINGS``): absolute (:mod:`.absolute`), attention biases (:mod:`.biases`), rotary
(:mod:`.rotary`) and randomised positions (:mod:`.randomised`).

Each encoding is one class; its class attributes declare what the engine does for it
(``recurrent``, ``uses_rope``, ``own_tables``), so no code outside it tests its name.
"""

from gnncore.posenc.encodings.absolute import LearnedAbsolute, Sinusoidal, sinusoids, sinusoids_at
from gnncore.posenc.encodings.base import GRU, EncodingConfig, NoPE, PositionalEncoding
from gnncore.posenc.encodings.biases import FIRE, ALiBi, Kerple, T5Bias, alibi_slopes, distances, t5_bucket
from gnncore.posenc.encodings.randomised import (Randomised, RandomisedLearned, RandomisedRoPE,
                                                 RandomisedSinusoidal, random_positions)
from gnncore.posenc.encodings.rotary import RoPE
from gnncore.posenc.encodings.structured import Abacus, PositionCoupling

__all__ = ["Abacus", "ALiBi", "PositionCoupling", "ANCHORS", "ENCODINGS", "EncodingConfig", "FIRE", "GRU", "Kerple", "LearnedAbsolute", "NoPE",
           "PositionalEncoding", "Randomised", "RandomisedLearned", "RandomisedRoPE", "RandomisedSinusoidal", "RoPE",
           "Sinusoidal", "T5Bias", "alibi_slopes", "distances", "random_positions", "sinusoids", "sinusoids_at",
           "t5_bucket"]

# The registry, in reading order: adding an encoding is its class and its place here.
ENCODINGS: dict[str, type[PositionalEncoding]] = {
    cls.name: cls for cls in (Sinusoidal, LearnedAbsolute, T5Bias, ALiBi, RoPE, NoPE, FIRE, Kerple,
                              RandomisedSinusoidal, RandomisedLearned, RandomisedRoPE, Abacus, PositionCoupling,
                              GRU)}
# The six the lab started with: the default comparison (the new ones would take it past 4 minutes).
ANCHORS = tuple(cls.name for cls in (Sinusoidal, LearnedAbsolute, T5Bias, ALiBi, RoPE, NoPE))
