"""The datasets the arena offers, with their metadata, and how to get them offline.

Files come, in this order, from the cache (``$GNNCORE_DATA``, default ``data/``), from an
offline mirror folder in PyG's layout (``$GNNCORE_MIRROR``, copied into the cache, never
written to), or from PyG's own download. ``$GNNCORE_OFFLINE=1`` forbids the download.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import torch
import torch_geometric.transforms as T
from torch_geometric.data import Data

from gnncore import config
from gnncore.spec import DatasetUnavailable, SpecError

__all__ = ["DATASETS", "DatasetInfo", "DatasetNames", "DatasetUnavailable", "all_datasets", "availability", "csbm",
           "dataset_names",
           "info", "load_node_data", "load_tu", "per_class_split"]


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
    # "published" (the large graphs: features as published, the split shipped with them).
    # How each trains: gnncore.gnn.tasks.node.PROTOCOL_TRAINING and each architecture's
    # ``node/<protocol>`` defaults.
    protocol: str = ""
    # Fixed splits shipped with the dataset (Geom-GCN's 10 for WebKB and Actor): seed i trains
    # on split i, so seeds run 0 .. splits-1. 0: the split comes from elsewhere.
    splits: int = 0

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
        if self.family in _UNNAMED:  # one dataset, no name: Actor/raw
            return f"{self.family}/raw"
        if self.family == "OGB":  # ogb's own folder, split files beside raw/
            return f"OGB/{self.name.replace('-', '_')}"
        return f"{self.family}/{self.name}/raw"


# PyG classes that hold one dataset and take no name.
_UNNAMED = ("Actor", "Reddit", "Flickr")


def _planetoid(name, nodes, edges, features, classes, split, mb):
    stem = name.lower()
    files = tuple(f"ind.{stem}.{s}" for s in ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index"))
    return DatasetInfo(name, name, "Planetoid", ("node", "link"), nodes, edges, features, classes,
                       f"public Planetoid split {split}", "Yang et al. 2016 (Planetoid); Kipf & Welling 2017",
                       mb, 1, files)


_SHCHUR = "random per class: 20 train / 30 validation, rest test (Shchur et al. 2018)"
_SHCHUR_LCC = ("largest connected component ({lcc:,} nodes), raw features; random per class: 20 train / "
               "30 validation, rest test (Shchur et al. 2018)")
_TU = "stratified 10-fold cross-validation (Errica et al. 2020)"
_GEOM = "the 10 Geom-GCN splits, 60 / 20 / 20 per class (Pei et al. 2020): seed i trains on split i"


def _geom(name, family, nodes, edges, features, stem, mb, title=None):
    files = ("out1_node_feature_label.txt", "out1_graph_edges.txt",
             *(f"{stem}_split_0.6_0.2_{i}.npz" for i in range(10)))
    return DatasetInfo(name, title or f"WebKB {name}", family, ("node",), nodes, edges, features, 5, _GEOM,
                       "Pei et al. 2020 (Geom-GCN); heterophilous", mb, 1, files, "geom", splits=10)


def _tu(name, graphs, nodes, edges, features, classes, mb, files):
    return DatasetInfo(name, name, "TUDataset", ("graph",), nodes, edges, features, classes, _TU,
                       "Morris et al. 2020 (TUDataset)", mb, graphs, tuple(f"{name}_{f}.txt" for f in files))


DATASETS: dict[str, DatasetInfo] = {d.name: d for d in [
    _planetoid("Cora", 2708, 10556, 1433, 7, "140 / 500 / 1000", 0.6),
    _planetoid("CiteSeer", 3327, 9104, 3703, 6, "120 / 500 / 1000", 1.0),
    _planetoid("PubMed", 19717, 88648, 500, 3, "60 / 500 / 1000", 8.6),
    DatasetInfo("Computers", "Amazon Computers", "Amazon", ("node",), 13752, 491722, 767, 10,
                _SHCHUR_LCC.format(lcc=13381), "Shchur et al. 2018", 3.4, 1,
                ("amazon_electronics_computers.npz",), "shchur"),
    DatasetInfo("Photo", "Amazon Photo", "Amazon", ("node",), 7650, 238162, 745, 8,
                _SHCHUR_LCC.format(lcc=7487), "Shchur et al. 2018", 1.8, 1,
                ("amazon_electronics_photo.npz",), "shchur"),
    DatasetInfo("CS", "Coauthor CS", "Coauthor", ("node",), 18333, 163788, 6805, 15,
                _SHCHUR_LCC.format(lcc=18333), "Shchur et al. 2018", 2.8, 1, ("ms_academic_cs.npz",), "shchur"),
    _geom("Cornell", "WebKB", 183, 298, 1703, "cornell", 0.1),
    _geom("Texas", "WebKB", 183, 325, 1703, "texas", 0.1),
    _geom("Wisconsin", "WebKB", 251, 515, 1703, "wisconsin", 0.1),
    _geom("Actor", "Actor", 7600, 30019, 932, "film", 6.0, title="Actor (film co-occurrence)"),
    # Graphs too big for full batch on a laptop (the counts are PyG's and OGB's documented ones;
    # the mirror does not carry them yet, so they download on first use where there is a network).
    DatasetInfo("ogbn-arxiv", "ogbn-arxiv (OGB)", "OGB", ("node",), 169343, 2315598, 128, 40,
                "OGB's split by year: papers to 2017 train, 2018 validation, 2019 test (Hu et al. 2020); "
                "edges made undirected, features as published",
                "Hu et al. 2020 (Open Graph Benchmark)", 81.0, 1,
                ("RELEASE_v1.txt", *(f"raw/{f}.csv.gz" for f in ("edge", "node-feat", "node-label", "node_year", "num-edge-list",
                                                                  "num-node-list")),
                 *(f"split/time/{f}.csv.gz" for f in ("train", "valid", "test"))), "published"),
    DatasetInfo("Flickr", "Flickr", "Flickr", ("node",), 89250, 899756, 500, 7,
                "the published split, 50% / 25% / 25% of the images (Zeng et al. 2020, GraphSAINT)",
                "Zeng et al. 2020 (GraphSAINT)", 220.0, 1, ("adj_full.npz", "feats.npy", "class_map.json", "role.json"),
                "published"),
    DatasetInfo("Reddit", "Reddit", "Reddit", ("node",), 232965, 114615892, 602, 41,
                "the published split: posts of the first 20 days train, the rest validation and test "
                "(Hamilton et al. 2017)", "Hamilton et al. 2017 (GraphSAGE)", 1300.0, 1,
                ("reddit_data.npz", "reddit_graph.npz"), "published"),
    DatasetInfo("KarateClub", "Zachary's karate club", "builtin", ("node",), 34, 156, 34, 4,
                "4 labelled nodes train; the rest split in half, validation / test",
                "Zachary 1977"),
    DatasetInfo("CSBM", "Synthetic CSBM", "builtin", ("node", "link"), 1000, 10000, 32, 4, _SHCHUR,
                "contextual stochastic block model (Deshpande et al. 2018)"),
    _tu("MUTAG", 188, 3371, 7442, 7, 2, 0.1, ("A", "graph_indicator", "graph_labels", "node_labels")),
    _tu("PROTEINS", 1113, 43471, 162088, 3, 2, 2.8, ("A", "graph_indicator", "graph_labels", "node_labels")),
    _tu("ENZYMES", 600, 19580, 74564, 21, 6, 4.9,
        ("A", "graph_indicator", "graph_labels", "node_labels", "node_attributes")),
    _tu("IMDB-BINARY", 1000, 19773, 193062, 136, 2, 4.7, ("A", "graph_indicator", "graph_labels")),
]}


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
    from gnncore.gnn.data import userdata

    added = {d.name: DatasetInfo(d.name, d.name, "user", userdata.TASKS, d.nodes, d.edges, d.features,
                                 d.classes, d.split_text, d.source, d.size_bytes / 2 ** 20)
             for d in userdata.datasets().values()}
    return {**DATASETS, **added}


def info(name: str, task: str | None = None) -> DatasetInfo:
    """Look a dataset up by name (case-insensitive); unknown names list the valid ones."""
    matches = [d for d in all_datasets().values() if d.name.lower() == str(name).lower()]
    choices = dataset_names(task) if task else list(all_datasets())
    if not matches or (task and task not in matches[0].tasks):
        what = f" for {task} tasks" if task else ""
        raise SpecError(f"Unknown dataset '{name}'{what}; choose one of {', '.join(choices)}.")
    return matches[0]


def availability(name: str) -> str:
    """``built-in``, ``added by you``, ``cached``, ``in mirror`` or ``downloads on first use (N MB)``."""
    d = info(name)
    if d.builtin:
        return "built-in"
    if d.family == "user":
        return "added by you"
    if not _missing(d, config.data_dir()):
        return "cached"
    mirror = config.mirror_dir()
    if mirror and not _missing(d, mirror):
        return "in offline mirror"
    return f"downloads on first use ({_size(d.download_mb)})"


def _missing(d: DatasetInfo, root: Path) -> list[str]:
    raw = root / d.raw_subdir
    return [f for f in d.raw_files if not (raw / f).exists()]


def _ensure_raw(d: DatasetInfo) -> Path:
    """Make the raw files present in the cache; returns the PyG root for the family."""
    cache = config.data_dir()
    missing = _missing(d, cache)
    mirror = config.mirror_dir()
    if missing and mirror and not _missing(d, mirror):
        target = cache / d.raw_subdir
        target.mkdir(parents=True, exist_ok=True)
        for f in missing:
            (target / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(mirror / d.raw_subdir / f, target / f)
            os.chmod(target / f, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
        missing = []
    if missing and os.environ.get("GNNCORE_OFFLINE"):
        raise _unavailable(d, missing, cache)
    return cache / d.family


def _unavailable(d: DatasetInfo, missing: list[str], cache: Path) -> DatasetUnavailable:
    return DatasetUnavailable(
        f"{d.title} is not available: {', '.join(missing)} missing from {cache / d.raw_subdir}; "
        f"copy them there, set GNNCORE_MIRROR to a folder holding {d.raw_subdir}/, "
        f"or go online so they download ({_size(d.download_mb)}).")


def _size(mb: float) -> str:
    """0.6 MB, 8.6 MB, 220 MB, 1.3 GB: as many digits as the figure has."""
    return f"{mb / 1000:.1f} GB" if mb >= 1000 else f"{mb:.0f} MB" if mb >= 100 else f"{mb:.1f} MB"


def _pyg_dataset(d: DatasetInfo, **kwargs):
    from torch_geometric import datasets as pyg

    # Copying from the mirror and PyG's processing write the cache: one process at a time
    # (the page's worker processes, or the page and the CLI, may ask at once).
    with _cache_lock(d.name):
        root = _ensure_raw(d)
        cls = getattr(pyg, d.family)
        try:
            return cls(str(root), **kwargs) if d.family in _UNNAMED else cls(str(root), d.name, **kwargs)
        except Exception as e:  # a failed download: no network, proxy, moved URL ...
            missing = _missing(d, config.data_dir())
            if missing:
                raise _unavailable(d, missing, config.data_dir()) from e
            raise


@contextmanager
def _cache_lock(name: str) -> Iterator[None]:
    """An exclusive lock on one dataset's cache, across processes (``flock`` on a file in
    the cache). Written here because PyG does not lock its ``processed/`` files. Where
    ``fcntl`` does not exist (Windows) it does nothing."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    path = config.data_dir() / ".locks" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---- node-level data ----

