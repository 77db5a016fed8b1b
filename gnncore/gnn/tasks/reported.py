"""What the GNN tasks report, each number declared once (:class:`gnncore.protocol.Metric`):
the scores, the history's columns, the cost of a run and the smoothness of its output. Each
task lists those it has in its ``FACTS``; charts, tables and the CLI read them from there.

The names are the run store's keys and the CSV columns, which outside checks read: they stay.
"""

from __future__ import annotations

from gnncore.protocol import LOSS, PARAMS, Metric

__all__ = ["TEST_ACCURACY", "VAL_ACCURACY", "TRAIN_ACCURACY", "TEST_AUC", "VAL_AUC", "TEST_AP", "VAL_AP",
           "LOSS", "VAL_LOSS", "BEST_EPOCH", "EPOCHS_RUN", "MS_PER_EPOCH", "PEAK_MB", "PARAMS", "MAD"]


def _score(name: str, label: str) -> Metric:
    """A share of predictions right, or an area under a curve: 0..1, shown in percent."""
    return Metric(name, label, fraction=True)


TEST_ACCURACY = _score("test_accuracy", "Test accuracy")
VAL_ACCURACY = _score("val_accuracy", "Validation accuracy")
TRAIN_ACCURACY = _score("train_accuracy", "Training accuracy")
TEST_AUC = _score("test_auc", "Test ROC-AUC")
VAL_AUC = _score("val_auc", "Validation ROC-AUC")
TEST_AP = _score("test_ap", "Test average precision")
VAL_AP = _score("val_ap", "Validation average precision")
VAL_LOSS = Metric("val_loss", "Validation loss", higher_is_better=False)

# How the reported epoch came about (gnncore.gnn.tasks.selection).
BEST_EPOCH = Metric("best_epoch", "Best epoch", short="Best epoch", whole=True, digits=0)
EPOCHS_RUN = Metric("epochs_run", "Epochs run", whole=True, digits=0)

# What a run costs. Time is wall-clock on this machine: its second decimal is noise on screen.
MS_PER_EPOCH = Metric("ms_per_epoch", "Time per training epoch (ms)", short="ms / epoch", unit="ms",
                      digits=2, screen_digits=1, higher_is_better=False, brief="{:6.1f} ms/epoch")
# The most any of a model's runs needed is what a machine must have.
PEAK_MB = Metric("peak_mb", "Peak memory of the run (MB)", short="Peak memory (MB)", unit="MB", digits=0,
                 higher_is_better=False, brief="peak {:,.0f} MB", pooled="max")

# gnncore.gnn.kernels.measures.mean_average_distance at the reported epoch (node runs).
MAD = Metric("mad", "Smoothness (MAD: 0 when all nodes look alike)", short="Smoothness (MAD)", digits=3,
             help="the mean cosine distance between two nodes' outputs at the reported epoch (Chen et al. "
                  "2020), near 0 when every node's output points the same way (over-smoothed), about 0.8 "
                  "for a 2-layer GCN on Cora.")

ACCURACY_CURVES = (VAL_ACCURACY, TEST_ACCURACY, TRAIN_ACCURACY, LOSS, VAL_LOSS)
