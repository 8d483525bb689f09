"""Portfolio selection and location models: hand-checkable cases, brute force and spopt."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pulp
import pytest

from siting.errors import DataError, InfeasibleError
from siting.optimise import (
    OptimisationResult,
    alternatives,
    lscp,
    mclp,
    p_center,
    p_median,
    pareto_front,
    select_portfolio,
)

# Four towns on a line (km from the first), so every distance is checkable by hand.
KM = np.array([0.0, 10.0, 100.0, 300.0])
LINE = np.abs(KM[:, None] - KM[None, :])
NAMES = ["Almaty", "Alatau", "Kapchagay", "Taldykorgan"]
SCORES = np.array([1.0, 0.95, 0.5, 0.4])


def test_top_n_without_rules() -> None:
    res = select_portfolio(np.array([0.1, 0.9, 0.5, 0.7]), n=2)
    assert isinstance(res, OptimisationResult)
    assert res.selected.tolist() == [1, 3]
    assert res.objective == pytest.approx(1.6)
    assert res.status == "Optimal"
    assert res.solver == "cbc"
    assert res.solver_version.startswith("CBC ")
    assert res.seconds > 0
    assert res.binding == []


def test_spacing_binds_and_names_the_pair() -> None:
    res = select_portfolio(SCORES, n=2, distances_km=LINE, min_spacing_km=50, names=NAMES)
    assert res.selected.tolist() == [0, 2]
    assert res.objective == pytest.approx(1.5)
    assert res.binding == [
        "min_spacing_km 50 binds: without it the total score would be 1.95 instead of 1.5 "
        "(Almaty and Alatau are 10 km apart)"
    ]
    detail = res.binding_details[0]
    assert detail["rule"] == "min_spacing_km"
    assert detail["binds"] is True
    assert detail["selected_without"] == [0, 1]
    assert detail["pairs"] == [[0, 1, 10.0]]


def test_spacing_is_strict() -> None:
    # Exactly 10 km apart is allowed with a 10 km minimum.
    res = select_portfolio(SCORES, n=2, distances_km=LINE, min_spacing_km=10)
    assert res.selected.tolist() == [0, 1]
    assert res.binding_details[0]["binds"] is False
    assert "does not bind" in res.binding_details[0]["sentence"]


def test_group_cap_binds() -> None:
    groups = np.array(["south", "south", "south", "east"])
    res = select_portfolio(
        SCORES, n=2, groups=groups, at_most_per_group=1, group_name="macro_region", names=NAMES
    )
    assert res.selected.tolist() == [0, 3]
    assert res.binding == [
        "at most 1 per macro_region binds: without it the total score would be 1.95 instead "
        "of 1.4 (south would get 2: Almaty and Alatau)"
    ]


def test_group_cap_infeasible_message() -> None:
    groups = np.array(["south", "south", "west", "east"])
    with pytest.raises(InfeasibleError) as err:
        select_portfolio(SCORES, n=4, groups=groups, at_most_per_group=1, group_name="macro_region")
    assert str(err.value) == (
        "at most 1 per macro_region allows at most 3 sites but 4 were asked; ask for 3 or allow "
        "more per macro_region"
    )


def test_spacing_infeasible_message_gives_room_and_relaxation() -> None:
    # Pairwise >= 250 km: at most 2 of {0, 10, 100, 300}; the best 3-set {0, 100, 300} has
    # its closest pair 100 km apart, so 100 is the largest spacing that allows 3 sites.
    with pytest.raises(InfeasibleError) as err:
        select_portfolio(SCORES, n=3, distances_km=LINE, min_spacing_km=250)
    assert str(err.value) == (
        "min_spacing_km 250 leaves room for at most 2 sites; 3 were asked; ask for 2 or lower "
        "min_spacing_km to 100"
    )
    # ... and the suggested relaxation indeed works.
    assert select_portfolio(SCORES, n=3, distances_km=LINE, min_spacing_km=100).selected.size == 3


def test_combination_of_rules_is_diagnosed_together() -> None:
    # Spacing 95 alone allows 3 sites ({0,100,300} or {10,100,300}); at most 1 per group alone
    # allows 3; together only 2, because 100 and 300 share a group.
    groups = np.array(["a", "b", "c", "c"])
    with pytest.raises(InfeasibleError) as err:
        select_portfolio(
            SCORES, n=3, distances_km=LINE, min_spacing_km=95, groups=groups, at_most_per_group=1
        )
    text = str(err.value)
    assert text.startswith(
        "min_spacing_km 95 and at most 1 per group together leave room for at most 2 sites; "
        "3 were asked; ask for 2"
    )
    assert "lower min_spacing_km to 10" in text
    assert "allow 2 per group" in text
    assert "drop any one of these rules" in text


def test_must_include_and_exclude() -> None:
    res = select_portfolio(SCORES, n=2, must_include=[3], must_exclude=[0], names=NAMES)
    assert res.selected.tolist() == [1, 3]
    sentences = " | ".join(res.binding)
    assert "must_include Taldykorgan binds" in sentences
    assert "must_exclude Almaty binds" in sentences
    assert "Almaty would be chosen" in sentences


def test_must_include_not_a_candidate() -> None:
    with pytest.raises(DataError, match=r"must_include lists \[7\], which are not candidates"):
        select_portfolio(SCORES, n=2, must_include=[7])


def test_include_and_exclude_same_site() -> None:
    with pytest.raises(InfeasibleError, match="both in must_include and must_exclude"):
        select_portfolio(SCORES, n=2, must_include=[1], must_exclude=[1], names=NAMES)


def test_contradictory_group_rules() -> None:
    groups = np.array(["a", "a", "b", "b"])
    with pytest.raises(InfeasibleError) as err:
        select_portfolio(SCORES, n=2, groups=groups, at_most_per_group=1, at_least_per_group=2)
    assert "at least 2 per group contradicts at most 1 per group" in str(err.value)


def test_at_least_per_group() -> None:
    groups = np.array(["a", "a", "a", "b"])
    res = select_portfolio(SCORES, n=2, groups=groups, at_least_per_group=1)
    assert res.selected.tolist() == [0, 3]
    assert res.binding_details[0]["rule"] == "at_least_per_group"
    assert "b would get 0" in res.binding[0]


def test_budget_binds_and_infeasible() -> None:
    costs = np.array([5.0, 5.0, 1.0, 1.0])
    res = select_portfolio(SCORES, n=2, costs=costs, budget=6)
    assert res.selected.tolist() == [0, 2]
    assert "budget 6 binds" in res.binding[0]
    assert "that portfolio costs 10" in res.binding[0]
    with pytest.raises(InfeasibleError, match="the 3 cheapest allowed sites cost 7"):
        select_portfolio(SCORES, n=3, costs=costs, budget=6)


def test_equity_rule() -> None:
    # One population centre at km 290: only Taldykorgan (300) is within 50 km of it.
    centres = np.abs(290.0 - KM)[None, :]
    res = select_portfolio(
        SCORES,
        n=2,
        centre_distances_km=centres,
        equity_km=50,
        centre_names=["east"],
        names=NAMES,
    )
    assert res.selected.tolist() == [0, 3]
    assert (
        "population centre of east would be 280 km from the nearest chosen site" in (res.binding[0])
    )
    with pytest.raises(InfeasibleError, match="raise equity_km to 10"):
        select_portfolio(SCORES, n=2, centre_distances_km=centres, equity_km=5)


def test_at_most_n_sites() -> None:
    scores = np.array([1.0, -0.5, 0.2])
    res = select_portfolio(scores, n=3, exact=False)
    assert res.selected.tolist() == [0, 2]


def test_population_blend() -> None:
    # Demand: a big town next to Taldykorgan, a small one next to Almaty.
    population = np.array([1000.0, 10.0])
    demand = np.abs(np.array([[305.0], [2.0]]) - KM[None, :])
    common = {
        "population": population,
        "demand_distances_km": demand,
        "cover_radius_km": 20.0,
    }
    score_only = select_portfolio(SCORES, n=2, **common)
    assert score_only.selected.tolist() == [0, 1]
    assert score_only.covered.tolist() == [False, True]
    blended = select_portfolio(SCORES, n=2, population_weight=1.0, **common)
    assert blended.selected.tolist() == [0, 3]
    assert blended.objective == pytest.approx(1.4 + 1.0)
    assert blended.details["population_covered"] == 1010.0


def test_pareto_front_is_the_two_ends() -> None:
    population = np.array([1000.0, 10.0])
    demand = np.abs(np.array([[305.0], [2.0]]) - KM[None, :])
    table = pareto_front(
        SCORES,
        n=2,
        population=population,
        demand_distances_km=demand,
        cover_radius_km=20.0,
        points=5,
        names=NAMES,
    )
    assert table["selected"].tolist() == [[0, 1], [0, 3]]
    assert table["total_score"].tolist() == pytest.approx([1.95, 1.4])
    assert table["population_covered"].tolist() == [10.0, 1010.0]
    assert table["names"].tolist() == ["Almaty, Alatau", "Almaty, Taldykorgan"]


def test_pareto_front_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    m, d = 8, 30
    scores = rng.uniform(0, 1, m)
    population = rng.integers(1, 100, d).astype(float)
    dist = rng.uniform(0, 100, (d, m))
    table = pareto_front(
        scores, n=3, population=population, demand_distances_km=dist, cover_radius_km=30, points=30
    )
    points = []
    for combo in itertools.combinations(range(m), 3):
        cov = population[(dist[:, list(combo)] <= 30).any(axis=1)].sum()
        points.append((scores[list(combo)].sum(), cov))
    front = {
        (round(s, 9), c)
        for s, c in points
        if not any((t >= s and u >= c) and (t > s + 1e-12 or u > c) for t, u in points)
    }
    got = {
        (round(s, 9), c) for s, c in zip(table.total_score, table.population_covered, strict=True)
    }
    # Every row is Pareto-optimal, and both ends of the front are found.
    assert got <= front
    assert max(front) in got
    assert max(front, key=lambda t: (t[1], t[0])) in got


def test_alternatives_differ_by_m_sites() -> None:
    found = alternatives(SCORES, n=2, k=3, min_difference=1)
    assert [r.selected.tolist() for r in found] == [[0, 1], [0, 2], [1, 2]]
    assert [r.details["rank"] for r in found] == [1, 2, 3]
    assert found[1].details["gap"] == pytest.approx(0.45)
    two = alternatives(SCORES, n=2, k=5, min_difference=2)
    # Differing by 2 of 2 sites: disjoint pairs only; {0,1} then {2,3}; nothing else is disjoint
    # from both.
    assert [r.selected.tolist() for r in two] == [[0, 1], [2, 3]]


def test_alternatives_bad_difference() -> None:
    with pytest.raises(DataError, match="min_difference 3 is more than the 2 sites"):
        alternatives(SCORES, n=2, min_difference=3)


def _brute(scores, n, dist, spacing, groups, cap, costs, budget):
    best, arg = -np.inf, None
    for combo in itertools.combinations(range(scores.size), n):
        idx = list(combo)
        sub = dist[np.ix_(idx, idx)]
        if np.any(sub[np.triu_indices(n, 1)] < spacing):
            continue
        if np.bincount(groups[idx]).max() > cap or costs[idx].sum() > budget:
            continue
        value = scores[idx].sum()
        if value > best + 1e-12:
            best, arg = value, idx
    return best, arg


@pytest.mark.parametrize("seed", range(6))
def test_select_portfolio_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = 10
    pts = rng.uniform(0, 500, (m, 2))
    dist = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    scores = rng.uniform(0, 1, m)
    groups = rng.integers(0, 3, m)
    costs = rng.uniform(1, 10, m)
    best, arg = _brute(scores, 3, dist, 150.0, groups, 1, costs, 18.0)
    kwargs = {
        "n": 3,
        "distances_km": dist,
        "min_spacing_km": 150.0,
        "groups": groups,
        "at_most_per_group": 1,
        "costs": costs,
        "budget": 18.0,
    }
    if arg is None:
        with pytest.raises(InfeasibleError):
            select_portfolio(scores, **kwargs)
        return
    for solver in ("cbc", "highs"):
        res = select_portfolio(scores, solver=solver, **kwargs)
        assert res.objective == pytest.approx(best, abs=1e-9)
        assert res.solver == solver


def test_bad_portfolio_inputs_are_reported_together() -> None:
    with pytest.raises(DataError) as err:
        select_portfolio(
            np.array([1.0, np.nan, 0.5]),
            n=2,
            min_spacing_km=-1,
            at_most_per_group=1,
            solver="cbc",
        )
    problems = err.value.problems
    assert any("scores has 1 missing value" in p for p in problems)
    assert any("min_spacing_km must be a finite number >= 0" in p for p in problems)
    assert any("groups is missing" in p for p in problems)
    with pytest.raises(DataError, match="solver 'gurobi' is not known"):
        select_portfolio(SCORES, n=2, solver="gurobi")
    with pytest.raises(InfeasibleError, match="only 4 candidates"):
        select_portfolio(SCORES, n=5)


# --------------------------------------------------------------------------- location models


def _instance(seed: int, demand: int = 40, sites: int = 15):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 100, (demand, 2))
    f = rng.uniform(0, 100, (sites, 2))
    costs = np.linalg.norm(d[:, None] - f[None], axis=2)
    weights = rng.integers(1, 50, demand).astype(float)
    return costs, weights


def _spopt_objective(build) -> float:
    # spopt 0.7 builds with APIs PuLP 3.3 deprecates; silence that here only.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model = build()
        model.solve(pulp.COIN_CMD(path=pulp.PULP_CBC_CMD.pulp_cbc_path, msg=False))
    return float(model.problem.objective.value())


@pytest.mark.parametrize("seed", range(3))
def test_p_median_and_mclp_match_spopt(seed: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from spopt.locate import MCLP, PMedian
    costs, weights = _instance(seed)
    ours = p_median(costs, 4, weights=weights)
    theirs = _spopt_objective(lambda: PMedian.from_cost_matrix(costs, weights, p_facilities=4))
    assert ours.objective == pytest.approx(theirs, rel=1e-9)
    assert ours.assignment.tolist() == (
        ours.selected[np.argmin(costs[:, ours.selected], axis=1)].tolist()
    )
    cover = mclp(costs, 25, 3, weights=weights)
    theirs = _spopt_objective(
        lambda: MCLP.from_cost_matrix(costs, weights, service_radius=25, p_facilities=3)
    )
    assert cover.objective == pytest.approx(theirs)
    assert cover.objective == weights[cover.covered].sum()


@pytest.mark.parametrize("seed", range(3))
def test_location_models_match_brute_force(seed: int) -> None:
    costs, weights = _instance(seed, demand=25, sites=9)
    combos = [list(c) for c in itertools.combinations(range(9), 3)]
    median = min((weights * costs[:, c].min(axis=1)).sum() for c in combos)
    cover = max(weights[(costs[:, c] <= 25).any(axis=1)].sum() for c in combos)
    center = min(costs[:, c].min(axis=1).max() for c in combos)
    for solver in ("cbc", "highs"):
        assert p_median(costs, 3, weights=weights, solver=solver).objective == pytest.approx(median)
        assert mclp(costs, 25, 3, weights=weights, solver=solver).objective == cover
        res = p_center(costs, 3, solver=solver)
        assert res.objective == pytest.approx(center)
        assert res.selected.size == 3
    fewest = next(
        k
        for k in range(1, 10)
        if any(
            (costs[:, list(c)] <= 60).any(axis=1).all() for c in itertools.combinations(range(9), k)
        )
    )
    assert lscp(costs, 60).objective == fewest


def test_mclp_with_more_sites_than_useful_candidates() -> None:
    # Only candidate 0 covers anything; asking for 3 sites still returns 3 and covers all.
    costs = np.array([[1.0, 50.0, 60.0, 70.0], [2.0, 55.0, 65.0, 75.0]])
    res = mclp(costs, 10, 3)
    assert res.selected.size == 3
    assert 0 in res.selected
    assert res.objective == 2.0


def test_lscp_reports_unreachable_demand() -> None:
    costs = np.array([[1.0, 9.0], [30.0, 40.0]])
    with pytest.raises(InfeasibleError) as err:
        lscp(costs, 10)
    assert str(err.value) == (
        "1 demand point(s) have no candidate within radius 10 (rows 1); raise the radius to 30 "
        "or add candidates near them"
    )


@pytest.mark.parametrize(
    ("costs", "match"),
    [
        (np.array([[1.0, np.nan]]), "1 missing or infinite value"),
        (np.array([[1.0, -2.0]]), "negative value"),
        (np.empty((0, 3)), "no demand points"),
        (np.array([1.0, 2.0]), "2-D demand × candidate matrix"),
    ],
)
def test_bad_cost_matrices(costs: np.ndarray, match: str) -> None:
    for model in (
        lambda: p_median(costs, 1),
        lambda: mclp(costs, 5, 1),
        lambda: lscp(costs, 5),
        lambda: p_center(costs, 1),
    ):
        with pytest.raises(DataError, match=match):
            model()


def test_p_larger_than_candidates() -> None:
    costs, _ = _instance(0, demand=5, sites=3)
    with pytest.raises(InfeasibleError, match="p = 4 sites were asked but there are only 3"):
        p_median(costs, 4)
    with pytest.raises(DataError, match="weights must have one value per demand point"):
        p_median(costs, 2, weights=np.ones(3))
    with pytest.raises(DataError, match="weights has 1 negative"):
        mclp(costs, 10, 2, weights=np.array([1, 1, -1, 1, 1]))


@pytest.mark.parametrize("seed", range(4))
def test_lazy_spacing_rows_give_the_same_optimum(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from siting.optimise import model

    rng = np.random.default_rng(seed)
    m = 11
    pts = rng.uniform(0, 400, (m, 2))
    dist = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    scores = rng.uniform(0, 1, m)
    groups = rng.integers(0, 3, m)
    costs = np.zeros(m)
    best, arg = _brute(scores, 3, dist, 120.0, groups, 2, costs, 1.0)
    kwargs = {"n": 3, "distances_km": dist, "min_spacing_km": 120.0, "groups": groups}
    monkeypatch.setattr(model, "LAZY_PAIRS", 0)
    if arg is None:
        with pytest.raises(InfeasibleError, match="min_spacing_km 120"):
            select_portfolio(scores, at_most_per_group=2, **kwargs)
        return
    res = select_portfolio(scores, at_most_per_group=2, **kwargs)
    assert res.objective == pytest.approx(best)
    assert res.binding_details[0]["rule"] == "min_spacing_km"
