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


def _read(source: Source, kind: str) -> tuple[bytes, int]:
    """The bytes of a path, bytes or an open binary file (an upload), and their size."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), len(source)
    if hasattr(source, "read"):
        data = source.read()
        return data, len(data)
    path = Path(source)
    if path.is_dir():
        raise UserDataError([f"{path} is a folder, not a file; give the path of the {kind} CSV file itself."])
    if not path.is_file():
        raise UserDataError([f"{path} does not exist; check the path of the {kind} file."])
    try:
        return path.read_bytes(), path.stat().st_size
    except OSError as e:
        raise UserDataError([f"{path} cannot be read ({e.strerror or e}); check its permissions."]) from None


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


# int64's range: a larger id or label would wrap around (99999999999999999999 became
# -9223372036854775808) and be reported as a number nobody wrote.
LARGEST = 2 ** 63
FLOAT32_MAX = float(np.finfo(np.float32).max)  # features are stored as float32


def _whole(values: pd.Series) -> tuple[pd.Series, list[int]]:
    """The values as integers (-1 where they are not) and the row numbers (1 = the first data
    row) of the first three that are not whole numbers within int64."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.dtype.kind in "iu":  # read as integers already: exact, only the range to check
        good = numbers < LARGEST if numbers.dtype.kind == "u" else pd.Series(True, index=numbers.index)
    else:
        floats = numbers.astype("float64")
        good = pd.Series(np.isfinite(floats), index=numbers.index) & (floats % 1 == 0) & (floats.abs() < LARGEST)
    whole = numbers.where(good, -1).astype("int64")
    return whole, [int(i) + 1 for i in values.index[~good][:3]]


def _rows(rows: list[int]) -> str:
    return "row " + str(rows[0]) if len(rows) == 1 else "rows " + ", ".join(map(str, rows))


def _plain(value) -> str:
    """A cell's value as the file has it: text quoted, numbers as written (never numpy's repr)."""
    if isinstance(value, str):
        return repr(value.strip())
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and value.is_integer() and abs(value) < LARGEST:
        return str(int(value))
    return str(value)


def _raw(data: bytes, frame: pd.DataFrame, column: str, row: int) -> str:
    """The text of a cell pandas read as missing, looked up again in the file (only on a
    problem): an empty cell and 'nan' read alike."""
    position = list(frame.columns).index(column)
    return pd.read_csv(io.BytesIO(data), usecols=[position], dtype=str, keep_default_na=False,
                       skipinitialspace=True).iloc[row, 0].strip()


def _cell(data: bytes, frame: pd.DataFrame, column: str, row: int, what: str) -> str:
    """What row ``row`` (0-based) of ``column`` holds, as the rest of a sentence: "is empty",
    "has 'nan', which is not a number", "has 1.5", "has 99999999999999999999, too large for
    ``what``"."""
    value = frame[column].iloc[row]
    if pd.isna(value):
        text = _raw(data, frame, column, row)
        return "is empty" if not text else f"has {text!r}, which is not a number"
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if pd.notna(number) and np.isfinite(number) and number % 1 == 0 and abs(number) >= LARGEST:
        return f"has {_plain(value)}, too large for {what}"
    return f"has {_plain(value)}"


