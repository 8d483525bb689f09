"""Large studies without n × n arrays: sparse neighbours equal the dense computation they replace.

Every sparse structure (spacing pairs from a KD-tree, cover sets, PROMETHEE II flows by sorting)
is compared with the brute-force dense computation on seeded instances small enough to hold it,
and the reduced, clique-covered portfolio model with the full pairwise model it replaces.
"""

from __future__ import annotations

import numpy as np
import pytest
from pymcdm import methods as pm

from siting import geodesy, mcda
from siting.errors import DataError
from siting.optimise import prepare, select_portfolio, solve_rules
from siting.optimise._core import chosen, solve
from siting.optimise.model import PLAIN, Variant, build
from siting.optimise.reduce import candidates_to_keep

SEEDS = [0, 1, 2]


def towns(seed: int, n: int, *, clustered: bool = False) -> np.ndarray:
    """Seeded points (lon, lat) in a box around Kazakhstan; clustered: jittered copies of 30."""
    rng = np.random.default_rng(seed)
    if not clustered:
        return np.column_stack([rng.uniform(50, 85, n), rng.uniform(41, 55, n)])
    centres = np.column_stack([rng.uniform(50, 85, 30), rng.uniform(41, 55, 30)])
    return centres[rng.integers(0, 30, n)] + rng.uniform(-0.5, 0.5, (n, 2))


# --------------------------------------------------------------------------- neighbours


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("km", [0.5, 80.0, 300.0])
def test_pairs_within_equal_the_dense_matrix(seed: int, km: float) -> None:
    pts = towns(seed, 400, clustered=seed == 1)
    dense = geodesy.haversine_km(pts, pts)
    i, j, d = geodesy.pairs_within(pts, km)
    di, dj = np.nonzero(np.triu(dense < km, k=1))
    np.testing.assert_array_equal(i, di)
    np.testing.assert_array_equal(j, dj)
    np.testing.assert_allclose(d, dense[di, dj], rtol=1e-12, atol=1e-9)


def test_pairs_within_keep_duplicates_and_drop_the_limit() -> None:
    """Two points at the same place are 0 km apart (a pair); a pair exactly at km is not."""
    pts = np.array([[70.0, 50.0], [70.0, 50.0], [70.0, 51.0]])
    one_degree = float(geodesy.haversine_km(pts[:1], pts[2:])[0, 0])
    i, j, _ = geodesy.pairs_within(pts, one_degree)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1)]


@pytest.mark.parametrize("seed", SEEDS)
def test_cover_sets_equal_the_dense_matrix(seed: int) -> None:
    sites = towns(seed, 300)
    demand = towns(seed + 10, 120, clustered=True)
    dense = geodesy.haversine_km(demand, sites)
    sets = geodesy.within_each(demand, sites, 150.0)
    assert len(sets) == len(demand)
    for row, got in zip(dense, sets, strict=True):
        np.testing.assert_array_equal(got, np.flatnonzero(row <= 150.0))


@pytest.mark.parametrize("seed", SEEDS)
def test_spacing_from_coordinates_equals_the_matrix(seed: int) -> None:
    pts = towns(seed, 250, clustered=True)
    scores = np.random.default_rng(seed).random(250)
    by_place = prepare(scores, n=3, lonlat=pts, min_spacing_km=200.0)
    by_matrix = prepare(
        scores, n=3, distances_km=geodesy.haversine_km(pts, pts), min_spacing_km=200.0
    )
    a, b = by_place.spacing, by_matrix.spacing
    assert a is not None and b is not None and a.distances_km is None
    for km in (200.0, 55.5):
        np.testing.assert_array_equal(a.pairs(km)[0], b.pairs(km)[0])
        np.testing.assert_array_equal(a.pairs(km)[1], b.pairs(km)[1])
        assert a.count_pairs(km) == b.count_pairs(km)
    mask = np.random.default_rng(seed).random(250) < 0.3
    np.testing.assert_array_equal(a.pairs(among=mask)[1], b.pairs(among=mask)[1])
    for c in (0, 17, 249):
        np.testing.assert_array_equal(a.near(c, 100.0), b.near(c, 100.0))
    np.testing.assert_allclose(a.among([3, 9, 40]), b.among([3, 9, 40]), rtol=1e-12)
    i, j = a.touching(np.array([5, 6]), 200.0)
    full_i, full_j = b.pairs(200.0)
    touch = np.isin(full_i, [5, 6]) | np.isin(full_j, [5, 6])
    np.testing.assert_array_equal(i, full_i[touch])
    np.testing.assert_array_equal(j, full_j[touch])


