"""Writers of everything a run leaves on disk; the only place that draws."""

from __future__ import annotations

from pathlib import Path

from siting.outputs.files import file_size_limit_as_error
from siting.outputs.manifest import MANIFEST, input_files, write_manifest
from siting.outputs.publish import Publication
from siting.outputs.surface_picks import picked_files, write_surface_picks
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
        folder.refuse([*SURFACE_FILES, *picked_files(results), MANIFEST], inputs)
        stage = folder.staging
        written = write_surface(results, stage, lang=lang or results.study.language)
        written |= write_surface_picks(results, stage)
        written[MANIFEST] = write_manifest(results, stage / MANIFEST, written)
        folder.publish(written, inputs)
    return {name: Path(out_dir) / name for name in written}


def write_all(results: Results, out_dir: str | Path, *, lang: str | None = None) -> dict[str, Path]:
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

    The set: ranking.csv, results.gpkg, ranking.parquet (GeoParquet), map.html, map.png, the
    robustness tables and chart (when the run has them), alternatives.csv, pareto.csv,
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
    from siting.outputs.maps import write_map
    from siting.outputs.report import write_report
    from siting.outputs.static_map import write_static_map

    inputs = input_files(results)
    with file_size_limit_as_error(), Publication(out_dir) as folder:
        # the names known before writing: a clash is reported before any work is done
        folder.refuse(_planned(results), inputs)
        stage = folder.staging
        written: dict[str, Path] = {
            "ranking.csv": write_ranking_csv(results, stage / "ranking.csv"),
            "results.gpkg": write_geopackage(results, stage / "results.gpkg"),
            "ranking.parquet": write_parquet(results, stage / "ranking.parquet"),
            "map.html": write_map(results, stage / "map.html", lang=lang),
            "map.png": write_static_map(results, stage / "map.png", lang=lang),
        }
        if results.sensitivity is not None:
            from siting.outputs.sensitivity import write_sensitivity

            written |= {p.name: p for p in write_sensitivity(results.sensitivity, stage).values()}
        if results.alternatives:
            written["alternatives.csv"] = write_alternatives_csv(
                results, stage / "alternatives.csv"
            )
        if not results.pareto.empty:
            written["pareto.csv"] = write_pareto_csv(results, stage / "pareto.csv")
        if not results.agreement.empty:
            written["method_agreement.csv"] = write_agreement_csv(
                results, stage / "method_agreement.csv"
            )
        if results.surface is not None:
            from siting.outputs.surface import write_surface

            written |= write_surface(results, stage, lang=lang or results.study.language)
            written |= write_surface_picks(results, stage)
        # the workbook has a robustness sheet, so it is written after the robustness tables
        written["ranking.xlsx"] = write_workbook(results, stage / "ranking.xlsx", lang=lang)
        # the report embeds the figures of every analysis, so it is written after them
        written["report.html"] = write_report(results, stage / "report.html", lang=lang)
        written[MANIFEST] = write_manifest(results, stage / MANIFEST, written)
        folder.publish(written, inputs)
    return {name: Path(out_dir) / name for name in written}


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
    if results.alternatives:
        names.append("alternatives.csv")
    if not results.pareto.empty:
        names.append("pareto.csv")
    if not results.agreement.empty:
        names.append("method_agreement.csv")
    if results.surface is not None:
        from siting.outputs.surface import SURFACE_FILES

        names += SURFACE_FILES
        names += picked_files(results)
    return names
