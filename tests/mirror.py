"""Where the tests find the offline dataset mirror: $GNNCORE_MIRROR, else ../shared/datasets."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MIRROR = Path(os.environ.get("GNNCORE_MIRROR") or ROOT.parent / "shared" / "datasets")


def needs_mirror(*paths: str):
    """Skip unless the offline mirror holds these folders (CI always has them)."""
    missing = [p for p in paths if not (MIRROR / p).exists()]
    return pytest.mark.skipif(bool(missing), reason=f"offline mirror lacks {missing} under {MIRROR}")
