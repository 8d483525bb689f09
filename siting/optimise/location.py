"""Classic location models on a demand × candidate cost matrix.

* :func:`p_median`: choose ``p`` sites minimising the weighted sum of distances from each demand
  point to its nearest chosen site.
* :func:`mclp`: choose ``p`` sites maximising the demand within ``radius`` of a chosen site.
* :func:`lscp`: the fewest sites that put every demand point within ``radius``.
* :func:`p_center`: choose ``p`` sites minimising the largest distance to the nearest site.

Each model is reduced before it is built, always without losing exactness: demand points that
cannot matter are dropped, identical ones merged, and the p-median uses the radius
("new") formulation of Elloumi (2010), which needs no assignment variables at all (with HiGHS as
a branch-and-Benders-cut, :mod:`siting.optimise.median`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pulp

from siting.errors import DataError, InfeasibleError
from siting.optimise._core import (
    AT_LIMIT,
    OptimisationResult,
    Solved,
    add,
    affine,
    binaries,
    check_cost_matrix,
    check_count,
    check_solver,
    check_time_limit,
    chosen,
    fmt,
    fractions,
    relative_gap,
    solve,
    solver_version,
)


def _radius(radius: Any) -> float:
    try:
        r = float(radius)
    except (TypeError, ValueError):
        msg = f"radius must be a number (same unit as costs); got {radius!r}"
        raise DataError(msg) from None
    if not np.isfinite(r) or r < 0:
        msg = f"radius must be a finite number >= 0; got {radius!r}"
        raise DataError(msg)
    return r


def _assign(costs: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """Index of the nearest selected candidate for every demand point."""
    nearest: np.ndarray = selected[np.argmin(costs[:, selected], axis=1)]
    return nearest


def _result(
    selected: np.ndarray,
    objective: float,
    status: str,
    solver: str,
    start: float,
    **extra: Any,
) -> OptimisationResult:
    return OptimisationResult(
        selected=np.sort(selected).astype(np.intp),
        objective=float(objective),
        status=status,
        solver=solver,
        solver_version=solver_version(solver),
        seconds=time.perf_counter() - start,
        **extra,
    )


def _limit(solved: Solved, objective: float) -> dict[str, Any]:
    """The time-limit fields of a result: proved or not, the bound, the gap, the limit."""
    return {
        "proven": solved.proven,
        "bound": solved.bound,
        "gap": None if solved.proven else relative_gap(objective, solved.bound),
        "time_limit_s": solved.time_limit_s,
    }


def _unique_rows(cover: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge demand points with identical coverage rows, summing their weights.

    Two demand points covered by exactly the same candidates are covered together or not at all,
    so one variable with their summed weight is an exact replacement.
    """
    packed = np.packbits(cover, axis=1)
    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=weights, minlength=first.size)
    return cover[first], merged


# --------------------------------------------------------------------------- p-median


