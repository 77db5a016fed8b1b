"""Where message passing fails: CSL as generated, the 1-WL verdicts on the built-in pairs,
the graph encodings as part of a run's key and input, GPS training on nodes and graphs, and
a trained model's embeddings of a pair with and without an encoding."""

from __future__ import annotations

import networkx as nx
import pytest
import torch
from torch_geometric.utils import degree, to_networkx

from gnncore.gnn.data import csl, encodings as enc
from gnncore.gnn.data.datasets import load_graphs
from gnncore.gnn.inside import wl
from gnncore.gnn.inside.pair_embeddings import pair_distance
from gnncore.gnn.tasks import graph, node
from gnncore.gnn.architectures import build
from gnncore.runs import resolve
from gnncore.spec import RunSpec, SpecError


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread, as every run trains (gnncore.spec.one_thread): on a shared machine
    more threads only wait for each other."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def spec(kind="graph", dataset="CSL", model="gin", **hp):
    return resolve(RunSpec.make(kind, dataset, model, 0, **hp))


# ---- CSL ----

def test_csl_is_150_four_regular_circulants_in_ten_classes():
    graphs = load_graphs("CSL")
    assert len(graphs) == 150 and graphs.num_classes == 10 and graphs.num_features == 1
    y = torch.tensor([int(g.y) for g in graphs])
    assert torch.equal(torch.bincount(y), torch.full((10,), 15))
    for g in graphs:
        assert g.num_nodes == 41 and torch.equal(g.x, torch.ones(41, 1))
        assert bool((degree(g.edge_index[0], 41) == 4).all())
    # A graph is its class's circulant with the nodes numbered anew; the classes differ.
    first = to_networkx(graphs[0], to_undirected=True)
    assert nx.is_isomorphic(first, csl.circulant(41, csl.SKIPS[0]))
    assert not nx.is_isomorphic(first, csl.circulant(41, csl.SKIPS[1]))
    assert not torch.equal(graphs[0].edge_index, graphs[1].edge_index)


def test_csl_runs_five_folds_from_the_cli_by_default():
    from gnncore.runs import folds_of

    assert folds_of("graph", "CSL") == 5
    assert folds_of("graph", "MUTAG") == 10


# ---- 1-WL ----

@pytest.mark.parametrize("name, tells_apart", [("csl", False), ("decalin", False), ("hexagon", False),
                                                ("path-star", True)])
def test_wl_verdict_on_each_built_in_pair(name, tells_apart):
    result = wl.refine(wl.PAIRS[name])
    assert result.distinguished is tells_apart
    sentence = wl.verdict(result)
    assert sentence.startswith("1-WL tells" if tells_apart else "1-WL cannot tell")
    frame = result.frame
    g1, g2 = wl.PAIRS[name].graphs()
    assert set(frame["round"]) == set(range(result.rounds + 1))
    assert len(frame[frame["round"] == 0]) == g1.number_of_nodes() + g2.number_of_nodes()
    last = frame[frame["round"] == result.rounds]
    by_colour = [last[last["graph"] == g]["colour"].value_counts().sort_index().tolist()
                 for g in wl.PAIRS[name].names]
    assert (by_colour[0] != by_colour[1]) is tells_apart  # the histograms say the verdict


def test_wl_splits_decalin_by_degree_then_by_distance():
    frame = wl.refine(wl.PAIRS["decalin"]).frame
    deca = frame[frame["graph"] == "decalin"]
    assert deca[deca["round"] == 1]["colour"].nunique() == 2   # degree 3 (bridge heads) and 2
    assert deca[deca["round"] == 2]["colour"].nunique() == 3   # then next to a bridge head or not


# ---- graph encodings ----

def test_encoding_is_part_of_the_key_and_none_is_unset():
    plain, none = spec(), spec(graph_encoding="none")
    lap, rw = spec(graph_encoding="laplacian"), spec(graph_encoding="random-walk")
    assert plain.key == none.key and "graph_encoding" not in plain.params
    assert len({plain.key, lap.key, rw.key, spec(graph_encoding="laplacian", laplacian_k=4).key}) == 4
    assert lap.params["laplacian_k"] == 20 and rw.params["walk_length"] == 20
    with pytest.raises(SpecError, match="laplacian only"):
        spec(laplacian_k=4)
    with pytest.raises(SpecError, match="Graph encoding"):
        spec(graph_encoding="spectral")


