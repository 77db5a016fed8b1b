"""The explanation benchmarks, the explainers, their scores and the explain engine."""

import math

import pandas as pd
import pytest
import torch

from gnncore.gnn.data.motifs import ENTRIES, ba_2motifs, planted
from gnncore.gnn.explain import scores
from gnncore.gnn.explain.engine import MASK_COLUMNS, model_spec
from gnncore.gnn.explain.explainers import EXPLAINERS, explain, explainable, refusal
from gnncore.gnn.architectures import graph_input, restore
from gnncore.gnn.tasks import node
from gnncore.runs import RunStore, grid, run_all
from gnncore.spec import SpecError

# nodes, directed edges in the motifs (each undirected edge twice), classes
SIZES = {"BAShapes": (300 + 80 * 5, 80 * 6 * 2, 4), "TreeCycles": (511 + 60 * 6, 60 * 6 * 2, 2),
         "TreeGrid": (511 + 80 * 9, 80 * 12 * 2, 2)}


@pytest.mark.parametrize("name", list(SIZES))
def test_planted_motifs(name):
    data = planted(name, seed=0)
    nodes, motif_edges, classes = SIZES[name]
    assert data.num_nodes == nodes and int(data.edge_mask.sum()) == motif_edges
    assert int(data.y.max()) + 1 == classes and (data.x == 1).all()
    # every ground-truth edge joins two motif nodes; every motif node has a class but the base's
    src, dst = data.edge_index[:, data.edge_mask.bool()]
    assert (data.node_mask[src] == 1).all() and (data.node_mask[dst] == 1).all()
    assert ((data.y > 0) == data.node_mask.bool()).all()
    assert torch.equal(planted(name, 0).edge_index, data.edge_index)
    assert not torch.equal(planted(name, 1).edge_index, data.edge_index) or name != "BAShapes"


def test_ba_2motifs():
    graphs = ba_2motifs(graphs=6, seed=0)
    # a house is 5 nodes and 6 edges, a cycle 5 nodes and 5 edges, on a 20-node BA graph
    assert [int(g.y) for g in graphs] == [0, 1] * 3
    assert all(g.num_nodes == 25 for g in graphs)
    assert [int(g.edge_mask.sum()) for g in graphs] == [12, 10] * 3


def test_node_entries_split_by_class():
    data = ENTRIES["BAShapes"].load(seed=0)
    assert not (data.train_mask & data.test_mask).any()
    assert abs(int(data.train_mask.sum()) - 0.8 * data.num_nodes) < 8


def test_auc_known_values():
    truth = torch.tensor([0, 0, 1, 1])
    assert scores.mask_auc(torch.tensor([0.1, 0.2, 0.8, 0.9]), truth) == 1.0
    assert scores.mask_auc(torch.tensor([0.9, 0.8, 0.2, 0.1]), truth) == 0.0
    assert scores.mask_auc(torch.ones(4), truth) == 0.5
    assert math.isnan(scores.mask_auc(torch.ones(2), torch.tensor([1, 1])))
    assert scores.characterization(0.0, 0.5) == 0.0
    assert scores.characterization(1.0, 0.0) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def trained():
    """GCN and GAT briefly trained on BA-Shapes, as the explain engine restores them."""
    out = {}
    for model in ("gcn", "gat"):
        spec = model_spec(grid("explain", "BAShapes", [model], 1, explainer="random", epochs=10)[0])
        result = node.train(spec)
        data = ENTRIES["BAShapes"].load(0)
        out[model] = (spec, restore(spec, result.artifacts["model"], data.num_features, data.num_classes), data)
    return out


@pytest.mark.parametrize("model", ["gcn", "gat"])
def test_explainable_model_keeps_its_predictions(trained, model):
    spec, restored, data = trained[model]
    before = restored(data.x, graph_input(model, data.edge_index, data.num_nodes))
    assert torch.allclose(explainable(restored)(data.x, data.edge_index), before, atol=1e-5)


