"""Published figures beside our runs: which rows of ``data/reference_results.csv`` match a
comparison, whether they are like with like (the settings the figure needs; the protocol it
was published under), and our own runs scored under another protocol."""

from __future__ import annotations

import pandas as pd

from gnncore.charts.protocols import protocol
from gnncore.charts.stats import pm

__all__ = ["lookup", "matching_references", "ours_under_columns", "ours_under_protocols", "published_text",
           "same_settings"]


def matching_references(runs: pd.DataFrame, metric: str,
                        references: pd.DataFrame | None = None) -> pd.DataFrame:
    """The published rows for ``metric`` whose (task, dataset, model) occur in ``runs``.

    ``comparable``: the runs have the settings the figure needs; ``protocol``: the key of the
    protocol it was published under where not the arena's (:mod:`gnncore.charts.protocols`),
    else empty; ``like``: both, a like-with-like figure.
    """
    refs = pd.DataFrame() if references is None else references
    if refs.empty or not {"dataset", "model", "metric", "mean"} <= set(refs.columns):
        return pd.DataFrame(columns=["task", "dataset", "model", "metric", "mean", "std", "source", "settings",
                                     "protocol", "comparable", "like"])
    refs = refs[refs["metric"] == metric]
    if "std" not in refs:
        refs = refs.assign(std=float("nan"))
    if "source" not in refs:
        refs = refs.assign(source="")
    if "settings" not in refs:
        refs = refs.assign(settings="")
    keys = refs["protocol"] if "protocol" in refs else pd.Series("", index=refs.index)
    for key in keys.dropna().unique():
        protocol(key)  # an undeclared protocol stops here, in one sentence
    refs = refs.assign(protocol=keys.where(keys.notna(), "").astype(str).str.strip())
    keys = runs[[c for c in ("kind", "dataset", "model") if c in runs]].drop_duplicates()
    if "dataset" not in keys:
        return refs.iloc[0:0].assign(comparable=False, like=False)
    keys = keys.assign(_dataset=keys["dataset"].astype(str).str.lower())
    refs = refs.assign(_dataset=refs["dataset"].astype(str).str.lower())
    on = ["_dataset", "model"]
    if "kind" in keys and "task" in refs:
        keys, on = keys.rename(columns={"kind": "task"}), on + ["task"]
    hits = refs.merge(keys[on + ["dataset"]].rename(columns={"dataset": "_run_dataset"}), on=on)
    # Spell the dataset as the runs do, so per-dataset panels find their rows.
    hits = hits.assign(dataset=hits["_run_dataset"]).drop(columns=["_dataset", "_run_dataset"])
    hits["comparable"] = [same_settings(runs, row.dataset, row.model, row.settings) for row in hits.itertuples()]
    hits["like"] = hits["comparable"] & (hits["protocol"] == "")
    return hits.reset_index(drop=True)


def ours_under_protocols(refs: pd.DataFrame, history: pd.DataFrame | None, metric: str) -> pd.DataFrame:
    """Columns dataset, model, protocol, ``ours_under`` (mean), ``ours_under_std``,
    ``ours_under_epoch``: our runs scored under the protocol of each matched figure that was
    published under another one (:meth:`gnncore.charts.protocols.Protocol.ours`)."""
    columns = ["dataset", "model", "protocol", "ours_under", "ours_under_std", "ours_under_folds",
               "ours_under_epoch"]
    parts = []
    for key in [k for k in refs["protocol"].unique() if k] if len(refs) else []:
        ours = protocol(key).ours(history, metric)
        if len(ours) and "dataset" in ours:
            parts.append(ours.assign(dataset=ours["dataset"].astype(str), protocol=key).rename(
                columns={"mean": "ours_under", "std": "ours_under_std", "folds": "ours_under_folds",
                         "epoch": "ours_under_epoch"}))
    if not parts:
        return pd.DataFrame(columns=columns).astype({"dataset": str, "model": str, "protocol": str})
    return pd.concat(parts, ignore_index=True)[columns]


def same_settings(runs: pd.DataFrame, dataset: str, model: str, settings) -> bool:
    """Were all of this model's runs trained with the settings the published figure needs
    (``readout=sum;epochs=200``, empty: none)? A mark is only drawn beside like runs."""
    mine = runs[(runs["dataset"].astype(str) == str(dataset)) & (runs["model"] == model)]
    for pair in str(settings if isinstance(settings, str) else "").split(";"):
        if "=" not in pair:
            continue
        name, wanted = (t.strip() for t in pair.split("=", 1))
        if name not in mine or mine.empty:
            return False
        values = mine[name].astype(str)
        try:
            same = (pd.to_numeric(values) == float(wanted)).all()
        except ValueError:
            same = (values == wanted).all()
        if not same:
            return False
    return True


def lookup(refs: pd.DataFrame, dataset, model: str) -> pd.DataFrame:
    """Every published row of (dataset, model): like with like first, then those under
    another protocol, then those with other settings."""
    rows = refs[refs["model"] == model]
    if dataset is not None:
        rows = rows[rows["dataset"].astype(str) == str(dataset)]
    rank = (~rows["comparable"].astype(bool)) * 2 + (rows["protocol"] != "")
    return rows.assign(_rank=rank).sort_values("_rank", kind="stable").drop(columns="_rank")


def published_text(hit: pd.Series, scale: float) -> str:
    """``73.3 ± 4.0``, with each caveat in words: another protocol, other settings."""
    text = pm(hit["mean"], hit["std"], 2, scale)
    p = protocol(hit["protocol"])
    if p is not None:
        text += f" under {p.who}'s protocol ({p.short}): not like with like"
    if not hit["comparable"]:
        text += f"{',' if p else ''} (with {str(hit['settings']).replace(';', ', ')}: not these runs' settings)"
    return text


def ours_under_columns(stats: pd.DataFrame, refs: pd.DataFrame, history: pd.DataFrame | None,
                        metric: str, scale: float) -> dict[str, list[str]]:
    """Per protocol of a matched figure, the column of our runs scored under it: a cell for
    each model with such a figure (``–`` where the runs give none), empty for the others."""
    if history is None or refs.empty:
        return {}
    under = ours_under_protocols(refs, history, metric)
    columns = {}
    for key in [k for k in dict.fromkeys(refs["protocol"]) if k]:
        p, cells = protocol(key), []
        mine = under[under["protocol"] == key]
        for row in stats.itertuples():
            dataset = getattr(row, "dataset", None)
            has = refs[(refs["model"] == row.model) & (refs["protocol"] == key)
                       & ((refs["dataset"].astype(str) == str(dataset)) if dataset is not None else True)]
            hit = mine[(mine["model"] == row.model)
                       & ((mine["dataset"] == str(dataset)) if dataset is not None else True)]
            cells.append("" if has.empty else "–" if hit.empty else
                         pm(hit["ours_under"].iloc[0], hit["ours_under_std"].iloc[0],
                            int(hit["ours_under_folds"].iloc[0]), scale))
        columns[p.column] = cells
    return columns
