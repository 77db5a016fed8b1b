"""Charts to PNG, SVG and self-contained HTML; frames to CSV; the comparison zip; files
written atomically.

Rendering goes through vl-convert, which runs Vega-Lite in-process: no browser, no network.
The chart's own spec carries the theme (see :mod:`gnncore.charts.theme`), so an exported
file looks like the chart on screen. Everything here returns bytes or text; :func:`save`
writes them to disk atomically (temporary file, then rename), for the CLI's files too.

Nothing here knows which page a chart comes from: the GNN arena and the
positional-encoding lab export through the same functions.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Mapping, Union

import altair as alt
import pandas as pd
import vl_convert as vlc

from gnncore import runs
from gnncore.spec import RunSpec

ChartLike = Union[alt.TopLevelMixin, Mapping[str, Any]]

# The zip's entries get this timestamp, so the same comparison gives the same bytes.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc\s*=\s*[\"']?\s*(https?:)?//", re.IGNORECASE)


def chart_spec(chart: ChartLike) -> dict:
    """The Vega-Lite spec as a dict, from an Altair chart or a spec already a dict."""
    return chart.to_dict() if hasattr(chart, "to_dict") else dict(chart)


def _vl_version() -> str | None:
    """The Vega-Lite version Altair writes specs for, if vl-convert has it (else its latest)."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return major_minor if major_minor in vlc.get_vegalite_versions() else None


def chart_png(chart: ChartLike, scale: float = 2) -> bytes:
    """PNG bytes; ``scale=2`` gives a sharp image on high-density screens and in slides."""
    return vlc.vegalite_to_png(chart_spec(chart), vl_version=_vl_version(), scale=scale,
                               allowed_base_urls=[])


def chart_svg(chart: ChartLike) -> str:
    return vlc.vegalite_to_svg(chart_spec(chart), vl_version=_vl_version(), allowed_base_urls=[])


def chart_html(chart: ChartLike) -> str:
    """One HTML file with Vega, Vega-Lite and vega-embed inlined: it opens offline.

    Tooltips and hover effects work as on screen.
    """
    html = vlc.vegalite_to_html(chart_spec(chart), vl_version=_vl_version(), bundle=True)
    if _SCRIPT_SRC.search(html):  # vl-convert's bundle has always inlined; keep it that way
        raise RuntimeError("the exported HTML would load a script from the network")
    return html


