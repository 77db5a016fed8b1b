"""gnncore: train and compare neural architectures side by side.

Layers (arrows point down only): app/ -> charts/, export -> runs -> gnn/, posenc/ -> spec, config.
"""

__version__ = "0.1.0"
