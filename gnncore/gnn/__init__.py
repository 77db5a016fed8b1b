"""GNN engine: datasets, models and the node, link and graph task loops."""
