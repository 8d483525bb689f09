"""Portfolio selection: the best set of sites under the rules planners actually have.

The model is a 0-1 integer program on the candidate axis.  With ``x_j = 1`` when candidate ``j``
is chosen, it maximises ``Σ score_j x_j`` (plus, optionally, a population term) subject to the
rules given: the number of sites, a minimum spacing, at most / at least ``K`` per group, a budget,
locked-in and locked-out candidates, and an equity rule on population centres.

Every rule is a *family* of constraints that can be switched off.  That one switch serves three
purposes: explaining the result (a rule binds when dropping it changes the optimum), diagnosing
infeasibility (a deletion filter over families finds a smallest set of rules that cannot hold
together) and proposing the nearest feasible relaxation.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import pulp

from siting.errors import DataError, InfeasibleError
from siting.optimise._core import (
    OptimisationResult,
    Solved,
    add,
    affine,
    binaries,
    check_solver,
    chosen,
    fmt,
    fractions,
    same,
    solve,
    solver_version,
)

#: Rule families in the order they are explained.
FAMILIES = (
    "must_include",
    "must_exclude",
    "min_spacing_km",
    "at_most_per_group",
    "at_least_per_group",
    "budget",
    "equity_km",
)

Objective = Literal["blend", "count", "coverage", "none"]
Extra = Callable[[pulp.LpProblem, list[pulp.LpVariable], list[pulp.LpVariable]], None]


@dataclass
class Rules:
    """Validated inputs of a portfolio model (arrays on the candidate axis).

    Built by :func:`prepare`; not meant to be filled by hand.
    """

    scores: np.ndarray
    n: int
    exact: bool
    names: list[str]
    solver: str
    distances: np.ndarray | None = None
    min_spacing_km: float | None = None
    group_codes: np.ndarray | None = None
    group_labels: list[str] = field(default_factory=list)
    group_name: str = "group"
    at_most: int | None = None
    at_least: int | None = None
    costs: np.ndarray | None = None
    budget: float | None = None
    must_include: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    must_exclude: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    centre_distances: np.ndarray | None = None
    centre_names: list[str] = field(default_factory=list)
    equity_km: float | None = None
    population: np.ndarray | None = None
    cover_sets: list[np.ndarray] = field(default_factory=list)
    cover_radius_km: float | None = None
    population_weight: float = 0.0

    @property
    def size(self) -> int:
        """Number of candidates."""
        return int(self.scores.size)

    @property
    def families(self) -> list[str]:
        """The rule families this model has, in explanation order."""
        present = {
            "must_include": self.must_include.size > 0,
            "must_exclude": self.must_exclude.size > 0,
            "min_spacing_km": self.min_spacing_km is not None and self.min_spacing_km > 0,
            "at_most_per_group": self.at_most is not None,
            "at_least_per_group": self.at_least is not None,
            "budget": self.budget is not None,
            "equity_km": self.equity_km is not None,
        }
        return [f for f in FAMILIES if present[f]]

    def name(self, j: int) -> str:
        """Name of candidate ``j`` for sentences."""
        return self.names[j]

    def describe(self, family: str) -> str:
        """The rule in words, e.g. ``"at most 1 per macro_region"``."""
        match family:
            case "min_spacing_km":
                return f"min_spacing_km {fmt(self.min_spacing_km or 0.0)}"
            case "at_most_per_group":
                return f"at most {self.at_most} per {self.group_name}"
            case "at_least_per_group":
                return f"at least {self.at_least} per {self.group_name}"
            case "budget":
                return f"budget {fmt(self.budget or 0.0)}"
            case "equity_km":
                return f"equity_km {fmt(self.equity_km or 0.0)}"
            case "must_include":
                return "must_include " + _join([self.name(j) for j in self.must_include])
            case "must_exclude":
                return "must_exclude " + _join([self.name(j) for j in self.must_exclude])
        raise KeyError(family)  # pragma: no cover - internal misuse

    @property
    def has_population(self) -> bool:
        """Whether the model carries a population-covered term."""
        return self.population is not None

    def covered_population(self, selected: np.ndarray) -> float:
        """Population within the cover radius of the sites ``selected``."""
        if self.population is None:
            return 0.0
        mask = np.zeros(self.size, dtype=bool)
        mask[selected] = True
        hit = np.array([bool(mask[s].any()) for s in self.cover_sets], dtype=bool)
        return float(self.population[hit].sum())

    def value(self, selected: np.ndarray) -> float:
        """Blend objective of the sites ``selected``."""
        total = float(self.scores[selected].sum())
        if self.population is not None and self.population_weight:
            share = self.covered_population(selected) / max(float(self.population.sum()), 1e-300)
            total += self.population_weight * share
        return total

    def spacing_pairs(self, spacing: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Index pairs ``i < j`` closer than the spacing."""
        s = self.min_spacing_km if spacing is None else spacing
        if self.distances is None or s is None or s <= 0:
            empty = np.empty(0, dtype=np.intp)
            return empty, empty
        i, j = np.nonzero(np.triu(self.distances < s, k=1))
        return i, j


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _indices(value: Any, size: int, what: str, problems: list[str]) -> np.ndarray:
    if value is None:
        return np.empty(0, dtype=np.intp)
    arr = np.asarray(list(value))
    if arr.size == 0:
        return np.empty(0, dtype=np.intp)
    if not np.issubdtype(arr.dtype, np.integer):
        problems.append(f"{what} must list candidate indices (integers); got {list(value)!r}")
        return np.empty(0, dtype=np.intp)
    bad = arr[(arr < 0) | (arr >= size)]
    if bad.size:
        problems.append(
            f"{what} lists {bad.tolist()}, which are not candidates (valid indices are 0 to "
            f"{size - 1}); remove them or add those sites to the candidates"
        )
        arr = arr[(arr >= 0) & (arr < size)]
    return np.unique(arr.astype(np.intp))


