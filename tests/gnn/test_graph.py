import pandas as pd
import pytest
import torch
from torch_geometric.data import Batch, Data

from gnncore.cli import main
from gnncore.gnn.tasks import graph
from gnncore.gnn.kernels import sparse
from gnncore.gnn.architectures import build, graph_input
from gnncore.runs import resolve
from gnncore.spec import Cancelled, RunSpec, SpecError
from mirror import needs_mirror

GRAPH_COLUMNS = ["dataset", "task", "model", "fold", "seed", "test_accuracy", "val_accuracy",
                 "best_epoch", "epochs_run", "ms_per_epoch", "params"]
needs_mutag = needs_mirror("TUDataset/MUTAG")


def spec(model="gin", dataset="MUTAG", seed=0, **hp):
    return resolve(RunSpec.make("graph", dataset, model, seed, **hp))


def graph_model(arch, in_channels, hidden, out_channels, **settings):
    """The graph model of a resolved spec, as the task builds it."""
    return build(spec(arch, hidden=hidden, **settings), in_channels, out_channels)


# ---- folds ----

def test_stratified_folds_balance_sizes_and_classes():
    y = torch.tensor([0] * 53 + [1] * 31 + [2] * 16)
    fold_of = graph.stratified_folds(y, 10, seed=0)
    sizes = torch.bincount(fold_of, minlength=10)
    assert sizes.sum() == 100 and sizes.max() - sizes.min() <= 1
    for c in range(3):
        per_fold = torch.bincount(fold_of[y == c], minlength=10)
        assert per_fold.max() - per_fold.min() <= 1
    assert torch.equal(fold_of, graph.stratified_folds(y, 10, seed=0))
    assert not torch.equal(fold_of, graph.stratified_folds(y, 10, seed=1))


def test_fold_split_partitions_and_every_graph_is_tested_once():
    y = torch.tensor([0] * 125 + [1] * 63)  # MUTAG's class sizes
    tested = []
    for k in range(10):
        train, val, test = graph.fold_split(y, 10, k)
        parts = [set(t.tolist()) for t in (train, val, test)]
        assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
        assert len(parts[0] | parts[1] | parts[2]) == 188
        assert len(test) in (18, 19) and len(val) in (16, 17, 18)  # a tenth of the rest
        # stratified: the class ratio of validation and test follows the whole set
        for part in (val, test):
            assert abs(float(y[part].float().mean()) - 63 / 188) < 0.06
        tested += test.tolist()
    assert sorted(tested) == list(range(188))


# ---- the graph-level model ----

def two_graphs():
    g = torch.Generator().manual_seed(0)
    a = Data(x=torch.randn(5, 3, generator=g),
             edge_index=torch.tensor([[0, 1, 1, 2, 3, 4], [1, 0, 2, 1, 4, 3]]))
    b = Data(x=torch.randn(4, 3, generator=g), edge_index=torch.tensor([[0, 1, 2, 3], [1, 0, 3, 2]]))
    return a, b


def run(model, data_list):
    return model(*graph.Graphs(model.arch, data_list).batch(range(len(data_list))))


def three_graphs():
    """Two graphs, and one with a self-loop, a repeated edge and a node without edges."""
    a, b = two_graphs()
    c = Data(x=torch.randn(4, 3, generator=torch.Generator().manual_seed(1)),
             edge_index=torch.tensor([[0, 0, 1, 1, 2, 1], [0, 1, 0, 2, 1, 2]]))
    return [a, b, c]


@pytest.mark.parametrize("arch", ["gcn", "sage", "gat", "gin", "mlp"])
def test_a_batch_of_prepared_graphs_is_what_pyg_collates(arch):
    """Graphs made once and joined give the inputs PyG's Batch and graph_input on it give,
    to the bit and in the same order (GCN's normalised in its layers, as GCNConv would)."""
    from torch_geometric.nn.conv.gcn_conv import gcn_norm

    data_list = three_graphs()
    order = [2, 0, 1, 2]  # a batch in any order, a graph twice
    x, graph_in, batch_of, count = graph.Graphs(arch, data_list).batch(order)
    pyg = Batch.from_data_list([data_list[i] for i in order])
    assert torch.equal(x, pyg.x) and torch.equal(batch_of, pyg.batch) and count == 4
    expected = graph_input(arch, pyg.edge_index, pyg.num_nodes)
    if arch == "gat":
        assert torch.equal(graph_in, expected)
        assert torch.equal(sparse.target_pointer(graph_in), sparse.target_pointer(expected))
        return
    if arch == "gcn":
        expected = gcn_norm(expected, None, pyg.num_nodes, add_self_loops=True, dtype=torch.float)[0]
    for part in ("crow_indices", "col_indices", "values"):
        assert torch.equal(getattr(graph_in, part)(), getattr(expected, part)())


