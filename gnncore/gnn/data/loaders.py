"""Loaders of the published datasets: PyG's classes, OGB's package, PyG's karate club.

A node dataset's loader (:data:`gnncore.gnn.data.entry.Loader`) gives its graph with the
masks it ships; the graph is made once per cache folder and each caller gets a copy.
"""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import contextmanager, redirect_stderr
from functools import lru_cache
from typing import Iterator

import torch
import torch_geometric.transforms as T
from torch_geometric.data import Data

from gnncore import config
from gnncore.gnn.data.entry import UNNAMED, DatasetInfo
from gnncore.gnn.data.mirror import cache_lock, ensure_raw, missing, unavailable
from gnncore.spec import DatasetUnavailable

__all__ = ["clear_cache", "karate_club", "published_graph", "pyg_dataset", "tu_dataset"]


def pyg_dataset(d: DatasetInfo, **kwargs):
    """The dataset through its PyG class, its raw files first made present (mirror, download)."""
    from torch_geometric import datasets as pyg

    # Copying from the mirror and PyG's processing write the cache: one process at a time
    # (the page's worker processes, or the page and the CLI, may ask at once).
    with cache_lock(d.name):
        root = ensure_raw(d)
        cls = getattr(pyg, d.family)
        try:
            with _quiet_processing():
                return cls(str(root), **kwargs) if d.family in UNNAMED else cls(str(root), d.name, **kwargs)
        except Exception as e:  # a failed download: no network, proxy, moved URL ...
            lacking = missing(d, config.data_dir())
            if lacking:
                raise unavailable(d, lacking, config.data_dir()) from e
            raise


class _DropProcessingLines:
    """Stderr without PyG's "Processing..." and "Done!" lines (its dataset classes print them
    on first use and take no ``log`` argument); every other line passes through."""

    def __init__(self, stream):
        self.stream = stream
        self.dropped = False  # print() writes the line's end apart: drop that too

    def write(self, text: str) -> int:
        ending = self.dropped and text == "\n"
        self.dropped = text.strip() in ("Processing...", "Done!")
        if self.dropped or ending:
            return len(text)
        return self.stream.write(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


@contextmanager
def _quiet_processing() -> Iterator[None]:
    with redirect_stderr(_DropProcessingLines(sys.stderr)):
        yield


def published_graph(d: DatasetInfo, seed: int, options: dict) -> Data:
    """The loader of a published graph: the same graph whatever the seed."""
    return _graph(d, str(config.data_dir())).clone()


def karate_club(d: DatasetInfo, seed: int, options: dict) -> Data:
    """The loader of PyG's built-in karate club (no file)."""
    return _karate().clone()


def clear_cache() -> None:
    """Forget the graphs made so far (after the cache folder changed)."""
    _graph.cache_clear()
    _karate.cache_clear()


@lru_cache(maxsize=1)
def _karate() -> Data:
    from torch_geometric.datasets import KarateClub
    return KarateClub()[0]


def raw_features(d: DatasetInfo):
    """The node features as the dataset's files give them, where its loader row-normalises
    them (GAE takes PubMed's TF-IDF as given); None where the loaded features are as given."""
    if d.loader is not published_graph or not d.row_normalised or d.family == "OGB":
        return None
    return _graph(d, str(config.data_dir()), normalised=False).x.clone()


@lru_cache(maxsize=8)
def _graph(d: DatasetInfo, data_root: str, normalised: bool = True) -> Data:
    if d.family == "OGB":
        return _ogb_graph(d)
    # GCN (Kipf & Welling 2017) row-normalises the bag-of-words features, and so do we unless
    # the dataset's protocol says otherwise (its published numbers came without).
    steps = ([T.LargestConnectedComponents()] if d.largest_component else []) + (
        [T.NormalizeFeatures()] if d.row_normalised and normalised else [])
    return pyg_dataset(d, transform=T.Compose(steps))[0]


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
    with cache_lock(d.name):
        root = ensure_raw(d)
        try:
            # ogb 1.3.6 reads back the PyG objects it wrote with torch.load's default, which
            # since torch 2.6 refuses classes it was not told of: these, from our own cache.
            with torch.serialization.safe_globals(_pyg_stored()):
                dataset = PygNodePropPredDataset(d.name, root=str(root))
        except Exception as e:
            lacking = missing(d, config.data_dir())
            if lacking:
                raise unavailable(d, lacking, config.data_dir()) from e
            raise
        split = dataset.get_idx_split()
    data = T.ToUndirected()(dataset[0])
    data.y = data.y.view(-1)
    for mask, part in (("train_mask", "train"), ("val_mask", "valid"), ("test_mask", "test")):
        data[mask] = torch.zeros(data.num_nodes, dtype=torch.bool)
        data[mask][split[part]] = True
    return data


def tu_dataset(d: DatasetInfo):
    """A TU graph-classification dataset with the options its entry declares (Errica et al.'s
    node features); a built-in one (BA-2Motifs) from its loader."""
    if d.loader is not None:
        return d.loader(d, 0, {})
    dataset = pyg_dataset(d, **d.pyg_options)
    if dataset.num_features != d.features:
        # processed/ was written from fewer raw files (an older cache without the node
        # attributes): PyG only checks the transforms, so process again once.
        shutil.rmtree(dataset.processed_dir, ignore_errors=True)
        dataset = pyg_dataset(d, **d.pyg_options)
    return dataset
