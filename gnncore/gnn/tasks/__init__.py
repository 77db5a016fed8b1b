"""The tasks room: the node, link and graph engines, their seed batching, the graph
auto-encoder of link prediction, what a run alone and a batch share (``training``,
``selection``), shared settings."""

__all__ = ["gae", "graph", "link", "link_seeds", "node", "node_seeds", "selection", "settings", "training"]
