"""Reading and checking a user's two CSV files (the format: :mod:`gnncore.gnn.data.userdata`).

:func:`graph_from_files` answers every problem in one sentence each (:class:`UserDataError`)
and makes the graph only when all is well.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import IO, Union

import numpy as np
import pandas as pd
import torch
from torch_geometric.data import Data

from gnncore.spec import SpecError

__all__ = ["MEMORY_SHARE", "SPLITS", "Source", "UserDataError", "graph_from_files", "memory_bytes"]

Source = Union[str, os.PathLike, bytes, IO[bytes]]

SPLITS = {"train": 0, "val": 1, "validation": 1, "test": 2}
# A CSV takes several times its size once parsed (pandas' columns, then the tensors); a file
# larger than this share of the machine's memory would not load.
MEMORY_SHARE = 8


class UserDataError(SpecError):
    """Files that cannot become a dataset: ``problems`` holds one sentence each."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def memory_bytes() -> int:
    """This machine's physical memory."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def _gb(n: float) -> str:
    return f"{n / 2 ** 30:.1f} GB" if n >= 2 ** 30 else f"{n / 2 ** 20:.1f} MB"


def _read(source: Source, label: str) -> tuple[bytes, int]:
    """The bytes of a path, bytes or an open binary file (an upload), and their size."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), len(source)
    if hasattr(source, "read"):
        data = source.read()
        return data, len(data)
    path = Path(source)
    if not path.is_file():
        raise UserDataError([f"{label} {path} does not exist or is not a file."])
    return path.read_bytes(), path.stat().st_size


def _size(source: Source) -> int | None:
    if isinstance(source, (bytes, bytearray)):
        return len(source)
    if hasattr(source, "size"):
        return int(source.size)
    try:
        return Path(source).stat().st_size
    except (OSError, TypeError):
        return None