def _missing(present: np.ndarray) -> tuple[list[str], int]:
    """The gaps in sorted non-negative whole numbers from 0 ("3 to 999"), the first five,
    and how many numbers are missing in all."""
    gaps, count, before = [], 0, -1
    for value in present.tolist():
        if value > before + 1:
            gaps.append(str(before + 1) if value == before + 2 else f"{before + 1} to {value - 1}")
            count += value - before - 1
        before = value
    return gaps[:5], count


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


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
    edge_bytes, _ = _read(edges, "edge")
    node_bytes, _ = _read(nodes, "node")
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
    if n == 0:
        problems.append(f"{nodes_label} has a header but no nodes.")
    ids = _check_ids(node_frame, lower["id"], node_bytes, nodes_label, problems)
    labels = _check_labels(node_frame, lower["label"], node_bytes, nodes_label, problems)
    split = _check_split(node_frame, lower.get("split"), nodes_label, problems)
    feature_columns = [c for c in node_frame.columns if c.lower() not in ("id", "label", "split")]
    _check_features(node_frame, feature_columns, lower["id"], node_bytes, nodes_label, problems)
    ends = None if edge_missing else _check_edges(edge_frame, edge_lower, n, edge_bytes, edges_label,
                                                  nodes_label, problems)
    if problems:
        raise UserDataError(problems)

    from torch_geometric.utils import coalesce, to_undirected

    source, target = ends[0].to_numpy(), ends[1].to_numpy()
    # A self-loop says nothing the models do not add themselves (GCN and GAT add one per node)
    # and inflated the edge count; a row repeated in the same direction is a typo. Both are
    # dropped and counted for the dataset's card; a row and its reverse are one undirected
    # edge written both ways, as csv_files writes them, and count as no repeat.
    loop = source == target
    self_loops = int(loop.sum())
    duplicate_edges = int((~loop).sum()) - len(np.unique(source[~loop] * n + target[~loop]))
    order = torch.tensor(ids.to_numpy()).argsort()  # row i of the tensors is node i
    x = torch.tensor(node_frame[feature_columns].apply(pd.to_numeric).to_numpy(), dtype=torch.float)[order]
    y = torch.tensor(labels.to_numpy(), dtype=torch.long)[order]
    edge_index = torch.from_numpy(np.stack([source[~loop], target[~loop]])).long()
    edge_index = coalesce(to_undirected(edge_index, num_nodes=n), num_nodes=n)
    data = Data(x=x, y=y, edge_index=edge_index, num_nodes=n)
    if split is not None:
        data.split = split[order]
    counts = tuple(int((data.split == i).sum()) for i in range(3)) if split is not None else (0, 0, 0)
    meta = dict(name=str(name), nodes=n, edges=int(edge_index.size(1)), features=len(feature_columns),
                classes=int(y.max()) + 1, split="given" if split is not None else "random",
                split_counts=list(counts), added=time.time(), size_bytes=len(edge_bytes) + len(node_bytes),
                self_loops=self_loops, duplicate_edges=duplicate_edges)
    return data, meta, edge_bytes, node_bytes


def _check_ids(frame: pd.DataFrame, column: str, data: bytes, label: str, problems: list[str]) -> pd.Series:
    n = len(frame)
    ids, bad = _whole(frame[column])
    if bad:
        problems.append(f"{label}: id must be a whole number from 0 to {max(n - 1, 0)}, and {_rows(bad)} "
                        f"{_cell(data, frame, column, bad[0] - 1, 'a node id')}.")
        return ids
    counts = ids.value_counts()
    twice = counts[counts > 1]
    if len(twice):
        problems.append(f"{label}: {len(twice)} id{'s appear' if len(twice) > 1 else ' appears'} more "
                        f"than once (id {int(twice.index[0])}: {int(twice.iloc[0])} rows); each node needs "
                        "exactly one row.")
    outside = ids[(ids < 0) | (ids >= n)]
    if len(outside) and n:
        problems.append(f"{label}: ids must run from 0 to {n - 1} (one per row), but "
                        f"{len(outside)} {'is' if len(outside) == 1 else 'are'} outside that range, "
                        f"such as {int(outside.iloc[0])} in row {int(outside.index[0]) + 1}.")
    return ids


def _check_labels(frame: pd.DataFrame, column: str, data: bytes, label: str, problems: list[str]) -> pd.Series:
    labels, bad = _whole(frame[column])
    if bad or (labels < 0).any():
        rows = bad or [int(i) + 1 for i in labels.index[labels < 0][:3]]
        problems.append(f"{label}: label must be a whole number from 0 (the node's class), and "
                        f"{_rows(rows)} {_cell(data, frame, column, rows[0] - 1, 'a label')}.")
    elif len(labels) and labels.nunique() < 2:
        problems.append(f"{label}: every node has label {int(labels.iloc[0])}; classification needs at "
                        "least two classes.")
    elif len(labels):
        # Refused, not renumbered: a model gets one output per number up to the largest
        # label, so {0, 1, 2, 1000} trained 1001 classes, 997 of them with no node; renumbering
        # quietly would make the charts' and the inside views' class 3 mean the file's 1000.
        # The user renumbers once, in the file, and every view then speaks the file's numbers.
        present = np.unique(labels.to_numpy())
        gaps, count = _missing(present)
        if count:
            renamed = [f"{old} as {new}" for new, old in enumerate(present.tolist()) if old != new]
            shown = _listed(gaps + (["more"] if len(gaps) == 5 else []))
            problems.append(f"{label}: labels must run from 0 with every class present, but label"
                            f"{'s' if count > 1 else ''} {shown} {'are' if count > 1 else 'is'} missing"
                            f"{f' ({count:,} classes that no node has)' if count > 1 else ''}; number the "
                            f"{len(present)} classes 0 to {len(present) - 1} (relabel "
                            f"{_listed(renamed[:3] + (['so on'] if len(renamed) > 3 else []))}).")
    return labels


