"""One comparison on several datasets: the arena's :class:`~gnncore.app.choice.Choice` with
more datasets beside the one the sidebar's card shows.

Every dataset gets the same models, seeds and folds. A setting the user changed applies to
every dataset; one left at the first dataset's paper default takes each dataset's own
(GAT's PubMed settings differ from its Cora ones); the synthetic graph's knobs stay with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gnncore import runs
from gnncore.app.choice import Choice
from gnncore.spec import RunSpec


@dataclass
class AcrossChoice(Choice):
    also: list[str] = field(default_factory=list)  # datasets after ``dataset``

    @property
    def datasets(self) -> list[str]:
        return [self.dataset, *[d for d in self.also if d != self.dataset]]

    def specs(self) -> list[RunSpec]:
        """The resolved specs, dataset by dataset; SpecError with one sentence on bad input."""
        out = super().specs()
        for dataset in self.datasets[1:]:
            settings, per_model = self.changed_for(dataset)
            out += runs.grid(self.kind, dataset, self.models, self.seeds, self.folds,
                             per_model=per_model, **settings)
        return out

    def changed_for(self, dataset: str) -> tuple[dict, dict[str, dict]]:
        """The settings and per-model values to carry to ``dataset``: those the user changed
        from the first dataset's defaults, and that exist there."""
        f = runs.facts(self.kind)
        engine = runs.engine(self.kind)

        def default(model: str) -> dict:
            return engine.defaults(RunSpec.make(self.kind, self.dataset, model))

        def carried(name: str, value, model: str) -> bool:
            setting = f.setting(name)
            if setting is not None and not setting.applies_to(dataset):
                return False
            return default(model).get(name, object()) != value

        first = self.models[0] if self.models else (f.default_models[0])
        settings = {k: v for k, v in self.settings.items() if carried(k, v, first)}
        per_model = {m: {k: v for k, v in values.items() if carried(k, v, m)}
                     for m, values in self.per_model.items()}
        return settings, per_model
