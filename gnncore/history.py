"""Every stored run at hand: list, filter, tag, annotate, delete and export the runs of the
run store, for the Runs page and ``python -m gnncore runs``.

Listing reads only the runs' summaries (:meth:`~gnncore.runs.RunStore.summaries`: identity,
spec, final metrics, tags and note; never the per-epoch history or the artifacts). Tags and
notes live in the run store too (:class:`~gnncore.runs.RunStore`), the only code that speaks SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable, Mapping

import pandas as pd

from gnncore import runs
from gnncore.runs import RunStore
from gnncore.spec import RunResult

ID_COLUMNS = ["key", "kind", "dataset", "model", "seed", "created", "metric", "score", "tags", "note"]


def headline(kind: str, metrics: Mapping) -> tuple[str, float | None]:
    """The metric a run is judged by and its value: the first its engine judges a run alone
    by that the run has (for the positional encodings, on inputs longer than trained: what
    the lab is about)."""
    try:
        f = runs.facts(kind)
    except Exception:  # noqa: BLE001 - a kind this version has no engine for
        return "", None
    for m in f.judged_by:
        if metrics.get(m.name) is not None:
            return m.name, metrics[m.name]
    return f.headline.name, None


def runs_table(store: RunStore | None = None) -> pd.DataFrame:
    """One row per stored run, newest first: :data:`ID_COLUMNS`, then every hyperparameter
    (a column each; empty where a run has none)."""
    store = store or RunStore()
    records = []
    for run in store.summaries():
        metric, score = headline(run["kind"], run["metrics"])
        records.append({**{c: run[c] for c in ("key", "kind", "dataset", "model", "seed", "created")},
                        "metric": metric, "score": score, "tags": ", ".join(run["tags"]), "note": run["note"],
                        **run["spec"].get("hparams", {})})
    frame = pd.DataFrame(records, columns=None if records else ID_COLUMNS)
    frame["created"] = pd.to_datetime(frame["created"], unit="s", utc=True).dt.tz_convert(None)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    return frame


def param_columns(frame: pd.DataFrame) -> list[str]:
    """The hyperparameter columns of :func:`runs_table`, in name order."""
    return sorted(c for c in frame.columns if c not in ID_COLUMNS)


@dataclass
class Filter:
    """Which runs to keep; an empty field keeps all. ``params``: name -> values to keep
    (compared as text, so ``0.01`` from the command line matches the stored 0.01)."""

    kinds: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    params: dict[str, list] = field(default_factory=dict)
    since: date | None = None
    until: date | None = None

    @property
    def empty(self) -> bool:
        return not (self.kinds or self.datasets or self.models or self.seeds or self.tags or self.params
                    or self.since or self.until)


def setting_text(value) -> str:
    """A setting's value as the filters compare and the list shows it: ``2`` for 2.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def apply(frame: pd.DataFrame, f: Filter) -> pd.DataFrame:
    """The rows of ``frame`` (:func:`runs_table`) that ``f`` keeps."""
    keep = pd.Series(True, index=frame.index)
    for column, wanted in (("kind", f.kinds), ("dataset", f.datasets), ("model", f.models)):
        if wanted:
            keep &= frame[column].astype(str).str.lower().isin({str(w).lower() for w in wanted})
    if f.seeds:
        keep &= frame["seed"].isin([int(s) for s in f.seeds])
    if f.tags:
        wanted = {t.lower() for t in f.tags}
        keep &= frame["tags"].map(lambda s: bool(wanted & {t.strip().lower() for t in s.split(",") if t.strip()}))
    for name, values in f.params.items():
        if name not in frame:
            keep &= False
            continue
        texts = {setting_text(v) for v in values}
        keep &= frame[name].map(lambda v: v is not None and not (isinstance(v, float) and pd.isna(v))
                                and setting_text(v) in texts)
    if f.since:
        keep &= frame["created"] >= pd.Timestamp(f.since)
    if f.until:
        keep &= frame["created"] < pd.Timestamp(f.until) + timedelta(days=1)
    return frame[keep]


def parse_date(text: str) -> date:
    """``2024-05-01``, ``today`` or ``yesterday``; ValueError with one sentence otherwise."""
    text = text.strip().lower()
    if text in ("today", "yesterday"):
        return date.today() - timedelta(days=text == "yesterday")
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"'{text}' is not a date; write it as YYYY-MM-DD (2024-05-31), today or yesterday.") from None


# ---- tags and notes ----

def clean_tag(tag: str) -> str:
    """Tags are single words or phrases without commas (the list shows them comma-separated)."""
    cleaned = " ".join(str(tag).replace(",", " ").split())
    if not cleaned:
        raise ValueError("A tag needs at least one letter or digit.")
    return cleaned[:40]


def add_tag(store: RunStore, keys: Iterable[str], tag: str) -> int:
    """Tag the runs named (the tag cleaned first); how many gained it."""
    return store.add_tag(keys, clean_tag(tag))


def remove_tag(store: RunStore, keys: Iterable[str], tag: str) -> int:
    return store.remove_tag(keys, tag)


def set_note(store: RunStore, keys: Iterable[str], note: str) -> None:
    """The same note on every run named (an empty note removes it)."""
    store.set_note(keys, str(note).strip())


