"""What a run alone and its seeds in a batch share, written once per task (node, link): the
optimizer, the rule that picks the reported epoch, an epoch's row and a run's metrics."""

from __future__ import annotations

import torch

from gnncore.gnn.architectures import architecture
from gnncore.gnn.tasks.selection import BestEpoch
from gnncore.spec import RunSpec

__all__ = ["SELECT", "adam", "link_metrics", "link_row", "link_selection", "node_metrics", "node_row",
           "node_selection", "optimizer"]

# How the reported epoch is chosen: its key orders epochs, higher is better.
SELECT = {
    "accuracy": lambda row: (row["val_accuracy"], -row["val_loss"]),
    "loss": lambda row: (-row["val_loss"], row["val_accuracy"]),
}


def node_selection(spec: RunSpec) -> BestEpoch:
    """The run's reported-epoch rule (``select``) and early stopping (``patience``)."""
    p = spec.params
    return BestEpoch(SELECT[p["select"]], p["patience"])


def optimizer(spec: RunSpec, model: torch.nn.Module) -> torch.optim.Optimizer:
    return adam(spec, model.named_parameters())


def adam(spec: RunSpec, named) -> torch.optim.Optimizer:
    """Adam over ``named`` (``model.named_parameters()``, or the seeds' stacked weights under
    the same names), each parameter with the weight decay its architecture gives it
    (Architecture.weight_decay: on the first layer only where the paper's code has it)."""
    return torch.optim.Adam(architecture(spec.model).decay_groups(named, spec.params), lr=spec.params["lr"])


def node_row(epoch: int, loss: float, val_loss: float, accuracies) -> dict:
    """One epoch of a run's history; ``accuracies`` on the train, validation and test nodes."""
    train, val, test = accuracies
    return dict(epoch=epoch, loss=loss, val_loss=val_loss, train_accuracy=train, val_accuracy=val,
                test_accuracy=test)


def node_metrics(chosen: BestEpoch, elapsed: float, params: int, smoothness: float, peak_mb: float,
                 diverged: int) -> dict:
    """A run's final numbers: those of its reported epoch, its size, smoothness and cost."""
    return {**chosen.summary(elapsed, "test_accuracy", "val_accuracy", "train_accuracy"),
            "params": params, "mad": smoothness, "peak_mb": peak_mb,
            **({"diverged_epoch": diverged} if diverged else {})}


def link_row(epoch: int, loss: float, val_auc: float, val_ap: float, test_auc: float, test_ap: float) -> dict:
    """One epoch of a run's history."""
    return dict(epoch=epoch, loss=loss, val_auc=val_auc, val_ap=val_ap, test_auc=test_auc, test_ap=test_ap)


def link_selection(spec: RunSpec) -> BestEpoch:
    """The epoch of best validation AUC (ties: average precision), and early stopping."""
    return BestEpoch(lambda row: (row["val_auc"], row["val_ap"]), spec.params["patience"])


def link_metrics(chosen: BestEpoch, elapsed: float, params: int) -> dict:
    """A run's final numbers: those of its reported epoch, and its size."""
    return {**chosen.summary(elapsed, "test_auc", "test_ap", "val_auc", "val_ap"), "params": params}
