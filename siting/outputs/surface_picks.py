"""surface_sites.csv and surface_regions.geojson: the sites and regions chosen on a surface.

Each row carries the set's guarantee (``exact``, or ``bound`` with the proven upper bound), so
a reader of one file knows how far from the grid's optimum the answer can be.  Written
atomically (:func:`siting.outputs.files.write_with`) into the run's staging folder.
"""

from __future__ import annotations

from pathlib import Path

from siting.outputs.files import write_csv, write_with
from siting.results import Results

__all__ = ["picked_files", "write_surface_picks"]


def picked_files(results: Results) -> list[str]:
    """The names of the files :func:`write_surface_picks` writes for ``results``."""
    names = []
    if results.surface_sites is not None:
        names.append("surface_sites.csv")
    if results.surface_regions is not None:
        names.append("surface_regions.geojson")
    return names


def write_surface_picks(results: Results, stage: Path) -> dict[str, Path]:
    """Write surface_sites.csv and surface_regions.geojson (those the study asks for)."""
    written: dict[str, Path] = {}
    sites = results.surface_sites
    if sites is not None:
        r = sites.result
        table = sites.table.assign(
            total_score=r.total_score,
            guarantee=r.guarantee,
            upper_bound=r.upper_bound,
            candidates=r.candidates,
        )
        written["surface_sites.csv"] = write_csv(stage / "surface_sites.csv", table)
    regions = results.surface_regions
    if regions is not None:
        g = regions.result
        frame = regions.table.assign(
            objective=[
                g.objective if m == "exact" else g.greedy_objective for m in regions.table["method"]
            ],
            guarantee=[g.guarantee if m == "exact" else "" for m in regions.table["method"]],
            upper_bound=g.upper_bound,
            rank_by=g.rank_by,
        )
        path = stage / "surface_regions.geojson"
        written["surface_regions.geojson"] = write_with(
            path, lambda tmp: frame.to_file(tmp, driver="GeoJSON")
        )
    return written