# ---- comparing and exporting ----

def results(store: RunStore, keys: Iterable[str]) -> list[RunResult]:
    """The selected runs in full (history and tables, no artifacts), in the order given."""
    return store.by_keys(keys)


def comparison(selected: list[RunResult]) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The charts and frames of the comparison zip for runs of one kind, built as the pages
    build them (the same chart builders), without Streamlit."""
    from gnncore import charts as c
    from gnncore.charts.theme import order
    from gnncore.pairs import for_csv, paired_differences

    kind = selected[0].spec.kind
    frame, history = runs.runs_frame(selected), runs.history_frame(selected)
    metric = runs.facts(kind).headline.name
    if runs.facts(kind).by_length:
        lengths = runs.table_frame(selected, "length")
        charts = {"accuracy_vs_length": c.accuracy_vs_length(lengths, metric),
                  "in_vs_out": c.in_vs_out(lengths, metric), "loss_curves": c.loss_curves(history)}
        return charts, {"runs": frame, "lengths": lengths, "history": history}
    f = runs.facts(kind)
    refs = pd.concat([runs.references(kind, d) for d in frame["dataset"].unique()], ignore_index=True)
    pairs = paired_differences(frame, metric, order(frame["model"]))
    charts = {f"final_{metric}": c.final_scores(frame, metric, refs, history), f"cost_vs_{metric}": c.cost_vs_score(frame, metric),
              "learning_curves": c.learning_curves(history, f.curves[0].name)}
    if len(pairs):
        charts["paired_differences"] = c.difference_chart(pairs)
    also = [m.name for m in f.metrics if m.name != metric and m.name in frame]
    frames = {"summary": c.summary_table(frame, metric, refs, also=also, history=history), "runs": frame,
              "history": history, "pairs": for_csv(pairs, f.headline.fraction)}
    return charts, frames


def export_zip(selected: list[RunResult]) -> bytes:
    """The comparison zip (charts as PNG, SVG and HTML, data as CSV, specs, README) of the
    selected runs; runs of several kinds each get their own charts, prefixed by kind."""
    from gnncore import export

    all_charts, all_frames = {}, {}
    kinds = list(dict.fromkeys(r.spec.kind for r in selected))
    for kind in kinds:
        charts, frames = comparison([r for r in selected if r.spec.kind == kind])
        prefix = f"{kind}_" if len(kinds) > 1 else ""
        all_charts.update({prefix + k: v for k, v in charts.items()})
        all_frames.update({prefix + k: v for k, v in frames.items()})
    datasets = ", ".join(dict.fromkeys(r.spec.dataset for r in selected))
    readme = f"{len(selected)} stored runs exported from the run store ({', '.join(kinds)} on {datasets})."
    return export.comparison_zip(all_charts, all_frames, [r.spec for r in selected], readme)


def shared_pairs(frame: pd.DataFrame) -> int:
    """How many selected runs share kind, dataset, model, seed (and fold) with another one:
    runs of the same model with different settings, which a comparison pools."""
    cols = ["kind", "dataset", "model", "seed"] + (["fold"] if "fold" in frame else [])
    return int(frame.duplicated(subset=cols, keep=False).sum()) if len(frame) else 0


def across_datasets(frame: pd.DataFrame) -> pd.DataFrame:
    """Each model's headline score on each dataset side by side (rows: models; columns:
    datasets), as ``mean ± std (runs)``, in percent for fractions; from :func:`runs_table` rows."""
    from gnncore.charts.stats import pm
    from gnncore.charts.theme import display_name, order

    if frame.empty:
        return pd.DataFrame()
    stats = frame.groupby(["model", "dataset"], sort=False)["score"].agg(["mean", "std", "count"]).reset_index()
    scale = runs.metric(str(frame["metric"].iloc[0])).scale
    stats["cell"] = [f"{pm(m, s, n, scale)} ({n})" for m, s, n in zip(stats["mean"], stats["std"], stats["count"])]
    wide = stats.pivot(index="model", columns="dataset", values="cell")
    wide = wide.reindex(index=order(frame["model"]), columns=dataset_order(frame["dataset"]))
    wide.index = [display_name(m) for m in wide.index]
    return wide.fillna("–").rename_axis("Model").reset_index()


def dataset_order(names: Iterable[str]) -> list[str]:
    """Datasets in the registry's order (Cora, CiteSeer, PubMed, ..., then added ones), others after."""
    from gnncore.gnn.data.datasets import all_datasets

    known = {n.lower(): i for i, n in enumerate(all_datasets())}
    unique = list(dict.fromkeys(names))
    return sorted(unique, key=lambda n: (known.get(str(n).lower(), len(known)), unique.index(n)))


def for_comparison(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order a comparison reads best: task, dataset (registry order), then as stored."""
    if frame.empty:
        return frame
    datasets = {d: i for i, d in enumerate(dataset_order(frame["dataset"]))}
    kinds = {k: i for i, k in enumerate(runs.kinds())}
    return frame.assign(_k=frame["kind"].map(kinds).fillna(len(kinds)), _d=frame["dataset"].map(datasets)) \
        .sort_values(["_k", "_d", "created"], kind="stable").drop(columns=["_k", "_d"])
