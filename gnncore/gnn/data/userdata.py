"""The user's own graph: two CSV files, checked, stored under the data cache, loaded as a
node-classification (and link-prediction) dataset beside the built-in ones.

The file format (README, "Your own graph")::

    edges.csv   source,target        one row per edge, the ids of its two nodes; edges are
                                     taken as undirected (each row joins both ways), repeats
                                     count once; self-loops are dropped (the dataset's source
                                     line counts them and the repeated rows); other columns
                                     are ignored
    nodes.csv   id,label,<features>[,split]
                id       whole numbers 0 .. N-1, each once (N = the number of rows), any order
                label    the node's class: 0 .. C-1, every class with a node
                split    optional: train, val or test for every node; without it each run
                         draws 60 / 20 / 20 per class from its seed, so every class needs
                         the few nodes that takes (4; splits.per_class_fractions_minimum)
                every other column is a feature, a finite number, used as given (not normalised)

:func:`add` checks both files and answers every problem in one sentence each
(:class:`UserDataError`); nothing is stored unless all is well. A dataset lives in
``<data cache>/user/<NAME>/`` (the tensors, a ``meta.json`` and copies of the two files),
written to a temporary folder first and renamed into place, so a reader sees all or nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import torch
from torch_geometric.data import Data

from gnncore import config
from gnncore.gnn.data.catalog import DATASETS
from gnncore.gnn.data.entry import DatasetInfo
from gnncore.gnn.data.splits import per_class_fractions, per_class_fractions_minimum
from gnncore.gnn.data.userfiles import Source, UserDataError, graph_from_files
from gnncore.spec import SpecError

__all__ = ["FOLDER", "RANDOM_SPLIT", "Source", "TASKS", "UserDataError", "UserDataset", "add", "check",
           "csv_files", "datasets", "entries", "find", "load", "random_split", "remove", "root"]

FOLDER = "user"
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
RANDOM_SPLIT = (0.6, 0.2)  # train, validation per class; the rest is test
RANDOM_SPLIT_TEXT = "random per class: 60 / 20 / 20 train / validation / test, drawn by each run's seed"
GIVEN_SPLIT_TEXT = "as given in the file's split column ({train} / {val} / {test}), the same for every seed"
TASKS = ("node", "link")


@dataclass(frozen=True)
class UserDataset:
    name: str
    nodes: int
    edges: int          # directed, as PyG counts them (each undirected edge twice)
    features: int
    classes: int
    split: str          # "given" or "random"
    split_counts: tuple[int, int, int]
    added: float
    size_bytes: int
    # Rows of the edge file dropped on adding (datasets added before these were counted: 0).
    self_loops: int = 0
    duplicate_edges: int = 0

    @property
    def split_text(self) -> str:
        if self.split == "given":
            train, val, test = self.split_counts
            return GIVEN_SPLIT_TEXT.format(train=train, val=val, test=test)
        return RANDOM_SPLIT_TEXT

    @property
    def dropped(self) -> str:
        """What of the edge file the graph leaves out, as "5 self-loops and 2 duplicate edges
        dropped" ("" when nothing)."""
        parts = [f"{count:,} {word}{'s' if count != 1 else ''}"
                 for count, word in ((self.self_loops, "self-loop"), (self.duplicate_edges, "duplicate edge"))
                 if count]
        return " and ".join(parts) + " dropped" if parts else ""

    @property
    def source(self) -> str:
        added = f"your files, added {time.strftime('%Y-%m-%d %H:%M', time.localtime(self.added))}"
        return f"{added}; {self.dropped}" if self.dropped else added


def root() -> Path:
    """Where added datasets live: ``user/`` in the data cache (never in the repository)."""
    return config.data_dir() / FOLDER


# ---- the registry: what is there ----

def datasets() -> dict[str, UserDataset]:
    """Every added dataset by name, in the order added. Read again only when the folder changed."""
    folder = root()
    try:
        stamp = folder.stat().st_mtime_ns
    except OSError:
        return {}
    return dict(_scan(str(folder), stamp))


