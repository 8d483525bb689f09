"""Measure criteria for every candidate: distances, counts, sums, accessibility, attributes.

Distances are great-circle kilometres on a sphere of the WGS84 mean radius.
Points are placed on the unit sphere in 3-D and indexed with scipy's cKDTree:
the straight-line (chord) distance between two unit vectors is a monotonic
function of the great-circle distance, ``chord = 2 sin(d / 2R)``, so nearest
neighbours and radius queries in 3-D are exact on the sphere.  This gives
a spatial index valid across all of Kazakhstan's seven UTM zones without
projecting and without a Python loop over candidates × facilities.

Counts, sums and accessibility share one vocabulary of distance decay (:func:`kernel`): a
feature at distance d counts with weight k(d), 1 at the site, falling to 0.  A hard radius is
the step kernel (1 within the radius, 0 beyond); the linear, Gaussian and exponential kernels
have no cliff.  Only the pairs within the kernel's reach are ever formed (a sparse distance
query on the tree), so the work grows with the pairs that matter, not candidates × facilities.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from siting.errors import DataError

# The sphere's geometry lives in siting.geodesy (the portfolio's spacing and coverage measure
# with it too); its names stay importable from here.
from siting.geodesy import EARTH_RADIUS_KM as EARTH_RADIUS_KM
from siting.geodesy import chord_to_km as chord_to_km
from siting.geodesy import haversine_km as haversine_km
from siting.geodesy import km_to_chord as km_to_chord
from siting.geodesy import unit_vectors as unit_vectors
from siting.i18n import N_, Msg
from siting.spec import Bounds, Decay, Measure
from siting.tolerances import RADIUS_SLACK

if TYPE_CHECKING:
    import geopandas as gpd

# exp(-30) ≈ 1e-13: beyond 30 decay lengths a facility adds nothing measurable to access,
# so the sparse distance query stops there instead of building the full matrix.
ACCESS_CUTOFF = 30.0
#: Weight below which a decaying kernel is cut off: exp(-30) ≈ 9.4e-14, the exponential's
#: weight at ACCESS_CUTOFF scale lengths, so that `access` gives the same numbers as before
#: the kernels were unified.  Summed over every feature of a layer this is far below any
#: digit a table shows.
KERNEL_FLOOR = float(np.exp(-ACCESS_CUTOFF))


def lonlat(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Longitude and latitude of a point layer (EPSG:4326) as an ``(n, 2)`` array of degrees."""
    return shapely.get_coordinates(frame.geometry.to_numpy())


def _vectors(sites: np.ndarray, site_vectors: np.ndarray | None) -> np.ndarray:
    """The sites' unit vectors: given (computed once for many criteria), or computed here."""
    return unit_vectors(sites) if site_vectors is None else site_vectors


def nearest_km(
    sites: np.ndarray, facilities: np.ndarray, *, site_vectors: np.ndarray | None = None
) -> np.ndarray:
    """Great-circle distance in km from each site to its nearest facility.

    ``site_vectors`` (the sites' :func:`unit_vectors`) may be given by a caller that measures
    many criteria at the same sites (a surface's cells), so that they are computed once.
    """
    tree = cKDTree(unit_vectors(facilities))
    chord, _ = tree.query(_vectors(sites, site_vectors), k=1)
    return chord_to_km(np.asarray(chord, dtype=float))


def count_within(
    sites: np.ndarray,
    facilities: np.ndarray,
    radius_km: float,
    *,
    site_vectors: np.ndarray | None = None,
) -> np.ndarray:
    """Number of facilities within ``radius_km`` of each site."""
    if len(facilities) > DENSE_FACILITIES:
        tree = cKDTree(unit_vectors(facilities))
        # A hair of slack so that a facility exactly on the radius counts, despite rounding.
        r = km_to_chord(radius_km) * (1 + RADIUS_SLACK)
        found = tree.query_ball_point(_vectors(sites, site_vectors), r, return_length=True)
        return np.asarray(found, dtype=float)
    rows, _, _ = _pairs_within(sites, facilities, radius_km, site_vectors)
    return np.bincount(rows, minlength=len(sites)).astype(float)


#: Up to this many facilities, the pairs within a radius are found by measuring every site
#: against every facility (in blocks of :data:`PAIR_BLOCK`): with a few dozen features and a
#: reach that holds many of them (institutes within 80 km of Almaty) this is up to 4 times
#: faster than walking two KD-trees, whose cost grows with the pairs; with hundreds of features
#: and a short reach the trees win (benchmarks/README.md, "surface").  The dense search lists
#: the pairs by site, then facility.
DENSE_FACILITIES = 64

