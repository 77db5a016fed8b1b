"""The "Look inside" tab: what each positional encoding hands the model, drawn instantly
without training, and (once runs have finished) what trained models did with it.

Each picture is one section, picked with a segmented control so a rerun draws only the one
on screen. The model-free tables come from :mod:`gnncore.posenc.inspect` and
:mod:`gnncore.posenc.pictures`, the charts from :mod:`gnncore.charts.posenc_inspect`.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from gnncore.app.comparison import draw_spec as draw
from gnncore.app.comparison import memo
from gnncore.charts import posenc_inspect as charts
from gnncore.charts.theme import display_name, order
from gnncore.posenc import inspect, pictures
from gnncore.posenc.encodings import EncodingConfig
from gnncore.posenc.model import ModelConfig
from gnncore.posenc.tasks import TASKS
from gnncore.posenc.train import FACTS, LEARNED_BIAS, RESCALED
from gnncore.runs import resolve, table_frame
from gnncore.spec import RunResult, RunSpec

WHY = (
    "**Why inject position at all?** Attention scores every pair of tokens by their content "
    "alone: shuffle the input and each token gets the same scores as before. \"dog bites man\" "
    "and \"man bites dog\" would look the same, so the model must be told where each token is. "
    "(A causal decoder gets one hint for free: each token sees only the tokens before it, which "
    "is how NoPE can still count; Kazemnejad et al. 2023.) The pictures below follow Fleetwood's *You could have designed state of the art "
    "positional encoding* (2024): from writing the position into the vector, to rotating q "
    "and k, to biasing the scores directly.")
SECTIONS = {
    "encodings": "Integer, binary, sinusoidal",
    "rotation": "A shift is a rotation",
    "rope": "RoPE score",
    "alibi": "ALiBi",
    "t5": "T5 buckets",
    "learned": "FIRE & Kerple bias",
    "scaling": "RoPE scaling",
    "attention": "Attention maps",
}
KEEP = "page"  # widget values survive a visit to the other tab
MEAN = "mean"  # the head option that averages every head
T5 = EncodingConfig(d_model=ModelConfig.d_model, heads=ModelConfig.heads)  # the engine's T5 bucket settings


def show_look_inside(results: list[RunResult]) -> None:
    """Draw the tab; ``results`` are the page's finished runs (maybe none)."""
    st.markdown(WHY)
    st.session_state.setdefault("pe:inside", "encodings")
    section = st.segmented_control("Picture", list(SECTIONS), format_func=SECTIONS.get,
                                   key="pe:inside", persist_state=KEEP, required=True)
    SHOW[section or "encodings"](results)


# ---- model-free pictures ----

def _encodings(results: list[RunResult]) -> None:
    row = st.container(horizontal=True, gap="large")
    length = row.slider("Positions", 8, 128, 64, step=8, key="pe:in:length", persist_state=KEEP, width=300)
    d_model = row.slider("d_model", 4, 128, 64, step=4, key="pe:in:d_model", persist_state=KEEP, width=300)
    spec, data = _heatmaps(length, d_model)
    draw(spec, data, "pe_in_encodings", "posenc_encodings",
         caption=(
             "**What to look for:** the integer encoding grows without bound (position "
             f"{length - 1} adds {length - 1} to every token vector, whose entries are about ±1); "
             "dividing by the length would keep it small but give the same position a different "
             "value at every length. Binary stays in [0, 1] but jumps: neighbours can differ in "
             "many bits. The sinusoids are a smooth binary counter: each sin/cos pair turns at its "
             "own speed, fast on the left, slow on the right, every value in [−1, 1] "
             "(Vaswani et al. 2017; Fleetwood 2024)."))
    spec, data = _dot_product(length, d_model)
    draw(spec, data, "pe_in_dot_product", "posenc_sinusoid_dot_product",
         caption=(
             "**What to look for:** the lines from two different starting positions coincide: "
             "PE(p) · PE(p + k) = Σᵢ cos(k·ωᵢ) depends on the distance k alone, which is why Vaswani "
             "et al. (2017, §3.5) expected sinusoids to let a model attend by relative position. "
             "It does not fall steadily, though, and the model only ever sees it mixed into token "
             "content."))


