"""Graph positional and structural encodings: what tells apart nodes that message passing
cannot, added to every node's input features, for every model of the node and graph tasks.

- ``laplacian``: the ``laplacian_k`` eigenvectors of the normalised Laplacian with the
  smallest non-zero eigenvalues (Dwivedi et al. 2020, Benchmarking GNNs), from PyG's
  ``AddLaplacianEigenvectorPE``. An eigenvector's sign is arbitrary, so training flips each
  one at random per graph and step (their sign-flip augmentation); evaluation reads them as
  computed. A graph with fewer nodes than ``laplacian_k`` + 1 gets zeros in the columns it
  has no eigenvector for, as Dwivedi et al. pad small molecules.
- ``random-walk``: the probability of a random walk of 1 .. ``walk_length`` steps returning
  to its start (RWSE, Dwivedi et al. 2022), from PyG's ``AddRandomWalkPE``; no sign to flip.

The encoding is part of a run's spec (``graph_encoding`` and its knob), so runs with and
without it are stored apart. Unset and ``none`` are one and the same: :data:`GRAPH_ENCODING`
declares ``none`` absent, so the runs stored before encodings existed keep their keys.
"""

from __future__ import annotations

from typing import Mapping

import torch
import torch_geometric.transforms as T
from torch_geometric.data import Data

from gnncore.gnn.kernels import sparse
from gnncore.protocol import Setting
from gnncore.spec import SpecError

__all__ = ["DEFAULTS", "GRAPH_ENCODING", "LAPLACIAN_K", "SETTINGS", "WALK_LENGTH", "defaults", "encode",
           "encoding", "flip_signs", "signs", "validate", "width", "with_encoding"]

NONE, LAPLACIAN, RANDOM_WALK = "none", "laplacian", "random-walk"
GRAPH_ENCODING = Setting(
    "graph_encoding", "Graph encoding", type=str, scope="run", absent=NONE,
    choices={NONE: "none: constant or the dataset's features only",
             LAPLACIAN: "Laplacian eigenvectors (Dwivedi et al. 2020)",
             RANDOM_WALK: "random-walk return probabilities (RWSE, Dwivedi et al. 2022)"},
    help="Positional or structural encoding appended to every node's features: what lets a model "
         "tell apart nodes (and graphs) that message passing and 1-WL cannot.")
LAPLACIAN_K = Setting("laplacian_k", "Laplacian eigenvectors (k)", type=int, low=1, high=64, step=1, scope="run",
                      with_value=("graph_encoding", LAPLACIAN), suggested=20,
                      help="How many eigenvectors of the Laplacian (smallest non-zero eigenvalues) each node "
                           "gets; their signs flip at random in training. With --graph-encoding laplacian.")
WALK_LENGTH = Setting("walk_length", "Walk length", type=int, low=1, high=64, step=1, scope="run",
                      with_value=("graph_encoding", RANDOM_WALK), suggested=20,
                      help="Random-walk steps whose return probability each node gets (RWSE). With "
                           "--graph-encoding random-walk.")
SETTINGS = (GRAPH_ENCODING, LAPLACIAN_K, WALK_LENGTH)
KNOB = {LAPLACIAN: LAPLACIAN_K, RANDOM_WALK: WALK_LENGTH}
# Dwivedi et al. 2020 give each CSL node 20 Laplacian eigenvectors (graphdeeplearning/
# benchmarking-gnns, configs/CSL_graph_classification_GIN_CSL_PE_100k.json: pos_enc_dim 20);
# RWSE of 20 steps is PyG's GPS example's (examples/graph_gps.py: AddRandomWalkPE(walk_length=20)).
DEFAULTS = {LAPLACIAN_K.name: LAPLACIAN_K.suggested, WALK_LENGTH.name: WALK_LENGTH.suggested}


def encoding(params: Mapping) -> str:
    return params.get(GRAPH_ENCODING.name) or NONE


def defaults(params: Mapping) -> dict:
    """The knob of the encoding a spec asks for, at its default; nothing without one."""
    knob = KNOB.get(encoding(params))
    return {knob.name: DEFAULTS[knob.name]} if knob else {}


def validate(params: Mapping) -> None:
    """A knob only with its encoding: k without the Laplacian would change the key and nothing else."""
    chosen = encoding(params)
    for name, knob in KNOB.items():
        if knob.name in params and name != chosen:
            raise SpecError(f"{knob.label} ({knob.name}) applies to --graph-encoding {name} only; leave it "
                            f"unset or choose that encoding.")


def width(params: Mapping) -> int:
    """Features the encoding adds to every node."""
    knob = KNOB.get(encoding(params))
    return int(params[knob.name]) if knob else 0


def encode(data: Data, params: Mapping) -> torch.Tensor | None:
    """The encoding of every node of ``data`` ([N, width]), or None without one."""
    chosen, n = encoding(params), data.num_nodes
    if chosen == NONE:
        return None
    plain = Data(edge_index=data.edge_index, num_nodes=n)
    if chosen == RANDOM_WALK:
        return T.AddRandomWalkPE(int(params[WALK_LENGTH.name]), attr_name="pe")(plain).pe.float()
    k = int(params[LAPLACIAN_K.name])
    out = torch.zeros(n, k)
    if n > 1:
        # PyG's transform draws a random sign per eigenvector from the global stream: drawn
        # here from a fixed one, so the stored encoding is the same every time.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            pe = T.AddLaplacianEigenvectorPE(min(k, n - 1), attr_name="pe", is_undirected=True)(plain).pe
        out[:, :pe.size(1)] = pe.float()
    return out


def with_encoding(data: Data, params: Mapping) -> Data:
    """``data`` with the encoding appended to its features (as computed: no sign flipped)."""
    pe = encode(data, params)
    if pe is not None:
        data.x = torch.cat([data.x.float(), pe], dim=1)
    return data


def signs(params: Mapping, graphs: int, generator: torch.Generator) -> torch.Tensor | None:
    """Random +-1 per graph and eigenvector ([graphs, k]) for the Laplacian encoding in
    training; None for an encoding without signs."""
    if encoding(params) != LAPLACIAN:
        return None
    k = int(params[LAPLACIAN_K.name])
    return torch.randint(0, 2, (graphs, k), generator=generator).float() * 2 - 1


def flip_signs(x: torch.Tensor, flips: torch.Tensor, graph_of: torch.Tensor | None = None) -> torch.Tensor:
    """``x`` (dense or sparse CSR) with its last ``k`` columns (the eigenvectors) times
    ``flips`` [graphs, k] of each node's graph (``graph_of`` [N]; None: one graph)."""
    k = flips.size(1)
    per_node = flips[graph_of] if graph_of is not None else flips.expand(x.size(0), k)
    factor = torch.cat([torch.ones(x.size(0), x.size(1) - k, device=x.device), per_node.to(x.device)], dim=1)
    if x.layout != torch.sparse_csr:
        return x * factor
    rows = torch.repeat_interleave(torch.arange(x.size(0), device=x.device), x.crow_indices().diff())
    return sparse.with_values(x, x.values() * factor[rows, x.col_indices()])
