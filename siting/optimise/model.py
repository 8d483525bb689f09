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

from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.optimise._core import Solved, add, affine, binaries, chosen, fmt, fractions, solve
from siting.optimise.reduce import candidates_to_keep
from siting.optimise.rules import PortfolioRules

__all__ = [
    "LAZY_PAIRS",
    "MAX_PAIR_ROWS",
    "PLAIN",
    "REDUCED_PAIRS",
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

#: Most pair rows a model is built with at once (each a PuLP row of about 400 bytes): a model
#: needing more (every candidate kept, say the alternatives of a study of 100,000 candidates)
#: is refused with a message instead of exhausting the memory.
MAX_PAIR_ROWS = 2_000_000

#: Up to this many conflicting pairs among the candidates left by the reduction, the spacing
#: rule goes into the model whole, as cliques (:func:`_clique_cover`); beyond it, lazily.
REDUCED_PAIRS = 100_000


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
    rules: PortfolioRules,
    variant: Variant = PLAIN,
    *,
    spacing_around: np.ndarray | None = None,
    keep: np.ndarray | None = None,
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
    keep
        Only these candidates (a boolean mask) enter the model; the others' variables appear
        in no row and stay 0.  :func:`optimise` passes the candidates that can be in an
        optimal portfolio (:mod:`~siting.optimise.reduce`); ``None``: every candidate.

    Returns
    -------
    Built
        The model and its variables.
    """
    prob = pulp.LpProblem("portfolio", pulp.LpMaximize)
    x = binaries(prob, "x", rules.size)
    families = set(rules.families) - variant.omit
    # The candidates in the model, in order: every row below is built over these only.
    live = np.arange(rules.size) if keep is None else np.flatnonzero(keep)
    # The order below (variables, objective, then each family) fixes the order of rows and
    # columns the solver sees, and so which of several tied optima it returns: keep it.
    y, demand = _coverage_rows(prob, x, rules, keep)
    _objective(prob, x, y, demand, rules, variant.objective, live)
    _count_row(prob, x, rules, variant.count, live)
    if "must_include" in families:
        for j in rules.lock.include:
            x[j].lowBound = 1
    if "must_exclude" in families:
        for j in rules.lock.exclude:
            x[j].upBound = 0
    if "min_spacing_km" in families and rules.spacing is not None:
        spacing = rules.spacing.min_km if variant.spacing is None else variant.spacing
        add_spacing(prob, x, rules, spacing, around=spacing_around, keep=keep)
    _group_rows(prob, x, rules, families, variant.at_most, keep)
    if "budget" in families and rules.budget is not None:
        limit = rules.budget.limit if variant.budget is None else variant.budget
        costs = rules.budget.costs
        expr = affine([(x[j], float(costs[j])) for j in live.tolist() if costs[j]])
        add(prob, expr, pulp.LpConstraintLE, float(limit), "budget")
    if "equity_km" in families and rules.equity is not None:
        reach = rules.equity.within_km if variant.equity_km is None else variant.equity_km
        for k, row in enumerate(rules.equity.centre_distances_km):
            idx = np.flatnonzero((row <= reach) & (True if keep is None else keep))
            add(prob, affine([(x[j], 1.0) for j in idx]), pulp.LpConstraintGE, 1.0, f"equity{k}")
    if variant.extra is not None:
        variant.extra(prob, x, y)
    return Built(prob=prob, x=x, y=y, demand=demand)


def _coverage_rows(
    prob: pulp.LpProblem,
    x: list[pulp.LpVariable],
    rules: PortfolioRules,
    keep: np.ndarray | None = None,
) -> tuple[list[pulp.LpVariable], np.ndarray]:
    """Population term: ``y_i <= Σ_{j covers i} x_j``, ``y_i`` in [0, 1]; objectives pull it up."""
    cov = rules.coverage
    if cov is None:
        return [], np.empty(0, dtype=np.intp)
    y = fractions(prob, "y", cov.demand.size)
    for k, i in enumerate(cov.demand):
        cover = cov.cover_sets[i] if keep is None else cov.cover_sets[i][keep[cov.cover_sets[i]]]
        expr = affine([(x[j], 1.0) for j in cover] + [(y[k], -1.0)])
        add(prob, expr, pulp.LpConstraintGE, 0.0, f"cover{i}")
    return y, cov.demand


def _objective(
    prob: pulp.LpProblem,
    x: list[pulp.LpVariable],
    y: list[pulp.LpVariable],
    demand: np.ndarray,
    rules: PortfolioRules,
    objective: Objective,
    live: np.ndarray,
) -> None:
    cov = rules.coverage
    if objective == "blend":
        s = rules.scores
        terms = [(x[j], float(s[j])) for j in live.tolist() if s[j] != 0]
        if y and cov is not None:
            scale = cov.weight / cov.total
            terms += [(y[k], scale * float(cov.population[i])) for k, i in enumerate(demand)]
        prob.setObjective(affine(terms))
    elif objective == "count":
        prob.setObjective(affine([(x[j], 1.0) for j in live.tolist()]))
    elif objective == "coverage" and cov is not None:
        prob.setObjective(affine([(y[k], float(cov.population[i])) for k, i in enumerate(demand)]))
    else:
        prob.setObjective(affine([]))


def _count_row(
    prob: pulp.LpProblem,
    x: list[pulp.LpVariable],
    rules: PortfolioRules,
    mode: CountMode | None,
    live: np.ndarray,
) -> None:
    mode = mode or ("exact" if rules.count.exact else "at_most")
    everyone = affine([(x[j], 1.0) for j in live.tolist()])
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
    keep: np.ndarray | None = None,
) -> None:
    g = rules.groups
    if g is None:
        return
    cap = g.at_most if at_most is None else at_most
    for k, idx in enumerate(g.members()):
        if keep is not None:
            idx = idx[keep[idx]]
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
    keep: np.ndarray | None = None,
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
    keep
        Only pairs and cliques of these candidates (a boolean mask); ``None``: every one.
    """
    sp = rules.spacing
    if sp is None or spacing <= 0:
        return
    if keep is not None and around is None:
        _clique_cover(prob, x, rules, spacing, keep)
        return
    centres: list[int] = list(range(rules.size)) if keep is None else np.flatnonzero(keep).tolist()
    if around is None:
        _check_size(rules, spacing)
        i, j = sp.pairs(spacing, among=keep)
    elif sp.metric:
        # From each site's neighbours: the pairs touching them, never the list of every pair.
        i, j = sp.touching(around, spacing)
        centres = np.unique(around).tolist()
    else:
        i, j = sp.pairs(spacing)
        touch = np.zeros(rules.size, dtype=bool)
        touch[around] = True
        near = touch[i] | touch[j]
        i, j = i[near], j[near]
        centres = np.unique(around).tolist()
    if around is not None and keep is not None:
        inside = keep[i] & keep[j]
        i, j = i[inside], j[inside]
        # A clique around every candidate left, not only around the rows generated so far:
        # cliques cost one row each and hold most conflicts, so few rounds are needed.
        centres = np.flatnonzero(keep).tolist()
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        add(prob, affine([(x[a], 1.0), (x[b], 1.0)]), pulp.LpConstraintLE, 1.0, f"sp{a}_{b}")
    seen: set[tuple[int, ...]] = set()
    for c in centres:
        members = sp.near(c, spacing / 2, among=keep)
        if members.size < 3:
            continue
        key = tuple(members.tolist())
        if key in seen:
            continue
        sub = sp.among(members)
        if np.all((sub < spacing) | np.eye(members.size, dtype=bool)):
            seen.add(key)
            add(prob, affine([(x[k], 1.0) for k in members]), pulp.LpConstraintLE, 1.0, f"cl{c}")


def _check_size(rules: PortfolioRules, spacing: float) -> None:
    """Refuse, before listing them, more pair rows than :data:`MAX_PAIR_ROWS`."""
    sp = rules.spacing
    pairs = sp.count_pairs(spacing) if sp is not None else 0
    if pairs <= MAX_PAIR_ROWS:
        return
    msg = Msg(
        N_(
            "min_spacing_km {km} makes {pairs} pairs of candidates too close to be chosen "
            "together among {size} candidates, more than one model can hold ({most}); choose "
            "among fewer candidates (a stricter exclusion), lower the spacing, or leave out the "
            "alternatives, the Pareto front and the portfolio draws of the robustness analysis, "
            "which need every candidate in the model"
        ),
        km=fmt(spacing),
        pairs=f"{pairs:,}",
        size=f"{rules.size:,}",
        most=f"{MAX_PAIR_ROWS:,}",
    )
    raise DataError(msg)


def _clique_cover(
    prob: pulp.LpProblem,
    x: list[pulp.LpVariable],
    rules: PortfolioRules,
    spacing: float,
    keep: np.ndarray,
) -> None:
    """The spacing rule on the candidates ``keep`` as maximal cliques of its conflict graph.

    Two candidates conflict when they are closer than ``spacing``; a set of candidates that
    conflict pairwise (a clique) can hold at most one chosen site, ``Σ_{j in K} x_j <= 1``.
    Going down the candidates by score, each one's clique is grown greedily from its
    neighbours (best-scored first, each added when it conflicts with every member so far),
    and a pair row is added only for a conflict no clique covers.  Every row holds (each
    clique is checked pair by pair) and every conflict is in some row, so the model allows
    exactly the portfolios the pair rows allow; its LP relaxation is much tighter (the pair
    rows alone let a cluster of k close candidates take k / 2 sites).
    """
    sp = rules.spacing
    if sp is None:  # pragma: no cover - called with a spacing rule only
        return
    i, j = sp.pairs(spacing, among=keep)
    s = rules.scores
    near: dict[int, set[int]] = {}
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        near.setdefault(a, set()).add(b)
        near.setdefault(b, set()).add(a)
    covered: set[tuple[int, int]] = set()
    order = sorted(near, key=lambda k: (-s[k], k))
    for c in order:
        if all((min(c, v), max(c, v)) in covered for v in near[c]):
            continue
        clique = [c]
        for v in sorted(near[c], key=lambda k: (-s[k], k)):
            if all(v in near[m] for m in clique[1:]):
                clique.append(v)
        if len(clique) < 3:
            continue
        members = sorted(clique)
        for p, a in enumerate(members):
            for b in members[p + 1 :]:
                covered.add((a, b))
        add(prob, affine([(x[k], 1.0) for k in members]), pulp.LpConstraintLE, 1.0, f"cl{c}")
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        if (a, b) not in covered:
            add(prob, affine([(x[a], 1.0), (x[b], 1.0)]), pulp.LpConstraintLE, 1.0, f"sp{a}_{b}")


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

    Before that, the candidates that cannot be in an optimal portfolio are left out of the
    model (:func:`~siting.optimise.reduce.candidates_to_keep`: a bound against a greedy
    feasible portfolio), when the solve's objective allows the argument.

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
    keep = candidates_to_keep(rules, variant)
    sp = rules.spacing
    if sp is None or "min_spacing_km" in variant.omit:
        built = build(rules, variant, keep=keep)
        return built, solve(built.prob, rules.solver, time_limit_s=rules.time_limit_s)
    spacing = sp.min_km if variant.spacing is None else variant.spacing
    if keep is not None:
        # Few candidates are left: their conflicts, covered by cliques, make a small model.
        few = sp.count_pairs(spacing, among=keep) <= REDUCED_PAIRS
    else:
        few = sp.count_pairs(spacing) <= LAZY_PAIRS
    if few:
        built = build(rules, variant, keep=keep)
        return built, solve(built.prob, rules.solver, time_limit_s=rules.time_limit_s)
    ranked = np.argsort(-rules.scores)
    if keep is not None:
        ranked = ranked[keep[ranked]]
    around = np.union1d(rules.lock.include, ranked[: rules.count.n])
    while True:
        built = build(rules, variant, spacing_around=around, keep=keep)
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
