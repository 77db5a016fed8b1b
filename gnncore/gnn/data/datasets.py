"""The datasets the arena offers: the built-in entries (:mod:`gnncore.gnn.data.catalog`) and,
after them, those the user added (:mod:`gnncore.gnn.data.userdata`), looked up by name.

Each entry (:class:`~gnncore.gnn.data.entry.DatasetInfo`) carries its loader, split rule,
protocol and knobs; this module only finds it and asks it.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch_geometric.data import Data

from gnncore.gnn.data import userdata
from gnncore.gnn.data.catalog import DATASETS
from gnncore.gnn.data.entry import DatasetInfo
from gnncore.gnn.data import loaders
from gnncore.gnn.data.loaders import clear_cache, tu_dataset
from gnncore.gnn.data.mirror import file_state
from gnncore.protocol import Setting
from gnncore.spec import DatasetUnavailable, SpecError

__all__ = ["DATASETS", "DatasetInfo", "DatasetNames", "DatasetUnavailable", "all_datasets", "availability",
           "clear_cache", "dataset_names", "find", "info", "knobs", "load_graphs", "load_node_data", "load_tu",
           "raw_features"]


def dataset_names(task: str) -> list[str]:
    """The task's datasets: the built-in ones, then those the user added (gnncore.gnn.data.userdata)."""
    return [name for name, info in all_datasets().items() if task in info.tasks]


class DatasetNames(Sequence):
    """A task's dataset names, read at every use, for an engine's ``FACTS.datasets``: a
    dataset the user adds while the app runs is offered at once."""

    def __init__(self, task: str):
        self.task = task

    def __getitem__(self, i):
        return dataset_names(self.task)[i]

    def __len__(self) -> int:
        return len(dataset_names(self.task))

    def __iter__(self):
        return iter(dataset_names(self.task))

    def __repr__(self) -> str:
        return repr(tuple(self))


def all_datasets() -> dict[str, DatasetInfo]:
    """:data:`DATASETS` and, after them, every dataset the user added (family ``user``)."""
    return {**DATASETS, **userdata.entries()}


def find(name: str) -> DatasetInfo | None:
    """The dataset of that name (case-insensitive), or None."""
    return next((d for d in all_datasets().values() if d.name.lower() == str(name).lower()), None)


def info(name: str, task: str | None = None) -> DatasetInfo:
    """Look a dataset up by name (case-insensitive); unknown names list the valid ones."""
    found = find(name)
    if found is None or (task and task not in found.tasks):
        choices = dataset_names(task) if task else list(all_datasets())
        what = f" for {task} tasks" if task else ""
        raise SpecError(f"Unknown dataset '{name}'{what}; choose one of {', '.join(choices)}.")
    return found


def knobs(task: str) -> tuple[Setting, ...]:
    """The settings some built-in datasets of ``task`` have (the synthetic graph's), once each."""
    out: dict[str, Setting] = {}
    for d in DATASETS.values():
        for s in d.knobs_for(task):
            out.setdefault(s.name, s)
    return tuple(out.values())


def availability(name: str) -> str:
    """``built-in``, ``added by you``, ``cached``, ``in offline mirror``, ``downloads on first
    use (N MB)`` or ``not available offline``; the CLI's ``datasets list``, the Home page and
    the arena's dataset card all show this."""
    d = info(name)
    if d.builtin:
        return "built-in"
    if d.family == "user":
        return "added by you"
    return file_state(d)


def load_node_data(name: str, seed: int = 0, **options) -> Data:
    """A graph with ``train_mask``, ``val_mask``, ``test_mask`` for node classification.

    Planetoid datasets keep the public split whatever the seed; Amazon, Coauthor and the
    synthetic graph draw the Shchur et al. (2018) per-class split from ``seed``; each entry
    says how (its split rule). ``options`` are the dataset's knobs (the synthetic graph's).
    """
    return info(name, "node").load(seed, **options)


def raw_features(name: str):
    """The dataset's node features as its files give them, or None where ``load_node_data``
    already gives them so (see gnncore.gnn.data.loaders.raw_features)."""
    return loaders.raw_features(info(name))


def load_tu(name: str):
    """A TU graph-classification dataset, with the node features Errica et al. (2020) used."""
    return tu_dataset(info(name, "graph"))


def load_graphs(name: str, **options) -> list[Data]:
    """A graph-classification dataset as a list of graphs: a TU dataset's (``load_tu``), or
    those its entry makes in code (``graph_loader``: CSL's circulants, Tree-NeighborsMatch's trees);
    ``options`` are the dataset's knobs."""
    d = info(name, "graph")
    if d.graph_loader is not None:
        return d.graph_loader(d, options)
    dataset = tu_dataset(d)
    return [dataset[i] for i in range(len(dataset))]
