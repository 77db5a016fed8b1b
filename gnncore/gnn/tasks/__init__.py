"""The tasks room: the node, link and graph engines, their seed batching, shared settings."""
