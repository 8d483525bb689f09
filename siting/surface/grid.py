"""The H3 grid of a surface: which cells lie in the study's area, in partitions.

A cell belongs to the surface when its **centre** lies in the area (a polygon of the boundaries
layer, or within ``km`` of one of the given points): the rule H3's own polygon fill uses
(``ContainsCentroid``), so each cell is counted once and the cells tile the area without gaps.

The grid is built in **partitions**, each the children of a few coarse "parent" cells
(:data:`PARENT_STEPS` resolutions coarser) that touch the area; a partition's cells are
generated, located and filtered on their own.  The numpy engine runs the partitions one after
the other in this process, the dask engine on a cluster: the cells, their order and every
number are the same, because each partition is computed by the same function from the same
parents.  Cells are ordered by parent, then as H3 lists a parent's children (ascending
index), so the order does not depend on the engine.

Vectorised H3 operations come from ``h3ronpy`` (Rust, on Arrow arrays): filling Kazakhstan
at resolution 7 takes 0.3 s with it against 6.5 s with ``h3`` v4's ``h3shape_to_cells``, and
the cell centres 0.2 s against 0.6 s for a loop over ``h3.cell_to_latlng``
(benchmarks/README.md, "surface").  ``h3`` itself serves the scalar questions (a cell's
resolution, the cell of one point).
"""

from __future__ import annotations

from dataclasses import dataclass

import h3
import h3ronpy
import h3ronpy.vector as h3v
import numpy as np
import pyarrow as pa
import shapely
from scipy.spatial import cKDTree

from siting import features

#: Partitions are made of the children of cells this many resolutions coarser: 7**4 = 2,401
#: children each, small enough that the parents touching the border add few cells to filter.
PARENT_STEPS = 4

#: Width of the margin around the area within which parents are looked for, in edges of a
#: cell of the surface's resolution.
MARGIN_EDGES = 3.0

#: Degrees of latitude per km on the WGS84 mean sphere (for the boxes that bound a circle).
_DEG_PER_KM = 180.0 / (np.pi * features.EARTH_RADIUS_KM)


