"""Worker processes end with their parent, however the parent ends (SIGTERM, SIGKILL)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LONG = ["posenc", "--encodings", "nope,rope", "--steps", "50000", "--no-cache", "--workers", "2"]


def children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def workers(pid: int) -> set[int]:
    """The parent's spawned training workers (not the resource tracker)."""
    found = set()
    for child in children(pid):
        try:
            cmd = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmd:
            found.add(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent has not reaped it


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_workers_end_when_the_cli_is_stopped(sig, tmp_path):
    env = {**os.environ, "GNNCORE_STORE": str(tmp_path / "runs.sqlite")}
    proc = subprocess.Popen([sys.executable, "-m", "gnncore", *LONG], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        found = set()
        while len(found) < 2 and time.monotonic() < deadline:
            found = workers(proc.pid)
            time.sleep(0.2)
        assert len(found) == 2, "the CLI never started its two workers"
        time.sleep(1.0)  # let them start training
        proc.send_signal(sig)
        proc.wait(timeout=30)
        end = time.monotonic() + 10
        while any(alive(w) for w in found) and time.monotonic() < end:
            time.sleep(0.2)
        assert not any(alive(w) for w in found), f"workers left running after {sig.name}"
        if sig == signal.SIGTERM:
            assert proc.returncode == 143
            assert b"Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
