"""Portfolio selection: the best set of sites under the rules planners actually have.

Two entry points lead into one computation: :func:`select_portfolio` takes the rules as
keywords, checks them with :func:`~siting.optimise.rules.prepare` and calls
:func:`solve_rules`, which takes a :class:`~siting.optimise.rules.PortfolioRules` built once
and solves it, says which rules bind, or says why no portfolio satisfies them.

The pieces live in their own modules: :mod:`~siting.optimise.rules` (the validated inputs),
:mod:`~siting.optimise.model` (the integer program), :mod:`~siting.optimise.explain` (binding
rules in words), :mod:`~siting.optimise.infeasible` (diagnosis and relaxation) and
:mod:`~siting.optimise.frontier` (Pareto front and alternatives).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from siting.errors import InfeasibleError
from siting.i18n import N_, Msg
from siting.optimise._core import OptimisationResult, chosen, fmt, solver_version
from siting.optimise.explain import explain
from siting.optimise.infeasible import diagnose, quick_checks
from siting.optimise.model import Extra, Outcome, Variant, optimise
from siting.optimise.rules import PortfolioRules, prepare

__all__ = ["PortfolioRules", "prepare", "select_portfolio", "solve_rules"]


def select_portfolio(
    scores: np.ndarray,
    *,
    n: int,
    exact: bool = True,
    distances_km: np.ndarray | None = None,
    lonlat: np.ndarray | None = None,
    min_spacing_km: float | None = None,
    groups: np.ndarray | None = None,
    at_most_per_group: int | None = None,
    at_least_per_group: int | None = None,
    group_name: str = "group",
    costs: np.ndarray | None = None,
    budget: float | None = None,
    must_include: Sequence[int] | None = None,
    must_exclude: Sequence[int] | None = None,
    centre_distances_km: np.ndarray | None = None,
    equity_km: float | None = None,
    centre_names: Sequence[str] | None = None,
    population: np.ndarray | None = None,
    demand_distances_km: np.ndarray | None = None,
    demand_lonlat: np.ndarray | None = None,
    cover_radius_km: float | None = None,
    population_weight: float = 0.0,
    names: Sequence[str] | None = None,
    explain_binding: bool = True,
    solver: str = "cbc",
    time_limit_s: float | None = None,
) -> OptimisationResult:
    """Choose the set of sites with the highest total score under the planners' rules.

    Maximises ``Σ score_j x_j + population_weight · (population covered / total population)``
    over binary ``x`` subject to the rules given.  The same as
    ``solve_rules(prepare(scores, ...), explain_binding=explain_binding)``.

    Parameters
    ----------
    scores
        One score per candidate (higher is better).
    n
        Number of sites.
    exact
        ``True``: exactly ``n`` sites; ``False``: at most ``n``.
    distances_km
        Candidate × candidate distances in km, for ``min_spacing_km`` (any metric: roads, say).
    lonlat
        Or the candidates' longitudes and latitudes in degrees, ``(n, 2)``: spacing then uses
        great-circle distances, and its conflicting pairs come from a KD-tree, so no
        candidate × candidate matrix is built (thousands of candidates and more).
    min_spacing_km
        No two chosen sites closer than this (pairs strictly closer are forbidden).
    groups
        One label per candidate (e.g. macro-region), for the per-group rules.
    at_most_per_group, at_least_per_group
        At most / at least this many chosen sites per value of ``groups``.
    group_name
        Name of the grouping field, used in sentences.
    costs, budget
        One cost per candidate; the chosen sites' total cost must not exceed ``budget``.
    must_include, must_exclude
        Candidate indices locked in (existing hubs) or out.
    centre_distances_km
        Population-centre × candidate distances in km, for the equity rule.
    equity_km
        Every population centre must lie within this distance of some chosen site.
    centre_names
        Names of the population centres (e.g. macro-regions), used in sentences.
    population
        Demand weights (e.g. town populations) for the population term.
    demand_distances_km
        Demand × candidate distances in km.
    demand_lonlat
        Or the demand points' longitudes and latitudes in degrees, with ``lonlat``: the cover
        sets come from a KD-tree (great-circle distances), without a demand × candidate matrix.
    cover_radius_km
        A demand point is covered when a chosen site lies within this distance.
    population_weight
        Score points that covering the whole population is worth (0: score only).
    names
        Candidate names for sentences; default ``"candidate j"``.
    explain_binding
        Re-solve without each rule to say which ones bind (default ``True``).
    solver
        ``"cbc"`` (default) or ``"highs"``.
    time_limit_s
        Seconds each integer program may take (default: no limit).  A solve stopped at the
        limit returns the best portfolio found with ``proven=False``, ``status``
        ``"Stopped at the time limit"``, the solver's ``bound`` and the ``gap``.

    Returns
    -------
    OptimisationResult
        ``selected`` indices, objective, status, solver and version, time, binding sentences;
        ``covered`` marks the covered demand points when a population term is given, and
        ``details`` holds ``total_score``, ``population_covered`` and the model size.

    Raises
    ------
    DataError
        Malformed inputs (every problem listed).
    InfeasibleError
        The rules cannot hold together; the message names the smallest conflicting set of
        rules and the nearest feasible relaxation.
    """
    start = time.perf_counter()
    rules = prepare(
        scores,
        n=n,
        exact=exact,
        distances_km=distances_km,
        lonlat=lonlat,
        min_spacing_km=min_spacing_km,
        groups=groups,
        at_most_per_group=at_most_per_group,
        at_least_per_group=at_least_per_group,
        group_name=group_name,
        costs=costs,
        budget=budget,
        must_include=must_include,
        must_exclude=must_exclude,
        centre_distances_km=centre_distances_km,
        equity_km=equity_km,
        centre_names=centre_names,
        population=population,
        demand_distances_km=demand_distances_km,
        demand_lonlat=demand_lonlat,
        cover_radius_km=cover_radius_km,
        population_weight=population_weight,
        names=names,
        solver=solver,
        time_limit_s=time_limit_s,
    )
    return solve_rules(rules, explain_binding=explain_binding, start=start)


def solve_rules(
    rules: PortfolioRules,
    *,
    explain_binding: bool = True,
    start: float | None = None,
    extra: Extra | None = None,
) -> OptimisationResult:
    """Solve validated rules, explain the binding ones, or diagnose infeasibility.

    Parameters
    ----------
    rules
        Validated inputs from :func:`~siting.optimise.rules.prepare`.
    explain_binding
        Re-solve without each rule to say which ones bind.
    start
        ``time.perf_counter()`` at the start of the call, to report total seconds.
    extra
        Further constraints (see :class:`~siting.optimise.model.Variant`).

    Returns
    -------
    OptimisationResult
        See :func:`select_portfolio`.

    Raises
    ------
    InfeasibleError
        The rules cannot hold together (diagnosed as in :func:`select_portfolio`), or, with
        ``extra``, no further portfolio satisfies them.
    """
    start = time.perf_counter() if start is None else start
    problems = quick_checks(rules)
    if problems:
        raise InfeasibleError(problems)
    built, solved = optimise(rules, Variant(extra=extra))
    if not solved.feasible:
        if solved.stopped:
            msg = Msg(
                N_(
                    "the solver found no portfolio within its time limit of {seconds} s; "
                    "raise time_limit_s"
                ),
                seconds=fmt(solved.time_limit_s or 0.0),
            )
            raise InfeasibleError(msg)
        if solved.status not in ("Infeasible", "Not solved", "Undefined"):
            msg = Msg(
                N_("the solver stopped with status {status}; no portfolio was proved optimal"),
                status=repr(solved.status),
            )
            raise InfeasibleError(msg)
        if extra is not None:
            msg = Msg(N_("no further portfolio satisfies the rules and the extra constraints"))
            raise InfeasibleError(msg)
        raise InfeasibleError(diagnose(rules))
    selected = chosen(built.x)
    best = Outcome(
        feasible=True,
        status=solved.status,
        objective=solved.objective,
        selected=selected,
        covered_population=rules.covered_population(selected),
        seconds=solved.seconds,
    )
    sentences: list[str] = []
    details: list[dict[str, Any]] = []
    # A rule binds when dropping it changes the optimum; without a proved optimum that
    # cannot be said, so a portfolio stopped at the time limit is not explained.
    if explain_binding and solved.proven:
        sentences, details, _ = explain(rules, best)
    return OptimisationResult(
        selected=selected,
        objective=rules.value(selected),
        status=solved.status,
        solver=rules.solver,
        solver_version=solver_version(rules.solver),
        seconds=time.perf_counter() - start,
        binding=sentences,
        binding_details=details,
        covered=rules.covered(selected),
        details={
            "total_score": float(rules.scores[selected].sum()),
            "population_covered": best.covered_population,
            "variables": len(built.prob.variables()),
            "constraints": built.prob.numConstraints(),
        },
        proven=solved.proven,
        bound=solved.bound,
        gap=solved.gap,
        time_limit_s=rules.time_limit_s,
    )
