"""What a page's sidebar asks for (:class:`Choice`), and the widget for one engine setting.

Both sidebars read their widgets from the engines' setting declarations
(:class:`gnncore.protocol.Setting`) and hand a :class:`Choice` to
:func:`gnncore.app.training.open_request`, which builds its specs with
:func:`gnncore.runs.grid`, the one spec list of every front end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from gnncore import runs
from gnncore.protocol import Setting
from gnncore.spec import RunSpec


@dataclass
class Choice:
    """A comparison: ``models`` x ``seeds`` (x ``folds``) runs of one engine on one dataset.

    settings: one value for every model; per_model: each model's own hyperparameters.
    summary: the request in one line, as the page shows it above the Train button.
    """

    kind: str
    dataset: str
    models: list[str]
    seeds: int
    settings: dict = field(default_factory=dict)
    per_model: dict[str, dict] = field(default_factory=dict)
    folds: int = 0
    summary: str = ""

    def specs(self) -> list[RunSpec]:
        """The resolved specs; raises SpecError with one sentence on bad input."""
        return runs.grid(self.kind, self.dataset, self.models, self.seeds, self.folds,
                         per_model=self.per_model, **self.settings)


def setting_widget(setting: Setting, key: str, help: str | None = None, **kwargs):
    """The widget for one setting, at the value under ``key`` in the session state:
    a select box for named values, else a number input within the declared range."""
    text = setting.help if help is None else help
    if setting.choices is not None:
        return st.selectbox(setting.label, list(setting.choices), key=key, format_func=setting.choices.get,
                            help=text, **kwargs)
    whole = setting.type is int
    cast = int if whole else float
    low = None if setting.low is None or setting.low_open else cast(setting.low)
    high = None if setting.high is None else cast(setting.high)
    step = cast(setting.step) if setting.step is not None else (1 if whole else None)
    value = st.number_input(setting.label, low, high, step=step, format=setting.format, key=key,
                            help=text, **kwargs)
    return clean(value) if not whole else int(value)


def clean(value):
    """Round away float noise from steppers and sliders (0.1 + 0.2), so equal settings give
    equal spec keys and the run store finds them."""
    return float(f"{value:.6g}") if isinstance(value, float) else value
