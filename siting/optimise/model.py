"""The portfolio integer program: build it, add its spacing rows, solve it.

The model is a 0-1 integer program on the candidate axis.  With ``x_j = 1`` when candidate ``j``
is chosen, it maximises ``Σ score_j x_j`` (plus, optionally, a population term) subject to the
rules in a :class:`~siting.optimise.rules.PortfolioRules`.

Every rule is a *family* of constraints that a :class:`Variant` can switch off or change.  That
one switch serves three purposes: explaining the result (a rule binds when dropping it changes
the optimum, :mod:`~siting.optimise.explain`), diagnosing infeasibility (a deletion filter over
families, :mod:`~siting.optimise.infeasible`) and finding the nearest feasible relaxation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pulp

from siting.optimise._core import Solved, add, affine, binaries, chosen, fractions, solve
from siting.optimise.rules import PortfolioRules

__all__ = [
    "LAZY_PAIRS",
    "PLAIN",
    "Built",
    "CountMode",
    "Extra",
    "Objective",
    "Outcome",
    "Variant",
    "add_spacing",
    "build",
    "optimise",
    "run",
]

Objective = Literal["blend", "count", "coverage", "none"]
CountMode = Literal["exact", "at_most", "free"]
Extra = Callable[[pulp.LpProblem, list[pulp.LpVariable], list[pulp.LpVariable]], None]
"""Adds further constraints (no-good cuts, ε-constraints) or replaces the objective."""

#: Above this many conflicting pairs the spacing rows are generated lazily.
LAZY_PAIRS = 3000


@dataclass(frozen=True)
class Variant:
    """How one solve departs from the rules: families left out, values changed, rows added.

    Attributes
    ----------
    omit
        Families to leave out.
    count
        ``"exact"`` (Σx = n), ``"at_most"`` (Σx <= n) or ``"free"`` (no count rule); default
        from ``rules.count.exact``.
    objective
        ``"blend"`` (score + population term), ``"count"`` (number of sites), ``"coverage"``
        (population covered) or ``"none"`` (feasibility only, or an objective set by ``extra``).
    spacing, at_most, budget, equity_km
        Override the rule's value (used when searching for the nearest feasible relaxation).
    extra
        Callback adding further constraints.
    """

    omit: frozenset[str] = frozenset()
    count: CountMode | None = None
    objective: Objective = "blend"
    spacing: float | None = None
    at_most: int | None = None
    budget: float | None = None
    equity_km: float | None = None
    extra: Extra | None = None


#: The rules as they are.
PLAIN = Variant()


@dataclass
class Built:
    """A built model and its variables."""

    prob: pulp.LpProblem
    x: list[pulp.LpVariable]
    y: list[pulp.LpVariable]
    demand: np.ndarray  # demand index of each y variable


def build(
    rules: PortfolioRules, variant: Variant = PLAIN, *, spacing_around: np.ndarray | None = None
) -> Built:
    """Build the portfolio model, some rule families left out or changed.

    Parameters
    ----------
    rules
        Validated inputs.
    variant
        What to leave out, change or add (default: the rules as they are).
    spacing_around
        Add the spacing constraints only for pairs touching these candidates (a relaxation used
        by :func:`optimise`'s row generation); ``None`` adds them all.

    Returns
    -------
    Built
        The model and its variables.
    """
    prob = pulp.LpProblem("portfolio", pulp.LpMaximize)
    x = binaries(prob, "x", rules.size)
    families = set(rules.families) - variant.omit
    # The order below (variables, objective, then each family) fixes the order of rows and
    # columns the solver sees, and so which of several tied optima it returns: keep it.
    y, demand = _coverage_rows(prob, x, rules)
    _objective(prob, x, y, demand, rules, variant.objective)
    _count_row(prob, x, rules, variant.count)
    if "must_include" in families:
        for j in rules.lock.include:
            x[j].lowBound = 1
    if "must_exclude" in families:
        for j in rules.lock.exclude:
            x[j].upBound = 0
    if "min_spacing_km" in families and rules.spacing is not None:
        spacing = rules.spacing.min_km if variant.spacing is None else variant.spacing
        add_spacing(prob, x, rules, spacing, around=spacing_around)
    _group_rows(prob, x, rules, families, variant.at_most)
    if "budget" in families and rules.budget is not None:
        limit = rules.budget.limit if variant.budget is None else variant.budget
        costs = rules.budget.costs
        expr = affine([(x[j], float(costs[j])) for j in range(rules.size) if costs[j]])
        add(prob, expr, pulp.LpConstraintLE, float(limit), "budget")
    if "equity_km" in families and rules.equity is not None:
        reach = rules.equity.within_km if variant.equity_km is None else variant.equity_km
        for k, row in enumerate(rules.equity.centre_distances_km):
            idx = np.flatnonzero(row <= reach)
            add(prob, affine([(x[j], 1.0) for j in idx]), pulp.LpConstraintGE, 1.0, f"equity{k}")
    if variant.extra is not None:
        variant.extra(prob, x, y)
    return Built(prob=prob, x=x, y=y, demand=demand)


def _coverage_rows(
    prob: pulp.LpProblem, x: list[pulp.LpVariable], rules: PortfolioRules
) -> tuple[list[pulp.LpVariable], np.ndarray]:
    """Population term: ``y_i <= Σ_{j covers i} x_j``, ``y_i`` in [0, 1]; objectives pull it up."""
    cov = rules.coverage
    if cov is None:
        return [], np.empty(0, dtype=np.intp)
    y = fractions(prob, "y", cov.demand.size)
    for k, i in enumerate(cov.demand):
        expr = affine([(x[j], 1.0) for j in cov.cover_sets[i]] + [(y[k], -1.0)])
        add(prob, expr, pulp.LpConstraintGE, 0.0, f"cover{i}")
    return y, cov.demand


def _objective(
    prob: pulp.LpProblem,
    x: list[pulp.LpVariable],
    y: list[pulp.LpVariable],
    demand: np.ndarray,
    rules: PortfolioRules,
    objective: Objective,
) -> None:
    cov = rules.coverage
    if objective == "blend":
        s = rules.scores
        terms = [(x[j], float(s[j])) for j in range(rules.size) if s[j] != 0]
        if y and cov is not None:
            scale = cov.weight / cov.total
            terms += [(y[k], scale * float(cov.population[i])) for k, i in enumerate(demand)]
        prob.setObjective(affine(terms))
    elif objective == "count":
        prob.setObjective(affine([(v, 1.0) for v in x]))
    elif objective == "coverage" and cov is not None:
        prob.setObjective(affine([(y[k], float(cov.population[i])) for k, i in enumerate(demand)]))
    else:
        prob.setObjective(affine([]))


def _count_row(
    prob: pulp.LpProblem, x: list[pulp.LpVariable], rules: PortfolioRules, mode: CountMode | None
) -> None:
    mode = mode or ("exact" if rules.count.exact else "at_most")
    everyone = affine([(v, 1.0) for v in x])
    if mode == "exact":
        add(prob, everyone, pulp.LpConstraintEQ, rules.count.n, "count")
    elif mode == "at_most":
        add(prob, everyone, pulp.LpConstraintLE, rules.count.n, "count")


def _group_rows(
    prob: pulp.LpProblem,
    x: list[pulp.LpVariable],
    rules: PortfolioRules,
    families: set[str],
    at_most: int | None,
) -> None:
    g = rules.groups
    if g is None:
        return
    cap = g.at_most if at_most is None else at_most
    for k, idx in enumerate(g.members()):
        expr = affine([(x[j], 1.0) for j in idx])
        # A cap no smaller than the group cannot bind: leave its row out.
        if "at_most_per_group" in families and cap is not None and idx.size > cap:
            add(prob, expr, pulp.LpConstraintLE, cap, f"atmost{k}")
        if "at_least_per_group" in families and g.at_least is not None:
            add(prob, expr, pulp.LpConstraintGE, g.at_least, f"atleast{k}")


def add_spacing(
    prob: pulp.LpProblem,
    x: list[pulp.LpVariable],
    rules: PortfolioRules,
    spacing: float,
    *,
    around: np.ndarray | None = None,
) -> None:
    """Add x_i + x_j <= 1 for pairs closer than ``spacing``, plus clique cuts.

    The pair constraints alone make a weak LP relaxation.  Every candidate ``c`` also yields a
    clique: the candidates within ``spacing / 2`` of ``c`` are pairwise closer than ``spacing``
    on a metric (triangle inequality), so at most one of them can be chosen.  Each clique is
    checked on the matrix itself before it is added, so a non-metric matrix stays exact.

    Parameters
    ----------
    prob, x
        The model and its site variables.
    rules
        Validated inputs with a spacing rule.
    spacing
        The spacing in km (the rule's own, or a relaxed one).
    around
        Only the pairs and cliques touching these candidates (row generation); ``None``: all.
    """
    sp = rules.spacing
    if sp is None or spacing <= 0:
        return
    i, j = sp.pairs(spacing)
    centres: list[int] = list(range(rules.size))
    if around is not None:
        touch = np.zeros(rules.size, dtype=bool)
        touch[around] = True
        keep = touch[i] | touch[j]
        i, j = i[keep], j[keep]
        centres = np.unique(around).tolist()
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        add(prob, affine([(x[a], 1.0), (x[b], 1.0)]), pulp.LpConstraintLE, 1.0, f"sp{a}_{b}")
    seen: set[tuple[int, ...]] = set()
    for c in centres:
        members = sp.near(c, spacing / 2)
        if members.size < 3:
            continue
        key = tuple(members.tolist())
        if key in seen:
            continue
        sub = sp.among(members)
        if np.all((sub < spacing) | np.eye(members.size, dtype=bool)):
            seen.add(key)
            add(prob, affine([(x[k], 1.0) for k in members]), pulp.LpConstraintLE, 1.0, f"cl{c}")


@dataclass(frozen=True)
class Outcome:
    """One solve of a portfolio model."""

    feasible: bool
    status: str
    objective: float
    selected: np.ndarray
    covered_population: float
    seconds: float
    proven: bool = True


def optimise(rules: PortfolioRules, variant: Variant = PLAIN) -> tuple[Built, Solved]:
    """Build and solve, generating the spacing constraints lazily when there are many.

    With thousands of candidates a spacing rule means hundreds of thousands of pair
    constraints, nearly all of them about candidates no optimum would pick.  Row generation
    keeps it exact: solve with the constraints around a small set of candidates only (a
    relaxation), and if the optimum has two sites too close, add every constraint touching the
    chosen sites and solve again.  An optimum of the relaxation that satisfies every pair is
    optimal for the full model; a relaxation that is infeasible proves the full model is.

    Parameters
    ----------
    rules
        Validated inputs.
    variant
        See :func:`build`.

    Returns
    -------
    tuple
        The last model built and its solve.
    """
    sp = rules.spacing
    if sp is None or "min_spacing_km" in variant.omit:
        built = build(rules, variant)
        return built, solve(built.prob, rules.solver, time_limit_s=rules.time_limit_s)
    spacing = sp.min_km if variant.spacing is None else variant.spacing
    if sp.count_pairs(spacing) <= LAZY_PAIRS:
        built = build(rules, variant)
        return built, solve(built.prob, rules.solver, time_limit_s=rules.time_limit_s)
    around = np.union1d(rules.lock.include, np.argsort(-rules.scores)[: rules.count.n])
    while True:
        built = build(rules, variant, spacing_around=around)
        solved = solve(built.prob, rules.solver, time_limit_s=rules.time_limit_s)
        if not solved.feasible:
            return built, solved
        sel = chosen(built.x)
        if not np.any(np.triu(sp.among(sel) < spacing, k=1)):
            return built, solved
        grown = np.union1d(around, sel)
        if grown.size == around.size:  # pragma: no cover - every violated pair is in the model
            return built, solved
        around = grown


def run(rules: PortfolioRules, variant: Variant = PLAIN) -> Outcome:
    """Build and solve a variant of the model (see :func:`build`) and say what it chose."""
    start = time.perf_counter()
    built, solved = optimise(rules, variant)
    sel = chosen(built.x) if solved.feasible else np.empty(0, dtype=np.intp)
    cov = rules.covered_population(sel) if solved.feasible else 0.0
    return Outcome(
        feasible=solved.feasible,
        status=solved.status,
        objective=solved.objective,
        selected=sel,
        covered_population=cov,
        seconds=time.perf_counter() - start,
        proven=solved.proven,
    )
