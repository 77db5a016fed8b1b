"""The kernels room: sparse products, seed-batched layers, exact sampling, measures and
metrics computed on tensors; no knowledge of datasets, models or tasks."""

__all__ = ["batched", "measures", "memory", "metrics", "negatives", "sparse"]
