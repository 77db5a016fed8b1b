"""What the CLI costs and leaves: --help without torch, its name as the user called it, PyG's
processing lines kept out of its output, and no generated module left in the temp folder."""

import os
import subprocess
import sys
from pathlib import Path

from mirror import MIRROR

from gnncore.cli import SUBCOMMANDS

ROOT = Path(__file__).resolve().parents[1]


def python(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def test_help_imports_neither_torch_nor_pandas_and_names_the_command():
    for argv0, prog in (("/usr/local/bin/gnncore", "usage: gnncore "), ("-m", "usage: python -m gnncore ")):
        done = python("import sys\n"
                      f"sys.argv = [{argv0!r}, '--help']\n"
                      "from gnncore.cli import main\n"
                      "try:\n    main()\nexcept SystemExit:\n    pass\n"
                      "print('heavy:', sorted(m for m in ('torch', 'torch_geometric', 'pandas') if m in sys.modules))")
        assert done.stdout.startswith(prog), done.stdout + done.stderr
        assert "heavy: []" in done.stdout and all(name in done.stdout for name in SUBCOMMANDS)


def test_no_subcommand_module_imports_torch_at_module_level():
    done = python("import importlib, sys\n"
                  f"for name in {list(SUBCOMMANDS)!r}:\n"
                  "    importlib.import_module('gnncore.cli.' + name)\n"
                  "print('torch' in sys.modules, 'torch_geometric' in sys.modules)")
    assert done.stdout.strip() == "False False", done.stderr


def test_two_workers_leave_no_generated_module_and_print_no_pyg_processing(tmp_path):
    temp, data = tmp_path / "tmp", tmp_path / "data"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "GNNCORE_DATA": str(data), "GNNCORE_MIRROR": str(MIRROR),
           "GNNCORE_STORE": str(tmp_path / "runs.sqlite"), "GNNCORE_OFFLINE": "1"}
    env.pop("PYTEST_CURRENT_TEST", None)  # PyG stays quiet under pytest: be the user's shell
    args = ["gnn", "--task", "graph", "--dataset", "MUTAG", "--models", "gcn,gin", "--folds", "2", "--seeds", "1",
            "--epochs", "1", "--workers", "2"]
    done = subprocess.run([sys.executable, "-m", "gnncore", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Processing..." not in done.stdout + done.stderr and "Done!" not in done.stdout + done.stderr
    assert "note: 4 runs trained." in done.stderr
    left = [p.name for p in temp.rglob("*.py")]
    assert left == [], f"PyG's generated modules left behind: {left}"
    again = subprocess.run([sys.executable, "-m", "gnncore", *args], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert "note: all 4 runs from the run store; none trained." in again.stderr