@dataclass(frozen=True)
class Area:
    """Where the cells lie: a polygon (lon/lat, EPSG:4326), or circles around points.

    Attributes
    ----------
    polygon
        The cells whose centre it contains; None for circles.
    points
        Centres of the circles, ``(k, 2)`` lon/lat degrees; None for a polygon.
    km
        Radius of the circles (great-circle km).
    """

    polygon: shapely.Geometry | None = None
    points: np.ndarray | None = None
    km: float = 0.0

    def contains(self, lonlat: np.ndarray) -> np.ndarray:
        """Which of the points ``(n, 2)`` lie in the area.

        Safe on several threads at once: the polygon is only read; each call tests the points
        against a prepared copy of its own (:func:`prepared`).
        """
        if self.polygon is not None:
            return shapely.contains_xy(prepared(self.polygon), lonlat[:, 0], lonlat[:, 1])
        assert self.points is not None
        tree = cKDTree(features.unit_vectors(self.points))
        chord, _ = tree.query(features.unit_vectors(lonlat), k=1)
        return features.chord_to_km(np.asarray(chord, dtype=float)) <= self.km

    def cover(self) -> shapely.Geometry:
        """A lon/lat polygon that holds the whole area (a circle's box, with a margin)."""
        if self.polygon is not None:
            return self.polygon
        assert self.points is not None
        boxes = []
        for lon, lat in self.points:
            dlat = self.km * _DEG_PER_KM * 1.05
            dlon = min(dlat / max(np.cos(np.radians(min(abs(lat) + dlat, 89.0))), 1e-6), 180.0)
            boxes.append(shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
        return shapely.union_all(boxes)


def prepared(polygon: shapely.Geometry) -> shapely.Geometry:
    """A prepared copy of ``polygon``, for the calling thread alone.

    GEOS builds a prepared polygon's point locator and its index lazily, on the first queries,
    without a lock, and shapely's ``contains_xy`` releases the GIL: two threads querying one
    prepared polygon for the first time at once free each other's index and corrupt the heap
    (libgeos/geos#825, "Prepared geometry is not thread-safe"; GEOS 3.14.1, in shapely 2.2.0,
    still builds them so).  A run of the numpy engine on two threads aborted that way, SIGABRT
    in whichever thread next allocated (docs/surface.md, "Threads").
    So a shared polygon is never prepared: each caller prepares its own copy (WKB round trip
    and index, about 1 ms for Kazakhstan's 2,610-point border against ~100 ms a partition).
    """
    own = shapely.from_wkb(shapely.to_wkb(polygon))
    shapely.prepare(own)
    return own


def _np(array: object) -> np.ndarray:
    """An Arrow array (h3ronpy's) as a numpy array."""
    return pa.array(array).to_numpy(zero_copy_only=False)


def parent_resolution(resolution: int) -> int:
    """The resolution of the parents a partition is made of."""
    return max(0, resolution - PARENT_STEPS)


def parents(area: Area, resolution: int) -> np.ndarray:
    """Sorted coarse cells whose children may have their centre in the area.

    H3 is not exactly nested: a child may stick out of its parent's hexagon by a fraction of
    its own size.  So the parents are those that intersect the area's cover widened by
    :data:`MARGIN_EDGES` edges of a child cell, which holds every child whose centre is in the
    area; the children outside it are dropped by :func:`cells_in`.
    """
    coarse = parent_resolution(resolution)
    edge_km = float(h3.average_hexagon_edge_length(resolution, unit="km"))
    # degrees of longitude per km grow with latitude; 1 / cos(75°) covers Kazakhstan and more
    margin = MARGIN_EDGES * edge_km * _DEG_PER_KM / np.cos(np.radians(75.0))
    # Simplified first (Douglas-Peucker keeps every point of the border within `margin` of the
    # simplified one), then widened by twice the margin: buffering the 2,610-point border of
    # Kazakhstan itself takes seconds, its simplified outline milliseconds.
    outline = shapely.simplify(area.cover(), margin)
    cover = shapely.buffer(outline, 2 * margin, quad_segs=2)
    found = _np(
        h3v.geometry_to_cells(
            cover, coarse, containment_mode=h3ronpy.ContainmentMode.IntersectsBoundary
        )
    ).astype(np.uint64)
    if len(found) == 0:  # pragma: no cover - an area smaller than one parent
        point = shapely.point_on_surface(cover)
        found = np.array([h3.str_to_int(h3.latlng_to_cell(point.y, point.x, coarse))], np.uint64)
    return np.unique(found)


def partitions(area: Area, resolution: int, max_cells: int) -> list[np.ndarray]:
    """The parents of the area, in groups of at most ``max_cells`` children each."""
    found = parents(area, resolution)
    per_parent = 7 ** (resolution - parent_resolution(resolution))
    size = max(1, max_cells // per_parent)
    return [found[i : i + size] for i in range(0, len(found), size)]


def children(group: np.ndarray, resolution: int) -> np.ndarray:
    """The cells at ``resolution`` under the parents of ``group``, in H3's order."""
    return _np(h3ronpy.change_resolution(pa.array(group), resolution)).astype(np.uint64)


def centres(cells: np.ndarray) -> np.ndarray:
    """Each cell's centre as ``(n, 2)`` longitude, latitude in degrees."""
    if len(cells) == 0:
        return np.empty((0, 2))
    batch = pa.record_batch(h3v.cells_to_coordinates(pa.array(cells)))
    lat = batch.column("lat").to_numpy()
    lng = batch.column("lng").to_numpy()
    return np.column_stack([lng, lat])


def cells_in(area: Area, group: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """The cells of one partition whose centre lies in the area, and their centres."""
    cells = children(group, resolution)
    lonlat = centres(cells)
    keep = area.contains(lonlat)
    return cells[keep], lonlat[keep]


def cell_of(lonlat: np.ndarray, resolution: int) -> np.ndarray:
    """The cell that holds each point ``(n, 2)`` (lon/lat degrees)."""
    pts = np.asarray(lonlat, dtype=float)
    out = h3v.coordinates_to_cells(pa.array(pts[:, 1]), pa.array(pts[:, 0]), resolution)
    return _np(out).astype(np.uint64)


def boundaries_wkb(cells: np.ndarray) -> np.ndarray:
    """Each cell's hexagon as WKB (lon/lat degrees), for GeoParquet and GIS."""
    return np.asarray(_np(h3v.cells_to_wkb_polygons(pa.array(cells))), dtype=object)


def neighbours(cells: np.ndarray) -> np.ndarray:
    """For each cell, the positions in ``cells`` of its (up to 6) neighbours; -1 where none.

    Neighbours outside ``cells`` (beyond the area) and the missing sixth of a pentagon are -1.
    Row ``i`` lists the ring of cell ``i`` in H3's order (``grid_disk`` at distance 1).
    """
    n = len(cells)
    out = np.full((n, 6), -1, dtype=np.int64)
    if n == 0:
        return out
    disks = pa.array(h3ronpy.grid_disk(pa.array(cells), 1))
    offsets = disks.offsets.to_numpy()
    flat = disks.flatten().to_numpy(zero_copy_only=False).astype(np.uint64)
    owner = np.repeat(np.arange(n), np.diff(offsets))
    order = np.argsort(cells)
    pos = np.searchsorted(cells, flat, sorter=order)
    pos = np.clip(pos, 0, n - 1)
    at = order[pos]
    found = (cells[at] == flat) & (at != owner)
    owner, at = owner[found], at[found]
    # place each owner's neighbours in slots 0..5 in the order found
    starts = np.searchsorted(owner, np.arange(n))
    slot = np.arange(len(owner)) - starts[owner]
    out[owner, slot] = at
    return out


def cell_area_km2(cells: np.ndarray) -> np.ndarray:
    """Each cell's area on the sphere, km²."""
    return _np(h3ronpy.cells_area_km2(pa.array(cells)))


def to_strings(cells: np.ndarray) -> np.ndarray:
    """H3 indexes as their usual hexadecimal text (``872a10089ffffff``)."""
    return _np(h3ronpy.cells_to_string(pa.array(cells))).astype(str)
