"""The inside room: what a trained model's nodes hear and how its representations move."""

__all__ = ["neighbourhood", "snapshots"]
