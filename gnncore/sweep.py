"""A sweep: one knob over a list of values, x models x seeds (x folds), as ordinary runs.

Every point of a sweep is a resolved :class:`~gnncore.spec.RunSpec` like any other, built
by :func:`gnncore.runs.grid` with the knob set to one value, so the run store caches it by
its key: a sweep run again with one more value trains only that value, and a sweep point
that a comparison already trained is read back. The knob is any setting the engine declares
(:class:`gnncore.protocol.Setting`): ``layers``, ``hidden``, ``dropout``, ``lr``, CSBM's
``homophily`` and ``signal``, graph classification's ``readout``, posenc's ``train_length``.
Values and names are checked by the engines' own declarations and ``resolve``, so a wrong
knob or value is one sentence (:class:`~gnncore.spec.SpecError`) before anything trains.

    knob = parse_vary("homophily=0:1:0.1", "node", "CSBM")      # Knob("homophily", (0.0, 0.1, ...))
    specs = sweep_specs("node", "CSBM", ["gcn", "mlp"], 5, knob, signal=0.3)
    frame = sweep_frame(results, knob.name)                      # one row per run, a column "homophily"
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Sequence

import pandas as pd

from gnncore import runs
from gnncore.protocol import Setting
from gnncore.spec import RunResult, RunSpec, SpecError

# Set by runs.grid itself for cross-validation, never by a user.
GRID_SET = ("fold", "folds")
MAX_VALUES = 100


@dataclass(frozen=True)
class Knob:
    """What a sweep varies: a setting's name and its values, in the order asked for."""

    name: str
    values: tuple[Any, ...]


def knobs(kind: str, dataset: str) -> list[Setting]:
    """The settings a sweep of ``kind`` on ``dataset`` may vary: every declared one that
    applies to the dataset, less those the spec list sets itself (the fold)."""
    return [s for s in runs.facts(kind).settings_for(dataset) if s.name not in GRID_SET]


def knob_setting(kind: str, dataset: str, name: str, verb: str = "sweep") -> Setting:
    """The declaration of knob ``name``; one sentence naming the knobs there are if unknown
    (``verb``: what the user tried to do with it, "sweep" or "set")."""
    found = {s.name: s for s in knobs(kind, dataset)}
    if name not in found:
        f = runs.facts(kind)
        other = runs.facts(kind).setting(name)
        if other is not None and other.datasets:
            raise SpecError(f"{other.label} ({name}) is a knob of {', '.join(other.datasets)} only, "
                            f"not of {dataset}.")
        where = f"{f.title.lower()} on {dataset}"
        raise SpecError(f"Cannot {verb} '{name}': {where} has no such setting; {verb} one of "
                        f"{', '.join(found)}.")
    return found[name]


def parse_vary(text: str, kind: str, dataset: str) -> Knob:
    """``NAME=a,b,c`` or ``NAME=START:STOP:STEP`` (STOP included when a step lands on it)."""
    name, sep, rest = str(text).partition("=")
    name, rest = name.strip(), rest.strip()
    if not sep or not name or not rest:
        raise SpecError(f"Write the sweep as NAME=a,b,c or NAME=START:STOP:STEP (such as layers=1,2,4 "
                        f"or homophily=0:1:0.1); got '{text}'.")
    setting = knob_setting(kind, dataset, name)
    if ":" in rest and setting.choices is None:
        items = value_range(name, rest)
    else:
        items = [t.strip() for t in rest.split(",") if t.strip()]
    values = tuple(dict.fromkeys(parse_value(setting, v) for v in items))
    if not values:
        raise SpecError(f"The sweep of {name} has no values; give at least one, as in {name}=1,2,4.")
    if len(values) > MAX_VALUES:
        raise SpecError(f"The sweep of {name} has {len(values)} values; at most {MAX_VALUES} (a wider step "
                        "gives fewer).")
    return Knob(name, values)


def value_range(name: str, text: str) -> list[str]:
    """START:STOP:STEP as decimal strings, so 0:1:0.1 gives 0.3 and not 0.30000000000000004."""
    parts = [p.strip() for p in text.split(":")]
    try:
        if len(parts) != 3:
            raise InvalidOperation
        start, stop, step = (Decimal(p) for p in parts)
        if not all(d.is_finite() for d in (start, stop, step)):
            raise InvalidOperation
    except InvalidOperation:
        raise SpecError(f"A range is START:STOP:STEP of three numbers, such as {name}=0:1:0.1; "
                        f"got '{text}'.") from None
    if step <= 0 or start > stop:
        raise SpecError(f"The range {name}={text} is empty: it needs START <= STOP and a STEP above 0.")
    count = int((stop - start) / step) + 1
    if count > MAX_VALUES:
        raise SpecError(f"The range {name}={text} has {count} values; at most {MAX_VALUES} (a wider step "
                        "gives fewer).")
    return [str(start + i * step) for i in range(count)]