def _square(matrix: Any, size: int, what: str, problems: list[str]) -> np.ndarray | None:
    arr = np.asarray(matrix, dtype=float)
    if arr.shape != (size, size):
        problems.append(
            f"{what} must be a candidate × candidate matrix ({size} × {size}); got {arr.shape}"
        )
        return None
    if not np.all(np.isfinite(arr)):
        problems.append(f"{what} has missing or infinite values; fill them")
        return None
    if np.any(arr < 0):
        problems.append(f"{what} has negative distances (min {arr.min():g}); they must be >= 0")
        return None
    return arr


def _whole(value: Any, what: str, problems: list[str], *, least: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        problems.append(f"{what} must be a whole number >= {least}; got {value!r}")
        return None
    return int(value)


def _number(value: Any, what: str, problems: list[str]) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        problems.append(f"{what} must be a number; got {value!r}")
        return None
    if not math.isfinite(out) or out < 0:
        problems.append(f"{what} must be a finite number >= 0; got {value!r}")
        return None
    return out


def prepare(
    scores: Any,
    *,
    n: int,
    exact: bool = True,
    distances_km: Any = None,
    min_spacing_km: float | None = None,
    groups: Any = None,
    at_most_per_group: int | None = None,
    at_least_per_group: int | None = None,
    group_name: str = "group",
    costs: Any = None,
    budget: float | None = None,
    must_include: Sequence[int] | None = None,
    must_exclude: Sequence[int] | None = None,
    centre_distances_km: Any = None,
    equity_km: float | None = None,
    centre_names: Sequence[str] | None = None,
    population: Any = None,
    demand_distances_km: Any = None,
    cover_radius_km: float | None = None,
    population_weight: float = 0.0,
    names: Sequence[str] | None = None,
    solver: str = "cbc",
) -> Rules:
    """Check every input of a portfolio model once and report every problem together.

    See :func:`select_portfolio` for the parameters.

    Returns
    -------
    Rules
        The validated inputs.

    Raises
    ------
    DataError
        Listing every malformed input.
    """
    check_solver(solver)
    problems: list[str] = []
    s = np.asarray(scores, dtype=float)
    if s.ndim != 1 or s.size == 0:
        msg = f"scores must be a non-empty 1-D array (one per candidate); got shape {s.shape}"
        raise DataError(msg)
    if not np.all(np.isfinite(s)):
        bad = np.flatnonzero(~np.isfinite(s))
        problems.append(
            f"scores has {bad.size} missing value(s), first at candidate {bad[0]}; "
            "score them or drop them from the candidates"
        )
    size = s.size
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        problems.append(f"n (number of sites) must be a whole number >= 1; got {n!r}")
    if names is not None:
        label = [str(x) for x in names]
        if len(label) != size:
            problems.append(f"names must have one entry per candidate ({size}); got {len(label)}")
            label = [f"candidate {j}" for j in range(size)]
    else:
        label = [f"candidate {j}" for j in range(size)]

    dist = None
    spacing = _number(min_spacing_km, "min_spacing_km", problems)
    if spacing is not None:
        if distances_km is None:
            problems.append(
                "min_spacing_km is set but distances_km is missing; pass the candidate × "
                "candidate distance matrix in km"
            )
        else:
            dist = _square(distances_km, size, "distances_km", problems)
    elif distances_km is not None:
        dist = _square(distances_km, size, "distances_km", problems)

    at_most = _whole(at_most_per_group, "at_most_per_group", problems, least=1)
    at_least = _whole(at_least_per_group, "at_least_per_group", problems, least=1)
    codes = None
    labels: list[str] = []
    if groups is not None:
        g = np.asarray(groups, dtype=object)
        if g.shape != (size,):
            problems.append(f"groups must have one label per candidate ({size}); got {g.shape}")
        else:
            missing = [j for j, v in enumerate(g) if v is None or (isinstance(v, float) and v != v)]
            if missing:
                problems.append(
                    f"{len(missing)} candidate(s) have no {group_name}: "
                    f"{_join([label[j] for j in missing[:5]])}; fill the field"
                )
            else:
                uniq, codes = np.unique(g.astype(str), return_inverse=True)
                labels = [str(u) for u in uniq]
    if (at_most is not None or at_least is not None) and groups is None:
        problems.append(
            f"a per-{group_name} rule is set but groups is missing; pass one label per candidate"
        )

    cost = None
    limit = _number(budget, "budget", problems)
    if costs is not None or limit is not None:
        if costs is None:
            problems.append("budget is set but costs is missing; pass one cost per candidate")
        else:
            cost = np.asarray(costs, dtype=float)
            if cost.shape != (size,):
                problems.append(
                    f"costs must have one value per candidate ({size}); got {cost.shape}"
                )
                cost = None
            elif not np.all(np.isfinite(cost)) or np.any(cost < 0):
                bad = np.flatnonzero(~np.isfinite(cost) | (cost < 0))
                problems.append(
                    f"costs has {bad.size} missing or negative value(s), first at "
                    f"{label[bad[0]]} ({cost[bad[0]]}); costs must be finite and >= 0"
                )
                cost = None

    inc = _indices(must_include, size, "must_include", problems)
    exc = _indices(must_exclude, size, "must_exclude", problems)

    centres = None
    cnames: list[str] = []
    eq = _number(equity_km, "equity_km", problems)
    if eq is not None or centre_distances_km is not None:
        if centre_distances_km is None:
            problems.append(
                "equity_km is set but centre_distances_km is missing; pass the population "
                "centre × candidate distance matrix in km"
            )
        else:
            centres = np.asarray(centre_distances_km, dtype=float)
            if centres.ndim != 2 or centres.shape[1] != size or centres.shape[0] == 0:
                problems.append(
                    f"centre_distances_km must be a centre × candidate matrix with {size} "
                    f"columns and at least one row; got {centres.shape}"
                )
                centres = None
            elif not np.all(np.isfinite(centres)) or np.any(centres < 0):
                problems.append("centre_distances_km has missing or negative values; fix them")
                centres = None
            else:
                cnames = (
                    [str(c) for c in centre_names]
                    if centre_names is not None
                    else [f"centre {k}" for k in range(centres.shape[0])]
                )
                if len(cnames) != centres.shape[0]:
                    problems.append(
                        f"centre_names must have one entry per centre ({centres.shape[0]}); "
                        f"got {len(cnames)}"
                    )

    pop = None
    cover: list[np.ndarray] = []
    radius = _number(cover_radius_km, "cover_radius_km", problems)
    weight = _number(population_weight, "population_weight", problems) or 0.0
    if population is not None or demand_distances_km is not None or radius is not None:
        if population is None or demand_distances_km is None or radius is None:
            problems.append(
                "a population term needs population, demand_distances_km and cover_radius_km "
                "together; pass all three"
            )
        else:
            pop = np.asarray(population, dtype=float)
            dd = np.asarray(demand_distances_km, dtype=float)
            if pop.ndim != 1 or pop.size == 0:
                problems.append(f"population must be a non-empty 1-D array; got shape {pop.shape}")
                pop = None
            elif dd.shape != (pop.size, size):
                problems.append(
                    f"demand_distances_km must be demand × candidate ({pop.size} × {size}); "
                    f"got {dd.shape}"
                )
                pop = None
            elif not np.all(np.isfinite(pop)) or np.any(pop < 0):
                problems.append("population has missing or negative values; fix them")
                pop = None
            elif not np.all(np.isfinite(dd)) or np.any(dd < 0):
                problems.append("demand_distances_km has missing or negative values; fix them")
                pop = None
            else:
                within = dd <= radius
                cover = [np.flatnonzero(row) for row in within]
    if problems:
        raise DataError(problems)
    return Rules(
        scores=s,
        n=int(n),
        exact=exact,
        names=label,
        solver=solver,
        distances=dist,
        min_spacing_km=spacing,
        group_codes=codes,
        group_labels=labels,
        group_name=group_name,
        at_most=at_most,
        at_least=at_least,
        costs=cost,
        budget=limit,
        must_include=inc,
        must_exclude=exc,
        centre_distances=centres,
        centre_names=cnames,
        equity_km=eq,
        population=pop,
        cover_sets=cover,
        cover_radius_km=radius,
        population_weight=weight,
    )


# --------------------------------------------------------------------------- model building


@dataclass
class Built:
    """A built model and its variables."""

    prob: pulp.LpProblem
    x: list[pulp.LpVariable]
    y: list[pulp.LpVariable]
    demand: np.ndarray  # demand index of each y variable


def build(
    rules: Rules,
    *,
    omit: frozenset[str] = frozenset(),
    count: Literal["exact", "at_most", "free"] | None = None,
    objective: Objective = "blend",
    spacing: float | None = None,
    at_most: int | None = None,
    budget: float | None = None,
    equity_km: float | None = None,
    extra: Extra | None = None,
    spacing_around: np.ndarray | None = None,
) -> Built:
    """Build the portfolio model with some rule families left out or changed.

    Parameters
    ----------
    rules
        Validated inputs.
    omit
        Families to leave out.
    count
        ``"exact"`` (Σx = n), ``"at_most"`` (Σx <= n) or ``"free"`` (no count rule); default from
        ``rules.exact``.
    objective
        ``"blend"`` (score + population term), ``"count"`` (number of sites), ``"coverage"``
        (population covered) or ``"none"`` (feasibility only).
    spacing, at_most, budget, equity_km
        Override the rule's value (used when searching for the nearest feasible relaxation).
    extra
        Callback adding further constraints (no-good cuts, ε-constraints).
    spacing_around
        Add the spacing constraints only for pairs touching these candidates (a relaxation used
        by :func:`optimise`'s row generation); ``None`` adds them all.

    Returns
    -------
    Built
        The model and its variables.
    """
    m = rules.size
    prob = pulp.LpProblem("portfolio", pulp.LpMaximize)
    x = binaries(prob, "x", m)
    count = count or ("exact" if rules.exact else "at_most")
    families = set(rules.families) - omit

    # Population term: y_i <= Σ_{j covers i} x_j, y_i in [0, 1]; the objective pulls y_i up.
    y: list[pulp.LpVariable] = []
    demand = np.empty(0, dtype=np.intp)
    if rules.population is not None:
        demand = np.array(
            [i for i, s in enumerate(rules.cover_sets) if s.size and rules.population[i] > 0],
            dtype=np.intp,
        )
        y = fractions(prob, "y", demand.size)
        for k, i in enumerate(demand):
            expr = affine([(x[j], 1.0) for j in rules.cover_sets[i]] + [(y[k], -1.0)])
            add(prob, expr, pulp.LpConstraintGE, 0.0, f"cover{i}")

    if objective == "blend":
        terms = [(x[j], float(rules.scores[j])) for j in range(m) if rules.scores[j] != 0]
        if y:
            total = max(float(rules.population.sum()), 1e-300)  # type: ignore[union-attr]
            scale = rules.population_weight / total
            terms += [(y[k], scale * float(rules.population[i])) for k, i in enumerate(demand)]  # type: ignore[index]
        prob.setObjective(affine(terms))
    elif objective == "count":
        prob.setObjective(affine([(v, 1.0) for v in x]))
    elif objective == "coverage":
        prob.setObjective(
            affine([(y[k], float(rules.population[i])) for k, i in enumerate(demand)])  # type: ignore[index]
        )
    else:
        prob.setObjective(affine([]))

    everyone = affine([(v, 1.0) for v in x])
    if count == "exact":
        add(prob, everyone, pulp.LpConstraintEQ, rules.n, "count")
    elif count == "at_most":
        add(prob, everyone, pulp.LpConstraintLE, rules.n, "count")

    if "must_include" in families:
        for j in rules.must_include:
            x[j].lowBound = 1
    if "must_exclude" in families:
        for j in rules.must_exclude:
            x[j].upBound = 0

    if "min_spacing_km" in families:
        _add_spacing(
            prob,
            x,
            rules,
            spacing if spacing is not None else rules.min_spacing_km,
            around=spacing_around,
        )

    if rules.group_codes is not None:
        members = [np.flatnonzero(rules.group_codes == g) for g in range(len(rules.group_labels))]
        cap = at_most if at_most is not None else rules.at_most
        for g, idx in enumerate(members):
            expr = affine([(x[j], 1.0) for j in idx])
            if "at_most_per_group" in families and cap is not None and idx.size > cap:
                add(prob, expr, pulp.LpConstraintLE, cap, f"atmost{g}")
            if "at_least_per_group" in families and rules.at_least is not None:
                add(prob, expr, pulp.LpConstraintGE, rules.at_least, f"atleast{g}")

    if "budget" in families and rules.costs is not None:
        limit = budget if budget is not None else rules.budget
        expr = affine([(x[j], float(rules.costs[j])) for j in range(m) if rules.costs[j]])
        add(prob, expr, pulp.LpConstraintLE, float(limit or 0.0), "budget")

    if "equity_km" in families and rules.centre_distances is not None:
        reach = equity_km if equity_km is not None else rules.equity_km
        for k, row in enumerate(rules.centre_distances):
            idx = np.flatnonzero(row <= reach)
            add(prob, affine([(x[j], 1.0) for j in idx]), pulp.LpConstraintGE, 1.0, f"equity{k}")

    if extra is not None:
        extra(prob, x, y)
    return Built(prob=prob, x=x, y=y, demand=demand)


def _add_spacing(
    prob: pulp.LpProblem,
    x: list[pulp.LpVariable],
    rules: Rules,
    spacing: float | None,
    *,
    around: np.ndarray | None = None,
) -> None:
    """Add x_i + x_j <= 1 for pairs closer than ``spacing``, plus clique cuts.

    The pair constraints alone make a weak LP relaxation.  Every candidate ``c`` also yields a
    clique: the candidates within ``spacing / 2`` of ``c`` are pairwise closer than ``spacing``
    on a metric (triangle inequality), so at most one of them can be chosen.  Each clique is
    checked on the matrix itself before it is added, so a non-metric matrix stays exact.
    """
    if rules.distances is None or spacing is None or spacing <= 0:
        return
    d = rules.distances
    i, j = rules.spacing_pairs(spacing)
    centres = range(rules.size)
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
        members = np.flatnonzero(d[c] < spacing / 2)
        if members.size < 3:
            continue
        key = tuple(members.tolist())
        if key in seen:
            continue
        sub = d[np.ix_(members, members)]
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


#: Above this many conflicting pairs the spacing rows are generated lazily.
LAZY_PAIRS = 3000


def optimise(rules: Rules, **kwargs: Any) -> tuple[Built, Solved]:
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
    **kwargs
        Keywords of :func:`build`.

    Returns
    -------
    tuple
        The last model built and its solve.
    """
    spacing = kwargs.get("spacing")
    spacing = rules.min_spacing_km if spacing is None else spacing
    lazy = (
        "min_spacing_km" in rules.families
        and "min_spacing_km" not in kwargs.get("omit", frozenset())
        and rules.spacing_pairs(spacing)[0].size > LAZY_PAIRS
    )
    if not lazy:
        built = build(rules, **kwargs)
        return built, solve(built.prob, rules.solver)
    d = rules.distances
    assert d is not None  # lazy implies a distance matrix
    around = np.union1d(rules.must_include, np.argsort(-rules.scores)[: rules.n])
    while True:
        built = build(rules, spacing_around=around, **kwargs)
        solved = solve(built.prob, rules.solver)
        if not solved.feasible:
            return built, solved
        sel = chosen(built.x)
        sub = d[np.ix_(sel, sel)]
        if not np.any(np.triu(sub < spacing, k=1)):
            return built, solved
        grown = np.union1d(around, sel)
        if grown.size == around.size:  # pragma: no cover - every violated pair is in the model
            return built, solved
        around = grown


def run(rules: Rules, **kwargs: Any) -> Outcome:
    """Build and solve a variant of the model; see :func:`build` for the keywords."""
    start = time.perf_counter()
    built, solved = optimise(rules, **kwargs)
    sel = chosen(built.x) if solved.feasible else np.empty(0, dtype=np.intp)
    cov = rules.covered_population(sel) if solved.feasible else 0.0
    return Outcome(
        feasible=solved.feasible,
        status=solved.status,
        objective=solved.objective,
        selected=sel,
        covered_population=cov,
        seconds=time.perf_counter() - start,
    )


# --------------------------------------------------------------------------- explanations


def _objective_word(rules: Rules) -> str:
    if rules.has_population and rules.population_weight:
        return "objective (score plus population term)"
    return "total score"


def explain(rules: Rules, best: Outcome) -> tuple[list[str], list[dict[str, Any]], float]:
    """Say which rule families bind: re-solve without each and compare the optimum.

    Returns
    -------
    tuple
        Sentences for the binding rules, one dict per rule, seconds spent.
    """
    sentences: list[str] = []
    details: list[dict[str, Any]] = []
    seconds = 0.0
    word = _objective_word(rules)
    for family in rules.families:
        without = run(rules, omit=frozenset({family}))
        seconds += without.seconds
        rule = rules.describe(family)
        info: dict[str, Any] = {
            "rule": family,
            "value": _rule_value(rules, family),
            "objective": best.objective,
            "objective_without": without.objective if without.feasible else None,
            "selected_without": without.selected.tolist(),
        }
        if not without.feasible:
            # Dropping a rule cannot make a feasible model infeasible; guard anyway.
            info["binds"] = False
            info["sentence"] = f"{rule}: could not re-solve without it ({without.status})"
            details.append(info)
            continue
        binds = not same(without.objective, best.objective)
        info["binds"] = binds
        why, extra = _why(rules, family, without.selected)
        info.update(extra)
        if binds:
            sentence = (
                f"{rule} binds: without it the {word} would be {fmt(without.objective)} "
                f"instead of {fmt(best.objective)}"
            )
            if why:
                sentence += f" ({why})"
            sentences.append(sentence)
        else:
            sentence = f"{rule} does not bind: the best {word} is the same without it"
        info["sentence"] = sentence
        details.append(info)
    return sentences, details, seconds


def _rule_value(rules: Rules, family: str) -> Any:
    return {
        "min_spacing_km": rules.min_spacing_km,
        "at_most_per_group": rules.at_most,
        "at_least_per_group": rules.at_least,
        "budget": rules.budget,
        "equity_km": rules.equity_km,
        "must_include": rules.must_include.tolist(),
        "must_exclude": rules.must_exclude.tolist(),
    }[family]


def _why(rules: Rules, family: str, sel: np.ndarray) -> tuple[str, dict[str, Any]]:
    """Explain what the unconstrained optimum ``sel`` does that the rule forbids."""
    if family == "min_spacing_km" and rules.distances is not None:
        sub = rules.distances[np.ix_(sel, sel)]
        a, b = np.nonzero(np.triu(sub < (rules.min_spacing_km or 0.0), k=1))
        pairs = [(int(sel[p]), int(sel[q]), float(sub[p, q])) for p, q in zip(a, b, strict=True)]
        pairs.sort(key=lambda t: t[2])
        text = "; ".join(
            f"{rules.name(i)} and {rules.name(j)} are {fmt(d)} km apart" for i, j, d in pairs[:3]
        )
        if len(pairs) > 3:
            text += f"; {len(pairs) - 3} more pairs"
        return text, {"pairs": [list(p) for p in pairs]}
    if family in ("at_most_per_group", "at_least_per_group") and rules.group_codes is not None:
        counts = np.bincount(rules.group_codes[sel], minlength=len(rules.group_labels))
        if family == "at_most_per_group":
            over = np.flatnonzero(counts > (rules.at_most or 0))
            parts = [
                f"{rules.group_labels[g]} would get {counts[g]}: "
                + _join([rules.name(j) for j in sel if rules.group_codes[j] == g])
                for g in over
            ]
            return "; ".join(parts), {"groups": [rules.group_labels[g] for g in over]}
        under = np.flatnonzero(counts < (rules.at_least or 0))
        parts = [f"{rules.group_labels[g]} would get {counts[g]}" for g in under]
        return "; ".join(parts), {"groups": [rules.group_labels[g] for g in under]}
    if family == "budget" and rules.costs is not None:
        spent = float(rules.costs[sel].sum())
        return f"that portfolio costs {fmt(spent)}", {"cost_without": spent}
    if family == "must_include":
        out = [int(j) for j in rules.must_include if j not in set(sel.tolist())]
        text = _join([rules.name(j) for j in out])
        return (f"{text} would not be chosen" if out else ""), {"dropped": out}
    if family == "must_exclude":
        inn = [int(j) for j in rules.must_exclude if j in set(sel.tolist())]
        text = _join([rules.name(j) for j in inn])
        return (f"{text} would be chosen" if inn else ""), {"added": inn}
    if family == "equity_km" and rules.centre_distances is not None and sel.size:
        near = rules.centre_distances[:, sel].min(axis=1)
        far = np.flatnonzero(near > (rules.equity_km or 0.0))
        parts = [
            f"the population centre of {rules.centre_names[k]} would be {fmt(near[k])} km "
            "from the nearest chosen site"
            for k in far
        ]
        return "; ".join(parts), {"centres": [int(k) for k in far]}
    return "", {}


# --------------------------------------------------------------------------- infeasibility


def quick_checks(rules: Rules) -> list[str]:
    """Arithmetic reasons the rules cannot hold, each with the nearest fix.

    Returns
    -------
    list of str
        One message per problem found; empty when nothing obvious is wrong.
    """
    out: list[str] = []
    n, m = rules.n, rules.size
    if n > m:
        out.append(f"{n} sites were asked but there are only {m} candidates; ask for at most {m}")
    inc, exc = rules.must_include, rules.must_exclude
    both = np.intersect1d(inc, exc)
    if both.size:
        out.append(
            f"{_join([rules.name(j) for j in both])} is both in must_include and must_exclude; "
            "remove it from one of them"
        )
    if inc.size > n:
        out.append(
            f"must_include locks in {inc.size} sites but only {n} were asked; ask for "
            f"{inc.size} or shorten must_include"
        )
    allowed = np.ones(m, dtype=bool)
    allowed[exc] = False
    if exc.size and n <= m and rules.exact and allowed.sum() < n:
        out.append(
            f"must_exclude leaves {int(allowed.sum())} candidates but {n} sites were asked; "
            f"ask for {int(allowed.sum())} or shorten must_exclude"
        )
    if rules.group_codes is not None:
        groups = len(rules.group_labels)
        gname = rules.group_name
        counts_all = np.bincount(rules.group_codes[allowed], minlength=groups)
        if (
            rules.at_most is not None
            and rules.at_least is not None
            and rules.at_least > rules.at_most
        ):
            out.append(
                f"at least {rules.at_least} per {gname} contradicts at most {rules.at_most} per "
                f"{gname}; make the minimum no larger than the maximum"
            )
        if rules.at_most is not None and rules.exact:
            room = int(np.minimum(counts_all, rules.at_most).sum())
            if room < n:
                out.append(
                    f"at most {rules.at_most} per {gname} allows at most {room} sites but {n} "
                    f"were asked; ask for {room} or allow more per {gname}"
                )
        if rules.at_most is not None and inc.size:
            locked = np.bincount(rules.group_codes[inc], minlength=groups)
            for g in np.flatnonzero(locked > rules.at_most):
                out.append(
                    f"must_include locks in {locked[g]} sites in {rules.group_labels[g]} but at "
                    f"most {rules.at_most} per {gname} is allowed"
                )
        if rules.at_least is not None:
            need = rules.at_least * groups
            if need > n:
                out.append(
                    f"at least {rules.at_least} per {gname} needs {need} sites ({groups} "
                    f"{gname} values) but only {n} were asked; ask for {need} or lower the minimum"
                )
            for g in np.flatnonzero(counts_all < rules.at_least):
                out.append(
                    f"at least {rules.at_least} per {gname} cannot hold in "
                    f"{rules.group_labels[g]}: it has only {counts_all[g]} allowed candidate(s)"
                )
    if rules.distances is not None and rules.min_spacing_km and inc.size > 1:
        sub = rules.distances[np.ix_(inc, inc)]
        a, b = np.nonzero(np.triu(sub < rules.min_spacing_km, k=1))
        for p, q in zip(a, b, strict=True):
            out.append(
                f"must_include sites {rules.name(inc[p])} and {rules.name(inc[q])} are "
                f"{fmt(sub[p, q])} km apart, closer than min_spacing_km "
                f"{fmt(rules.min_spacing_km)}; lower it to {math.floor(sub[p, q])} or drop one"
            )
    if rules.costs is not None and rules.budget is not None:
        locked = float(rules.costs[inc].sum())
        if locked > rules.budget:
            out.append(
                f"must_include sites cost {fmt(locked)}, more than the budget "
                f"{fmt(rules.budget)}; raise the budget to {fmt(locked)}"
            )
        elif rules.exact:
            cheapest = float(np.sort(rules.costs[allowed])[:n].sum())
            if cheapest > rules.budget:
                out.append(
                    f"the {n} cheapest allowed sites cost {fmt(cheapest)}, more than the budget "
                    f"{fmt(rules.budget)}; raise the budget to {fmt(cheapest)} or ask for fewer"
                )
    if rules.centre_distances is not None and rules.equity_km is not None:
        for k, row in enumerate(rules.centre_distances):
            near = row[allowed]
            if near.size and near.min() > rules.equity_km:
                out.append(
                    f"no allowed candidate lies within equity_km {fmt(rules.equity_km)} of the "
                    f"population centre of {rules.centre_names[k]} (the nearest is "
                    f"{fmt(float(near.min()))} km away); raise equity_km to "
                    f"{math.ceil(float(near.min()))}"
                )
    return out


def diagnose(rules: Rules) -> list[str]:
    """Find a smallest set of rules that cannot hold together and the nearest relaxations.

    A deletion filter over rule families: drop each family in turn and keep it out if the model
    stays infeasible.  What is left is an irreducible infeasible set of families (with the
    site count), each of which is needed for the conflict.

    Returns
    -------
    list of str
        Messages for :class:`InfeasibleError`.
    """
    kept = list(rules.families)
    for family in list(kept):
        trial = frozenset(set(rules.families) - set(kept) | {family})
        if not run(rules, omit=trial, objective="none").feasible:
            kept.remove(family)
    omit = frozenset(set(rules.families) - set(kept))
    words = [rules.describe(f) for f in kept]
    most = run(rules, omit=omit, count="free", objective="count")
    asked = f"{rules.n} were asked" if rules.exact else f"up to {rules.n} were asked"
    if not kept:
        return [f"no portfolio of {rules.n} sites exists ({most.status})"]
    if most.feasible:
        k = round(most.objective)
        head = f"{_join(words)} {'leaves' if len(words) == 1 else 'together leave'} room for "
        head += f"at most {k} site{'s' if k != 1 else ''}; {asked}"
        fixes = [f"ask for {k}"] if k >= 1 else []
    else:
        head = f"{_join(words)} cannot hold together for any number of sites"
        fixes = []
    for family in kept:
        fix = relax(rules, family, omit)
        if fix:
            fixes.append(fix)
    if len(kept) > 1:
        fixes.append("drop any one of these rules")
    return [head + ("; " + " or ".join(fixes) if fixes else "")]


def relax(rules: Rules, family: str, omit: frozenset[str]) -> str:
    """Nearest feasible value of one rule, the others in the conflict kept as they are."""
    if family == "min_spacing_km" and rules.distances is not None:
        values = np.unique(rules.distances[np.triu_indices(rules.size, k=1)])
        values = values[values < (rules.min_spacing_km or 0.0)]
        best = _largest_feasible(
            values, lambda v: run(rules, omit=omit, objective="none", spacing=v).feasible
        )
        if best is None:
            return ""
        return f"lower min_spacing_km to {math.floor(best)}"
    if family == "at_most_per_group" and rules.at_most is not None:
        for cap in range(rules.at_most + 1, rules.n + 1):
            if run(rules, omit=omit, objective="none", at_most=cap).feasible:
                return f"allow {cap} per {rules.group_name}"
        return ""
    if family == "budget" and rules.costs is not None:
        out = run(
            rules,
            omit=omit | {"budget"},
            objective="none",
            extra=lambda prob, x, _y: prob.setObjective(
                affine([(x[j], -float(rules.costs[j])) for j in range(rules.size)])  # type: ignore[index]
            ),
        )
        if out.feasible:
            return f"raise the budget to {fmt(float(rules.costs[out.selected].sum()))}"
        return ""
    if family == "equity_km" and rules.centre_distances is not None:
        values = np.unique(rules.centre_distances)
        values = values[values > (rules.equity_km or 0.0)]
        # Smallest reach that works: search the ascending list for the first feasible value.
        best = _smallest_feasible(
            values, lambda v: run(rules, omit=omit, objective="none", equity_km=v).feasible
        )
        return f"raise equity_km to {math.ceil(best)}" if best is not None else ""
    if family in ("must_include", "must_exclude", "at_least_per_group"):
        return f"drop {rules.describe(family)}"
    return ""


def _largest_feasible(values: np.ndarray, ok: Callable[[float], bool]) -> float | None:
    """Largest value in ascending ``values`` for which the monotone test ``ok`` holds."""
    lo, hi, best = 0, values.size - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if ok(float(values[mid])):
            best, lo = float(values[mid]), mid + 1
        else:
            hi = mid - 1
    return best


def _smallest_feasible(values: np.ndarray, ok: Callable[[float], bool]) -> float | None:
    """Smallest value in ascending ``values`` for which the monotone test ``ok`` holds."""
    lo, hi, best = 0, values.size - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if ok(float(values[mid])):
            best, hi = float(values[mid]), mid - 1
        else:
            lo = mid + 1
    return best


# --------------------------------------------------------------------------- public API


def select_portfolio(
    scores: np.ndarray,
    *,
    n: int,
    exact: bool = True,
    distances_km: np.ndarray | None = None,
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
    cover_radius_km: float | None = None,
    population_weight: float = 0.0,
    names: Sequence[str] | None = None,
    explain_binding: bool = True,
    solver: str = "cbc",
) -> OptimisationResult:
    """Choose the set of sites with the highest total score under the planners' rules.

    Maximises ``Σ score_j x_j + population_weight · (population covered / total population)``
    over binary ``x`` subject to the rules given.

    Parameters
    ----------
    scores
        One score per candidate (higher is better).
    n
        Number of sites.
    exact
        ``True``: exactly ``n`` sites; ``False``: at most ``n``.
    distances_km
        Candidate × candidate great-circle distances in km (needed for ``min_spacing_km``).
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
        cover_radius_km=cover_radius_km,
        population_weight=population_weight,
        names=names,
        solver=solver,
    )
    return solve_rules(rules, explain_binding=explain_binding, start=start)


