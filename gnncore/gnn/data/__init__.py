"""The data room: dataset registry and loaders, users' own graphs, neighbour sampling."""
