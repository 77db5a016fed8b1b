"""The 1-WL test, live: colour refinement on two graphs side by side (PyG's ``WLConv``).

Every node starts with one colour; each round a node's new colour is its colour and the
multiset of its neighbours' colours, hashed (Weisfeiler & Leman 1968). Two graphs whose
colour histograms differ at some round are not isomorphic, and 1-WL "tells them apart";
once the partition stops splitting and the histograms are still equal, it never will. A
message-passing GNN on constant features is at most as strong (Xu et al. 2019; Morris et
al. 2019): on such a pair every one gives both graphs the same embedding.

The built-in pairs (:data:`PAIRS`) are the classic ones it cannot tell apart, and one it can.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import networkx as nx
import pandas as pd
import torch
from torch_geometric.nn import WLConv
from torch_geometric.utils import from_networkx

__all__ = ["COLUMNS", "PAIRS", "Pair", "Refinement", "refine", "verdict"]

COLUMNS = ("pair", "graph", "round", "node", "colour", "x", "y")


def _decalin() -> nx.Graph:
    """Two six-rings sharing a bond (C10H18's carbons)."""
    g = nx.cycle_graph(6)
    nx.add_path(g, [5, 6, 7, 8, 9, 0])
    return g


def _bicyclopentyl() -> nx.Graph:
    """Two five-rings joined by a bond."""
    g = nx.disjoint_union(nx.cycle_graph(5), nx.cycle_graph(5))
    g.add_edge(0, 5)
    return g


@dataclass(frozen=True)
class Pair:
    """Two graphs to put through 1-WL, with what to notice."""

    name: str
    label: str
    first: Callable[[], nx.Graph]
    second: Callable[[], nx.Graph]
    names: tuple[str, str]
    layout: str      # "circular" (rings) or "kamada_kawai"
    note: str

    def graphs(self) -> tuple[nx.Graph, nx.Graph]:
        return self.first(), self.second()


PAIRS: dict[str, Pair] = {p.name: p for p in [
    Pair("csl", "Two CSL graphs: C(41, {1, 2}) and C(41, {1, 3})",
         lambda: nx.circulant_graph(41, [1, 2]), lambda: nx.circulant_graph(41, [1, 3]),
         ("C(41, {1, 2})", "C(41, {1, 3})"), "circular",
         "Both 4-regular on 41 nodes: every node sees four neighbours of its own colour, so no "
         "round ever splits a colour, yet the skip lengths differ (CSL's classes 0 and 1)."),
    Pair("decalin", "Decalin and bicyclopentyl", _decalin, _bicyclopentyl, ("decalin", "bicyclopentyl"),
         "kamada_kawai",
         "Two rings fused (6 + 6) against two rings joined by a bond (5 + 5): the same degrees and "
         "the same colours round after round, though one has six-rings and the other five-rings."),
    Pair("hexagon", "A hexagon and two triangles", lambda: nx.cycle_graph(6),
         lambda: nx.disjoint_union(nx.cycle_graph(3), nx.cycle_graph(3)), ("hexagon", "two triangles"),
         "circular",
         "Both 2-regular on six nodes; one is connected, the other not, and 1-WL cannot see it."),
    Pair("path-star", "A path and a star (a pair 1-WL can tell apart)", lambda: nx.path_graph(4),
         lambda: nx.star_graph(3), ("path of 4", "star of 4"), "kamada_kawai",
         "Different degrees: the first round already gives the two graphs different colours."),
]}


@dataclass
class Refinement:
    """Colour refinement of a pair: ``frame`` (:data:`COLUMNS`, one row per graph, round and
    node, colours numbered per round in order of first appearance), the round at which the
    histograms first differ (None: never) and the rounds run until the partition was stable."""

    pair: Pair
    frame: pd.DataFrame
    differs_at: int | None
    rounds: int

    @property
    def distinguished(self) -> bool:
        return self.differs_at is not None


def _positions(g: nx.Graph, layout: str) -> dict:
    if layout == "circular":
        # Each connected part on a circle of its own, side by side (two triangles, not one hexagon).
        pos, offset = {}, 0.0
        for part in sorted(nx.connected_components(g), key=min):
            sub = nx.circular_layout(g.subgraph(sorted(part)))
            pos.update({n: (x + offset, y) for n, (x, y) in sub.items()})
            offset += 2.5
        return pos
    return nx.kamada_kawai_layout(g)


def refine(pair: Pair, max_rounds: int | None = None) -> Refinement:
    """1-WL on both graphs of ``pair`` with one shared colour table (a ``WLConv`` over their
    disjoint union), round by round until the partition stops splitting."""
    g1, g2 = pair.graphs()
    union = nx.disjoint_union(g1, g2)
    edge_index = from_networkx(union).edge_index
    n1, n = g1.number_of_nodes(), union.number_of_nodes()
    batch = torch.tensor([0] * n1 + [1] * (n - n1))
    conv = WLConv()
    colours = torch.zeros(n, dtype=torch.long)  # round 0: every node alike (constant features)
    rounds = [colours]
    differs_at = None
    for r in range(1, (max_rounds or n) + 1):
        colours = conv(colours, edge_index)
        rounds.append(colours)
        hist = conv.histogram(colours, batch)
        if differs_at is None and not torch.equal(hist[0], hist[1]):
            differs_at = r
        if len(colours.unique()) == len(rounds[-2].unique()):  # no colour split: stable
            break
    pos = [_positions(g1, pair.layout), _positions(g2, pair.layout)]
    rows = []
    for r, c in enumerate(rounds):
        numbered = {old: i for i, old in enumerate(dict.fromkeys(c.tolist()))}
        for node, colour in enumerate(c.tolist()):
            graph, local = (0, node) if node < n1 else (1, node - n1)
            x, y = pos[graph][local]
            rows.append((pair.name, pair.names[graph], r, local, numbered[colour], float(x), float(y)))
    return Refinement(pair, pd.DataFrame(rows, columns=list(COLUMNS)), differs_at, len(rounds) - 1)


def verdict(result: Refinement) -> str:
    """The verdict in one sentence."""
    a, b = result.pair.names
    if result.distinguished:
        return (f"1-WL tells {a} and {b} apart: their colour histograms differ after round "
                f"{result.differs_at}, so no isomorphism can map one onto the other.")
    return (f"1-WL cannot tell {a} and {b} apart: after {result.rounds} round{'s' if result.rounds != 1 else ''} the colouring is stable "
            f"and both graphs have the same colour histogram, so every message-passing GNN on constant "
            f"features gives them the same embedding.")


def edges_frame(pair: Pair, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per edge of each graph, with its ends' positions (for drawing)."""
    rows = []
    at = frame[frame["round"] == 0].set_index(["graph", "node"])
    for name, g in zip(pair.names, pair.graphs()):
        for u, v in g.edges():
            (x, y), (x2, y2) = at.loc[(name, u), ["x", "y"]], at.loc[(name, v), ["x", "y"]]
            rows.append((pair.name, name, u, v, x, y, x2, y2))
    return pd.DataFrame(rows, columns=["pair", "graph", "source", "target", "x", "y", "x2", "y2"])