@lru_cache(maxsize=8)
def _scan(folder: str, stamp: int) -> tuple[tuple[str, UserDataset], ...]:
    found = []
    for entry in sorted(Path(folder).iterdir()):
        if entry.name.startswith(".") or not (entry / "meta.json").is_file():
            continue  # a temporary folder of an add or a removal under way
        try:
            meta = json.loads((entry / "meta.json").read_text())
            found.append(UserDataset(**{**meta, "split_counts": tuple(meta["split_counts"])}))
        except (OSError, ValueError, TypeError, KeyError):
            continue  # not one of ours
    return tuple((d.name, d) for d in sorted(found, key=lambda d: d.added))


def find(name: str) -> UserDataset | None:
    """The added dataset of that name, in any case."""
    return next((d for d in datasets().values() if d.name.lower() == str(name).lower()), None)


def entries() -> dict[str, DatasetInfo]:
    """Every added dataset as a dataset entry (family ``user``), its split its own: the
    file's, or drawn from the seed."""
    return {d.name: DatasetInfo(d.name, d.name, "user", TASKS, d.nodes, d.edges, d.features, d.classes,
                                d.split_text, d.source, d.size_bytes / 2 ** 20, loader=_loader)
            for d in datasets().values()}


def _loader(d: DatasetInfo, seed: int, options: dict) -> Data:
    return load(d.name, seed)


# ---- checking a name and two files ----

def check(name: str, edges: Source, nodes: Source, edges_label: str = "the edge file",
          nodes_label: str = "the node file") -> tuple[Data, dict, bytes, bytes]:
    """Check a name and two files; the graph, its ``meta`` and the two files' bytes.

    Raises :class:`UserDataError` with one sentence per problem found.
    """
    problems: list[str] = []
    if not NAME.match(str(name)):
        problems.append(f"The name '{name}' cannot be used; use 1 to 40 letters, digits, '-' or '_', "
                        "starting with a letter.")
    elif str(name).lower() in {d.lower() for d in DATASETS}:
        builtin = next(d for d in DATASETS if d.lower() == str(name).lower())
        problems.append(f"The name '{name}' is taken by the built-in dataset {builtin}; choose another.")
    elif find(name) is not None:
        problems.append(f"A dataset named '{find(name).name}' was added before; remove it first "
                        f"(python -m gnncore datasets remove {find(name).name}) or choose another name.")
    graph = graph_from_files(name, edges, nodes, edges_label, nodes_label, problems)
    if "split" not in graph[0]:
        _check_splittable(graph[0].y, nodes_label)
    return graph


def _check_splittable(y: torch.Tensor, nodes_label: str) -> None:
    """Every class large enough for :data:`RANDOM_SPLIT` to give training, validation and
    test one of its nodes: a smaller class left runs with no test node (a 2-node graph trained,
    scored nothing and drew empty charts). The file's own split column is the way around it."""
    least = per_class_fractions_minimum(*RANDOM_SPLIT)
    sizes = torch.bincount(y)
    small = [(c, int(k)) for c, k in enumerate(sizes.tolist()) if 0 < k < least]
    if not small:
        return
    named = [f"class {c} has {k} node{'s' if k != 1 else ''}" for c, k in small[:3]]
    if len(small) > 3:
        named.append(f"{len(small) - 3} more classes have fewer than {least}")
    train, val = (round(100 * f) for f in RANDOM_SPLIT)
    raise UserDataError([f"{nodes_label}: {', '.join(named[:-1]) + ' and ' if len(named) > 1 else ''}"
                         f"{named[-1]}, but each run's random split ({train} / {val} / {100 - train - val} per "
                         f"class) needs at least {least} nodes in every class to give training, validation "
                         "and test one each; add nodes to the small classes, merge them into others, or give "
                         "the file a split column (train, val or test per node)."])


