"""Read point layers (GeoJSON, GeoPackage, GeoParquet, CSV with lat/lon) and check them.

Every layer comes out in EPSG:4326, indexed by its string ``id``, with ``name`` (and
``name_*``) as text, and with every problem of a file reported together: a path that cannot
be read, a file that is not what its name says, no features, duplicate or empty ids, required
fields missing or empty, missing, invalid or non-point geometry, coordinates out of range, a
missing or implausible coordinate reference system.

GeoJSON is parsed with the standard ``json`` module as well as with GDAL, because GDAL gives a
property one type for the whole layer: where the file mixes JSON types in one property (``true``
or ``"500000"`` among numbers), GDAL silently turns them into numbers. Such a column keeps the
file's own values instead, so that the checks of the fields a study uses
(:mod:`siting.inputs`) can name the features that hold them.

This module knows nothing of criteria files: it reads and checks one file.  Its messages are
:class:`siting.messages.Located` at the file (and the feature), with translatable text; what a
library says about a broken file (GDAL, a CRS's name, a geometry's invalidity reason) is quoted
in them as a detail.
"""

from __future__ import annotations

import difflib
import errno
import json
import stat
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.messages import Integer, Joined, Located, all_of, plural

LAT_NAMES = ("lat", "latitude", "y")
LON_NAMES = ("lon", "lng", "long", "longitude", "x")
SUFFIXES = (".geojson", ".json", ".gpkg", ".parquet", ".geoparquet", ".csv")
PARQUET = (".parquet", ".geoparquet")
# The first bytes of the binary formats, to say "this is not a GeoPackage" rather than relay
# GDAL's "not recognized as being in a supported file format".
MAGIC = {".gpkg": b"SQLite format 3\x00", ".parquet": b"PAR1", ".geoparquet": b"PAR1"}
SHOWN = 3  # features named in a message before "and N more"
_SHOWN_PATH = 120  # longer paths are shortened in messages


def shown_path(path: str | Path) -> str:
    """A path as messages show it: escaped when it holds control characters, shortened when long.

    Parameters
    ----------
    path
        Any path, even one the file system refuses (a NUL byte, a 5,000-character name).
    """
    text = str(path)
    if not text.isprintable():
        text = repr(text)[1:-1]
    if len(text) > _SHOWN_PATH:
        text = f"{text[:60]}…{text[-40:]} ({len(str(path)):,} characters)"
    return text


def unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be read as a layer, or None when it can be opened.

    Never raises: the reasons the file system gives (a NUL byte, a name too long, a symbolic
    link loop, a folder, no permission) become a sentence with the fix.

    Parameters
    ----------
    path
        The layer's path (resolved or not).

    Returns
    -------
    siting.i18n.Msg or None
        A phrase that completes "layer file X ...", or None.
    """
    try:
        info = path.stat()
    except ValueError:  # os.stat refuses an embedded NUL before asking the system
        return Msg(
            N_("contains a NUL character (\\x00), which no file name can hold; retype the path")
        )
    except OSError as exc:
        return _os_reason(path, exc)
    if stat.S_ISDIR(info.st_mode):
        if path.suffix.lower() in PARQUET:
            return None  # a partitioned GeoParquet dataset is a folder
        return Msg(N_("is a folder, not a file; name the layer file inside it"))
    if not stat.S_ISREG(info.st_mode):
        return Msg(N_("is not a regular file (a device or a pipe); name a layer file"))
    if path.suffix.lower() not in SUFFIXES:
        return Msg(
            N_("has an unknown layer format {suffix}; save it as one of {formats}"),
            suffix=repr(path.suffix),
            formats=", ".join(SUFFIXES),
        )
    try:
        path.open("rb").close()
    except OSError as exc:
        return _os_reason(path, exc)
    return None


def _os_reason(path: Path, exc: OSError) -> Msg:
    if exc.errno == errno.ENAMETOOLONG:
        longest = max((len(part) for part in path.parts), default=0)
        return Msg(
            N_(
                "is too long for the file system (its longest name has {length} characters; "
                "most systems allow 255); shorten the path"
            ),
            length=Integer(longest),
        )
    if exc.errno == errno.ELOOP:
        return Msg(
            N_(
                "is a symbolic link that leads back to itself (a loop); point the link at the real file"
            )
        )
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        if _is_link(path):
            return Msg(
                N_("is a symbolic link to a file that does not exist; fix the link or the path")
            )
        return Msg(N_("not found (looked at {path}); check the path"), path=shown_path(path))
    if exc.errno in (errno.EACCES, errno.EPERM):
        return Msg(
            N_(
                "cannot be read: permission denied; allow reading it (chmod a+r, or ask its "
                "owner) or copy it to a folder you can read"
            )
        )
    return Msg(
        N_("cannot be opened ({reason}); check the path and the disk"),
        reason=str(exc.strerror or exc),
    )


def _is_link(path: Path) -> bool:
    try:
        return path.is_symlink()
    except (OSError, ValueError):
        return False


def read_layer(
    path: str | Path,
    *,
    required: Iterable[str] = (),
    name: str | None = None,
    points: bool = True,
    problems: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read one layer and check it.

    Parameters
    ----------
    path
        A GeoJSON, GeoPackage, GeoParquet or CSV file (CSV needs lat and lon columns).
    required
        Attribute fields that every feature must have a value for (besides ``id``).
    name
        The layer's name in messages (defaults to the file name).
    points
        Require point geometries: a site or a facility is a place, and a distance from a
        polygon would depend on which of its points is taken. A multipoint of one point is
        accepted as that point.
    problems
        When given, the problems of the file's contents (ids, required fields, geometry,
        coordinate reference system) are added to it and the layer is returned anyway, so that
        the caller can check its fields too and report everything at once; the caller must
        then raise.  A file that cannot be read at all, has no features or no ``id`` field
        still raises.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by the string ``id`` (also kept as a column), in EPSG:4326, ``name`` and
        ``name_*`` as text.

    Raises
    ------
    DataError
        Listing every problem of the file, each with the feature's position and id (unless
        ``problems`` collects them).
    """
    path = Path(path)
    label = name or path.name
    reason = unreadable(path)
    if reason is not None:
        msg = Located(
            shown_path(path),
            Msg(N_("layer {name} {reason}"), name=repr(shown_path(label)), reason=reason),
        )
        raise DataError(msg)
    read = _read_any(path)
    return _check(read, path=path, required=required, points=points, collect=problems)


@dataclass
class _Read:
    """A layer as read, with what the reader already found wrong.

    Attributes
    ----------
    frame
        The features.
    problems
        Problems found while reading (a CSV coordinate that is text).
    explained
        Features whose missing geometry ``problems`` already explains.
    """

    frame: gpd.GeoDataFrame
    problems: list[str]
    explained: np.ndarray | None = None


def _read_any(path: Path) -> _Read:
    suffix = path.suffix.lower()
    shown = shown_path(path)
    try:
        if path.is_file():
            _sniff(path, suffix)
        with warnings.catch_warnings():
            # pyogrio warns when a JSON field mixes numbers and text and when a coordinate is
            # malformed; the checks below report such values with the feature and the fix.
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            if suffix == ".csv":
                return _read_csv(path)
            if suffix in PARQUET:
                return _Read(gpd.read_parquet(path), [])
            if suffix in (".geojson", ".json"):
                return _read_geojson(path)
            return _Read(gpd.read_file(path, engine="pyogrio"), [])
    except DataError:
        raise
    except Exception as exc:  # pyogrio, pyarrow and pandas raise many types for a broken file
        msg = Located(
            shown,
            Msg(
                N_(
                    "cannot read the layer ({error}); check that the file is a valid {format} "
                    "file, or export it again"
                ),
                # the reader's own words are the only detail there is
                error=str(exc),
                format=suffix[1:],
            ),
        )
        raise DataError(msg) from exc


def _sniff(path: Path, suffix: str) -> None:
    """Refuse an empty file, or a binary format whose first bytes are not its signature."""
    with path.open("rb") as handle:
        head = handle.read(16)
    shown = shown_path(path)
    if not head:
        msg = Located(shown, Msg(N_("the file is empty (0 bytes); export the layer again")))
        raise DataError(msg)
    magic = MAGIC.get(suffix)
    if magic is not None and not head.startswith(magic):
        kind = "GeoPackage" if suffix == ".gpkg" else "GeoParquet"
        msg = Located(
            shown,
            Msg(
                N_(
                    "the file is not a {kind} (it starts with {head}, a {kind} with {magic}); "
                    "export the layer again as {kind}, or name it after its format"
                ),
                kind=kind,
                head=repr(head[:8]),
                magic=repr(magic[:8]),
            ),
        )
        raise DataError(msg)


