"""The criteria file's `portfolio:` section reaches every rule of siting.optimise."""

from __future__ import annotations

import pytest

import siting
from siting.errors import CriteriaError, DataError, InfeasibleError

EXTRAS = """portfolio:
  sites: 2
  coverage: {demand: candidates, radius_km: 300}
  equity: {field: macro_region, within_km: 1200}
  pareto: {points: 5}
  alternatives: {count: 2, differ_by: 1}"""


def test_alternatives_and_pareto(tiny, edit):
    path = edit(tiny / "study.yaml", "portfolio:\n  sites: 2", EXTRAS)
    r = siting.run(path)
    assert r.portfolio.ids == ["almaty", "astana"]
    assert len(r.alternatives) == 2
    seen = [set(r.portfolio.ids)]
    for alt in r.alternatives:
        assert set(alt.ids) not in seen  # each differs from every earlier one
        assert alt.objective <= r.portfolio.objective + 1e-9
        seen.append(set(alt.ids))
    # Almaty and Astana cover the two largest cities: the score optimum is also the coverage optimum
    assert r.portfolio.population_covered == pytest.approx(1_350_000 + 2_200_000 + 500_000)
    assert r.pareto["optimal_for_score"].any()
    assert {"total_score", "population_covered", "ids"} <= set(r.pareto.columns)


def test_must_include_locks_a_site_in(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "portfolio:\n  sites: 2",
        "portfolio:\n  sites: 2\n  must_include: [pavlodar]",
    )
    r = siting.run(path)
    assert "pavlodar" in r.portfolio.ids
    assert (
        "almaty" in r.portfolio.ids
    )  # the best partner for Pavlodar 300+ km away in another region


def test_must_include_that_is_not_a_candidate(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "portfolio:\n  sites: 2",
        "portfolio:\n  sites: 2\n  must_include: [pavlodr]",
    )
    with pytest.raises(DataError) as info:
        siting.run(path)
    (problem,) = info.value.problems
    assert "'pavlodr' is not a candidate id; did you mean 'pavlodar'?" in problem


def test_must_include_an_excluded_candidate(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "portfolio:\n  sites: 2",
        "portfolio:\n  sites: 2\n  must_include: [kurchatov]",
    )
    with pytest.raises(DataError, match="excluded by a hard constraint"):
        siting.run(path)


def test_contradictory_group_rules(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "  at_most_per: {field: macro_region, count: 1}",
        "  at_most_per: {field: macro_region, count: 1}\n  at_least_per: {field: macro_region, count: 2}",
    )
    with pytest.raises(CriteriaError, match="contradict each other"):
        siting.run(path)


def test_infeasible_rules_name_the_rule_and_the_relaxation(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "  sites: 2\n  min_spacing_km: 300",
        "  sites: 5\n  min_spacing_km: 300",
    )
    with pytest.raises(InfeasibleError) as info:
        siting.run(path)
    text = str(info.value)
    # 5 kept candidates in 4 macro-regions (north twice) with at most 1 per region: 4 is the most.
    assert text.startswith(str(path))
    assert "macro_region" in text
    assert "at most 4" in text


def test_more_sites_than_kept_candidates(tiny, edit):
    path = edit(tiny / "study.yaml", "below: 50000,", "below: 1000000,")
    edit(path, "  sites: 2", "  sites: 3")
    with pytest.raises(InfeasibleError) as info:
        siting.run(path)
    (problem,) = info.value.problems
    assert "3 sites were asked but only 2 candidates pass the exclusions" in problem
    assert "must_exclude" not in problem


def test_geopackage_holds_the_alternatives(tiny, edit, tmp_path):
    import pyogrio

    from siting.outputs.tables import write_geopackage

    r = siting.run(edit(tiny / "study.yaml", "portfolio:\n  sites: 2", EXTRAS))
    path = write_geopackage(r, tmp_path / "results.gpkg")
    assert [name for name, _ in pyogrio.list_layers(path)] == [
        "ranking",
        "portfolio",
        "alternatives",
    ]
    alternatives = pyogrio.read_dataframe(path, layer="alternatives")
    assert len(alternatives) == 2 * (1 + len(r.alternatives))
    assert set(alternatives.loc[alternatives["option"] == "optimum", "id"]) == set(r.portfolio.ids)
