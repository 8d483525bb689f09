"""Listing every feasible portfolio gives the integer program's optimum, draw after draw."""

from __future__ import annotations

import numpy as np
import pytest

from siting.optimise import prepare, solve_rules
from siting.optimise.enumerate import feasible_set
from siting.optimise.resolver import PortfolioResolver


def _case(seed: int, m: int = 14) -> dict:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1000, size=(m, 2))
    distances = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    kinds = seed % 4
    rules: dict = {"n": 3, "distances_km": distances, "min_spacing_km": 250.0}
    groups = rng.choice(["a", "b", "c", ""], size=m)
    if kinds in (1, 3):
        rules |= {"groups": groups, "at_most_per_group": 1}
    if kinds in (2, 3):
        rules |= {"costs": rng.uniform(1, 5, m), "budget": 9.0, "must_exclude": [0]}
    if kinds == 3:
        rules |= {"exact": False, "must_include": [1]}
        population = rng.uniform(1, 100, 30)
        demand = rng.uniform(0, 1000, size=(30, 2))
        rules |= {
            "population": population,
            "demand_distances_km": np.hypot(
                *(demand[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)
            ),
            "cover_radius_km": 200.0,
            "population_weight": 0.5,
        }
    return rules


@pytest.mark.parametrize("seed", range(8))
def test_the_listed_optimum_is_the_integer_programs(seed: int) -> None:
    keywords = _case(seed)
    rng = np.random.default_rng(100 + seed)
    base = prepare(rng.uniform(-0.2, 1, 14), solver="highs", **keywords)
    listed = feasible_set(base)
    assert listed is not None and len(listed) > 0
    resolver = PortfolioResolver(base)
    draws = rng.uniform(-0.2, 1, size=(25, 14))
    picks = resolver.many(draws)
    for scores, pick in zip(draws, picks, strict=True):
        exact = solve_rules(base.with_scores(scores), explain_binding=False)
        assert base.with_scores(scores).value(pick) == pytest.approx(exact.objective, abs=1e-9)
        assert set(pick.tolist()) == set(exact.selected.tolist())
    assert resolver.solves == 25


def test_too_many_portfolios_fall_back_to_the_solver() -> None:
    base = prepare(np.linspace(0, 1, 30), n=5, solver="highs")
    assert feasible_set(base, limit=100) is None
    resolver = PortfolioResolver(base, enumerate="never")
    assert resolver.feasible is None
    assert resolver(np.linspace(0, 1, 30)).tolist() == [25, 26, 27, 28, 29]


def test_membership_frequencies_are_those_of_solving_each_draw() -> None:
    """The default study: listing the portfolios changes no membership frequency."""
    from pathlib import Path

    import siting
    from siting.choice import portfolio_rules
    from siting.sensitivity import portfolio_membership, sample_weights

    root = Path(__file__).resolve().parent.parent
    results = siting.run(root / "criteria" / "novosibirsk.yaml", sensitivity=False)
    rules = portfolio_rules(results)
    values = results.values.loc[results.included]
    draws = sample_weights(values.shape[1], 150, rng=np.random.default_rng(7))
    listed = PortfolioResolver(rules)
    assert listed.feasible is not None
    solved = PortfolioResolver(rules, enumerate="never")
    a = portfolio_membership(values, weight_samples=draws, solve=listed)
    b = portfolio_membership(values, weight_samples=draws, solve=solved)
    assert a.probability.to_dict() == b.probability.to_dict()
    assert a.portfolios.equals(b.portfolios)


def _solved_by_programs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every listing refuse, so that the integer programs answer."""
    from siting.optimise import enumerate as listing_module

    monkeypatch.setattr(listing_module, "LISTING_SUBSETS", 0)


def _frontier_case(seed: int) -> dict:
    keywords = _case(seed)
    if "population" not in keywords:
        rng = np.random.default_rng(50 + seed)
        xy = rng.uniform(0, 1000, size=(14, 2))
        demand = rng.uniform(0, 1000, size=(40, 2))
        keywords |= {
            "population": rng.integers(1, 100, 40).astype(float),
            "demand_distances_km": np.hypot(
                *(demand[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)
            ),
            "cover_radius_km": 250.0,
        }
    return keywords


@pytest.mark.parametrize("seed", range(8))
def test_listed_explanations_alternatives_and_fronts_are_the_programs(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Binding rules, next-best portfolios and the Pareto front: read from the listing of
    every feasible portfolio, they are those the integer programs give (CBC, seeded cases)."""
    from siting.optimise import alternatives_for, pareto_for
    from siting.optimise.enumerate import listing

    keywords = _frontier_case(seed)
    scores = np.random.default_rng(200 + seed).uniform(-0.2, 1, 14)
    listed_rules = prepare(scores, **keywords)
    assert listing(listed_rules) is not None
    listed_alts = alternatives_for(listed_rules, k=4, min_difference=1 + seed % 2)
    listed_front = pareto_for(listed_rules, points=6)

    _solved_by_programs(monkeypatch)
    ip_rules = prepare(scores, **keywords)
    assert listing(ip_rules) is None
    ip_alts = alternatives_for(ip_rules, k=4, min_difference=1 + seed % 2)
    ip_front = pareto_for(ip_rules, points=6)

    for a, b in zip(listed_alts[0].binding_details, ip_alts[0].binding_details, strict=True):
        assert (a["rule"], a["binds"], a["sentence"]) == (b["rule"], b["binds"], b["sentence"])
        assert a["objective_without"] == pytest.approx(b["objective_without"], abs=1e-9)
    assert [r.objective for r in listed_alts] == pytest.approx([r.objective for r in ip_alts])
    assert [r.selected.tolist() for r in listed_alts] == [r.selected.tolist() for r in ip_alts]
    assert listed_alts[1].solver == "enumeration" and ip_alts[1].solver == "cbc"
    # The ends and the steps are the same optima; a tie in one objective may pick another
    # portfolio with the same two values, so the front is compared on its values.
    cols = ["total_score", "population_covered"]
    assert listed_front[cols].to_numpy() == pytest.approx(ip_front[cols].to_numpy())
