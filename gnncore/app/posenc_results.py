"""The positional-encoding results as the page shows them: the headline (accuracy against
input length), a summary table, trained lengths against longer ones, accuracy along the
answer and the training loss; each with a caption, its downloads, then the zip.

The frames come from :mod:`gnncore.runs`, the charts from :mod:`gnncore.charts.posenc`;
this module builds them for a list of results and places them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gnncore.app import export_ui
from gnncore.app.comparison import Comparison, draw, finished_caption, memo, results_key
from gnncore.app.results import show_verdicts
from gnncore.charts import (accuracy_by_position, accuracy_vs_length, difference_chart, final_scores, in_vs_out,
                            loss_curves)
from gnncore.charts.posenc import rope_scaling_vs_length
from gnncore.charts.stats import mean_std, pm
from gnncore.charts.theme import display_name, metric_label, order
from gnncore.pairs import paired_differences
from gnncore.posenc.train import OUT_OF_DISTRIBUTION, RESCALED
from gnncore.runs import facts, history_frame, metric as declared, runs_frame, table_frame
from gnncore.spec import RunResult, RunSpec

KEEP = "page"  # widget values survive a visit to the other tab
SCORES = facts("posenc").metrics  # per input length, as the engine declares them
METRICS = [m.name for m in SCORES]
LEARNED = 0.9  # in-distribution accuracy below this: the model did not learn the task
METRIC_HELP = " ".join(f"{m.label}: {m.help}" for m in SCORES)
CAPTIONS = {
    "rope_scaling": (
        "**What to look for:** the same trained RoPE models, read with their rotation frequencies "
        "rescaled, no retraining. Position interpolation (Chen et al. 2023) squeezes every position "
        "into the trained range; NTK-aware scaling raises the base, so fast pairs stay as trained; "
        "YaRN (Peng et al. 2024) interpolates only the slow pairs and sharpens attention. In LLMs "
        "these extend the context, usually with some fine-tuning after; here there is none, and "
        "the scale is fixed per run (longest test example over longest trained one), so lengths "
        "inside the trained range are read rescaled too."),
    "accuracy_vs_length": (
        "**What to look for:** where each line goes once it leaves the grey area. A line that "
        "stays up holds past the trained length; one that falls right after the dashed line "
        "does not. Press et al. (2022, *Train Short, Test Long*) found sinusoidal and rotary "
        "encodings fall off soon after the training length while ALiBi's linear bias "
        "extrapolates; Kazemnejad et al. (2023) found, on synthetic tasks like these, that T5's "
        "relative bias and no encoding at all (NoPE) generalise better than the absolute ones. "
        "A small model and a short run will not match those numbers, but the ordering is "
        "what to compare."),
    "ood_scores": (
        "**What to look for:** whether the lines overlap. Each dot is one seed's accuracy on the inputs "
        "longer than trained, averaged over those lengths; length generalisation varies a lot from seed "
        "to seed (Zhou et al. 2024), so a ranking read off one seed can be an accident. The verdicts "
        "below compare every two encodings on the same seeds."),
    "in_vs_out": (
        "**What to look for:** the drop from the dark bar (lengths seen in training) to the pale "
        "one (longer inputs) is each encoding's length-generalisation gap. A tall dark bar only "
        "says the model learned the task; the pale bar says whether what it learned about "
        "position carries over (Kazemnejad et al. 2023, Anil et al. 2022)."),
    "accuracy_by_position": (
        "**What to look for:** a cliff at the dashed line. For copy, the answer's token j must "
        "find the input's token j by position, and answer positions past the longest trained "
        "one were never produced in training. Relative encodings (T5, RoPE, ALiBi) tend to hold "
        "up to about that position and fall after it, since only distances enter their scores; "
        "an absolute one (sinusoidal) can fail from the first token, because on a longer input "
        "even the early answer tokens sit at absolute positions they never had in training "
        "(Press et al. 2022; Kazemnejad et al. 2023). Move the slider: just past the train "
        "length the cliff is clearest."),
    "loss_curves": (
        "**What to look for:** every encoding sees the same fresh examples, so a slower curve "
        "means position is harder to learn with that encoding (NoPE must infer positions from "
        "the causal mask alone; Kazemnejad et al. 2023). A low final loss says nothing about "
        "longer inputs: compare with the headline."),
}


def posenc_comparison(results: list[RunResult], metric: str | None = None,
                      position_length: int | None = None) -> Comparison:
    """Frames and charts for a positional-encoding comparison (pure: no drawing); ``metric``
    defaults to the engine's headline."""
    metric = metric or METRICS[0]
    runs, lengths = runs_frame(results), table_frame(results, "length")
    positions, history = table_frame(results, "position"), history_frame(results)
    longest = int(lengths["length"].max())
    position_length = min(position_length or longest, longest)
    ood = OUT_OF_DISTRIBUTION[metric].name
    pairs = paired_differences(runs, ood, order(runs["model"]))
    charts = {
        "accuracy_vs_length": accuracy_vs_length(lengths, metric),
        "ood_scores": final_scores(runs, ood, interval=True),
        "in_vs_out": in_vs_out(lengths, metric),
        "accuracy_by_position": accuracy_by_position(positions, length=position_length),
        "loss_curves": loss_curves(history),
    }
    if len(pairs):
        charts["paired_differences"] = difference_chart(pairs)
    frames = {"summary": summary_frame(lengths), "runs": runs, "lengths": lengths,
              "positions": positions, "history": history, "pairs": pairs}
    at_length = positions[positions["length"] == position_length] if len(positions) else positions
    data = {"loss_curves": history, "accuracy_by_position": at_length,
            "accuracy_vs_length": lengths, "in_vs_out": lengths, "paired_differences": pairs}
    scaled = table_frame(results, "rope_scaling")
    if len(scaled):  # RoPE runs only, each scored again under every scaling
        charts["rope_scaling"] = rope_scaling_vs_length(scaled, metric)
        frames["rope_scaling"] = data["rope_scaling"] = scaled
    return Comparison(charts, frames, metric, data=data)


