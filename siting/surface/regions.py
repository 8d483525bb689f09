"""Contiguous regions on the surface: ``k`` compact regions of at least ``A`` km², the best ones.

**What a region is.** A set of allowed cells *grown from a seed cell*: starting from the seed,
one cell adjacent to the region is added at a time, every cell within ``compact_km`` of the
seed (great circle between centres: the compactness rule, a disk around the seed), until the
area first reaches ``min_area_km2``.  So a region is connected, fits in a disk of radius
``compact_km`` around its seed, reaches ``A`` and would not reach it without its last cell.
Regions are pairwise disjoint.  A region is worth the mean of its cells' scores
(``rank_by="mean"``) or their sum (``"total"``); the ``k`` regions maximise the sum of their
worths, and are reported best first.  ``k`` has no cap.

**Two methods on the same regions.**

- :func:`locate_regions_greedy`, the baseline of the ArcGIS "Locate Regions" kind: from every
  seed, grow a region best cell first among the cells not yet taken; keep the best region;
  take its cells; repeat ``k`` times.
- :func:`grow_regions`, the exact model: a set-packing integer program
  (:func:`siting.optimise.packing.pack`) over candidate regions.  When every region of the
  grid can be listed (:func:`enumerate_regions`, small grids), they all are and the answer is
  the exact optimum.  Otherwise the candidates are the best-first region of each of the best
  ``max_seeds`` seeds plus the greedy baseline's own regions — so the program can always take
  the greedy's answer and is never worse — and a proven upper bound on every packing of the
  grid says how much better any answer could be (docs/methods.md, "Contiguous regions").
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from siting.errors import DataError, InfeasibleError
from siting.features import EARTH_RADIUS_KM, haversine_km
from siting.i18n import N_, Msg
from siting.optimise.packing import pack
from siting.surface.sites import allowed_cells
from siting.tolerances import OBJECTIVE_ABS, OBJECTIVE_REL

__all__ = [
    "Region",
    "RegionsResult",
    "enumerate_regions",
    "grow",
    "grow_regions",
    "locate_regions_greedy",
    "upper_bound",
]

RankBy = Literal["mean", "total"]


@dataclass(frozen=True)
class Region:
    """One region: its cells (row indices, sorted), seed, area and scores."""

    cells: np.ndarray
    seed: int
    area_km2: float
    mean: float
    total: float

    def worth(self, rank_by: RankBy) -> float:
        """What the region is ranked by."""
        return self.mean if rank_by == "mean" else self.total


@dataclass(frozen=True)
class RegionsResult:
    """Regions chosen on a surface, the greedy baseline beside them, and the guarantee.

    Attributes
    ----------
    regions
        The chosen regions, best first.
    objective
        Sum of their worths (mean or total score).
    guarantee
        ``"exact"``: no ``k`` regions of the grid are worth more; ``"bound"``: none are worth
        more than ``upper_bound``.
    upper_bound, gap
        The proven bound and ``upper_bound − objective``.
    greedy, greedy_objective
        The Locate-Regions-style greedy answer on the same inputs and its worth.
    columns
        Candidate regions given to the integer program.
    exhaustive
        Whether they are every region of the grid.
    rank_by
        ``"mean"`` or ``"total"``.
    seconds
        Wall time (greedy included).
    """

    regions: list[Region]
    objective: float
    guarantee: Literal["exact", "bound"]
    upper_bound: float
    gap: float
    greedy: list[Region]
    greedy_objective: float
    columns: int
    exhaustive: bool
    rank_by: RankBy
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Grid:
    scores: np.ndarray
    neighbours: np.ndarray
    area: np.ndarray
    lonlat: np.ndarray
    allowed: np.ndarray
    min_area: float
    compact_km: float

    def disk(self, seed: int) -> np.ndarray:
        """Mask of the cells within compact_km of the seed."""
        d = haversine_km(self.lonlat[seed][None, :], self.lonlat)[0]
        return d <= self.compact_km

    def region(self, cells: np.ndarray, seed: int) -> Region:
        cells = np.sort(np.asarray(cells, dtype=np.intp))
        return Region(
            cells=cells,
            seed=int(seed),
            area_km2=float(self.area[cells].sum()),
            mean=float(self.scores[cells].mean()),
            total=float(self.scores[cells].sum()),
        )


def grow(grid: _Grid, seed: int, *, taken: np.ndarray | None = None) -> np.ndarray | None:
    """Grow a region from ``seed`` best cell first (ties by index); None if it cannot reach A.

    ``taken`` marks cells other regions hold.  Distances to the seed are computed for the cells
    the growth reaches only (a few per added cell), not for the whole grid.
    """
    return _grow(grid, seed, taken)[0]


def _grow(grid: _Grid, seed: int, taken: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray]:
    """:func:`grow`, and every cell the growth looked at (its result depends on those only)."""
    if not grid.allowed[seed] or (taken is not None and taken[seed]):
        return None, np.array([seed], dtype=np.intp)
    lon0, lat0 = np.radians(grid.lonlat[seed])
    cos0 = math.cos(lat0)
    limit = grid.compact_km

    def near(cell: int) -> bool:
        lon, lat = np.radians(grid.lonlat[cell])
        h = math.sin((lat - lat0) / 2) ** 2 + cos0 * math.cos(lat) * math.sin((lon - lon0) / 2) ** 2
        return 2.0 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h))) <= limit

    member = {seed}
    area = float(grid.area[seed])
    heap: list[tuple[float, int]] = []
    seen = {seed}

    def push(cell: int) -> None:
        for nb in grid.neighbours[cell].tolist():
            if nb < 0 or nb in seen:
                continue
            seen.add(nb)
            if grid.allowed[nb] and (taken is None or not taken[nb]) and near(nb):
                heapq.heappush(heap, (-float(grid.scores[nb]), nb))

    push(seed)
    while area < grid.min_area:
        if not heap:
            return None, np.fromiter(seen, dtype=np.intp)
        _, cell = heapq.heappop(heap)
        member.add(cell)
        area += float(grid.area[cell])
        push(cell)
    return np.array(sorted(member), dtype=np.intp), np.fromiter(seen, dtype=np.intp)


def locate_regions_greedy(
    grid: _Grid, *, k: int, rank_by: RankBy, seeds: np.ndarray
) -> list[Region]:
    """The greedy baseline: ``k`` times, the best best-first region among the free cells.

    Like ArcGIS Pro's Locate Regions (grow from seeds, keep the best region, repeat), without
    its cap of 30 regions.  Returns fewer than ``k`` regions when no more fit.
    """
    taken = np.zeros(grid.scores.size, dtype=bool)
    out: list[Region] = []
    # A growth depends only on the cells it looked at: after a region is taken, only the
    # seeds whose growth looked at one of its cells are grown again.
    cache: dict[int, tuple[Region | None, np.ndarray]] = {}
    for _ in range(k):
        best: Region | None = None
        for c in seeds.tolist():
            hit = cache.get(c)
            if hit is None or taken[hit[1]].any():
                cells, seen = _grow(grid, c, taken)
                hit = (None if cells is None else grid.region(cells, c), seen)
                cache[c] = hit
            region = hit[0]
            if region is None:
                continue
            if best is None or region.worth(rank_by) > best.worth(rank_by):
                best = region
        if best is None:
            break
        out.append(best)
        taken[best.cells] = True
    return out


def enumerate_regions(grid: _Grid, *, limit: int) -> list[tuple[np.ndarray, int]] | None:
    """Every region of the grid (each with one seed that grows it), or None beyond ``limit``.

    From each seed, every growth order is followed (sets, not orders: each set once), stopping a
    set when its area reaches A.
    """
    found: dict[frozenset[int], int] = {}
    work = 0
    for seed in np.flatnonzero(grid.allowed).tolist():
        usable = grid.allowed & grid.disk(seed)
        level: set[frozenset[int]] = {frozenset([seed])}
        while level:
            nxt: set[frozenset[int]] = set()
            for part in level:
                area = float(grid.area[list(part)].sum())
                if area >= grid.min_area:
                    found.setdefault(part, seed)
                    continue
                for cell in part:
                    for nb in grid.neighbours[cell].tolist():
                        if nb >= 0 and usable[nb] and nb not in part:
                            nxt.add(part | {nb})
                work += 1
                if work > limit or len(found) > limit:
                    return None
            level = nxt
    return [(np.array(sorted(s), dtype=np.intp), seed) for s, seed in found.items()]


#: Fixed polyhexes of 1, 2, ... cells (OEIS A001207): about how many regions of that many
#: cells hold a given cell as, say, their first.
POLYHEXES = (1, 3, 11, 44, 186, 814, 3652, 16689, 77359, 362671)


def _estimate(grid: _Grid) -> float:
    """About how many regions :func:`enumerate_regions` would list (to skip it when too many)."""
    a = np.sort(grid.area[grid.allowed])
    n_hi = int(np.searchsorted(np.cumsum(a), grid.min_area)) + 1
    per_cell = POLYHEXES[n_hi - 1] if n_hi <= len(POLYHEXES) else math.inf
    return float(grid.allowed.sum()) * per_cell


def upper_bound(grid: _Grid, *, k: int, rank_by: RankBy) -> float:
    """A bound on the worth of any ``k`` disjoint regions of the grid.

    Every region has at least ``n_lo`` cells (the fewest allowed cells whose areas reach A) and
    at most ``n_hi`` (the most cells whose area stays below A, plus one).  For the mean: a
    region's mean is at most the mean of its best ``n_lo`` cells, and those cells of different
    regions are distinct, so the sum of the means is at most the sum of the best ``k·n_lo``
    scores of the grid over ``n_lo``.  For the total: the regions hold at most ``k·n_hi``
    distinct cells, so the sum is at most the best sum of that many cells or fewer.
    """
    s = np.sort(grid.scores[grid.allowed])[::-1]
    a = grid.area[grid.allowed]
    big = np.cumsum(np.sort(a)[::-1])
    small = np.cumsum(np.sort(a))
    n_lo = int(np.searchsorted(big, grid.min_area)) + 1
    n_hi = int(np.searchsorted(small, grid.min_area)) + 1
    prefix = np.concatenate([[0.0], np.cumsum(s)])
    if rank_by == "mean":
        take = min(k * n_lo, s.size)
        return float(prefix[take] / n_lo)
    lo, hi = min(k * n_lo, s.size), min(k * n_hi, s.size)
    return float(prefix[lo : hi + 1].max())


def _check(
    scores: Any,
    neighbours: Any,
    area_km2: Any,
    lonlat: Any,
    allowed: Any,
    k: Any,
    min_area_km2: Any,
    compact_km: Any,
    rank_by: Any,
) -> _Grid:
    s = np.asarray(scores, dtype=float)
    if s.ndim != 1 or s.size == 0:
        msg = Msg(
            N_("scores must be a non-empty 1-D array (one per cell); got shape {shape}"),
            shape=s.shape,
        )
        raise DataError(msg)
    n = s.size
    problems: list[str] = []
    nb = np.asarray(neighbours)
    if nb.ndim != 2 or nb.shape[0] != n or not np.issubdtype(nb.dtype, np.integer):
        problems.append(
            Msg(
                N_(
                    "neighbours must be an integer array with one row per cell ({size}); got {shape}"
                ),
                size=n,
                shape=nb.shape,
            )
        )
        nb = np.full((n, 1), -1)
    elif nb.size and (nb.max() >= n or nb.min() < -1):
        problems.append(Msg(N_("neighbours must hold cell rows (0 to {last}) or -1"), last=n - 1))
    area = np.asarray(area_km2, dtype=float)
    if area.shape != (n,) or not np.all(np.isfinite(area)) or np.any(area <= 0):
        problems.append(Msg(N_("area_km2 must hold one positive area per cell ({size})"), size=n))
        area = np.ones(n)
    xy = np.asarray(lonlat, dtype=float)
    if xy.shape != (n, 2) or not np.all(np.isfinite(xy)):
        problems.append(
            Msg(
                N_("lonlat must have one (longitude, latitude) row per cell ({size}); got {shape}"),
                size=n,
                shape=xy.shape,
            )
        )
        xy = np.zeros((n, 2))
    mask = allowed_cells(s, allowed, problems)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        problems.append(
            Msg(N_("k (number of regions) must be a whole number >= 1; got {value}"), value=repr(k))
        )
    for name, value in (("min_area_km2", min_area_km2), ("compact_km", compact_km)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.number))
            or not (math.isfinite(value) and value > 0)
        ):
            problems.append(
                Msg(
                    N_("{what} must be a finite number > 0; got {value}"),
                    what=name,
                    value=repr(value),
                )
            )
    if rank_by not in ("mean", "total"):
        problems.append(Msg(N_("rank_by must be mean or total; got {value}"), value=repr(rank_by)))
    if problems:
        raise DataError(problems)
    return _Grid(
        scores=s,
        neighbours=nb.astype(np.intp),
        area=area,
        lonlat=xy,
        allowed=mask & np.isfinite(s),
        min_area=float(min_area_km2),
        compact_km=float(compact_km),
    )


def grow_regions(
    scores: np.ndarray,
    neighbours: np.ndarray,
    area_km2: np.ndarray,
    lonlat: np.ndarray,
    *,
    k: int,
    min_area_km2: float,
    compact_km: float,
    allowed: np.ndarray | None = None,
    rank_by: RankBy = "mean",
    max_seeds: int = 2000,
    enumerate_limit: int = 20_000,
    solver: str = "highs",
) -> RegionsResult:
    """Choose ``k`` disjoint compact regions of at least ``min_area_km2`` with the best worth.

    Parameters
    ----------
    scores
        One score per cell (NaN allowed where excluded).
    neighbours
        ``(n, 6)`` rows of each cell's neighbours, -1 where none (``Surface.neighbours()``).
    area_km2
        Each cell's area.
    lonlat
        Cell centres, longitude and latitude in degrees.
    k
        Number of regions (no cap).
    min_area_km2
        Least area of a region.
    compact_km
        Every cell of a region lies within this distance of its seed.
    allowed
        Cells that pass the exclusions (default: every cell with a score).
    rank_by
        ``"mean"`` (default) or ``"total"`` score of a region.
    max_seeds
        Seeds (the best cells) from which the greedy and the candidate regions grow when the
        grid's regions are too many to list.
    enumerate_limit
        Most regions (and partial regions) listed before falling back to candidate regions.
    solver
        ``"highs"`` or ``"cbc"``.

    Returns
    -------
    RegionsResult
        The regions, best first, the greedy beside them, the guarantee.

    Raises
    ------
    DataError
        Malformed inputs, every problem listed.
    InfeasibleError
        Fewer than ``k`` disjoint regions fit.
    """
    start = time.perf_counter()
    grid = _check(
        scores, neighbours, area_km2, lonlat, allowed, k, min_area_km2, compact_km, rank_by
    )
    cells = np.flatnonzero(grid.allowed)
    order = cells[np.lexsort((cells, -grid.scores[cells]))]
    seeds = order[:max_seeds]
    greedy = locate_regions_greedy(grid, k=int(k), rank_by=rank_by, seeds=seeds)
    listed = (
        enumerate_regions(grid, limit=enumerate_limit)
        if _estimate(grid) <= enumerate_limit
        else None
    )
    exhaustive = listed is not None
    if listed is None:
        listed = []
        for c in seeds.tolist():
            grown = grow(grid, c)
            if grown is not None:
                listed.append((grown, c))
    # The greedy's regions are candidates too: the program can always answer as it did.
    known = {tuple(c.tolist()) for c, _ in listed}
    for region in greedy:
        if tuple(region.cells.tolist()) not in known:
            listed.append((region.cells, region.seed))
    regions = [grid.region(c, seed) for c, seed in listed]
    worth = np.array([r.worth(rank_by) for r in regions])
    packed = pack(worth, [r.cells for r in regions], k=int(k), solver=solver)
    if not packed.feasible:
        most = pack(np.ones(len(regions)), [r.cells for r in regions], k=int(k), exact=False)
        fit = int(most.selected.size)
        msg = Msg(
            N_(
                "only {fit} disjoint regions of {area} km² fit within {km} km of their seeds; "
                "ask for {fit}, or lower min_area_km2, or raise compact_km"
            ),
            fit=fit,
            area=f"{grid.min_area:g}",
            km=f"{grid.compact_km:g}",
        )
        raise InfeasibleError(msg)
    chosen = sorted(
        (regions[r] for r in packed.selected.tolist()),
        key=lambda r: (-r.worth(rank_by), int(r.cells[0])),
    )
    value = float(sum(r.worth(rank_by) for r in chosen))
    bound = value if exhaustive else max(value, upper_bound(grid, k=int(k), rank_by=rank_by))
    closed = value >= bound - (OBJECTIVE_REL * max(1.0, abs(bound)) + OBJECTIVE_ABS)
    return RegionsResult(
        regions=chosen,
        objective=value,
        guarantee="exact" if closed else "bound",
        upper_bound=value if closed else bound,
        gap=0.0 if closed else bound - value,
        greedy=greedy,
        greedy_objective=float(sum(r.worth(rank_by) for r in greedy)),
        columns=len(regions),
        exhaustive=exhaustive,
        rank_by=rank_by,
        seconds=time.perf_counter() - start,
        details={"rows": packed.rows, "solve_seconds": packed.seconds},
    )
