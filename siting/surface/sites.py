"""Sites from the surface: k cells under the study's portfolio rules, with what is guaranteed.

A national surface has hundreds of thousands of cells; the portfolio's integer program
(:mod:`siting.optimise`) is exact but wants a few thousand candidates at most.  Two steps make
the whole grid's optimum reachable, and the result says which of two guarantees it carries:

1. **Dominance** (:func:`undominated`, exact).  Cells are ranked by score (ties by index).  In
   each group, greedily pack cells in rank order so that every two packed cells are at least
   ``2·D`` apart (``D`` the spacing).  Once ``q`` cells are packed, every later cell of that group
   is dominated: some optimal portfolio avoids it (``q = k`` with a spacing, ``min(k, cap)``
   without).  Proof in docs/methods.md ("Sites from the surface").
2. **Threshold** (:func:`choose_sites`).  The integer program is solved on the best ``M``
   undominated cells ``C``.  With ``τ`` the best score left out, any portfolio using a cell
   outside ``C`` is worth at most ``kτ + max Σ_{j∈S} (s_j − τ)`` over rule-abiding sets ``S ⊆ C``
   of at most ``k − 1`` cells — one more solve of the same program with shifted scores.  When
   the optimum on ``C`` reaches that bound it is the optimum over the whole grid (``"exact"``);
   otherwise ``M`` is doubled, up to ``max_candidates``, and the result carries the proven gap
   (``"bound"``).

Everything is on plain arrays (scores, centroids, an exclusion mask, group labels), so this
module does not depend on how the scores were made.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import h3
import numpy as np

from siting.errors import DataError, InfeasibleError
from siting.features import EARTH_RADIUS_KM, haversine_km
from siting.i18n import N_, Msg
from siting.messages import plural
from siting.optimise import OptimisationResult, PortfolioRules, prepare, solve_rules, solver_version
from siting.optimise._core import chosen
from siting.optimise.model import build
from siting.optimise.packing import solve_to_optimality
from siting.tolerances import MIP_GAP, OBJECTIVE_ABS, OBJECTIVE_REL

__all__ = ["SitesResult", "choose_sites", "rank_order", "undominated"]

Guarantee = Literal["exact", "bound"]

#: Smallest reduced candidate set tried first (it is doubled until the bound closes).
FIRST_CANDIDATES = 64

#: Blocks of the first coarse bound; when it does not close, the bound is redone with up to
#: ``max_blocks`` blocks before the reduced set grows (a finer block program is tighter and,
#: with hundreds of blocks, cheaper than thousands of cells).
FIRST_BLOCKS = 300


@dataclass(frozen=True)
class SitesResult:
    """Sites chosen on a surface and what is guaranteed about them.

    Attributes
    ----------
    selected
        Chosen cells: indices into the input arrays, sorted.
    total_score
        Sum of the chosen cells' scores.
    guarantee
        ``"exact"``: the optimum over every allowed cell of the grid; ``"bound"``: the best
        portfolio of the reduced set, within ``gap`` of the grid's optimum.
    upper_bound
        A proven upper bound on the total score of any portfolio on the whole grid.
    gap
        ``upper_bound − total_score`` (0 when exact).
    allowed, undominated, candidates
        Cells that pass the exclusions; of those, cells no dominance argument removes; of those,
        cells the last integer program was given.
    threshold
        ``τ``: the best score among the undominated cells left out (``-inf`` when none was).
    rounds
        Integer programs solved on growing candidate sets.
    result
        The portfolio model's own result on the reduced set (indices on that set, binding rules).
    candidate_index
        The reduced set: indices into the input arrays, in rank order.
    seconds
        Wall time.
    """

    selected: np.ndarray
    total_score: float
    guarantee: Guarantee
    upper_bound: float
    gap: float
    allowed: int
    undominated: int
    candidates: int
    threshold: float
    rounds: int
    result: OptimisationResult
    candidate_index: np.ndarray
    seconds: float
    binding: list[str] = field(default_factory=list)


def rank_order(scores: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``index`` sorted by score, best first, ties by index (the order every proof uses)."""
    return index[np.lexsort((index, -scores[index]))]


