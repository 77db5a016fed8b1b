"""The explainers: one entry each, all through PyG's ``torch_geometric.explain``.

An explainer takes a trained model, a graph and a target (a node, or the graph) and gives
an importance per edge (``edge_mask``) and, where it can, per input feature
(``feature_mask``, summed over the nodes). Entries:

* ``gnnexplainer``: GNNExplainer (Ying et al. 2019), a soft edge and feature mask trained
  to keep the prediction with few edges (PyG's ``GNNExplainer``, 100 epochs, lr 0.01).
* ``integrated-gradients``, ``saliency``: Captum's Integrated Gradients (Sundararajan et al.
  2017) and Saliency (Simonyan et al. 2014) through PyG's ``CaptumExplainer``: gradients of
  the prediction with respect to each edge's weight and each feature.
* ``attention``: GAT's attention itself (PyG's ``AttentionExplainer``, mean over layers and
  heads); only a model with attention has it.
* ``random``: uniform noise (PyG's ``DummyExplainer``), the floor every score is read against.

The arena's layers run on a sparse adjacency with their own fast paths (gnncore.gnn.architectures),
which leave no place for PyG's per-edge masks; :func:`explainable` gives the same trained
model on PyG's plain message passing, where the masks apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn
from torch_geometric.explain import Explainer, Explanation
from torch_geometric.nn import MessagePassing

from gnncore.gnn.architectures import architecture
from gnncore.spec import SpecError

__all__ = ["EXPLAINERS", "ExplainerEntry", "Explainable", "explain", "explainable", "explainer_entry", "refusal"]


@dataclass(frozen=True)
class ExplainerEntry:
    name: str            # as specs and the CLI spell it
    label: str           # as charts and tables show it
    title: str           # one line: what it is and whose paper
    color: str
    make: Callable[[], object]   # the PyG algorithm
    # how it gives a feature importance beside the edge mask (PyG's node_mask_type): per node
    # and feature, one per feature, or none
    features: str | None = "attributes"
    attention_only: bool = False  # needs a model whose layers compute attention


def _gnnexplainer():
    from torch_geometric.explain.algorithm import GNNExplainer
    return GNNExplainer(epochs=100, lr=0.01)


def _captum(method: str):
    def make():
        from torch_geometric.explain.algorithm import CaptumExplainer
        return CaptumExplainer(method)
    return make


def _attention():
    from torch_geometric.explain.algorithm import AttentionExplainer
    return AttentionExplainer(reduce="mean")


def _random():
    from torch_geometric.explain.algorithm import DummyExplainer
    return DummyExplainer()


EXPLAINERS: dict[str, ExplainerEntry] = {e.name: e for e in [
    ExplainerEntry("gnnexplainer", "GNNExplainer", "GNNExplainer (Ying et al. 2019): a learned soft mask",
                   "#4C78A8", _gnnexplainer, features="common_attributes"),
    ExplainerEntry("integrated-gradients", "Integrated Gradients",
                   "Integrated Gradients (Sundararajan et al. 2017), through Captum", "#F58518",
                   _captum("IntegratedGradients")),
    ExplainerEntry("saliency", "Saliency", "Saliency (Simonyan et al. 2014): the gradient's size, through Captum",
                   "#E45756", _captum("Saliency")),
    ExplainerEntry("attention", "Attention", "The model's own attention, mean over layers and heads",
                   "#54A24B", _attention, features=None, attention_only=True),
    ExplainerEntry("random", "Random", "Uniform noise: the floor every score is read against", "#9D9D9D",
                   _random),
]}


def explainer_entry(name: str) -> ExplainerEntry:
    if name not in EXPLAINERS:
        raise SpecError(f"Unknown explainer '{name}'; choose from {', '.join(EXPLAINERS)}.")
    return EXPLAINERS[name]


def refusal(explainer: str, model: str) -> str:
    """One sentence where ``explainer`` does not apply to ``model``; "" where it does."""
    entry = explainer_entry(explainer)
    if not architecture(model).uses_graph:
        return f"{architecture(model).label} never looks at the edges, so no edge explains its predictions."
    if entry.attention_only and not architecture(model).edge_index:
        return (f"{entry.label} explains only models that compute attention (GAT); "
                f"{architecture(model).label} weighs its neighbours without any.")
    return ""


class Explainable(nn.Module):
    """A trained node model on PyG's plain message passing: ``forward(x, edge_index)``, the
    edge index as the data has it (self-loops added by each layer, as PyG's explainers expect)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        return self.model(x, edge_index)


def explainable(model: nn.Module) -> Explainable:
    """``model`` (trained, from :func:`gnncore.gnn.architectures.restore`) with each of its
    layers made the PyG layer it extends, the same parameters: the arena's subclasses only
    add fast paths (a sparse product, dropout as the authors drew it) that skip the
    per-message hook PyG's edge masks act through; in eval mode the numbers are the same."""
    for module in model.modules():
        if isinstance(module, MessagePassing) and not type(module).__module__.startswith("torch_geometric."):
            module.__class__ = next(c for c in type(module).__mro__
                                    if c.__module__.startswith("torch_geometric.nn.conv."))
            # PyG's generated propagate is per class: take the general one, which has the
            # explain hook whatever class generated what.
            module.propagate = MessagePassing.propagate.__get__(module, MessagePassing)
        if isinstance(module, MessagePassing):
            if getattr(module, "cached", False):
                module.cached = False  # each explanation perturbs the graph
                module._cached_edge_index = module._cached_adj_t = None
            if hasattr(module, "add_self_loops") and hasattr(module, "att_src"):
                module.add_self_loops = True  # the arena's GAT gets its loops from graph_input
    return Explainable(model.eval())


def explain(name: str, model: Explainable, x: torch.Tensor, edge_index: torch.Tensor, index: int | None,
            level: str = "node") -> tuple[Explainer, Explanation]:
    """Explain the model's own prediction at ``index`` (a node; None: the graph) by ``name``:
    the PyG explainer (for :mod:`torch_geometric.explain.metric`) and its explanation, whose
    ``edge_mask`` has one value per edge of ``edge_index`` and ``node_mask`` (where the
    explainer gives one) one per node and feature."""
    entry = explainer_entry(name)
    for module in model.modules():
        # GNNExplainer leaves its mask registered as a parameter; PyG's set_masks then wraps
        # the next explainer's mask in a new parameter, cut off from Captum's inputs.
        module._parameters.pop("_edge_mask", None)
    explainer = Explainer(
        model=model, algorithm=entry.make(), explanation_type="model",
        node_mask_type=entry.features, edge_mask_type="object",
        model_config=dict(mode="multiclass_classification", task_level=level, return_type="raw"))
    try:
        return explainer, explainer(x, edge_index, index=index)
    except RuntimeError as e:
        if "not have been used in the graph" not in str(e):
            raise
        # Captum's gradients where the prediction depends on no edge at all (every unit
        # of the path to it inactive): each edge's importance is then zero.
        return explainer, Explanation(x=x, edge_index=edge_index, edge_mask=torch.zeros(edge_index.size(1)),
                                      node_mask=torch.zeros_like(x) if entry.features else None, index=index)
