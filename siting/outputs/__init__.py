"""Writers of everything a run leaves on disk; the only place that draws."""

from __future__ import annotations

from pathlib import Path

from siting.outputs.files import ensure_dir
from siting.outputs.manifest import write_manifest
from siting.outputs.tables import write_agreement_csv, write_geopackage, write_ranking_csv
from siting.results import Results


def write_all(results: Results, out_dir: str | Path) -> dict[str, Path]:
    """Write every output of a run into ``out_dir`` (created if needed), atomically.

    Returns
    -------
    dict
        Output name → path, manifest last (it records the hashes of the others).
    """
    from siting.outputs.maps import write_map  # deferred: the map pulls in its templates

    out = ensure_dir(Path(out_dir))
    written: dict[str, Path] = {
        "ranking.csv": write_ranking_csv(results, out / "ranking.csv"),
        "results.gpkg": write_geopackage(results, out / "results.gpkg"),
        "map.html": write_map(results, out / "map.html"),
    }
    if not results.agreement.empty:
        written["method_agreement.csv"] = write_agreement_csv(results, out / "method_agreement.csv")
    written["manifest.json"] = write_manifest(results, out / "manifest.json", written)
    return written
