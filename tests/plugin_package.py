"""A user's own package that brings an architecture through the ``gnncore.architectures``
entry-point group, written as pip installs one: the package beside its
``mypkg-0.1.dist-info`` record (METADATA, entry_points.txt), on a folder that goes on
``sys.path`` or ``PYTHONPATH``. Shared by tests/gnn/test_plugins.py and the arena's AppTest."""

from __future__ import annotations

from pathlib import Path

ARCH = '''
from torch_geometric.nn import GCNConv

from gnncore.gnn.architectures import Layer, Stacked


class MyArch(Stacked):
    """Two of PyG's GCNConv layers, stacked as the built-ins are."""

    name, label, color = "myarch", "My GCN", "#FF7F0E"
    title = "My GCN (a plugin)"
    tasks = ("node",)
    defaults = {"node": dict(hidden=16, dropout=0.5, lr=0.01, weight_decay=5e-4)}

    def conv(self, layer: Layer):
        return GCNConv(layer.n_in, layer.n_out)


class Clash(MyArch):
    name = "gcn"


NotAnArchitecture = object
'''


def write_plugin(site: Path, *entries: str) -> Path:
    """``mypkg`` with its installed-distribution record in ``site``; ``entries`` are lines of
    the entry-point group (default: ``myarch = mypkg.arch:MyArch``). Returns ``site``."""
    (site / "mypkg").mkdir(parents=True)
    (site / "mypkg" / "__init__.py").write_text("")
    (site / "mypkg" / "arch.py").write_text(ARCH)
    record = site / "mypkg-0.1.dist-info"
    record.mkdir()
    (record / "METADATA").write_text("Metadata-Version: 2.1\nName: mypkg\nVersion: 0.1\n")
    lines = entries or ("myarch = mypkg.arch:MyArch",)
    (record / "entry_points.txt").write_text("[gnncore.architectures]\n" + "\n".join(lines) + "\n")
    return site