def solve_rules(
    rules: Rules,
    *,
    explain_binding: bool = True,
    start: float | None = None,
    extra: Extra | None = None,
) -> OptimisationResult:
    """Solve validated rules, explain the binding ones, or diagnose infeasibility.

    Parameters
    ----------
    rules
        Validated inputs from :func:`prepare`.
    explain_binding
        Re-solve without each rule to say which ones bind.
    start
        ``time.perf_counter()`` at the start of the call, to report total seconds.
    extra
        Further constraints (see :func:`build`).

    Returns
    -------
    OptimisationResult
        See :func:`select_portfolio`.
    """
    start = time.perf_counter() if start is None else start
    problems = quick_checks(rules)
    if problems:
        raise InfeasibleError(problems)
    built, solved = optimise(rules, extra=extra)
    if not solved.feasible:
        if solved.status not in ("Infeasible", "Not solved", "Undefined"):
            msg = (
                f"the solver stopped with status {solved.status!r}; no portfolio was proved optimal"
            )
            raise InfeasibleError(msg)
        if extra is not None:
            msg = "no further portfolio satisfies the rules and the extra constraints"
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
    if explain_binding:
        sentences, details, _ = explain(rules, best)
    covered = np.empty(0, dtype=bool)
    if rules.population is not None:
        mask = np.zeros(rules.size, dtype=bool)
        mask[selected] = True
        covered = np.array([bool(mask[s].any()) for s in rules.cover_sets], dtype=bool)
    return OptimisationResult(
        selected=selected,
        objective=rules.value(selected),
        status=solved.status,
        solver=rules.solver,
        solver_version=solver_version(rules.solver),
        seconds=time.perf_counter() - start,
        binding=sentences,
        binding_details=details,
        covered=covered,
        details={
            "total_score": float(rules.scores[selected].sum()),
            "population_covered": best.covered_population,
            "variables": len(built.prob.variables()),
            "constraints": built.prob.numConstraints(),
        },
    )