def _check_split(frame: pd.DataFrame, column: str | None, label: str, problems: list[str]):
    if column is None:
        return None
    words = frame[column].astype(str).str.strip().str.lower()
    wrong = words[~words.isin(SPLITS)]
    if len(wrong):
        rows = [int(i) + 1 for i in wrong.index[:3]]
        problems.append(f"{label}: split must be train, val or test, and {_rows(rows)} "
                        f"{'has' if len(rows) == 1 else 'have'} {_plain(frame[column].iloc[rows[0] - 1])}.")
        return None
    split = torch.tensor(words.map(SPLITS).to_numpy(), dtype=torch.long)
    lacking = [w for w, i in (("train", 0), ("val", 1), ("test", 2)) if not (split == i).any()]
    if lacking:
        problems.append(f"{label}: the split column has no {' or '.join(lacking)} node; "
                        "each of train, val and test needs at least one.")
    return split


def _check_features(frame: pd.DataFrame, columns: list[str], id_column: str, data: bytes, label: str,
                    problems: list[str]) -> None:
    n = len(frame)
    if not columns:
        problems.append(f"{label} has no feature column; add at least one numeric column besides "
                        "id, label and split.")
        return
    dense = n * len(columns) * 4
    if dense > memory_bytes() // 4:
        problems.append(f"{label}'s {n:,} x {len(columns):,} features would take {_gb(dense)} as "
                        f"a matrix, more than a quarter of this machine's {_gb(memory_bytes())} of memory.")
        return
    # inf and nan parse as numbers but make every run diverge (and a number past float32's
    # range becomes inf in the tensor); text, empty cells and 'nan' alike are no number. The
    # first bad cell in the file's order is named, with the count.
    values = frame[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(values) <= FLOAT32_MAX)
    if not bad.any():
        return
    row, j = (int(i) for i in np.argwhere(bad)[0])
    column, value = columns[j], values[row, j]
    node = f"node {_plain(frame[id_column].iloc[row])}" if pd.notna(frame[id_column].iloc[row]) else "no id"
    where = f"at row {row + 1} ({node})"
    raw = frame[column].iloc[row]
    if np.isinf(value):
        what = f"has {_plain(value)} {where}"
    elif not np.isnan(value):
        what = f"has {_plain(value)} {where}, too large for a feature (at most {FLOAT32_MAX:.1e} either way)"
    elif not pd.isna(raw):
        what = f"is not numeric {where}, which has {_plain(raw)}"
    else:
        text = _raw(data, frame, column, row)
        what = f"has {text!r} {where}, which is not a number" if text else f"is empty {where}"
    more = (f", and {int(bad.sum()):,} cells in {int(bad.any(axis=0).sum())} column"
            f"{'s' if bad.any(axis=0).sum() > 1 else ''} are not") if bad.sum() > 1 else ""
    problems.append(f"{label}: feature column '{column}' {what}; every feature must be a finite number{more}.")


def _check_edges(frame: pd.DataFrame, lower: dict, n: int, data: bytes, label: str, nodes_label: str,
                 problems: list[str]) -> list[pd.Series] | None:
    ends, malformed = [], False
    for end in ("source", "target"):
        values, bad = _whole(frame[lower[end]])
        if bad:
            malformed = True
            problems.append(f"{label}: {end} must be a node id (a whole number), and {_rows(bad)} "
                            f"{_cell(data, frame, lower[end], bad[0] - 1, 'a node id')}.")
        ends.append(values)
    if len(frame) == 0:
        problems.append(f"{label} has a header but no edges.")
        return None
    if malformed or not n:
        return None
    out = (ends[0] < 0) | (ends[0] >= n) | (ends[1] < 0) | (ends[1] >= n)
    if out.any():
        i = int(out.idxmax())
        node = int(ends[0].iloc[i]) if not 0 <= ends[0].iloc[i] < n else int(ends[1].iloc[i])
        problems.append(f"{label}: {int(out.sum()):,} edge{'s name' if out.sum() > 1 else ' names'} a node "
                        f"that is not in {nodes_label} (ids run from 0 to {n - 1}), the first node {node} "
                        f"in row {i + 1}; add the missing nodes to {nodes_label} or drop those edges.")
    elif (ends[0] == ends[1]).all():
        problems.append(f"{label}: every edge is a self-loop (a node joined to itself), and self-loops are "
                        "dropped, so no edge would remain; list edges between different nodes.")
    return ends
