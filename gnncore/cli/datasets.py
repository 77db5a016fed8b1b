"""``python -m gnncore datasets``: every dataset and whether it is at hand; add or remove
your own graph (two CSV files, :mod:`gnncore.gnn.data.userdata`)."""

from __future__ import annotations

import sys
from pathlib import Path

from gnncore.cli import common

COMMAND = "datasets"
HELP = "list the datasets; add or remove your own graph"


def register(sub) -> None:
    p = sub.add_parser(COMMAND, help=HELP,
                       description="List every dataset (built-in and added) with its source and whether "
                                   "its files are at hand; add your own graph from two CSV files.")
    actions = p.add_subparsers(dest="action", required=True, parser_class=common.Parser)
    listing = actions.add_parser("list", help="every dataset, its tasks, source and whether it is at hand")
    listing.set_defaults(func=list_datasets)
    add = actions.add_parser(
        "add", help="add your own graph from an edge CSV and a node CSV",
        description="Add a graph for node classification and link prediction. edges.csv: columns "
                    "source,target (node ids; edges are undirected). nodes.csv: columns id (0 to N-1, "
                    "each once), label (class, a whole number from 0), numeric feature columns, and "
                    "optionally split (train, val or test); without it each run draws 60/20/20 per class "
                    "from its seed. Stored under the data cache ($GNNCORE_DATA/user/NAME).")
    add.add_argument("name", help="the dataset's name, as --dataset will spell it (letters, digits, - and _)")
    add.add_argument("--edges", required=True, help="the edge list CSV (source,target)")
    add.add_argument("--nodes", required=True, help="the node CSV (id,label,features...[,split])")
    add.set_defaults(func=add_dataset)
    remove = actions.add_parser("remove", help="remove a graph you added, and its stored runs")
    remove.add_argument("name")
    remove.set_defaults(func=remove_dataset)


def list_datasets(args) -> int:
    from gnncore.gnn.data.datasets import all_datasets, availability

    rows = [(d.name, ",".join(d.tasks), availability(d.name), d.source) for d in all_datasets().values()]
    widths = [max(len(r[i]) for r in rows + [("dataset", "tasks", "files", "source")]) for i in range(3)]
    print(f"{'dataset':<{widths[0]}}  {'tasks':<{widths[1]}}  {'files':<{widths[2]}}  source")
    for name, tasks, files, source in rows:
        print(f"{name:<{widths[0]}}  {tasks:<{widths[1]}}  {files:<{widths[2]}}  {source}")
    return 0


def add_dataset(args) -> int:
    from gnncore.gnn.data import userdata
    from gnncore.runs import RunStore

    store = RunStore()  # a bad GNNCORE_STORE stops here, before the graph is written
    try:
        d = userdata.add(args.name, args.edges, args.nodes, edges_label=Path(args.edges).name,
                         nodes_label=Path(args.nodes).name)
    except userdata.UserDataError as e:
        # One line per problem, the last saying nothing was stored: one problem is one line.
        for i, problem in enumerate(e.problems, 1):
            print(f"error: {problem}" + (" Nothing was stored." if i == len(e.problems) else ""), file=sys.stderr)
        return 2
    stale = store.delete_where(dataset=d.name)  # runs of an earlier graph of the same name
    print(f"added {d.name}: {d.nodes:,} nodes, {d.edges // 2:,} undirected edges, {d.features:,} features, "
          f"{d.classes} classes; split: {d.split_text}.")
    if stale:
        print(f"deleted {common.plural(stale, 'stored run')} of an earlier dataset named {d.name}.")
    print(f"stored in {userdata.root() / d.name}; train it with: {common.prog()} gnn --dataset {d.name}")
    return 0


def remove_dataset(args) -> int:
    from gnncore.gnn.data import userdata
    from gnncore.runs import RunStore
    from gnncore.spec import SpecError

    try:
        d = userdata.remove(args.name)
    except SpecError as e:
        raise common.UsageError(str(e)) from None
    deleted = RunStore().delete_where(dataset=d.name)
    print(f"removed {d.name} and {common.plural(deleted, 'stored run')} on it.")
    return 0
