"""The architectures room: one module per architecture (its paper defaults per protocol, its
layers, its seed-batched forward, what a node hears in it), what they share (base: the
Architecture class and its registry; inputs: how graph and features go in; stack: the model
shapes a layer is stacked into), and models built from a resolved spec (build).

Importing the room registers every architecture, in this reading order.
"""

from gnncore.gnn.architectures import gcn, sage, gat, appnp, gcnii, gin, mlp  # noqa: F401 (they register)
from gnncore.gnn.architectures.base import (ARCHITECTURES, Architecture, EdgeWeights, Layer, architecture,
                                            architectures, register)
from gnncore.gnn.architectures.build import build, restore, state_bytes
from gnncore.gnn.architectures.inputs import feature_dropout, graph_input, sparse_if_mostly_zero
from gnncore.gnn.architectures.stack import READOUTS, ConvStack, GraphModel, Stacked, count_parameters

__all__ = ["ARCHITECTURES", "Architecture", "ConvStack", "EdgeWeights", "GraphModel", "Layer", "READOUTS",
           "Stacked", "architecture", "architectures", "build", "count_parameters", "feature_dropout",
           "graph_input", "register", "restore", "sparse_if_mostly_zero", "state_bytes"]