def _csv(data: bytes, label: str, problems: list[str]) -> pd.DataFrame | None:
    if not data.strip():
        problems.append(f"{label} is empty; it needs a header row and one row per {'edge' if 'edge' in label else 'node'}.")
        return None
    try:
        frame = pd.read_csv(io.BytesIO(data), skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        problems.append(f"{label} is not a CSV file that can be read ({first}).")
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _whole(values: pd.Series) -> tuple[pd.Series, list[int]]:
    """The values as integers and the row numbers (1 = the first data row) that are not whole."""
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() | (numbers % 1 != 0)
    return numbers.fillna(-1).astype("int64"), [int(i) + 1 for i in values.index[bad][:3]]


def _rows(rows: list[int]) -> str:
    return "row " + str(rows[0]) if len(rows) == 1 else "rows " + ", ".join(map(str, rows))


def graph_from_files(name: str, edges: Source, nodes: Source, edges_label: str, nodes_label: str,
                     problems: list[str]) -> tuple[Data, dict, bytes, bytes]:
    """The graph of two files, its ``meta`` and the two files' bytes; ``problems`` found
    before (the name's) come first. Raises :class:`UserDataError` with one sentence per problem.
    """
    limit = memory_bytes() // MEMORY_SHARE
    sizes = {label: _size(src) for label, src in ((edges_label, edges), (nodes_label, nodes))}
    if sum(s or 0 for s in sizes.values()) > limit:
        big = ", ".join(f"{label} is {_gb(s)}" for label, s in sizes.items() if s)
        problems.append(f"The files are too large for this machine: {big}, and loading a graph takes "
                        f"several times its files' size, so together they may be at most {_gb(limit)} "
                        f"here (1/{MEMORY_SHARE} of its {_gb(memory_bytes())} of memory).")
        raise UserDataError(problems)
    edge_bytes, _ = _read(edges, edges_label)
    node_bytes, _ = _read(nodes, nodes_label)
    edge_frame = _csv(edge_bytes, edges_label, problems)
    node_frame = _csv(node_bytes, nodes_label, problems)
    if edge_frame is None or node_frame is None:
        raise UserDataError(problems)

    lower = {c.lower(): c for c in node_frame.columns}
    missing = [c for c in ("id", "label") if c not in lower]
    if missing:
        problems.append(f"{nodes_label} has no column {' or '.join(repr(m) for m in missing)}; its header "
                        "must name id, label, the feature columns and optionally split.")
    edge_lower = {c.lower(): c for c in edge_frame.columns}
    edge_missing = [c for c in ("source", "target") if c not in edge_lower]
    if edge_missing:
        problems.append(f"{edges_label} has no column {' or '.join(repr(m) for m in edge_missing)}; its "
                        "header must be source,target.")
    if missing:
        raise UserDataError(problems)

    n = len(node_frame)
    ids, bad = _whole(node_frame[lower["id"]])
    if n == 0:
        problems.append(f"{nodes_label} has a header but no nodes.")
    if bad:
        problems.append(f"{nodes_label}: id must be a whole number, and {_rows(bad)} "
                        f"{'has' if len(bad) == 1 else 'have'} {node_frame[lower['id']].iloc[bad[0] - 1]!r}.")
    else:
        counts = ids.value_counts()
        twice = counts[counts > 1]
        if len(twice):
            problems.append(f"{nodes_label}: {len(twice)} id{'s appear' if len(twice) > 1 else ' appears'} more "
                            f"than once (id {int(twice.index[0])}: {int(twice.iloc[0])} rows); each node needs "
                            "exactly one row.")
        outside = ids[(ids < 0) | (ids >= n)]
        if len(outside) and n:
            problems.append(f"{nodes_label}: ids must run from 0 to {n - 1} (one per row), but "
                            f"{len(outside)} {'is' if len(outside) == 1 else 'are'} outside that range, "
                            f"such as {int(outside.iloc[0])}.")
    labels, bad = _whole(node_frame[lower["label"]])
    if bad or (labels < 0).any():
        rows = bad or [int(i) + 1 for i in labels.index[labels < 0][:3]]
        problems.append(f"{nodes_label}: label must be a whole number from 0 (the node's class), and "
                        f"{_rows(rows)} {'has' if len(rows) == 1 else 'have'} "
                        f"{node_frame[lower['label']].iloc[rows[0] - 1]!r}.")
    elif n and labels.nunique() < 2:
        problems.append(f"{nodes_label}: every node has label {int(labels.iloc[0])}; classification needs at "
                        "least two classes.")

    split = None
    if "split" in lower:
        words = node_frame[lower["split"]].astype(str).str.strip().str.lower()
        wrong = words[~words.isin(SPLITS)]
        if len(wrong):
            rows = [int(i) + 1 for i in wrong.index[:3]]
            problems.append(f"{nodes_label}: split must be train, val or test, and {_rows(rows)} "
                            f"{'has' if len(rows) == 1 else 'have'} {node_frame[lower['split']].iloc[rows[0] - 1]!r}.")
        else:
            split = torch.tensor(words.map(SPLITS).to_numpy(), dtype=torch.long)
            lacking = [w for w, i in (("train", 0), ("val", 1), ("test", 2)) if not (split == i).any()]
            if lacking:
                problems.append(f"{nodes_label}: the split column has no {' or '.join(lacking)} node; "
                                "each of train, val and test needs at least one.")

    feature_columns = [c for c in node_frame.columns if c.lower() not in ("id", "label", "split")]
    if not feature_columns:
        problems.append(f"{nodes_label} has no feature column; add at least one numeric column besides "
                        "id, label and split.")
    dense = n * len(feature_columns) * 4
    if dense > memory_bytes() // 4:
        problems.append(f"{nodes_label}'s {n:,} x {len(feature_columns):,} features would take {_gb(dense)} as "
                        f"a matrix, more than a quarter of this machine's {_gb(memory_bytes())} of memory.")
    for column in feature_columns:
        values = pd.to_numeric(node_frame[column], errors="coerce")
        bad_rows = values.index[values.isna()]
        if len(bad_rows):
            i = int(bad_rows[0])
            shown = node_frame[column].iloc[i]
            what = "is empty" if pd.isna(shown) else f"has {shown!r}"
            problems.append(f"{nodes_label}: feature column '{column}' is not numeric (row {i + 1} {what}).")

    if not edge_missing:
        ends = []
        for end in ("source", "target"):
            values, bad = _whole(edge_frame[edge_lower[end]])
            if bad:
                problems.append(f"{edges_label}: {end} must be a node id (a whole number), and {_rows(bad)} "
                                f"{'has' if len(bad) == 1 else 'have'} {edge_frame[edge_lower[end]].iloc[bad[0] - 1]!r}.")
            ends.append(values)
        if len(edge_frame) == 0:
            problems.append(f"{edges_label} has a header but no edges.")
        elif len(ends) == 2 and n and not any(p.startswith(f"{edges_label}: source") or
                                              p.startswith(f"{edges_label}: target") for p in problems):
            out = (ends[0] < 0) | (ends[0] >= n) | (ends[1] < 0) | (ends[1] >= n)
            if out.any():
                i = int(out.idxmax())
                problems.append(f"{edges_label}: {int(out.sum())} edge{'s name' if out.sum() > 1 else ' names'} a "
                                f"node that is not in {nodes_label} (ids run from 0 to {n - 1}), such as row "
                                f"{i + 1}: {int(ends[0].iloc[i])} to {int(ends[1].iloc[i])}.")
    if problems:
        raise UserDataError(problems)

    from torch_geometric.utils import coalesce, to_undirected

    order = torch.tensor(ids.to_numpy()).argsort()  # row i of the tensors is node i
    x = torch.tensor(node_frame[feature_columns].apply(pd.to_numeric).to_numpy(), dtype=torch.float)[order]
    y = torch.tensor(labels.to_numpy(), dtype=torch.long)[order]
    edge_index = torch.from_numpy(np.stack([ends[0].to_numpy(), ends[1].to_numpy()])).long()
    edge_index = coalesce(to_undirected(edge_index, num_nodes=n), num_nodes=n)
    data = Data(x=x, y=y, edge_index=edge_index, num_nodes=n)
    if split is not None:
        data.split = split[order]
    counts = tuple(int((data.split == i).sum()) for i in range(3)) if split is not None else (0, 0, 0)
    meta = dict(name=str(name), nodes=n, edges=int(edge_index.size(1)), features=len(feature_columns),
                classes=int(y.max()) + 1, split="given" if split is not None else "random",
                split_counts=list(counts), added=time.time(), size_bytes=len(edge_bytes) + len(node_bytes))
    return data, meta, edge_bytes, node_bytes
