"""The look-inside pictures: the tables behind them hold known values, and each chart draws
exactly those rows (read back from its Vega-Lite spec)."""

import math

import pandas as pd
import pytest
import torch

from gnncore.charts import posenc_inspect as charts
from gnncore.posenc import inspect, pictures
from gnncore.posenc.encodings import EncodingConfig, RoPE



def wrap(angle: float) -> float:
    """An angle in radians brought into (-pi, pi], as atan2 gives it."""
    wrapped = math.remainder(angle, 2 * math.pi)
    return math.pi if wrapped == -math.pi else wrapped

def datasets(chart) -> list[pd.DataFrame]:
    """Every dataset of a chart's spec (validated against the Vega-Lite schema on the way)."""
    spec = chart.to_dict()
    return [pd.DataFrame(rows) for rows in spec.get("datasets", {}).values()]


def rows_with(chart, *columns: str) -> pd.DataFrame:
    """The rows of the chart's datasets that have all of ``columns``."""
    found = [d for d in datasets(chart) if set(columns) <= set(d.columns)]
    assert found, f"no dataset with {columns}"
    return pd.concat(found, ignore_index=True)


# ---- a shift is a rotation ----

@pytest.mark.parametrize("theta", [1.0, 0.316, 0.05])
def test_angle_between_rotated_q_and_k_is_offset_times_theta(theta):
    angles = pictures.query_key_angles(20, theta, offsets=(0, 1, 3, 7))
    for row in angles.itertuples():
        assert row.key_position == row.query_position - row.offset
        assert row.angle == pytest.approx(wrap(row.offset * theta), abs=1e-5)
    drawn = rows_with(charts.query_key_angles_chart(angles, theta), "query_position", "degrees")
    assert len(drawn) == len(angles)
    assert drawn["degrees"].tolist() == pytest.approx(angles["degrees"].tolist())


def test_angle_depends_on_the_offset_only_for_any_q_and_k():
    angles = pictures.query_key_angles(30, 0.4, offsets=(0, 2, 5), query=(0.3, 1.2), key=(-0.8, 0.5))
    start = math.atan2(1.2, 0.3) - math.atan2(0.5, -0.8)
    for offset, group in angles.groupby("offset"):
        assert group["angle"].max() - group["angle"].min() < 1e-5, offset  # the same for every m
        assert group["angle"].iloc[0] == pytest.approx(wrap(offset * 0.4 + start), abs=1e-5)
        assert group["score"].max() - group["score"].min() < 1e-5


def test_rotation_points_lie_at_position_times_theta_and_match_ropes_rotation():
    thetas = pictures.rope_frequencies(16)
    assert thetas[:3] == pytest.approx([1.0, 10000 ** (-2 / 16), 10000 ** (-4 / 16)])
    points = pictures.rotation_points(9, thetas[:2])
    for row in points.itertuples():
        assert row.x == pytest.approx(math.cos(row.position * row.theta), abs=1e-6)
        assert row.y == pytest.approx(math.sin(row.position * row.theta), abs=1e-6)
    # Pair 1 of a d_head-16 RoPE, through the model's own rotate(), gives the same points.
    rope = RoPE(EncodingConfig(d_model=16, heads=1))
    q = torch.zeros(1, 1, 9, 16)
    q[..., 1] = 1.0  # first dimension of pair 1 (the rotate-half layout pairs i with i + 8)
    turned, _ = rope.rotate(q, torch.zeros_like(q))
    mine = points[points["theta"] == thetas[1]]
    assert turned[0, 0, :, 1].tolist() == pytest.approx(mine["x"].tolist(), abs=1e-6)
    assert turned[0, 0, :, 9].tolist() == pytest.approx(mine["y"].tolist(), abs=1e-6)
    drawn = rows_with(charts.rotation_circles(points), "position", "x", "y")
    assert len(drawn) == len(points)


# ---- RoPE score, sinusoids ----

