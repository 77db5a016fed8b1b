"""Download buttons: each chart as PNG, SVG and self-contained HTML, its data as CSV, and
one zip with the whole comparison.

Rendering a chart to PNG or SVG takes about half a second (vl-convert), and the zip renders
every chart in three formats, so those files are made only when their button is clicked
(``st.download_button`` with a callable): a rerun of the page renders nothing. The CSV is
cheap and goes into the page as bytes.
"""

from __future__ import annotations

from typing import Callable, Mapping

import pandas as pd
import streamlit as st

from gnncore import export
from gnncore.spec import RunSpec

# (label, file extension, MIME type, renderer)
FORMATS = {
    "png": ("PNG", "png", "image/png", export.chart_png),
    "svg": ("SVG", "svg", "image/svg+xml", export.chart_svg),
    "html": ("HTML", "html", "text/html", export.chart_html),
}


def chart_file(chart, fmt: str) -> Callable[[], bytes]:
    """A no-argument callable that renders ``chart`` as ``fmt`` when called.

    The spec is taken now, so the file matches the chart on screen even if the page has
    moved on by the time of the click.
    """
    spec = export.chart_spec(chart)
    render = FORMATS[fmt][3]

    def make() -> bytes:
        data = render(spec)
        return data.encode("utf-8") if isinstance(data, str) else data

    return make


def chart_downloads(chart, data: pd.DataFrame, name: str, file_stem: str | None = None) -> None:
    """A row of buttons under a chart: PNG, SVG, HTML and the chart's data as CSV.

    ``name`` keys the buttons (unique on the page); files are called ``file_stem.<ext>``.
    """
    stem = file_stem or name
    with st.container(horizontal=True, gap="small", key=f"downloads-{name}"):
        for fmt, (label, ext, mime, _) in FORMATS.items():
            st.download_button(label, chart_file(chart, fmt), file_name=f"{stem}.{ext}", mime=mime,
                               key=f"dl:{name}:{fmt}", on_click="ignore", type="tertiary",
                               icon=":material/download:", help=_HELP[fmt])
        st.download_button("CSV", export.frame_csv(data), file_name=f"{stem}.csv", mime="text/csv",
                           key=f"dl:{name}:csv", on_click="ignore", type="tertiary",
                           icon=":material/download:", help="The numbers behind this chart, one row "
                           "per run" + (" and epoch." if "epoch" in data else "."))


def table_download(frame: pd.DataFrame, file_stem: str, label: str = "CSV", key: str | None = None) -> None:
    st.download_button(label, export.frame_csv(frame), file_name=f"{file_stem}.csv", mime="text/csv",
                       key=f"dl:{key or file_stem}:csv", on_click="ignore", type="tertiary",
                       icon=":material/download:")


def comparison_zip_file(charts: Mapping[str, object], frames: Mapping[str, pd.DataFrame],
                        specs: list[RunSpec], readme: str | None = None) -> Callable[[], bytes]:
    """A no-argument callable that builds the comparison zip when called."""
    chart_specs = {name: export.chart_spec(c) for name, c in charts.items()}
    frames, specs = dict(frames), list(specs)
    return lambda: export.comparison_zip(chart_specs, frames, specs, readme)


def comparison_download(charts: Mapping[str, object], frames: Mapping[str, pd.DataFrame],
                        specs: list[RunSpec], file_name: str, readme: str | None = None) -> None:
    """The one button that downloads everything: charts, data and the run specs."""
    zip_download(comparison_zip_file(charts, frames, specs, readme), file_name, key="dl:comparison")


def zip_download(make: Callable[[], bytes], file_name: str, key: str) -> None:
    """The comparison zip's button; ``make`` builds the zip when it is clicked."""
    st.download_button("Download the comparison (zip)", make, file_name=file_name, mime="application/zip",
                       key=key, on_click="ignore", type="primary", icon=":material/folder_zip:",
                       help="Every chart as PNG, SVG and HTML, the data as CSV, the run specs "
                            "as JSON and a README with the commands that run them again.")


_HELP = {
    "png": "Image for slides and documents (2x resolution).",
    "svg": "Vector image: sharp at any size, editable.",
    "html": "Interactive chart in one file (tooltips work) that opens without a network.",
}
