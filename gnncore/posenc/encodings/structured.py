"""Encodings built on the task's structure: the place of each digit in its number, which an
addition example carries (:attr:`gnncore.posenc.tasks.Batch.significance`), instead of the
token's index in the sequence. Both are learned absolute tables indexed by that place and
shifted by a random offset in training, so that places past the trained digits still get
trained vectors; they differ in what they index and how far the shift reaches.

Here the operands and the answer are all written units first, so "a digit's place within its
number" (Abacus) and "the same id for digits of equal significance" (position coupling) give
the digits the same ids; position coupling also gives the operator closing each operand ('+',
SEP) an id (one place below the units, as Cho et al.'s code does), Abacus gives it none.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn

from gnncore.posenc.encodings.base import EncodingConfig, PositionalEncoding

__all__ = ["Abacus", "PositionCoupling", "Structured"]


class Structured(PositionalEncoding):
    """A learned table indexed by the digits' places (``structure``), shifted by a random
    offset per example in training; 0 (a trained vector of its own) for tokens with no place.

    The table has ``max_position`` rows: the engine sets it to the longest test number's
    places and a margin, as Cho et al. set their max_position from the test length (17 for
    tests up to 10 digits, their scripts/addition/run_coupling.sh).
    """

    structured = True
    operators = False  # whether the operator closing an operand gets an id

    def __init__(self, config: EncodingConfig):
        super().__init__(config)
        self.size = config.max_position
        # N(0, 1), the scale of the token embeddings: with 0.02 the places are a whisper
        # beside the tokens and take thousands of steps to be heard.
        self.table = nn.Embedding(self.size, config.d_model)

    def positions(self, lengths: Tensor, width: int, generator: Optional[torch.Generator] = None,
                  structure: Optional[Tensor] = None) -> Optional[Tensor]:
        if structure is None:
            raise ValueError(f"{self.label} needs a task whose examples carry their digits' places (addition).")
        place = structure[:, :width]
        if self.operators:  # the operator 1, the units 2, the tens 3, ...
            has_id = place != 0
            ids = torch.where(place == -1, 1, place + 1)
        else:  # the units 1, the tens 2, ...
            has_id = place > 0
            ids = place
        ids = torch.where(has_id, ids, 0)
        if self.training:
            room = max(1, self.size - int(ids.max()))
            ids = ids + torch.randint(room, (len(place), 1), generator=generator)
        if int(ids.max()) >= self.size:
            raise ValueError(f"{self.label} has {self.size} places; this input needs {int(ids.max()) + 1}.")
        return torch.where(has_id, ids, 0)

    def embed(self, x: Tensor, positions: Optional[Tensor] = None) -> Tensor:
        return x + self.table(positions)


class Abacus(Structured):
    """Abacus embeddings (McLeish et al. 2024, "Transformers Can Do Arithmetic with the Right
    Embeddings"): each digit gets a learned vector for its place within its number, counted
    from the first digit written (the units here), shifted in training by a random offset
    (their k in 0..100) so that longer numbers land on trained vectors. Here on a transformer
    with no other positional encoding (their Abacus + NoPE)."""

    name, label, color = "abacus", "Abacus", "#B279A2"
    title = "Abacus: each digit's place in its number (McLeish et al. 2024)"


class PositionCoupling(Structured):
    """Position coupling (Cho et al. 2024): the same position id for the digits of equal
    significance in both operands and the answer, and for the operator after each operand
    the id next to its units (one place below them, as in the authors' code); a learned absolute table over these ids with a random
    starting id in training, on a transformer with no other positional encoding."""

    name, label, color = "position-coupling", "Position coupling", "#9D755D"
    title = "Position coupling: digits of equal significance share a position (Cho et al. 2024)"
    operators = True
