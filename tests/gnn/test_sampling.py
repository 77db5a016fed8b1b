"""Neighbour-sampled mini-batches: what the sampler keeps, that it reproduces, that training on
them learns; the peak-memory figure and the device plumbing."""

import pytest
import torch
from torch_geometric.sampler import NodeSamplerInput

from gnncore.gnn.tasks import node
from gnncore.gnn.data.synthetic import csbm
from gnncore.gnn.kernels.memory import PeakMemory
from gnncore.gnn.data.sampling import NeighbourSampler, loader, parse_fanout
from gnncore.runs import resolve
from gnncore.spec import RunSpec, SpecError


def _sample(seed=1, fanout=(4, 3)):
    data = csbm(nodes=600, seed=0)
    return data, NeighbourSampler(data, list(fanout), seed=seed).sample_from_nodes(
        NodeSamplerInput(None, torch.arange(20)))


def test_every_sampled_edge_is_in_the_graph_and_fanout_bounds_each_node():
    data, out = _sample()
    edges = set(map(tuple, data.edge_index.t().tolist()))
    ids = out.node
    assert all((int(ids[r]), int(ids[c])) in edges for r, c in zip(out.row, out.col))
    assert ids[:20].tolist() == list(range(20)) and ids.unique().numel() == ids.numel()
    into = torch.bincount(out.col, minlength=ids.numel())
    hop1 = slice(20, 20 + out.num_sampled_nodes[1])
    assert into[:20].max() <= 4 and into[hop1].max() <= 3
    degree = torch.bincount(data.edge_index[1], minlength=data.num_nodes)
    assert torch.equal(into[:20], degree[:20].clamp(max=4))  # all of a node's edges when it has few
    assert out.num_sampled_edges == [int(into[:20].sum()), int(into[hop1].sum())]


def test_the_same_seed_draws_the_same_batch_and_another_seed_another():
    _, a = _sample(seed=1)
    _, b = _sample(seed=1)
    _, c = _sample(seed=2)
    assert torch.equal(a.node, b.node) and torch.equal(a.row, b.row) and torch.equal(a.col, b.col)
    assert not (a.node.numel() == c.node.numel() and torch.equal(a.node, c.node))


def test_the_loader_batches_every_training_node_once_seeds_first():
    data = csbm(nodes=600, seed=0)
    seeds = torch.arange(0, 600, 3)
    batches = list(loader(data, seeds, 64, [5, 5], seed=0))
    covered = torch.cat([b.n_id[:b.batch_size] for b in batches])
    assert sorted(covered.tolist()) == seeds.tolist()
    assert all(torch.equal(b.y, data.y[b.n_id]) for b in batches)


def test_fanout_parsing_says_what_is_wrong():
    assert parse_fanout("25,10", 2) == [25, 10] and parse_fanout("7", 3) == [7, 7, 7]
    with pytest.raises(ValueError, match="one per layer"):
        parse_fanout("25,10", 3)
    with pytest.raises(ValueError, match="whole numbers above 0"):
        parse_fanout("25,0", 2)


def test_sampled_graphsage_learns_csbm_about_as_well_as_full_batch():
    spec = dict(nodes=2000, train_per_class=100, epochs=15)
    full = node.train(resolve(RunSpec.make("node", "CSBM", "sage", 0, **spec)), keep=False)
    sampled = node.train(resolve(RunSpec.make("node", "CSBM", "sage", 0, batch_size=128, fanout="10,5", **spec)),
                         keep=False)
    assert sampled.metrics["test_accuracy"] > 0.9
    assert abs(sampled.metrics["test_accuracy"] - full.metrics["test_accuracy"]) < 0.05
    again = node.train(resolve(RunSpec.make("node", "CSBM", "sage", 0, batch_size=128, fanout="10,5", **spec)),
                       keep=False)
    assert [h["loss"] for h in again.history] == [h["loss"] for h in sampled.history]
    assert sampled.metrics["peak_mb"] >= 0


@pytest.mark.parametrize("model", ["gcn", "gat", "mlp"])
def test_every_node_model_trains_on_sampled_batches(model):
    r = node.train(resolve(RunSpec.make("node", "CSBM", model, 0, nodes=800, train_per_class=50, epochs=3,
                                        batch_size=64)), keep=False)
    assert r.metrics["epochs_run"] == 3 and r.metrics["test_accuracy"] > 0.25


def test_batch_settings_are_checked_in_one_sentence():
    with pytest.raises(SpecError, match="set a batch size too"):
        resolve(RunSpec.make("node", "Cora", "sage", 0, fanout="10,5"))
    with pytest.raises(SpecError, match="3 entries for 2 layers"):
        resolve(RunSpec.make("node", "Cora", "sage", 0, batch_size=64, fanout="10,5,2"))
    with pytest.raises(SpecError, match="need at least"):
        resolve(RunSpec.make("node", "CSBM", "sage", 0, nodes=100, train_per_class=50))


def test_peak_memory_sees_a_large_allocation():
    with PeakMemory() as m:
        block = torch.ones(64 * 2 ** 20 // 4)  # 64 MB, touched
        block += 1
        del block
    assert 40 < m.peak_mb < 200


def test_cuda_is_refused_in_one_sentence_without_a_gpu_and_trains_with_one():
    spec = RunSpec.make("node", "CSBM", "gcn", 0, nodes=200, epochs=2, device="cuda")
    if not torch.cuda.is_available():
        with pytest.raises(SpecError, match="no GPU"):
            resolve(spec)
        pytest.skip("no CUDA device here: the refusal is what can be checked")
    r = node.train(resolve(spec), keep=True)
    assert r.metrics["epochs_run"] == 2 and r.artifacts["model"]


@pytest.mark.parametrize("task,dataset,extra", [("link", "Cora", {}),
                                                ("graph", "MUTAG", dict(folds=2))])
def test_link_and_graph_take_the_device_too(task, dataset, extra):
    spec = RunSpec.make(task, dataset, "gcn", 0, epochs=2, device="cuda", **extra)
    if not torch.cuda.is_available():
        with pytest.raises(SpecError, match="no GPU"):
            resolve(spec)
        pytest.skip("no CUDA device here: the refusal is what can be checked")
    from gnncore.runs import engine
    r = engine(task).train(resolve(spec))
    assert r.metrics["epochs_run"] == 2