def median_levels(
    costs: np.ndarray, p: int
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Distance levels of the radius formulation, truncated where exactness allows.

    For demand point ``i`` let ``D_i^1 < D_i^2 < ...`` be its distinct distances to the
    candidates.  With ``p`` sites open, at most ``n - p`` candidates are closed, so among the
    ``n - p + 1`` nearest candidates at least one is open: the nearest open site is never farther
    than the ``(n - p + 1)``-th smallest distance.  Levels beyond it are dropped.

    Parameters
    ----------
    costs
        Demand × candidate matrix.
    p
        Number of sites.

    Returns
    -------
    tuple of lists
        Per demand point: the kept distinct distances (ascending), and for each level the
        candidate indices at exactly that distance (as one ``order`` array plus level starts).
    """
    n = costs.shape[1]
    order = np.argsort(costs, axis=1, kind="stable")
    sorted_costs = np.take_along_axis(costs, order, axis=1)
    cap = sorted_costs[:, n - p]  # (n - p + 1)-th smallest distance, 0-based index n - p
    levels, orders, starts = [], [], []
    for i in range(costs.shape[0]):
        row = sorted_costs[i]
        keep = int(np.searchsorted(row, cap[i], side="right"))
        row = row[:keep]
        start = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        levels.append(row[start])
        orders.append(order[i, :keep])
        starts.append(start)
    return levels, orders, starts


def p_median(
    costs: np.ndarray,
    p: int,
    *,
    weights: np.ndarray | None = None,
    solver: str = "highs",
    time_limit_s: float | None = None,
) -> OptimisationResult:
    r"""Weighted p-median: ``p`` sites minimising the weighted distance to the nearest site.

    Both solvers solve the radius formulation of Elloumi (2010, *A tighter formulation of the
    p-median problem*, J. Comb. Optim. 19:69–83; García, Labbé and Marín 2011, INFORMS J.
    Comput. 23:546–556), whose LP bound equals that of the classic formulation with
    ``x_ij <= y_j``.  For demand point ``i`` with distinct distances ``D_i^1 < ... < D_i^K`` to
    the candidates, ``z_i^k`` is 1 when the nearest open site is farther than ``D_i^k``:

    .. math::

        \min \sum_i w_i \Big(D_i^1 + \sum_k (D_i^{k+1} - D_i^k)\, z_i^k\Big)
        \quad\text{s.t.}\quad z_i^k \ge 1 - \sum_{j: c_{ij} \le D_i^k} y_j,
        \; \sum_j y_j = p, \; y \in \{0, 1\}, z \ge 0.

    * ``"highs"`` (default): branch-and-Benders-cut (Duran-Mateluna, Alès and Elloumi 2023,
      EJOR, arXiv:2111.13405), in :mod:`siting.optimise.median`: the ``z`` are projected out into one
      distance variable per demand point and cuts separated in closed form; the LPs are solved
      by HiGHS in process, warm-started from node to node, with reduced-cost fixing.  All 40
      OR-Library instances (n <= 900) take seconds each (benchmarks/pmed_all.py).
    * ``"cbc"``: the compact formulation above (chained form ``z_i^k >= z_i^{k-1} - Σ_{c_ij =
      D_i^k} y_j``) solved by CBC, with chains generated lazily in the spirit of Church's BEAMR
      (2008): each chain is first cut at the demand point's distance in a heuristic solution, so
      the model charges ``min(distance, cut)`` — a relaxation; if every demand point of its
      optimum lies within its cut the solution is optimal, otherwise those chains are lengthened
      and the model solved again.  Slower on small ``p`` (minutes at n >= 400); kept as an
      independent check with another solver.

    Exact reductions in both: demand points of weight 0 are dropped and demand points with
    identical cost rows merged (weights summed).

    Parameters
    ----------
    costs
        Demand × candidate distances (or costs), finite and >= 0.
    p
        Number of sites, ``1 <= p <= candidates``.
    weights
        Demand weights (default 1 each).
    solver
        ``"highs"`` (default) or ``"cbc"``.
    time_limit_s
        Seconds (> 0) after which the search stops with its best solution (default: until
        proved optimal).  Stopped, the result has status :data:`AT_LIMIT`, ``proven=False``,
        ``bound`` (a proven lower bound on the optimum) and ``gap``.

    Returns
    -------
    OptimisationResult
        ``objective`` is the weighted sum of distances to the nearest chosen site (recomputed
        from the chosen set); ``assignment`` gives each demand point's nearest chosen site;
        ``details`` holds the size of the search (and for HiGHS the root LP bound).

    Raises
    ------
    DataError
        NaN, infinite or negative costs, an empty matrix, bad weights, unknown solver, a time
        limit that is not a positive number of seconds.
    InfeasibleError
        ``p`` larger than the number of candidates.
    """
    start = time.perf_counter()
    check_solver(solver)
    c = check_cost_matrix(costs)
    w = check_weights_for(c, weights)
    p = check_count(p, c.shape[1])
    limit = check_time_limit(time_limit_s)
    active = np.flatnonzero(w > 0)
    if active.size == 0:
        # Nothing to serve: every choice costs 0.
        selected = np.arange(p, dtype=np.intp)
        return _median_result(c, w, selected, 0.0, True, solver, start, limit, {})
    # Identical demand rows are served alike: one row with the summed weight is exact.
    rows, inverse = np.unique(c[active], axis=0, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=w[active], minlength=rows.shape[0])
    if solver == "highs":
        from siting.optimise.median import solve_median

        found = solve_median(rows, merged, p, time_limit_s=limit)
        details: dict[str, Any] = {
            "formulation": "radius (Elloumi 2010), branch-and-Benders-cut "
            "(Duran-Mateluna, Alès and Elloumi 2023)",
            "root_bound": found.root_bound,
            "heuristic": found.heuristic,
            "nodes": found.nodes,
            "cuts": found.cuts,
            "lp_solves": found.lp_solves,
            "fixed_closed": found.fixed,
        }
        return _median_result(
            c, w, found.selected, found.bound, found.optimal, solver, start, limit, details
        )
    selected, bound, optimal, details = _median_cbc(rows, merged, p, limit)
    return _median_result(c, w, selected, bound, optimal, solver, start, limit, details)


def _median_result(
    c: np.ndarray,
    w: np.ndarray,
    selected: np.ndarray,
    bound: float,
    optimal: bool,
    solver: str,
    start: float,
    limit: float | None,
    details: dict[str, Any],
) -> OptimisationResult:
    """The p-median result: objective recomputed from the chosen sites; bound and gap if stopped."""
    assignment = _assign(c, selected)
    objective = float((w * c[np.arange(c.shape[0]), assignment]).sum())
    proved_bound = None if optimal else min(bound, objective)
    return _result(
        selected,
        objective,
        "Optimal" if optimal else AT_LIMIT,
        solver,
        start,
        assignment=assignment,
        details=details,
        proven=optimal,
        bound=proved_bound,
        gap=relative_gap(objective, proved_bound) if proved_bound is not None else None,
        time_limit_s=limit,
    )


def _median_cbc(
    c: np.ndarray, w: np.ndarray, p: int, limit: float | None
) -> tuple[np.ndarray, float, bool, dict[str, Any]]:
    """The compact radius formulation with lazily lengthened chains, solved by CBC.

    Returns the best solution, a proven lower bound, whether it is optimal, and details.
    """
    from siting.optimise.median import median_heuristic

    deadline = None if limit is None else time.perf_counter() + limit
    levels, orders, starts = median_levels(c, p)
    full = np.array([lev.size for lev in levels], dtype=np.intp)
    # MIP start and first truncation both come from a good heuristic solution.
    guess = median_heuristic(c, w, p, deadline=deadline)
    best, best_value = guess, float(w @ c[:, guess].min(axis=1))
    bound = float(w @ c.min(axis=1))
    near = c[:, guess].min(axis=1)
    limits = np.minimum(
        full, np.array([np.searchsorted(lev, d) + 1 for lev, d in zip(levels, near, strict=True)])
    )
    rounds = 0
    solve_seconds = 0.0
    optimal = False
    while True:
        rounds += 1
        prob, y, nz = _median_model(c.shape[1], p, w, levels, orders, starts, limits)
        opened = np.zeros(c.shape[1])
        opened[guess] = 1.0
        for j, v in enumerate(y):
            v.setInitialValue(opened[j])
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            break
        # A MIP start gives CBC a cutoff at once, so it prunes from the root and skips most of
        # its own (slow, LP-bound) primal heuristics.
        solved = solve(prob, "cbc", warm_start=True, time_limit_s=left)
        solve_seconds += solved.seconds
        if solved.feasible:
            selected = chosen(y)
            value = float(w @ c[:, selected].min(axis=1))
            if value < best_value:
                best, best_value = selected, value
        if not solved.proven:
            if not solved.stopped:
                msg = f"the p-median model was not solved (status {solved.status})"
                raise InfeasibleError(msg)
            # The truncated model is a relaxation: CBC's bound on it bounds the true optimum.
            if solved.bound is not None and np.isfinite(solved.bound):
                bound = max(bound, float(solved.bound))
            break
        # The truncated model charges min(distance, cut): its optimum bounds the true one.
        charged = pulp.value(prob.objective)  # None when the objective is a bare constant
        bound = max(bound, float(prob.objective.constant if charged is None else charged))
        dist = c[:, selected].min(axis=1)
        cap = np.array([lev[k - 1] for lev, k in zip(levels, limits, strict=True)])
        short = (dist > cap) & (limits < full)
        if not short.any():
            optimal = True
            best = selected
            break
        # Some demand point is farther than its truncated chain can express: lengthen those
        # chains (at least doubled, and past the distance just seen) and solve again.
        seen = np.array([np.searchsorted(lev, d) + 1 for lev, d in zip(levels, dist, strict=True)])
        limits = np.where(short, np.minimum(full, np.maximum(2 * limits, seen)), limits)
        guess = selected
    details = {
        "formulation": "radius (Elloumi 2010), chains truncated then lengthened as needed",
        "variables": len(prob.variables()),
        "constraints": prob.numConstraints(),
        "nonzeros": nz,
        "rounds": rounds,
        "solve_seconds": solve_seconds,
    }
    return best, bound, optimal, details


def _median_model(
    candidates: int,
    p: int,
    weights: np.ndarray,
    levels: list[np.ndarray],
    orders: list[np.ndarray],
    starts: list[np.ndarray],
    limits: np.ndarray,
) -> tuple[pulp.LpProblem, list[pulp.LpVariable], int]:
    """Build the radius formulation with demand point ``r``'s chain cut after ``limits[r]`` levels.

    With the chain cut at level ``L``, the model charges ``min(distance, D^L)``: a relaxation
    when ``L`` is below the full length, exact when it is not.
    """
    prob = pulp.LpProblem("p_median", pulp.LpMinimize)
    y = binaries(prob, "y", candidates)
    add(prob, affine([(v, 1.0) for v in y]), pulp.LpConstraintEQ, p, "count")
    terms: list[tuple[pulp.LpVariable, float]] = []
    constant = 0.0
    nz = 0
    for r, (lev, order, begin) in enumerate(zip(levels, orders, starts, strict=True)):
        wi = float(weights[r])
        constant += wi * float(lev[0])
        count = int(limits[r]) - 1  # z variables for levels 1..L-1
        if count <= 0:
            continue
        z = fractions(prob, f"z{r}_", count, upper=None)
        steps = np.diff(lev[: count + 1]) * wi
        terms.extend(zip(z, steps.tolist(), strict=True))
        ends = np.r_[begin[1:], order.size]
        for k in range(count):
            pairs = [(y[j], 1.0) for j in order[begin[k] : ends[k]]]
            pairs.append((z[k], 1.0))
            if k:
                pairs.append((z[k - 1], -1.0))
            add(prob, affine(pairs), pulp.LpConstraintGE, 0.0 if k else 1.0, f"r{r}_{k}")
            nz += len(pairs)
    prob.setObjective(affine(terms, constant=constant))
    return prob, y, nz


def check_weights_for(costs: np.ndarray, weights: Any) -> np.ndarray:
    """Validate demand weights against a cost matrix's rows."""
    from siting.optimise._core import check_weights

    return check_weights(weights, costs.shape[0])


# --------------------------------------------------------------------------- covering models


def mclp(
    costs: np.ndarray,
    radius: float,
    p: int,
    *,
    weights: np.ndarray | None = None,
    solver: str = "cbc",
    time_limit_s: float | None = None,
) -> OptimisationResult:
    """Maximal covering location (Church and ReVelle 1974): ``p`` sites covering most demand.

    Demand point ``i`` is covered when a chosen site lies within ``radius`` (``c_ij <= radius``).
    The model maximises ``Σ w_i u_i`` with ``u_i <= Σ_{j covers i} x_j``, ``Σ x_j = p``,
    ``x`` binary and ``u`` in ``[0, 1]`` (integral at the optimum for binary ``x``).

    Exact reductions before the build: demand points of weight 0 or covered by no candidate are
    dropped, and demand points with identical coverage rows are merged into one with the summed
    weight.  Constraints are built row by row from the boolean coverage matrix.

    Parameters
    ----------
    costs
        Demand × candidate distances, finite and >= 0.
    radius
        Coverage radius, same unit as ``costs``.
    p
        Number of sites.
    weights
        Demand weights (default 1 each).
    solver
        ``"cbc"`` (default) or ``"highs"``.
    time_limit_s
        Seconds the solver may take (default: until proved optimal).  Stopped at the limit,
        the result is the best set found (at least the greedy start with CBC), with
        ``proven=False``, the solver's ``bound`` on the covered weight and the ``gap``.

    Returns
    -------
    OptimisationResult
        ``objective`` is the covered weight; ``covered`` marks the covered demand points and
        ``details`` holds the covered share and the reduced model size.
    """
    start = time.perf_counter()
    check_solver(solver)
    limit = check_time_limit(time_limit_s)
    c = check_cost_matrix(costs)
    w = check_weights_for(c, weights)
    r = _radius(radius)
    p = check_count(p, c.shape[1])
    cover = c <= r
    useful = (w > 0) & cover.any(axis=1)
    rows, merged = _unique_rows(cover[useful], w[useful])
    keep = _undominated(rows)
    sites = min(p, keep.size)
    rows = rows[:, keep]

    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    x = binaries(prob, "x", keep.size)
    u = fractions(prob, "u", rows.shape[0])
    add(prob, affine([(v, 1.0) for v in x]), pulp.LpConstraintEQ, sites, "count")
    for k, row in enumerate(rows):
        pairs = [(x[j], 1.0) for j in np.flatnonzero(row)]
        pairs.append((u[k], -1.0))
        add(prob, affine(pairs), pulp.LpConstraintGE, 0.0, f"c{k}")
    prob.setObjective(affine(zip(u, merged.tolist(), strict=True)))
    # Greedy start: CBC gets a good incumbent (and cutoff) before its own heuristics run.
    greedy = _greedy_cover(rows, merged, sites)
    hit = np.any(rows[:, greedy], axis=1)
    greedy_set = set(greedy.tolist())
    for j, v in enumerate(x):
        v.setInitialValue(1.0 if j in greedy_set else 0.0)
    for k, v in enumerate(u):
        v.setInitialValue(1.0 if hit[k] else 0.0)
    solved = solve(prob, solver, warm_start=True, time_limit_s=limit)
    if not solved.feasible:
        msg = f"the MCLP model was not solved to optimality (status {solved.status})"
        if solved.stopped:
            msg = (
                f"the MCLP solver found no solution within its time limit of "
                f"{fmt(limit or 0.0)} s; raise time_limit_s"
            )
        raise InfeasibleError(msg)
    picked = keep[chosen(x)]
    if not solved.proven and float(merged[hit].sum()) > float(
        merged[rows[:, chosen(x)].any(axis=1)].sum()
    ):
        # Stopped at its limit below the greedy start (HiGHS through PuLP takes no MIP
        # start): the greedy cover is the best solution found.
        picked = keep[greedy]
    if picked.size < p:
        # Every demand point a candidate can reach is already covered: any extra site will do.
        spare = np.setdiff1d(np.arange(c.shape[1]), picked)[: p - picked.size]
        picked = np.concatenate([picked, spare])
    selected = np.sort(picked)
    covered = cover[:, selected].any(axis=1)
    objective = float(w[covered].sum())
    return _result(
        selected,
        objective,
        solved.status,
        solver,
        start,
        covered=covered,
        assignment=np.where(covered, _assign(c, selected), -1),
        details={
            "covered_share": objective / float(w.sum()) if w.sum() > 0 else 0.0,
            "demand_rows": int(rows.shape[0]),
            "undominated_candidates": int(keep.size),
            "variables": len(prob.variables()),
            "constraints": prob.numConstraints(),
            "solve_seconds": solved.seconds,
        },
        **_limit(solved, objective),
    )


def _undominated(rows: np.ndarray) -> np.ndarray:
    """Candidates whose coverage set is not contained in another candidate's.

    If candidate ``j`` covers a subset of what ``k`` covers, any solution using ``j`` does at
    least as well with ``k`` (or, if ``k`` is already chosen, with any other site), so dropping
    ``j`` is exact as long as ``p`` sites remain (otherwise everything coverable is covered
    anyway).  Of identical columns the first is kept.  Containment is read off the sparse
    product ``AᵀA``: ``j ⊆ k`` exactly when ``|j ∩ k| = |j|``.
    """
    from scipy.sparse import csc_array

    a = csc_array(rows.astype(np.float32))
    size = np.asarray(rows.sum(axis=0)).ravel()
    inter = (a.T @ a).tocoo()
    j, k, v = inter.row, inter.col, inter.data
    subset = (v == size[j]) & (j != k)
    strict = subset & ((size[k] > size[j]) | (k < j))
    dominated = np.zeros(rows.shape[1], dtype=bool)
    dominated[j[strict]] = True
    dominated[size == 0] = True
    keep = np.flatnonzero(~dominated)
    if keep.size == 0:
        keep = np.array([0], dtype=np.intp)
    return keep


def _greedy_cover(rows: np.ndarray, weights: np.ndarray, p: int) -> np.ndarray:
    """Greedy maximal covering: repeatedly add the site covering the most uncovered weight."""
    left = weights.astype(float).copy()
    picked: list[int] = []
    a = rows.astype(float)
    for _ in range(p):
        gain = left @ a
        gain[picked] = -1.0
        j = int(np.argmax(gain))
        picked.append(j)
        left[rows[:, j]] = 0.0
    return np.array(picked, dtype=np.intp)


def _set_cover(
    cover: np.ndarray, solver: str, *, limit: int | None = None, time_limit_s: float | None = None
) -> tuple[Solved, np.ndarray, pulp.LpProblem]:
    """Fewest candidates covering every row of ``cover`` (at most ``limit`` if given)."""
    rows = np.unique(cover, axis=0)
    prob = pulp.LpProblem("lscp", pulp.LpMinimize)
    x = binaries(prob, "x", cover.shape[1])
    everyone = affine([(v, 1.0) for v in x])
    prob.setObjective(everyone)
    if limit is not None:
        add(prob, affine([(v, 1.0) for v in x]), pulp.LpConstraintLE, limit, "limit")
    for k, row in enumerate(rows):
        add(
            prob,
            affine([(x[j], 1.0) for j in np.flatnonzero(row)]),
            pulp.LpConstraintGE,
            1,
            f"c{k}",
        )
    solved = solve(prob, solver, time_limit_s=time_limit_s)
    return solved, chosen(x) if solved.feasible else np.empty(0, np.intp), prob


def lscp(
    costs: np.ndarray, radius: float, *, solver: str = "cbc", time_limit_s: float | None = None
) -> OptimisationResult:
    """Location set covering (Toregas et al. 1971): fewest sites covering every demand point.

    Minimises ``Σ x_j`` subject to ``Σ_{j: c_ij <= radius} x_j >= 1`` for every demand point.
    Demand points with identical coverage rows give identical constraints and are merged.

    Parameters
    ----------
    costs
        Demand × candidate distances, finite and >= 0.
    radius
        Coverage radius, same unit as ``costs``.
    solver
        ``"cbc"`` (default) or ``"highs"``.
    time_limit_s
        Seconds the solver may take (default: until proved optimal); stopped at the limit,
        the best cover found, with ``proven=False``, the ``bound`` and the ``gap``.

    Returns
    -------
    OptimisationResult
        ``objective`` is the number of sites; ``assignment`` the nearest chosen site of each
        demand point.

    Raises
    ------
    InfeasibleError
        Some demand point has no candidate within ``radius``; the message names them and the
        smallest radius that covers everyone.
    """
    start = time.perf_counter()
    check_solver(solver)
    seconds = check_time_limit(time_limit_s)
    c = check_cost_matrix(costs)
    r = _radius(radius)
    cover = c <= r
    lonely = np.flatnonzero(~cover.any(axis=1))
    if lonely.size:
        need = float(c.min(axis=1).max())
        shown = ", ".join(str(i) for i in lonely[:10]) + (" ..." if lonely.size > 10 else "")
        msg = (
            f"{lonely.size} demand point(s) have no candidate within radius {fmt(r)} "
            f"(rows {shown}); raise the radius to {fmt(need)} or add candidates near them"
        )
        raise InfeasibleError(msg)
    solved, selected, prob = _set_cover(cover, solver, time_limit_s=seconds)
    if not solved.feasible:
        msg = f"the LSCP model was not solved to optimality (status {solved.status})"
        raise InfeasibleError(msg)
    return _result(
        selected,
        float(selected.size),
        solved.status,
        solver,
        start,
        assignment=_assign(c, selected),
        covered=np.ones(c.shape[0], dtype=bool),
        details={"variables": len(prob.variables()), "constraints": prob.numConstraints()},
        **_limit(solved, float(selected.size)),
    )


def p_center(
    costs: np.ndarray, p: int, *, solver: str = "cbc", time_limit_s: float | None = None
) -> OptimisationResult:
    """p-center: ``p`` sites minimising the largest distance from a demand point to its site.

    The optimal radius is one of the entries of ``costs``.  It lies between the largest
    nearest-candidate distance (every point must reach some site) and the radius of a greedy
    solution; a binary search over the distinct entries in that range asks, for each radius,
    whether at most ``p`` sites cover every demand point (a set-covering integer program).  The
    smallest radius that passes is optimal (Minieka 1970).  If fewer than ``p`` sites suffice,
    the remaining sites are added greedily to cut the total distance; that never raises the
    largest distance.

    Parameters
    ----------
    costs
        Demand × candidate distances, finite and >= 0.
    p
        Number of sites.
    solver
        ``"cbc"`` (default) or ``"highs"``.
    time_limit_s
        Seconds each covering program may take (default: until it is decided).  A covering
        program that finds a cover within the limit decides its radius; one stopped without
        a cover decides nothing, so the search stops there with the best radius proved so far
        (``proven=False``, ``bound``: the smallest radius not ruled out).

    Returns
    -------
    OptimisationResult
        ``objective`` is the largest distance from a demand point to its nearest chosen site.
    """
    start = time.perf_counter()
    check_solver(solver)
    seconds = check_time_limit(time_limit_s)
    c = check_cost_matrix(costs)
    p = check_count(p, c.shape[1])
    low = float(c.min(axis=1).max())
    greedy = _greedy_center(c, p)
    high = float(c[:, greedy].min(axis=1).max())
    values = np.unique(c)
    values = values[(values >= low) & (values <= high)]
    best = greedy
    lo, hi = 0, values.size - 1
    solves = 0
    status = "Optimal"
    undecided: float | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        solved, sel, _ = _set_cover(c <= values[mid], solver, limit=p, time_limit_s=seconds)
        solves += 1
        if solved.feasible:
            best, hi = sel, mid - 1
        elif solved.stopped:
            # no cover found in time: this radius is not ruled out, so the search ends here
            undecided, status = float(values[lo]), AT_LIMIT
            break
        elif solved.status in ("Infeasible", "Not solved", "Undefined"):
            lo = mid + 1
        else:
            msg = f"the p-center covering model stopped with status {solved.status}"
            raise InfeasibleError(msg)
    best = _pad(c, best, p)
    objective = float(c[:, best].min(axis=1).max())
    return _result(
        best,
        objective,
        status,
        solver,
        start,
        assignment=_assign(c, best),
        details={"covering_solves": solves, "lower_bound": low, "greedy_radius": high},
        proven=undecided is None,
        bound=undecided,
        gap=None if undecided is None else relative_gap(objective, undecided),
        time_limit_s=seconds,
    )


def _greedy_center(c: np.ndarray, p: int) -> np.ndarray:
    """A feasible p-center solution: repeatedly add the site best for the worst-served point."""
    first = int(np.argmin(c.max(axis=0)))
    chosen_ = [first]
    near = c[:, first].copy()
    for _ in range(p - 1):
        worst = int(np.argmax(near))
        options = np.argsort(c[worst])
        pick = next(int(j) for j in options if j not in chosen_)
        chosen_.append(pick)
        near = np.minimum(near, c[:, pick])
    return np.array(sorted(chosen_), dtype=np.intp)


def _pad(c: np.ndarray, selected: np.ndarray, p: int) -> np.ndarray:
    """Add sites greedily (largest cut in total distance) until there are ``p``."""
    sel = list(selected.tolist())
    near = c[:, sel].min(axis=1)
    while len(sel) < p:
        gain = np.maximum(near[:, None] - c, 0.0).sum(axis=0)
        gain[sel] = -1.0
        pick = int(np.argmax(gain))
        sel.append(pick)
        near = np.minimum(near, c[:, pick])
    return np.array(sorted(sel), dtype=np.intp)