def frame_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV without the index; missing values are empty cells."""
    return frame.to_csv(index=False).encode("utf-8")


def specs_json(specs: Iterable[RunSpec]) -> bytes:
    """A JSON list of ``RunSpec.to_dict()``; ``RunSpec.from_dict`` reads each back."""
    return json.dumps([s.to_dict() for s in specs], indent=1, default=str).encode("utf-8")


def comparison_zip(charts: Mapping[str, ChartLike], frames: Mapping[str, pd.DataFrame],
                   specs: Iterable[RunSpec], readme: str | None = None,
                   formats: Iterable[str] = ("png", "svg", "html")) -> bytes:
    """A zip with everything needed to look at the comparison and to run it again::

        README.txt              what is inside and the CLI commands that reproduce the runs
        specs.json              the run specs (RunSpec.to_dict() each)
        charts/<name>.png|svg|html
        data/<name>.csv

    ``readme`` replaces the first paragraph of README.txt; the file list and the commands
    are always added. Names are made safe for file names.
    """
    specs = list(specs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        def put(name: str, data: bytes | str) -> None:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)

        render = {"png": chart_png, "svg": chart_svg, "html": chart_html}
        names = _unique([_safe(n) for n in charts])
        for name, chart in zip(names, charts.values()):
            spec = chart_spec(chart)  # serialise once, render three times
            for fmt in formats:
                put(f"charts/{name}.{fmt}", render[fmt](spec))
        for name, frame in zip(_unique([_safe(n) for n in frames]), frames.values()):
            put(f"data/{name}.csv", frame_csv(frame))
        put("specs.json", specs_json(specs))
        put("README.txt", readme_text(specs, readme, names, list(frames), formats))
    return buffer.getvalue()


# ---- README: how to get the same runs again ----

def cli_commands(specs: Iterable[RunSpec]) -> list[str]:
    """``python -m gnncore ...`` lines that run the same specs, one per group of runs that
    share kind, dataset, settings and seeds.

    The command and its flags come from each engine's facts (``Facts.command`` and the
    settings with a CLI flag), as the CLI's own parser does. Settings equal to the engine's
    default for that model are left out (the CLI fills them in again), so GCN and GAT at
    their paper defaults share one command. A setting the CLI has no flag for, or seeds
    other than 0..N-1, are noted as a comment; ``specs.json`` holds the exact runs either way.
    """
    groups: dict[tuple, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for s in specs:
        defaults = runs.engine(s.kind).defaults(s)
        shared = tuple(sorted((k, v) for k, v in s.params.items()
                              if k not in ("fold", "folds") and defaults.get(k, _MISSING) != v))
        folds = s.get("folds", 0)
        groups[(s.kind, s.dataset, folds, shared)][s.model].add(s.seed)

    lines = []
    for (kind, dataset, folds, shared), seeds_by_model in groups.items():
        facts = runs.facts(kind)
        flags = {setting.name: setting.flag for setting in facts.settings if setting.cli}
        # Models run with different seed sets need separate commands.
        by_seeds: dict[tuple, list[str]] = defaultdict(list)
        for model, seeds in seeds_by_model.items():
            by_seeds[tuple(sorted(seeds))].append(model)
        for seeds, models in by_seeds.items():
            args = ["python", "-m", "gnncore", *facts.command, facts.dataset_flag, dataset,
                    facts.model_flag, ",".join(models), "--seeds", str(len(seeds))]
            if folds and folds != facts.folds:
                args += ["--folds", str(folds)]
            notes = []
            if list(seeds) != list(range(len(seeds))):
                notes.append(f"the runs used seeds {', '.join(map(str, seeds))}; the CLI runs 0..N-1")
            for name, value in shared:
                if name not in flags:
                    notes.append(f"{name}={value} has no CLI flag")
                    continue
                args += [flags[name], str(value)]
            lines.append(" ".join(shlex.quote(a) for a in args))
            lines += [f"#   note: {n} (specs.json has the exact runs)" for n in notes]
    return lines


_MISSING = object()


def readme_text(specs: list[RunSpec], intro: str | None = None, charts: Iterable[str] = (),
                frames: Iterable[str] = (), formats: Iterable[str] = ("png", "svg", "html")) -> str:
    intro = intro or "A comparison exported from the gnncore dashboard."
    formats = list(formats)
    parts = [intro.strip(), "", "Contents:",
             f"  specs.json          the {len(specs)} run specs (gnncore.spec.RunSpec.to_dict() each)"]
    parts += [f"  charts/{c}.{{{','.join(formats)}}}" for c in charts]
    parts += [f"  data/{_safe(f)}.csv" for f in frames]
    commands = cli_commands(specs)
    if commands:
        parts += ["", "Run the same comparison again from the command line (results are cached",
                  "in the run store, so a run already there is read back, not trained):", ""]
        parts += [f"  {c}" for c in commands]
    parts += ["", "Or exactly these specs, from Python:", "",
              "  import json",
              "  from gnncore.runs import RunStore, run_all, runs_frame",
              "  from gnncore.spec import RunSpec",
              "  specs = [RunSpec.from_dict(d) for d in json.load(open('specs.json'))]",
              "  results = list(run_all(specs, store=RunStore()))",
              "  print(runs_frame(results))", ""]
    return "\n".join(parts)


def _safe(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._")
    return cleaned or "chart"


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def save(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically: a reader sees the old file or the whole new one,
    and an interrupted write leaves no half file behind."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would leave the file readable by its owner only
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target