def test_coordinates_with_impossible_values_are_refused() -> None:
    with pytest.raises(DataError) as info:
        prepare([1.0, 2.0], n=1, lonlat=[[70.0, 50.0], [50.0, 95.0]], min_spacing_km=10)
    (problem,) = info.value.problems
    assert "lonlat has 1 point with a missing or impossible coordinate, at 1 (50, 95)" in problem
    with pytest.raises(DataError) as info:
        prepare([1.0, 2.0], n=1, lonlat=[[70.0, 50.0]], min_spacing_km=10)
    assert "lonlat must hold a longitude and a latitude" in info.value.problems[0]
    with pytest.raises(DataError) as info:
        prepare([1.0, 2.0], n=1, population=[5.0], demand_lonlat=[[70, 50]], cover_radius_km=10)
    assert "demand_lonlat needs the candidates' coordinates too" in info.value.problems[0]


# --------------------------------------------------------------------------- the portfolio


def _full_pairwise(rules):
    built = build(rules)
    solved = solve(built.prob, rules.solver)
    return solved.objective, chosen(built.x)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("clustered", [False, True])
def test_reduced_model_has_the_optimum_of_the_full_one(seed: int, clustered: bool) -> None:
    """Reduction + clique cover against every pair row over every candidate (today's model)."""
    n_sites = 300
    pts = towns(seed, n_sites, clustered=clustered)
    rng = np.random.default_rng(seed)
    scores = rng.random(n_sites) ** 3  # a few high scores, many low: the planners' shape
    groups = np.array(["north", "south", "west", "east"])[rng.integers(0, 4, n_sites)]
    rules = prepare(
        scores,
        n=4,
        lonlat=pts,
        min_spacing_km=250.0,
        groups=groups,
        at_most_per_group=1,
        must_exclude=[int(np.argmax(scores))],
        solver="highs",
    )
    keep = candidates_to_keep(rules, PLAIN)
    assert keep is not None and keep.sum() < n_sites / 2  # the reduction does reduce
    objective, selected = _full_pairwise(rules)
    fast = solve_rules(rules, explain_binding=False)
    assert fast.objective == pytest.approx(objective, abs=1e-9)
    np.testing.assert_array_equal(fast.selected, selected)  # continuous scores: one optimum
    for omit in ({"min_spacing_km"}, {"at_most_per_group"}, {"must_exclude"}):
        variant = Variant(omit=frozenset(omit))
        kept = candidates_to_keep(rules, variant)
        full = build(rules, variant)
        expected = solve(full.prob, "highs").objective
        reduced = build(rules, variant, keep=kept)
        assert solve(reduced.prob, "highs").objective == pytest.approx(expected, abs=1e-9)


def test_reduction_keeps_locked_sites_and_stays_out_of_other_objectives() -> None:
    pts = towns(4, 300)
    scores = np.random.default_rng(4).random(300)
    rules = prepare(scores, n=3, lonlat=pts, min_spacing_km=200.0, must_include=[7])
    keep = candidates_to_keep(rules, PLAIN)
    assert keep is not None and keep[7]
    assert candidates_to_keep(rules, Variant(objective="count")) is None
    assert candidates_to_keep(rules, Variant(extra=lambda *_: None)) is None
    res = select_portfolio(scores, n=3, lonlat=pts, min_spacing_km=200.0, must_include=[7])
    assert 7 in res.selected


def test_portfolio_of_many_candidates_builds_no_square_matrix() -> None:
    """20,000 candidates 300 km apart: 30 million conflicting pairs are never listed."""
    pts = towns(5, 20_000)
    scores = np.random.default_rng(5).random(20_000)
    rules = prepare(scores, n=3, lonlat=pts, min_spacing_km=300.0, solver="highs")
    assert rules.spacing is not None and rules.spacing.count_pairs() > 10_000_000
    res = solve_rules(rules, explain_binding=False)
    d = rules.spacing.among(res.selected)
    assert np.all(d[np.triu_indices(3, k=1)] >= 300.0)


# --------------------------------------------------------------------------- PROMETHEE II


FUNCTIONS = [
    ("usual", None, None),
    ("ushape", 0.2, None),
    ("vshape", None, 0.5),
    ("level", 0.1, 0.4),
    ("linear", 0.1, 0.4),
]


