"""Seeds trained as one batch give each seed's result alone (gnncore.gnn.tasks.node_seeds), and the
executor groups them into batches (gnncore.runs.jobs)."""

import io

import pytest
import torch

from gnncore import runs
from gnncore.gnn.tasks import link
from gnncore.gnn.tasks import link_seeds
from gnncore.gnn.tasks import node
from gnncore.gnn.tasks import node_seeds as seeds
from gnncore.gnn.kernels.batched import Seeds
from gnncore.runs import resolve
from gnncore.spec import Cancelled, RunSpec, one_thread
from mirror import needs_mirror

pytestmark = needs_mirror("Planetoid/Cora")


def cora(model, seed, **hp):
    return resolve(RunSpec.make("node", "Cora", model, seed, **hp))


@pytest.mark.parametrize("model", ["gcn", "sage", "gat", "appnp", "mlp"])
def test_a_seed_in_a_batch_gives_its_result_alone(model):
    # Early stopping on: the seeds stop at different epochs and must each stop as alone.
    specs = [cora(model, s, epochs=40, patience=8) for s in (0, 1, 2)]
    with one_thread():  # as every run trains (gnncore.runs): the thread count orders the sums
        alone = [node.train(s) for s in specs]
        together = seeds.train_seeds(specs)
    assert len({r.metrics["epochs_run"] for r in alone}) > 1 or model == "mlp"
    for a, b in zip(alone, together):
        assert b.spec == a.spec
        for name in ("test_accuracy", "val_accuracy", "train_accuracy", "best_epoch", "epochs_run", "params"):
            assert round(b.metrics[name], 4) == round(a.metrics[name], 4), name
        assert b.metrics["mad"] == pytest.approx(a.metrics["mad"], abs=1e-5)
        assert b.history == a.history  # every loss and accuracy of every epoch, to the bit
        wa = torch.load(io.BytesIO(a.artifacts["model"]), weights_only=True)
        wb = torch.load(io.BytesIO(b.artifacts["model"]), weights_only=True)
        assert wa.keys() == wb.keys()
        assert all(torch.equal(wa[k], wb[k]) for k in wa)
        assert set(b.artifacts) == set(a.artifacts)  # the embedding snapshots too


def test_a_stopped_seed_stops_updating_while_the_others_train():
    specs = [cora("gcn", s, epochs=60, patience=5) for s in (0, 1, 2, 3)]
    together = seeds.train_seeds(specs)
    runs_ = [r.metrics["epochs_run"] for r in together]
    assert min(runs_) < max(runs_)  # they stopped apart; each equals its run alone (above)
    alone = node.train(specs[runs_.index(min(runs_))])
    assert alone.metrics["epochs_run"] == min(runs_)


def test_each_seed_draws_its_own_dropout_from_its_own_stream():
    gens = [torch.Generator().manual_seed(s) for s in (0, 1)]
    x = torch.ones(2, 5, 4)  # [S, N, C]
    out = Seeds(gens).dropout(x, 0.5)
    torch.manual_seed(0)
    assert torch.equal(out[0], x[0] * ((torch.rand(5, 4) >= 0.5) / 0.5))
    assert not torch.equal(out[0], out[1])


def test_the_executor_batches_the_seeds_of_a_run_and_keeps_the_rest_alone():
    todo = list(enumerate([cora("gcn", s) for s in range(10)] + [cora("gat", s) for s in range(3)]
                          + [resolve(RunSpec.make("node", "CSBM", "gcn", s)) for s in range(2)]
                          + [cora("appnp", s) for s in range(2)]))
    jobs = runs.jobs(todo)
    assert [len(j) for j in jobs] == [10, 3, 1, 1, 2]  # CSBM draws a graph per seed
    assert sorted(i for j in jobs for i, _ in j) == list(range(17))
    # Two workers and one batch: each takes half.
    assert [len(j) for j in runs.jobs(todo[:10], workers=2)] == [5, 5]
    # A mini-batched run trains alone: a sampled subgraph is another one per seed.
    assert seeds.together(cora("sage", 0, batch_size=64)) is None


def test_run_all_reports_progress_per_seed_and_stores_each_run():
    store = runs.RunStore()
    specs = [cora("gcn", s, epochs=3) for s in range(3)]
    seen = set()
    results = list(runs.run_all(specs, store, on_progress=lambda p: seen.add((p.run_index, p.spec.seed))))
    assert sorted(r.spec.seed for r in results) == [0, 1, 2]
    assert seen == {(0, 0), (1, 1), (2, 2)}
    assert all(store.get(s) is not None for s in specs)


def test_a_stop_reaches_a_batch():
    specs = [cora("gcn", s, epochs=50) for s in range(2)]
    with pytest.raises(Cancelled):
        node.train_together(specs, should_stop=lambda: True)


def test_seeds_that_share_no_graph_train_one_by_one_with_their_own_results():
    specs = [resolve(RunSpec.make("node", "CSBM", "gcn", s, epochs=5)) for s in (0, 1)]
    assert seeds.train_seeds(specs, keep=False) is None
    together = node.train_together(specs, keep=False)
    alone = [node.train(s, keep=False) for s in specs]
    assert [r.metrics["test_accuracy"] for r in together] == [r.metrics["test_accuracy"] for r in alone]


@pytest.mark.parametrize("model", ["gcn", "sage", "gat", "appnp", "mlp"])
def test_a_link_seed_in_a_batch_gives_its_result_alone(model):
    # Each seed splits the edges anew, so each runs on a graph of its own; dropout on to
    # check that each seed's draws follow its own stream after its negative pairs.
    specs = [resolve(RunSpec.make("link", "Cora", model, s, epochs=25, patience=4, dropout=0.3))
             for s in (0, 1, 2)]
    with one_thread():  # as every run trains (gnncore.runs): the thread count orders the sums
        alone = [link.train(s) for s in specs]
        together = link_seeds.train_seeds(specs)
    for a, b in zip(alone, together):
        assert b.spec == a.spec
        for name in ("test_auc", "test_ap", "val_auc", "best_epoch", "epochs_run", "params"):
            assert round(b.metrics[name], 4) == round(a.metrics[name], 4), name
        assert b.history == a.history  # to the bit


def test_the_executor_batches_link_seeds_too():
    specs = [resolve(RunSpec.make("link", "Cora", "gcn", s)) for s in range(4)]
    assert [len(j) for j in runs.jobs(list(enumerate(specs)))] == [4]
    assert link.together(resolve(RunSpec.make("link", "CSBM", "gcn", 0))) is None