def _read_geojson(path: Path) -> _Read:
    shown = shown_path(path)
    data = path.read_bytes()
    try:
        doc = json.loads(data)
    except UnicodeDecodeError as exc:
        msg = Located(
            shown,
            Msg(
                N_(
                    "the file is not text (it starts with {head}), so not GeoJSON; export the "
                    "layer again as GeoJSON (UTF-8)"
                ),
                head=repr(data[:8]),
            ),
        )
        raise DataError(msg) from exc
    except json.JSONDecodeError as exc:
        msg = Located(
            f"{shown}:{exc.lineno}",
            Msg(
                N_(
                    "not valid JSON ({problem} at column {column}); fix the file or export the "
                    "layer again as GeoJSON"
                ),
                problem=_JSON_PROBLEMS.get(exc.msg, exc.msg),
                column=exc.colno,
            ),
        )
        raise DataError(msg) from exc
    except RecursionError as exc:
        msg = Located(
            shown,
            Msg(N_("the JSON is nested too deeply to be GeoJSON; export the layer again")),
        )
        raise DataError(msg) from exc
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        features = doc["features"]
    elif kind == "Feature":
        features = [doc]
    else:
        found = (
            Msg(N_("an object of type {type}"), type=repr(kind))
            if isinstance(doc, dict)
            else type(doc).__name__
        )
        msg = Located(
            shown,
            Msg(
                N_(
                    "the file is JSON but not a GeoJSON FeatureCollection (found {found}); "
                    'write {{"type": "FeatureCollection", "features": [...]}}'
                ),
                found=found,
            ),
        )
        raise DataError(msg)
    frame = gpd.read_file(path, engine="pyogrio")
    return _Read(_faithful(frame, features), [])


#: What Python's JSON parser says is wrong, in siting's (translatable) words; kept close to the
#: parser's, which editors and validators also print.
_JSON_PROBLEMS: dict[str, Msg] = {
    "Expecting value": Msg(N_("Expecting value")),
    "Expecting property name enclosed in double quotes": Msg(
        N_("Expecting property name enclosed in double quotes")
    ),
    "Expecting ',' delimiter": Msg(N_("Expecting ',' delimiter")),
    "Expecting ':' delimiter": Msg(N_("Expecting ':' delimiter")),
    "Unterminated string starting at": Msg(N_("Unterminated string starting at")),
    "Invalid control character at": Msg(N_("Invalid control character at")),
    "Invalid \\escape": Msg(N_("Invalid \\escape")),
    "Invalid \\uXXXX escape": Msg(N_("Invalid \\uXXXX escape")),
    "Extra data": Msg(N_("Extra data")),
    "Illegal trailing comma before end of object": Msg(
        N_("Illegal trailing comma before end of object")
    ),
    "Illegal trailing comma before end of array": Msg(
        N_("Illegal trailing comma before end of array")
    ),
}


def _faithful(frame: gpd.GeoDataFrame, features: Sequence[Any]) -> gpd.GeoDataFrame:
    """Give back what GDAL changed: properties of mixed JSON types, and top-level feature ids."""
    if len(features) != len(frame):
        return frame  # not the rows GDAL read (should not happen); keep GDAL's reading
    records = pd.DataFrame.from_records([_properties(f) for f in features], index=frame.index)
    frame = frame.copy()
    if "id" not in frame.columns:
        # RFC 7946 puts a feature's id beside its properties; GDAL turns a numeric one into
        # its internal feature number and drops it.
        top = pd.Series([f.get("id") if isinstance(f, dict) else None for f in features])
        if top.notna().any():
            frame.insert(0, "id", top.to_numpy(dtype=object))
    for col in frame.columns.intersection(records.columns):
        if col == frame.geometry.name:
            continue
        kinds = records[col].map(json_kind)
        if kinds[kinds != "null"].nunique() > 1:
            frame[col] = records[col].to_numpy(dtype=object)
    return frame


def _properties(feature: Any) -> dict[str, Any]:
    props = feature.get("properties") if isinstance(feature, dict) else None
    return props if isinstance(props, dict) else {}