@lru_cache(maxsize=8)
def _load_graph(name: str, data_root: str) -> Data:
    d = DATASETS[name]
    if name == "KarateClub":
        from torch_geometric.datasets import KarateClub
        return KarateClub()[0]
    if d.family == "OGB":
        return _ogb_graph(d)
    # GCN (Kipf & Welling 2017) row-normalises the bag-of-words features, and so do we unless
    # the dataset's protocol says otherwise (its published numbers came without).
    steps = ([T.LargestConnectedComponents()] if d.largest_component else []) + (
        [T.NormalizeFeatures()] if d.row_normalised else [])
    return _pyg_dataset(d, transform=T.Compose(steps))[0]


def _pyg_stored() -> list:
    from torch_geometric.data import data as pyg_data
    from torch_geometric.data import storage

    return [pyg_data.Data, pyg_data.DataEdgeAttr, pyg_data.DataTensorAttr, storage.GlobalStorage,
            storage.NodeStorage, storage.EdgeStorage, storage.BaseStorage]


def _ogb_graph(d: DatasetInfo) -> Data:
    """An OGB node dataset through the ``ogb`` package, with its split as masks and its edges
    made undirected (as OGB's GCN and GraphSAGE baselines do)."""
    try:
        os.environ.setdefault("OUTDATED_IGNORE", "1")  # ogb would ask PyPI for a newer version
        from ogb.nodeproppred import PygNodePropPredDataset
    except ImportError:
        raise DatasetUnavailable(f"{d.title} loads through the ogb package, which is not installed: "
                                 f"pip install -r requirements-large.txt (or pip install ogb).") from None
    with _cache_lock(d.name):
        root = _ensure_raw(d)
        try:
            # ogb 1.3.6 reads back the PyG objects it wrote with torch.load's default, which
            # since torch 2.6 refuses classes it was not told of: these, from our own cache.
            with torch.serialization.safe_globals(_pyg_stored()):
                dataset = PygNodePropPredDataset(d.name, root=str(root))
        except Exception as e:
            missing = _missing(d, config.data_dir())
            if missing:
                raise _unavailable(d, missing, config.data_dir()) from e
            raise
        split = dataset.get_idx_split()
    data = T.ToUndirected()(dataset[0])
    data.y = data.y.view(-1)
    for mask, part in (("train_mask", "train"), ("val_mask", "valid"), ("test_mask", "test")):
        data[mask] = torch.zeros(data.num_nodes, dtype=torch.bool)
        data[mask][split[part]] = True
    return data


