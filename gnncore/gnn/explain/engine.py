"""The explain engine: why a trained node model predicted what it did, by each explainer,
scored against the planted motif (where the dataset has one) and against the model itself.

One run is one model, one explainer and one seed on one dataset: it trains the model as
the node engine does (the same spec a node run of that model and seed has, so the same
numbers; trained once per process for all its explainers), explains ``nodes`` nodes drawn
from the seed (nodes of a planted motif where there is one, as Ying et al. 2019 explain
them, else test nodes), ranking the edges of each one's computation subgraph (``layers``
hops: all the model sees), and reports the mean scores (gnncore.gnn.explain.scores) with every edge's importance
as the ``masks`` table and the features' summed importance as the ``features`` table.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

import torch
from torch_geometric.utils import k_hop_subgraph

from gnncore.gnn.architectures import Architectures, architectures, restore
from gnncore.gnn.data.datasets import DatasetNames, info, load_node_data
from gnncore.gnn.explain import scores as sc
from gnncore.gnn.explain.explainers import EXPLAINERS, explain, explainable, refusal
from gnncore.gnn.tasks import node
from gnncore.gnn.tasks import settings as gs
from gnncore.protocol import Facts, Setting, check_settings
from gnncore.spec import Progress, ProgressFn, RunResult, RunSpec, SpecError, StopFn, check_stop

__all__ = ["FACTS", "MASK_COLUMNS", "NodeExplanation", "defaults", "explain_node", "explained_nodes", "model_spec",
           "train", "validate"]

EXPLAINER = Setting("explainer", "Explainer", type=str, scope="run", cli=False,
                    choices={e.name: e.title for e in EXPLAINERS.values()},
                    help="Which explainer gives the edge importances.")
NODES = Setting("nodes", "Nodes explained", type=int, low=1, high=2000, step=10, scope="run",
                help="How many nodes each run explains, drawn from the seed: nodes of a planted motif where "
                     "the dataset has one, else test nodes.")
TOP_EDGES = Setting("top_edges", "Edges kept", type=int, low=1, high=1000, step=1, scope="run",
                    help="How many of the most important edges make the hard explanation fidelity is "
                         "measured on; 12 is one house motif's 6 edges, both ways.")
EPOCHS = Setting("epochs", "Model's epochs", type=int, low=1, high=5000, step=10, scope="run",
                 help="Train the explained model this many epochs instead of its node run's (short runs "
                      "for a quick look and for tests); unset, the model is exactly its node run's.")
DEFAULTS = dict(explainer="gnnexplainer", nodes=100, top_edges=12)
MASK_COLUMNS = ("node", "source", "target", "importance", "ground_truth")

class _Explained(Architectures):
    """The node task's architectures that hear their neighbours (plugins included): an MLP
    never looks at an edge, so no edge explains it."""

    def _now(self) -> dict:
        return {name: a for name, a in super()._now().items() if a.uses_graph}


FACTS = Facts(
    kind="explain", title="Explanations", command=("explain",),
    datasets=DatasetNames("node"), default_dataset="BAShapes",
    models=_Explained("node"), default_models=("gcn",),
    metrics=sc.METRICS, curves=(),
    costs=(sc.MS_PER_NODE,), others=(sc.MODEL_ACCURACY, sc.NODES),
    columns=("dataset", "model", "explainer", "seed", "ground_truth_auc", "fidelity_plus", "fidelity_minus",
             "characterization", "model_accuracy", "nodes", "ms_per_node"),
    settings=(EXPLAINER, NODES, TOP_EDGES, EPOCHS),
    seeds=3, max_seeds=20,
    selected_by="", reported="mean over the explained nodes; mean ± standard deviation over seeds.",
    intro="Why a trained model predicted what it did: each explainer's edge importances, scored against the "
          "planted motif and against the model itself.",
    file_prefix="explain",
)


def defaults(spec: RunSpec) -> dict:
    return dict(DEFAULTS)


def validate(spec: RunSpec) -> None:
    """Raise SpecError with one sentence when the spec cannot be run."""
    info(spec.dataset, "node").check_seed(spec.seed)
    if spec.model not in FACTS.models:
        if spec.model in architectures("node"):
            raise SpecError(refusal(spec.params["explainer"], spec.model))
        raise SpecError(f"Unknown model '{spec.model}'; choose one of {', '.join(FACTS.models)}.")
    check_settings(spec, FACTS.settings)
    said = refusal(spec.params["explainer"], spec.model)
    if said:
        raise SpecError(said)


def model_spec(spec: RunSpec) -> RunSpec:
    """The node run whose trained model an explain run explains: its model and seed, the
    node engine's defaults (as the arena and ``gnn`` train it)."""
    bare = RunSpec("node", info(spec.dataset, "node").name, spec.model, spec.seed)
    epochs = {"epochs": spec.params["epochs"]} if "epochs" in spec.params else {}
    resolved = RunSpec.make("node", bare.dataset, spec.model, spec.seed, **{**node.defaults(bare), **epochs})
    node.validate(resolved)
    return resolved.as_resolved()


