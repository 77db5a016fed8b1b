"""What every architecture declares, and the one registry of them.

An architecture is one class registered with :func:`register` (as PyG's ``basic_gnn.py``
adds one with an ``init_conv``): its names and colour, the tasks it takes part in, its
papers' settings where they differ from the task's own, the model it builds, and the
optional capabilities it declares. The CLI, the sidebar, the charts and the README read
this registry; adding an architecture is one module in this room.

Optional capabilities are declared by flags, never discovered by calling and catching:

- ``batched_seeds``: it trains S seeds as one batched model (:meth:`Architecture.batched_forward`).
- ``inside_weights``: it says what each node hears from its neighbours (:meth:`Architecture.edge_weights`).
- ``"graph" in tasks``: it builds a graph-level model (gnncore.gnn.architectures.stack.GraphModel).

:func:`register` refuses a class that declares a capability without its method.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import abc
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from gnncore.protocol import Setting

__all__ = ["ARCHITECTURES", "ENTRY_POINT_GROUP", "Architecture", "Architectures", "EdgeWeights", "Layer", "architecture",
           "architectures", "load_plugins", "placeholder", "register", "reset_plugins", "skipped_plugins"]


@dataclass(frozen=True)
class Layer:
    """What a layer builder needs: sizes, its place in the stack, the run's settings.

    graph_level: inside a GraphModel (every batch is other graphs).
    cached: the layer may keep what it derives from the graph (GCN's normalised adjacency),
    right only when the graph is fixed.
    """

    n_in: int
    n_out: int
    last: bool
    graph_level: bool
    settings: Mapping
    cached: bool = False


@dataclass(frozen=True)
class EdgeWeights:
    """One layer's weights: ``weight[e, h]`` is what head h gives edge ``edges[:, e]``
    (source, target) when it aggregates into the target. ``own`` marks the node's own term
    where it is apart from its edges (GraphSAGE's root weight); None: the edges i -> i."""

    layer: int
    edges: torch.Tensor
    weight: torch.Tensor
    own: torch.Tensor | None = None


def placeholder(method):
    """Marks a capability's method that an architecture declaring it must override."""
    method.placeholder = True
    return method


class Architecture(ABC):
    """One architecture. Subclasses set the class attributes and build the node-level model
    in :meth:`model` (or, stacking a layer, subclass gnncore.gnn.architectures.stack.Stacked).

    defaults: the architecture's paper settings where they differ from the task's own
    (``gnncore.gnn.tasks.node.COMMON_DEFAULTS`` and its kin), keyed by task (``node``), then by
    task and the dataset's protocol (``node/shchur``: the settings behind the numbers
    published under that protocol), then by task and dataset (``node/PubMed``); each later
    key overrides the earlier ones (:meth:`defaults_for`). The one place they are written:
    a model reads every setting from the resolved spec.
    settings: hyperparameters of its own, beyond those every GNN has (gnncore.gnn.tasks.settings).
    uses_graph: False for the baseline that never sees an edge.
    edge_index: takes ``edge_index`` with self-loops (per-edge attention) instead of the
    sparse adjacency.
    adds_self_loops: its layer adds one self-loop per node (GCN's normalisation), so any in
    the data are dropped first, as PyG's ``add_remaining_self_loops`` does on ``edge_index``.
    decay_first_layer_only: weight decay on the first layer only, as its paper's code.
    hears: how it weighs what a node receives from its neighbours, in a sentence for the
    neighbourhood view.
    batched_seeds: declares :meth:`batched_forward` (seeds trained as one batch,
    gnncore.gnn.tasks.node_seeds); False: seeds train one by one.
    inside_weights: declares :meth:`edge_weights`; False: the neighbourhood view shows no
    weights for it (the MLP hears nothing).
    takes_batch: its layer takes each node's graph (``batch``) in a GraphModel, to attend
    within each graph of a batch (GPS).
    in_defaults: among a task's default models where the task offers all it has (graph
    classification); False for one too slow for a default comparison on a CPU (GPS).
    """

    name = label = title = color = ""
    tasks: tuple[str, ...] = ("node", "link", "graph")
    defaults: Mapping[str, dict] = {}
    settings: tuple[Setting, ...] = ()
    uses_graph = True
    edge_index = False
    adds_self_loops = False
    decay_first_layer_only = False
    hears = ""
    batched_seeds = False
    inside_weights = False
    takes_batch = False
    in_defaults = True
    # Each capability's flag and the method that must come with it (checked by register).
    requires = {"batched_seeds": "batched_forward", "inside_weights": "edge_weights"}

    def defaults_for(self, task: str, protocol: str = "", dataset: str = "") -> dict:
        """Its settings for ``task`` on a dataset of that protocol and name (see ``defaults``)."""
        out = dict(self.defaults.get(task, {}))
        for key in (protocol, dataset):
            if key:
                out.update(self.defaults.get(f"{task}/{key}", {}))
        return out

    def weight_decay(self, parameter: str, settings: Mapping) -> float:
        """The L2 penalty on one parameter of its node-level model, by the parameter's name
        (``convs.0.lin.weight``): ``weight_decay`` on every one, or on the first layer's only
        (``decay_first_layer_only``). An architecture whose paper decays its parts apart
        overrides this (GCNII)."""
        if self.decay_first_layer_only and not parameter.startswith("convs.0."):
            return 0.0
        return settings["weight_decay"]

    def decay_groups(self, named, settings: Mapping) -> list[dict]:
        """Adam's parameter groups for ``named`` (``model.named_parameters()``, or the seeds'
        stacked weights under the same names): one group per weight decay
        (:meth:`weight_decay`), in the order the parameters come."""
        groups: dict[float, list] = {}
        for name, parameter in named:
            groups.setdefault(self.weight_decay(name, settings), []).append(parameter)
        return [{"params": params, "weight_decay": decay} for decay, params in groups.items()]

    @staticmethod
    def act(x: torch.Tensor) -> torch.Tensor:
        """The nonlinearity between its layers."""
        return F.relu(x)

    def graph_level_input(self, graph):
        """What its layers take inside a GraphModel, from gnncore.gnn.architectures.inputs.graph_input's
        form, made once per graph: there every batch is other graphs, so a layer can cache nothing."""
        return graph

    @abstractmethod
    def model(self, in_channels: int, out_channels: int, settings: Mapping, cached: bool = True) -> nn.Module:
        """The node-level model (node classification, the link encoder) for resolved ``settings``;
        ``cached``: its layers may keep the normalised adjacency (the graph is fixed)."""

    @placeholder
    def batched_forward(self, stack, x, graph, hidden: bool = False):
        """The model of S seeds at once (``stack``: gnncore.gnn.tasks.node_seeds.Stack, weights
        [S, ...]), each seed's numbers its model's alone; with ``batched_seeds`` only."""
        raise TypeError(f"{self.name} declares no batched_seeds")

    @placeholder
    def edge_weights(self, model: nn.Module, x: torch.Tensor, graph: torch.Tensor,
                     edge_index: torch.Tensor) -> list[EdgeWeights]:
        """What each node hears from its neighbours in the trained node ``model``, per layer
        (``edge_index`` the graph without self-loops; ``x`` and ``graph`` as it trains on);
        with ``inside_weights`` only."""
        raise TypeError(f"{self.name} declares no inside_weights")


ARCHITECTURES: dict[str, Architecture] = {}
# Users' own architectures: classes named in this entry-point group of an installed package.
ENTRY_POINT_GROUP = "gnncore.architectures"
_plugins: dict[str, str] | None = None  # name -> entry point, once loaded
_skipped: list[str] = []

log = logging.getLogger(__name__)


def register(cls: type[Architecture]) -> type[Architecture]:
    """Add an architecture to the registry; the order of registration is the reading order."""
    for flag, method in cls.requires.items():
        if getattr(cls, flag) and getattr(getattr(cls, method), "placeholder", False):
            raise TypeError(f"{cls.__name__} declares {flag} but defines no {method}")
    ARCHITECTURES[cls.name] = cls()
    return cls


def load_plugins() -> dict[str, str]:
    """Register the architectures of installed packages, once: every entry of the
    ``gnncore.architectures`` entry-point group (``mygcn = "mypkg.arch:MyGCN"``), after the
    built-ins. One that fails to import, is no Architecture, breaks a capability rule or
    takes a name already registered is skipped with one warning sentence (:func:`skipped_plugins`).
    Returns the plugins registered, name -> entry point."""
    global _plugins
    if _plugins is None:
        _plugins = {}
        from importlib.metadata import entry_points

        for point in entry_points(group=ENTRY_POINT_GROUP):
            problem = _load(point)
            if problem:
                _skipped.append(f"Skipped the architecture plugin {point.name} = {point.value!r}: {problem}.")
                if multiprocessing.parent_process() is None:  # said once, not again by every worker
                    log.warning(_skipped[-1])
    return dict(_plugins)


def _load(point) -> str:
    """Register one entry point's class; what was wrong, or "" when it registered."""
    before = dict(ARCHITECTURES)
    try:
        cls = point.load()
    except (Exception, SystemExit) as e:  # a plugin's import error must not take the app down
        ARCHITECTURES.clear()
        ARCHITECTURES.update(before)
        return f"it failed to import ({type(e).__name__}: {e})"
    if ARCHITECTURES != before:  # it ran @register itself: only this entry point's class may come in
        ARCHITECTURES.clear()
        ARCHITECTURES.update(before)
    if not (isinstance(cls, type) and issubclass(cls, Architecture)):
        return "it is not a subclass of gnncore.gnn.architectures.Architecture"
    if not cls.name:
        return "its class sets no name"
    if cls.name in ARCHITECTURES:
        owner = "a built-in architecture" if cls.name not in _plugins else f"the plugin {_plugins[cls.name]!r}"
        return f"the name {cls.name!r} is taken by {owner}, so it was refused"
    try:
        register(cls)
    except Exception as e:
        return f"it could not be registered ({e})"
    _plugins[cls.name] = point.value
    return ""


def skipped_plugins() -> list[str]:
    """The warning sentence of every plugin entry point that was skipped."""
    load_plugins()
    return list(_skipped)


def reset_plugins() -> None:
    """Forget the plugins (tests): the next read of the registry looks for them again."""
    global _plugins
    for name in _plugins or {}:
        ARCHITECTURES.pop(name, None)
    _plugins = None
    _skipped.clear()


class Architectures(abc.Mapping):
    """The architectures that take part in a task, read at every use (plugins included,
    loaded on the first read), so an engine's ``FACTS.models`` follows the registry."""

    def __init__(self, task: str):
        self.task = task

    def _now(self) -> dict[str, Architecture]:
        load_plugins()
        return {name: a for name, a in ARCHITECTURES.items() if self.task in a.tasks}

    def __getitem__(self, name: str) -> Architecture:
        return self._now()[name]

    def __iter__(self):
        return iter(self._now())

    def __len__(self) -> int:
        return len(self._now())

    def __repr__(self) -> str:
        return f"Architectures({self.task!r}: {', '.join(self._now())})"


def architectures(task: str) -> Architectures:
    """The architectures that take part in ``task``, in reading order (built-ins, then
    plugins), as a view read at every use."""
    return Architectures(task)


def architecture(name: str) -> Architecture:
    load_plugins()
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}")
    return ARCHITECTURES[name]
