"""GNN engine: datasets, models and the node, link and graph task loops."""

import warnings

import torch

# Two PyTorch warnings that every training process printed, hiding the ones that matter:
# CSR support is "beta" (we rely on it, tested), and sparse invariant checks are off unless
# one opts in or out: we opt out explicitly, since every sparse tensor here is built by PyG
# or by torch from a valid edge list, and the checks cost time on every construction.
warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")
torch.sparse.check_sparse_tensor_invariants.disable()

__all__ = ["architectures", "data", "inside", "kernels", "tasks"]
