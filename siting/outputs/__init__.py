"""Writers of everything a run leaves on disk; the only place that draws."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from siting.i18n import LANGUAGES, translator
from siting.outputs.drawings import Drawings
from siting.outputs.files import file_size_limit_as_error
from siting.outputs.manifest import MANIFEST, input_files, write_manifest
from siting.outputs.publish import Publication
from siting.outputs.tables import (
    write_agreement_csv,
    write_alternatives_csv,
    write_geopackage,
    write_pareto_csv,
    write_parquet,
    write_ranking_csv,
)
from siting.outputs.workbook import write_workbook
from siting.results import Results

#: Resolution of the static map: ``map.png`` and the report's copies are the same bytes.
MAP_DPI = 150


def write_surface_set(
    results: Results, out_dir: str | Path, *, lang: str | None = None
) -> dict[str, Path]:
    """Write a run's surface files and manifest into ``out_dir``, as one set (``siting surface``).

    surface.parquet, surface.tif, best_cells.csv and manifest.json, published as
    :func:`write_all` publishes (:mod:`siting.outputs.publish`).
    """
    from siting.outputs.surface import SURFACE_FILES, write_surface

    if results.surface is None:  # pragma: no cover - the CLI runs the surface
        raise ValueError("the run has no surface")
    inputs = input_files(results)
    with file_size_limit_as_error(), Publication(out_dir) as folder:
        folder.refuse([*SURFACE_FILES, MANIFEST], inputs)
        stage = folder.staging
        written = write_surface(results, stage, lang=lang or results.study.language)
        written[MANIFEST] = write_manifest(results, stage / MANIFEST, written)
        folder.publish(written, inputs)
    return {name: Path(out_dir) / name for name in written}


def write_all(
    results: Results,
    out_dir: str | Path,
    *,
    lang: str | None = None,
    progress: Callable[[str], None] | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, Path]:
    """Write every output of a run into ``out_dir`` (created if needed), as one set.

    ``out_dir`` ends up holding either the complete previous set or the complete new one,
    whatever stops the run (Ctrl-C, SIGTERM, SIGKILL, a full disk, a file-size limit): the
    files are written into a hidden folder beside it, which then replaces it in one step
    (:mod:`siting.outputs.publish`).  Files in ``out_dir`` this tool did not write stay; a
    file it wrote is deleted only while it still matches the hash in the previous
    ``manifest.json``.  Two runs into one folder take turns.

    Parameters
    ----------
    results
        The run.
    out_dir
        The output folder.
    lang
        Language of the pages, the static map and the report: ``kk``, ``ru`` or ``en``
        (default: the study's ``language``).
    progress
        Called with the name of each output as its writing starts (for a progress display).
    timings
        Filled with the seconds each output took (name → seconds; the robustness tables and
        chart under :data:`ROBUSTNESS`; figures drawn by the second process of
        :mod:`siting.outputs.drawings` under ``"<name> (drawn in a second process)"``).  The
        manifest records the same figures (``output_timings_s``).

    The set: ranking.csv, results.gpkg, ranking.parquet (GeoParquet), map.html, map.png, the
    robustness tables and chart (when the run has them), the stakeholder tables (when the study has stakeholders), alternatives.csv, pareto.csv,
    method_agreement.csv (when there is something to put in them), ranking.xlsx,
    report.html and manifest.json.  :meth:`siting.results.Results.write` calls this function.

    Returns
    -------
    dict
        Output name → its path in ``out_dir``, manifest last (it records the hashes of the
        others).

    Raises
    ------
    OutputError
        An output would replace an input of the study (say ``--out`` is the data folder and
        a layer is called ``ranking.csv``) or a file this tool did not write, or the disk,
        a file-size limit or the folder's permissions stopped the writing.  ``out_dir`` is
        then as it was.
    """
    # deferred: the drawing modules pull in matplotlib and the page templates (imported
    # before the lock is taken, so that a second run waits for the writing alone)
    from siting.outputs import maps, report, static_map  # noqa: F401 - see above
    from siting.outputs import sensitivity as charts

    inputs = input_files(results)
    with file_size_limit_as_error(), Publication(out_dir) as folder:
        # the names known before writing: a clash is reported before any work is done
        folder.refuse(_planned(results), inputs)
        stage = folder.staging
        first = translator(lang or results.study.language).lang
        spent = {} if timings is None else timings
        put = _Put(spent, progress)
        with _drawings(results, first, static_map, charts) as drawings:
            written = _write_set(results, stage, lang, first, put, drawings)
        for name, seconds in drawings.seconds.items():
            spent[f"{name} (drawn in a second process)"] = seconds
        written[MANIFEST] = write_manifest(results, stage / MANIFEST, written, timings=spent)
        folder.publish(written, inputs)
    return {name: Path(out_dir) / name for name in written}


def _drawings(results: Results, first: str, static_map: Any, charts: Any) -> Drawings:
    """The figures a second process draws while this one writes the rest (see drawings.py).

    The static map in the languages other than the run's (the report shows all three; this
    process draws ``map.png`` in the run's own) and the one-at-a-time chart.  Each is looked
    up on its module when called, so that it is the function the rest of the writing would use.
    """
    jobs: dict[str, Callable[[], bytes]] = {}
    # in the order the writing needs them: the chart comes before the report
    if results.sensitivity is not None:
        jobs["sensitivity.png"] = functools.partial(_chart, charts, results.sensitivity)
    for code in LANGUAGES:
        if code != first:
            jobs[f"map-{code}"] = functools.partial(_static_map, static_map, results, code)
    return Drawings(jobs)


def _static_map(module: Any, results: Results, code: str) -> bytes:
    data: bytes = module.render_static_map(results, dpi=MAP_DPI, lang=code)
    return data


def _chart(module: Any, sensitivity: Any) -> bytes:
    data: bytes = module.oat_chart_png(sensitivity)
    return data


def _write_set(
    results: Results, stage: Path, lang: str | None, first: str, put: _Put, drawings: Drawings
) -> dict[str, Path]:
    """Write every output but the manifest into ``stage``; the figures from ``drawings``."""
    from siting.outputs.maps import write_map
    from siting.outputs.report import write_report
    from siting.outputs.static_map import remember_static_map, write_static_map

    written: dict[str, Path] = {}
    written |= put("ranking.csv", lambda: write_ranking_csv(results, stage / "ranking.csv"))
    written |= put("results.gpkg", lambda: write_geopackage(results, stage / "results.gpkg"))
    written |= put("ranking.parquet", lambda: write_parquet(results, stage / "ranking.parquet"))
    written |= put("map.html", lambda: write_map(results, stage / "map.html", lang=lang))
    written |= put(
        "map.png",
        lambda: write_static_map(results, stage / "map.png", dpi=MAP_DPI, lang=lang),
    )
    sens = results.sensitivity
    if sens is not None:
        from siting.outputs.sensitivity import write_sensitivity

        def robustness() -> dict[str, Path]:
            tables = write_sensitivity(sens, stage, chart=drawings.get("sensitivity.png"))
            return {p.name: p for p in tables.values()}

        written |= put(ROBUSTNESS, robustness)
    if results.stakeholders is not None:
        from siting.outputs.stakeholders import write_stakeholders

        written |= put("stakeholders", lambda: write_stakeholders(results, stage))
    if results.surface is not None:
        from siting.outputs.surface import write_surface

        written |= put("surface", lambda: write_surface(results, stage, lang=first))
    if results.alternatives:
        written |= put(
            "alternatives.csv",
            lambda: write_alternatives_csv(results, stage / "alternatives.csv"),
        )
    if not results.pareto.empty:
        written |= put("pareto.csv", lambda: write_pareto_csv(results, stage / "pareto.csv"))
    if not results.agreement.empty:
        written |= put(
            "method_agreement.csv",
            lambda: write_agreement_csv(results, stage / "method_agreement.csv"),
        )
    # the workbook has a robustness sheet, so it is written after the robustness tables
    written |= put(
        "ranking.xlsx", lambda: write_workbook(results, stage / "ranking.xlsx", lang=lang)
    )

    # the report embeds the figures of every analysis, so it is written after them
    def report() -> Path:
        for code in LANGUAGES:
            if code != first:
                remember_static_map(results, drawings.get(f"map-{code}"), dpi=MAP_DPI, lang=code)
        return write_report(results, stage / "report.html", lang=lang)

    written |= put("report.html", report)
    return written


#: The name under which the robustness tables and chart are timed (one writer writes them).
ROBUSTNESS = "robustness tables, sensitivity.png"


class _Put:
    """Calls a writer, times it and tells the progress display; returns name → path(s)."""

    def __init__(self, timings: dict[str, float], progress: Callable[[str], None] | None) -> None:
        self.timings = timings
        self.progress = progress

    def __call__(self, name: str, write: Callable[[], Path | dict[str, Path]]) -> dict[str, Path]:
        if self.progress is not None:
            self.progress(name)
        start = time.perf_counter()
        out = write()
        self.timings[name] = time.perf_counter() - start
        return out if isinstance(out, dict) else {name: out}


def _planned(results: Results) -> list[str]:
    """The names :func:`write_all` will write, but for the robustness tables (known later)."""
    names = [
        "ranking.csv",
        "results.gpkg",
        "ranking.parquet",
        "map.html",
        "map.png",
        "ranking.xlsx",
        "report.html",
        MANIFEST,
    ]
    if results.stakeholders is not None:
        from siting.outputs.stakeholders import FILES

        names += list(FILES)
    if results.alternatives:
        names.append("alternatives.csv")
    if not results.pareto.empty:
        names.append("pareto.csv")
    if not results.agreement.empty:
        names.append("method_agreement.csv")
    if results.surface is not None:
        from siting.outputs.surface import SURFACE_FILES

        names += SURFACE_FILES
    return names
