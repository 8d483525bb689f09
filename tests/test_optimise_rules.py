"""Frozen portfolio rules and the rules-based entry points: same answers as the keyword ones."""

from __future__ import annotations

import dataclasses
import doctest

import numpy as np
import pytest

from siting.errors import DataError, InfeasibleError
from siting.optimise import (
    Budget,
    Count,
    Coverage,
    Equity,
    GroupCaps,
    LockIn,
    PortfolioResolver,
    PortfolioRules,
    Spacing,
    alternatives,
    alternatives_for,
    pareto_for,
    pareto_front,
    prepare,
    select_portfolio,
    solve_rules,
)

# Four towns on a line (km from the first), as in test_optimise.
KM = np.array([0.0, 10.0, 100.0, 300.0])
LINE = np.abs(KM[:, None] - KM[None, :])
NAMES = ["Almaty", "Alatau", "Kapchagay", "Taldykorgan"]
SCORES = np.array([1.0, 0.95, 0.5, 0.4])
POPULATION = np.array([1000.0, 10.0])
DEMAND = np.abs(np.array([[305.0], [2.0]]) - KM[None, :])


def every_rule() -> dict:
    """Keywords that set every rule family (feasible, several of them binding)."""
    return {
        "n": 2,
        "distances_km": LINE,
        "min_spacing_km": 50.0,
        "groups": np.array(["south", "south", "south", "east"]),
        "at_most_per_group": 2,
        "at_least_per_group": 1,
        "group_name": "macro_region",
        "costs": np.array([5.0, 5.0, 1.0, 1.0]),
        "budget": 8.0,
        "must_include": [0],
        "must_exclude": [1],
        "centre_distances_km": np.abs(290.0 - KM)[None, :],
        "equity_km": 50.0,
        "centre_names": ["east"],
        "population": POPULATION,
        "demand_distances_km": DEMAND,
        "cover_radius_km": 20.0,
        "population_weight": 0.5,
        "names": NAMES,
    }


def same_result(a, b) -> None:
    assert a.selected.tolist() == b.selected.tolist()
    assert a.objective == b.objective
    assert a.status == b.status
    assert a.binding == b.binding
    assert a.binding_details == b.binding_details
    assert a.covered.tolist() == b.covered.tolist()
    assert a.details == b.details


# --------------------------------------------------------------------------- the rule objects


def test_prepare_builds_one_object_per_family() -> None:
    rules = prepare(SCORES, **every_rule())
    assert isinstance(rules, PortfolioRules)
    assert rules.size == 4
    assert rules.count == Count(n=2, exact=True)
    assert rules.names == tuple(NAMES)
    assert isinstance(rules.spacing, Spacing) and rules.spacing.min_km == 50.0
    assert isinstance(rules.groups, GroupCaps)
    assert rules.groups.labels == ("east", "south")
    assert rules.groups.codes.tolist() == [1, 1, 1, 0]
    assert (rules.groups.at_most, rules.groups.at_least) == (2, 1)
    assert isinstance(rules.budget, Budget) and rules.budget.limit == 8.0
    assert isinstance(rules.equity, Equity) and rules.equity.centre_names == ("east",)
    assert isinstance(rules.coverage, Coverage)
    assert rules.coverage.weight == 0.5
    assert [s.tolist() for s in rules.coverage.cover_sets] == [[3], [0, 1]]
    assert rules.coverage.demand.tolist() == [0, 1]
    assert isinstance(rules.lock, LockIn)
    assert (rules.lock.include.tolist(), rules.lock.exclude.tolist()) == ([0], [1])
    assert rules.families == (
        "must_include",
        "must_exclude",
        "min_spacing_km",
        "at_most_per_group",
        "at_least_per_group",
        "budget",
        "equity_km",
    )
    assert rules.describe("at_most_per_group") == "at most 2 per macro_region"
    assert rules.describe("must_include") == "must_include Almaty"
    assert rules.spacing_pairs()[0].tolist() == [0]  # Almaty–Alatau, 10 km