def summary_frame(lengths: pd.DataFrame) -> pd.DataFrame:
    """One row per encoding: token accuracy and exact match on the trained lengths and on
    longer ones (each run averaged over its lengths, then mean ± std over seeds), in %.
    n/a: the encoding cannot represent inputs that long."""
    data = lengths.assign(part=lengths["in_distribution"].astype(bool).map({True: "trained", False: "longer"}))
    rows = {}
    for score in SCORES:
        per_run = data.groupby(["model", "seed", "part"])[score.name].mean().reset_index()
        for part, label in (("trained", "trained"), ("longer", "longer")):
            stats = mean_std(per_run[per_run["part"] == part], ["model"], score.name)
            for row in stats.itertuples():
                cell = pm(row.mean, row.std, row.runs, score.scale, missing="n/a")
                rows.setdefault(row.model, {})[f"{score.short}, {label} (%)"] = cell
    out = pd.DataFrame([{"Encoding": display_name(m), **rows.get(m, {})} for m in order(lengths["model"])])
    out["Runs"] = [int(data.loc[data["model"] == m, "seed"].nunique()) for m in order(lengths["model"])]
    return out


def verdict(lengths: pd.DataFrame, metric: str) -> str:
    """One line a newcomer can read: each encoding's mean ``metric`` past the trained length,
    best first, and those with no answer there."""
    longer = lengths[~lengths["in_distribution"].astype(bool)]
    if longer.empty:
        return "The test length equals the train length: no longer inputs were scored."
    shown = declared(metric)
    per_run = longer.groupby(["model", "seed"])[metric].mean().reset_index()
    stats = mean_std(per_run, ["model"], metric).sort_values("mean", ascending=not shown.higher_is_better,
                                                             na_position="last")
    parts = [f"{name} **{shown.scale * mean:.0f}%**" if pd.notna(mean) else f"{name}: no answer"
             for name, mean in zip(stats["name"], stats["mean"])]
    first, last = int(longer["length"].min()), int(longer["length"].max())
    text = (f"Past the trained length (inputs of {first}–{last} tokens), mean "
            f"{shown.label.lower()}: " + " · ".join(parts) + ".")
    learned = SCORES[0]  # the headline, on the trained lengths: was the task learned at all?
    trained = lengths[lengths["in_distribution"].astype(bool)]
    per_run = trained.groupby(["model", "seed"])[learned.name].mean().reset_index()
    inside = mean_std(per_run, ["model"], learned.name)
    weak = inside[inside["mean"] < LEARNED]
    if len(weak):
        names = ", ".join(f"{n} ({100 * m:.0f}%)" for n, m in zip(weak["name"], weak["mean"]))
        text += (f"  \n:warning: Not learned even at the trained lengths ({learned.label.lower()} below "
                 f"{100 * LEARNED:.0f}%): {names}. Their scores on longer inputs say little; more "
                 "training steps may help.")
    return text


