import pytest
import torch
from torch_geometric.nn import GCNConv, SAGEConv

from gnncore.gnn.architectures import GraphModel, build, feature_dropout, graph_input, register
from gnncore.gnn.architectures.gat import GATConvUniformDropout
from gnncore.gnn.architectures.sage import SAGEMeanConv
from gnncore.gnn.architectures.stack import Stacked
from gnncore.gnn.data.synthetic import csbm
from gnncore.runs import resolve
from gnncore.spec import RunSpec


def node_model(arch, in_channels, hidden, out_channels, cached=True, **settings):
    """The node model of a resolved spec, as the tasks build it."""
    spec = resolve(RunSpec.make("node", "CSBM", arch, 0, hidden=hidden, **settings))
    return build(spec, in_channels, out_channels, cached=cached)


@pytest.fixture
def graph():
    data = csbm(nodes=200, features=16, seed=0)
    x = torch.relu(data.x) * (torch.rand_like(data.x) < 0.1)  # mostly zeros, like bag-of-words
    return data, x


def test_sage_mean_conv_equals_pyg_sage_conv(graph):
    data, x = graph
    ours, pyg = SAGEMeanConv(16, 8), SAGEConv(16, 8, aggr="mean")
    pyg.load_state_dict(ours.state_dict())
    adj = graph_input("sage", data.edge_index, data.num_nodes)
    expected = pyg(x, data.edge_index)
    assert torch.allclose(ours(x, adj), expected, atol=1e-5)
    assert torch.allclose(ours(x.to_sparse_csr(), adj), expected, atol=1e-5)


def test_csr_adjacency_gives_pyg_gcn_result(graph):
    data, x = graph
    conv = GCNConv(16, 8)
    adj = graph_input("gcn", data.edge_index, data.num_nodes)
    assert torch.allclose(conv(x.to_sparse_csr(), adj), conv(x, data.edge_index), atol=1e-5)


def test_sparse_feature_dropout_keeps_expected_share_and_rescales():
    torch.manual_seed(0)
    x = torch.ones(200, 100).to_sparse_csr()
    dropped = feature_dropout(x, 0.5, training=True).values()
    kept = dropped[dropped != 0]
    assert abs(len(kept) / 20000 - 0.5) < 0.02
    assert torch.allclose(kept, torch.full_like(kept, 2.0))
    assert feature_dropout(x, 0.5, training=False) is x


@pytest.mark.parametrize("arch", ["gcn", "sage", "gat", "appnp", "mlp"])
def test_output_shape_and_permutation_equivariance(arch, graph):
    data, x = graph
    torch.manual_seed(0)
    model = node_model(arch, 16, 8, 4, cached=False).eval()
    out = model(x, graph_input(arch, data.edge_index, data.num_nodes))
    assert out.shape == (200, 4)
    perm = torch.randperm(200)
    inverse = torch.empty_like(perm)
    inverse[perm] = torch.arange(200)
    permuted_edges = inverse[data.edge_index]
    out_perm = model(x[perm], graph_input(arch, permuted_edges, data.num_nodes))
    assert torch.allclose(out_perm, out[perm], atol=1e-4)


def test_mlp_ignores_the_edges(graph):
    data, x = graph
    model = node_model("mlp", 16, 8, 4).eval()
    no_edges = torch.empty(2, 0, dtype=torch.long)
    assert torch.equal(model(x, graph_input("mlp", data.edge_index, 200)),
                       model(x, graph_input("mlp", no_edges, 200)))


def test_gat_output_layer_averages_heads():
    model = node_model("gat", 16, 8, 4, heads=8, out_heads=1)
    assert model.convs[0].heads == 8 and model.convs[0].concat
    assert model.convs[1].in_channels == 64 and not model.convs[1].concat


def test_dense_feature_dropout_matches_inverted_dropout_statistics():
    torch.manual_seed(0)
    x = torch.ones(500, 200)
    out = feature_dropout(x, 0.6, training=True)
    kept = out[out != 0]
    assert abs(len(kept) / x.numel() - 0.4) < 0.01
    assert torch.allclose(kept, torch.full_like(kept, 2.5))
    assert abs(float(out.mean()) - 1.0) < 0.02


