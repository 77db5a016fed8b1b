"""The peak memory of a run: what training added at its highest, in MB.

On CUDA, torch's own peak counter (``torch.cuda.max_memory_allocated``). On a CPU torch
allocates outside Python's allocator, so ``tracemalloc`` does not see a tensor; instead a
thread reads the process's resident set (``/proc/self/statm``, Linux) every 5 ms and keeps
the highest, less what the process held on entry, once the memory earlier runs freed has
gone back to the system. Where there is no ``/proc`` the
process's lifetime peak (``resource.getrusage``) stands in, which misses a run whose peak
is below an earlier one's. Each run trains in a worker of its own loop, so the figure is
the run's, data loading included.
"""

from __future__ import annotations

import os
import threading

import torch

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_STATM = "/proc/self/statm"


def _resident() -> int | None:
    try:
        with open(_STATM) as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def _release_freed() -> None:
    """Hand memory freed by earlier runs back to the system (glibc's ``malloc_trim``, through
    ctypes), so that it does not hide this run's growth; a no-op elsewhere."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _lifetime_peak() -> int:
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


class PeakMemory:
    """``with PeakMemory(device) as m: ...`` then ``m.peak_mb``."""

    def __init__(self, device: torch.device | str = "cpu", every: float = 0.005):
        self.device, self.every = torch.device(device), every
        self.peak_mb = 0.0

    def __enter__(self) -> "PeakMemory":
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self._start = torch.cuda.memory_allocated(self.device)
            return self
        _release_freed()
        self._start = _resident()
        if self._start is None:
            self._start = _lifetime_peak()
            return self
        self._highest, self._done = self._start, threading.Event()
        self._thread = threading.Thread(target=self._watch, name="gnncore-peak-memory", daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._done.wait(self.every):
            now = _resident()
            if now is not None and now > self._highest:
                self._highest = now

    def __exit__(self, *exc) -> None:
        if self.device.type == "cuda":
            peak = torch.cuda.max_memory_allocated(self.device)
        elif getattr(self, "_thread", None) is not None:
            self._done.set()
            self._thread.join()
            peak = max(self._highest, _resident() or 0)
        else:
            peak = _lifetime_peak()
        self.peak_mb = max(0.0, (peak - self._start) / 2 ** 20)
