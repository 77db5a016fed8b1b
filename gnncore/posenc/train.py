"""Engine for ``kind="posenc"``: train a toy transformer on short inputs, test it on longer ones.

``RunSpec.make("posenc", task, encoding, seed, **hparams)``: the task is a name in
:data:`~gnncore.posenc.tasks.TASKS`, the encoding one in
:data:`~gnncore.posenc.encodings.ENCODINGS`. Training lengths are drawn uniformly from
1..train_length and fresh examples are generated every step, so there is no fixed
training set to overfit; evaluation covers every length 1..test_length.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

import torch

from gnncore.posenc.encodings import ANCHORS, ENCODINGS, Randomised
from gnncore.posenc.evaluate import (attention_rows, evaluate, learned_bias_rows, rope_scaling_rows,
                                     t5_bias_rows)
from gnncore.posenc.fit import LENGTH_GROUPS, fit, length_groups, make_optimizer, train_step
from gnncore.posenc.model import SIZE, ModelConfig, Transformer, build
from gnncore.posenc.tasks import TASKS, Task
from gnncore.protocol import LOSS, PARAMS, Facts, Metric, Setting, check_settings
from gnncore.spec import ProgressFn, RunResult, RunSpec, SpecError, StopFn, one_thread

STEPS = 2000  # training steps by default: 1000 left ALiBi unlearned on a seed (docs/decisions.md)
MAX_TEST_LENGTH = 128  # keeps evaluation to seconds and the position table to ~8k rows
_RUN = dict(type=int, low=1, scope="run")
SETTINGS = (
    Setting("train_length", "Train length", **_RUN, high=MAX_TEST_LENGTH, step=1,
            help="Training inputs have every length from 1 to this.",
            sweep_values="4,8,12,16"),  # all below the default test length, and a run each costs less
    Setting("test_length", "Test length", **_RUN, high=MAX_TEST_LENGTH, step=1,
            help="Every input length from 1 to this is scored; longer than the train length tests "
                 f"generalisation. At most {MAX_TEST_LENGTH}."),
    Setting("steps", "Training steps", **_RUN, high=50_000, step=100,
            help="Updates per run, each on a fresh batch.",
            why_high="at about 12 ms a step on a CPU, 50,000 steps already take 10 minutes a run"),
    Setting("d_model", "Model width (d_model)", type=int, low=2, high=512, step=8, scope="run",
            advanced=True, help="Width of the token vectors.",
            why_high="the feed-forward weights and their optimizer state grow with its square: "
                     "d_model 100,000 would need over 100 GB"),
    Setting("layers", "Layers", **_RUN, high=8, step=1, advanced=True, help="Transformer blocks."),
    Setting("heads", "Attention heads", **_RUN, high=32, step=1, advanced=True, help="Must divide d_model."),
    Setting("batch_size", "Batch size", **_RUN, high=1024, step=8, advanced=True,
            help="Examples per training step."),
    Setting("lr", "Peak learning rate", low=0.0, low_open=True, high=1.0, step=1e-4, format="%.4f",
            scope="run", advanced=True,
            help="AdamW's step size after warmup, held until 80% of the steps, then decayed to a tenth."),
    Setting("ffn", "Feed-forward width", **_RUN, high=4096, cli=False, shown=False,
            help="Hidden width of each block's feed-forward layer."),
    Setting("warmup", "Warmup steps", type=int, low=0, scope="run", cli=False, shown=False,
            help="Steps of linear warmup."),
    Setting("weight_decay", "Weight decay", low=0.0, high=1.0, scope="run", cli=False, shown=False,
            help="AdamW's decoupled weight decay on the weight matrices."),
    Setting("eval_examples", "Examples per test length", **_RUN, high=4096, cli=False, shown=False,
            help="Every run is scored on the same examples."),
)
# A setting of the addition task only (in its specs alone).
INDEX_HINTS = Setting(
    "index_hints", "Index hints", type=str, choices={"off": "digits alone", "on": "a hint before every digit"},
    scope="run", datasets=("addition",),
    help="Addition: every digit follows a hint symbol naming its place, the same in both operands and the "
         "answer (Zhou et al. 2024), so the model can match digits by content instead of by position.")
# Settings of some encodings only: in their specs (and keys) alone, so adding one changes no
# other encoding's stored runs.
MAX_POSITION = Setting(
    "max_position", "Randomised: largest position", type=int, low=2, high=4096, step=64,
    advanced=True, help="The randomised encodings draw each input's positions from 0 to this "
                        "minus 1; it must cover the longest test example.")
ENCODING_SETTINGS = (MAX_POSITION,)
# The encodings whose trained bias per head a run keeps (the table learned_bias): FIRE, Kerple.
LEARNED_BIAS = tuple(name for name, cls in ENCODINGS.items() if "learned_bias" in cls.own_tables)
# Scored once more under each RoPE scaling (gnncore.posenc.scaling), the table rope_scaling.
RESCALED = tuple(name for name, cls in ENCODINGS.items() if "rope_scaling" in cls.own_tables)
# A position vector only up to the longest training example (build_model's max_length): no
# answer past the train length.
TRAINED_LENGTHS_ONLY = ("learned",)

# What a run reports. Per input length (the ``length`` table): the share of answer tokens
# right, and of answers right in every token.
TOKEN_ACCURACY = Metric("token_accuracy", "Token accuracy", short="Token acc.", fraction=True,
                        help="the share of answer tokens predicted right.")
EXACT_MATCH = Metric("exact_match", "Exact match", short="Exact match", fraction=True,
                     help="the share of answers right in every token (and the closing end token): far stricter.")
# Per run (see _summary): each averaged over the trained lengths, and over the longer ones.
IN_TOKEN_ACCURACY = Metric("in_distribution_token_accuracy", "In distribution token accuracy", fraction=True)
OUT_TOKEN_ACCURACY = Metric("out_of_distribution_token_accuracy", "Out of distribution token accuracy",
                            fraction=True)
IN_EXACT_MATCH = Metric("in_distribution_exact_match", "In distribution exact match", fraction=True)
OUT_EXACT_MATCH = Metric("out_of_distribution_exact_match", "Out of distribution exact match", fraction=True)
# Each per-length score's mean past the trained lengths: what the seeds are paired on.
OUT_OF_DISTRIBUTION = {TOKEN_ACCURACY.name: OUT_TOKEN_ACCURACY, EXACT_MATCH.name: OUT_EXACT_MATCH}
# Per position of the answer (the ``position`` table).
POSITION_ACCURACY = Metric("accuracy", "Token accuracy", fraction=True)
MS_PER_STEP = Metric("ms_per_step", "Time per training step (ms)", unit="ms", digits=2, higher_is_better=False)

FACTS = Facts(
    kind="posenc", title="Positional encodings", command=("posenc",), by_length=True,
    datasets=tuple(TASKS), default_dataset="copy",
    # The six anchors by default: with the newer ones the default comparison would take
    # longer than its 4 minutes (3 seeds) on the 2-core machine.
    models=ENCODINGS, default_models=ANCHORS,
    metrics=(TOKEN_ACCURACY, EXACT_MATCH),
    curves=(LOSS,),
    costs=(MS_PER_STEP, PARAMS),
    # A run alone is judged on inputs longer than trained: what the lab is about.
    judged_by=(OUT_TOKEN_ACCURACY, OUT_EXACT_MATCH, TOKEN_ACCURACY, EXACT_MATCH),
    others=(IN_TOKEN_ACCURACY, OUT_TOKEN_ACCURACY, IN_EXACT_MATCH, OUT_EXACT_MATCH, POSITION_ACCURACY),
    columns=("task", "encoding", "seed", "length", "in_distribution", "token_accuracy", "exact_match"),
    run_columns=("task", "encoding", "seed", IN_TOKEN_ACCURACY.name, OUT_TOKEN_ACCURACY.name,
                 IN_EXACT_MATCH.name, OUT_EXACT_MATCH.name, MS_PER_STEP.name, PARAMS.name),
    settings=SETTINGS + (INDEX_HINTS,) + ENCODING_SETTINGS,
    # Three seeds by default, so that every pair of encodings gets a verdict (docs/decisions.md:
    # the six anchors x 3 seeds and what they cost).
    seeds=3, max_seeds=20,
    noun="encoding", dataset_flag="--task", model_flag="--encodings",
    intro="Small transformers that differ only in how they are told where each token is, and a "
          "recurrent baseline that needs no such thing. Each learns a sequence task on short inputs "
          "and is then tested on longer ones: which encodings still work past the length they were "
          "trained on?",
    model_help="Small transformers, identical except for how they learn where each token is. "
               "NoPE: no encoding at all. FIRE and Kerple: learned relative biases; randomised: "
               "trained at random positions (Ruoss et al. 2023); GRU: a recurrent network of about "
               "the same size, no positional encoding.",
)


def defaults(spec: RunSpec) -> dict[str, Any]:
    """Every hyperparameter with its default and where the default comes from.

    train_length 16, test_length 48: short training inputs, tested up to 3x as long
        (Kazemnejad et al. 2023 likewise train on short instances and test on longer ones).
    d_model, layers, heads, ffn: the toy size, :data:`gnncore.posenc.model.SIZE` (64, 2, 4,
        and 4 x d_model).
    steps 2000, batch_size 32, lr 7e-3, warmup steps / 20: tuned on copy at train length 16
        so that every encoding but NoPE learns the task in distribution, with the schedule
        of ``fit.learning_rate`` (docs/decisions.md has the seeds and the alternatives tried;
        1000 steps left ALiBi at 69% in distribution on seed 1).
    weight_decay 0.1: nanoGPT's and GPT-3's value, on weight matrices only.
    eval_examples 64: examples per test length; every run is scored on the same ones (64 x 32
        longer lengths is 2048 examples out of distribution; 128 doubled the evaluation's cost).
    A task may start elsewhere (``Task.defaults``: addition's lengths and steps, counting's steps).
    max_position 512 (randomised encodings only): Ruoss et al. 2023 draw from 2048 positions
        for tests up to 500 tokens, about 4x; 512 is about 5x the default test's 99 tokens and
        covers the longest test length's 259.
    """
    task = TASKS.get(spec.dataset)
    own = dict(task.defaults) if task is not None else {}  # a task's own starting point (Task.defaults)
    d_model = spec.get("d_model", SIZE.d_model)
    steps = spec.get("steps", own.get("steps", STEPS))
    return {
        "train_length": 16, "test_length": 48,
        "d_model": SIZE.d_model, "layers": SIZE.layers, "heads": SIZE.heads,
        "ffn": SIZE.ffn(d_model) if _is_int(d_model) else SIZE.ffn(),
        "steps": STEPS, "batch_size": 32, "lr": 7e-3,
        "warmup": max(1, steps // 20) if _is_int(steps) else 100,
        "weight_decay": 0.1, "eval_examples": 64,
        **({"max_position": 512} if MAX_POSITION in encoding_settings(spec.model) else {}),
        **({"index_hints": "off"} if INDEX_HINTS.applies_to(spec.dataset) else {}),
        **own,
    }


def task_of(spec: RunSpec) -> Task:
    """The spec's task, with index hints where it asks for them."""
    task = TASKS[spec.dataset]
    return task.hinted() if spec.params.get("index_hints") == "on" else task


def encoding_settings(encoding: str) -> tuple[Setting, ...]:
    """The settings only this encoding has (the randomised ones: their largest position)."""
    cls = ENCODINGS.get(encoding)
    return (MAX_POSITION,) if cls is not None and issubclass(cls, Randomised) else ()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(spec: RunSpec) -> None:
    """Raise SpecError with one sentence naming what is wrong and what would be valid."""
    if spec.dataset not in TASKS:
        raise SpecError(f"Unknown task '{spec.dataset}'; choose one of {', '.join(TASKS)}.")
    if spec.model not in ENCODINGS:
        raise SpecError(f"Unknown encoding '{spec.model}'; choose one of {', '.join(ENCODINGS)}.")
    own = encoding_settings(spec.model)
    for setting in ENCODING_SETTINGS:
        if setting.name in spec.params and setting not in own:
            takers = ", ".join(e for e in ENCODINGS if setting in encoding_settings(e))
            raise SpecError(f"{setting.label} ({setting.name}) applies only to {takers}, not to "
                            f"{spec.model}.")
    check_settings(spec, SETTINGS + (INDEX_HINTS,) + own)
    if ENCODINGS[spec.model].structured and not TASKS[spec.dataset].structured:
        takers = ", ".join(name for name, task in TASKS.items() if task.structured)
        raise SpecError(f"{ENCODINGS[spec.model].label} numbers the digits of a number, so it needs a task with "
                        f"numbers ({takers}), not {spec.dataset}.")
    p = spec.params
    if "warmup" in p and p["warmup"] > p.get("steps", p["warmup"]):
        raise SpecError(f"Warmup must lie between 0 and the number of steps, not {p['warmup']}.")
    train, test = p.get("train_length", 1), p.get("test_length", MAX_TEST_LENGTH)
    longest = TASKS[spec.dataset].longest
    if longest is not None and test > longest:
        raise SpecError(f"{spec.dataset}'s numbers end at {longest}, so test_length must be at most "
                        f"{longest}, not {test}.")
    if not train <= test:
        raise SpecError(f"test_length must lie between the train length ({train}) and "
                        f"{MAX_TEST_LENGTH}, not {test}.")
    d_model, heads = p.get("d_model", SIZE.d_model), p.get("heads", 1)
    if d_model % heads:
        heads_setting = next(s for s in SETTINGS if s.name == "heads")  # its declared range bounds the choice
        divisors = ", ".join(str(h) for h in range(int(heads_setting.low), int(heads_setting.high) + 1)
                             if d_model % h == 0)
        raise SpecError(f"heads ({heads}) must divide d_model ({d_model}); for d_model {d_model} "
                        f"choose one of {divisors}.")
    if ENCODINGS[spec.model].uses_rope and (d_model // heads) % 2:
        raise SpecError(f"RoPE rotates pairs of dimensions, so d_model / heads must be even, "
                        f"not {d_model // heads}.")
    if "max_position" in p:
        longest = task_of(spec).sequence_length(test)
        if p["max_position"] < longest:
            raise SpecError(f"max_position ({p['max_position']}) must cover the longest test example, "
                            f"{longest} tokens at test length {test}; choose at least {longest}.")


def train(spec: RunSpec, on_progress: ProgressFn = None, should_stop: StopFn = None) -> RunResult:
    """Train one model of a resolved spec, evaluate it at every length; metrics, history, tables."""
    hp = spec.params
    task = task_of(spec)
    model = build_model(spec)
    start = time.perf_counter()
    history = fit(model, task, spec, on_progress, should_stop)
    train_seconds = time.perf_counter() - start
    lengths, positions = evaluate(model, task, hp["train_length"], hp["test_length"], hp["eval_examples"])
    tables = {"length": lengths, "position": positions,
              "attention": attention_rows(model, task, hp["train_length"], hp["test_length"])}
    own = ENCODINGS[spec.model].own_tables
    if "t5_bias" in own:
        tables["t5_bias"] = t5_bias_rows(model, task.sequence_length(hp["test_length"]))
    if "learned_bias" in own:
        tables["learned_bias"] = learned_bias_rows(model, task.sequence_length(hp["test_length"]))
    if "rope_scaling" in own:
        tables["rope_scaling"] = rope_scaling_rows(model, task, hp["train_length"], hp["test_length"],
                                                   hp["eval_examples"], lengths)
    seconds = time.perf_counter() - start
    metrics = {
        **_summary(lengths),
        "final_loss": history[-1]["loss"],
        "params": sum(p.numel() for p in model.parameters()),
        "train_seconds": round(train_seconds, 3),
        "seconds": round(seconds, 3),
        "ms_per_step": round(1000 * train_seconds / hp["steps"], 3),
    }
    return RunResult(spec, metrics, history, tables)


def build_model(spec: RunSpec) -> Transformer:
    """The untrained model of a resolved spec, initialised from its seed (a transformer, or
    the GRU baseline). The learned absolute table covers the longest training example and
    nothing more."""
    hp, task = spec.params, task_of(spec)
    # The structured encodings' table: every place of the longest test number (its answer has
    # one digit more), the operator's and no place's ids, and a margin, as Cho et al. size theirs.
    places = hp["test_length"] + 4 if ENCODINGS[spec.model].structured else None
    with torch.random.fork_rng():  # leave the caller's random state alone
        torch.manual_seed(spec.seed)
        return build(ModelConfig(
            task.vocab_size, spec.model, hp["d_model"], hp["layers"], hp["heads"], hp["ffn"],
            max_length=task.sequence_length(hp["train_length"]),
            max_position=places or hp.get("max_position", ModelConfig.max_position)))


@functools.lru_cache(maxsize=1)
def measured_step_ms(steps: int = 6) -> float:
    """Milliseconds of one training step of the default run (copy, RoPE, the toy size) on one
    thread of this machine, measured once per process: machines differ several-fold here
    (docs/decisions.md), so the page's time estimate scales its relative costs by this. The
    fastest of a few steps, so that load at that moment is not counted again beside the
    page's own correction for it."""
    spec = RunSpec.make(FACTS.kind, FACTS.default_dataset, "rope", 0)
    spec = RunSpec.make(FACTS.kind, FACTS.default_dataset, "rope", 0, **defaults(spec))
    hp, task = spec.params, task_of(spec)
    with _TIMING, one_thread():
        model = build_model(spec)
        optimizer = make_optimizer(model, hp["lr"], hp["weight_decay"])
        generator = torch.Generator().manual_seed(0)
        times = []
        for _ in range(steps + 1):  # the first step allocates
            start = time.perf_counter()
            train_step(model, optimizer, length_groups(task, hp["batch_size"], hp["train_length"], LENGTH_GROUPS,
                                                       generator), generator)
            times.append(time.perf_counter() - start)
        return 1000 * min(times[1:])


_TIMING = threading.Lock()  # two sessions' first estimates must not interleave one_thread()'s save and restore


def _summary(lengths: list[dict]) -> dict[str, Any]:
    """Mean per-length accuracy in and out of distribution (None where nothing applies)."""
    out = {}
    for part, inside in (("in_distribution", True), ("out_of_distribution", False)):
        for metric in ("token_accuracy", "exact_match"):
            values = [r[metric] for r in lengths if r["in_distribution"] == inside and r[metric] is not None]
            out[f"{part}_{metric}"] = sum(values) / len(values) if values else None
    return out