def test_a_family_is_present_only_when_it_constrains() -> None:
    rules = prepare(
        SCORES,
        n=2,
        distances_km=LINE,
        min_spacing_km=0,
        groups=np.array(["a", "a", "b", "b"]),
        costs=np.ones(4),
        centre_distances_km=LINE[:1],
    )
    assert (rules.spacing, rules.groups, rules.budget, rules.equity, rules.coverage) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert rules.families == ()
    assert rules.lock.include.size == rules.lock.exclude.size == 0


def test_rules_are_frozen_and_leave_the_callers_arrays_alone() -> None:
    scores = SCORES.copy()
    distances = LINE.copy()
    rules = prepare(scores, n=2, distances_km=distances, min_spacing_km=50)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.scores = scores  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.spacing.min_km = 5.0  # type: ignore[misc,union-attr]
    assert rules.spacing is not None
    for arr in (rules.scores, rules.spacing.distances_km, rules.lock.include):
        with pytest.raises(ValueError, match="read-only"):
            arr[...] = 0
    # The caller's arrays stay writable, and writing to them does not reach the rules.
    assert scores.flags.writeable and distances.flags.writeable
    scores[0] = -9.0
    distances[0, 1] = 999.0
    assert rules.scores[0] == 1.0
    assert rules.spacing.distances_km[0, 1] == 10.0


def test_with_scores_checks_only_the_scores_and_shares_the_rest() -> None:
    rules = prepare(SCORES, **every_rule())
    other = rules.with_scores([0.1, 0.2, 0.3, 0.4])
    assert other.scores.tolist() == [0.1, 0.2, 0.3, 0.4]
    assert not other.scores.flags.writeable
    assert other.spacing is rules.spacing and other.coverage is rules.coverage
    assert rules.scores.tolist() == SCORES.tolist()
    # dataclasses.replace shares the frozen arrays too (no copy of a large matrix).
    assert rules.spacing is not None
    again = dataclasses.replace(rules.spacing, min_km=60.0)
    assert again.distances_km is rules.spacing.distances_km
    with pytest.raises(DataError, match=r"one value per candidate \(4\); got shape \(3,\)"):
        rules.with_scores([1.0, 2.0, 3.0])
    with pytest.raises(DataError, match="scores has 1 missing value"):
        rules.with_scores([1.0, np.nan, 3.0, 4.0])


def test_value_and_coverage_helpers() -> None:
    rules = prepare(
        SCORES,
        n=2,
        population=POPULATION,
        demand_distances_km=DEMAND,
        cover_radius_km=20.0,
        population_weight=1.0,
    )
    sel = np.array([0, 3])
    assert rules.covered(sel).tolist() == [True, True]
    assert rules.covered_population(sel) == 1010.0
    assert rules.value(sel) == pytest.approx(1.4 + 1.0)
    plain = prepare(SCORES, n=2)
    assert plain.covered(sel).size == 0
    assert plain.covered_population(sel) == 0.0
    assert plain.value(sel) == pytest.approx(1.4)


def test_prepare_reports_every_family_at_once() -> None:
    with pytest.raises(DataError) as err:
        prepare(
            np.array([1.0, 2.0, np.nan]),
            n=0,
            names=["a"],
            distances_km=np.ones((2, 2)),
            min_spacing_km=5,
            groups=np.array(["x", None, "y"], dtype=object),
            at_most_per_group=1,
            costs=[1.0, -1.0, 2.0],
            budget=3,
            must_include=[7],
            centre_distances_km=np.ones((1, 2)),
            equity_km=5,
            population=[1.0],
            demand_distances_km=np.ones((2, 3)),
            cover_radius_km=5,
        )
    problems = err.value.problems
    expected = [
        "scores has 1 missing value",
        "n (number of sites)",
        "names must have one entry",
        "distances_km must be a candidate × candidate matrix",
        "1 candidate has no group",
        "costs has 1 missing or negative",
        "must_include lists [7]",
        "centre_distances_km must be a centre × candidate matrix",
        "demand_distances_km must be demand × candidate",
    ]
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected, strict=True):
        assert start in problem


