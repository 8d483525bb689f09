"""The tiny study end to end: every number here can be checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

import siting
from siting.errors import DataError

GEOD = Geod(ellps="WGS84")


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(*a, *b)[2] / 1000


@pytest.fixture(scope="module")
def results():
    from tests.conftest import TINY

    return siting.run(TINY / "study.yaml")


def test_raw_values(results):
    raw = results.raw
    # Karaganda's nearest big university is Buketov University, about 1.3 km away.
    assert raw.at["karaganda", "university_km"] == pytest.approx(
        km((73.1021, 49.8019), (73.0856, 49.8064)), rel=5e-3
    )
    # Shakarim University (3,000 students) is filtered out by `where`, so Kurchatov's
    # nearest big university is Buketov University in Karaganda, not Semey's.
    assert raw.at["kurchatov", "university_km"] == pytest.approx(
        km((78.5400, 50.7569), (73.0856, 49.8064)), rel=5e-3
    )
    assert raw.at["kurchatov", "university_km"] > km((78.5400, 50.7569), (80.2275, 50.4111))
    assert raw["institutes_100km"].to_dict() == {
        "astana": 1, "almaty": 1, "karaganda": 0, "pavlodar": 0, "oskemen": 0, "kurchatov": 1
    }  # fmt: skip
    assert raw.at["pavlodar", "population"] == 370000


def test_weights_multiply_group_and_local(results):
    # groups education 1, science 1, enablers 2 → 1/4, 1/4, 1/2; one criterion per group
    assert results.weights.to_dict() == pytest.approx(
        {"university_km": 0.25, "institutes_100km": 0.25, "population": 0.5}
    )


def test_karaganda_score_by_hand(results):
    uni = 1 - results.raw.at["karaganda", "university_km"] / 500  # linear, best 0, worst 500
    institutes = 0.0  # min-max among kept candidates: Karaganda has the fewest (0)
    population = 500_000 / 1_000_000  # piecewise 0 → 0, 1,000,000 → 1
    expected = 0.25 * uni + 0.25 * institutes + 0.5 * population
    assert results.ranking.at["karaganda", "score"] == pytest.approx(expected, abs=1e-12)
    contributions = results.contributions.loc["karaganda"]
    assert contributions.sum() == pytest.approx(expected)


def test_excluded_candidate_stays_with_its_reason(results):
    row = results.ranking.loc["kurchatov"]
    assert row["excluded_reason"] == "fewer than 50,000 inhabitants"
    assert row["rank"] is np.nan or str(row["rank"]) == "<NA>"
    assert list(results.ranking.index[-1:]) == ["kurchatov"]
    assert list(results.included) == ["almaty", "astana", "karaganda", "pavlodar", "oskemen"]


def test_ranks_follow_scores(results):
    kept = results.ranking[results.ranking["excluded_reason"] == ""]
    assert kept["rank"].tolist() == [1, 2, 3, 4, 5]
    assert np.all(np.diff(kept["score"].to_numpy()) <= 0)


def test_portfolio_is_the_best_pair_under_the_rules(results):
    p = results.portfolio
    assert p.status == "Optimal"
    # Almaty (south) and Astana (north) are the two best, 970 km apart, in different macro-regions.
    assert p.ids == ["almaty", "astana"]
    scores = results.ranking["score"]
    assert p.objective == pytest.approx(scores["almaty"] + scores["astana"])


def test_spacing_and_caps_change_the_portfolio(tiny, edit):
    path = edit(
        tiny / "study.yaml",
        "{field: macro_region, count: 1}",
        "{field: macro_region, count: 1}\n  min_spacing_km: 1000",
    )
    edit(path, "  min_spacing_km: 300\n", "")
    r = siting.run(path)
    # Astana–Almaty is under 1,000 km, so the best pair 1,000 km apart replaces one of them.
    assert set(r.portfolio.ids) != {"almaty", "astana"}
    assert any("min_spacing_km" in s for s in r.portfolio.binding)


def test_no_candidate_left_is_explained(tiny, edit):
    path = edit(tiny / "study.yaml", "below: 50000", "below: 50000000")
    with pytest.raises(DataError) as info:
        siting.run(path)
    (problem,) = info.value.problems
    assert "no candidate is left" in problem and "excludes 6" in problem


def test_where_on_a_missing_field(tiny, edit):
    path = edit(
        tiny / "study.yaml", "where: {students: {min: 5000}}", "where: {studnets: {min: 5000}}"
    )
    with pytest.raises(DataError) as info:
        siting.run(path)
    (problem,) = info.value.problems
    assert "studnets" in problem and "did you mean 'students'" in problem
    line = int(problem.split(":")[1])
    assert "studnets" in path.read_text().splitlines()[line - 1]


def test_missing_layer_file_points_at_the_criteria_line(tiny):
    (tiny / "institutes.geojson").unlink()
    with pytest.raises(DataError) as info:
        siting.run(tiny / "study.yaml")
    (problem,) = info.value.problems
    assert "institutes.geojson" in problem and "not found" in problem
    assert problem.startswith(f"{tiny / 'study.yaml'}:")


def test_duplicate_id_in_a_layer(tiny, edit):
    edit(tiny / "universities.geojson", '"id": "kaznu"', '"id": "nu"')
    with pytest.raises(DataError, match="id 'nu' is used by features 1, 2"):
        siting.run(tiny / "study.yaml")


def test_inputs_are_never_modified(tiny):
    before = {p.name: p.read_bytes() for p in tiny.iterdir()}
    siting.run(tiny / "study.yaml")
    assert {p.name: p.read_bytes() for p in tiny.iterdir()} == before
