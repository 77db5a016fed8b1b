"""The explanations room: explainers (one registry entry each, through PyG's
``torch_geometric.explain``), how explanations are scored, and the explain engine.

Above the tasks: it imports architectures, data and the node engine; only the runs layer,
the app and the CLI import it.
"""
