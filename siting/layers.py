"""Read point layers (GeoJSON, GeoPackage, GeoParquet, CSV with lat/lon) and check them.

Every layer comes out in EPSG:4326, indexed by its string ``id``, with every
problem of a file (duplicate ids, missing or invalid geometry, coordinates out
of range, missing CRS, missing fields) reported together.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.errors import DataError

LAT_NAMES = ("lat", "latitude", "y")
LON_NAMES = ("lon", "lng", "long", "longitude", "x")
SUFFIXES = (".geojson", ".json", ".gpkg", ".parquet", ".geoparquet", ".csv")


def read_layer(
    path: str | Path,
    *,
    required: Iterable[str] = (),
    name: str | None = None,
    points: bool = True,
) -> gpd.GeoDataFrame:
    """Read one layer and check it.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage, GeoParquet or CSV file (CSV needs lat and lon columns).
    required
        Attribute fields that must exist (besides ``id``).
    name
        The layer's name in messages (defaults to the file name).
    points
        Require point geometries (polygons are accepted and replaced by a point
        inside them, so that distances are measured from a real location).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by the string ``id`` (also kept as a column), in EPSG:4326.

    Raises
    ------
    DataError
        Listing every problem of the file, each with the feature's position and id.
    """
    path = Path(path)
    label = name or path.name
    if not path.exists():
        msg = f"{path}: layer {label!r} not found; check the path (relative to the criteria file)"
        raise DataError(msg)
    if path.suffix.lower() not in SUFFIXES:
        msg = f"{path}: unknown layer format {path.suffix!r}; use one of {', '.join(SUFFIXES)}"
        raise DataError(msg)
    frame = _read_any(path)
    return check_layer(frame, path=path, required=required, points=points)


def _read_any(path: Path) -> gpd.GeoDataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path)
        if suffix in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path)
        with warnings.catch_warnings():
            # pyogrio warns when a JSON field mixes numbers and text; check_layer and the
            # field checks report such values with the feature and the fix instead.
            warnings.simplefilter("ignore", UserWarning)
            return gpd.read_file(path, engine="pyogrio")
    except DataError:
        raise
    except Exception as exc:  # pyogrio, pyarrow and json raise many types for a broken file
        msg = f"{path}: cannot read the layer ({exc}); check the file is a valid {suffix[1:]} file"
        raise DataError(msg) from exc


def _read_csv(path: Path) -> gpd.GeoDataFrame:
    frame = pd.read_csv(path, dtype={"id": str})
    lower = {c.lower(): c for c in frame.columns}
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    if lat is None or lon is None:
        msg = (
            f"{path}: a CSV layer needs latitude and longitude columns (named lat and lon); "
            f"found {list(frame.columns)}"
        )
        raise DataError(msg)
    x = pd.to_numeric(frame[lon], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(frame[lat], errors="coerce").to_numpy(dtype=float)
    geometry = shapely.points(x, y)
    # A missing coordinate becomes a missing geometry so that check_layer reports it by row.
    geometry[np.isnan(x) | np.isnan(y)] = None
    return gpd.GeoDataFrame(frame.drop(columns=[lat, lon]), geometry=geometry, crs="EPSG:4326")


def check_layer(
    frame: gpd.GeoDataFrame,
    *,
    path: Path,
    required: Iterable[str] = (),
    points: bool = True,
) -> gpd.GeoDataFrame:
    """Check a layer already in memory; return it in EPSG:4326 indexed by ``id``.

    See :func:`read_layer` for what is checked.
    """
    problems: list[str] = []
    if frame.crs is None:
        problems.append(
            f"{path}: the layer has no coordinate reference system; save it with EPSG:4326 "
            "(longitude, latitude in degrees)"
        )
    elif not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    missing = [f for f in ["id", *required] if f not in frame.columns]
    for field in missing:
        close = difflib.get_close_matches(field, [str(c) for c in frame.columns], n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"fields are {list(frame.columns)}"
        problems.append(f"{path}: required field {field!r} is missing; {hint}")
    if problems:
        raise DataError(problems)
    ids = frame["id"]
    for pos in np.flatnonzero(ids.isna().to_numpy() | (ids.astype(str).str.strip() == "")):
        problems.append(f"{path}: feature {pos + 1}: empty id; give every feature a unique id")
    ids = ids.astype(str)
    for dup in sorted(set(ids[ids.duplicated()])):
        where = ", ".join(str(p + 1) for p in np.flatnonzero((ids == dup).to_numpy()))
        problems.append(f"{path}: id {dup!r} is used by features {where}; make ids unique")
    problems += _geometry_problems(frame, ids, path, points=points)
    if problems:
        raise DataError(problems)
    frame = frame.copy()
    frame["id"] = ids
    if points:
        not_point = frame.geom_type != "Point"
        if not_point.any():
            frame.loc[not_point, "geometry"] = frame.loc[not_point].geometry.representative_point()
    return frame.set_index("id", drop=False).rename_axis(None)


def _geometry_problems(
    frame: gpd.GeoDataFrame, ids: pd.Series, path: Path, *, points: bool
) -> list[str]:
    geoms = frame.geometry.to_numpy()
    problems: list[str] = []

    def where(pos: int) -> str:
        return f"{path}: feature {pos + 1} (id {ids.iloc[pos]!r})"

    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for pos in np.flatnonzero(missing):
        problems.append(f"{where(pos)}: geometry is missing; add its coordinates or remove it")
    present = ~missing
    coords_nan = np.zeros(len(geoms), dtype=bool)
    bounds = np.full((len(geoms), 4), np.nan)
    bounds[present] = shapely.bounds(geoms[present])
    coords_nan[present] = np.isnan(bounds[present]).any(axis=1)
    for pos in np.flatnonzero(coords_nan):
        problems.append(f"{where(pos)}: a coordinate is NaN; give numeric longitude and latitude")
    ok = present & ~coords_nan
    lon_bad = ok & ((bounds[:, 0] < -180) | (bounds[:, 2] > 180))
    lat_bad = ok & ((bounds[:, 1] < -90) | (bounds[:, 3] > 90))
    for pos in np.flatnonzero(lon_bad | lat_bad):
        x, y = bounds[pos, 0], bounds[pos, 1]
        swap = " (latitude and longitude may be swapped)" if abs(x) <= 90 < abs(y) else ""
        problems.append(
            f"{where(pos)}: coordinates ({x}, {y}) are out of range{swap}; longitude must be "
            "within -180..180 and latitude within -90..90, in EPSG:4326 degrees"
        )
    invalid = ok & ~shapely.is_valid(geoms)
    for pos in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(geoms[pos])
        problems.append(f"{where(pos)}: invalid geometry ({reason}); repair it (e.g. make_valid)")
    if points:
        kinds = shapely.get_type_id(geoms)
        lines = ok & np.isin(kinds, (1, 2, 5))  # LineString, LinearRing, MultiLineString
        for pos in np.flatnonzero(lines):
            problems.append(f"{where(pos)}: a line cannot be a site or a facility; use a point")
    return problems


def lonlat(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Longitude and latitude of a point layer as an ``(n, 2)`` array of degrees."""
    return shapely.get_coordinates(frame.geometry.to_numpy())