def test_rope_score_chart_draws_twice_the_cosine_sum():
    frame = inspect.rope_score(40, 8)
    drawn = rows_with(charts.rope_score_vs_distance(frame), "distance", "score")
    thetas = [10000 ** (-2 * i / 8) for i in range(4)]
    assert drawn["score"].iloc[0] == pytest.approx(8.0)
    assert drawn["score"].iloc[13] == pytest.approx(2 * sum(math.cos(13 * t) for t in thetas), abs=1e-4)


def test_sinusoid_heatmap_starts_at_zero_one_zero_one():
    chart = charts.encoding_heatmaps(inspect.integer_encoding(16), inspect.binary_encoding(16),
                                     inspect.sinusoidal_encoding(16, 8))
    sinusoid = rows_with(chart, "position", "dimension", "value")
    first = sinusoid[sinusoid["position"] == 0].sort_values("dimension")["value"].tolist()
    assert first == pytest.approx([0, 1, 0, 1, 0, 1, 0, 1])
    assert sinusoid.loc[(sinusoid["position"] == 5) & (sinusoid["dimension"] == 2), "value"].item() \
        == pytest.approx(math.sin(5 * 10000 ** (-2 / 8)), abs=1e-6)
    bits = rows_with(chart, "position", "bit", "value")
    assert bits.loc[bits["position"] == 11].sort_values("bit")["value"].tolist() == [1, 1, 0, 1]
    integer = rows_with(chart, "position", "scaled")
    assert integer["value"].tolist() == list(range(16))


def test_large_heatmaps_are_not_refused_by_the_row_limit():
    chart = charts.encoding_heatmaps(inspect.integer_encoding(80), inspect.binary_encoding(80),
                                     inspect.sinusoidal_encoding(80, 80))  # Altair's guard: 5000
    assert len(rows_with(chart, "position", "dimension", "value")) == 80 * 80


def test_dot_product_is_the_same_from_any_starting_position():
    frame = pd.concat([inspect.sinusoid_dot_product(30, 16, r).assign(reference=r) for r in (0, 21)])
    drawn = rows_with(charts.dot_product_vs_distance(frame), "distance", "dot_product", "reference")
    a = drawn[drawn["reference"] == 0]["dot_product"].tolist()
    b = drawn[drawn["reference"] == 21]["dot_product"].tolist()
    assert a[0] == pytest.approx(8.0) and a == pytest.approx(b, abs=1e-4)


# ---- ALiBi and T5 ----

def test_alibi_matrix_entries_are_minus_slope_times_distance():
    chart = charts.alibi_matrices(inspect.alibi_bias(6, 8))
    drawn = rows_with(chart, "head", "query", "key", "bias", "masked")
    causal = drawn[~drawn["masked"]]
    assert len(causal) == 8 * 21 and len(drawn) == 8 * 36  # every cell; the future ones masked
    slopes = {h: 2 ** (-8 * (h + 1) / 8) for h in range(8)}  # 1/2, 1/4, ... 1/256
    for row in causal.itertuples():
        assert row.bias == pytest.approx(-slopes[row.head] * (row.query - row.key))
    assert (drawn.loc[drawn["masked"], "key"] > drawn.loc[drawn["masked"], "query"]).all()
    assert "head 1: slope 1/2" in set(drawn["panel"]) and "head 8: slope 1/256" in set(drawn["panel"])


def test_t5_bucket_values():
    chart = charts.t5_bucket_mapping(inspect.t5_buckets(200), 32, 128)
    drawn = rows_with(chart, "distance", "bucket").set_index("distance")["bucket"]
    assert [drawn[d] for d in range(16)] == list(range(16))  # one bucket each below 32 / 2
    assert drawn[16] == 16
    assert drawn[20] == 16 + int(math.log(20 / 16) / math.log(128 / 16) * 16)  # = 17
    assert drawn[64] == 16 + int(math.log(4) / math.log(8) * 16)  # = 26
    assert drawn[127] == 31 and drawn[128] == 31 and drawn[200] == 31