# --------------------------------------------------------------------------- one computation


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_solve_rules_is_select_portfolio(solver: str) -> None:
    kwargs = every_rule()
    by_keywords = select_portfolio(SCORES, solver=solver, **kwargs)
    by_rules = solve_rules(prepare(SCORES, solver=solver, **kwargs))
    same_result(by_keywords, by_rules)
    assert by_rules.selected.tolist() == [0, 3]
    # Every family is explained (none binds alone: the population term, the equity rule and
    # at least 1 per macro_region each bring Taldykorgan in).
    assert [d["rule"] for d in by_rules.binding_details] == list(prepare(SCORES, **kwargs).families)
    assert by_rules.binding == []


def test_alternatives_for_is_alternatives() -> None:
    rules = prepare(SCORES, n=2, names=NAMES)
    by_rules = alternatives_for(rules, k=3, min_difference=1)
    by_keywords = alternatives(SCORES, n=2, k=3, min_difference=1, names=NAMES)
    assert len(by_rules) == len(by_keywords) == 3
    for a, b in zip(by_rules, by_keywords, strict=True):
        same_result(a, b)
    assert [r.selected.tolist() for r in by_rules] == [[0, 1], [0, 2], [1, 2]]
    quiet = alternatives_for(rules, k=2, explain_binding=False)
    assert quiet[0].binding_details == []
    with pytest.raises(DataError, match="k must be a whole number >= 1"):
        alternatives_for(rules, k=0)
    with pytest.raises(DataError, match="min_difference 3 is more than the 2 sites"):
        alternatives_for(rules, min_difference=3)


def test_alternatives_at_most_n_sites() -> None:
    rules = prepare(np.array([1.0, -0.5, 0.2]), n=3, exact=False)
    found = alternatives_for(rules, k=3, min_difference=1)
    assert [r.selected.tolist() for r in found] == [[0, 2], [0], [0, 1, 2]]


def test_pareto_for_is_pareto_front_and_ignores_the_blend_weight() -> None:
    common = {
        "population": POPULATION,
        "demand_distances_km": DEMAND,
        "cover_radius_km": 20.0,
        "names": NAMES,
    }
    by_keywords = pareto_front(SCORES, n=2, points=5, population_weight=3.0, **common)
    weighted = prepare(SCORES, n=2, population_weight=3.0, **common)
    unweighted = prepare(SCORES, n=2, **common)
    for rules in (weighted, unweighted):
        table = pareto_for(rules, points=5)
        assert table.equals(by_keywords)
    assert by_keywords["selected"].tolist() == [[0, 1], [0, 3]]
    with pytest.raises(DataError, match="points must be a whole number >= 2"):
        pareto_for(unweighted, points=1)
    with pytest.raises(DataError, match="needs a population term"):
        pareto_for(prepare(SCORES, n=2), points=5)


def test_pareto_for_diagnoses_infeasible_rules() -> None:
    rules = prepare(
        SCORES,
        n=3,
        distances_km=LINE,
        min_spacing_km=250,
        population=POPULATION,
        demand_distances_km=DEMAND,
        cover_radius_km=20.0,
    )
    with pytest.raises(InfeasibleError, match="lower min_spacing_km to 100"):
        pareto_for(rules, points=3)


# --------------------------------------------------------------------------- the re-solver


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_resolver_agrees_with_solve_rules(solver: str) -> None:
    rng = np.random.default_rng(5)
    m = 12
    pts = rng.uniform(0, 500, (m, 2))
    rules = prepare(
        np.zeros(m),
        n=3,
        distances_km=np.linalg.norm(pts[:, None] - pts[None], axis=2),
        min_spacing_km=120.0,
        groups=rng.integers(0, 3, m),
        at_most_per_group=1,
    )
    resolve = PortfolioResolver(rules, solver=solver)  # type: ignore[arg-type]
    for _ in range(5):
        scores = rng.random(m)
        expected = solve_rules(rules.with_scores(scores), explain_binding=False)
        assert resolve(scores).tolist() == expected.selected.tolist()
    assert resolve.solves == 5
    assert resolve.seconds > 0


