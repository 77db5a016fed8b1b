"""The fixed-pattern sparse products give torch's own numbers, with the transpose built once."""

import torch
import torch.nn.functional as F

from gnncore.gnn.kernels import sparse


def _random_csr(rows=60, cols=40, density=0.1, seed=0):
    g = torch.Generator().manual_seed(seed)
    dense = torch.rand(rows, cols, generator=g)
    dense[torch.rand(rows, cols, generator=g) > density] = 0
    return dense, dense.to_sparse_csr()


def test_transposed_is_the_transpose_and_is_built_once():
    dense, a = _random_csr()
    assert torch.equal(sparse.transposed(a).to_dense(), dense.t())
    pattern = getattr(a, "_gnncore_transpose")
    sparse.transposed(a)
    assert getattr(a, "_gnncore_transpose") is pattern


def test_with_values_keeps_the_pattern_and_its_transpose():
    dense, a = _random_csr()
    sparse.fix(a)
    doubled = sparse.with_values(a, a.values() * 2)
    assert getattr(doubled, "_gnncore_transpose") is getattr(a, "_gnncore_transpose")
    assert torch.equal(sparse.transposed(doubled).to_dense(), 2 * dense.t())


def test_mm_and_linear_gradients_equal_torchs_bit_for_bit():
    _, a = _random_csr(60, 60)
    x = torch.randn(60, 8)
    g = torch.randn(60, 8)
    ours, theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
    sparse.mm(a, ours).backward(g)
    torch.sparse.mm(a, theirs).backward(g)
    assert torch.equal(ours.grad, theirs.grad)

    _, features = _random_csr(60, 40)
    w = torch.randn(8, 40)
    ours, theirs = w.clone().requires_grad_(), w.clone().requires_grad_()
    out = sparse.linear(features, ours)
    out.backward(g)
    F.linear(features, theirs).backward(g)
    assert torch.equal(out, F.linear(features, w)) and torch.equal(ours.grad, theirs.grad)


def test_edge_aggregate_is_the_attention_weighted_sum_with_its_gradients():
    g = torch.Generator().manual_seed(1)
    n, e, heads, c = 30, 150, 3, 4
    edge_index = torch.randint(n, (2, e), generator=g)
    alpha = torch.rand(e, heads, generator=g, dtype=torch.float64).requires_grad_()
    x = torch.randn(n, heads, c, generator=g, dtype=torch.float64).requires_grad_()
    expected = torch.zeros(n, heads, c, dtype=torch.float64).index_add_(
        0, edge_index[1], alpha.unsqueeze(-1) * x[edge_index[0]])
    assert torch.allclose(sparse.edge_aggregate(edge_index, alpha, x), expected)
    assert torch.autograd.gradcheck(lambda a, b: sparse.edge_aggregate(edge_index, a, b), (alpha, x))


def test_by_target_sorts_edges_and_points_at_each_targets_segment():
    edge_index = torch.tensor([[2, 0, 1, 3, 0], [1, 2, 0, 1, 1]])
    out = sparse.by_target(edge_index, 4)
    assert out[1].tolist() == [0, 1, 1, 1, 2]
    assert out[0, 1:4].tolist() == [0, 2, 3]  # sources in order within a target
    assert sparse.target_pointer(out).tolist() == [0, 1, 4, 5, 5]
    assert sparse.target_pointer(edge_index) is None


def test_gat_softmax_over_segments_equals_the_scatter_softmax():
    from torch_geometric.utils import softmax

    g = torch.Generator().manual_seed(2)
    edge_index = sparse.by_target(torch.randint(20, (2, 80), generator=g), 20)
    logits = torch.randn(80, 2, generator=g)
    by_segment = softmax(logits, edge_index[1], sparse.target_pointer(edge_index), 20)
    by_scatter = softmax(logits, edge_index[1], None, 20)
    assert torch.allclose(by_segment, by_scatter, atol=1e-6)


def test_block_diagonal_of_any_sizes_with_its_transpose_joined_from_the_parts():
    parts = [_random_csr(r, c, seed=k) for k, (r, c) in enumerate([(5, 7), (1, 3), (9, 4), (6, 6)])]
    for _, a in parts:
        sparse.fix(a)
    block = sparse.block_diagonal([a for _, a in parts])
    assert torch.equal(block.to_dense(), torch.block_diag(*[d for d, _ in parts]))
    joined = getattr(block, "_gnncore_transpose")
    made = sparse._pattern(block)  # what a fresh sort of the block's pattern gives
    assert torch.equal(joined.crow, made.crow) and torch.equal(joined.col, made.col)
    assert torch.equal(joined.order, made.order) and joined.size == made.size
    # Parts without their transposes: the block computes its own when it first needs it.
    plain = sparse.block_diagonal([d.to_sparse_csr() for d, _ in parts])
    assert getattr(plain, "_gnncore_transpose", None) is None
    assert torch.equal(sparse.transposed(plain).to_dense(), block.to_dense().t())


def test_joined_edges_are_the_disjoint_graph_by_target():
    g = torch.Generator().manual_seed(3)
    sizes = [4, 1, 6]
    parts = [sparse.by_target(torch.randint(n, (2, 3 * n), generator=g), n) for n in sizes]
    joined = sparse.joined_edges(parts, sizes)
    shifted = torch.cat([e + start for e, start in zip(parts, [0, 4, 5])], 1)
    expected = sparse.by_target(shifted, sum(sizes))
    assert torch.equal(joined, expected)
    assert torch.equal(sparse.target_pointer(joined), sparse.target_pointer(expected))
