"""Writers of everything a run leaves on disk; the only place that draws."""

from __future__ import annotations

import json
from pathlib import Path

from siting.outputs.files import ensure_dir
from siting.outputs.manifest import write_manifest
from siting.outputs.tables import (
    write_agreement_csv,
    write_alternatives_csv,
    write_geopackage,
    write_pareto_csv,
    write_ranking_csv,
)
from siting.results import Results


def write_all(results: Results, out_dir: str | Path) -> dict[str, Path]:
    """Write every output of a run into ``out_dir`` (created if needed), atomically.

    Returns
    -------
    dict
        Output name → path, manifest last (it records the hashes of the others).
    """
    # deferred: the drawing modules pull in matplotlib and the page templates
    from siting.outputs.maps import write_map
    from siting.outputs.report import write_report
    from siting.outputs.static_map import write_static_map

    out = ensure_dir(Path(out_dir))
    previous = _previous_outputs(out / "manifest.json")
    written: dict[str, Path] = {
        "ranking.csv": write_ranking_csv(results, out / "ranking.csv"),
        "results.gpkg": write_geopackage(results, out / "results.gpkg"),
        "map.html": write_map(results, out / "map.html"),
        "map.png": write_static_map(results, out / "map.png"),
    }
    if results.sensitivity is not None:
        from siting.sensitivity import write_sensitivity

        written |= {p.name: p for p in write_sensitivity(results.sensitivity, out).values()}
    if results.alternatives:
        written["alternatives.csv"] = write_alternatives_csv(results, out / "alternatives.csv")
    if not results.pareto.empty:
        written["pareto.csv"] = write_pareto_csv(results, out / "pareto.csv")
    if not results.agreement.empty:
        written["method_agreement.csv"] = write_agreement_csv(results, out / "method_agreement.csv")
    # the report embeds the figures of every analysis, so it is written after them
    written["report.html"] = write_report(results, out / "report.html")
    written["manifest.json"] = write_manifest(results, out / "manifest.json", written)
    # A file the previous run wrote and this one did not (say alternatives.csv after the study
    # dropped its alternatives) would otherwise pass for a result of this run.
    for name in previous - set(written):
        (out / name).unlink(missing_ok=True)
    return written


def _previous_outputs(manifest: Path) -> set[str]:
    """Names of the files the last run into this folder wrote, from its manifest."""
    try:
        outputs = json.loads(manifest.read_text(encoding="utf-8")).get("outputs", {})
    except (OSError, ValueError, AttributeError):
        return set()
    # only plain names: a tampered manifest must not reach outside the folder
    return {n for n in outputs if isinstance(n, str) and n == Path(n).name and n != "manifest.json"}
