"""Models from a resolved spec, the only way the tasks and the inside views make one, and
a trained model's weights stored and restored.

Every setting a model reads comes from the spec, which ``gnncore.runs.resolve`` filled from
the task's defaults and the architecture's own (``Architecture.defaults``): no layer keeps a
default of its own, so a setting has one value in one place.
"""

from __future__ import annotations

import io

import torch
from torch import nn

from gnncore.gnn.architectures.base import architecture
from gnncore.gnn.architectures.stack import GraphModel
from gnncore.spec import RunSpec

__all__ = ["build", "restore", "state_bytes"]


def build(spec: RunSpec, in_channels: int, out_channels: int, *, cached: bool = True,
          bias: bool = True) -> nn.Module:
    """The model of a resolved ``spec``: a GraphModel for graph classification (``kind``
    ``graph``), else the architecture's node-level model (node classification, a link
    encoder whose ``out_channels`` is the embedding).

    cached: its layers may keep the normalised adjacency; False where every step is another
    graph (sampled mini-batches).
    bias: False drops every bias after initialisation (GAE's layers have none), so the
    weights are those the model with biases draws from the same seed.
    """
    if spec.kind == "graph":
        model = GraphModel(spec.model, in_channels, out_channels, spec.params)
    else:
        model = architecture(spec.model).model(in_channels, out_channels, spec.params, cached)
    if not bias:
        for module in model.modules():
            if isinstance(getattr(module, "bias", None), nn.Parameter):
                module.bias = None  # every PyG layer here checks `bias is not None`
    return model


def state_bytes(state: dict) -> bytes:
    """A model's ``state_dict`` as the bytes a run stores (its ``model`` artifact)."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def restore(spec: RunSpec, blob: bytes, in_channels: int, out_channels: int, **options) -> nn.Module:
    """The model of a stored run from its :func:`state_bytes`, in eval mode; ``options`` as
    :func:`build` takes them."""
    model = build(spec, in_channels, out_channels, **options)
    model.load_state_dict(torch.load(io.BytesIO(blob), weights_only=True))
    return model.eval()