#: Site × facility distances held at once by the dense search (8 MB of chords, 24 MB of
#: coordinate differences).
PAIR_BLOCK = 1 << 20


def _pairs_within(
    sites: np.ndarray,
    facilities: np.ndarray,
    radius_km: float,
    site_vectors: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(site index, facility index, km) for every pair closer than ``radius_km``.

    The distance is the chord between unit vectors (the straight line the KD-tree measures),
    turned into great-circle km; a pair counts when its chord is at most the radius's, widened
    by :data:`~siting.tolerances.RADIUS_SLACK`.
    """
    a, b = _vectors(sites, site_vectors), unit_vectors(facilities)
    limit = km_to_chord(radius_km) * (1 + RADIUS_SLACK)
    if len(b) > DENSE_FACILITIES:
        # The "ndarray" output keeps pairs at distance 0 (a facility on the site itself).
        pairs = cKDTree(a).sparse_distance_matrix(cKDTree(b), limit, output_type="ndarray")
        return pairs["i"], pairs["j"], chord_to_km(pairs["v"])
    rows, cols, chords = [], [], []
    step = max(1, PAIR_BLOCK // max(len(b), 1))
    for start in range(0, len(a), step):
        block = a[start : start + step]
        # x, y and z apart: three site × facility arrays, not a reduction over a 3-long axis
        sq = (block[:, 0, None] - b[None, :, 0]) ** 2
        sq += (block[:, 1, None] - b[None, :, 1]) ** 2
        sq += (block[:, 2, None] - b[None, :, 2]) ** 2
        chord = np.sqrt(sq)
        i, j = np.nonzero(chord <= limit)
        rows.append(i + start)
        cols.append(j)
        chords.append(chord[i, j])
    if not rows:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0)
    return np.concatenate(rows), np.concatenate(cols), chord_to_km(np.concatenate(chords))


def sum_within(
    sites: np.ndarray,
    facilities: np.ndarray,
    values: np.ndarray,
    radius_km: float,
    *,
    site_vectors: np.ndarray | None = None,
) -> np.ndarray:
    """Sum of ``values`` over the facilities within ``radius_km`` of each site."""
    rows, cols, _ = _pairs_within(sites, facilities, radius_km, site_vectors)
    return np.bincount(rows, weights=np.asarray(values, float)[cols], minlength=len(sites))


def kernel(km: np.ndarray, decay: Decay) -> np.ndarray:
    """Weight of a feature at each distance ``km``: 1 at the site, falling to 0.

    - linear ``{full_km: a, zero_km: b}``: 1 for d ≤ a, (b − d) / (b − a) between, 0 for d ≥ b;
    - gaussian ``{sigma_km: σ}``: exp(−d² / 2σ²);
    - exponential ``{scale_km: d0}``: exp(−d / d0).
    """
    d = np.asarray(km, dtype=float)
    if decay.linear is not None:
        full, zero = decay.linear.full_km, decay.linear.zero_km
        return np.clip((zero - d) / (zero - full), 0.0, 1.0)
    if decay.gaussian is not None:
        sigma = decay.gaussian.sigma_km
        return np.exp(-0.5 * (d / sigma) ** 2)
    if decay.exponential is not None:
        return np.exp(-d / decay.exponential.scale_km)
    raise AssertionError("validated Decay without a kernel")  # pragma: no cover


def reach_km(decay: Decay) -> float:
    """Distance beyond which ``decay``'s weight is 0, or below :data:`KERNEL_FLOOR`.

    Linear: ``zero_km`` (exactly 0 beyond).  Gaussian: σ √(2 · 30) ≈ 7.75 σ.  Exponential:
    30 d0.  Features farther than this are never paired with the site.
    """
    if decay.linear is not None:
        return decay.linear.zero_km
    if decay.gaussian is not None:
        return decay.gaussian.sigma_km * float(np.sqrt(2.0 * ACCESS_CUTOFF))
    if decay.exponential is not None:
        return decay.exponential.scale_km * ACCESS_CUTOFF
    raise AssertionError("validated Decay without a kernel")  # pragma: no cover


def gravity(
    sites: np.ndarray,
    facilities: np.ndarray,
    weights: np.ndarray,
    decay: Decay,
    *,
    site_vectors: np.ndarray | None = None,
) -> np.ndarray:
    """Gravity accessibility (Hansen 1959): ``Σ_j w_j · k(d_ij)`` for each site.

    ``k`` is the :func:`kernel` of ``decay``; with unit weights this is a count in which each
    feature counts by how near it is, with ``w_j`` a field it is a sum.  Pairs beyond
    :func:`reach_km` are left out (their weight is 0, or below :data:`KERNEL_FLOOR`).

    Examples
    --------
    >>> from siting.spec import Decay
    >>> site, two = np.array([[76.9, 43.25]]), np.array([[76.9, 43.25], [76.9, 43.7]])
    >>> ramp = Decay.model_validate({"linear": {"full_km": 30, "zero_km": 80}})
    >>> round(float(gravity(site, two, np.ones(2), ramp)[0]), 3)  # 0 km (1) and 50.04 km away
    1.599
    """
    rows, cols, km = _pairs_within(sites, facilities, reach_km(decay), site_vectors)
    terms = np.asarray(weights, float)[cols] * kernel(km, decay)
    return np.bincount(rows, weights=terms, minlength=len(sites))


def access(
    sites: np.ndarray, facilities: np.ndarray, weights: np.ndarray, decay_km: float
) -> np.ndarray:
    """Distance-decay accessibility: ``Σ_j w_j · exp(−d_ij / decay_km)`` for each site.

    The exponential case of :func:`gravity`.
    """
    decay = Decay.model_validate({"exponential": {"scale_km": decay_km}})
    return gravity(sites, facilities, weights, decay)


def coordinate(sites: np.ndarray, axis: str) -> np.ndarray:
    """The sites' longitude (``axis="lon"``) or latitude (``"lat"``) in degrees."""
    return np.asarray(sites, dtype=float)[:, 0 if axis == "lon" else 1].copy()


def membership(values: pd.Series, wanted: list[str | float]) -> np.ndarray:
    """1.0 where a value is one of ``wanted``, else 0.0 (a missing value is not in the list)."""
    return values.isin(wanted).to_numpy(dtype=float)


def where_mask(frame: pd.DataFrame, where: Mapping[str, Bounds]) -> np.ndarray:
    """Rows of ``frame`` that pass every filter of ``where`` (a structured filter, never eval).

    Raises
    ------
    DataError
        When a filter compares text with a number; the caller reports missing fields.
    """
    keep = np.ones(len(frame), dtype=bool)
    for field, test in where.items():
        col = frame[field]
        if test.min is not None or test.max is not None:
            values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
            bad = np.isnan(values) & col.notna().to_numpy()
            if bad.any():
                example = col[bad].iloc[0]
                msg = Msg(
                    N_(
                        "field {field} holds text ({example}) but the filter compares numbers; "
                        "use `in` or `equals` for text"
                    ),
                    field=repr(field),
                    example=repr(example),
                )
                raise DataError(msg)
            if test.min is not None:
                keep &= values >= test.min
            if test.max is not None:
                keep &= values <= test.max
        if test.in_ is not None:
            keep &= col.isin(test.in_).to_numpy()
        if test.equals is not None:
            keep &= (col == test.equals).to_numpy()
    return keep


def measure(
    spec: Measure,
    *,
    sites: np.ndarray,
    candidates: pd.DataFrame,
    facilities: pd.DataFrame | None,
    facility_lonlat: np.ndarray | None,
    site_vectors: np.ndarray | None = None,
) -> np.ndarray:
    """Raw value of one criterion for every candidate.

    Parameters
    ----------
    spec
        The criterion's measure.
    sites
        Candidate longitude/latitude, ``(n, 2)``.
    candidates
        The candidates' attributes (for ``attribute``).
    facilities, facility_lonlat
        The measured layer's attributes and coordinates, already filtered by ``where``.
    site_vectors
        The sites' :func:`unit_vectors`, when the caller measures many criteria at many sites
        (computed here otherwise).
    """
    kind = spec.kind
    if kind == "attribute":
        if spec.coordinate is not None:
            return coordinate(sites, spec.coordinate)
        values = candidates[spec.attribute]
        if spec.in_ is not None:
            return membership(values, spec.in_)
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if facilities is None or facility_lonlat is None:
        raise AssertionError(f"measure {kind!r} needs a facility layer")  # pragma: no cover
    if kind == "nearest":
        return nearest_km(sites, facility_lonlat, site_vectors=site_vectors)
    decay = spec.kernel
    if kind == "count" and decay is None:
        return count_within(
            sites,
            facility_lonlat,
            spec.within_km,  # type: ignore[arg-type]
            site_vectors=site_vectors,
        )
    weights = (
        pd.to_numeric(facilities[spec.field], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        if spec.field
        else np.ones(len(facilities))
    )
    if decay is None:  # sum within a hard radius
        return sum_within(
            sites,
            facility_lonlat,
            weights,
            spec.within_km,  # type: ignore[arg-type]
            site_vectors=site_vectors,
        )
    return gravity(sites, facility_lonlat, weights, decay, site_vectors=site_vectors)
