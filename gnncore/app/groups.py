"""Setting groups: the runs of a selection split so that no model is pooled over settings.

An arena is for varying a setting: Cora's GCN at 200 epochs, then GCN and GAT at 100. A
comparison that pooled both GCN runs as "GCN" would average two different models and hand
two runs of one model and seed to the views that expect one. So the selection is split
into groups in which each model, dataset, seed (and fold) occurs once; a group is named by
the settings that tell its runs apart from the others' (``epochs=100``).

Pure pandas on :func:`gnncore.history.runs_table` rows; no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gnncore import history
from gnncore.charts.theme import display_name, order

IDENTITY = ["kind", "dataset", "model", "seed"]


def identity_columns(rows: pd.DataFrame) -> list[str]:
    return IDENTITY + (["fold"] if "fold" in rows else [])


def _text(value) -> str | None:
    """A setting's value as text; None where the run has no such setting."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return history.setting_text(value)


def differing_settings(rows: pd.DataFrame) -> list[str]:
    """The hyperparameters that differ between runs of one model, dataset and seed, in
    name order; empty when every such run is there once."""
    ident = identity_columns(rows)
    params = [p for p in history.param_columns(rows) if p not in ident]
    if rows.empty or not rows.duplicated(subset=ident, keep=False).any():
        return []
    texts = rows[params].map(_text)
    varied = texts.assign(**{c: rows[c] for c in ident}).groupby(ident, dropna=False)[params].nunique()
    return [p for p in params if (varied[p] > 1).any()]


@dataclass
class Group:
    """Runs in which each model, dataset, seed (and fold) occurs once."""

    settings: dict[str, str]     # the differing settings these runs have (name -> value)
    rows: pd.DataFrame

    @property
    def setting_label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.settings.items()) or "other settings"

    @property
    def label(self) -> str:
        """``epochs=100: GCN, GAT (2 runs)``."""
        models = ", ".join(display_name(m) for m in order(self.rows["model"]))
        n = len(self.rows)
        return f"{self.setting_label}: {models} ({n} run{'s' if n != 1 else ''})"


def setting_groups(rows: pd.DataFrame) -> list[Group]:
    """The selection split into groups (see the module's docstring), largest first (ties:
    newest first); one group holding every row when nothing differs.

    Runs are placed newest first into the first group whose settings they agree with (a
    setting a run does not have, such as GCN's attention heads, agrees with any value) and
    that does not hold their model, dataset and seed yet.
    """
    varied = differing_settings(rows)
    if not varied:
        return [Group({}, rows)]
    ident = identity_columns(rows)
    newest = rows.sort_values("created", ascending=False, kind="stable")
    placed: list[tuple[dict, set, list]] = []   # settings, identities, row labels
    for label, row in newest.iterrows():
        mine = {p: _text(row[p]) for p in varied}
        mine = {p: v for p, v in mine.items() if v is not None}
        who = tuple(_text(row[c]) if c == "fold" else row[c] for c in ident)
        for settings, held, members in placed:
            if who not in held and all(settings.get(p, v) == v for p, v in mine.items()):
                settings.update(mine)
                held.add(who)
                members.append(label)
                break
        else:
            placed.append((dict(mine), {who}, [label]))
    groups = [Group({p: s[p] for p in varied if p in s}, rows.loc[sorted(m, key=list(rows.index).index)])
              for s, _, m in placed]
    return sorted(groups, key=lambda g: -len(g.rows))  # stable: ties keep newest first


def across_settings(groups: list[Group]) -> pd.DataFrame:
    """Each model's headline score in each group side by side (rows: models; columns: the
    groups' settings, per dataset when there are several), ``mean ± std (runs)``."""
    several = len({d for g in groups for d in g.rows["dataset"]}) > 1
    frames = []
    for g in groups:
        column = g.rows["dataset"] + ": " + g.setting_label if several else g.setting_label
        frames.append(g.rows.assign(dataset=column))
    return history.across_datasets(pd.concat(frames))