@pytest.mark.parametrize("model", ["gcn", "gat"])
def test_each_explainer_masks_every_edge(trained, model):
    from torch_geometric.utils import k_hop_subgraph
    _, restored, data = trained[model]
    wrapped = explainable(restored)
    # node 400 (a house's) with one hop more than the model's three, as the engine explains it
    subset, edges, (centre,), _ = k_hop_subgraph(400, 4, data.edge_index, relabel_nodes=True)
    reach = k_hop_subgraph(int(centre), 3, edges, num_nodes=len(subset))[3]
    assert not reach.all()
    # every explainer on GCN; on GAT the one only it has, beside the quick ones
    for name in EXPLAINERS if model == "gcn" else ("attention", "saliency", "random"):
        if refusal(name, model):
            continue
        _, explanation = explain(name, wrapped, data.x[subset], edges, int(centre))
        assert explanation.edge_mask.shape == (edges.size(1),)
        if name != "random":  # edges beyond three hops cannot change node 400's prediction
            assert (explanation.edge_mask[~reach] == 0).all() and explanation.edge_mask[reach].any()
        mask = explanation.get("node_mask")
        assert (mask is None) == (EXPLAINERS[name].features is None)


def test_attention_only_for_attention_models():
    assert refusal("attention", "gat") == ""
    said = refusal("attention", "gcn")
    assert said.count(".") == 1 and "GAT" in said and "GCN" in said
    with pytest.raises(SpecError, match="only models that compute attention"):
        grid("explain", "BAShapes", ["sage"], 1, explainer="attention")


def test_hard_keeps_the_top_edges():
    from torch_geometric.explain import Explanation
    e = Explanation(x=torch.ones(3, 1), edge_index=torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]]),
                    edge_mask=torch.tensor([0.1, 0.9, 0.5, 0.2]))
    assert scores.hard(e, 2).edge_mask.tolist() == [0, 1, 1, 0]


def test_runs_are_stored_and_served_again():
    specs = grid("explain", "BAShapes", ["gcn"], 1, explainer="saliency", nodes=4, epochs=30)
    store = RunStore()
    first = list(run_all(specs, store=store))
    again = list(run_all(specs, store=store))
    assert not first[0].cached and again[0].cached
    assert again[0].metrics == pytest.approx(first[0].metrics, nan_ok=True)
    assert 0.5 < first[0].metrics["ground_truth_auc"] <= 1.0  # the planted edges rank high
    masks = pd.DataFrame(store.get(specs[0]).tables["masks"])
    assert list(masks.columns) == list(MASK_COLUMNS) and masks["node"].nunique() == 4


def test_cli_writes_one_row_per_model_explainer_and_seed(tmp_path, capsys):
    from gnncore.cli import main

    out = tmp_path / "scores.csv"
    rc = main(["explain", "--dataset", "BAShapes", "--models", "gcn", "--explainers",
               "gnnexplainer,integrated-gradients,saliency,attention,random", "--seeds", "1", "--nodes", "2",
               "--epochs", "20", "--out", str(out)])
    assert rc == 0
    scores_csv = pd.read_csv(out)
    assert list(scores_csv.columns[:8]) == ["dataset", "model", "explainer", "seed", "ground_truth_auc",
                                           "fidelity_plus", "fidelity_minus", "characterization"]
    # attention does not apply to GCN: four rows, and one sentence that says so
    assert sorted(scores_csv["explainer"]) == sorted(["gnnexplainer", "integrated-gradients", "saliency", "random"])
    assert scores_csv["ground_truth_auc"].between(0, 1).all()
    assert "Attention explains only models that compute attention" in capsys.readouterr().err


def test_cli_bad_explainer_is_one_sentence(capsys):
    from gnncore.cli import main

    assert main(["explain", "--dataset", "BAShapes", "--explainers", "lime"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Unknown explainer 'lime'") and err.count("\n") == 1
