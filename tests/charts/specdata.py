"""Reading a chart's spec back: which layer draws what, from which rows."""

from __future__ import annotations

import pandas as pd


def panels(spec: dict) -> list[dict]:
    """The single-view panels of a spec (one, or one per dataset when stacked)."""
    if "vconcat" in spec:
        return [p for sub in spec["vconcat"] for p in panels({**sub, "datasets": spec["datasets"]})]
    return [spec]


def layers(spec: dict) -> list[dict]:
    """Each layer of the (first) panel, with its data rows under ``values``."""
    panel = panels(spec)[0]
    out = []
    for layer in panel.get("layer", [panel]):
        data = layer.get("data") or panel.get("data")
        out.append({**layer, "values": pd.DataFrame(spec["datasets"][data["name"]])})
    return out


def layer(spec: dict, mark: str, n: int = 0) -> dict:
    found = [lay for lay in layers(spec) if _mark(lay) == mark]
    assert len(found) > n, f"no {mark} layer #{n} in {[_mark(x) for x in layers(spec)]}"
    return found[n]


def marks(spec: dict) -> list[str]:
    return [_mark(lay) for lay in layers(spec)]


def _mark(lay: dict) -> str:
    m = lay["mark"]
    return m if isinstance(m, str) else m["type"]