def test_gat_attention_dropout_keeps_rows_summing_to_one_in_expectation(graph):
    data, x = graph
    conv = GATConvUniformDropout(16, 4, heads=2, dropout=0.5, add_self_loops=False)
    edges = graph_input("gat", data.edge_index, data.num_nodes)
    conv.eval()
    _, (_, alpha) = conv(x, edges, return_attention_weights=True)
    totals = torch.zeros(200, 2).index_add_(0, edges[1], alpha)
    assert torch.allclose(totals, torch.ones(200, 2), atol=1e-5)
    conv.train()
    torch.manual_seed(0)
    _, (_, dropped) = conv(x, edges, return_attention_weights=True)
    assert 0.4 < float((dropped == 0).float().mean()) < 0.6 and conv.dropout == 0.5


def test_gat_drops_each_source_nodes_features_once_for_all_its_edges():
    """As the GAT authors' code: the transformed features of a node are dropped once (per
    head and channel) before aggregation, after the attention logits were computed from
    them; eval mode is PyG's GATConv exactly."""
    from torch_geometric.nn import GATConv

    torch.manual_seed(0)
    conv = GATConvUniformDropout(3, 4, heads=2, dropout=0.5, add_self_loops=False)
    reference = GATConv(3, 4, heads=2, add_self_loops=False)
    reference.load_state_dict(conv.state_dict())
    x = torch.randn(4, 3)
    star = torch.tensor([[0, 0, 0], [1, 2, 3]])  # node 0 sends to 1, 2 and 3 (one edge each)
    assert torch.allclose(conv.eval()(x, star), reference(x, star))
    conv.train()
    x_src = torch.ones(4, 2, 4)
    alpha = torch.ones(3, 2)  # attention 1 on every edge: a receiver gets its sender's features
    torch.manual_seed(0)
    out = conv.propagate(star, x=(x_src, x_src), alpha=alpha).view(4, 2, 4)
    assert torch.equal(out[1], out[2]) and torch.equal(out[2], out[3])  # one mask for node 0
    assert set(out[1].unique().tolist()) <= {0.0, 2.0}  # inverted dropout at rate 0.5
    draws = torch.stack([conv.propagate(star, x=(x_src, x_src), alpha=alpha)[1] for _ in range(2000)])
    assert abs(float(draws.mean()) - 1.0) < 0.03


def test_appnp_propagates_the_mlp_prediction_by_personalised_pagerank(graph):
    """With alpha 1 every step teleports home, so APPNP is its MLP; with alpha 0.1 and K steps
    the output is the K-step power iteration H <- (1 - alpha) A_hat H + alpha Z (its Eq. 3)."""
    from torch_geometric.nn.conv.gcn_conv import gcn_norm

    data, x = graph
    adj = graph_input("appnp", data.edge_index, data.num_nodes)
    torch.manual_seed(0)
    model = node_model("appnp", 16, 8, 4, layers=3, alpha=1.0).eval()
    z = model.convs[1](torch.relu(model.convs[0](x)))
    assert torch.allclose(model(x, adj), z, atol=1e-6)

    model.propagate.alpha = 0.1
    index, weight = gcn_norm(data.edge_index, num_nodes=data.num_nodes)
    a_hat = torch.sparse_coo_tensor(index.flip(0), weight, (200, 200)).to_dense()
    h = z
    for _ in range(3):
        h = 0.9 * a_hat @ h + 0.1 * z
    model.propagate._cached_adj_t = model.propagate._cached_edge_index = None
    assert torch.allclose(model(x, adj), h, atol=1e-5)


def test_the_registry_builds_each_architecture_for_its_tasks():
    from gnncore.gnn.architectures import ARCHITECTURES, architectures

    assert list(architectures("node")) == ["gcn", "sage", "gat", "appnp", "gcnii", "gps", "mlp"]
    assert list(architectures("graph")) == ["gcn", "sage", "gat", "gin", "gps", "mlp"]
    assert ARCHITECTURES["appnp"].defaults["node"]["layers"] == 10  # K = 10, Gasteiger et al.
    with pytest.raises(ValueError, match="not a graph-level architecture"):
        GraphModel("appnp", 3, 2, {})


def test_capabilities_are_declared_and_register_refuses_one_without_its_method():
    from gnncore.gnn.architectures import ARCHITECTURES

    assert [n for n, a in ARCHITECTURES.items() if a.batched_seeds] == ["gcn", "sage", "gat", "appnp", "mlp"]
    assert [n for n, a in ARCHITECTURES.items() if a.inside_weights] == ["gcn", "sage", "gat", "appnp", "gcnii"]

    class Unfinished(Stacked):
        name, batched_seeds = "unfinished", True

        def conv(self, layer):
            return torch.nn.Identity()

    with pytest.raises(TypeError, match="batched_seeds but defines no batched_layer"):
        register(Unfinished)
    assert "unfinished" not in ARCHITECTURES