def parse_value(setting: Setting, text: Any) -> Any:
    """A value as the setting's type (so ``layers=4`` is the int 4 and keys match a
    comparison's); its range is the engine's to check, in :func:`sweep_specs`."""
    if not isinstance(text, str):
        return text
    text = text.strip()
    if setting.choices is not None or setting.type is str:
        return text
    try:
        number = float(text)
    except ValueError:
        raise SpecError(f"{setting.label} ({setting.name}) must be {setting.wanted}; got '{text}'.") from None
    if setting.type is int:
        if not math.isfinite(number) or number != int(number):
            raise SpecError(f"{setting.label} ({setting.name}) must be {setting.wanted}; got '{text}'.")
        return int(number)
    return float(f"{number:.6g}") if math.isfinite(number) else number


def parse_set(items: Iterable[str], kind: str, dataset: str) -> dict[str, Any]:
    """``--set NAME=VALUE`` (repeatable): settings fixed for the whole sweep, by name."""
    out: dict[str, Any] = {}
    for text in items or ():
        name, sep, value = str(text).partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise SpecError(f"Write each fixed setting as NAME=VALUE (such as signal=0.3); got '{text}'.")
        setting = knob_setting(kind, dataset, name, "set")
        out[name] = parse_value(setting, value)
    return out


def models_with(kind: str, dataset: str, name: str, models: Sequence[str]) -> list[str]:
    """The models among ``models`` that have the setting (GAT's heads, APPNP's alpha): those
    whose engine defaults name it."""
    mod = runs.engine(kind)
    return [m for m in models if name in mod.defaults(RunSpec.make(kind, dataset, m))]


def sweep_specs(kind: str, dataset: str, models: Sequence[str], seeds: int | Sequence[int], knob: Knob,
                folds: int = 0, per_model: dict[str, dict] | None = None, **settings) -> list[RunSpec]:
    """The resolved specs of a sweep, value by value, each value's as :func:`gnncore.runs.grid`
    builds them (model, seed, fold), with the knob set for every model.

    ``settings`` hold for the whole sweep (``--set``), ``per_model`` per model (the page's
    expanders); the knob wins over both. Raises SpecError with one sentence, before anything
    trains: an unknown knob, a value the engine refuses, a knob some chosen model lacks.
    """
    setting = knob_setting(kind, dataset, knob.name)
    if not knob.values:
        raise SpecError(f"The sweep of {knob.name} has no values; give at least one.")
    # A setting some models have and others lack (GAT's heads); one no model fills in by
    # default (an optional dataset setting) is every model's, for the engine to check.
    having = models_with(kind, dataset, knob.name, [m for m in runs.facts(kind).models])
    lacking = [m for m in models if m not in having]
    if models and having and lacking and all(m in runs.facts(kind).models for m in models):
        raise SpecError(f"{setting.label} ({knob.name}) is a setting of {', '.join(having)} only, not of "
                        f"{', '.join(lacking)}; sweep it with --models {','.join(having)}.")
    per_model = {m: {k: v for k, v in (per_model or {}).get(m, {}).items() if k != knob.name and k not in settings}
                 for m in models}
    settings = dict(settings)
    for name in list(settings):  # a setting of some models only (GAT's heads) goes to those alone
        having = models_with(kind, dataset, name, models)
        anyone = models_with(kind, dataset, name, list(runs.facts(kind).models))
        if anyone and set(having) != set(models) and all(m in runs.facts(kind).models for m in models):
            value = settings.pop(name)
            if not having:
                raise SpecError(f"{name} is not a setting of {', '.join(models)}; leave it out.")
            for m in having:
                per_model[m][name] = value
    specs: list[RunSpec] = []
    for value in knob.values:
        specs += runs.grid(kind, dataset, models, seeds, folds, per_model=per_model,
                           **{**settings, knob.name: value})
    return list({s.key: s for s in specs}.values())


def sweep_frame(results: Iterable[RunResult], knob: str) -> pd.DataFrame:
    """One row per run (:func:`gnncore.runs.runs_frame`, with ``task``), the knob's value in
    a column named after it."""
    frame = runs.runs_frame(results)
    if frame.empty:
        return frame
    frame["task"] = frame["kind"]
    if knob not in frame:
        frame[knob] = None
    setting = runs.facts(str(frame["kind"].iloc[0])).setting(knob)
    if setting is not None and setting.absent is not None:  # graph_encoding=none is stored unset
        frame[knob] = frame[knob].where(frame[knob].notna(), setting.absent)
    return frame