def _rotation(results: list[RunResult]) -> None:
    row = st.container(horizontal=True, gap="large")
    positions = row.slider("Positions", 4, 32, 17, key="pe:in:positions", persist_state=KEEP, width=300)
    d_head = row.select_slider("d_head (d_model / heads)", [4, 8, 16, 32, 64], 16, key="pe:in:d_head",
                               persist_state=KEEP,
                               width=300)
    thetas = pictures.rope_frequencies(d_head)
    spec, data = _circles(positions, tuple(thetas[:3]))
    draw(spec, data, "pe_in_rotation", "posenc_rotation",
         caption=(
             "**What to look for:** on each circle, position p sits at angle p·θ, so moving k "
             "positions along turns the pair by k·θ wherever it started: a shift is a rotation. "
             "These are the first three of RoPE's d_head / 2 frequencies θᵢ = 10000^(−2i/d_head), "
             "the same as the sinusoids'. RoPE rotates q and k by these angles instead of adding a "
             "vector to the token (Su et al. 2021)."))
    pair = st.select_slider("Frequency for the next chart", list(range(len(thetas))), 1,
                            key="pe:in:pair", persist_state=KEEP,
                            format_func=lambda i: f"pair {i}: θ = {thetas[i]:.3g}",
                            width=420)
    spec, data = _angles(positions, thetas[pair])
    draw(spec, data, "pe_in_angles", "posenc_query_key_angles",
         caption=(
             "**What to look for:** every line is flat. Turning q by m·θ and k by n·θ leaves an "
             "angle of (m − n)·θ between them, whatever m is, and a dot product depends only on the "
             "lengths and that angle: RoPE's score q · k sees relative position only "
             "(Su et al. 2021)."))


def _rope(results: list[RunResult]) -> None:
    row = st.container(horizontal=True, gap="large")
    distance = row.slider("Largest distance", 16, 256, 96, step=8, key="pe:in:rope_distance",
                          persist_state=KEEP, width=300)
    d_head = row.select_slider("d_head", [4, 8, 16, 32, 64], 16, key="pe:in:rope_d_head",
                               persist_state=KEEP, width=300)
    spec, data = _rope_score(distance, d_head)
    draw(spec, data, "pe_in_rope_score", "posenc_rope_score",
         caption=(
             "**What to look for:** for the same q and k the score depends only on m − n and decays, "
             "with ripples, as the distance grows: the long-term decay of Su et al. (2021, §3.4.3). "
             "Past the trained length the slowly turning pairs reach angles never seen in training, "
             "one reason RoPE on its own extrapolates poorly (Press et al. 2022)."))


def _alibi(results: list[RunResult]) -> None:
    row = st.container(horizontal=True, gap="large")
    length = row.slider("Positions", 4, 32, 16, key="pe:in:alibi_length", persist_state=KEEP, width=300)
    heads = row.slider("Heads", 1, 16, 4, key="pe:in:alibi_heads", persist_state=KEEP, width=300)
    spec, data = _alibi_matrices(length, heads)
    draw(spec, data, "pe_in_alibi", "posenc_alibi_bias",
         caption=(
             "**What to look for:** nothing here is learned. Head h of H subtracts 2^(−8h/H) × the "
             "distance from every score, steep heads looking close, flat heads far (Press et al. "
             "2022). A longer input only adds rows of the same pattern, nothing the model has not "
             "seen: that is what lets ALiBi train short and test long."))


def _t5(results: list[RunResult]) -> None:
    distance = st.slider("Largest distance", 16, 256, 160, step=8, key="pe:in:t5_distance",
                         persist_state=KEEP, width=300)
    spec, data = _t5_mapping(distance)
    draw(spec, data, "pe_in_t5_buckets", "posenc_t5_buckets",
         caption=(
             "**What to look for:** T5 learns one number per head and bucket. Small distances get a "
             "bucket each; larger ones share logarithmically wider buckets, and every distance from "
             f"{T5.t5_max_distance} on shares the last (Raffel et al. 2020)."))
    trained = [r for r in results if r.tables.get("t5_bias")]  # T5's runs keep their learned bias
    if not trained:
        st.info("Train a T5 bias model (in the sidebar) to see here the bias it learned per head.")
        return
    run = min(trained, key=lambda r: r.spec.seed)
    frame = pd.DataFrame(run.tables["t5_bias"])
    reach = TASKS[run.spec.dataset].sequence_length(run.spec.params["train_length"]) - 1
    spec = charts.t5_learned_bias(frame, reach).to_dict(validate=False)
    draw(spec, frame, "pe_in_t5_learned", f"posenc_{run.spec.dataset}_t5_learned_bias",
         caption=(
             f"The trained model of seed {run.spec.seed}. **What to look for:** inside the grey area "
             "the heads have learned which distances to favour (for copy, the distance back to the "
             "token being copied). Right of it the bias is whatever the untrained buckets hold: the "
             "model has no rule there, one reason T5's bias generalises only part of the way."))