@pytest.mark.parametrize("arch", ["gcn", "sage", "gat", "gin", "mlp"])
@pytest.mark.parametrize("readout", ["mean", "sum", "max"])
def test_graph_model_ignores_node_order(arch, readout):
    torch.manual_seed(0)
    model = graph_model(arch, 3, 8, 2, readout=readout).eval()
    a, b = two_graphs()
    perm = torch.tensor([3, 0, 4, 1, 2])
    inverse = torch.empty_like(perm)
    inverse[perm] = torch.arange(5)
    shuffled = Data(x=a.x[perm], edge_index=inverse[a.edge_index])
    with torch.no_grad():
        assert torch.allclose(run(model, [a, b]), run(model, [shuffled, b]), atol=1e-5)


def test_gcn_does_not_cache_one_batch_for_the_next():
    torch.manual_seed(0)
    model = graph_model("gcn", 3, 8, 2).eval()
    a, b = two_graphs()
    with torch.no_grad():
        alone = run(model, [b])
        run(model, [a])
        assert torch.allclose(run(model, [b]), alone)


def test_mlp_baseline_ignores_edges_and_gin_does_not():
    a, _ = two_graphs()
    cut = Data(x=a.x, edge_index=torch.empty(2, 0, dtype=torch.long))
    for arch, same in [("mlp", True), ("gin", False)]:
        torch.manual_seed(0)
        model = graph_model(arch, 3, 8, 2).eval()
        with torch.no_grad():
            assert torch.allclose(run(model, [a]), run(model, [cut])) == same


# ---- the engine on MUTAG ----

@needs_mutag
def test_gin_on_mutag_beats_the_majority_class():
    result = graph.train(spec("gin", folds=2, fold=0, epochs=15, patience=0))
    m, history = result.metrics, result.history
    assert (m["train_graphs"], m["val_graphs"], m["test_graphs"]) == (84, 10, 94)
    assert m["test_accuracy"] > 0.7  # majority class: 63 of 94 = 0.67; chance 0.5
    assert m["test_accuracy"] == history[m["best_epoch"] - 1]["test_accuracy"]
    assert m["val_accuracy"] == max(h["val_accuracy"] for h in history)
    assert set(history[0]) >= {"epoch", "loss", "train_accuracy", "val_accuracy", "test_accuracy"}


@needs_mutag
def test_same_seed_same_history_and_progress_and_cancel():
    a, b = (graph.train(spec("gcn", folds=2, fold=1, epochs=3)) for _ in range(2))
    assert a.history == b.history
    seen = []
    with pytest.raises(Cancelled):
        graph.train(spec("mlp", folds=2, epochs=40), on_progress=seen.append,
                    should_stop=lambda: len(seen) >= 2)
    assert [p.step for p in seen] == [1, 2] and seen[0].total == 40


@pytest.mark.parametrize("hp, phrase", [
    ({"readout": "avg"}, r"Readout \(readout\) must be one of mean, sum, max, root; got 'avg'"),
    ({"fold": 10}, "Fold must be a whole number from 0 to 9"),
    ({"folds": 1, "fold": 0}, r"Folds \(folds\) must be"),
    ({"batch_size": 0}, r"Batch size \(batch_size\) must be a whole number from 2"),
])
def test_bad_specs_say_what_is_valid(hp, phrase):
    with pytest.raises(SpecError, match=phrase):
        spec(**hp)


def test_gin_is_a_graph_model_only():
    with pytest.raises(SpecError, match="Unknown model 'transformer'"):
        spec("transformer")
    with pytest.raises(SpecError, match="for graph tasks"):
        spec("gin", dataset="Cora")
    with pytest.raises(SpecError, match="GIN is a model for graph tasks only; for node tasks choose one of"):
        resolve(RunSpec.make("node", "CSBM", "gin"))


@needs_mutag
def test_cli_graph_rows_per_model_and_fold(tmp_path, capsys):
    out = tmp_path / "graph.csv"
    rc = main(["gnn", "--task", "graph", "--dataset", "MUTAG", "--models", "gin,mlp", "--folds", "2",
               "--epochs", "2", "--readout", "sum", "--out", str(out)])
    assert rc == 0
    frame = pd.read_csv(out)
    assert list(frame.columns) == GRAPH_COLUMNS and len(frame) == 4
    assert sorted(zip(frame.model, frame.fold)) == [("gin", 0), ("gin", 1), ("mlp", 0), ("mlp", 1)]
    assert (frame.seed == 0).all() and (frame.task == "graph").all()
    printed = capsys.readouterr().out
    assert "2 folds" in printed and "+-" in printed


def test_cli_folds_only_for_graph(capsys):
    assert main(["gnn", "--dataset", "CSBM", "--folds", "3"]) == 2
    assert "--folds does not apply to gnn --task node" in capsys.readouterr().err
