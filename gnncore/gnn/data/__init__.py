"""The data room: the dataset registry (``datasets``) and its entries (``entry``, the built-in
``catalog``, the ``synthetic`` graph), how files are had (``mirror``, ``loaders``), the
``splits``, users' own graphs (``userdata``, ``userfiles``), neighbour ``sampling``."""

__all__ = ["catalog", "csl", "datasets", "entry", "loaders", "mirror", "sampling", "splits", "synthetic", "userdata",
           "userfiles"]
