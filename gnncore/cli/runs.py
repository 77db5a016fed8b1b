"""``python -m gnncore runs list|delete|export``: the stored runs, headless (the Runs page's
list, delete and export; :mod:`gnncore.history`)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gnncore.cli import common

if TYPE_CHECKING:
    import pandas as pd

    from gnncore import history
    from gnncore.runs import RunStore

COMMAND = "runs"
HELP = "list, delete or export the runs in the run store"


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kind", type=common.csv_list, default=[],
                   help="comma-separated run kinds: node, link, graph, posenc")
    p.add_argument("--dataset", type=common.csv_list, default=[],
                   help="comma-separated datasets or sequence tasks (any case)")
    p.add_argument("--model", type=common.csv_list, default=[], help="comma-separated models or encodings")
    p.add_argument("--seed", type=common.csv_list, default=[], help="comma-separated seeds")
    p.add_argument("--tag", type=common.csv_list, default=[], help="runs with any of these tags")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a hyperparameter's value, e.g. --param lr=0.01 (repeat for more; "
                        "NAME=A,B keeps either)")
    p.add_argument("--since", help="runs stored on or after this day (YYYY-MM-DD, today, yesterday)")
    p.add_argument("--until", help="runs stored on or before this day")
    p.add_argument("--key", type=common.csv_list, default=[], help="comma-separated run keys (or their starts)")


def register(sub) -> None:
    p = sub.add_parser(COMMAND, help=HELP,
                       description="The runs in the run store ($GNNCORE_STORE, else runs.sqlite in the data "
                                   "cache), filtered as on the Runs page.")
    actions = p.add_subparsers(dest="action", required=True, parser_class=common.Parser)
    listing = actions.add_parser("list", help="one line per run: key, date, kind, dataset, model, seed, "
                                              "headline metric")
    _filters(listing)
    listing.set_defaults(func=list_runs)
    delete = actions.add_parser("delete", help="delete the runs the filters select (asks nothing)")
    _filters(delete)
    delete.add_argument("--all", action="store_true", help="delete every run (needed without filters)")
    delete.set_defaults(func=delete_runs)
    export = actions.add_parser("export", help="the selected runs as the comparison zip, or a CSV")
    _filters(export)
    common.add_output(export, "--out", required=True,
                        help="a .zip (charts as PNG, SVG, HTML; data; specs; README) or a .csv (one row per run)")
    export.set_defaults(func=export_runs)


def selection(args) -> tuple[RunStore, pd.DataFrame, history.Filter]:
    from gnncore import history
    from gnncore.runs import RunStore

    params: dict[str, list] = {}
    for pair in args.param:
        if "=" not in pair:
            raise common.UsageError(f"--param {pair} needs a name and a value, such as --param lr=0.01.")
        name, values = pair.split("=", 1)
        params[name.strip()] = common.csv_list(values)
    try:
        seeds = [int(s) for s in args.seed]
        since = history.parse_date(args.since) if args.since else None
        until = history.parse_date(args.until) if args.until else None
    except ValueError as e:
        message = str(e) if "date" in str(e) else f"--seed takes whole numbers; got {','.join(args.seed)}."
        raise common.UsageError(message) from None
    f = history.Filter(args.kind, args.dataset, args.model, seeds, args.tag, params, since, until)
    store = RunStore()
    if store.notice:
        print(f"note: {store.notice}")
    frame = history.runs_table(store)
    unknown = [name for name in params if name not in frame]
    if unknown and len(frame):
        raise common.UsageError(f"No stored run has the setting '{unknown[0]}'; the settings are "
                                f"{', '.join(history.param_columns(frame))}.")
    chosen = history.apply(frame, f)
    if args.key:
        chosen = chosen[chosen["key"].map(lambda k: any(k.startswith(p) for p in args.key))]
    return store, chosen, f


def _score(name: str, score) -> str:
    from gnncore.runs import metric

    if score != score or score is None:  # NaN: no value
        return f"{name} -"
    return f"{name} {100 * score:.1f}%" if metric(name).fraction else f"{name} {score:.4g}"


def _repeat(row) -> str:
    """``seed 0``, or ``seed 0 fold 3`` for a cross-validated run (its seed alone repeats)."""
    fold = getattr(row, "fold", None)
    return f"seed {row.seed:<3}" + ("" if fold is None or fold != fold else f" fold {int(fold):<2}")


def list_runs(args) -> int:
    _, chosen, _ = selection(args)
    for row in chosen.itertuples():
        tags = f"  [{row.tags}]" if row.tags else ""
        print(f"{row.key[:10]}  {row.created:%Y-%m-%d %H:%M}  {row.kind:<6} {row.dataset:<12} {row.model:<10} "
              f"{_repeat(row)} {_score(row.metric, row.score)}{tags}")
    print(common.plural(len(chosen), "run"))
    return 0


def delete_runs(args) -> int:
    store, chosen, f = selection(args)
    if f.empty and not args.key and not args.all:
        raise common.UsageError("runs delete needs filters (--kind, --dataset, --model, --seed, --tag, --param, "
                                "--since, --until, --key) or --all to delete every run.")
    deleted = store.delete(chosen["key"])
    print(f"deleted {common.plural(deleted, 'run')}.")
    return 0


def export_runs(args) -> int:
    store, chosen, _ = selection(args)
    out = str(args.out)
    if not out.lower().endswith((".zip", ".csv")):
        raise common.UsageError(f"--out {out} must end in .zip (the comparison) or .csv (one row per run).")
    if chosen.empty:
        raise common.UsageError("No stored run matches these filters; nothing was written "
                                f"({common.prog()} runs list shows what there is).")
    from gnncore import history

    selected = history.results(store, history.for_comparison(chosen)["key"])
    if out.lower().endswith(".csv"):
        from gnncore.runs import runs_frame

        common.write_csv(runs_frame(selected).drop(columns="cached"), out)
    else:
        from gnncore import export

        try:
            export.save(out, history.export_zip(selected))
        except OSError as e:
            raise common.UsageError(f"--out {out} could not be written ({e.strerror or e}).") from None
    print(f"wrote {common.plural(len(selected), 'run')} to {out}")
    return 0
