"""The large real graphs (ogbn-arxiv, Flickr, Reddit): registered, one clear sentence when
their files are missing offline, and ogbn-arxiv read through the ogb package from its own
layout (a small graph written in OGB's format stands in for the 81 MB download)."""

import gzip
import importlib.util

import numpy as np
import pytest

from gnncore.gnn.data import datasets
from gnncore.gnn.data.datasets import DATASETS, DatasetUnavailable, availability, load_node_data


@pytest.mark.parametrize("name, first_file", [("ogbn-arxiv", "RELEASE_v1.txt"), ("Flickr", "adj_full.npz"),
                                              ("Reddit", "reddit_data.npz")])
def test_a_large_graph_missing_offline_is_one_sentence(monkeypatch, tmp_path, name, first_file):
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("GNNCORE_MIRROR", str(tmp_path / "empty-mirror"))
    monkeypatch.setenv("GNNCORE_OFFLINE", "1")
    datasets.clear_cache()
    with pytest.raises(DatasetUnavailable) as err:
        load_node_data(name)
    message = str(err.value)
    assert "\n" not in message and message.startswith(DATASETS[name].title)
    if name != "ogbn-arxiv" or importlib.util.find_spec("ogb"):
        assert first_file in message and "GNNCORE_MIRROR" in message and ("MB" in message or "GB" in message)
    else:
        assert "pip install" in message
    assert availability(name) == "not available offline"
    assert not DATASETS[name].row_normalised  # features as published


def _csv_gz(path, rows, fmt):
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as f:
        np.savetxt(f, np.asarray(rows), fmt=fmt, delimiter=",")


@pytest.mark.skipif(not importlib.util.find_spec("ogb"), reason="the ogb package is not installed")
def test_ogbn_arxiv_loads_through_ogb_with_its_split_and_undirected_edges(monkeypatch, tmp_path):
    rng = np.random.default_rng(0)
    n, feats = 30, 128
    edges = np.array([[i, (i + 1) % n] for i in range(n)] + [[0, 15], [3, 20]])  # directed, as OGB ships them
    root = tmp_path / "mirror" / DATASETS["ogbn-arxiv"].raw_subdir
    (root).mkdir(parents=True)
    (root / "RELEASE_v1.txt").write_text("ogbn-arxiv\n")
    _csv_gz(root / "raw" / "edge.csv.gz", edges, "%d")
    _csv_gz(root / "raw" / "node-feat.csv.gz", rng.normal(size=(n, feats)), "%.6f")
    _csv_gz(root / "raw" / "node-label.csv.gz", (np.arange(n) % 40)[:, None], "%d")
    _csv_gz(root / "raw" / "node_year.csv.gz", np.full((n, 1), 2015), "%d")
    _csv_gz(root / "raw" / "num-node-list.csv.gz", [[n]], "%d")
    _csv_gz(root / "raw" / "num-edge-list.csv.gz", [[len(edges)]], "%d")
    for part, idx in (("train", range(0, 20)), ("valid", range(20, 25)), ("test", range(25, 30))):
        _csv_gz(root / "split" / "time" / f"{part}.csv.gz", np.array(list(idx))[:, None], "%d")
    monkeypatch.setenv("GNNCORE_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("GNNCORE_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("GNNCORE_OFFLINE", "1")
    datasets.clear_cache()
    data = load_node_data("ogbn-arxiv")
    assert data.num_nodes == n and data.x.shape == (n, feats) and data.y.shape == (n,)
    assert data.num_edges == 2 * len(edges)  # both directions
    assert (int(data.train_mask.sum()), int(data.val_mask.sum()), int(data.test_mask.sum())) == (20, 5, 5)
    assert bool(data.train_mask[:20].all()) and not bool((data.train_mask & data.test_mask).any())
    assert float(data.x.min()) < 0  # features as published, not row-normalised
    datasets.clear_cache()
