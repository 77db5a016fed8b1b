"""The look-inside tables: known values of each encoding."""

import math

import pytest

from gnncore.posenc import inspect


def test_integer_encoding_counts_and_scales():
    frame = inspect.integer_encoding(5)
    assert frame["value"].tolist() == [0, 1, 2, 3, 4]
    assert frame["scaled"].tolist() == [0, 0.25, 0.5, 0.75, 1]


def test_binary_encoding_writes_positions_in_binary():
    frame = inspect.binary_encoding(8)
    six = frame[frame["position"] == 6].sort_values("bit")["value"].tolist()
    assert six == [0, 1, 1] and frame["bit"].nunique() == 3


def test_sinusoidal_encoding_rows_and_values():
    frame = inspect.sinusoidal_encoding(4, 6)
    assert len(frame) == 24
    cell = frame[(frame["position"] == 3) & (frame["dimension"] == 0)]["value"].item()
    assert cell == pytest.approx(math.sin(3))


def test_sinusoid_dot_product_depends_on_distance_only():
    a = inspect.sinusoid_dot_product(20, 16, reference=0)
    b = inspect.sinusoid_dot_product(20, 16, reference=37)
    assert a["dot_product"].iloc[0] == pytest.approx(8.0)  # d_model / 2
    assert a["dot_product"].tolist() == pytest.approx(b["dot_product"].tolist(), abs=1e-4)
    freqs = [10000 ** (-2 * i / 16) for i in range(8)]
    assert a["dot_product"].iloc[5] == pytest.approx(sum(math.cos(5 * w) for w in freqs), abs=1e-5)


def test_rope_angles_are_position_times_frequency():
    frame = inspect.rope_angles(6, 8)
    row = frame[(frame["position"] == 5) & (frame["pair"] == 1)].iloc[0]
    assert row["frequency"] == pytest.approx(10000 ** (-2 / 8))
    assert row["angle"] == pytest.approx(5 * 10000 ** (-2 / 8))


def test_rope_score_is_twice_the_cosine_sum():
    frame = inspect.rope_score(30, 16)
    assert frame["score"].iloc[0] == pytest.approx(16.0)
    thetas = [10000 ** (-2 * i / 16) for i in range(8)]
    for d in (1, 7, 30):
        assert frame["score"].iloc[d] == pytest.approx(2 * sum(math.cos(d * t) for t in thetas), abs=1e-4)


def test_alibi_bias_table():
    frame = inspect.alibi_bias(4, 8)
    assert len(frame) == 8 * 10  # causal pairs of 4 positions, per head
    cell = frame[(frame["head"] == 0) & (frame["query"] == 3) & (frame["key"] == 0)]
    assert cell["bias"].item() == pytest.approx(-1.5) and cell["slope"].item() == 0.5


def test_t5_buckets_table():
    frame = inspect.t5_buckets(200)
    assert frame["bucket"].tolist()[:16] == list(range(16))
    assert frame.set_index("distance").loc[[20, 64, 128, 200], "bucket"].tolist() == [17, 26, 31, 31]
