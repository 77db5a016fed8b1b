"""The architectures room: one registry of GNN architectures, their layers and paper defaults."""

__all__ = ["layers", "models"]