# ---- storing, removing, loading ----

def add(name: str, edges: Source, nodes: Source, edges_label: str = "the edge file",
        nodes_label: str = "the node file") -> UserDataset:
    """Check the files and store them as dataset ``name``; nothing is stored on any problem."""
    data, meta, edge_bytes, node_bytes = check(name, edges, nodes, edges_label, nodes_label)
    folder = root()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder, prefix=f".{name}.adding-"))
    try:
        tensors = {"x": data.x, "y": data.y, "edge_index": data.edge_index}
        if "split" in data:
            tensors["split"] = data.split
        torch.save(tensors, tmp / "graph.pt")
        (tmp / "edges.csv").write_bytes(edge_bytes)
        (tmp / "nodes.csv").write_bytes(node_bytes)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would hide it from other users of the cache
        os.rename(tmp, folder / name)  # fails if another process added the same name meanwhile
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if (folder / name).exists():
            raise UserDataError([f"A dataset named '{name}' was added meanwhile; choose another name."]) from None
        raise UserDataError([f"The dataset could not be stored under {folder} ({e.strerror or e})."]) from None
    return find(name)


def remove(name: str) -> UserDataset:
    """Delete an added dataset's folder (renamed aside first, so it vanishes at once)."""
    found = find(name)
    if found is None:
        names = ", ".join(datasets()) or "none yet"
        raise UserDataError([f"No added dataset is named '{name}'; the added ones: {names}."])
    folder = root()
    aside = Path(tempfile.mkdtemp(dir=folder, prefix=f".{found.name}.removing-"))
    os.rename(folder / found.name, aside / found.name)
    shutil.rmtree(aside, ignore_errors=True)
    return found


def load(name: str, seed: int = 0) -> Data:
    """The graph with ``train_mask``, ``val_mask``, ``test_mask``: the file's split, or one
    drawn per class from ``seed`` (:data:`RANDOM_SPLIT`)."""
    found = find(name)
    if found is None:
        raise SpecError(f"No added dataset is named '{name}'.")
    path = root() / found.name / "graph.pt"
    data = _tensors(str(path), path.stat().st_mtime_ns).clone()
    if "split" in data:
        data.train_mask, data.val_mask, data.test_mask = (data.split == i for i in range(3))
        del data.split
    else:
        data.train_mask, data.val_mask, data.test_mask = random_split(data.y, seed)
    return data


@lru_cache(maxsize=4)
def _tensors(path: str, stamp: int) -> Data:
    t = torch.load(path, weights_only=True)
    data = Data(x=t["x"], y=t["y"], edge_index=t["edge_index"], num_nodes=t["x"].size(0))
    if "split" in t:
        data.split = t["split"]
    return data


def random_split(y: torch.Tensor, seed: int):
    """Per class, :data:`RANDOM_SPLIT` of its nodes for training and validation, the rest for
    testing, drawn from ``seed`` (at least one training node per class)."""
    return per_class_fractions(y, *RANDOM_SPLIT, seed)


def csv_files(data: Data, split: bool = False) -> tuple[bytes, bytes]:
    """A graph written out in this format: ``(edges.csv, nodes.csv)`` as bytes; with
    ``split`` its ``train_mask`` / ``val_mask`` / ``test_mask`` as the split column."""
    edges = pd.DataFrame({"source": data.edge_index[0].numpy(), "target": data.edge_index[1].numpy()})
    nodes = pd.DataFrame({"id": range(data.num_nodes), "label": data.y.numpy()})
    features = pd.DataFrame(data.x.numpy(), columns=[f"f{j}" for j in range(data.x.size(1))])
    nodes = pd.concat([nodes, features], axis=1)
    if split:
        words = pd.Series("test", index=nodes.index)
        words[data.train_mask.numpy()] = "train"
        words[data.val_mask.numpy()] = "val"
        nodes["split"] = words
    return edges.to_csv(index=False).encode(), nodes.to_csv(index=False).encode()