def test_learned_t5_bias_per_head_with_the_trained_distances_shaded():
    frame = pd.DataFrame([{"head": h, "distance": d, "bucket": min(d, 31), "bias": 0.1 * h - 0.01 * d}
                          for h in range(2) for d in range(40)])
    chart = charts.t5_learned_bias(frame, trained_distance=12)
    drawn = rows_with(chart, "head", "distance", "bias")
    assert sorted(drawn["label"].unique()) == ["head 1", "head 2"]
    assert drawn["bias"].tolist() == pytest.approx(frame["bias"].tolist())
    shade = rows_with(chart, "start", "end")
    assert shade["end"].tolist() == [12]


# ---- attention of trained models ----

def attention_like():
    """Shaped like runs.table_frame(results, "attention"): learned has no longer example."""
    rows = []
    for model in ("rope", "learned"):
        for example, n in (("train", 3), ("test", 5)):
            if model == "learned" and example == "test":
                continue
            for head in range(2):
                for q in range(n):
                    rows.append({"model": model, "seed": 0, "heads": 2, "example": example, "length": n,
                                 "layer": 0, "head": head, "query": q, "key_position": q, "weight": 0.5 + 0.25 * head,
                                 "key": f"run-{model}"})
    return pd.DataFrame(rows)


def test_attention_cells_average_heads_and_pick_one():
    frame = attention_like()
    mean = charts.attention_cells(frame, layer=0, head=None)
    assert mean["weight"].tolist() == pytest.approx([0.625] * len(mean))  # (0.5 + 0.75) / 2
    one = charts.attention_cells(frame, layer=0, head=1)
    assert one["weight"].tolist() == pytest.approx([0.75] * len(one))
    assert list(dict.fromkeys(mean["name"])) == ["Learned absolute", "RoPE"]  # fixed reading order


def test_attention_maps_say_why_a_map_is_missing():
    chart = charts.attention_maps(charts.attention_cells(attention_like(), 0, None))
    cells = rows_with(chart, "name", "query", "key", "weight")
    assert set(zip(cells["name"], cells["example"])) == {("RoPE", "train"), ("RoPE", "test"),
                                                         ("Learned absolute", "train")}
    notes = rows_with(chart, "line")
    assert "No map" in notes["line"].item()


# ---- FIRE and Kerple, trained; RoPE scaling ----

def test_learned_kerple_bias_draws_the_rows_per_head_with_the_trained_distances_shaded():
    frame = pd.DataFrame([{"head": h, "distance": d, "r1": 0.5 + h, "r2": 0.2,
                           "bias": -(0.5 + h) * math.log(1 + 0.2 * d)} for h in range(3) for d in range(30)])
    chart = charts.learned_relative_bias(frame, "kerple", trained_distance=8)
    drawn = rows_with(chart, "head", "distance", "bias")
    assert sorted(drawn["label"].unique()) == ["head 1", "head 2", "head 3"]
    assert drawn["bias"].tolist() == pytest.approx(frame["bias"].tolist())
    assert rows_with(chart, "start", "end")["end"].tolist() == [8]
    spec = chart.to_dict(validate=False)
    assert spec["title"]["text"].startswith("Kerple bias")
    fire = charts.learned_relative_bias(frame.drop(columns=["r1", "r2"]), "fire").to_dict(validate=False)
    assert fire["title"]["text"].startswith("FIRE bias") and "position 29" in " ".join(fire["title"]["subtitle"])


def test_rope_scaling_frequencies_chart_draws_the_frame_on_a_log_scale():
    frame = inspect.rope_scaled_frequencies(16, 2.5, 9)
    chart = charts.rope_scaling_frequencies(frame)
    drawn = rows_with(chart, "scaling", "pair", "frequency")
    assert len(drawn) == 4 * 8
    assert drawn.sort_values(["scaling", "pair"])["frequency"].tolist() == pytest.approx(
        frame.sort_values(["scaling", "pair"])["frequency"].tolist())
    spec = chart.to_dict(validate=False)
    assert all(layer["encoding"]["y"]["scale"]["type"] == "log" for layer in spec["layer"])
    assert "s = 2.5" in " ".join(spec["title"]["subtitle"])
