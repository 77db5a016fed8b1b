"""GraphSAGE's neighbour-sampled mini-batches (Hamilton et al. 2017, Alg. 2) through PyG's
loader API.

A batch is ``batch_size`` training nodes (the seeds) and, hop by hop, at most ``fanout[k]``
of the in-neighbours of every node reached at hop k, drawn without replacement; the model
trains on that subgraph and is scored on the seeds only. PyG's own ``NeighborLoader``
needs pyg-lib or torch-sparse, and neither installs here (pyg-lib is not on the package
registry; torch-sparse is a 2023 source build), so where neither is present
:class:`NeighbourSampler` does the same behind PyG's ``BaseSampler`` interface, vectorised
in torch, and PyG's ``NodeLoader`` turns its output into batches. Where one is present,
PyG's sampler is used (:func:`loader`).
"""

from __future__ import annotations

import torch
import torch_geometric.typing
from torch_geometric.data import Data
from torch_geometric.loader import NeighborLoader, NodeLoader
from torch_geometric.sampler import BaseSampler, NodeSamplerInput, SamplerOutput

__all__ = ["NeighbourSampler", "loader", "parse_fanout", "pyg_sampler_available"]


def parse_fanout(text: str, layers: int) -> list[int]:
    """``"25,10"`` as ``[25, 10]``, one entry per layer (one entry serves every layer);
    ValueError with one sentence otherwise."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"Fanout must be whole numbers above 0 separated by commas, such as 25,10; got {text!r}.")
    fanout = [int(p) for p in parts]
    if len(fanout) == 1:
        return fanout * layers
    if len(fanout) != layers:
        raise ValueError(f"Fanout has {len(fanout)} entries for {layers} layers: give one per layer "
                         f"(the seeds' own neighbours first) or one for all.")
    return fanout


def pyg_sampler_available() -> bool:
    return bool(torch_geometric.typing.WITH_PYG_LIB or torch_geometric.typing.WITH_TORCH_SPARSE)


class NeighbourSampler(BaseSampler):
    """Uniform neighbour sampling without replacement, seeded, on any device.

    The graph is held as its incoming edges grouped by target (CSR), so a node's candidates
    are one contiguous range; for the nodes with more than ``fanout`` candidates, one random
    key per candidate, sorted within each node's range, picks ``fanout`` of them at once.
    Nodes are numbered seeds first, then in the order each hop reaches them, as PyG's
    sampler does; an edge of the batch goes from the sampled neighbour to the node it was
    sampled for.
    """

    def __init__(self, data: Data, fanout: list[int], seed: int = 0):
        src, dst = data.edge_index
        n = data.num_nodes
        order = torch.argsort(dst, stable=True)
        self.num_nodes, self.fanout = n, list(fanout)
        self.source = src[order]
        self._permutation = order
        self.ptr = torch.zeros(n + 1, dtype=torch.long, device=src.device)
        self.ptr[1:] = torch.bincount(dst, minlength=n).cumsum(0)
        self.generator = torch.Generator(device=src.device).manual_seed(seed)
        self._local = torch.full((n,), -1, dtype=torch.long, device=src.device)

    @property
    def edge_permutation(self) -> torch.Tensor:
        """CSR position -> edge id, for PyG's ``filter_data``."""
        return self._permutation

    def _sample(self, frontier: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """CSR positions of the kept in-edges of ``frontier`` and, for each, the index of its
        target in ``frontier``."""
        start = self.ptr[frontier]
        deg = self.ptr[frontier + 1] - start
        keep = deg.clamp(max=k)
        device = frontier.device
        owner = torch.repeat_interleave(torch.arange(frontier.numel(), device=device), deg)
        offset = torch.arange(owner.numel(), device=device) - torch.repeat_interleave(deg.cumsum(0) - deg, deg)
        # One random key per candidate; sorting owner + key shuffles each owner's range in
        # place (float64 keeps owners apart up to ~10^7 of them), and the first `keep` of
        # each range are its sample.
        key = torch.rand(owner.numel(), generator=self.generator, dtype=torch.float64, device=device)
        shuffled = torch.argsort(owner.to(torch.float64) + key)
        chosen = shuffled[offset < keep[owner]]
        return start[owner[chosen]] + offset[chosen], owner[chosen]

    def sample_from_nodes(self, inputs: NodeSamplerInput, **kwargs) -> SamplerOutput:
        seeds = inputs.node
        local = self._local
        local[seeds] = torch.arange(seeds.numel(), device=seeds.device)
        nodes, rows, cols, edges = [seeds], [], [], []
        frontier, count = seeds, seeds.numel()
        for k in self.fanout:
            if frontier.numel() == 0:
                rows.append(seeds.new_empty(0))
                cols.append(seeds.new_empty(0))
                edges.append(seeds.new_empty(0))
                nodes.append(seeds.new_empty(0))
                continue
            position, target = self._sample(frontier, k)
            neighbour = self.source[position]
            new = torch.unique(neighbour[local[neighbour] < 0])
            local[new] = torch.arange(count, count + new.numel(), device=seeds.device)
            count += new.numel()
            rows.append(local[neighbour])
            cols.append(local[frontier[target]])
            edges.append(position)
            nodes.append(new)
            frontier = new
        node = torch.cat(nodes)
        local[node] = -1  # ready for the next batch
        return SamplerOutput(node=node, row=torch.cat(rows), col=torch.cat(cols), edge=torch.cat(edges),
                             num_sampled_nodes=[n.numel() for n in nodes],
                             num_sampled_edges=[r.numel() for r in rows], metadata=(inputs.input_id, inputs.time))

    def sample_from_edges(self, inputs, neg_sampling=None):
        raise NotImplementedError("neighbour sampling here serves node classification only")


def loader(data: Data, seeds: torch.Tensor, batch_size: int, fanout: list[int], seed: int):
    """Mini-batches of ``seeds`` (shuffled by a generator of the run's own seed) with their
    sampled neighbourhoods; each batch's first ``batch.batch_size`` nodes are its seeds."""
    order = torch.Generator().manual_seed(seed)
    if pyg_sampler_available():
        return NeighborLoader(data, num_neighbors=fanout, input_nodes=seeds, batch_size=batch_size,
                              shuffle=True, generator=order)
    return NodeLoader(data, node_sampler=NeighbourSampler(data, fanout, seed), input_nodes=seeds,
                      batch_size=batch_size, shuffle=True, generator=order)
