"""Great-circle distances on the sphere, and the neighbour queries that avoid n × n matrices.

Distances are great-circle kilometres on a sphere of the WGS84 mean radius.  Points are placed
on the unit sphere in 3-D and indexed with scipy's cKDTree: the straight-line (chord) distance
between two unit vectors is a monotonic function of the great-circle distance,
``chord = 2 sin(d / 2R)``, so nearest neighbours and radius queries in 3-D are exact on the
sphere, across all seven UTM zones of Kazakhstan, without a projection.

Both :mod:`siting.features` (criteria) and :mod:`siting.optimise` (spacing and coverage of a
portfolio) measure with these functions, so that a distance is computed one way everywhere.
A radius query returns the pairs within a hair more than the radius (the chord's rounding);
the caller then decides with the haversine distance of each pair, the same number a dense
:func:`haversine_km` matrix holds, so that a sparse answer equals the dense one.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from siting.tolerances import RADIUS_SLACK

__all__ = [
    "EARTH_RADIUS_KM",
    "chord_to_km",
    "haversine_km",
    "haversine_pairs",
    "km_to_chord",
    "pairs_within",
    "unit_vectors",
    "within_each",
]

EARTH_RADIUS_KM = 6371.0088  # WGS84 mean radius (IUGG R1)


def unit_vectors(lonlat: np.ndarray) -> np.ndarray:
    """Longitude/latitude in degrees, shape ``(n, 2)`` → unit vectors, shape ``(n, 3)``."""
    lon, lat = np.radians(np.asarray(lonlat, dtype=float)).T
    cos_lat = np.cos(lat)
    return np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


def chord_to_km(chord: np.ndarray) -> np.ndarray:
    """Chord length on the unit sphere → great-circle distance in km."""
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord) / 2.0, 0.0, 1.0))


def km_to_chord(km: float) -> float:
    """Great-circle distance in km → chord length on the unit sphere."""
    return float(2.0 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2.0))


def haversine_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle distances in km between every point of ``a`` and of ``b`` (lon/lat degrees).

    Returns an ``(len(a), len(b))`` matrix, computed with the haversine formula.  Memory grows
    with ``len(a) × len(b)``: for many points use :func:`pairs_within`.
    """
    lon1, lat1 = np.radians(np.asarray(a, dtype=float)).T
    lon2, lat2 = np.radians(np.asarray(b, dtype=float)).T
    dlat = lat2[None, :] - lat1[:, None]
    dlon = lon2[None, :] - lon1[:, None]
    h = (
        np.sin(dlat / 2) ** 2
        + np.cos(lat1)[:, None] * np.cos(lat2)[None, :] * np.sin(dlon / 2) ** 2
    )
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def haversine_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle distance in km between ``a[k]`` and ``b[k]`` for each ``k`` (lon/lat degrees).

    The same formula as :func:`haversine_km`, term for term, on matching rows instead of every
    combination.
    """
    lon1, lat1 = np.radians(np.asarray(a, dtype=float).reshape(-1, 2)).T
    lon2, lat2 = np.radians(np.asarray(b, dtype=float).reshape(-1, 2)).T
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    h = np.sin(dlat / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def tree(lonlat: np.ndarray) -> cKDTree:
    """A KD-tree of the points' unit vectors (for :func:`pairs_within` and radius queries)."""
    return cKDTree(unit_vectors(lonlat))


def query_radius(km: float) -> float:
    """The chord a radius query of ``km`` uses: a hair wider, so no pair at ``km`` is missed."""
    return km_to_chord(km) * (1 + RADIUS_SLACK) + 1e-15


def pairs_within(
    lonlat: np.ndarray, km: float, *, index: cKDTree | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of points strictly closer than ``km``, in row-major order, with their km.

    The pairs come from the KD-tree (a radius query a hair wider than ``km``) and are kept when
    their haversine distance is below ``km``: the same pairs, in the same order, as
    ``np.nonzero(np.triu(haversine_km(p, p) < km, k=1))``, without the n × n matrix.

    Parameters
    ----------
    lonlat
        ``(n, 2)`` longitudes and latitudes in degrees.
    km
        The distance; pairs at ``km`` or farther are left out.
    index
        A :func:`tree` of the same points, when the caller keeps one.

    Returns
    -------
    i, j, km
        Index arrays (``i < j``, sorted by ``i`` then ``j``) and the distance of each pair.
    """
    pts = np.asarray(lonlat, dtype=float)
    if km <= 0 or len(pts) < 2:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0)
    index = tree(pts) if index is None else index
    found = index.query_pairs(query_radius(km), output_type="ndarray")
    i, j = found[:, 0].astype(np.intp), found[:, 1].astype(np.intp)
    d = haversine_pairs(pts[i], pts[j])
    keep = d < km
    i, j, d = i[keep], j[keep], d[keep]
    order = np.lexsort((j, i))
    return i[order], j[order], d[order]


def within_each(points: np.ndarray, sites: np.ndarray, km: float) -> tuple[np.ndarray, ...]:
    """For each of ``points``, the sorted indices of the ``sites`` at most ``km`` away.

    The same sets as ``np.flatnonzero(row <= km)`` for each row of ``haversine_km(points,
    sites)``, from a KD-tree on the sites: memory grows with the pairs within reach.
    """
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    where = np.asarray(sites, dtype=float).reshape(-1, 2)
    if not len(where):
        return tuple(np.empty(0, dtype=np.intp) for _ in range(len(pts)))
    found = tree(where).query_ball_point(unit_vectors(pts), query_radius(km))
    sizes = np.array([len(f) for f in found], dtype=np.intp)
    rows = np.repeat(np.arange(len(pts), dtype=np.intp), sizes)
    cols = np.fromiter((j for f in found for j in f), dtype=np.intp, count=int(sizes.sum()))
    keep = haversine_pairs(pts[rows], where[cols]) <= km
    rows, cols = rows[keep], cols[keep]
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    bounds = np.searchsorted(rows, np.arange(len(pts) + 1))
    return tuple(cols[bounds[k] : bounds[k + 1]] for k in range(len(pts)))
