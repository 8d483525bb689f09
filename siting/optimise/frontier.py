"""Several answers instead of one: the score–coverage Pareto front and the next-best portfolios.

When a model is small enough to list every feasible portfolio
(:func:`siting.optimise.enumerate.listing`: the default study's three sites among fifty towns
leave about 8,000), both are read from the listing instead of solving one integer program per
ε-step or per no-good cut: exactly the same optimisation, in milliseconds.

Each has a rules-based entry point (:func:`pareto_for`, :func:`alternatives_for`) that takes a
:class:`~siting.optimise.rules.PortfolioRules` built once, and a keyword one
(:func:`pareto_front`, :func:`alternatives`) that builds it with
:func:`~siting.optimise.rules.prepare` and calls the first.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
import pulp

from siting.errors import DataError, InfeasibleError
from siting.optimise._core import OptimisationResult, add, affine
from siting.optimise.enumerate import LISTED, Listing, listed_version, listing
from siting.optimise.infeasible import diagnose, quick_checks
from siting.optimise.model import Extra, Outcome, Variant, run
from siting.optimise.portfolio import solve_rules
from siting.optimise.rules import Coverage, PortfolioRules, prepare
from siting.tolerances import EPSILON_SLACK

__all__ = ["alternatives", "alternatives_for", "pareto_for", "pareto_front"]


def _whole_at_least_one(value: Any, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{what} must be a whole number >= 1; got {value!r}"
        raise DataError(msg)


def _check_points(points: Any) -> None:
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        msg = f"points must be a whole number >= 2; got {points!r}"
        raise DataError(msg)


def _slack(value: float) -> float:
    """Tolerance of an ε-constraint: solvers may land a hair below the target they reached."""
    return EPSILON_SLACK * max(1.0, abs(value))


# --------------------------------------------------------------------------- Pareto front


def pareto_for(rules: PortfolioRules, *, points: int = 11) -> pd.DataFrame:
    """Portfolios that trade total score against population covered (ε-constraint method).

    The two ends are found lexicographically: the best total score, then the most population
    that score allows; and the most population, then the best score at that population.
    Between them, ``points - 2`` evenly spaced population targets ``ε`` give the best total
    score with at least ``ε`` covered, each then pushed to the most population at that score
    so that every row is Pareto-optimal (Haimes, Lasdon and Wismer 1971; Mavrotas 2009).
    Duplicate portfolios are dropped.  The front has its own two objectives, so the coverage
    rule's ``weight`` (the blend of :func:`~siting.optimise.select_portfolio`) plays no role.

    Parameters
    ----------
    rules
        Validated inputs with a coverage rule (population, demand distances, radius).
    points
        Number of ε steps, ends included (>= 2).

    Returns
    -------
    pandas.DataFrame
        One row per distinct Pareto-optimal portfolio, by increasing population covered:
        ``total_score``, ``population_covered``, ``covered_share``, ``sites`` (number),
        ``selected`` (list of candidate indices) and ``names`` (their names joined by ", ").

    Raises
    ------
    DataError
        ``points`` is not a whole number >= 2, or the rules have no coverage rule.
    InfeasibleError
        The rules cannot hold together (diagnosed as in :func:`~siting.optimise.select_portfolio`).
    """
    _check_points(points)
    cov = rules.coverage
    if cov is None:
        msg = (
            "a Pareto front needs a population term; pass population, demand_distances_km "
            "and cover_radius_km to prepare"
        )
        raise DataError(msg)
    problems = quick_checks(rules)
    if problems:
        raise InfeasibleError(problems)
    listed = listing(rules)
    if listed is not None:
        return _pareto_rows(rules, cov, _pareto_listed(rules, listed, points))
    top = _best_score(rules, cov, None)
    if not top.feasible:
        raise InfeasibleError(diagnose(rules))
    left = _best_cover(rules, cov, float(rules.scores[top.selected].sum()))
    widest = _best_cover(rules, cov, None)
    right = _best_score(rules, cov, widest.covered_population)
    found = [left, right]
    for eps in np.linspace(left.covered_population, widest.covered_population, points)[1:-1]:
        step = _best_score(rules, cov, float(eps))
        if step.feasible:
            found.append(_best_cover(rules, cov, float(rules.scores[step.selected].sum())))
    return _pareto_rows(rules, cov, found)


def _pareto_rows(rules: PortfolioRules, cov: Coverage, found: list[Outcome]) -> pd.DataFrame:
    """The front's table from its ε-steps' outcomes: distinct, non-dominated, sorted."""
    rows = {}
    for out in found:
        if not out.feasible:
            continue
        key = tuple(out.selected.tolist())
        rows[key] = {
            "total_score": float(rules.scores[out.selected].sum()),
            "population_covered": out.covered_population,
            "covered_share": out.covered_population / cov.total,
            "sites": int(out.selected.size),
            "selected": list(key),
            "names": ", ".join(rules.name(j) for j in key),
        }
    return _non_dominated(pd.DataFrame(list(rows.values())))


def _pareto_listed(rules: PortfolioRules, listed: Listing, points: int) -> list[Outcome]:
    """The ε-steps of :func:`pareto_for` answered from the listing of every feasible portfolio.

    Each step is the integer program's: the best of one objective among the portfolios whose
    other objective reaches the target less the same slack.  Where several portfolios share
    the best value, the listing takes the best of them in the other objective (then the first
    listed), so that each step is itself Pareto-optimal.
    """
    score, cover = listed.score, listed.cover

    def step(main: np.ndarray, other: np.ndarray, floor: float | None) -> Outcome:
        start = time.perf_counter()
        allowed = None if floor is None else other >= floor - _slack(floor)
        k = listed.best(main, allowed)
        if k is None:
            return Outcome(False, "Infeasible", float("nan"), np.empty(0, np.intp), 0.0, 0.0)
        ties = np.flatnonzero(
            (main >= main[k] - _slack(float(main[k]))) & (True if allowed is None else allowed)
        )
        k = int(ties[np.argmax(other[ties])])
        return Outcome(
            feasible=True,
            status="Optimal",
            objective=float(main[k]),
            selected=listed.sites(k),
            covered_population=float(cover[k]),
            seconds=time.perf_counter() - start,
        )

    top = step(score, cover, None)
    left = step(cover, score, float(rules.scores[top.selected].sum()))
    widest = step(cover, score, None)
    right = step(score, cover, widest.covered_population)
    found = [left, right]
    for eps in np.linspace(left.covered_population, widest.covered_population, points)[1:-1]:
        at = step(score, cover, float(eps))
        if at.feasible:
            found.append(step(cover, score, float(rules.scores[at.selected].sum())))
    return found


def _score_expr(rules: PortfolioRules, x: list[pulp.LpVariable]) -> Any:
    return affine([(x[j], float(rules.scores[j])) for j in range(rules.size)])


def _cover_expr(cov: Coverage, y: list[pulp.LpVariable]) -> Any:
    # ``cov.demand`` lists the demand points that have a coverage variable, in variable order.
    return affine([(y[k], float(cov.population[i])) for k, i in enumerate(cov.demand)])


def _best_score(rules: PortfolioRules, cov: Coverage, cover_at_least: float | None) -> Outcome:
    """Best total score, with at least ``cover_at_least`` population covered when given."""

    def extra(prob: pulp.LpProblem, x: list[pulp.LpVariable], y: list[pulp.LpVariable]) -> None:
        prob.setObjective(_score_expr(rules, x))
        if cover_at_least is not None:
            rhs = cover_at_least - _slack(cover_at_least)
            add(prob, _cover_expr(cov, y), pulp.LpConstraintGE, rhs, "eps")

    return run(rules, Variant(objective="none", extra=extra))


def _best_cover(rules: PortfolioRules, cov: Coverage, score_at_least: float | None) -> Outcome:
    """Most population covered, with a total score of at least ``score_at_least`` when given."""

    def extra(prob: pulp.LpProblem, x: list[pulp.LpVariable], y: list[pulp.LpVariable]) -> None:
        prob.setObjective(_cover_expr(cov, y))
        if score_at_least is not None:
            rhs = score_at_least - _slack(score_at_least)
            add(prob, _score_expr(rules, x), pulp.LpConstraintGE, rhs, "floor")

    return run(rules, Variant(objective="none", extra=extra))


def _non_dominated(table: pd.DataFrame) -> pd.DataFrame:
    """Keep only non-dominated rows (ties in both objectives keep the first), sorted."""
    score = table["total_score"].to_numpy(dtype=float)
    cover = table["population_covered"].to_numpy(dtype=float)
    keep = []
    for a in range(len(table)):
        s, c = float(score[a]), float(cover[a])
        dominated = any(
            (score[b] >= s - _slack(s))
            and (cover[b] >= c - _slack(c))
            and (score[b] > s + _slack(s) or cover[b] > c + _slack(c))
            for b in range(len(table))
        )
        keep.append(not dominated)
    return table[keep].sort_values(["population_covered", "total_score"], ignore_index=True)


def pareto_front(
    scores: np.ndarray,
    *,
    n: int,
    population: np.ndarray,
    demand_distances_km: np.ndarray,
    cover_radius_km: float,
    points: int = 11,
    solver: str = "cbc",
    **rules: Any,
) -> pd.DataFrame:
    """Portfolios that trade total score against population covered (ε-constraint method).

    :func:`prepare` then :func:`pareto_for`; see there for the method.

    Parameters
    ----------
    scores
        One score per candidate.
    n
        Number of sites (exactly ``n`` unless ``exact=False`` is passed).
    population
        Demand weights, e.g. town populations.
    demand_distances_km
        Demand × candidate distances in km.
    cover_radius_km
        A demand point is covered when a chosen site lies within this distance.
    points
        Number of ε steps, ends included (>= 2).
    solver
        ``"cbc"`` or ``"highs"``.
    **rules
        Any other keyword of :func:`~siting.optimise.select_portfolio` (spacing, groups,
        budget, ...); ``population_weight`` and ``explain_binding`` are accepted and ignored.

    Returns
    -------
    pandas.DataFrame
        See :func:`pareto_for`.

    Raises
    ------
    DataError
        Malformed inputs.
    InfeasibleError
        The rules cannot hold together (diagnosed as in :func:`~siting.optimise.select_portfolio`).
    """
    _check_points(points)
    # The front has its own objectives: a blend weight or a binding explanation has no role.
    rules.pop("population_weight", None)
    rules.pop("explain_binding", None)
    validated = prepare(
        scores,
        n=n,
        population=population,
        demand_distances_km=demand_distances_km,
        cover_radius_km=cover_radius_km,
        solver=solver,
        **rules,
    )
    return pareto_for(validated, points=points)


# --------------------------------------------------------------------------- alternatives


def alternatives_for(
    rules: PortfolioRules,
    *,
    k: int = 3,
    min_difference: int = 1,
    explain_binding: bool = True,
    start: float | None = None,
    best: OptimisationResult | None = None,
) -> list[OptimisationResult]:
    """The ``k`` best portfolios, each differing from every earlier one by ``min_difference`` sites.

    Solves the portfolio model (or starts from ``best``, its optimum solved already), then adds a no-good cut excluding every portfolio too close to
    the ones found, and solves again (Balas and Jeroslow 1972).  With exactly ``n`` sites, two
    portfolios differ by ``M`` sites when ``M`` sites of one are not in the other, so the cut is
    ``Σ_{j ∈ S} x_j <= n - M``.  With at most ``n`` sites (``exact=False``) the cut asks for at
    least ``M`` sites added or dropped in total:
    ``Σ_{j ∈ S} (1 - x_j) + Σ_{j ∉ S} x_j >= M``.

    Parameters
    ----------
    rules
        Validated inputs.
    k
        How many portfolios to return at most.
    min_difference
        ``M``: how many sites each portfolio must change relative to every earlier one.
    explain_binding
        Explain the binding rules of the first (best) portfolio.
    start
        ``time.perf_counter()`` at the start of the call, to report total seconds.
    best
        The optimum of ``rules`` from :func:`~siting.optimise.solve_rules`, when the caller
        has it: it is the first portfolio, not solved again.

    Returns
    -------
    list of OptimisationResult
        Best first; fewer than ``k`` when no further portfolio satisfies the rules.  The first
        carries the binding explanation; each has ``details["rank"]`` (1-based) and
        ``details["gap"]`` (objective lost relative to the best).

    Raises
    ------
    DataError
        Bad ``k`` or ``min_difference``.
    InfeasibleError
        Not even one portfolio satisfies the rules.
    """
    _whole_at_least_one(k, "k")
    _whole_at_least_one(min_difference, "min_difference")
    n = rules.count.n
    if rules.count.exact and min_difference > n:
        msg = (
            f"min_difference {min_difference} is more than the {n} sites of a portfolio; "
            f"ask for at most {n}"
        )
        raise DataError(msg)
    start = time.perf_counter() if start is None else start
    found = [best or solve_rules(rules, explain_binding=explain_binding, start=start)]
    found[0].details.update(rank=1, gap=0.0)
    listed = listing(rules)
    if listed is not None:
        return found + _alternatives_listed(rules, listed, found[0], k, min_difference)
    while len(found) < k:
        cuts = _no_good_cuts(rules, [res.selected for res in found], min_difference)
        try:
            res = solve_rules(rules, explain_binding=False, extra=cuts)
        except InfeasibleError:
            break
        res.details.update(rank=len(found) + 1, gap=found[0].objective - res.objective)
        found.append(res)
    return found


def _alternatives_listed(
    rules: PortfolioRules, listed: Listing, first: OptimisationResult, k: int, min_difference: int
) -> list[OptimisationResult]:
    """The next-best portfolios from the listing: the best one every earlier cut allows, in turn.

    Scanning the portfolios by decreasing objective and keeping each that differs enough from
    every one kept so far gives, in order, what solving with the no-good cuts gives (the best
    portfolio the cuts allow), each exactly; ties keep the listing's order.
    """
    start = time.perf_counter()
    kept = [set(first.selected.tolist())]
    out: list[OptimisationResult] = []
    for row in np.argsort(-listed.value, kind="stable"):
        if len(kept) >= k:
            break
        sel = listed.sites(int(row))
        here = set(sel.tolist())
        if not all(_differs(here, earlier, rules, min_difference) for earlier in kept):
            continue
        kept.append(here)
        value = rules.value(sel)
        out.append(
            OptimisationResult(
                selected=sel,
                objective=value,
                status="Optimal",
                solver=LISTED,
                solver_version=listed_version(len(listed.feasible)),
                seconds=time.perf_counter() - start,
                covered=rules.covered(sel),
                details={
                    "total_score": float(rules.scores[sel].sum()),
                    "population_covered": float(listed.cover[row]),
                    "rank": len(kept),
                    "gap": first.objective - value,
                },
            )
        )
    return out


def _differs(here: set[int], earlier: set[int], rules: PortfolioRules, m: int) -> bool:
    """Whether a portfolio passes the no-good cut of an earlier one (:func:`_no_good_cuts`)."""
    if rules.count.exact:
        return len(here & earlier) <= len(earlier) - m
    return len(earlier - here) + len(here - earlier) >= m


def _no_good_cuts(rules: PortfolioRules, earlier: list[np.ndarray], min_difference: int) -> Extra:
    """Rows that exclude every portfolio closer than ``min_difference`` to one in ``earlier``."""

    def cuts(prob: pulp.LpProblem, x: list[pulp.LpVariable], _y: list[pulp.LpVariable]) -> None:
        for q, sel in enumerate(earlier):
            inside = set(sel.tolist())
            if rules.count.exact:
                expr = affine([(x[j], 1.0) for j in inside])
                add(prob, expr, pulp.LpConstraintLE, len(inside) - min_difference, f"ng{q}")
            else:
                expr = affine(
                    [(x[j], -1.0 if j in inside else 1.0) for j in range(rules.size)],
                    constant=len(inside),
                )
                add(prob, expr, pulp.LpConstraintGE, min_difference, f"ng{q}")

    return cuts


def alternatives(
    scores: np.ndarray,
    *,
    n: int,
    k: int = 3,
    min_difference: int = 1,
    solver: str = "cbc",
    **rules: Any,
) -> list[OptimisationResult]:
    """The ``k`` best portfolios, each differing from every earlier one by ``min_difference`` sites.

    :func:`prepare` then :func:`alternatives_for`; see there for the method.

    Parameters
    ----------
    scores
        One score per candidate.
    n
        Number of sites.
    k
        How many portfolios to return at most.
    min_difference
        ``M``: how many sites each portfolio must change relative to every earlier one.
    solver
        ``"cbc"`` or ``"highs"``.
    **rules
        Any other keyword of :func:`~siting.optimise.select_portfolio`, ``explain_binding``
        included (it applies to the first portfolio).

    Returns
    -------
    list of OptimisationResult
        See :func:`alternatives_for`.

    Raises
    ------
    DataError
        Bad ``k`` or ``min_difference``, or malformed inputs.
    InfeasibleError
        Not even one portfolio satisfies the rules.
    """
    start = time.perf_counter()
    # Checked before the (costlier) inputs, as alternatives_for checks them again.
    _whole_at_least_one(k, "k")
    _whole_at_least_one(min_difference, "min_difference")
    explain_binding = rules.pop("explain_binding", True)
    validated = prepare(scores, n=n, solver=solver, **rules)
    return alternatives_for(
        validated, k=k, min_difference=min_difference, explain_binding=explain_binding, start=start
    )