def json_kind(value: Any) -> str:
    """The kind of one attribute value: ``null``, ``bool``, ``number``, ``text`` or ``other``.

    NaN counts as null (GDAL reads JSON ``null`` as NaN in a numeric column); infinity is a
    number, left for range checks to refuse.
    """
    if value is None:
        return "null"
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | np.integer):
        return "number"
    if isinstance(value, float | np.floating):
        return "null" if np.isnan(value) else "number"
    if isinstance(value, str):
        return "text"
    if value is pd.NA or value is pd.NaT:
        return "null"
    return "other"


def _read_csv(path: Path) -> _Read:
    frame = pd.read_csv(path, dtype={"id": str})
    lower = {str(c).lower(): c for c in frame.columns}
    lat = next((lower[n] for n in LAT_NAMES if n in lower), None)
    lon = next((lower[n] for n in LON_NAMES if n in lower), None)
    if lat is None or lon is None:
        msg = Located(
            shown_path(path),
            Msg(
                N_(
                    "a CSV layer needs latitude and longitude columns (named lat and lon, in "
                    "decimal degrees); found {columns}"
                ),
                columns=list(frame.columns),
            ),
        )
        raise DataError(msg)
    problems: list[str] = []
    text = np.zeros(len(frame), dtype=bool)
    coords = []
    for col in (lon, lat):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = (values.isna() & frame[col].notna()).to_numpy()
        if bad.any():
            problems.append(
                Located(
                    shown_path(path),
                    Msg(
                        N_(
                            "column {column} is not a number for {features}; write decimal "
                            "degrees (51.18, not 51°10′48″N)"
                        ),
                        column=repr(col),
                        features=_features_with(frame, bad, frame[col]),
                    ),
                )
            )
        text |= bad
        coords.append(values.to_numpy(dtype=float))
    x, y = coords
    # A missing coordinate becomes a missing geometry so that the checks report it by row.
    geometry = np.asarray(shapely.points(x, y), dtype=object)
    geometry[np.isnan(x) | np.isnan(y)] = None
    out = gpd.GeoDataFrame(frame.drop(columns=[lat, lon]), geometry=geometry, crs="EPSG:4326")
    return _Read(out, problems, explained=text)


def _features_with(frame: pd.DataFrame, mask: np.ndarray, values: pd.Series | None = None) -> Msg:
    """``features 1 (id 'a'): 'x', 3 (id 'c'): 'y' and 5 more``: the first few rows of ``mask``."""
    rows = np.flatnonzero(mask)
    ids = frame["id"] if "id" in frame.columns else None
    parts = []
    for pos in rows[:SHOWN]:
        label = f"{pos + 1}" if ids is None else f"{pos + 1} (id {_plain(ids.iloc[pos])!r})"
        parts.append(label if values is None else f"{label}: {_plain(values.iloc[pos])!r}")
    return plural(
        "feature {features}", "features {features}", len(rows), features=and_more(parts, len(rows))
    )


