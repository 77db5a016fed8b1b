"""Model-free tables for the "a shift is a rotation" pictures (RoPE, Su et al. 2021).

RoPE treats each pair of query/key dimensions as a point in the plane and turns it by the
angle p * theta at position p. Two facts follow, and these tables let a chart show them:

* :func:`rotation_points`: one 2-D pair at positions 0, 1, 2, ... walks round a circle,
  fast for a large theta and slowly for a small one (the sinusoids' fast and slow clocks);
* :func:`query_key_angles`: the angle between q turned to position m and k turned to
  position n is (m - n) * theta plus the angle they started with, whatever m is: turning
  both by the same extra amount changes nothing, so q . k sees only the offset m - n.

The rotations are done by :class:`~gnncore.posenc.encodings.RoPE` itself, on a single
pair whose frequency is set to theta, so the pictures show what the model does.
"""

from __future__ import annotations

import math
from typing import Sequence

import pandas as pd
import torch

from gnncore.posenc.encodings import RoPE


def rope_frequencies(d_head: int, base: float = 10000.0) -> list[float]:
    """RoPE's theta_i = base^(-2i/d_head), i = 0 .. d_head/2 - 1, as the model uses them."""
    return RoPE.for_head(d_head, base).inv_freq.tolist()


def rotate(vector: Sequence[float], positions: Sequence[int], theta: float) -> torch.Tensor:
    """``vector`` (2,) turned by p * theta for each p in ``positions``: (len(positions), 2)."""
    rope = RoPE.for_head(2)
    rope.inv_freq.fill_(theta)  # the one pair's frequency, in place of base^0 = 1
    rows = torch.tensor([list(vector)] * (max(positions) + 1), dtype=torch.float32)
    turned, _ = rope.rotate(rows.view(1, 1, -1, 2), rows.view(1, 1, -1, 2))
    return turned[0, 0, list(positions)]


def rotation_points(positions: int, thetas: Sequence[float],
                    vector: Sequence[float] = (1.0, 0.0)) -> pd.DataFrame:
    """One 2-D pair at positions 0..positions-1, for each frequency theta.

    Rows (frequency, theta, position, x, y, angle): ``frequency`` is a readable label,
    ``angle`` = position * theta in radians (not wrapped: how far the pair has turned).
    """
    rows = []
    for theta in thetas:
        turned = rotate(vector, range(positions), theta)
        for p in range(positions):
            rows.append({"frequency": theta_label(theta), "theta": float(theta), "position": p,
                         "x": float(turned[p, 0]), "y": float(turned[p, 1]),
                         "angle": p * float(theta)})
    return pd.DataFrame(rows)


def query_key_angles(positions: int, theta: float, offsets: Sequence[int] = (0, 1, 2, 4),
                     query: Sequence[float] = (1.0, 0.0),
                     key: Sequence[float] = (1.0, 0.0)) -> pd.DataFrame:
    """The angle from k turned to position n to q turned to position m, for every query
    position m and each offset m - n in ``offsets`` (pairs with n < 0 are left out).

    Rows (query_position, key_position, offset, angle, degrees, score): ``angle`` in
    radians wrapped to (-pi, pi], ``degrees`` the same in degrees, ``score`` = q_m . k_n.
    With q = k the angle is offset * theta (wrapped), for every m.
    """
    q = rotate(query, range(positions), theta)
    k = rotate(key, range(positions), theta)
    rows = []
    for offset in offsets:
        for m in range(offset, positions):
            n = m - offset
            cross = float(k[n, 0] * q[m, 1] - k[n, 1] * q[m, 0])
            dot = float(q[m] @ k[n])
            angle = math.atan2(cross, dot)
            rows.append({"query_position": m, "key_position": n, "offset": offset,
                         "angle": angle, "degrees": math.degrees(angle), "score": dot})
    return pd.DataFrame(rows)


def theta_label(theta: float) -> str:
    """``θ = 0.316 rad/position`` (three significant digits)."""
    return f"θ = {theta:.3g} rad/position"

