"""Robustness analysis: the sampler's distribution, exact stability intervals, SMAA, portfolios."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import siting
from siting import mcda
from siting import sensitivity as sens
from siting.choice import portfolio_rules
from siting.errors import DataError
from siting.optimise.resolver import PortfolioResolver
from siting.outputs.sensitivity import write_sensitivity
from siting.sensitivity.sweeps import _swept_weights
from siting.weights import rank_order_centroid
from tests.builders import run_tiny

TINY = Path(__file__).parent / "fixtures" / "tiny" / "study.yaml"


@pytest.fixture(scope="module")
def tiny() -> siting.Results:
    return run_tiny()


def kept_values(results: siting.Results) -> tuple[pd.DataFrame, pd.Series]:
    values = results.values.loc[results.included]
    return values, results.weights.loc[values.columns]


def random_case(seed: int, m: int = 7, n: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((m, n)), rng.dirichlet(np.ones(n))


# --------------------------------------------------------------------------- sampler


def test_dirichlet_mean_and_beta_marginals():
    """Uniform on the simplex: mean 1/m, marginals Beta(1, m - 1) (Kotz, Balakrishnan & Johnson
    2000, Continuous Multivariate Distributions, ch. 49)."""
    m, n = 4, 20_000
    w = sens.sample_weights(m, n, rng=np.random.default_rng(20251125))
    assert w.shape == (n, m)
    assert np.allclose(w.sum(axis=1), 1.0)
    assert (w >= 0).all()
    # Var of Beta(1, m-1) is (m-1)/(m^2 (m+1)); five standard errors of the mean.
    se = np.sqrt((m - 1) / (m**2 * (m + 1)) / n)
    assert np.abs(w.mean(axis=0) - 1 / m).max() < 5 * se
    for j in range(m):
        assert stats.kstest(w[:, j], "beta", args=(1, m - 1)).pvalue > 0.01


def test_normalised_uniform_draws_are_biased():
    """Why the sampler does not divide U(0, 1) draws by their sum: for two criteria
    P(w_1 < 1/4) = P(u_1 < u_2 / 3) = 1/6, not 1/4, and the marginals fail the KS test."""
    rng = np.random.default_rng(7)
    u = rng.random((20_000, 2))
    naive = u / u.sum(axis=1, keepdims=True)
    assert (naive[:, 0] < 0.25).mean() == pytest.approx(1 / 6, abs=0.01)
    good = sens.sample_weights(2, 20_000, rng=np.random.default_rng(7))
    assert (good[:, 0] < 0.25).mean() == pytest.approx(1 / 4, abs=0.01)
    u4 = rng.random((20_000, 4))
    naive4 = u4 / u4.sum(axis=1, keepdims=True)
    assert stats.kstest(naive4[:, 0], "beta", args=(1, 3)).pvalue < 1e-6


def test_sampler_is_reproducible():
    a = sens.sample_weights(5, 100, rng=np.random.default_rng(3))
    b = sens.sample_weights(5, 100, rng=np.random.default_rng(3))
    c = sens.sample_weights(5, 100, rng=np.random.default_rng(4))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_order_of_importance_gives_rank_order_centroid_mean():
    """Sorted Dirichlet(1) draws are uniform on {w_1 >= ... >= w_m}, whose centroid is the
    rank-order centroid (Barron & Barrett 1996)."""
    m = 5
    order = [2, 0, 4, 1, 3]
    w = sens.sample_weights(m, 20_000, rng=np.random.default_rng(11), order=order)
    ranked = w[:, order]
    assert (np.diff(ranked, axis=1) <= 0).all()
    assert np.allclose(ranked.mean(axis=0), rank_order_centroid(m), atol=0.004)


def test_lower_bounds_keep_the_distribution_uniform():
    """With lower bounds only, (w - lo) / (1 - Σ lo) is again Dirichlet(1)."""
    lo = np.array([0.1, 0.2, 0.0])
    bounds = np.column_stack([lo, np.ones(3)])
    w = sens.sample_weights(3, 10_000, rng=np.random.default_rng(5), bounds=bounds)
    assert (w >= lo - 1e-12).all()
    u = (w - lo) / (1 - lo.sum())
    for j in range(3):
        assert stats.kstest(u[:, j], "beta", args=(1, 2)).pvalue > 0.01


def test_upper_bounds_match_brute_force_rejection():
    """Uniform on the box ∩ simplex: same marginals as rejecting plain Dirichlet draws."""
    bounds = np.array([[0.1, 0.5], [0.0, 0.3], [0.2, 1.0]])
    w = sens.sample_weights(3, 5_000, rng=np.random.default_rng(8), bounds=bounds)
    assert ((w >= bounds[:, 0] - 1e-12) & (w <= bounds[:, 1] + 1e-12)).all()
    plain = np.random.default_rng(9).dirichlet(np.ones(3), 60_000)
    inside = plain[((plain >= bounds[:, 0]) & (plain <= bounds[:, 1])).all(axis=1)]
    for j in range(3):
        assert stats.ks_2samp(w[:, j], inside[:, j]).pvalue > 0.01


def test_order_and_bounds_together():
    bounds = np.array([[0.0, 0.6], [0.1, 1.0], [0.0, 1.0]])
    w = sens.sample_weights(3, 500, rng=np.random.default_rng(1), bounds=bounds, order=[1, 0, 2])
    assert (w[:, 1] >= w[:, 0]).all() and (w[:, 0] >= w[:, 2]).all()
    assert (w[:, 0] <= 0.6).all() and (w[:, 1] >= 0.1).all()


def test_bad_bounds_and_order_are_reported_together():
    with pytest.raises(DataError) as err:
        sens.sample_weights(2, 10, rng=np.random.default_rng(0), bounds=[[0.7, 0.2], [0.5, 1.2]])
    assert len(err.value.problems) == 2
    with pytest.raises(DataError, match=r"lower bounds sum to 1\.2"):
        sens.sample_weights(2, 10, rng=np.random.default_rng(0), bounds=[[0.6, 1], [0.6, 1]])
    with pytest.raises(DataError, match="order must list every criterion"):
        sens.sample_weights(3, 10, rng=np.random.default_rng(0), order=[0, 0, 1])
    with pytest.raises(DataError, match="widen the ranges"):
        sens.sample_weights(
            6, 10, rng=np.random.default_rng(0), bounds=[[0.0, 0.17]] * 6, max_tries=10
        )


# --------------------------------------------------------------------------- one at a time


def test_one_at_a_time_by_hand():
    values = pd.DataFrame({"a": [1.0, 0.0, 0.5], "b": [0.0, 1.0, 0.5]}, index=["x", "y", "z"])
    weights = pd.Series({"a": 0.6, "b": 0.4})
    table = sens.one_at_a_time(values, weights, steps=5)
    assert set(table.columns) == {"criterion", "weight", "current", "candidate", "score", "rank"}
    # weight of a: 0, 0.25, 0.5, 0.6 (current), 0.75, 1 → 6 points × 3 candidates.
    part = table[table.criterion == "a"]
    assert len(part) == 18
    at = part[part.weight == 0.25].set_index("candidate")
    assert at["score"].to_dict() == pytest.approx({"x": 0.25, "y": 0.75, "z": 0.5})
    assert at["rank"].to_dict() == {"x": 3, "y": 1, "z": 2}
    # At 0.5 every candidate scores 0.5: ties share the best rank.
    assert (part[part.weight == 0.5]["rank"] == 1).all()
    current = part[part.current].set_index("candidate")
    assert current["score"].to_dict() == pytest.approx((values @ weights).to_dict())


def test_one_at_a_time_reproduces_the_run(tiny):
    values, weights = kept_values(tiny)
    table = sens.one_at_a_time(values, weights)
    for crit in values.columns:
        cur = table[(table.criterion == crit) & table.current].set_index("candidate")
        assert cur["rank"].to_dict() == tiny.ranking.loc[values.index, "rank"].astype(int).to_dict()
        # At weight 1 the ranking is the criterion's own.
        last = table[(table.criterion == crit) & (table.weight == 1.0)].set_index("candidate")
        assert last["score"].to_dict() == pytest.approx(values[crit].to_dict())


def test_sweep_when_a_criterion_holds_all_the_weight():
    values = np.array([[1.0, 0.0, 0.2], [0.0, 1.0, 0.9]])
    table = sens.one_at_a_time(values, [1.0, 0.0, 0.0], steps=3)
    # The others have no proportions to keep: they share 1 - t equally.
    at0 = table[(table.criterion == "0") & (table.weight == 0.0)]
    assert at0["score"].tolist() == pytest.approx([0.1, 0.95])


# --------------------------------------------------------------------------- stability intervals


def brute_top(scores: np.ndarray, n: int) -> frozenset[int]:
    return frozenset(np.argsort(-scores, kind="stable")[:n].tolist())


def brute_interval(grid: np.ndarray, same: np.ndarray) -> tuple[float, float]:
    """The contiguous run of True around the current point, on the grid."""
    idx = np.flatnonzero(same)
    return float(grid[idx.min()]), float(grid[idx.max()])


@pytest.mark.parametrize("seed", range(6))
def test_stability_intervals_against_brute_force(seed):
    v, w = random_case(seed)
    top_n = 3
    table = sens.stability_intervals(v, w, top_n=top_n)
    grid = np.linspace(0, 1, 4001)
    step = grid[1]
    for c in range(v.shape[1]):
        row = table.iloc[c]
        weights = np.array([_swept_weights(w, c, t) for t in grid])
        scores = weights @ v.T
        base = v @ w
        for key, n in (("first", 1), ("top_n", top_n)):
            ref = brute_top(base, n)
            same = np.array([brute_top(s, n) == ref for s in scores])
            # The set of weights keeping the result is an interval (scores are linear in t).
            lo, hi = brute_interval(grid, same)
            assert same[(grid >= lo) & (grid <= hi)].all()
            assert row[f"{key}_lo"] == pytest.approx(lo, abs=step)
            assert row[f"{key}_hi"] == pytest.approx(hi, abs=step)
            assert row[f"{key}_lo"] <= w[c] <= row[f"{key}_hi"]


def test_stability_interval_by_hand():
    # s_x = t, s_y = 1 - t: x is first for t >= 1/2, the crossing point.
    table = sens.stability_intervals([[1.0, 0.0], [0.0, 1.0]], [0.7, 0.3], top_n=1)
    row = table.iloc[0]
    assert (row["first"], row["first_lo"], row["first_hi"]) == ("0", 0.5, 1.0)
    assert row["first_below"] == "1" and row["first_above"] == ""


def spaced_brute_force(distances: np.ndarray, n: int, spacing: float):
    """Portfolio by enumeration: the best n-subset with every pair at least `spacing` apart."""
    m = distances.shape[0]
    feasible = [
        c
        for c in itertools.combinations(range(m), n)
        if all(distances[i, j] >= spacing for i, j in itertools.combinations(c, 2))
    ]

    def solve(scores: np.ndarray) -> np.ndarray:
        return np.array(max(feasible, key=lambda c: (scores[list(c)].sum(), [-i for i in c])))

    return solve


@pytest.mark.parametrize("seed", range(3))
def test_portfolio_interval_against_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    v, w = random_case(seed, m=8, n=3)
    xy = rng.random((8, 2)) * 1000
    distances = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    solve = spaced_brute_force(distances, 3, 250.0)
    table = sens.stability_intervals(v, w, top_n=2, portfolio_fn=solve)
    grid = np.linspace(0, 1, 2001)
    for c in range(v.shape[1]):
        row = table.iloc[c]
        ref = frozenset(solve(v @ w).tolist())
        same = np.array(
            [frozenset(solve(v @ _swept_weights(w, c, t)).tolist()) == ref for t in grid]
        )
        lo, hi = brute_interval(grid, same)
        assert row["portfolio_lo"] == pytest.approx(lo, abs=grid[1])
        assert row["portfolio_hi"] == pytest.approx(hi, abs=grid[1])
        # Parametric search: a few solves, not a grid.
        assert row["portfolio_solves"] <= 12


def test_portfolio_resolver_agrees_with_optimise(tiny):
    from siting.optimise.portfolio import solve_rules

    rules = portfolio_rules(tiny)
    highs = PortfolioResolver(rules)
    cbc = PortfolioResolver(rules, solver="cbc")
    rng = np.random.default_rng(0)
    for _ in range(4):
        scores = rng.random(rules.size)
        expected = solve_rules(dataclasses.replace(rules, scores=scores), explain_binding=False)
        assert highs(scores).tolist() == expected.selected.tolist()
        assert cbc(scores).tolist() == expected.selected.tolist()
    assert highs.solves == 4
    # The run's own scores give the run's own portfolio.
    chosen = highs(tiny.ranking.loc[tiny.included, "score"].to_numpy())
    assert sorted(tiny.included[chosen]) == sorted(tiny.portfolio.ids)


def test_stability_on_the_tiny_study(tiny):
    values, weights = kept_values(tiny)
    table = sens.stability_intervals(
        values, weights, top_n=2, portfolio_fn=PortfolioResolver(portfolio_rules(tiny))
    )
    row = table.set_index("criterion").loc["university_km"]
    assert row["first"] == "almaty" and row["portfolio"] == "almaty;astana"
    # Almaty dominates Astana on every criterion, so only Karaganda (nearest to its university)
    # can overtake it, when university_km weighs almost everything.
    assert 0.9 < row["first_hi"] < 1.0 and row["first_above"] == "karaganda"
    assert row["portfolio_lo"] <= 0.25 <= row["portfolio_hi"]


def test_stability_rejects_bad_input():
    with pytest.raises(DataError, match="top_n must be"):
        sens.stability_intervals([[1.0, 0.0]], [0.5, 0.5], top_n=2)
    with pytest.raises(DataError, match=r"sum to 0\.9"):
        sens.stability_intervals([[1.0, 0.0]], [0.5, 0.4], top_n=1)
    with pytest.raises(DataError, match="NaN"):
        sens.stability_intervals([[np.nan, 0.0]], [0.5, 0.5], top_n=1)


# --------------------------------------------------------------------------- SMAA


def brute_smaa(v: np.ndarray, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = v.shape[0]
    b = np.zeros((m, m))
    central = np.zeros_like(v, shape=(m, v.shape[1]))
    wins = np.zeros(m)
    for w in samples:
        ranks = stats.rankdata(-(v @ w), method="min").astype(int)
        b[np.arange(m), ranks - 1] += 1
        first = ranks == 1
        central[first] += w
        wins[first] += 1
    with np.errstate(invalid="ignore"):
        return b / len(samples), central / wins[:, None]


def test_rank_acceptability_against_a_loop():
    v, _ = random_case(3, m=6, n=3)
    samples = sens.sample_weights(3, 800, rng=np.random.default_rng(1))
    out = sens.rank_acceptability(v, weight_samples=samples, chunk=97)
    b, central = brute_smaa(v, samples)
    assert np.allclose(out.acceptability.to_numpy(), b)
    assert np.allclose(out.central_weights.to_numpy(), central, equal_nan=True)
    assert np.allclose(out.acceptability.sum(axis=1), 1.0)
    assert out.expected_rank.to_numpy() == pytest.approx(b @ np.arange(1, 7))
    # Without value uncertainty a central weight vector makes its candidate first, or not.
    assert set(out.confidence.dropna().unique()) <= {0.0, 1.0}


def test_rank_acceptability_by_hand():
    """Two criteria, w_1 ~ U(0, 1): A = (1, 0) scores w_1, B = (0, 1) scores 1 - w_1 and
    C = (0.6, 0.6) scores 0.6.  C is first for w_1 in (0.4, 0.6), A above, B below, so
    b^1 = (0.4, 0.4, 0.2) and the central weights are the midpoints (0.8, 0.2), (0.2, 0.8)
    and (0.5, 0.5)."""
    v = pd.DataFrame([[1.0, 0.0], [0.0, 1.0], [0.6, 0.6]], index=["A", "B", "C"])
    samples = sens.sample_weights(2, 40_000, rng=np.random.default_rng(12))
    out = sens.rank_acceptability(v, weight_samples=samples)
    se = np.sqrt(0.4 * 0.6 / 40_000)
    first = out.acceptability[1]
    assert first.to_numpy() == pytest.approx([0.4, 0.4, 0.2], abs=5 * se)
    expected = np.array([[0.8, 0.2], [0.2, 0.8], [0.5, 0.5]])
    assert np.abs(out.central_weights.to_numpy() - expected).max() < 0.005
    # C is never last: it beats whichever of A and B the weights disfavour.
    assert out.acceptability.loc["C", 3] == 0.0
    assert out.confidence.to_dict() == {"A": 1.0, "B": 1.0, "C": 1.0}


def test_rank_acceptability_with_ties_shares_the_better_rank():
    v = np.array([[0.5, 0.5], [0.5, 0.5], [0.0, 0.2]])
    out = sens.rank_acceptability(v, weight_samples=np.array([[0.5, 0.5], [0.2, 0.8]]))
    assert out.acceptability.loc["0", 1] == 1.0 and out.acceptability.loc["1", 1] == 1.0
    assert out.acceptability.loc["2", 3] == 1.0


def test_dominated_candidate_is_never_first(tiny):
    values, _ = kept_values(tiny)
    samples = sens.sample_weights(3, 2000, rng=np.random.default_rng(0))
    out = sens.rank_acceptability(values, weight_samples=samples)
    # Almaty is at least as good as every other kept town on every criterion.
    assert out.acceptability.loc["almaty", 1] == 1.0
    assert out.confidence["almaty"] == 1.0
    assert np.isnan(out.confidence["oskemen"])


def test_value_uncertainty_is_reproducible_and_chunk_free():
    v, _ = random_case(4, m=9, n=3)
    samples = sens.sample_weights(3, 300, rng=np.random.default_rng(1))
    spec = {"0": 0.1, "2": sens.Uncertainty("normal", 0.05)}

    def go(seed: int, chunk: int | None) -> sens.RankAcceptability:
        return sens.rank_acceptability(
            v,
            weight_samples=samples,
            value_uncertainty=spec,
            rng=np.random.default_rng(seed),
            chunk=chunk,
        )

    a, b, c = go(5, None), go(5, 37), go(6, None)
    assert a.acceptability.equals(b.acceptability)
    assert a.confidence.equals(b.confidence)
    assert not a.acceptability.equals(c.acceptability)
    exact = sens.rank_acceptability(v, weight_samples=samples)
    assert not a.acceptability.equals(exact.acceptability)


def test_value_uncertainty_errors():
    v = np.eye(2)
    w = np.array([[0.5, 0.5]])
    with pytest.raises(DataError, match="needs rng"):
        sens.rank_acceptability(v, weight_samples=w, value_uncertainty=[0.1, 0.1])
    with pytest.raises(DataError, match="unknown criteria"):
        sens.rank_acceptability(
            v, weight_samples=w, value_uncertainty={"x": 0.1}, rng=np.random.default_rng()
        )
    with pytest.raises(DataError, match="from 0 to 1"):
        sens.rank_acceptability(
            v, weight_samples=w, value_uncertainty=[2.0, 0.1], rng=np.random.default_rng()
        )
    with pytest.raises(DataError, match="draws × criteria"):
        sens.rank_acceptability(v, weight_samples=np.ones((3, 3)) / 3)


# --------------------------------------------------------------------------- portfolio membership


def test_portfolio_membership_against_a_loop():
    rng = np.random.default_rng(21)
    v, _ = random_case(21, m=7, n=3)
    xy = rng.random((7, 2)) * 1000
    distances = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    solve = spaced_brute_force(distances, 2, 300.0)
    samples = sens.sample_weights(3, 200, rng=np.random.default_rng(2))
    out = sens.portfolio_membership(v, weight_samples=samples, solve=solve)
    hits = np.zeros(7)
    for w in samples:
        hits[solve(v @ w)] += 1
    assert out.probability.to_numpy() == pytest.approx(hits / 200)
    assert out.portfolios["share"].sum() == pytest.approx(1.0)
    assert out.probability.sum() == pytest.approx(2.0)  # two sites in every portfolio
    assert out.draws == 200


def test_portfolio_membership_on_the_tiny_study(tiny):
    values, _ = kept_values(tiny)
    solve = PortfolioResolver(portfolio_rules(tiny))
    samples = sens.sample_weights(3, 50, rng=np.random.default_rng(0))
    out = sens.portfolio_membership(values, weight_samples=samples, solve=solve, n_draws=30)
    assert out.draws == 30 and solve.solves == 30
    # Almaty and Astana dominate the towns of their macro-regions and are 970 km apart.
    assert out.probability["almaty"] == 1.0 and out.probability["astana"] == 1.0


# --------------------------------------------------------------------------- methods, entry point


def test_method_rankings(tiny):
    values, weights = kept_values(tiny)
    out = sens.method_rankings(values, weights, method=tiny.study.method, k=3)
    assert (
        out.ranks["weighted_sum"].to_dict()
        == tiny.ranking.loc[values.index, "rank"].astype(int).to_dict()
    )
    # The weighted product scores the values floored as the study would (a value of 0 is a
    # legitimate worst case), so it ranks beside the others; OWA has no order weights here.
    assert set(out.ranks.columns) == {
        "weighted_sum",
        "weighted_product",
        "topsis",
        "vikor",
        "promethee_ii",
    }
    assert out.skipped == {}
    assert len(out.agreement) == len(out.ranks.columns) * (len(out.ranks.columns) - 1) // 2
    with pytest.raises(DataError, match="unknown MCDA method"):
        sens.method_rankings(values, weights, methods=["electre"])


def test_method_rankings_use_the_study_options(tiny):
    """PROMETHEE II under the study's options (v-shape, p = 0.5), not the library's default."""
    values, weights = kept_values(tiny)
    study = tiny.study.method.model_copy(update={"compare": ["promethee_ii", "topsis"]})
    ours = sens.method_rankings(values, weights, method=study).ranks["promethee_ii"]
    expected = mcda.rank(
        mcda.promethee_ii(
            values, weights.to_numpy(), np.ones(len(weights)), preference="vshape", p=0.5
        ).net
    )
    assert ours.tolist() == list(expected)


def test_analyse_and_write_are_byte_identical(tiny, tmp_path):
    options = {
        "samples": 400,
        "portfolio_draws": 20,
        "value_uncertainty": {"population": 0.2, "university_km": 0.1},
        "bounds": {"population": (0.2, 0.8)},
    }
    a = sens.analyse(tiny, seed=3, **options)
    b = sens.analyse(tiny, seed=3, **options)
    c = sens.analyse(tiny, seed=4, **options)
    written_a = write_sensitivity(a, tmp_path / "a")
    written_b = write_sensitivity(b, tmp_path / "b")
    written_c = write_sensitivity(c, tmp_path / "c")
    assert set(written_a) == {
        "sensitivity.csv", "stability.csv", "acceptability.csv", "portfolios.csv", "methods_all.csv",
        "method_agreement_all.csv", "sensitivity.png",
    }  # fmt: skip
    for name, path in written_a.items():
        if name.endswith(".csv"):
            assert path.read_bytes() == written_b[name].read_bytes(), name
    assert (
        written_a["acceptability.csv"].read_bytes() != written_c["acceptability.csv"].read_bytes()
    )
    assert written_a["sensitivity.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    acc = pd.read_csv(written_a["acceptability.csv"])
    assert acc["id"].tolist() == list(tiny.included)
    assert acc.filter(like="rank_").sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-5)
    assert (acc["central_population"].dropna().between(0.2, 0.8)).all()
    assert list(pd.read_csv(written_a["stability.csv"])["criterion"]) == list(tiny.values.columns)


def test_analyse_rejects_unknown_criteria(tiny):
    with pytest.raises(DataError) as err:
        sens.analyse(tiny, samples=10, bounds={"popultion": (0, 1)}, order=["population"])
    assert len(err.value.problems) == 2


def test_study_without_portfolio(edit, tmp_path):
    study = tmp_path / "study.yaml"
    for f in TINY.parent.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    edit(
        study,
        "portfolio:\n  sites: 2\n  min_spacing_km: 300\n"
        "  at_most_per: {field: macro_region, count: 1}\n",
        "",
    )
    results = siting.run(study)
    out = sens.analyse(results, samples=100, methods=False)
    assert out.membership is None and out.methods is None
    assert "portfolio_lo" not in out.stability.columns
    assert list(out.stability["top_n"].str.count(";") + 1) == [3, 3, 3]
    written = write_sensitivity(out, tmp_path / "out")
    assert "portfolios.csv" not in written and "methods_all.csv" not in written
    assert pd.read_csv(written["acceptability.csv"])["portfolio"].isna().all()
    with pytest.raises(DataError, match="no portfolio section"):
        portfolio_rules(results)