def and_more(shown: list[str], total: int) -> str:
    """``a, b, c`` of ``total`` items, with ``and 5 more`` when only the first few are shown."""
    listed = Joined(shown, ", ")
    if total <= len(shown):
        return listed
    return Msg(N_("{items} and {count} more"), items=listed, count=Integer(total - len(shown)))


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, so that its repr reads like the file."""
    return value.item() if isinstance(value, np.generic) else value


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
    return _check(_Read(frame, []), path=path, required=required, points=points)


def _check(
    read: _Read,
    *,
    path: Path,
    required: Iterable[str],
    points: bool,
    collect: list[str] | None = None,
) -> gpd.GeoDataFrame:
    frame = read.frame
    shown = shown_path(path)
    problems = list(read.problems)
    if len(frame) == 0:
        problems.append(Located(shown, Msg(N_("the layer has no features; add at least one"))))
        raise DataError(problems)
    required = list(required)
    frame, crs_problem = _to_wgs84(frame, shown)
    if crs_problem:
        problems.append(crs_problem)
    missing = [f for f in ["id", *required] if f not in frame.columns]
    for field in missing:
        close = difflib.get_close_matches(field, [str(c) for c in frame.columns], n=1)
        hint = (
            Msg(N_("rename {name} to {field}"), name=repr(close[0]), field=repr(field))
            if close
            else Msg(
                N_("add it to every feature (its fields are {fields})"), fields=list(frame.columns)
            )
        )
        problems.append(
            Located(
                shown,
                Msg(N_("required field {field} is missing; {hint}"), field=repr(field), hint=hint),
            )
        )
    if "id" in missing or (problems and collect is None):
        raise DataError(problems)
    ids = _as_text(frame["id"])
    problems += _id_problems(frame["id"], ids, shown)
    for field in required:
        if field in missing:
            continue
        empty = _blank(frame[field])
        if empty.any():
            problems.append(
                Located(
                    shown,
                    Msg(
                        N_("field {name} is empty for {features}; give every feature a {field}"),
                        name=repr(field),
                        features=_features_with(frame, empty),
                        field=field,
                    ),
                )
            )
    problems += _geometry_problems(frame, ids, shown, points=points, explained=read.explained)
    if problems:
        if collect is None:
            raise DataError(problems)
        collect += problems
    frame = frame.copy()
    frame["id"] = ids
    for col in frame.columns:
        if col == "name" or str(col).startswith("name_"):
            frame[col] = _as_text(frame[col])
    if points and not problems:
        multi = (frame.geom_type == "MultiPoint").to_numpy()
        if multi.any():
            frame.loc[multi, "geometry"] = shapely.get_geometry(frame.geometry[multi].to_numpy(), 0)
    return frame.set_index("id", drop=False).rename_axis(None)


def _id_problems(raw: pd.Series, ids: pd.Series, shown: str) -> list[str]:
    """Empty and duplicate ids (``ids`` is ``raw`` as text, so that 7 and "7" collide)."""
    blank = _blank(raw)
    problems: list[str] = [
        Located(
            shown,
            Msg(N_("empty id; give every feature a unique id")),
            key=Msg(N_("feature {number}"), number=pos + 1),
        )
        for pos in np.flatnonzero(blank)
    ]
    for dup in sorted(set(ids[ids.duplicated() & ~blank])):
        where = ", ".join(str(p + 1) for p in np.flatnonzero((ids == dup).to_numpy()))
        problems.append(
            Located(
                shown,
                Msg(
                    N_("id {id} is used by features {features}; make ids unique"),
                    id=repr(dup),
                    features=where,
                ),
            )
        )
    return problems


def _blank(values: pd.Series) -> np.ndarray:
    """Missing values and text that is empty or only spaces."""
    text = values.astype(str)
    return (values.isna() | (text.str.strip() == "")).to_numpy()


def _as_text(values: pd.Series) -> pd.Series:
    """Every present value as text (7 → "7"), missing values kept missing."""
    return values.astype(str).where(values.notna())


def _to_wgs84(frame: gpd.GeoDataFrame, shown: str) -> tuple[gpd.GeoDataFrame, str | None]:
    """The layer in EPSG:4326, or the reason it cannot be put there."""
    crs = frame.crs
    if crs is None:
        return frame, Located(
            shown,
            Msg(
                N_(
                    "the layer has no coordinate reference system; save it with EPSG:4326 "
                    "(longitude, latitude in degrees)"
                )
            ),
        )
    if crs.equals("EPSG:4326"):
        return frame, None
    if crs.is_projected:
        bounds = shapely.total_bounds(frame.geometry.to_numpy())
        if (
            np.isfinite(bounds).all()
            and (np.abs(bounds[[0, 2]]) <= 180).all()
            and (np.abs(bounds[[1, 3]]) <= 90).all()
        ):
            # Projected coordinates are metres or feet from a false origin; a whole layer
            # within 180 of it is degrees saved under the wrong CRS.
            return frame, Located(
                shown,
                Msg(
                    N_(
                        "the layer declares {crs}, a projected CRS in {unit}, but its "
                        "coordinates ({x}, {y}) look like longitude and latitude in degrees; "
                        "save it with EPSG:4326 (or remove its wrong `crs` member)"
                    ),
                    crs=_crs_label(crs),
                    unit=_unit(crs),
                    x=f"{bounds[0]:g}..{bounds[2]:g}",
                    y=f"{bounds[1]:g}..{bounds[3]:g}",
                ),
            )
    try:
        return frame.to_crs("EPSG:4326"), None
    except Exception as exc:  # pyproj raises CRSError, ProjError and others
        return frame, Located(
            shown,
            Msg(
                N_(
                    "cannot transform the layer from {crs} to EPSG:4326 ({error}); save it with "
                    "EPSG:4326 (longitude, latitude in degrees)"
                ),
                crs=_crs_label(crs),
                error=str(exc),
            ),
        )


def _crs_label(crs: Any) -> str:
    """``WGS 84 / UTM zone 43N (EPSG:32643)``, or the name alone for a CRS without a code."""
    code = crs.to_epsg()
    return f"{crs.name} (EPSG:{code})" if code else repr(crs.name)


def _unit(crs: Any) -> str:
    """The unit of a CRS's axes, for messages ("metre", "US survey foot", as PROJ names them)."""
    return all_of(sorted({axis.unit_name for axis in crs.axis_info})) or "metre"


