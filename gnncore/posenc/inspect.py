"""Instant, model-free tables for "look inside" pictures of the encodings (the learned
FIRE and Kerple biases come from trained runs instead: ``evaluate.learned_bias_rows``).

Each function returns a tidy DataFrame (one row per cell of the picture) computed from the
same functions the models use, so a picture shows exactly what the model gets.
"""

from __future__ import annotations

import math

import pandas as pd
import torch

from gnncore.posenc import scaling
from gnncore.posenc.encodings import RoPE, alibi_slopes, sinusoids, t5_bucket


def integer_encoding(length: int) -> pd.DataFrame:
    """The naive encoding p -> p (and p / (length - 1), scaled to [0, 1]): unbounded, or
    dependent on the length, the two problems sinusoids avoid."""
    return pd.DataFrame({"position": range(length), "value": range(length),
                         "scaled": [p / max(1, length - 1) for p in range(length)]})


def binary_encoding(length: int, bits: int | None = None) -> pd.DataFrame:
    """Position p written in binary, bit 0 the least significant: rows (position, bit, value).
    Low bits flip fast, high bits slowly: the discrete cousin of the sinusoids."""
    bits = bits or max(1, (length - 1).bit_length())
    return pd.DataFrame([{"position": p, "bit": b, "value": (p >> b) & 1}
                         for p in range(length) for b in range(bits)])


def sinusoidal_encoding(length: int, d_model: int) -> pd.DataFrame:
    """PE(p, i) of Vaswani et al. 2017: rows (position, dimension, value)."""
    pe = sinusoids(length, d_model)
    return pd.DataFrame([{"position": p, "dimension": i, "value": float(pe[p, i])}
                         for p in range(length) for i in range(d_model)])


def sinusoid_dot_product(max_distance: int, d_model: int, reference: int = 0) -> pd.DataFrame:
    """PE(reference) . PE(reference + distance) for distance 0..max_distance.

    It equals sum_i cos(distance * w_i), whatever the reference: sinusoids make similarity
    a function of distance alone, largest (d_model / 2) at distance 0.
    """
    pe = sinusoids(reference + max_distance + 1, d_model)
    dots = pe[reference + torch.arange(max_distance + 1)] @ pe[reference]
    return pd.DataFrame({"distance": range(max_distance + 1), "dot_product": dots.tolist()})


def rope_angles(length: int, d_head: int, base: float = 10000.0) -> pd.DataFrame:
    """RoPE's rotation angle p * theta_i per position and dimension pair (radians):
    rows (position, pair, frequency, angle)."""
    rope = RoPE.for_head(d_head, base)
    angles = rope.angles(length)
    return pd.DataFrame([{"position": p, "pair": i, "frequency": float(rope.inv_freq[i]),
                          "angle": float(angles[p, i])}
                         for p in range(length) for i in range(d_head // 2)])


def rope_score(max_distance: int, d_head: int, base: float = 10000.0) -> pd.DataFrame:
    """Score q_m . k_n of RoPE-rotated all-ones q and k against distance m - n.

    Equal to 2 * sum_i cos(distance * theta_i): d_head at distance 0, then an oscillating
    decay (Su et al. 2021, section 3.4.3).
    """
    rope = RoPE.for_head(d_head, base)
    ones = torch.ones(1, 1, max_distance + 1, d_head)
    q, k = rope.rotate(ones, ones)
    scores = q[0, 0] @ k[0, 0, 0]  # query at m = distance, key at n = 0
    return pd.DataFrame({"distance": range(max_distance + 1), "score": scores.tolist()})


def alibi_bias(length: int, heads: int) -> pd.DataFrame:
    """ALiBi's bias -m_h * (query - key) for every head and causal (query, key) pair."""
    slopes = alibi_slopes(heads)
    return pd.DataFrame([{"head": h, "slope": slopes[h], "query": i, "key": j,
                          "bias": -slopes[h] * (i - j)}
                         for h in range(heads) for i in range(length) for j in range(i + 1)])


def t5_buckets(max_distance: int, buckets: int = 32, bucket_max_distance: int = 128) -> pd.DataFrame:
    """T5's causal bucket for each distance 0..max_distance: rows (distance, bucket)."""
    distance = torch.arange(max_distance + 1)
    return pd.DataFrame({"distance": distance.tolist(),
                         "bucket": t5_bucket(distance, buckets, bucket_max_distance).tolist()})



def rope_scaled_frequencies(d_head: int, scale: float, trained_length: int,
                            base: float = 10000.0) -> pd.DataFrame:
    """RoPE's frequency theta_i' of every dimension pair under each scaling of
    :mod:`gnncore.posenc.scaling` at scale s, as ``scaling.frequencies`` gives them to the
    model: rows (scaling, label, pair, frequency, wavelength, ratio, scale, attention_factor).
    ``wavelength`` = 2 pi / theta' (positions per turn); ``ratio`` = theta' / theta (1 unscaled)."""
    plain, _ = scaling.frequencies("none", d_head, base, scale, trained_length)
    rows = []
    for name, label in scaling.SCALINGS.items():
        theta, factor = scaling.frequencies(name, d_head, base, scale, trained_length)
        rows += [{"scaling": name, "label": label, "pair": i, "frequency": float(theta[i]),
                  "wavelength": 2 * math.pi / float(theta[i]), "ratio": float(theta[i] / plain[i]),
                  "scale": float(scale), "attention_factor": float(factor)}
                 for i in range(d_head // 2)]
    return pd.DataFrame(rows)
