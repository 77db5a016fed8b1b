"""The GNN tasks' hyperparameters, each declared once (type, range, label, help), and the
validation the three task loops share. Each task picks the settings it has; an
architecture's own (GAT's heads, APPNP's teleport) come with its registry entry."""

from __future__ import annotations

import torch

from gnncore.gnn.data.datasets import find, info
from gnncore.gnn.architectures import ARCHITECTURES, READOUTS, architectures
from gnncore.protocol import Facts, Setting, check_settings
from gnncore.spec import RunSpec, SpecError

WHOLE = dict(type=int, low=1)

EPOCHS = Setting("epochs", "Epochs", **WHOLE, high=5000, step=10, scope="run",
                 help="Training epochs per run.",
                 why_high="at 10-100 ms an epoch on a CPU, 5,000 epochs already take up to 8 minutes a run")
PATIENCE = Setting("patience", "Early stopping patience", type=int, low=0, high=5000, step=10, scope="run",
                   help="Stop a run after this many epochs without a better validation score; 0 "
                        "trains all epochs.")
HIDDEN = Setting("hidden", "Hidden units", **WHOLE, high=1024, step=1,
                 help="Width of each hidden layer (per head for GAT).",
                 why_high="1,024 units on PubMed's 19,717 nodes are already 80 MB of activations per "
                          "layer, times 8 heads for GAT")
LAYERS = Setting("layers", "Layers", **WHOLE, high=64, step=1,
                 why_high="64 is the deepest the over-smoothing papers go (Chen et al. 2020)",
                 help="Graph convolutions (linear layers for the MLP; propagation steps for APPNP).")
DROPOUT = Setting("dropout", "Dropout", low=0.0, high=0.95, step=0.05, format="%.2f",
                  help="Dropout rate on every layer's input.")
LR = Setting("lr", "Learning rate", low=0.0, low_open=True, high=1.0, step=0.001, format="%.4f",
             help="Adam's step size.")
WEIGHT_DECAY = Setting("weight_decay", "Weight decay", low=0.0, high=1.0, step=1e-4, format="%.4f",
                       help="L2 penalty on the weights.")
SELECT = Setting("select", "Reported epoch", type=str, cli=False,
                 choices={"accuracy": "best validation accuracy", "loss": "lowest validation loss"},
                 help="Which validation metric picks the epoch whose test score is reported.")
FEATURES = Setting("features", "Input features", type=str, scope="run",
                   choices={"raw": "as the dataset's files give them (GAE's input)",
                            "normalised": "each row scaled to sum to one (GCN's node-classification input)"},
                   help="What the encoder reads: GAE (Kipf & Welling 2016) feeds the features as given, "
                        "PubMed's TF-IDF included; GCN's node classification row-normalises them.")
EMBEDDING = Setting("embedding", "Embedding size", **WHOLE, high=1024, step=1, cli=False,
                    help="Width of the node embeddings whose dot product scores a pair.")
BATCH_SIZE = Setting("batch_size", "Batch size", type=int, low=2, high=1024, step=1, cli=False,
                     help="Graphs per training step (batch norm needs at least two).")
READOUT = Setting("readout", "Readout", type=str, scope="run",
                  choices={name: name.capitalize() for name in READOUTS},
                  help="How a graph's node embeddings pool into one vector for the classifier.")
# Mini-batches (gnncore.gnn.data.sampling): unset, the whole graph trains at once. Turned
# on, they start at GraphSAGE's: batches of 512 nodes (Hamilton et al. 2017's reference code,
# williamleif/GraphSAGE, flag batch_size) and 25 then 10 neighbours (Sec. 4.1: S1 = 25, S2 = 10).
DEFAULT_FANOUT = (25, 10)
NODE_BATCH = Setting("batch_size", "Mini-batch size", type=int, low=1, high=1_000_000, step=256, scope="run",
                     shown=False, suggested=512,
                     help="Training nodes per step, each with its sampled neighbourhood (GraphSAGE's "
                          "sampling, Hamilton et al. 2017); unset, full batch.")
