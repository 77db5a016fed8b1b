"""A dataset entry: what the arena shows of a dataset and how the dataset behaves.

An entry carries its metadata (counts, split text, source), its protocol, and its
behaviour: the ``loader`` that gives its graph for a seed, the ``split_rule`` that draws
its masks, the ``knobs`` (settings only it has) with their defaults and their check.
The tasks read these instead of testing dataset names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from torch_geometric.data import Data

from gnncore.protocol import Setting
from gnncore.spec import SpecError

__all__ = ["DatasetInfo", "GraphLoader", "GraphSplit", "Loader", "SplitRule"]

# (entry, seed, knob values) -> the graph, with the masks it ships (if any).
Loader = Callable[["DatasetInfo", int, dict], Data]
# (graph, seed, knob values) -> (train, validation, test) masks.
SplitRule = Callable[[Data, int, dict], tuple]
# Graph classification on graphs made in code: (entry, knob values) -> the graphs, and
# (their labels, knob values) -> (train, validation, test) indices, one split for every run.
GraphLoader = Callable[["DatasetInfo", dict], list]
GraphSplit = Callable[[Any, dict], tuple]

# PyG classes that hold one dataset and take no name.
UNNAMED = ("Actor", "Reddit", "Flickr")


@dataclass(frozen=True)
class DatasetInfo:
    name: str            # as PyG spells it
    title: str
    family: str          # PyG class: Planetoid, Amazon, Coauthor, TUDataset, or builtin
    tasks: tuple[str, ...]
    nodes: int
    edges: int           # directed, as PyG's num_edges counts them
    features: int
    classes: int
    split: str
    source: str
    download_mb: float = 0.0
    graphs: int = 1
    raw_files: tuple[str, ...] = field(default=(), repr=False)
    # The protocol the dataset's published numbers come from: "" (the arena's), "shchur"
    # (Shchur et al. 2018: the largest connected component, features as published, their
    # per-model settings and early stopping) or "geom" (the baselines of Zhu et al. 2020 on
    # the Geom-GCN splits) or
    # "published" (the large graphs: features as published, the split shipped with them) or
    # "fit" (Alon & Yahav 2021: how well the training graphs are fitted is the measure).
    # How each trains: gnncore.gnn.tasks.node.PROTOCOL_TRAINING and each architecture's
    # ``node/<protocol>`` defaults.
    protocol: str = ""
    # Fixed splits shipped with the dataset (Geom-GCN's 10 for WebKB and Actor): seed i trains
    # on split i, so seeds run 0 .. splits-1. 0: the split comes from elsewhere.
    splits: int = 0
    loader: Loader | None = field(default=None, compare=False, repr=False)
    split_rule: SplitRule | None = field(default=None, compare=False, repr=False)  # None: as loaded
    # Settings only this dataset has, per task, and the defaults of those that have one.
    knobs: Mapping[str, tuple[Setting, ...]] = field(default_factory=dict, compare=False, repr=False)
    knob_defaults: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    check_knobs: Callable[[dict], None] | None = field(default=None, compare=False, repr=False)
    # Each seed draws a graph of its own (so seeds cannot share a batch).
    graph_per_seed: bool = False
    # Cross-validation folds its benchmark uses (CSL: 5); 0: the task's own (Errica et al.'s 10).
    folds: int = 0
    # What each one-hot node feature means, where the dataset says (MUTAG's atom types).
    node_names: tuple[str, ...] = ()
    # Keyword arguments of the PyG class beyond its root and name.
    pyg_options: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # Graph classification on graphs made in code (not a TU file): their loader, and the
    # split they come with instead of cross-validation folds (None: folds, as TU datasets).
    graph_loader: GraphLoader | None = field(default=None, compare=False, repr=False)
    graph_split: GraphSplit | None = field(default=None, compare=False, repr=False)
    # Each graph's first node is where its answer is read (the ``root`` readout applies).
    rooted: bool = False
    # The settings its protocol trains with, given the knobs' values (the trees' layers
    # follow their depth); over the task's and the architecture's defaults.
    task_defaults: Callable[[dict], dict] | None = field(default=None, compare=False, repr=False)

    @property
    def largest_component(self) -> bool:
        return self.protocol == "shchur"

    @property
    def row_normalised(self) -> bool:
        """Bag-of-words rows scaled to sum to one, as GCN's authors did; Shchur et al. did not,
        and the large graphs' features (word embeddings, some negative) are used as published."""
        return self.protocol not in ("shchur", "published")

    @property
    def builtin(self) -> bool:
        return self.family == "builtin"

    @property
    def raw_subdir(self) -> str:
        if self.family == "WebKB":  # PyG's WebKB reads lower-case folders
            return f"WebKB/{self.name.lower()}/raw"
        if self.family in UNNAMED:  # one dataset, no name: Actor/raw
            return f"{self.family}/raw"
        if self.family == "OGB":  # ogb's own folder, split files beside raw/
            return f"OGB/{self.name.replace('-', '_')}"
        return f"{self.family}/{self.name}/raw"

    @property
    def folds_apply(self) -> bool:
        """Cross-validation folds split it (a TU dataset), not a split of its own."""
        return self.graph_split is None

    def knobs_for(self, task: str) -> tuple[Setting, ...]:
        return tuple(self.knobs.get(task, ()))

    def options(self, params: Mapping[str, Any]) -> dict:
        """The knobs' values among a spec's ``params``, for :meth:`load`."""
        names = dict.fromkeys(s.name for task in self.knobs.values() for s in task)
        return {k: params[k] for k in names if k in params}

    def check_seed(self, seed: int) -> None:
        """Raise SpecError with one sentence when ``seed`` names no split (the fixed splits' one check)."""
        if self.splits and not 0 <= seed < self.splits:
            raise SpecError(f"{self.title} has {self.splits} fixed splits, one per seed: use seeds 0 to "
                            f"{self.splits - 1} (at most {self.splits} seeds).")

    def check_options(self, params: Mapping[str, Any]) -> None:
        """Raise SpecError with one sentence when the knobs' values in ``params`` (each valid
        on its own) cannot go together."""
        if self.check_knobs is not None:
            self.check_knobs(dict(params))

    def load(self, seed: int = 0, **options) -> Data:
        """The graph with ``train_mask``, ``val_mask``, ``test_mask`` for ``seed``; ``options``
        are the entry's knobs."""
        self.check_seed(seed)
        data = self.loader(self, seed, options)
        if self.split_rule is not None:
            data.train_mask, data.val_mask, data.test_mask = self.split_rule(data, seed, options)
        data.num_classes = int(data.y.max()) + 1
        return data
