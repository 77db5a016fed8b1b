r"""GPS (Rampasek et al. 2022, "Recipe for a General, Powerful, Scalable Graph Transformer"):
each layer adds a local message-passing step and global attention over every node of the
same graph, then an MLP (PyG's ``GPSConv``):

.. math::
    x^M = \mathrm{BN}(x + \mathrm{GIN}(x, A)), \quad
    x^T = \mathrm{BN}(x + \mathrm{MHA}(x, x, x)), \quad
    x' = \mathrm{BN}\big((x^M + x^T) + \mathrm{MLP}(x^M + x^T)\big)

The attention sees every node of the graph, not only the neighbours, so what tells nodes
apart must come with them: a graph encoding (``--graph-encoding``, gnncore.gnn.data.encodings)
is what makes it more than a message-passing model on constant features.
"""

from __future__ import annotations

from torch import nn
from torch_geometric.nn import GPSConv
from torch_geometric.nn.dense.linear import Linear

from gnncore.gnn.architectures.base import Layer, register
from gnncore.gnn.architectures.gat import ATTENTION_DROPOUT, HEADS
from gnncore.gnn.architectures.gin import FixedGINConv
from gnncore.gnn.architectures.stack import Stacked
from gnncore.protocol import Setting
from gnncore.spec import SpecError

__all__ = ["GPS", "GPSLayer"]


class GPSLayer(nn.Module):
    """One GPS layer of width ``channels`` between linear maps from ``n_in`` and to ``n_out``
    (where they differ from it), so that it stacks like the other layers.

    Local part: GIN's sum through a 2-layer MLP, as in PyG's GPS example
    (examples/graph_gps.py, GINEConv there for ZINC's bond types; GIN here, the graphs
    having no edge features). Global part: ``heads``-head attention with dropout
    ``attention_dropout`` over the nodes of each graph (``batch``; None: one graph), exact
    (``multihead``) or Performer's linear-time approximation (``performer``, Choromanski et
    al. 2021, which GPS offers for large graphs).

    Shapes: ``x`` [N, n_in], ``graph`` the transposed adjacency as a sparse CSR tensor
    [N, N], ``batch`` [N] or None; output [N, n_out].
    """

    def __init__(self, n_in: int, n_out: int, channels: int, heads: int, attention_dropout: float,
                 attention: str = "multihead"):
        super().__init__()
        if channels % heads:
            raise SpecError(f"GPS's hidden units ({channels}) must be a multiple of its attention heads "
                            f"({heads}); change one of them.")
        self.lin_in = Linear(n_in, channels) if n_in != channels else nn.Identity()
        local = FixedGINConv(nn.Sequential(Linear(channels, channels), nn.ReLU(), Linear(channels, channels)))
        self.conv = GPSConv(channels, local, heads=heads, attn_type=attention,
                            attn_kwargs={"dropout": attention_dropout} if attention == "multihead" else {})
        self.lin_out = Linear(channels, n_out) if n_out != channels else nn.Identity()

    def forward(self, x, graph, batch=None):
        return self.lin_out(self.conv(self.lin_in(x), graph, batch))


ATTENTION = Setting("attention", "Global attention", type=str, cli=False,
                    choices={"multihead": "exact multi-head attention", "performer": "Performer's linear approximation"},
                    help="GPS's attention over every node of a graph: exact (quadratic in the nodes) or "
                         "Performer's (linear; Choromanski et al. 2021).")


@register
class GPS(Stacked):
    """Rampasek et al. 2022 through PyG's GPSConv. Defaults from PyG's GPS example
    (examples/graph_gps.py): 4 attention heads, attention dropout 0.5, 64 channels, and for
    graphs its lr 0.001 (at the graph task's 0.01 GPS with Laplacian PE reached 32.7% on CSL,
    at 0.001 96.0%); its 10 layers are ZINC's: here the task's 3 (graphs) and 2 (nodes). On a
    whole node graph exact attention is quadratic (Cora: 8 s an epoch on this CPU), so node
    tasks take Performer's linear attention, as Rampasek et al. do for large graphs."""

    name, label, color = "gps", "GPS", "#72B7B2"
    title = "GPS graph transformer: local GIN + global attention (Rampasek et al. 2022)"
    tasks = ("node", "graph")
    defaults = {"node": dict(hidden=64, heads=4, attention_dropout=0.5, attention="performer", dropout=0.5,
                             lr=0.01, weight_decay=5e-4),
                "graph": dict(hidden=64, heads=4, attention_dropout=0.5, attention="multihead", readout="sum",
                              lr=0.001)}
    settings = (HEADS, ATTENTION_DROPOUT, ATTENTION)
    takes_batch = True
    # Exact attention pads every graph of a batch to the largest: on PROTEINS (up to 620
    # nodes) an epoch took 76 s on one thread here, against GIN's 0.9 s.
    in_defaults = False
    hears = "its neighbours' sum (GIN), plus attention over every node of its graph."

    def conv(self, layer: Layer) -> nn.Module:
        p = layer.settings
        return GPSLayer(layer.n_in, layer.n_out, p["hidden"], p["heads"], p["attention_dropout"], p["attention"])