def test_resolver_runs_after_another_highs_model() -> None:
    # PuLP's HiGHS starts the process-wide thread scheduler with its own thread count; the
    # re-solver, which asks for one thread, must still run after it (it used to fail with
    # status "Not Set").
    select_portfolio(SCORES, n=2, solver="highs", explain_binding=False)
    resolve = PortfolioResolver(prepare(np.zeros(4), n=2))
    assert resolve(np.array([0.1, 0.9, 0.5, 0.2])).tolist() == [1, 2]
    select_portfolio(SCORES, n=2, solver="highs", explain_binding=False)
    assert resolve(np.array([0.9, 0.1, 0.5, 0.2])).tolist() == [0, 2]


def test_resolver_rejects_bad_rules_and_scores() -> None:
    with pytest.raises(InfeasibleError, match="both in must_include and must_exclude"):
        PortfolioResolver(prepare(SCORES, n=2, must_include=[1], must_exclude=[1]))
    resolve = PortfolioResolver(prepare(SCORES, n=2))
    with pytest.raises(DataError, match="scores must be 4 finite numbers"):
        resolve(np.array([1.0, np.nan, 0.0, 0.0]))
    with pytest.raises(DataError, match="solver 'gurobi' is not known"):
        PortfolioResolver(prepare(SCORES, n=2), solver="gurobi")  # type: ignore[arg-type]


@pytest.mark.parametrize("module", ["rules", "resolver"])
def test_docstring_examples(module: str) -> None:
    import importlib

    mod = importlib.import_module(f"siting.optimise.{module}")
    result = doctest.testmod(mod, extraglobs={"np": np})
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------- an empty group label


# "" is "in no agglomeration" (data/README.md): no group of its own, free of every cap
AGGLOMERATION = np.array(["Almaty", "Almaty", "", "", "Astana", " "], dtype=object)
SIX = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])


def test_a_candidate_with_an_empty_label_is_in_no_group() -> None:
    rules = prepare(SIX, n=2, groups=AGGLOMERATION, at_most_per_group=1)
    g = rules.groups
    assert g is not None
    assert g.labels == ("Almaty", "Astana")
    assert g.codes.tolist() == [0, 0, -1, -1, 1, -1]
    assert [m.tolist() for m in g.members()] == [[0, 1], [4]]
    assert g.counts(np.array([0, 2, 3, 5])).tolist() == [1, 0]
    assert g.free().tolist() == [2, 3, 5]


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_at_most_one_per_group_leaves_the_ungrouped_free(solver: str) -> None:
    # at most one per agglomeration: three ungrouped candidates may all be chosen
    result = select_portfolio(
        SIX, n=5, groups=AGGLOMERATION, at_most_per_group=1, group_name="agglomeration",
        solver=solver,
    )  # fmt: skip
    assert result.selected.tolist() == [0, 2, 3, 4, 5]
    # five is the most: one per agglomeration and the three free ones (not "2 groups × 1")
    with pytest.raises(InfeasibleError, match="allows at most 5 sites but 6 were asked"):
        select_portfolio(SIX, n=6, groups=AGGLOMERATION, at_most_per_group=1)


def test_at_least_one_per_group_asks_nothing_of_the_ungrouped() -> None:
    result = select_portfolio(SIX, n=2, groups=AGGLOMERATION, at_least_per_group=1)
    assert result.selected.tolist() == [0, 4]
    with pytest.raises(InfeasibleError, match=r"needs 2 sites \(2 group values\)"):
        select_portfolio(SIX, n=1, groups=AGGLOMERATION, at_least_per_group=1)