@pytest.mark.parametrize("seed", SEEDS)
def test_promethee_flows_by_sorting_equal_the_pairwise_sums(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(seed)
    n = 600
    # Real values, and whole numbers with many ties (differences exactly at a threshold).
    tens, fifths = rng.integers(0, 5, n) / 10, rng.integers(0, 3, n) / 5
    x = np.column_stack([rng.random(n), tens, rng.random(n), fifths, rng.normal(size=n)])
    w = rng.random(5)
    w /= w.sum()
    t = [1, -1, 1, -1, 1]
    kinds = [f for f, _, _ in FUNCTIONS]
    q = [v for _, v, _ in FUNCTIONS]
    p = [v for _, _, v in FUNCTIONS]
    monkeypatch.setattr(mcda, "PAIRWISE_FLOWS", 10)
    fast = mcda.promethee_ii(x, w, t, preference=kinds, q=q, p=p)
    monkeypatch.setattr(mcda, "PAIRWISE_FLOWS", 10**9)
    dense = mcda.promethee_ii(x, w, t, preference=kinds, q=q, p=p)
    for attr in ("positive", "negative", "net"):
        np.testing.assert_allclose(getattr(fast, attr), getattr(dense, attr), rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast.criterion_net, dense.criterion_net, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("ours", "theirs"), [("usual", "usual"), ("linear", "vshape_2")])
def test_promethee_flows_by_sorting_match_pymcdm(
    ours: str, theirs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(1, 100, (300, 4))
    w = np.full(4, 0.25)
    t = np.array([1, -1, 1, -1])
    q = [5.0] * 4 if ours == "linear" else None
    p = [30.0] * 4 if ours == "linear" else None
    monkeypatch.setattr(mcda, "PAIRWISE_FLOWS", 10)
    got = mcda.promethee_ii(x, w, t, preference=ours, q=q, p=p)
    net = pm.PROMETHEE_II(theirs, q=q, p=p)._method(x, w, t)[-1]
    np.testing.assert_allclose(got.net, net, rtol=0, atol=1e-9)


def test_promethee_refuses_pairwise_work_it_cannot_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gaussian criteria and the π matrix above the limit: refused at once, named."""
    monkeypatch.setattr(mcda, "PAIRWISE_MAX", 50)
    rng = np.random.default_rng(0)
    x = rng.random((60, 2))
    with pytest.raises(DataError) as info:
        mcda.promethee_ii(
            x, [0.5, 0.5], [1, 1], preference=["gaussian", "usual"], s=0.2, criteria=["a", "b"]
        )
    (problem,) = info.value.problems
    assert problem.startswith("criterion 'a': the gaussian preference function compares")
    assert "use the linear function (q and p) or vshape (p)" in problem
    with pytest.raises(DataError, match="ask for it with at most 50 alternatives"):
        mcda.promethee_ii(x, [0.5, 0.5], [1, 1], return_steps=True)
    # The piecewise-linear functions are not limited.
    assert mcda.promethee_ii(x, [0.5, 0.5], [1, 1], preference="vshape", p=0.3).net.shape == (60,)


def test_a_model_too_large_is_refused_with_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every candidate in the model (the alternatives, say) and too many pairs: said, not run."""
    from siting.optimise import alternatives_for, model

    pts = towns(6, 400)
    rules = prepare(np.random.default_rng(6).random(400), n=3, lonlat=pts, min_spacing_km=300)
    monkeypatch.setattr(model, "MAX_PAIR_ROWS", 1000)
    monkeypatch.setattr(model, "LAZY_PAIRS", 10**9)  # as if every pair had to be in the model
    with pytest.raises(DataError) as info:
        alternatives_for(rules, k=2, min_difference=1)
    (problem,) = info.value.problems
    assert problem.startswith("min_spacing_km 300 makes ")
    assert "pairs of candidates too close to be chosen together among 400 candidates" in problem
    # The portfolio itself is reduced first and still solved.
    assert solve_rules(rules, explain_binding=False).selected.size == 3


def test_a_chart_of_many_dots_draws_one_per_pixel() -> None:
    """100,000 dots in a chart 400 px wide: one circle per pixel they cover, labels kept."""
    from siting.outputs.svg import DOTS_DRAWN, LineChart, Series

    rng = np.random.default_rng(0)
    x, y = rng.random(100_000), rng.random(100_000)
    labels = [""] * 100_000
    labels[7] = "Astana"
    chart = LineChart(width=400, height=250, x_range=(0, 1), y_range=(0, 1))
    chart.add(Series(x, y, kind="dots", labels=labels))
    svg = chart.svg()
    circles = svg.count("<circle")
    assert DOTS_DRAWN < circles < 400 * 250
    assert ">Astana<" in svg
    few = LineChart(width=400, height=250, x_range=(0, 1), y_range=(0, 1))
    few.add(Series(x[:50], y[:50], kind="dots"))
    assert few.svg().count("<circle") == 50  # a small chart draws every dot where it lies


def test_the_listing_of_portfolios_gives_up_before_listing_too_many_conflicts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from siting.optimise import enumerate as listing

    pts = towns(8, 300)
    rules = prepare(np.random.default_rng(8).random(300), n=2, lonlat=pts, min_spacing_km=300)
    monkeypatch.setattr(listing, "CONFLICTS_LISTED", 10)
    assert listing.feasible_set(rules) is None
