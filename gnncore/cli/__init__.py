"""``python -m gnncore ...``: the same specs as the pages, headless.

Each subcommand lives in its own module with ``register(subparsers)``; bad input of any
kind ends in one line on stderr and exit code 2, with nothing written.
"""

from __future__ import annotations

import importlib
import signal
import sys
import threading

from gnncore.cli import common

SUBCOMMANDS = ("gnn", "posenc", "runs", "datasets", "sweep")  # each a module here with register(subparsers)


def build_parser() -> common.Parser:
    parser = common.Parser(prog="python -m gnncore",
                           description="Train and compare architectures headless.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=common.Parser)
    for name in SUBCOMMANDS:
        importlib.import_module(f"gnncore.cli.{name}").register(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, systemd, ``docker stop``), handled as Ctrl-C is."""


def _terminate(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except common.UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        print("stopped; finished runs are in the run store.", file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130