def undominated(
    scores: np.ndarray,
    lonlat: np.ndarray,
    allowed: np.ndarray,
    *,
    k: int,
    min_spacing_km: float,
    group_codes: np.ndarray | None = None,
    at_most_per_group: int | None = None,
    must_include: np.ndarray | None = None,
) -> np.ndarray:
    """The cells that some optimal portfolio may need; every other cell is dominated.

    In each group (all cells form one group when there is no cap), cells are visited in rank
    order and packed greedily so that packed cells are pairwise at least ``2·min_spacing_km``
    apart.  When the ``q``-th cell is packed (``q = k`` with a spacing; ``min(k, cap)`` without),
    the cells of the group ranked after it are dominated: the ``k − 1`` other sites of a
    portfolio can each rule out at most one packed cell (a site within ``D`` of two of them
    would put those two closer than ``2D``), so a free packed cell of the same group, scoring
    at least as much, can replace the dominated one without breaking any rule.

    Parameters
    ----------
    scores, lonlat
        Score and centroid (longitude, latitude in degrees) of every cell.
    allowed
        Boolean mask of the cells that pass the exclusions.
    k
        Number of sites.
    min_spacing_km
        The spacing ``D`` (0: none).
    group_codes
        Group of each cell (an integer; -1 for none) when a per-group cap applies.
    at_most_per_group
        The cap, if any.
    must_include
        Cells locked in: always kept.

    Returns
    -------
    numpy.ndarray
        Indices of the undominated allowed cells, in rank order.
    """
    cells = np.flatnonzero(allowed)
    q = k if min_spacing_km > 0 else min(k, at_most_per_group or k)
    codes = np.zeros(scores.size, dtype=np.intp) if group_codes is None else group_codes
    kept: list[np.ndarray] = []
    for code in np.unique(codes[cells]):
        members = rank_order(scores, cells[codes[cells] == code])
        if min_spacing_km <= 0:
            kept.append(members[:q])
            continue
        # Distance of every member to the nearest packed cell, updated once per packed cell:
        # q vector passes over the group instead of a Python loop over cells.
        nearest = np.full(members.size, np.inf)
        last = -1
        packed = 0
        while packed < q:
            free = np.flatnonzero(nearest[last + 1 :] >= 2.0 * min_spacing_km)
            if free.size == 0:
                last = members.size - 1
                break
            last = last + 1 + int(free[0])
            packed += 1
            d = haversine_km(lonlat[members[last]][None, :], lonlat[members])[0]
            np.minimum(nearest, d, out=nearest)
        kept.append(members[: last + 1])
    out = np.concatenate(kept) if kept else np.empty(0, dtype=np.intp)
    if must_include is not None and must_include.size:
        out = np.union1d(out, must_include)
    return rank_order(scores, out)


def allowed_cells(scores: np.ndarray, allowed: Any, problems: list[str]) -> np.ndarray:
    """The mask of cells that may be chosen (all when ``allowed`` is None), each with a score.

    Shared by the sites and the regions chosen from a surface; problems are added to
    ``problems`` (a wrong mask is replaced by all cells, so that checking goes on).
    """
    s = scores
    mask = np.ones(s.size, dtype=bool) if allowed is None else np.asarray(allowed)
    if mask.shape != s.shape or mask.dtype != bool:
        problems.append(
            Msg(
                N_("allowed must be a boolean mask with one value per cell ({size}); got {shape}"),
                size=s.size,
                shape=mask.shape,
            )
        )
        mask = np.ones(s.size, dtype=bool)
    bad = np.flatnonzero(mask & ~np.isfinite(s))
    if bad.size:
        problems.append(
            plural(
                "{n} allowed cell has no score, at cell {first}; score it or exclude it",
                "{n} allowed cells have no score, first at cell {first}; score them or exclude "
                "them",
                int(bad.size),
                first=int(bad[0]),
            )
        )
    return mask