def test_encoding_widens_the_input_and_flips_only_eigenvector_signs():
    g = load_graphs("CSL")[0]
    for params, width in (({"graph_encoding": "laplacian", "laplacian_k": 6}, 6),
                          ({"graph_encoding": "random-walk", "walk_length": 5}, 5)):
        assert enc.with_encoding(g.clone(), params).x.shape == (41, 1 + width)
        model = build(spec(**params), 1 + enc.width(params), 10)
        first = next(p for n, p in model.named_parameters() if n.endswith("weight"))
        assert first.shape[1] == 1 + width
    # Random-walk return probabilities: every node of a circulant alike, each a probability.
    pe = enc.encode(g, {"graph_encoding": "random-walk", "walk_length": 5})
    assert torch.allclose(pe, pe[:1].expand_as(pe)) and bool(((pe >= 0) & (pe <= 1)).all())
    # A small graph gets zeros where it has no eigenvector; flips touch the eigenvectors only.
    tiny = wl.PAIRS["hexagon"].first()
    from torch_geometric.utils import from_networkx
    lap = enc.encode(from_networkx(tiny), {"graph_encoding": "laplacian", "laplacian_k": 8})
    assert lap.shape == (6, 8) and bool((lap[:, 5:] == 0).all()) and bool((lap[:, :5] != 0).any())
    x = torch.cat([torch.ones(6, 2), lap], dim=1)
    flips = enc.signs({"graph_encoding": "laplacian", "laplacian_k": 8}, 1, torch.Generator().manual_seed(1))
    out = enc.flip_signs(x, flips)
    assert torch.equal(out[:, :2], x[:, :2]) and torch.equal(out[:, 2:].abs(), x[:, 2:].abs())


# ---- GPS ----

def test_gps_trains_on_graphs_with_an_encoding_and_on_nodes():
    result = graph.train(spec(model="gps", graph_encoding="random-walk", walk_length=8, epochs=3,
                              folds=5, fold=0, hidden=16, layers=2))
    assert result.metrics["epochs_run"] == 3 and 0.0 <= result.metrics["test_accuracy"] <= 1.0
    assert "model" in result.artifacts
    losses = [row["loss"] for row in result.history]
    assert all(map(torch.isfinite, torch.tensor(losses)))
    nodes = node.train(spec("node", "KarateClub", "gps", epochs=5, hidden=8), keep=False)
    assert nodes.metrics["params"] > 0 and len(nodes.history) == 5


def test_gps_attends_within_each_graph_of_a_batch():
    # Two graphs in one batch give each the embedding it gets alone.
    s = spec(model="gps", hidden=8, layers=1)
    model = build(s, 1, 10).eval()
    pair = wl.PAIRS["path-star"]
    from gnncore.gnn.inside.pair_embeddings import _inputs
    x, graph_, batch, n = _inputs(s, pair.graphs())
    both = model.embed(x, graph_, batch, n)
    alone = model.embed(*_inputs(s, (pair.first(), pair.first())))
    assert torch.allclose(both[0], alone[0], atol=1e-5)


# ---- a trained model's embeddings of a pair ----

def test_trained_gin_embeds_a_wl_pair_alike_without_encoding_apart_with_one():
    pair = wl.PAIRS["csl"]
    for params, equal in (({}, True), ({"graph_encoding": "random-walk", "walk_length": 6}, False)):
        s = spec(epochs=2, folds=5, fold=0, hidden=16, layers=2, **params)
        result = graph.train(s)
        distance, norm = pair_distance(s, result.artifacts["model"], pair)
        assert (distance < 1e-4 * max(norm, 1.0)) is equal


def test_the_wl_command_prints_each_verdict_and_writes_the_refinement(tmp_path, capsys):
    import pandas as pd

    from gnncore.cli import main

    assert main(["wl", "--out", str(tmp_path / "wl.csv")]) == 0
    out = capsys.readouterr().out
    assert out.count("1-WL cannot tell") == 3 and out.count("1-WL tells") == 1
    frame = pd.read_csv(tmp_path / "wl.csv")
    assert list(frame.columns) == list(wl.COLUMNS) and set(frame["pair"]) == set(wl.PAIRS)
    assert main(["wl", "--models", "gin"]) == 2  # nothing stored yet: one sentence, no traceback
    assert "No stored CSL run of gin" in capsys.readouterr().err
