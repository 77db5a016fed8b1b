"""How the representations move: each node's last hidden layer at about ten epochs of a
run, projected to 2-D with one basis per run, kept small with the run.

The basis is the final epoch's two principal components, and every earlier frame is
projected onto it, so the frames share their axes: a point that moves between frames moved
in the model, not because the projection changed. Each frame is then centred and scaled to
unit spread (root mean square 1), since an untrained layer's outputs are a hundred times
smaller than a trained one's and would otherwise sit in one dot. t-SNE and
UMAP have no such basis (each frame would get its own map), so they are not offered.
PCA here is torch's SVD of the centred matrix; no library call is shorter.

A run keeps 2-D coordinates (float16), each frame's predicted classes, the labels and
the split of every node: about 5 bytes a node and frame, 140 kB for Cora, compressed.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import torch

FRAMES = 10
SPLITS = ("train", "val", "test", "other")
COLUMNS = ("model", "seed", "epoch", "node", "x", "y", "label", "split", "predicted")


def snapshot_epochs(epochs: int, frames: int = FRAMES) -> list[int]:
    """Epoch 0 (untrained), then ``frames - 1`` epochs spaced geometrically up to ``epochs``:
    most of the movement happens in the first few dozen epochs."""
    later = np.unique(np.round(np.geomspace(1, max(1, epochs), max(1, frames - 1))).astype(int))
    return [0, *later.tolist()]


class Snapshots:
    """Collects the hidden layer and the predictions at the planned epochs of one run."""

    def __init__(self, epochs: int, frames: int = FRAMES):
        self.planned = set(snapshot_epochs(epochs, frames))
        self.frames: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self.last: tuple[int, torch.Tensor, torch.Tensor] | None = None

    def offer(self, epoch: int, hidden: torch.Tensor, logits: torch.Tensor) -> None:
        """Called after every epoch's evaluation; keeps the planned ones and the latest, not
        the epochs of a model that diverged (non-finite values have no projection)."""
        if not bool(torch.isfinite(_dense(hidden)).all()):
            return
        self.last = (epoch, hidden, logits)
        if epoch in self.planned:
            self.frames[epoch] = (_dense(hidden).float().cpu().clone(), logits.argmax(-1).cpu())

    def encode(self, y: torch.Tensor, masks: tuple[torch.Tensor, ...]) -> bytes | None:
        """The artifact: every frame (the last epoch run among them, early stopping or not)
        projected onto the last frame's principal plane; None when no frame was finite."""
        if self.last is not None and self.last[0] not in self.frames:
            epoch, hidden, logits = self.last
            self.frames[epoch] = (_dense(hidden).float().cpu(), logits.argmax(-1).cpu())
        epochs = sorted(self.frames)
        if not epochs:
            return None
        final = self.frames[epochs[-1]][0]
        mean = final.mean(0)
        # Two principal axes of the final frame; a second is zero when the layer has one unit.
        _, s, vt = torch.linalg.svd(final - mean, full_matrices=False)
        basis = torch.zeros(final.size(1), 2)
        basis[:, :min(2, vt.size(0))] = vt[:2].T
        explained = (s[:2] ** 2).sum() / (s ** 2).sum().clamp(min=1e-12)
        xy = torch.stack([_unit_spread((self.frames[e][0] - mean) @ basis) for e in epochs])
        split = torch.full_like(y, len(SPLITS) - 1)
        for i, mask in enumerate(masks):
            split[mask] = i
        buffer = io.BytesIO()
        np.savez_compressed(buffer, epochs=np.array(epochs, dtype=np.int32), xy=xy.numpy().astype(np.float16),
                            predicted=torch.stack([self.frames[e][1] for e in epochs]).numpy().astype(np.int16),
                            label=y.numpy().astype(np.int16), split=split.numpy().astype(np.int8),
                            explained=np.float32(explained))
        return buffer.getvalue()


def _unit_spread(xy: torch.Tensor) -> torch.Tensor:
    xy = xy - xy.mean(0)
    return xy / xy.pow(2).sum(1).mean().sqrt().clamp(min=1e-12)


def separation(xy: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """How well the 2-D picture separates the classes: the leave-one-out accuracy of a
    k-nearest-neighbour vote in it (ties to the nearest neighbour's class). Written here
    because no installed library has k-NN (scikit-learn is not a dependency)."""
    points = torch.tensor(np.asarray(xy, dtype=np.float32))
    labels = torch.tensor(np.asarray(labels, dtype=np.int64))
    if len(points) <= k:
        return float("nan")
    dist = torch.cdist(points, points)
    dist.fill_diagonal_(float("inf"))
    near = dist.topk(k, largest=False).indices            # [N, k], nearest first
    votes = torch.zeros(len(points), int(labels.max()) + 1).scatter_add_(
        1, labels[near], torch.linspace(1.0, 0.99, k).expand(len(points), k))  # earlier wins a tie
    return float((votes.argmax(1) == labels).float().mean())


def _dense(x: torch.Tensor) -> torch.Tensor:
    return x.to_dense() if x.layout != torch.strided else x


def embeddings_frame(blob: bytes, model: str, seed: int) -> pd.DataFrame:
    """One row per (epoch, node): :data:`COLUMNS`."""
    with np.load(io.BytesIO(blob)) as f:
        epochs, xy, predicted, label, split = (f[k] for k in ("epochs", "xy", "predicted", "label", "split"))
    frames, nodes = xy.shape[:2]
    return pd.DataFrame({
        "model": model, "seed": seed,
        "epoch": np.repeat(epochs, nodes),
        "node": np.tile(np.arange(nodes), frames),
        "x": xy[..., 0].astype(np.float32).ravel(), "y": xy[..., 1].astype(np.float32).ravel(),
        "label": np.tile(label, frames).astype(int),
        "split": np.tile(np.array(SPLITS)[split], frames),
        "predicted": predicted.ravel().astype(int),
    })


def explained_variance(blob: bytes) -> float:
    """The share of the final frame's variance the two axes keep."""
    with np.load(io.BytesIO(blob)) as f:
        return float(f["explained"])