def _check(
    scores: Any,
    lonlat: Any,
    allowed: Any,
    k: Any,
    min_spacing_km: Any,
    groups: Any,
    must_include: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every input problem together (a :class:`DataError`), or the arrays."""
    s = np.asarray(scores, dtype=float)
    if s.ndim != 1 or s.size == 0:
        msg = Msg(
            N_("scores must be a non-empty 1-D array (one per cell); got shape {shape}"),
            shape=s.shape,
        )
        raise DataError(msg)
    problems: list[str] = []
    xy = np.asarray(lonlat, dtype=float)
    if xy.shape != (s.size, 2):
        problems.append(
            Msg(
                N_("lonlat must have one (longitude, latitude) row per cell ({size}); got {shape}"),
                size=s.size,
                shape=xy.shape,
            )
        )
    elif not np.all(np.isfinite(xy)) or np.any(np.abs(xy[:, 1]) > 90):
        problems.append(Msg(N_("lonlat has missing coordinates or latitudes beyond ±90; fix them")))
    mask = allowed_cells(s, allowed, problems)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        problems.append(
            Msg(N_("k (number of sites) must be a whole number >= 1; got {value}"), value=repr(k))
        )
    spacing = 0.0 if min_spacing_km is None else min_spacing_km
    if (
        isinstance(spacing, bool)
        or not isinstance(spacing, (int, float, np.number))
        or not (math.isfinite(spacing) and spacing >= 0)
    ):
        problems.append(
            Msg(N_("min_spacing_km must be a finite number >= 0; got {value}"), value=repr(spacing))
        )
    if groups is not None and np.asarray(groups, dtype=object).shape != s.shape:
        problems.append(
            Msg(
                N_("groups must have one label per cell ({size}); got {shape}"),
                size=s.size,
                shape=np.asarray(groups, dtype=object).shape,
            )
        )
    inc = np.asarray([] if must_include is None else list(must_include))
    if inc.size and not np.issubdtype(inc.dtype, np.integer):
        problems.append(
            Msg(
                N_("must_include must list cell indices (integers); got {value}"),
                value=repr(inc.tolist()),
            )
        )
        inc = np.empty(0, dtype=np.intp)
    inc = inc.astype(np.intp)
    outside = inc[(inc < 0) | (inc >= s.size)]
    if outside.size:
        problems.append(
            Msg(
                N_("must_include lists {indices}, which are not cells (0 to {last})"),
                indices=outside.tolist(),
                last=s.size - 1,
            )
        )
    inc = np.unique(inc[(inc >= 0) & (inc < s.size)])
    excluded = inc[~mask[inc]]
    if excluded.size:
        problems.append(
            Msg(
                N_(
                    "must_include lists cells {indices}, which the exclusions remove; lift the "
                    "exclusion there or drop them from must_include"
                ),
                indices=excluded.tolist(),
            )
        )
    if problems:
        raise DataError(problems)
    return s, xy, mask, inc


def _codes(groups: Any, size: int) -> tuple[np.ndarray, list[str]]:
    """Integer group codes (-1: in no group, an empty label) and the labels."""
    text = np.array([str(v).strip() for v in np.asarray(groups, dtype=object)], dtype=object)
    grouped = text != ""
    labels, inverse = np.unique(text[grouped].astype(str), return_inverse=True)
    codes = np.full(size, -1, dtype=np.intp)
    codes[grouped] = inverse
    return codes, [str(x) for x in labels]


def choose_sites(
    scores: np.ndarray,
    lonlat: np.ndarray,
    *,
    k: int,
    allowed: np.ndarray | None = None,
    min_spacing_km: float | None = None,
    groups: Sequence[str] | np.ndarray | None = None,
    at_most_per_group: int | None = None,
    at_least_per_group: int | None = None,
    group_name: str = "group",
    must_include: Sequence[int] | None = None,
    exact: bool = True,
    names: Sequence[str] | None = None,
    max_candidates: int = 4096,
    max_blocks: int = 1000,
    explain_binding: bool = False,
    solver: str = "highs",
) -> SitesResult:
    """Choose ``k`` cells of a surface with the portfolio's integer program.

    Maximises the total score of the chosen cells under the portfolio rules (spacing, group
    caps, exclusions, must-include) over the whole grid, on a reduced candidate set (see the
    module docstring), and says whether the answer is the grid's exact optimum or how far from
    it it can be.

    Parameters
    ----------
    scores
        One score per cell (NaN allowed where the cell is excluded).
    lonlat
        Cell centroids, ``(n, 2)`` longitude and latitude in degrees.
    k
        Number of sites.
    allowed
        Boolean mask of the cells that pass the exclusions (default: all).
    min_spacing_km
        No two chosen cells closer than this (centroid to centroid, great circle).
    groups, at_most_per_group, at_least_per_group, group_name
        A label per cell (e.g. the region) and the per-group caps, as in the portfolio.
    must_include
        Cells locked in (indices).
    exact
        Exactly ``k`` sites (default) or at most ``k``.
    names
        One name per cell for sentences (e.g. the H3 ids).
    max_candidates
        Largest reduced set given to the integer program; beyond it the result is a bound.
    max_blocks
        Largest number of blocks in the coarse upper-bound program (300 are tried first).
    explain_binding
        Say which rules bind (re-solves without each rule on the reduced set).
    solver
        ``"highs"`` (default) or ``"cbc"``; every program is solved to a zero MIP gap.

    Returns
    -------
    SitesResult
        The chosen cells, the guarantee and the bound.

    Raises
    ------
    DataError
        Malformed inputs, every problem listed.
    InfeasibleError
        No portfolio of the whole grid satisfies the rules (the exchange argument keeps
        feasibility, so an infeasible undominated set proves it).
    """
    start = time.perf_counter()
    s, xy, mask, inc = _check(scores, lonlat, allowed, k, min_spacing_km, groups, must_include)
    spacing = float(min_spacing_km or 0.0)
    codes = None
    caps = at_most_per_group is not None or at_least_per_group is not None
    if groups is not None and caps:
        codes, _ = _codes(groups, s.size)
    pool = undominated(
        s,
        xy,
        mask,
        k=int(k),
        min_spacing_km=spacing,
        group_codes=codes,
        at_most_per_group=at_most_per_group,
        must_include=inc,
    )
    if pool.size == 0:
        msg = Msg(N_("every cell is excluded; no site can be chosen"))
        raise InfeasibleError(msg)
    label = np.asarray(
        [str(x) for x in names] if names is not None else [str(i) for i in range(s.size)],
        dtype=object,
    )
    group_arr = None if groups is None else np.asarray(groups, dtype=object)
    size = min(pool.size, max(FIRST_CANDIDATES, 8 * int(k)), max_candidates)
    # A rule-abiding portfolio in every reduced set, so that the reduced program is feasible
    # whenever the greedy finds one; the bound below holds for any reduced set.
    start_set = _greedy(s, xy, pool, int(k), spacing, codes, at_most_per_group, inc)
    block_common: dict[str, Any] = {
        "at_most_per_group": at_most_per_group if caps else None,
        "groups": group_arr if caps else None,
        "group_name": group_name,
        "solver": solver,
    }
    blocks = min(FIRST_BLOCKS, max_blocks)
    block_bound, spread = _block_bound(
        s, xy, pool, int(k), spacing, exact, block_common, group_arr, inc, blocks
    )
    # The best cell of every block spreads the reduced set over the whole grid.
    start_set = np.union1d(start_set, spread)
    rounds = 0
    while True:
        cand = np.union1d(np.union1d(pool[:size], inc), start_set)
        cand = rank_order(s, cand)
        left = np.setdiff1d(pool, cand)
        tau = float(s[left].max()) if left.size else -math.inf
        common: dict[str, Any] = {
            "distances_km": haversine_km(xy[cand], xy[cand]) if spacing > 0 else None,
            "min_spacing_km": spacing if spacing > 0 else None,
            "groups": None if group_arr is None or not caps else group_arr[cand],
            "at_most_per_group": at_most_per_group,
            "group_name": group_name,
            "must_include": None,
            "names": list(label[cand]),
            "solver": solver,
        }
        if inc.size:
            where = {int(c): p for p, c in enumerate(cand)}
            common["must_include"] = [where[int(i)] for i in inc]
        rounds += 1
        refine = blocks < max_blocks and spacing > 0
        last = size >= min(pool.size, max_candidates) and not refine
        try:
            rules = prepare(
                s[cand], n=int(k), exact=exact, at_least_per_group=at_least_per_group, **common
            )
            best = _solve(rules, explain_binding=explain_binding)
        except InfeasibleError:
            if left.size == 0:
                raise
            best = None
        if best is not None:
            value = float(s[cand][best.selected].sum())
            bound = block_bound
            if not _reaches(value, bound):
                outside = _outside_bound(s[cand], tau, int(k), exact, common)
                bound = min(bound, max(value, outside))
            closed = _reaches(value, bound)
            if closed or last:
                upper = max(value, bound)
                return SitesResult(
                    selected=np.sort(cand[best.selected]),
                    total_score=value,
                    guarantee="exact" if closed else "bound",
                    upper_bound=value if closed else upper,
                    gap=0.0 if closed else upper - value,
                    allowed=int(mask.sum()),
                    undominated=int(pool.size),
                    candidates=int(cand.size),
                    threshold=tau,
                    rounds=rounds,
                    result=best,
                    candidate_index=cand,
                    seconds=time.perf_counter() - start,
                    binding=list(best.binding),
                )
        elif last:
            msg = Msg(
                N_(
                    "no portfolio of {k} sites was found among the best {size} cells; raise "
                    "max_candidates or relax the rules"
                ),
                k=k,
                size=size,
            )
            raise InfeasibleError(msg)
        if refine:
            blocks = max_blocks
            finer, spread = _block_bound(
                s, xy, pool, int(k), spacing, exact, block_common, group_arr, inc, blocks
            )
            block_bound = min(block_bound, finer)
            start_set = np.union1d(start_set, spread)
            continue
        size = min(pool.size, 2 * size, max_candidates)


#: Up to this many conflicting pairs the spacing rows are all built at once (see :func:`_solve`).
FULL_PAIRS = 200_000


def _solve(rules: PortfolioRules, *, explain_binding: bool = False) -> OptimisationResult:
    """Solve the portfolio model, every spacing row built at once when there are not too many.

    The portfolio's own solve generates spacing rows lazily above 3,000 pairs, which suits
    scattered towns; a surface's reduced set is made of clusters of neighbouring cells, where
    each round adds rows around a few chosen cells only and dozens of rounds follow.  Built at
    once, 500 such cells with a 300 km spacing (41,000 rows) solve in 5.3 s against 62 s
    (benchmarks/README.md, "Sites and regions on the surface").  Infeasibility and binding rules go through :func:`solve_rules`,
    which diagnoses and explains.
    """
    if explain_binding or rules.spacing_pairs()[0].size > FULL_PAIRS:
        out = solve_rules(rules, explain_binding=explain_binding)
        return dataclasses.replace(out, details={**out.details, "gap": MIP_GAP})
    start = time.perf_counter()
    built = build(rules)
    solved = solve_to_optimality(built.prob, rules.solver)
    if not solved.feasible:
        return solve_rules(rules, explain_binding=False)  # raises, saying which rules conflict
    selected = chosen(built.x)
    return OptimisationResult(
        selected=selected,
        objective=rules.value(selected),
        status=solved.status,
        solver=rules.solver,
        solver_version=solver_version(rules.solver),
        seconds=time.perf_counter() - start,
        details={
            "gap": 0.0,
            "variables": len(built.prob.variables()),
            "constraints": built.prob.numConstraints(),
        },
    )


def _reaches(value: float, bound: float) -> bool:
    """Whether ``value`` reaches ``bound`` up to the solver's tolerance."""
    return value >= bound - (OBJECTIVE_REL * max(1.0, abs(bound)) + OBJECTIVE_ABS)


def _greedy(
    s: np.ndarray,
    xy: np.ndarray,
    pool: np.ndarray,
    k: int,
    spacing: float,
    codes: np.ndarray | None,
    at_most: int | None,
    inc: np.ndarray,
) -> np.ndarray:
    """The locked-in cells, then the best cells in rank order that keep spacing and caps.

    One vector pass per pick (k passes), not a Python loop over cells.
    """
    blocked = np.zeros(pool.size, dtype=bool)
    taken: list[int] = []
    counts: dict[int, int] = {}

    def take(cell: int) -> None:
        taken.append(cell)
        blocked[pool == cell] = True
        if spacing > 0:
            blocked[haversine_km(xy[cell][None, :], xy[pool])[0] < spacing] = True
        if codes is not None and codes[cell] >= 0:
            counts[int(codes[cell])] = counts.get(int(codes[cell]), 0) + 1
            if at_most is not None and counts[int(codes[cell])] >= at_most:
                blocked[codes[pool] == codes[cell]] = True

    for cell in inc.tolist():
        take(int(cell))
    while len(taken) < k:
        free = np.flatnonzero(~blocked)
        if free.size == 0:
            break
        take(int(pool[free[0]]))
    return np.asarray(taken, dtype=np.intp)


def _block_bound(
    s: np.ndarray,
    xy: np.ndarray,
    pool: np.ndarray,
    k: int,
    spacing: float,
    exact: bool,
    common: dict[str, Any],
    group_arr: np.ndarray | None,
    inc: np.ndarray,
    max_blocks: int,
) -> tuple[float, np.ndarray]:
    """Upper bound on every portfolio of the grid from a coarse grid of blocks.

    The undominated cells are grouped into blocks (the H3 cells of a coarser resolution that
    contain their centroids).  A block is worth the best score in it.  Two blocks conflict when
    even their farthest cells are closer than the spacing (centre distance plus both radii, an
    upper bound on every cell-to-cell distance), and a block narrower than the spacing holds at
    most one site.  Every portfolio of cells maps to a portfolio of blocks that keeps these
    rules and is worth at least as much, so the optimum over blocks bounds the grid's.

    Returns the bound (``inf`` when no block resolution fits) and the best cell of each block.
    """
    none = (math.inf, np.empty(0, dtype=np.intp))
    if spacing <= 0 or pool.size <= 1:
        return none
    chosen: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    for res in range(16):
        ids = np.array([h3.latlng_to_cell(lat, lon, res) for lon, lat in xy[pool]])
        labels, block = np.unique(ids, return_inverse=True)
        if labels.size > max_blocks:
            break
        centre = np.array([h3.cell_to_latlng(c)[::-1] for c in labels])
        reach = np.zeros(labels.size)
        np.maximum.at(reach, block, _row_distance(centre[block], xy[pool]))
        if 2.0 * reach.max() >= spacing:
            continue  # a block could hold two sites: a finer resolution is needed
        chosen = (labels, block, reach)
    if chosen is None:
        return none
    labels, block, reach = chosen
    # Best cell of each block: pool is in rank order, so the first member is the best.
    first = np.full(labels.size, -1, dtype=np.intp)
    order = np.arange(pool.size)[::-1]
    first[block[order]] = order
    best = pool[first]
    centre = np.array([h3.cell_to_latlng(c)[::-1] for c in labels])
    far = haversine_km(centre, centre) + reach[:, None] + reach[None, :]
    np.fill_diagonal(far, 0.0)
    groups = None
    if group_arr is not None and common["groups"] is not None:
        text = np.array([str(v).strip() for v in group_arr[pool]], dtype=object)
        groups = np.full(labels.size, "", dtype=object)
        for b in range(labels.size):
            members = np.unique(text[block == b])
            groups[b] = members[0] if members.size == 1 else ""  # mixed: free (a relaxation)
    where = {int(c): p for p, c in enumerate(pool)}
    locked = sorted({int(block[where[int(i)]]) for i in inc}) or None
    if locked is not None and len(locked) > k:
        return none
    rules = prepare(
        s[best],
        n=k,
        exact=exact,
        distances_km=far,
        min_spacing_km=spacing,
        groups=groups,
        at_most_per_group=common["at_most_per_group"] if groups is not None else None,
        group_name=common["group_name"],
        must_include=locked,
        solver=common["solver"],
    )
    try:
        out = _solve(rules)
    except InfeasibleError:
        return math.inf, best  # no bound claimed from an infeasible coarse program
    return _upper(float(out.objective), out), best


def _row_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle km between matching rows of two lon/lat arrays."""
    lon1, lat1 = np.radians(a).T
    lon2, lat2 = np.radians(b).T
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _outside_bound(s: np.ndarray, tau: float, k: int, exact: bool, common: dict[str, Any]) -> float:
    """Upper bound on any portfolio that uses at least one cell outside the reduced set.

    Such a portfolio is a set ``S`` of at most ``k − 1`` reduced-set cells that keeps every
    rule that survives dropping sites (spacing, caps from above, locked-in cells), plus cells
    each scoring at most ``τ``: worth at most ``kτ + Σ_{j∈S}(s_j − τ)`` when ``τ >= 0`` or the
    count is exact.  The maximum over ``S`` is the same integer program with shifted scores.
    """
    if not math.isfinite(tau):
        return -math.inf
    if not exact and tau <= 0:
        return -math.inf  # with "at most k", a cell worth <= 0 never improves a portfolio
    locked = len(common["must_include"] or [])
    if k - 1 < locked:
        return -math.inf  # every slot but none is locked: no cell from outside fits
    if k == 1:
        return tau
    rules = prepare(s - tau, n=k - 1, exact=False, **common)
    inner = _solve(rules)
    return k * tau + _upper(float((s[inner.selected] - tau).sum()), inner)


def _upper(value: float, solved: OptimisationResult) -> float:
    """An optimum as an upper bound: raised by the solver's stopping gap when it had one."""
    return value + float(solved.details.get("gap", 0.0)) * max(1.0, abs(value))
