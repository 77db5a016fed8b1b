"""Published results to draw beside ours: the committed table ``data/reference_results.csv``."""

from __future__ import annotations

import pandas as pd

from gnncore import config

REFERENCES_PATH = config.PROJECT_ROOT / "data" / "reference_results.csv"


def references(kind: str | None = None, dataset: str | None = None) -> pd.DataFrame:
    """Published results (columns task, dataset, model, metric, mean, std, source; fractions),
    from ``data/reference_results.csv``; ``dataset`` matches in any case."""
    frame = pd.read_csv(REFERENCES_PATH)
    if kind is not None:
        frame = frame[frame["task"] == kind]
    if dataset is not None:
        frame = frame[frame["dataset"].str.lower() == str(dataset).lower()]
    return frame.reset_index(drop=True)
