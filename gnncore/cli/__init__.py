"""``python -m gnncore ...`` (or ``gnncore ...``): the same specs as the pages, headless.

Each subcommand lives in its own module with ``HELP`` (one line) and ``register(subparsers)``;
bad input of any kind ends in one line on stderr and exit code 2, with nothing written.
Only the subcommand asked for is built in full: its flags come from the engines' facts,
which import torch, so ``--help`` alone needs none of that and answers at once.
"""

from __future__ import annotations

import importlib
import signal
import sys
import threading

from gnncore.cli import common
from gnncore.spec import DatasetUnavailable, SpecError

SUBCOMMANDS = ("gnn", "posenc", "runs", "datasets", "sweep", "wl", "explain")  # each a module here with HELP and register()


def build_parser(argv: list[str] | None = None) -> common.Parser:
    """The parser; with ``argv``, only the subcommand it names is registered in full, the
    others by name and help line."""
    chosen = next((a for a in argv if not a.startswith("-")), None) if argv is not None else None
    parser = common.Parser(prog=common.prog(), description="Train and compare architectures headless.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=common.Parser)
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"gnncore.cli.{name}")
        if argv is None or name == chosen:
            module.register(sub)
        else:
            sub.add_parser(name, help=module.HELP)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, systemd, ``docker stop``), handled as Ctrl-C is."""


def _terminate(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(argv).parse_args(argv)
        common.check_outputs(args)
        return args.func(args)
    except common.UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except (SpecError, DatasetUnavailable) as e:  # a bad GNNCORE_* setting (ConfigError) among them
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        print("stopped; finished runs are in the run store.", file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130
