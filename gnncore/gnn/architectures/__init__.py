"""The architectures room: one module per architecture (its paper defaults per protocol, its
layers, its seed-batched forward, what a node hears in it), what they share (base: the
Architecture class and its registry; inputs: how graph and features go in; stack: the model
shapes a layer is stacked into), and models built from a resolved spec (build).

Importing the room registers every built-in architecture, in this reading order; users' own
come in from the ``gnncore.architectures`` entry-point group on the registry's first read
(base.load_plugins), after them.
"""

from gnncore.gnn.architectures import gcn, sage, gat, appnp, gcnii, gin, gps, mlp  # noqa: F401 (they register)
from gnncore.gnn.architectures.base import (ARCHITECTURES, ENTRY_POINT_GROUP, Architecture, Architectures, EdgeWeights,
                                            Layer, architecture, architectures, load_plugins, register,
                                            reset_plugins, skipped_plugins)
from gnncore.gnn.architectures.build import build, restore, state_bytes
from gnncore.gnn.architectures.inputs import feature_dropout, graph_input, sparse_if_mostly_zero
from gnncore.gnn.architectures.stack import READOUTS, ConvStack, GraphModel, Stacked, count_parameters

__all__ = ["ARCHITECTURES", "ENTRY_POINT_GROUP", "Architecture", "Architectures", "ConvStack", "EdgeWeights",
           "GraphModel", "Layer", "READOUTS", "Stacked", "architecture", "architectures", "build", "count_parameters",
           "feature_dropout", "graph_input", "load_plugins", "register", "reset_plugins", "restore",
           "skipped_plugins", "sparse_if_mostly_zero", "state_bytes"]