FANOUT = Setting("fanout", "Fanout", type=str, scope="run", shown=False,
                 suggested=",".join(str(k) for k in DEFAULT_FANOUT),
                 help="Neighbours sampled per node at each layer, the seeds' own first, comma-separated "
                      "(Hamilton et al. 2017 use 25,10); one number serves every layer; with --batch-size.")
DEVICE = Setting("device", "Device", type=str, scope="run", shown=False, cli=False,
                 choices={"cpu": "CPU", "cuda": "CUDA GPU"},
                 help="Where the run trains; unset, the CPU.")
# Alon & Yahav (2021, Sec. 4.2): the last layer joins every pair of nodes of a graph, so
# that no long-range message has to squash through the graph's bottlenecks. Unset (off),
# a spec keeps the key it always had; it is in the key only when on.
FULLY_ADJACENT = Setting("fully_adjacent", "Fully-adjacent last layer", type=bool, scope="run", shown=False,
                         help="The last layer runs over the complete graph within each graph (every pair "
                              "of its nodes joined) instead of its edges (Alon & Yahav 2021); for every "
                              "message-passing model.")
# What a device moves: every tensor of a run is made on it or moved to it once, so that no
# step assumes CPU tensors (gnncore.gnn.tasks.node, .link, .graph).

COMMON = (EPOCHS, PATIENCE, HIDDEN, LAYERS, DROPOUT, LR, WEIGHT_DECAY)


def for_task(task: str, *own: Setting) -> tuple[Setting, ...]:
    """A task's settings: the common ones, its own, then those its architectures bring."""
    out = {s.name: s for s in (*COMMON, *own)}
    for arch in architectures(task).values():
        for s in arch.settings:
            out.setdefault(s.name, s)
    return tuple(out.values())


def validate(spec: RunSpec, facts: Facts) -> None:
    """The dataset, the model and every setting of a GNN spec, one sentence on the first wrong one."""
    d = info(spec.dataset, facts.kind)
    d.check_seed(spec.seed)
    if spec.model not in facts.models:
        other = ARCHITECTURES.get(spec.model)
        if other is not None:  # a model of another task: say which, not that it is unknown
            raise SpecError(f"{other.label} is a model for {' and '.join(other.tasks)} tasks only; for "
                            f"{facts.kind} tasks choose one of {', '.join(facts.models)}.")
        raise SpecError(f"Unknown model '{spec.model}'; choose one of {', '.join(facts.models)}.")
    check_settings(spec, facts.settings)
    d.check_options(spec.params)


def dataset_options(spec: RunSpec) -> dict:
    """The dataset's knobs of a spec, for ``load_node_data``."""
    return info(spec.dataset).options(spec.params)


def dataset_defaults(dataset: str) -> dict:
    """The defaults of the dataset's knobs; none for a dataset that is not there (validate says so)."""
    d = find(dataset)
    return dict(d.knob_defaults) if d is not None else {}


def default_fanout(layers: int) -> str:
    """Hamilton et al.'s 25, 10 for two layers; 10 for every layer past the second."""
    return ",".join(str(k) for k in (list(DEFAULT_FANOUT) + [DEFAULT_FANOUT[-1]] * layers)[:layers])


def check_device(spec: RunSpec) -> None:
    """A device that is here."""
    if spec.params.get("device") == "cuda" and not torch.cuda.is_available():
        raise SpecError("CUDA was asked for but this machine has no GPU that torch can use; "
                        "leave the device at cpu (or auto).")


def check_batches(spec: RunSpec) -> None:
    """A fanout only with a batch size, one entry per layer (or one for all); a device that is here."""
    from gnncore.gnn.data.sampling import parse_fanout

    p = spec.params
    if "fanout" in p and not p.get("batch_size"):
        raise SpecError("A fanout applies to sampled mini-batches: set a batch size too (--batch-size).")
    if p.get("batch_size"):
        try:
            parse_fanout(p.get("fanout", default_fanout(p["layers"])), p["layers"])
        except ValueError as e:
            raise SpecError(str(e)) from None
    check_device(spec)