def _geometry_problems(
    frame: gpd.GeoDataFrame,
    ids: pd.Series,
    shown: str,
    *,
    points: bool,
    explained: np.ndarray | None = None,
) -> list[str]:
    geoms = frame.geometry.to_numpy()
    problems: list[str] = []

    def at(pos: int | np.integer, text: Msg) -> Located:
        feature = Msg(N_("feature {number} (id {id})"), number=pos + 1, id=repr(ids.iloc[pos]))
        return Located(shown, text, key=feature)

    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    unexplained = missing if explained is None else missing & ~explained
    for pos in np.flatnonzero(unexplained):
        problems.append(at(pos, Msg(N_("geometry is missing; add its coordinates or remove it"))))
    present = ~missing
    coords_nan = np.zeros(len(geoms), dtype=bool)
    bounds = np.full((len(geoms), 4), np.nan)
    bounds[present] = shapely.bounds(geoms[present])
    coords_nan[present] = np.isnan(bounds[present]).any(axis=1)
    for pos in np.flatnonzero(coords_nan):
        problems.append(
            at(pos, Msg(N_("a coordinate is NaN; give numeric longitude and latitude")))
        )
    ok = present & ~coords_nan
    lon_bad = ok & ((bounds[:, 0] < -180) | (bounds[:, 2] > 180))
    lat_bad = ok & ((bounds[:, 1] < -90) | (bounds[:, 3] > 90))
    for pos in np.flatnonzero(lon_bad | lat_bad):
        x, y = bounds[pos, 0], bounds[pos, 1]
        if abs(x) > 1000 or abs(y) > 1000:
            text = N_(
                "coordinates {point} are out of range (they look like metres of a projected "
                "CRS: reproject the layer to EPSG:4326); longitude must be within -180..180 and "
                "latitude within -90..90, in EPSG:4326 degrees"
            )
        elif abs(x) <= 90 < abs(y):
            text = N_(
                "coordinates {point} are out of range (latitude and longitude may be swapped); "
                "longitude must be within -180..180 and latitude within -90..90, in EPSG:4326 "
                "degrees"
            )
        else:
            text = N_(
                "coordinates {point} are out of range; longitude must be within -180..180 and "
                "latitude within -90..90, in EPSG:4326 degrees"
            )
        problems.append(at(pos, Msg(text, point=f"({x}, {y})")))
    invalid = ok & ~shapely.is_valid(geoms)
    for pos in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(geoms[pos])
        problems.append(
            at(
                pos,
                Msg(N_("invalid geometry ({reason}); repair it (e.g. make_valid)"), reason=reason),
            )
        )
    if points:
        kinds = shapely.get_type_id(geoms)
        one_point = (kinds == 4) & (shapely.get_num_geometries(geoms) == 1)
        not_point = ok & (kinds != 0) & ~one_point
        for kind in sorted(set(frame.geom_type[not_point])):
            rows = not_point & (frame.geom_type == kind).to_numpy()
            problems.append(
                Located(
                    shown,
                    plural(
                        "{features} is a {kind} where a point is needed (a site or a facility "
                        "is a place); give each as a point, e.g. a point inside a polygon (QGIS: "
                        "Vector > Geometry Tools > Point on Surface)",
                        "{features} are {kind} where a point is needed (a site or a facility is "
                        "a place); give each as a point, e.g. a point inside a polygon (QGIS: "
                        "Vector > Geometry Tools > Point on Surface)",
                        int(rows.sum()),
                        features=_features_with(frame.assign(id=ids), rows),
                        kind=kind,
                    ),
                )
            )
    return problems
