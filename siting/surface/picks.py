"""A study's ``surface.sites`` and ``surface.regions``: from the spec and a scored surface to tables.

:func:`surface_sites` and :func:`surface_regions` read the criteria file's rules, turn them into
the arrays of :func:`siting.surface.sites.choose_sites` and
:func:`siting.surface.regions.grow_regions`, and return the answer as tables the writers only
format (surface_sites.csv, surface_regions.geojson).  Mistakes that only the data can show (a
must-include candidate outside the surface, a field the boundaries do not have) are located at
their key in the criteria file.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting import features
from siting.errors import DataError, InfeasibleError
from siting.i18n import N_, Msg
from siting.scoring import Locates
from siting.surface import grid
from siting.surface.best import bearing_deg, compass
from siting.surface.regions import Region, RegionsResult, grow_regions
from siting.surface.result import Surface
from siting.surface.sites import SitesResult, choose_sites

__all__ = [
    "SurfaceRegions",
    "SurfaceSites",
    "centre",
    "nearest_towns",
    "surface_regions",
    "surface_sites",
]


@dataclass(frozen=True)
class SurfaceSites:
    """Sites chosen on a surface: one row per site, and what is guaranteed.

    ``table`` columns: ``rank``, ``h3``, ``lon``, ``lat``, ``score``, ``group`` (the
    ``at_most_per`` field's value, when set), ``locked`` (a must-include candidate's cell),
    and where the site is (:func:`nearest_towns`): ``town``, ``town_km``, ``town_direction``.
    """

    table: pd.DataFrame
    result: SitesResult


@dataclass(frozen=True)
class SurfaceRegions:
    """Regions chosen on a surface and the greedy baseline's, as polygons (EPSG:4326).

    ``table`` columns: ``method`` (``exact`` or ``greedy``), ``rank``, ``cells``, ``area_km2``,
    ``mean_score``, ``total_score``, ``seed_h3``, ``h3`` (the cells, space-separated),
    ``lon``, ``lat`` (the region's centre: :func:`centre`), where the centre is
    (:func:`nearest_towns`: ``town``, ``town_km``, ``town_direction``), geometry.
    """

    table: gpd.GeoDataFrame
    result: RegionsResult


def surface_sites(
    source: Locates,
    surface: Surface,
    *,
    candidates: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame | None,
) -> SurfaceSites:
    """Choose the sites of ``surface.sites`` among the surface's kept cells."""
    spec = source.study.surface
    rules = None if spec is None else spec.sites
    if rules is None:  # pragma: no cover - the pipeline asks only when the section is there
        raise AssertionError("surface_sites needs a surface.sites section")
    loc = ("surface", "sites")
    lonlat = surface.centres()
    locked: list[int] = []
    problems: list[str] = []
    for cid in rules.must_include:
        if cid not in candidates.index:
            msg = Msg(
                N_("{id} is not a candidate id; use one of the candidates' ids"), id=repr(cid)
            )
            problems.append(source.problem((*loc, "must_include"), msg))
            continue
        row = int(surface.cell_at(features.lonlat(candidates.loc[[cid]]))[0])
        if row < 0:
            msg = Msg(
                N_("{id} lies outside the surface; widen surface.area or drop it"), id=repr(cid)
            )
            problems.append(source.problem((*loc, "must_include"), msg))
        elif not surface.kept[row]:
            msg = Msg(
                N_(
                    "the cell holding {id} is excluded ({why}); relax the exclusion or drop it "
                    "from must_include"
                ),
                id=repr(cid),
                why=str(surface.reason_text()[row]),
            )
            problems.append(source.problem((*loc, "must_include"), msg))
        else:
            locked.append(row)
    groups = None
    if rules.at_most_per is not None:
        field = rules.at_most_per.field
        if boundaries is None or field not in boundaries.columns:
            have = [] if boundaries is None else [c for c in boundaries.columns if c != "geometry"]
            msg = Msg(
                N_(
                    "{field} is not a field of the boundaries layer (it has {have}); a cell's "
                    "group is the value of the boundary polygon holding its centre"
                ),
                field=repr(field),
                have=", ".join(have) or "-",
            )
            problems.append(source.problem((*loc, "at_most_per", "field"), msg))
        else:
            groups = _labels(boundaries, field, lonlat)
    if problems:
        raise DataError(problems)
    try:
        result = choose_sites(
            surface.score,
            lonlat,
            k=rules.count,
            allowed=surface.kept,
            min_spacing_km=rules.min_spacing_km,
            groups=groups,
            at_most_per_group=None if rules.at_most_per is None else rules.at_most_per.count,
            group_name="" if rules.at_most_per is None else rules.at_most_per.field,
            must_include=sorted(set(locked)),
            exact=rules.exactly,
            names=list(surface.hex_ids()) if len(surface) <= 100_000 else None,
            max_candidates=rules.max_candidates,
            max_blocks=rules.max_blocks,
            solver=rules.solver,
        )
    except InfeasibleError as exc:
        raise InfeasibleError([source.problem(loc, p) for p in exc.problems]) from exc
    except DataError as exc:
        raise DataError([source.problem(loc, p) for p in exc.problems]) from exc
    sel = result.selected[np.argsort(-surface.score[result.selected], kind="stable")]
    table = pd.DataFrame(
        {
            "rank": np.arange(1, sel.size + 1),
            "h3": grid.to_strings(surface.cells[sel]),
            "lon": lonlat[sel, 0],
            "lat": lonlat[sel, 1],
            "score": surface.score[sel],
        }
    )
    if groups is not None:
        table["group"] = groups[sel]
    table["locked"] = np.isin(sel, locked)
    table = table.join(nearest_towns(surface.candidates, lonlat[sel]).set_index(table.index))
    return SurfaceSites(table=table, result=result)


def nearest_towns(towns: pd.DataFrame, lonlat: np.ndarray) -> pd.DataFrame:
    """Where each point is, for a reader: the nearest candidate town, how far and which way.

    Parameters
    ----------
    towns
        The candidate towns (``lon``, ``lat``; :attr:`Surface.candidates`), indexed by id.
    lonlat
        ``(n, 2)`` points, longitude and latitude in degrees.

    Returns
    -------
    pandas.DataFrame
        One row per point: ``town`` (the nearest town's id, ties to the first in the table's
        order; ``""`` when there are no towns), ``town_km`` (great-circle km from the town to
        the point) and ``town_direction`` (the compass point of the point seen from the town,
        an untranslated msgid as :func:`siting.surface.best.compass` gives it).
    """
    points = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    if len(towns) == 0 or len(points) == 0:
        return pd.DataFrame(
            {
                "town": [""] * len(points),
                "town_km": np.full(len(points), np.nan),
                "town_direction": [""] * len(points),
            }
        )
    xy = towns[["lon", "lat"]].to_numpy(dtype=float)
    # k points × the towns (a few × 61): a dense matrix, no tree needed
    km = features.haversine_km(points, xy)
    nearest = np.argmin(km, axis=1)
    return pd.DataFrame(
        {
            "town": towns.index.to_numpy(dtype=object)[nearest],
            "town_km": km[np.arange(len(points)), nearest],
            "town_direction": compass(bearing_deg(xy[nearest], points)),
        }
    )


def centre(lonlat: np.ndarray) -> np.ndarray:
    """The centre of a set of points on the sphere: their mean unit vector, as ``[lon, lat]``.

    A region's cells are equal-area hexagons, so the mean of their centres is the region's
    centroid up to the sphere's curvature over a few tens of km; it may fall outside a
    crescent-shaped region, which is fine for "30 km north of Almaty".
    """
    v = features.unit_vectors(np.asarray(lonlat, dtype=float).reshape(-1, 2)).mean(axis=0)
    lon = np.degrees(np.arctan2(v[1], v[0]))
    lat = np.degrees(np.arctan2(v[2], np.hypot(v[0], v[1])))
    return np.array([lon, lat])


def _labels(boundaries: gpd.GeoDataFrame, field: str, lonlat: np.ndarray) -> np.ndarray:
    """The ``field`` of the boundary polygon holding each point (``""`` in none)."""
    points = shapely.points(lonlat)
    tree = shapely.STRtree(boundaries.geometry.to_numpy())
    point_at, polygon_at = tree.query(points, predicate="within")
    out = np.full(len(lonlat), "", dtype=object)
    values = boundaries[field].astype(str).to_numpy()
    # A point on a shared border lies in two polygons: the first (in the layer's order) wins.
    first = np.unique(point_at, return_index=True)[1]
    out[point_at[first]] = values[polygon_at[first]]
    return out


def surface_regions(source: Locates, surface: Surface) -> SurfaceRegions:
    """Choose the regions of ``surface.regions`` and grow the greedy baseline beside them."""
    spec = source.study.surface
    rules = None if spec is None else spec.regions
    if rules is None:  # pragma: no cover - the pipeline asks only when the section is there
        raise AssertionError("surface_regions needs a surface.regions section")
    loc = ("surface", "regions")
    try:
        result = grow_regions(
            surface.score,
            surface.neighbours(),
            surface.area_km2(),
            surface.centres(),
            k=rules.count,
            min_area_km2=rules.min_area_km2,
            compact_km=rules.compact_km,
            allowed=surface.kept,
            rank_by=rules.rank_by,
            max_seeds=rules.max_seeds,
            solver=rules.solver,
        )
    except InfeasibleError as exc:
        raise InfeasibleError([source.problem(loc, p) for p in exc.problems]) from exc
    except DataError as exc:
        raise DataError([source.problem(loc, p) for p in exc.problems]) from exc
    rows = [
        *(_row(surface, r, "exact", i + 1) for i, r in enumerate(result.regions)),
        *(_row(surface, r, "greedy", i + 1) for i, r in enumerate(result.greedy)),
    ]
    geometry = [row.pop("geometry") for row in rows]
    frame = pd.DataFrame(rows)
    if len(frame):
        at = frame[["lon", "lat"]].to_numpy(dtype=float)
        frame = frame.join(nearest_towns(surface.candidates, at).set_index(frame.index))
    table = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    return SurfaceRegions(table=table, result=result)


def _row(surface: Surface, region: Region, method: str, rank: int) -> dict[str, object]:
    hexagons = shapely.from_wkb(grid.boundaries_wkb(surface.cells[region.cells]))
    ids = grid.to_strings(surface.cells[region.cells])
    lon, lat = centre(surface.centres()[region.cells])
    return {
        "method": method,
        "rank": rank,
        "cells": int(region.cells.size),
        "area_km2": region.area_km2,
        "mean_score": region.mean,
        "total_score": region.total,
        "seed_h3": str(grid.to_strings(surface.cells[[region.seed]])[0]),
        "h3": " ".join(str(x) for x in ids),
        "lon": float(lon),
        "lat": float(lat),
        # Neighbouring hexagons share their edges exactly, so the union is the region's outline.
        "geometry": shapely.union_all(hexagons),
    }