def _scaling(results: list[RunResult]) -> None:
    # The comparison's settings (all its runs share them), else the engine's defaults.
    spec = results[0].spec if results else resolve(RunSpec.make(FACTS.kind, FACTS.default_dataset, RESCALED[0]))
    task, p = TASKS[spec.dataset], spec.params
    trained = task.sequence_length(p["train_length"])
    scale = max(1.0, task.sequence_length(p["test_length"]) / trained)
    chart, data = _frequencies(p["d_model"] // p["heads"], scale, trained)
    whose = ("the comparison's settings" if results else "the engine's defaults (no runs yet)")
    draw(chart, data, "pe_in_rope_frequencies", f"posenc_{spec.dataset}_rope_frequencies",
         caption=(
             f"With {whose}: d_head {p['d_model'] // p['heads']}, trained on up to {trained} tokens, "
             f"tested on up to {task.sequence_length(p['test_length'])}. **What to look for:** "
             "each scaling lowers the slow pairs' frequencies so the longest test input turns them "
             "no further than training did; they differ in what they do to the fast pairs, which "
             "tell neighbouring tokens apart (PI slows them too; NTK and YaRN keep them). The "
             "Results tab scores the trained RoPE model under each."))


# ---- pictures of trained models ----

def _learned(results: list[RunResult]) -> None:
    trained = [r for r in results if r.spec.model in LEARNED_BIAS and r.tables.get("learned_bias")]
    if not trained:
        st.info("Train a FIRE or Kerple model (in the sidebar) to see here the bias it learned per head.")
        return
    for encoding in (e for e in LEARNED_BIAS if any(r.spec.model == e for r in trained)):
        run = min((r for r in trained if r.spec.model == encoding), key=lambda r: r.spec.seed)
        frame = pd.DataFrame(run.tables["learned_bias"])
        reach = TASKS[run.spec.dataset].sequence_length(run.spec.params["train_length"]) - 1
        spec = memo(f"_pe_learned_{encoding}", (run.spec.key, reach),
                    lambda: charts.learned_relative_bias(frame, encoding, reach).to_dict(validate=False))
        draw(spec, frame, f"pe_in_{encoding}_learned", f"posenc_{run.spec.dataset}_{encoding}_learned_bias",
             caption=f"The trained {display_name(encoding)} model of seed {run.spec.seed}. " + LOOK[encoding])


LOOK = {
    "kerple": ("**What to look for:** how steeply each head penalises distance (r1) and how soon "
               "the curve bends (r2). The curve's shape is fixed, so past the grey area it only "
               "continues: that is why Kerple, like ALiBi, can read longer inputs (Chi et al. 2022)."),
    "fire": ("**What to look for:** which distances each head favours. For the last query of the "
             "longest test input the distances are squeezed into the same [0, 1] the MLP saw in "
             "training, so a bias learned for 'just before me' or 'far back' still applies there "
             "(Li et al. 2024)."),
}


def _attention(results: list[RunResult]) -> None:
    trained = [r for r in results if r.tables.get("attention")]
    if not trained:
        st.info("Attention maps need trained models: pick encodings in the sidebar and train. "
                "Until then, the other pictures need no training.")
        return
    first = trained[0].spec.params
    layers, heads = int(first.get("layers", 1)), int(first.get("heads", 1))
    row = st.container(horizontal=True, gap="large")
    layer = row.selectbox("Layer", list(range(layers)), layers - 1, key="pe:in:layer", persist_state=KEEP,
                          format_func=lambda i: f"layer {i + 1} of {layers}", width=200)
    head = row.selectbox("Head", [MEAN, *range(heads)], key="pe:in:head", persist_state=KEEP, width=200,
                         format_func=lambda h: "mean over heads" if h == MEAN else f"head {h + 1}")
    spec, data = _attention_memo(trained, layer, None if head == MEAN else head)
    task = trained[0].spec.dataset
    draw(spec, data, "pe_in_attention", f"posenc_{task}_attention_maps",
         caption=(
             "The first seed of each encoding. **What to look for:** at the trained length, the "
             "answer's tokens (the lower rows) attend back to the input tokens they need (for copy "
             "a diagonal, for reverse an anti-diagonal). On the longer input, see whether that line "
             "carries on to the end or blurs, breaks or repeats: that is where the headline's "
             "accuracy goes."))


def _attention_memo(results: list[RunResult], layer: int, head: int | None) -> tuple[dict, pd.DataFrame]:
    """The chart for the first seed of each encoding, rebuilt only when something changed."""
    runs = [min((r for r in results if r.spec.model == m), key=lambda r: r.spec.seed)
            for m in order(r.spec.model for r in results)]

    def build() -> tuple[dict, pd.DataFrame]:
        cells = charts.attention_cells(table_frame(runs, "attention"), layer, head)
        what = f"layer {layer + 1}, " + ("mean over heads" if head is None else f"head {head + 1}")
        return charts.attention_maps(cells, what).to_dict(validate=False), cells

    return memo("_pe_attention", (tuple(r.spec.key for r in runs), layer, head), build)


# ---- cached builders: instant pictures, serialised once per setting ----

@st.cache_data(show_spinner=False, max_entries=32)
def _heatmaps(length: int, d_model: int) -> tuple[dict, pd.DataFrame]:
    integer, binary = inspect.integer_encoding(length), inspect.binary_encoding(length)
    sinusoidal = inspect.sinusoidal_encoding(length, d_model)
    chart = charts.encoding_heatmaps(integer, binary, sinusoidal)
    data = pd.concat([integer.assign(encoding="integer", dimension=0),
                      binary.rename(columns={"bit": "dimension"}).assign(encoding="binary"),
                      sinusoidal.assign(encoding="sinusoidal")], ignore_index=True)
    return chart.to_dict(validate=False), data[["encoding", "position", "dimension", "value"]]


@st.cache_data(show_spinner=False, max_entries=32)
def _dot_product(length: int, d_model: int) -> tuple[dict, pd.DataFrame]:
    data = pd.concat([inspect.sinusoid_dot_product(length - 1, d_model, r).assign(reference=r)
                      for r in (0, length // 2 + 5)], ignore_index=True)
    return charts.dot_product_vs_distance(data).to_dict(validate=False), data


@st.cache_data(show_spinner=False, max_entries=32)
def _circles(positions: int, thetas: tuple[float, ...]) -> tuple[dict, pd.DataFrame]:
    data = pictures.rotation_points(positions, thetas)
    return charts.rotation_circles(data).to_dict(validate=False), data


@st.cache_data(show_spinner=False, max_entries=32)
def _angles(positions: int, theta: float) -> tuple[dict, pd.DataFrame]:
    data = pictures.query_key_angles(positions, theta)
    return charts.query_key_angles_chart(data, theta).to_dict(validate=False), data


@st.cache_data(show_spinner=False, max_entries=32)
def _rope_score(distance: int, d_head: int) -> tuple[dict, pd.DataFrame]:
    data = inspect.rope_score(distance, d_head)
    return charts.rope_score_vs_distance(data).to_dict(validate=False), data


@st.cache_data(show_spinner=False, max_entries=32)
def _alibi_matrices(length: int, heads: int) -> tuple[dict, pd.DataFrame]:
    data = inspect.alibi_bias(length, heads)
    return charts.alibi_matrices(data).to_dict(validate=False), data


@st.cache_data(show_spinner=False, max_entries=32)
def _frequencies(d_head: int, scale: float, trained_length: int) -> tuple[dict, pd.DataFrame]:
    data = inspect.rope_scaled_frequencies(d_head, scale, trained_length)
    return charts.rope_scaling_frequencies(data).to_dict(validate=False), data


@st.cache_data(show_spinner=False, max_entries=32)
def _t5_mapping(distance: int) -> tuple[dict, pd.DataFrame]:
    data = inspect.t5_buckets(distance, T5.t5_buckets, T5.t5_max_distance)
    chart = charts.t5_bucket_mapping(data, T5.t5_buckets, T5.t5_max_distance)
    return chart.to_dict(validate=False), data


SHOW: dict[str, Callable[[list[RunResult]], None]] = {
    "encodings": _encodings, "rotation": _rotation, "rope": _rope, "alibi": _alibi,
    "t5": _t5, "learned": _learned, "scaling": _scaling, "attention": _attention,
}