def out_frame(frame: pd.DataFrame, kind: str, knob: str) -> pd.DataFrame:
    """A sweep's CSV (``sweep --out``): one row per run, the engine's columns of a run
    (:attr:`gnncore.protocol.Facts.run_columns`: those of ``gnn --out``; posenc's sequence
    task, encoding, seed and scores in and past the trained lengths, whose per-length rows are
    ``posenc --out``'s), the knob after the seed, and the measures of the trained model (the
    smoothness) where the runs have them."""
    f = runs.facts(kind)
    if f.by_length:
        frame = frame.assign(task=frame["dataset"], encoding=frame["model"])
    base = list(f.run_columns)
    if "fold" in frame and "fold" not in base:
        base.insert(base.index("seed") + 1, "fold")
    cols = [c for c in base if c != knob]
    cols.insert(cols.index("seed") + 1 + ("fold" in cols), knob)
    cols += [m.name for m in f.measures]
    return frame[[c for c in cols if c in frame]]


def headline(kind: str) -> str:
    """The metric a sweep's chart and summary show: what the engine judges one run by (for
    posenc, the token accuracy past the trained lengths: what a train_length sweep is about)."""
    return runs.facts(kind).judged_by[0].name


def summary(frame: pd.DataFrame, knob: str, metric: str) -> pd.DataFrame:
    """Mean +- std of ``metric`` per (knob value, model): columns knob, model, mean, std,
    lower, upper, runs; values in the sweep's order."""
    return runs.mean_std(frame, [knob, "model"], metric)


SWEEP_REFERENCES = runs.REFERENCES_PATH.with_name("reference_sweeps.csv")


def references(kind: str, dataset: str, knob: str, runs_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Published figures at a value of ``knob``: columns model, metric, ``knob``, mean, std,
    source. From ``data/reference_sweeps.csv`` (a paper's row along a knob, such as GCN by
    depth in the GCNII paper), and from ``data/reference_results.csv`` where a row names the
    knob in its settings (Kipf & Welling's GCN at layers=2) and, given ``runs_frame``, its
    other settings are those of the sweep's runs of that model (like is compared with like)."""
    columns = ["model", "metric", knob, "mean", "std", "source"]
    table = pd.read_csv(SWEEP_REFERENCES)
    table = table[(table["task"] == kind) & (table["dataset"].str.lower() == str(dataset).lower())
                  & (table["knob"] == knob)]
    rows = [table.rename(columns={"value": knob})[columns]]
    for ref in runs.references(kind, dataset).itertuples():
        # A figure under another protocol is never a like-with-like point on a sweep.
        if isinstance(getattr(ref, "protocol", None), str) and ref.protocol.strip():
            continue
        pairs = dict(p.split("=", 1) for p in str(ref.settings if isinstance(ref.settings, str) else "").split(";")
                     if "=" in p)
        if knob not in pairs or not _like(runs_frame, ref.model, {k: v for k, v in pairs.items() if k != knob}):
            continue
        rows.append(pd.DataFrame([{"model": ref.model, "metric": ref.metric, knob: pairs[knob], "mean": ref.mean,
                                   "std": ref.std, "source": ref.source}]))
    out = pd.concat(rows, ignore_index=True)
    setting = runs.facts(kind).setting(knob)
    if setting is not None and setting.choices is None:
        out[knob] = pd.to_numeric(out[knob], errors="coerce")
    return out.reset_index(drop=True)


def _like(frame: pd.DataFrame | None, model: str, settings: dict[str, str]) -> bool:
    if frame is None:
        return True
    mine = frame[frame["model"] == model]
    if mine.empty:
        return False
    for name, wanted in settings.items():
        if name not in mine:
            return False
        try:
            same = (pd.to_numeric(mine[name]) == float(wanted)).all()
        except (TypeError, ValueError):
            same = (mine[name].astype(str) == wanted).all()
        if not same:
            return False
    return True


def suggested_values(setting: Setting, default: Any = None) -> str:
    """Values to start a sweep of ``setting`` from, as the user would type them: every named
    value; powers of two for a count (layers 1,2,4,...,32); 0 to 1 by 0.1 for a share; a
    decade around the default for a rate; or what the setting declares (``sweep_values``)."""
    if setting.sweep_values:
        return setting.sweep_values
    if setting.choices is not None:
        return ",".join(setting.choices)
    low = setting.low if setting.low is not None else 0
    if setting.type is int:
        top = min(setting.high or 64, 32 if setting.name == "layers" else 256)
        start = max(1, int(low))
        values = [start]
        while values[-1] * 2 <= top:
            values.append(values[-1] * 2)
        return ",".join(str(v) for v in values)
    if setting.low_open or (isinstance(default, float) and 0 < default < 0.05):  # a rate: log-spaced
        base = default if isinstance(default, (int, float)) and default > 0 else 0.01
        return ",".join(f"{base * f:.6g}" for f in (0.1, 0.3, 1, 3, 10) if not setting.high or base * f <= setting.high)
    high = setting.high if setting.high is not None else 1.0
    step = 0.1 if high <= 1 else round(high / 10, 6)
    top = int(high / step + 1e-9) * step
    return f"{low:g}:{top:g}:{step:g}"