def show_posenc_comparison(results: list[RunResult], specs: list[RunSpec], training: bool) -> Comparison:
    """Draw the results section; ``training`` while more runs are still to come."""
    finished_caption(results, specs, training)
    ss = st.session_state
    ss.setdefault("pe:metric", METRICS[0])
    st.segmented_control("Score", METRICS, key="pe:metric", persist_state=KEEP, format_func=metric_label,
                         required=True,
                         help=METRIC_HELP)
    metric = ss.get("pe:metric") or METRICS[0]
    longest = max(int(r.spec.params.get("test_length", 1)) for r in results)
    trained = int(results[0].spec.params.get("train_length", longest))
    # Half as long again as the train length: where the cliff in accuracy along the answer shows best.
    ss.setdefault("pe:position_length", min(longest, trained + max(1, trained // 2)))
    if ss["pe:position_length"] > longest:  # a shorter test length than last time
        ss["pe:position_length"] = longest
    length = ss.get("pe:position_length")
    comparison = memo("_pe_comparison", (results_key(results), metric, length),
                      lambda: posenc_comparison(results, metric, length))
    task = results[0].spec.dataset
    stem = f"posenc_{task}_"

    draw(comparison, "accuracy_vs_length", stem + "accuracy_vs_length", "pe_accuracy_vs_length",
         CAPTIONS["accuracy_vs_length"], lead=verdict(comparison.lengths, metric))

    st.dataframe(comparison.summary, hide_index=True, key="pe:summary")
    p = results[0].spec.params
    st.caption(f"Trained: input lengths 1–{p.get('train_length')}; longer: the lengths above, up to "
               f"{p.get('test_length')}. Mean ± standard deviation over seeds; each run's accuracy is "
               "first averaged over its input lengths. n/a: the encoding cannot represent inputs that long.")
    export_ui.table_download(comparison.summary, stem + "summary", "Summary table as CSV", key="pe_summary")

    draw(comparison, "ood_scores", stem + "ood_scores", "pe_ood_scores", CAPTIONS["ood_scores"])
    if "paired_differences" in comparison.charts:
        show_verdicts(comparison, stem, over="test inputs")

    draw(comparison, "in_vs_out", stem + "in_vs_out", "pe_in_vs_out", CAPTIONS["in_vs_out"])

    if "rope_scaling" in comparison.specs:
        draw(comparison, "rope_scaling", stem + "rope_scaling", "pe_rope_scaling", CAPTIONS["rope_scaling"])
    elif any(r.spec.model in RESCALED for r in results):
        st.caption("RoPE scaling: these RoPE runs were stored before it was evaluated; train them again "
                   "to see it.")

    if longest > 1:
        st.slider("Input length for the next chart", 1, longest, key="pe:position_length",
                  persist_state=KEEP, width=420,
                  help="The answer's accuracy token by token, for inputs of this length.")
    draw(comparison, "accuracy_by_position", stem + "accuracy_by_position", "pe_accuracy_by_position",
         CAPTIONS["accuracy_by_position"])

    draw(comparison, "loss_curves", stem + "loss_curves", "pe_loss_curves", CAPTIONS["loss_curves"])

    st.divider()
    extra = {name: table_frame(results, name) for name in ("attention", "t5_bias", "learned_bias")}
    frames = {**comparison.frames, **{k: v for k, v in extra.items() if len(v)}}
    export_ui.comparison_download(comparison.specs, frames, [r.spec for r in results],
                                  file_name=f"{stem}comparison.zip", readme=readme(results))
    return comparison


def readme(results: list[RunResult]) -> str:
    p = results[0].spec.params
    names = ", ".join(display_name(m) for m in order(r.spec.model for r in results))
    return (f"Positional encodings on the {results[0].spec.dataset} task: {names}; trained on "
            f"inputs of length 1-{p.get('train_length')}, tested on 1-{p.get('test_length')}. "
            f"{len(results)} runs.")
