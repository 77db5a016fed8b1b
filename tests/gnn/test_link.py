import pandas as pd
import pytest
import torch

from gnncore.cli import main
from gnncore.gnn.tasks import link
from gnncore.gnn.data.datasets import load_node_data
from gnncore.runs import resolve
from gnncore.spec import Cancelled, RunSpec, SpecError
from mirror import needs_mirror

LINK_COLUMNS = ["dataset", "task", "model", "seed", "test_auc", "test_ap", "val_auc", "best_epoch",
                "epochs_run", "ms_per_epoch", "params"]


def spec(model="gcn", dataset="CSBM", seed=0, **hp):
    return resolve(RunSpec.make("link", dataset, model, seed, **hp))


def pair_set(edge_index):
    """Undirected pairs as a set of (min, max) tuples."""
    lo, hi = edge_index.min(0).values, edge_index.max(0).values
    return set(zip(lo.tolist(), hi.tolist()))


def check_split(s, undirected_edges):
    val, test = int(0.05 * undirected_edges), int(0.10 * undirected_edges)
    assert s.val_pos.size(1) == s.val_neg.size(1) == val
    assert s.test_pos.size(1) == s.test_neg.size(1) == test
    assert s.train_pos.size(1) == undirected_edges - val - test
    # message passing runs over the training edges in both directions, nothing else
    assert s.edge_index.size(1) == 2 * s.train_pos.size(1)
    assert pair_set(s.edge_index) == pair_set(s.train_pos)


def test_csbm_split_is_85_5_10_and_disjoint():
    s = link.split_edges(spec())
    full = load_node_data("CSBM", 0).edge_index
    check_split(s, full.size(1) // 2)
    train, val, test = pair_set(s.train_pos), pair_set(s.val_pos), pair_set(s.test_pos)
    assert not (train & val) and not (train & test) and not (val & test)
    assert train | val | test == pair_set(full)
    # negatives are pairs that are no edge of the whole graph
    assert not (pair_set(s.val_neg) | pair_set(s.test_neg)) & pair_set(full)


@needs_mirror("Planetoid/Cora")
def test_cora_split_sizes():
    s = link.split_edges(spec(dataset="Cora"))
    check_split(s, 5278)
    assert (s.val_pos.size(1), s.test_pos.size(1), s.train_pos.size(1)) == (263, 527, 4488)
    # GAE's raw binary bag of words, not the row-normalised one
    assert set(s.x.unique().tolist()) == {0.0, 1.0}


def test_split_follows_the_seed():
    a, b, c = (link.split_edges(spec(seed=s)) for s in (1, 1, 2))
    assert torch.equal(a.test_pos, b.test_pos) and torch.equal(a.val_neg, b.val_neg)
    assert not torch.equal(a.test_pos, c.test_pos)


def test_no_test_or_validation_edge_reaches_message_passing(monkeypatch):
    seen = []
    real = link.graph_input

    def spy(arch, edge_index, num_nodes):
        seen.append(edge_index.clone())
        return real(arch, edge_index, num_nodes)

    monkeypatch.setattr(link, "graph_input", spy)
    s = link.split_edges(spec())
    link.train(spec(epochs=2))
    assert len(seen) == 1  # one graph, used for training and evaluation alike
    held_out = pair_set(s.val_pos) | pair_set(s.test_pos)
    assert not pair_set(seen[0]) & held_out
    assert pair_set(seen[0]) == pair_set(s.train_pos)


def test_gcn_ranks_held_out_edges_well_above_chance():
    result = link.train(spec("gcn", epochs=60))
    m, history = result.metrics, result.history
    # Chance is 0.5. Edges of this CSBM join same-class nodes 80% of the time, random pairs
    # 25% (4 classes), so knowing the classes perfectly would give an AUC of about 0.78.
    assert m["test_auc"] > 0.68 and m["test_ap"] > 0.65
    best = history[m["best_epoch"] - 1]
    assert (m["test_auc"], m["test_ap"]) == (best["test_auc"], best["test_ap"])
    assert m["val_auc"] == max(h["val_auc"] for h in history)
    assert set(history[0]) == {"epoch", "loss", "val_auc", "val_ap", "test_auc", "test_ap"}


def test_encoder_has_gae_shape_and_no_bias():
    model = link.encoder(spec("gcn"), 32)
    shapes = [tuple(p.shape) for p in model.parameters()]
    assert shapes == [(32, 32), (16, 32)]  # 32 -> 32 -> 16, weights only


def test_same_seed_same_history():
    a, b = (link.train(spec("sage", seed=3, epochs=5)) for _ in range(2))
    assert a.history == b.history


def test_progress_every_epoch_and_cancel_raises():
    seen = []
    with pytest.raises(Cancelled):
        link.train(spec(epochs=50), on_progress=seen.append, should_stop=lambda: len(seen) >= 3)
    assert [p.step for p in seen] == [1, 2, 3] and seen[0].total == 50


@pytest.mark.parametrize("model, dataset, hp, phrase", [
    ("gin", "CSBM", {}, "GIN is a model for graph tasks only; for link tasks choose one of"),
    ("gcn", "MUTAG", {}, "for link tasks"),
    ("gcn", "CSBM", {"embedding": 0}, r"\(embedding\) must be"),
    ("gcn", "CSBM", {"lr": 0}, r"Learning rate \(lr\) must be above 0"),
])
def test_bad_specs_say_what_is_valid(model, dataset, hp, phrase):
    with pytest.raises(SpecError, match=phrase):
        spec(model, dataset, **hp)


def test_cli_link_rows(tmp_path, capsys):
    out = tmp_path / "link.csv"
    rc = main(["gnn", "--task", "link", "--dataset", "CSBM", "--models", "gcn,mlp", "--seeds", "2",
               "--epochs", "3", "--out", str(out)])
    assert rc == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == LINK_COLUMNS and len(frame) == 4
    assert (frame.task == "link").all() and frame.test_auc.between(0, 1).all()
    printed = capsys.readouterr().out
    assert "test_auc" in printed and "test_ap" in printed