# --------------------------------------------------------------------------- several answers


def _score_expr(rules: Rules, x: list[pulp.LpVariable]) -> Any:
    return affine([(x[j], float(rules.scores[j])) for j in range(rules.size)])


def _cover_expr(rules: Rules, y: list[pulp.LpVariable], demand: np.ndarray) -> Any:
    return affine([(y[k], float(rules.population[i])) for k, i in enumerate(demand)])  # type: ignore[index]


def _slack(value: float) -> float:
    return 1e-6 * max(1.0, abs(value))


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

    The two ends are found lexicographically: the best total score, then the most population
    that score allows; and the most population, then the best score at that population.
    Between them, ``points - 2`` evenly spaced population targets ``ε`` give the best total
    score with at least ``ε`` covered, each then pushed to the most population at that score
    so that every row is Pareto-optimal (Haimes, Lasdon and Wismer 1971; Mavrotas 2009).
    Duplicate portfolios are dropped.

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
        Any other keyword of :func:`select_portfolio` (spacing, groups, budget, ...).

    Returns
    -------
    pandas.DataFrame
        One row per distinct Pareto-optimal portfolio, by increasing population covered:
        ``total_score``, ``population_covered``, ``covered_share``, ``sites`` (number),
        ``selected`` (list of candidate indices) and ``names`` (their names joined by ", ").

    Raises
    ------
    DataError
        Malformed inputs.
    InfeasibleError
        The rules cannot hold together (diagnosed as in :func:`select_portfolio`).
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        msg = f"points must be a whole number >= 2; got {points!r}"
        raise DataError(msg)
    # The front has its own objectives: a blend weight or a binding explanation has no role.
    rules.pop("population_weight", None)
    rules.pop("explain_binding", None)
    r = prepare(
        scores,
        n=n,
        population=population,
        demand_distances_km=demand_distances_km,
        cover_radius_km=cover_radius_km,
        solver=solver,
        **rules,
    )
    problems = quick_checks(r)
    if problems:
        raise InfeasibleError(problems)

    def best_score(cover_at_least: float | None) -> Outcome:
        def extra(prob: pulp.LpProblem, x: list, y: list) -> None:
            prob.setObjective(_score_expr(r, x))
            if cover_at_least is not None:
                expr = _cover_expr(r, y, built_demand(r))
                add(prob, expr, pulp.LpConstraintGE, cover_at_least - _slack(cover_at_least), "eps")

        return run(r, objective="none", extra=extra)

    def best_cover(score_at_least: float | None) -> Outcome:
        def extra(prob: pulp.LpProblem, x: list, y: list) -> None:
            prob.setObjective(_cover_expr(r, y, built_demand(r)))
            if score_at_least is not None:
                expr = _score_expr(r, x)
                add(
                    prob,
                    expr,
                    pulp.LpConstraintGE,
                    score_at_least - _slack(score_at_least),
                    "floor",
                )

        return run(r, objective="none", extra=extra)

    top = best_score(None)
    if not top.feasible:
        raise InfeasibleError(diagnose(r))
    left = best_cover(float(r.scores[top.selected].sum()))
    widest = best_cover(None)
    right = best_score(widest.covered_population)
    found = [left, right]
    for eps in np.linspace(left.covered_population, widest.covered_population, points)[1:-1]:
        step = best_score(float(eps))
        if step.feasible:
            found.append(best_cover(float(r.scores[step.selected].sum())))
    rows = {}
    for out in found:
        if not out.feasible:
            continue
        key = tuple(out.selected.tolist())
        rows[key] = {
            "total_score": float(r.scores[out.selected].sum()),
            "population_covered": out.covered_population,
            "covered_share": out.covered_population / max(float(r.population.sum()), 1e-300),  # type: ignore[union-attr]
            "sites": int(out.selected.size),
            "selected": list(key),
            "names": ", ".join(r.name(j) for j in key),
        }
    table = pd.DataFrame(list(rows.values()))
    # Keep only non-dominated rows (ties in both objectives keep the first).
    keep = []
    for a in table.itertuples():
        dominated = any(
            (b.total_score >= a.total_score - _slack(a.total_score))
            and (b.population_covered >= a.population_covered - _slack(a.population_covered))
            and (
                b.total_score > a.total_score + _slack(a.total_score)
                or b.population_covered > a.population_covered + _slack(a.population_covered)
            )
            for b in table.itertuples()
        )
        keep.append(not dominated)
    table = table[keep].sort_values(["population_covered", "total_score"], ignore_index=True)
    return table


