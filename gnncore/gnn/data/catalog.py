"""The built-in datasets: one entry each, with its loader, split rule and protocol."""

from __future__ import annotations

import torch_geometric.transforms as T

from gnncore.gnn.data import csl, motifs, splits, synthetic, trees
from gnncore.gnn.data.entry import DatasetInfo
from gnncore.gnn.data.loaders import karate_club, published_graph

__all__ = ["DATASETS"]


def _planetoid(name, nodes, edges, features, classes, split, mb):
    stem = name.lower()
    files = tuple(f"ind.{stem}.{s}" for s in ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index"))
    return DatasetInfo(name, name, "Planetoid", ("node", "link"), nodes, edges, features, classes,
                       f"public Planetoid split {split}", "Yang et al. 2016 (Planetoid); Kipf & Welling 2017",
                       mb, 1, files, loader=published_graph)


_SHCHUR_LCC = ("largest connected component ({lcc:,} nodes), raw features; random per class: 20 train / "
               "30 validation, rest test (Shchur et al. 2018)")
_TU = "stratified 10-fold cross-validation (Errica et al. 2020)"
_GEOM = "the 10 Geom-GCN splits, 60 / 20 / 20 per class (Pei et al. 2020): seed i trains on split i"


def _shchur(name, title, family, nodes, edges, features, classes, lcc, mb, file):
    return DatasetInfo(name, title, family, ("node",), nodes, edges, features, classes,
                       _SHCHUR_LCC.format(lcc=lcc), "Shchur et al. 2018", mb, 1, (file,), "shchur",
                       loader=published_graph, split_rule=splits.shchur)


def _geom(name, family, nodes, edges, features, stem, mb, title=None):
    files = ("out1_node_feature_label.txt", "out1_graph_edges.txt",
             *(f"{stem}_split_0.6_0.2_{i}.npz" for i in range(10)))
    return DatasetInfo(name, title or f"WebKB {name}", family, ("node",), nodes, edges, features, 5, _GEOM,
                       "Pei et al. 2020 (Geom-GCN); heterophilous", mb, 1, files, "geom", splits=10,
                       loader=published_graph, split_rule=splits.fixed)


def _large(name, title, family, nodes, edges, features, classes, split, source, mb, files):
    return DatasetInfo(name, title, family, ("node",), nodes, edges, features, classes, split, source, mb, 1,
                       files, "published", loader=published_graph)


def _tu(name, graphs, nodes, edges, features, classes, mb, files, node_names=(), **pyg_options):
    return DatasetInfo(name, name, "TUDataset", ("graph",), nodes, edges, features, classes, _TU,
                       "Morris et al. 2020 (TUDataset)", mb, graphs, tuple(f"{name}_{f}.txt" for f in files),
                       node_names=node_names, pyg_options=pyg_options)


DATASETS: dict[str, DatasetInfo] = {d.name: d for d in [
    # GAE takes Cora's and CiteSeer's 0/1 bag of words raw; PubMed's are TF-IDF values.
    _planetoid("Cora", 2708, 10556, 1433, 7, "140 / 500 / 1000", 0.6),
    _planetoid("CiteSeer", 3327, 9104, 3703, 6, "120 / 500 / 1000", 1.0),
    _planetoid("PubMed", 19717, 88648, 500, 3, "60 / 500 / 1000", 8.6),
    _shchur("Computers", "Amazon Computers", "Amazon", 13752, 491722, 767, 10, 13381, 3.4,
            "amazon_electronics_computers.npz"),
    _shchur("Photo", "Amazon Photo", "Amazon", 7650, 238162, 745, 8, 7487, 1.8, "amazon_electronics_photo.npz"),
    _shchur("CS", "Coauthor CS", "Coauthor", 18333, 163788, 6805, 15, 18333, 2.8, "ms_academic_cs.npz"),
    _geom("Cornell", "WebKB", 183, 298, 1703, "cornell", 0.1),
    _geom("Texas", "WebKB", 183, 325, 1703, "texas", 0.1),
    _geom("Wisconsin", "WebKB", 251, 515, 1703, "wisconsin", 0.1),
    _geom("Actor", "Actor", 7600, 30019, 932, "film", 6.0, title="Actor (film co-occurrence)"),
    # Graphs too big for full batch on a laptop (the counts are PyG's and OGB's documented ones;
    # the mirror does not carry them yet, so they download on first use where there is a network).
    _large("ogbn-arxiv", "ogbn-arxiv (OGB)", "OGB", 169343, 2315598, 128, 40,
           "OGB's split by year: papers to 2017 train, 2018 validation, 2019 test (Hu et al. 2020); "
           "edges made undirected, features as published",
           "Hu et al. 2020 (Open Graph Benchmark)", 81.0,
           ("RELEASE_v1.txt", *(f"raw/{f}.csv.gz" for f in ("edge", "node-feat", "node-label", "node_year",
                                                             "num-edge-list", "num-node-list")),
            *(f"split/time/{f}.csv.gz" for f in ("train", "valid", "test")))),
    _large("Flickr", "Flickr", "Flickr", 89250, 899756, 500, 7,
           "the published split, 50% / 25% / 25% of the images (Zeng et al. 2020, GraphSAINT)",
           "Zeng et al. 2020 (GraphSAINT)", 220.0, ("adj_full.npz", "feats.npy", "class_map.json", "role.json")),
    _large("Reddit", "Reddit", "Reddit", 232965, 114615892, 602, 41,
           "the published split: posts of the first 20 days train, the rest validation and test "
           "(Hamilton et al. 2017)", "Hamilton et al. 2017 (GraphSAGE)", 1300.0,
           ("reddit_data.npz", "reddit_graph.npz")),
    DatasetInfo("KarateClub", "Zachary's karate club", "builtin", ("node",), 34, 156, 34, 4,
                "4 labelled nodes train; the rest split in half, validation / test",
                "Zachary 1977", loader=karate_club, split_rule=splits.halves),
    synthetic.ENTRY,
    *motifs.ENTRIES.values(),
    # MUTAG's one-hot node labels are these atoms, in this order (its README in the TU collection).
    _tu("MUTAG", 188, 3371, 7442, 7, 2, 0.1, ("A", "graph_indicator", "graph_labels", "node_labels"),
        node_names=("C", "N", "O", "F", "I", "Cl", "Br")),
    motifs.BA_2MOTIFS,
    _tu("PROTEINS", 1113, 43471, 162088, 3, 2, 2.8, ("A", "graph_indicator", "graph_labels", "node_labels")),
    # ENZYMES keeps its 18 continuous node attributes beside the 3 one-hot labels (PyG drops
    # them unless ``use_node_attr``), as Errica et al.'s baseline of 65.2 needs them.
    _tu("ENZYMES", 600, 19580, 74564, 21, 6, 4.9,
        ("A", "graph_indicator", "graph_labels", "node_labels", "node_attributes"), use_node_attr=True),
    # IMDB-BINARY has no node features: one-hot degree instead (Errica et al.), max degree 135.
    _tu("IMDB-BINARY", 1000, 19773, 193062, 136, 2, 4.7, ("A", "graph_indicator", "graph_labels"),
        pre_transform=T.OneHotDegree(135)),
    csl.ENTRY,
    trees.ENTRY,
]}