def load_node_data(name: str, seed: int = 0, **options) -> Data:
    """A graph with ``train_mask``, ``val_mask``, ``test_mask`` for node classification.

    Planetoid datasets keep the public split whatever the seed; Amazon, Coauthor and the
    synthetic graph draw the Shchur et al. (2018) per-class split from ``seed`` (for the
    synthetic graph ``train_per_class`` of them train, 20 unless set).
    ``options`` are the synthetic graph's knobs (see :func:`csbm`).
    """
    d = info(name, "node")
    train_per_class = options.pop("train_per_class", 20)
    if d.name == "CSBM":
        data = csbm(seed=seed, **options)
    elif d.family == "user":  # its own split: the file's, or drawn from the seed
        from gnncore.gnn.data import userdata

        data = userdata.load(d.name, seed)
    else:
        data = _load_graph(d.name, str(config.data_dir())).clone()
    if d.splits:
        if not 0 <= seed < d.splits:
            raise SpecError(f"{d.title} has {d.splits} fixed splits, one per seed: use seeds 0 to {d.splits - 1}.")
        data.train_mask, data.val_mask, data.test_mask = (m[:, seed].clone() for m in
                                                          (data.train_mask, data.val_mask, data.test_mask))
    elif d.family in ("Amazon", "Coauthor") or d.name == "CSBM":
        data.train_mask, data.val_mask, data.test_mask = per_class_split(data.y, train_per_class, 30, seed)
    elif d.name == "KarateClub":
        data.val_mask, data.test_mask = _halves(~data.train_mask, seed)
    data.num_classes = int(data.y.max()) + 1
    return data