def built_demand(rules: Rules) -> np.ndarray:
    """Demand indices that get a coverage variable in :func:`build` (same rule, same order)."""
    if rules.population is None:
        return np.empty(0, dtype=np.intp)
    return np.array(
        [i for i, s in enumerate(rules.cover_sets) if s.size and rules.population[i] > 0],
        dtype=np.intp,
    )


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

    Solves the portfolio model, then adds a no-good cut excluding every portfolio too close to
    the ones found, and solves again (Balas and Jeroslow 1972).  With exactly ``n`` sites, two
    portfolios differ by ``M`` sites when ``M`` sites of one are not in the other, so the cut is
    ``Σ_{j ∈ S} x_j <= n - M``.  With at most ``n`` sites (``exact=False``) the cut asks for at
    least ``M`` sites added or dropped in total:
    ``Σ_{j ∈ S} (1 - x_j) + Σ_{j ∉ S} x_j >= M``.

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
        Any other keyword of :func:`select_portfolio`.

    Returns
    -------
    list of OptimisationResult
        Best first; fewer than ``k`` when no further portfolio satisfies the rules.  The first
        carries the binding explanation; each has ``details["rank"]`` (1-based) and
        ``details["gap"]`` (objective lost relative to the best).

    Raises
    ------
    DataError
        Bad ``k`` or ``min_difference``, or malformed inputs.
    InfeasibleError
        Not even one portfolio satisfies the rules.
    """
    for value, what in ((k, "k"), (min_difference, "min_difference")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            msg = f"{what} must be a whole number >= 1; got {value!r}"
            raise DataError(msg)
    exact = rules.get("exact", True)
    if exact and min_difference > n:
        msg = (
            f"min_difference {min_difference} is more than the {n} sites of a portfolio; "
            f"ask for at most {n}"
        )
        raise DataError(msg)
    explain_binding = rules.pop("explain_binding", True)
    start = time.perf_counter()
    r = prepare(scores, n=n, solver=solver, **rules)
    found: list[OptimisationResult] = [solve_rules(r, explain_binding=explain_binding, start=start)]
    found[0].details.update(rank=1, gap=0.0)
    while len(found) < k:
        earlier = [res.selected for res in found]

        def cuts(prob: pulp.LpProblem, x: list, _y: list, earlier: list = earlier) -> None:
            for q, sel in enumerate(earlier):
                inside = set(sel.tolist())
                if r.exact:
                    expr = affine([(x[j], 1.0) for j in inside])
                    add(prob, expr, pulp.LpConstraintLE, len(inside) - min_difference, f"ng{q}")
                else:
                    expr = affine(
                        [(x[j], -1.0 if j in inside else 1.0) for j in range(r.size)],
                        constant=len(inside),
                    )
                    add(prob, expr, pulp.LpConstraintGE, min_difference, f"ng{q}")

        step = time.perf_counter()
        try:
            res = solve_rules(r, explain_binding=False, start=step, extra=cuts)
        except InfeasibleError:
            break
        res.details.update(rank=len(found) + 1, gap=found[0].objective - res.objective)
        found.append(res)
    return found