@functools.lru_cache(maxsize=4)
def _trained(node_spec: RunSpec) -> RunResult:
    """The node run, once per process for every explainer of it."""
    return node.train(node_spec)


def explained_nodes(data, count: int, seed: int) -> torch.Tensor:
    """``count`` nodes drawn from ``seed``: in a planted motif where the data has one, else test nodes."""
    pool = (data.node_mask > 0) if "node_mask" in data else data.test_mask
    ids = pool.nonzero().view(-1)
    g = torch.Generator().manual_seed(seed)
    return ids[torch.randperm(len(ids), generator=g)[:count]].sort().values


@dataclass
class NodeExplanation:
    """One node's explanation: the importance of each edge within the model's reach
    (``ends``: their source and target ids in the whole graph), the planted motif's edges
    among them (None without one), the features' summed importance, and PyG's objects."""

    node: int
    ends: torch.Tensor
    importance: torch.Tensor
    truth: torch.Tensor | None
    features: torch.Tensor | None
    explainer: object
    explanation: object
    seconds: float

    def rows(self) -> list[dict]:
        """:data:`MASK_COLUMNS` rows."""
        truth = self.truth.long().tolist() if self.truth is not None else [None] * len(self.importance)
        return [dict(node=self.node, source=s, target=t, importance=w, ground_truth=g)
                for s, t, w, g in zip(self.ends[0].tolist(), self.ends[1].tolist(), self.importance.tolist(), truth)]


def explain_node(explainer: str, model, data, target: int, layers: int) -> NodeExplanation:
    """Explain ``model``'s (:func:`explainable`) prediction at ``target`` by ``explainer``.

    One hop more than the model sees goes in: every node it sees keeps all its neighbours, so
    its degree (GCN's normalisation, SAGE's mean, GAT's softmax) and the prediction are the
    whole graph's; only the edges within the model's reach are ranked and scored.
    """
    subset, edges, (centre,), inside = k_hop_subgraph(target, layers + 1, data.edge_index, relabel_nodes=True,
                                                      num_nodes=data.num_nodes)
    reach = k_hop_subgraph(int(centre), layers, edges, num_nodes=len(subset))[3]
    start = time.perf_counter()
    algorithm, explanation = explain(explainer, model, data.x[subset], edges, int(centre))
    seconds = time.perf_counter() - start
    explanation.edge_mask = explanation.edge_mask.detach() * reach
    node_mask = explanation.get("node_mask")
    return NodeExplanation(
        target, subset[edges[:, reach]], explanation.edge_mask[reach],
        data.edge_mask[inside][reach] if "edge_mask" in data else None,
        node_mask.detach().abs().sum(0) if node_mask is not None else None, algorithm, explanation, seconds)


def train(spec: RunSpec, on_progress: ProgressFn = None, should_stop: StopFn = None) -> RunResult:
    p = spec.params
    node_spec = model_spec(spec)
    trained = _trained(node_spec)
    data = load_node_data(node_spec.dataset, node_spec.seed, **gs.dataset_options(node_spec))
    model = explainable(restore(node_spec, trained.artifacts["model"], data.num_features, data.num_classes))
    truth = data.edge_mask if "edge_mask" in data else None
    targets = explained_nodes(data, p["nodes"], spec.seed)
    aucs, plus, minus, masks = [], [], [], []
    features = torch.zeros(data.num_features)
    elapsed = 0.0
    torch.manual_seed(spec.seed)  # GNNExplainer's and the random explainer's draws
    layers = node_spec.params["layers"]
    for i, target in enumerate(targets.tolist()):
        check_stop(should_stop)
        one = explain_node(p["explainer"], model, data, target, layers)
        elapsed += one.seconds
        if truth is not None:
            aucs.append(sc.mask_auc(one.importance, one.truth))
        fp, fm = sc.node_fidelity(one.explainer, one.explanation, min(p["top_edges"], len(one.importance)))
        plus.append(fp)
        minus.append(fm)
        if one.features is not None:
            features += one.features
        masks += one.rows()
        if on_progress:
            on_progress(Progress(spec, i + 1, len(targets)))
    fid_plus, fid_minus = sc.mean(plus), sc.mean(minus)
    metrics = {"ground_truth_auc": sc.mean(aucs) if truth is not None else math.nan,
               "fidelity_plus": fid_plus, "fidelity_minus": fid_minus,
               "characterization": sc.characterization(fid_plus, fid_minus),
               "model_accuracy": trained.metrics["test_accuracy"], "nodes": len(targets),
               "ms_per_node": 1000 * elapsed / max(1, len(targets))}
    ranked = features.argsort(descending=True)[:20].tolist() if features.any() else []
    tables = {"masks": masks,
              "features": [dict(feature=f, importance=float(features[f])) for f in ranked]}
    return RunResult(spec, metrics, tables=tables)