def per_class_split(y: torch.Tensor, train_per_class: int, val_per_class: int, seed: int):
    """Shchur et al. (2018): per class, ``train_per_class`` train and ``val_per_class``
    validation nodes at random; every other node is a test node.

    Written here because PyG's RandomNodeSplit draws validation nodes over all classes
    together, not per class.
    """
    g = torch.Generator().manual_seed(seed)
    masks = [torch.zeros_like(y, dtype=torch.bool) for _ in range(3)]
    for c in range(int(y.max()) + 1):
        idx = (y == c).nonzero().view(-1)
        idx = idx[torch.randperm(len(idx), generator=g)]
        masks[0][idx[:train_per_class]] = True
        masks[1][idx[train_per_class:train_per_class + val_per_class]] = True
    masks[2] = ~(masks[0] | masks[1])
    return tuple(masks)


def _halves(mask: torch.Tensor, seed: int):
    idx = mask.nonzero().view(-1)
    idx = idx[torch.randperm(len(idx), generator=torch.Generator().manual_seed(seed))]
    a, b = torch.zeros_like(mask), torch.zeros_like(mask)
    a[idx[: len(idx) // 2]] = True
    b[idx[len(idx) // 2:]] = True
    return a, b


CSBM_NODES, CSBM_CLASSES = 1000, 4  # the synthetic graph's size unless set


def csbm(nodes: int = CSBM_NODES, classes: int = CSBM_CLASSES, avg_degree: float = 10.0, homophily: float = 0.8,
         signal: float = 1.0, features: int = 32, seed: int = 0) -> Data:
    """Contextual stochastic block model (Deshpande et al. 2018), built in: no file needed.

    ``homophily`` is the expected fraction of edges joining two nodes of the same class;
    ``signal`` scales the class means of the Gaussian features against unit noise, so 0
    leaves the features uninformative and only the graph can tell classes apart.
    Written here because PyG's StochasticBlockModelDataset writes files and has no
    homophily knob.
    """
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(nodes) % classes
    y = y[torch.randperm(nodes, generator=g)]
    means = torch.randn(classes, features, generator=g)
    means = means / means.norm(dim=1, keepdim=True)
    x = signal * means[y] + torch.randn(nodes, features, generator=g) / features ** 0.5
    # Each undirected edge picks a source uniformly, then a target of the same class with
    # probability `homophily`, else of another class.
    m = int(nodes * avg_degree / 2)
    src = torch.randint(nodes, (m,), generator=g)
    same = torch.rand(m, generator=g) < homophily
    by_class = [(y == c).nonzero().view(-1) for c in range(classes)]
    shift = torch.randint(1, classes, (m,), generator=g)
    target_class = torch.where(same, y[src], (y[src] + shift) % classes)
    dst = torch.empty(m, dtype=torch.long)
    for c in range(classes):
        sel = target_class == c
        pool = by_class[c]
        dst[sel] = pool[torch.randint(len(pool), (int(sel.sum()),), generator=g)]
    keep = src != dst
    edge_index = torch.stack([src[keep], dst[keep]])
    from torch_geometric.utils import coalesce, to_undirected
    edge_index = coalesce(to_undirected(edge_index), num_nodes=nodes)
    return Data(x=x, edge_index=edge_index, y=y, num_nodes=nodes)


def load_tu(name: str):
    """A TU graph-classification dataset, with the node features Errica et al. (2020) used.

    IMDB-BINARY has none: one-hot degree instead. ENZYMES keeps its 18 continuous node
    attributes beside the 3 one-hot labels (21 features; PyG drops the attributes unless
    ``use_node_attr``), as Errica et al.'s baseline of 65.2 needs them.
    """
    d = info(name, "graph")
    kwargs = {}
    if d.name == "IMDB-BINARY":  # no node features: one-hot degree, max degree 135
        kwargs["pre_transform"] = T.OneHotDegree(135)
    if d.name == "ENZYMES":
        kwargs["use_node_attr"] = True
    dataset = _pyg_dataset(d, **kwargs)
    if dataset.num_features != d.features:
        # processed/ was written from fewer raw files (an older cache without the node
        # attributes): PyG only checks the transforms, so process again once.
        shutil.rmtree(dataset.processed_dir, ignore_errors=True)
        dataset = _pyg_dataset(d, **kwargs)
    return dataset
