"""Tests of siting.mcda: cross-checks with pymcdm, worked examples, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pymcdm import methods as pm
from pymcdm import normalizations as pn
from scipy import stats

from siting import mcda
from siting.errors import DataError

TOL = 1e-9


def random_problem(seed: int, n: int = 12, m: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A seeded positive matrix, weights summing to 1, and mixed benefit/cost types."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1.0, 100.0, size=(n, m)) * rng.uniform(0.01, 1000.0, size=m)
    w = rng.uniform(0.05, 1.0, size=m)
    w /= w.sum()
    t = np.where(rng.uniform(size=m) < 0.5, -1, 1)
    t[0] = 1
    t[-1] = -1
    return x, w, t


SEEDS = [0, 1, 2, 3, 4]
PYMCDM_NORMS = {
    "minmax": pn.minmax_normalization,
    "vector": pn.vector_normalization,
    "sum": pn.sum_normalization,
    "max": pn.max_normalization,
}


# --------------------------------------------------------------------------- pymcdm cross-checks


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("method", sorted(PYMCDM_NORMS))
def test_normalise_matches_pymcdm(seed: int, method: str) -> None:
    x, _, t = random_problem(seed)
    ours = mcda.normalise(x, t, method=method)
    theirs = np.column_stack(
        [PYMCDM_NORMS[method](x[:, j], cost=t[j] < 0) for j in range(x.shape[1])]
    )
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("method", sorted(PYMCDM_NORMS))
def test_weighted_sum_matches_pymcdm_wsm(seed: int, method: str) -> None:
    x, w, t = random_problem(seed)
    ours = mcda.weighted_sum(x, w, t, normalisation=method)
    np.testing.assert_allclose(ours, pm.WSM(PYMCDM_NORMS[method])(x, w, t), rtol=0, atol=TOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_weighted_product_matches_pymcdm_wpm(seed: int) -> None:
    """siting's WPM is pymcdm's with linear normalisation (x / max, min / x)."""
    x, w, t = random_problem(seed)
    ours = mcda.weighted_product(x, w, t)
    np.testing.assert_allclose(ours, pm.WPM(pn.linear_normalization)(x, w, t), rtol=0, atol=TOL)
    # pymcdm's default (sum normalisation) scales scores differently but ranks the same.
    theirs_default = pm.WPM()(x, w, t)
    np.testing.assert_array_equal(mcda.rank(ours), mcda.rank(theirs_default))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("method", sorted(PYMCDM_NORMS))
def test_topsis_matches_pymcdm(seed: int, method: str) -> None:
    x, w, t = random_problem(seed)
    ours = mcda.topsis(x, w, t, normalisation=method, return_steps=True)
    theirs = pm.TOPSIS(PYMCDM_NORMS[method])
    nmatrix, _weighted, nis, pis, dm, dp, pref = theirs._method(x, w, t)
    np.testing.assert_allclose(ours.scores, pref, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.normalised, nmatrix, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.ideal, pis, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.anti_ideal, nis, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.d_plus, dp, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.d_minus, dm, rtol=0, atol=TOL)


def test_topsis_default_differs_from_pymcdm_default() -> None:
    """pymcdm's TOPSIS() normalises min-max by default; the classic method (ours) uses vector."""
    x, w, t = random_problem(7)
    np.testing.assert_allclose(
        mcda.topsis(x, w, t, normalisation="minmax"), pm.TOPSIS()(x, w, t), atol=TOL
    )
    assert np.abs(mcda.topsis(x, w, t) - pm.TOPSIS()(x, w, t)).max() > 1e-3


def test_topsis_cost_mirror_equals_classic_formulation() -> None:
    """1 - x/‖x‖ with the ideal at the max equals x/‖x‖ with the ideal at the min (classic)."""
    x, w, t = random_problem(11)
    r = x / np.sqrt((x**2).sum(axis=0))
    v = r * w
    ideal = np.where(t > 0, v.max(axis=0), v.min(axis=0))
    anti = np.where(t > 0, v.min(axis=0), v.max(axis=0))
    dp = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    dm = np.sqrt(((v - anti) ** 2).sum(axis=1))
    np.testing.assert_allclose(mcda.topsis(x, w, t), dm / (dp + dm), rtol=0, atol=TOL)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("v", [0.0, 0.3, 0.5, 1.0])
def test_vikor_matches_pymcdm(seed: int, v: float) -> None:
    x, w, t = random_problem(seed)
    ours = mcda.vikor(x, w, t, v=v)
    _, _fminus, fstar, s, r, q = pm.VIKOR(v=v)._method(x, w, t)
    np.testing.assert_allclose(ours.s, s, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.r, r, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.q, q, rtol=0, atol=TOL)
    # pymcdm's f*/f- live in its "fake normalised" space (max - x for a cost); ours in units.
    cost = t < 0
    np.testing.assert_allclose(
        np.where(cost, x.max(axis=0) - ours.best, ours.best), fstar, rtol=0, atol=1e-6
    )


PROMETHEE_CASES = [
    ("usual", "usual", False, False),
    ("ushape", "ushape", True, False),
    ("vshape", "vshape", False, True),
    ("level", "level", True, True),
    ("linear", "vshape_2", True, True),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("ours_name", "theirs_name", "needs_q", "needs_p"), PROMETHEE_CASES)
def test_promethee_matches_pymcdm(
    seed: int, ours_name: str, theirs_name: str, needs_q: bool, needs_p: bool
) -> None:
    x, w, t = random_problem(seed)
    spread = x.std(axis=0)
    q = list(0.3 * spread) if needs_q else None
    p = list(1.2 * spread) if needs_p else None
    ours = mcda.promethee_ii(x, w, t, preference=ours_name, q=q, p=p)
    _, _, f_plus, f_minus, net = pm.PROMETHEE_II(theirs_name, q=q, p=p)._method(x, w, t)
    np.testing.assert_allclose(ours.positive, f_plus, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.negative, f_minus, rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.net, net, rtol=0, atol=TOL)


def test_promethee_mixed_functions_match_pymcdm_per_criterion() -> None:
    """Different functions per criterion = sum of single-criterion runs weighted by w."""
    x, w, t = random_problem(5, m=3)
    q, p = [0.0, 5.0, 2.0], [10.0, 0.0, 30.0]
    ours = mcda.promethee_ii(x, w, t, preference=["vshape", "ushape", "linear"], q=q, p=p)
    parts = [("vshape", None, [p[0]]), ("ushape", [q[1]], None), ("vshape_2", [q[2]], [p[2]])]
    net = np.zeros(x.shape[0])
    for j, (name, qj, pj) in enumerate(parts):
        single = pm.PROMETHEE_II(name, q=qj, p=pj)._method(x[:, [j]], np.ones(1), t[[j]])[-1]
        net += w[j] * single
    np.testing.assert_allclose(ours.net, net, rtol=0, atol=TOL)


# --------------------------------------------------------------------------- worked examples

FIGHTERS = np.array(
    [
        [2.0, 1500, 20000, 5.5, 5, 9],
        [2.5, 2700, 18000, 6.5, 3, 5],
        [1.8, 2000, 21000, 4.5, 7, 7],
        [2.2, 1800, 20000, 5.0, 5, 5],
    ]
)
FIGHTER_WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.2, 0.3]
FIGHTER_TYPES = [1, 1, 1, -1, 1, 1]


def test_topsis_hwang_yoon_fighter_aircraft() -> None:
    """Hwang & Yoon (1981), *Multiple Attribute Decision Making*, the fighter-aircraft example.

    Four aircraft on maximum speed (Mach), ferry range (NM), maximum payload (lb),
    acquisition cost ($10⁶, cost), reliability and manoeuvrability (qualitative,
    scored 3 low, 5 average, 7 high, 9 very high), weights 0.2, 0.1, 0.1, 0.1, 0.2, 0.3.
    The book's closeness coefficients, to three decimals: 0.643, 0.268, 0.614,
    0.312, so A1 ranks first, then A3, A4, A2.
    """
    c = mcda.topsis(FIGHTERS, FIGHTER_WEIGHTS, FIGHTER_TYPES)
    np.testing.assert_allclose(c.round(3), [0.643, 0.268, 0.614, 0.312], atol=0)
    assert mcda.rank(c).tolist() == [1, 4, 2, 3]


def test_vikor_hand_worked_example() -> None:
    """A hand-checkable VIKOR example (all fractions exact).

    Three alternatives, two benefit criteria, weights 1/2, 1/2:

    A1 = (10, 0), A2 = (5, 5), A3 = (0, 10)  →  f* = (10, 10), f- = (0, 0)
    regrets w·(f* - f)/(f* - f-): A1 (0, 1/2), A2 (1/4, 1/4), A3 (1/2, 0)
    S = (1/2, 1/2, 1/2), R = (1/2, 1/4, 1/2)
    S- = S*, so the S term is 0; Q = (1 - v)(R - 1/4)/(1/4) = (1/2, 0, 1/2) for v = 1/2.
    DQ = 1/2: Q(A1) - Q(A2) = 1/2 >= DQ (C1 holds); A2 is best by R (C2 holds).
    """
    x = np.array([[10.0, 0.0], [5.0, 5.0], [0.0, 10.0]])
    res = mcda.vikor(x, [0.5, 0.5], [1, 1], return_steps=True)
    np.testing.assert_allclose(res.s, [0.5, 0.5, 0.5])
    np.testing.assert_allclose(res.r, [0.5, 0.25, 0.5])
    np.testing.assert_allclose(res.q, [0.5, 0.0, 0.5])
    np.testing.assert_allclose(res.regret, [[0, 0.5], [0.25, 0.25], [0.5, 0]])
    assert res.dq == 0.5
    assert res.acceptable_advantage and res.acceptable_stability
    assert res.compromise == [1]
    assert "compromise solution" in res.message


def test_vikor_both_conditions_hold_at_exact_dq() -> None:
    """Five alternatives on one criterion: Q = 0, 1/4, 1/2, 3/4, 1 and DQ = 1/4.

    The gap Q(a'') - Q(a') equals DQ exactly, which satisfies C1 ("≥ DQ").
    """
    res = mcda.vikor(np.array([[4.0], [3.0], [2.0], [1.0], [0.0]]), [1.0], [1])
    np.testing.assert_allclose(res.q, [0, 0.25, 0.5, 0.75, 1])
    assert res.acceptable_advantage and res.acceptable_stability
    assert res.compromise == [0]


def test_vikor_only_stability_fails() -> None:
    """C1 holds, C2 fails → the compromise set is {a', a''} (Opricovic & Tzeng 2004, step 5).

    Two benefit criteria, weights 1/2; f* = (10, 6), f- = (2, 1).  Regrets
    w (f* - f) / (f* - f-) and S, R by hand:

    A1 (8, 2): (1/8, 2/5)  S = .525  R = .4
    A2 (4, 3): (3/8, 3/10) S = .675  R = .375
    A3 (10, 1): (0, 1/2)   S = .5    R = .5
    A4 (2, 6): (1/2, 0)    S = .5    R = .5
    A5 (2, 4): (1/2, 1/5)  S = .7    R = .5

    Q1 = .5 (.025/.2) + .5 (.025/.125) = .1625, Q2 = .4375: the gap .275 ≥ DQ = .25
    (C1 holds), but A1 is best neither by S (A3, A4) nor by R (A2).
    """
    x = np.array([[8.0, 2.0], [4.0, 3.0], [10.0, 1.0], [2.0, 6.0], [2.0, 4.0]])
    res = mcda.vikor(x, [0.5, 0.5], [1, 1])
    np.testing.assert_allclose(res.s, [0.525, 0.675, 0.5, 0.5, 0.7])
    np.testing.assert_allclose(res.r, [0.4, 0.375, 0.5, 0.5, 0.5])
    np.testing.assert_allclose(res.q, [0.1625, 0.4375, 0.5, 0.5, 1.0])
    assert res.acceptable_advantage
    assert not res.acceptable_stability
    assert res.compromise == [0, 1]
    assert "acceptable stability (C2)" in res.message


def test_vikor_both_conditions_fail() -> None:
    """C1 (and C2) fail → every alternative with Q - Q(a') < DQ, best Q first.

    Weights 1/2, f* = (10, 10), f- = (1, 2): S = (.5, .6458, .5417, .5),
    R = (.5, 1/3, .375, .5), Q3 = .5 (1/24)/(7/48) + .5 (1/24)/(1/6) = .2679 is best,
    the others have Q = .5 < .2679 + DQ (DQ = 1/3), so all four are in the set.
    """
    x = np.array([[10.0, 2.0], [4.0, 5.0], [7.0, 4.0], [1.0, 10.0]])
    frame = pd.DataFrame(x, index=["a", "b", "c", "d"], columns=["u", "v"])
    res = mcda.vikor(frame, [0.5, 0.5], [1, 1])
    assert res.q["c"] == pytest.approx(0.5 * (1 / 24) / (7 / 48) + 0.5 * (1 / 24) / (1 / 6))
    assert not res.acceptable_advantage
    assert not res.acceptable_stability
    assert res.compromise == ["c", "a", "b", "d"]
    assert list(res.best.index) == ["u", "v"]
    assert "acceptable advantage" in res.message


def test_promethee_hand_worked_usual() -> None:
    """Usual criterion on three alternatives: flows are shares of pairwise wins.

    One benefit criterion x = (3, 1, 2): A1 beats A2 and A3 → φ+ = 2/2, φ- = 0;
    A2 beats nobody → φ+ = 0, φ- = 1; A3 beats A2 → φ+ = 1/2, φ- = 1/2.
    """
    res = mcda.promethee_ii(np.array([[3.0], [1.0], [2.0]]), [1.0], [1])
    np.testing.assert_allclose(res.positive, [1.0, 0.0, 0.5])
    np.testing.assert_allclose(res.negative, [0.0, 1.0, 0.5])
    np.testing.assert_allclose(res.net, [1.0, -1.0, 0.0])


def test_promethee_gaussian_and_level_by_hand() -> None:
    """Gaussian P(d) = 1 - exp(-d²/2s²); level P = 1/2 between q and p (Brans & Vincke 1985)."""
    x = np.array([[0.0], [1.0], [3.0]])
    res = mcda.promethee_ii(x, [1.0], [1], preference="gaussian", s=1.0, return_steps=True)
    g = lambda d: 1 - np.exp(-(d**2) / 2)  # noqa: E731
    pi = np.array([[0, 0, 0], [g(1), 0, 0], [g(3), g(2), 0]])
    np.testing.assert_allclose(res.pi, pi)
    np.testing.assert_allclose(res.positive, pi.sum(axis=1) / 2)
    np.testing.assert_allclose(res.negative, pi.sum(axis=0) / 2)
    lev = mcda.promethee_ii(x, [1.0], [-1], preference="level", q=0.5, p=2.0, return_steps=True)
    # cost: d(a, b) = x_b - x_a; A1 vs A2: d = 1 → 1/2; A1 vs A3: d = 3 → 1; A2 vs A3: d = 2 → 1/2
    np.testing.assert_allclose(lev.pi, [[0, 0.5, 1.0], [0, 0, 0.5], [0, 0, 0]])


def test_promethee_net_decomposes_by_criterion() -> None:
    x, w, t = random_problem(3, n=30, m=4)
    res = mcda.promethee_ii(x, w, t, preference="linear", q=1.0, p=50.0, return_steps=True)
    np.testing.assert_allclose(res.criterion_net @ w, res.net, atol=1e-12)
    np.testing.assert_allclose(res.net.sum(), 0.0, atol=1e-12)
    n = x.shape[0]
    np.testing.assert_allclose(res.pi.sum(axis=1) / (n - 1), res.positive, atol=1e-12)


def test_promethee_blocks_give_same_flows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Processing pairs in small blocks (for memory) does not change the flows."""
    x, w, t = random_problem(8, n=50, m=3)
    whole = mcda.promethee_ii(x, w, t, preference="vshape", p=100.0)
    monkeypatch.setattr(mcda, "_BLOCK", 7 * 50)
    blocked = mcda.promethee_ii(x, w, t, preference="vshape", p=100.0)
    np.testing.assert_allclose(blocked.net, whole.net, atol=1e-12)
    np.testing.assert_allclose(blocked.negative, whole.negative, atol=1e-12)


def test_owa_limits() -> None:
    """Equal order weights = weighted sum; (1, 0, …) = max; (…, 0, 1) = min (Yager 1988)."""
    x, w, t = random_problem(9, m=4)
    z = mcda.normalise(x, t, method="minmax")
    np.testing.assert_allclose(
        mcda.owa(x, w, t, order_weights=[0.25] * 4), mcda.weighted_sum(x, w, t), atol=1e-12
    )
    np.testing.assert_allclose(mcda.owa(x, w, t, order_weights=[1, 0, 0, 0]), z.max(axis=1))
    np.testing.assert_allclose(mcda.owa(x, w, t, order_weights=[0, 0, 0, 1]), z.min(axis=1))
    steps = mcda.owa(x, w, t, order_weights=[0.4, 0.3, 0.2, 0.1], return_steps=True)
    assert steps.orness == pytest.approx(0.4 + 0.3 * 2 / 3 + 0.2 / 3)
    assert mcda.orness([0.25] * 4) == pytest.approx(0.5)


def test_owa_hand_worked() -> None:
    """Malczewski (2006) form Σ u v z / Σ u v, one alternative worked by hand.

    z = (0.2, 1.0, 0.6) sorted → (1.0, 0.6, 0.2), criterion weights (0.5, 0.3, 0.2) carried
    along → (0.3, 0.2, 0.5), order weights (0.5, 0.3, 0.2): u·v = (0.15, 0.06, 0.10),
    OWA = (0.15 · 1.0 + 0.06 · 0.6 + 0.10 · 0.2) / 0.31 = 0.206 / 0.31.
    """
    x = np.array([[0.2, 1.0, 0.6], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    res = mcda.owa(x, [0.5, 0.3, 0.2], [1, 1, 1], order_weights=[0.5, 0.3, 0.2])
    assert res[0] == pytest.approx(0.206 / 0.31)
    none = mcda.owa(
        x, [0.5, 0.3, 0.2], [1, 1, 1], order_weights=[0.5, 0.3, 0.2], normalisation="none"
    )
    assert none[0] == pytest.approx(0.206 / 0.31)


# --------------------------------------------------------------------------- conventions


def test_dataframe_in_series_out_and_alignment_by_name() -> None:
    x, w, t = random_problem(2, n=6, m=3)
    frame = pd.DataFrame(x, index=[f"site{i}" for i in range(6)], columns=["a", "b", "c"])
    weights = pd.Series(w, index=["a", "b", "c"]).iloc[::-1]  # other order: aligned by name
    types = pd.Series(t, index=["a", "b", "c"])
    for name in mcda.METHODS:
        opts = {"order_weights": [1 / 3] * 3} if name == "owa" else {}
        out = mcda.score(frame, weights, types, method=name, **opts)
        assert isinstance(out, pd.Series)
        assert list(out.index) == list(frame.index)
        assert out.name == name
        plain = mcda.score(x, w, t, method=name, **opts)
        assert isinstance(plain, np.ndarray)
        np.testing.assert_allclose(out.to_numpy(), plain, atol=1e-12)
    steps = mcda.topsis(frame, weights, types, return_steps=True)
    assert list(steps.ideal.index) == ["a", "b", "c"]
    assert list(steps.normalised.columns) == ["a", "b", "c"]


def test_types_accept_words() -> None:
    x, w, _ = random_problem(1, m=2)
    np.testing.assert_allclose(
        mcda.topsis(x, w, ["benefit", "cost"]), mcda.topsis(x, w, [1, -1]), atol=0
    )
    frame = pd.DataFrame(x, columns=["a", "b"])
    out = mcda.weighted_sum(frame, {"b": w[1], "a": w[0]}, {"a": "benefit", "b": "cost"})
    np.testing.assert_allclose(out.to_numpy(), mcda.weighted_sum(x, w, [1, -1]))
    with pytest.raises(DataError, match="types are not numbers"):
        mcda.weighted_sum(x, w, ["benefit", "gain"])


def test_score_orients_vikor_and_promethee() -> None:
    x, w, t = random_problem(4)
    np.testing.assert_allclose(mcda.score(x, w, t, method="vikor"), 1 - mcda.vikor(x, w, t).q)
    np.testing.assert_allclose(
        mcda.score(x, w, t, method="promethee_ii"), mcda.promethee_ii(x, w, t).net
    )
    with pytest.raises(DataError, match="unknown MCDA method 'electre'"):
        mcda.score(x, w, t, method="electre")
    with pytest.raises(DataError, match="does not take"):
        mcda.score(x, w, t, method="topsis", v=0.3)


@pytest.mark.parametrize("method", ["weighted_sum", "weighted_product", "topsis", "owa"])
def test_steps_scores_equal_plain_scores(method: str) -> None:
    x, w, t = random_problem(6)
    fn = getattr(mcda, method)
    opts = {"order_weights": [0.2] * 5} if method == "owa" else {}
    np.testing.assert_allclose(
        fn(x, w, t, return_steps=True, **opts).scores, fn(x, w, t, **opts), atol=1e-12
    )


@pytest.mark.parametrize("normalisation", ["minmax", "vector", "sum", "max", "zscore"])
def test_streamed_scores_equal_full_matrix_steps(
    normalisation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large inputs are scored in row blocks; the blocks agree with the full-matrix steps."""
    monkeypatch.setattr(mcda, "_CHUNK", 300)  # 256-row blocks: 1,000 rows → 4 blocks
    x, w, t = random_problem(12, n=1000, m=3)
    for fn in (mcda.weighted_sum, mcda.topsis):
        steps = fn(x, w, t, normalisation=normalisation, return_steps=True)
        np.testing.assert_allclose(
            fn(x, w, t, normalisation=normalisation), steps.scores, atol=1e-12
        )
    frame = pd.DataFrame(x)  # F-ordered block of a DataFrame takes the same path
    np.testing.assert_allclose(
        mcda.topsis(frame, w, t, normalisation=normalisation).to_numpy(),
        mcda.topsis(x, w, t, normalisation=normalisation),
        atol=1e-12,
    )


def test_column_reductions_on_tall_matrices() -> None:
    x = np.random.default_rng(0).normal(size=(5000 + 77, 3))
    np.testing.assert_array_equal(mcda._col_reduce(x, np.minimum), x.min(axis=0))
    np.testing.assert_array_equal(mcda._col_reduce(x, np.maximum), x.max(axis=0))
    np.testing.assert_allclose(mcda._col_reduce(x, np.add), x.sum(axis=0), atol=1e-9)
    x[4000, 1] = np.nan
    with pytest.raises(DataError, match=r"criterion 1.*rows \[4000\]"):
        mcda.weighted_sum(x, [0.2, 0.3, 0.5], [1, 1, 1])


def test_weighted_sum_none_normalisation_uses_values_as_given() -> None:
    v = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.2]])
    np.testing.assert_allclose(
        mcda.weighted_sum(v, [0.25, 0.75], [1, 1], normalisation="none"), v @ [0.25, 0.75]
    )


def test_zscore_orients_costs() -> None:
    x = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    z = mcda.normalise(x, [1, -1], method="zscore")
    sd = np.std([1, 2, 3])
    np.testing.assert_allclose(z[:, 0], (np.array([1, 2, 3]) - 2) / sd)
    np.testing.assert_allclose(z[:, 1], -z[:, 0])


@pytest.mark.parametrize("method", ["minmax", "vector", "sum", "max", "zscore"])
def test_no_normalisation_inverts_a_preference(method: str) -> None:
    """Benefit columns stay increasing and cost columns become decreasing in x."""
    x = np.array([[1.0, 1.0], [2.0, 2.0], [5.0, 5.0]])
    n = mcda.normalise(x, [1, -1], method=method)
    assert (np.diff(n[:, 0]) > 0).all()
    assert (np.diff(n[:, 1]) < 0).all()


# --------------------------------------------------------------------------- ranks and agreement


def test_rank_competition_ties() -> None:
    assert mcda.rank([0.9, 0.5, 0.9, 0.1]).tolist() == [1, 3, 1, 4]
    assert mcda.rank([0.9, 0.5, 0.9, 0.1], higher_is_better=False).tolist() == [3, 2, 3, 1]
    s = pd.Series([2.0, 3.0], index=["x", "y"], name="topsis")
    r = mcda.rank(s)
    assert r.to_dict() == {"x": 2, "y": 1}
    assert r.name == "topsis"
    with pytest.raises(DataError, match="NaN"):
        mcda.rank([1.0, np.nan])


def test_agreement_matches_scipy() -> None:
    x, w, t = random_problem(10, n=20)
    ranks = pd.DataFrame(
        {
            "topsis": mcda.rank(mcda.topsis(x, w, t)),
            "weighted_sum": mcda.rank(mcda.weighted_sum(x, w, t)),
            "vikor": mcda.rank(mcda.vikor(x, w, t).q, higher_is_better=False),
        }
    )
    table = mcda.agreement(ranks, k=5)
    assert list(table.columns) == [
        "method_a",
        "method_b",
        "spearman_rho",
        "kendall_tau_b",
        "top_k_common",
        "top_k_overlap",
        "k",
    ]
    assert len(table) == 3
    row = table.iloc[0]
    assert (row.method_a, row.method_b) == ("topsis", "weighted_sum")
    a, b = ranks["topsis"], ranks["weighted_sum"]
    assert row.spearman_rho == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)
    assert row.kendall_tau_b == pytest.approx(
        stats.kendalltau(a, b, variant="b").statistic, abs=1e-12
    )
    common = len(set(np.flatnonzero(a <= 5)) & set(np.flatnonzero(b <= 5)))
    assert row.top_k_common == common
    assert row.top_k_overlap == pytest.approx(common / 5)


def test_agreement_identical_and_constant_rankings() -> None:
    ranks = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 3, 4], "c": [1, 1, 1, 1]})
    table = mcda.agreement(ranks, k=2).set_index(["method_a", "method_b"])
    assert table.loc[("a", "b"), "spearman_rho"] == pytest.approx(1.0)
    assert table.loc[("a", "b"), "kendall_tau_b"] == pytest.approx(1.0)
    assert table.loc[("a", "b"), "top_k_overlap"] == 1.0
    assert np.isnan(table.loc[("a", "c"), "spearman_rho"])  # all tied: undefined, no warning
    # ties at rank 1 enlarge c's shortlist to 4; 2 in common → 2 / 4
    assert table.loc[("a", "c"), "top_k_overlap"] == 0.5


def test_agreement_bad_input() -> None:
    with pytest.raises(DataError) as err:
        mcda.agreement(pd.DataFrame({"a": [1, 2, np.nan]}), k=5)
    text = str(err.value)
    assert "at least two methods" in text
    assert "k = 5" in text
    assert "NaN" in text


# --------------------------------------------------------------------------- bad input


def test_nan_named_with_criterion_and_rows() -> None:
    frame = pd.DataFrame({"uni_km": [1.0, np.nan, 3.0], "labs": [1.0, 2.0, 3.0]}, index=list("xyz"))
    with pytest.raises(DataError) as err:
        mcda.topsis(frame, [0.5, 0.6], [1, 1])
    text = str(err.value)
    assert "'uni_km'" in text and "['y']" in text
    assert "sum to 1.1" in text  # every problem reported together


def test_weights_not_summing_to_one_show_the_sum() -> None:
    x, _, t = random_problem(0, m=3)
    with pytest.raises(DataError, match=r"weights sum to 0\.9, not 1"):
        mcda.weighted_sum(x, [0.3, 0.3, 0.3], t)


@pytest.mark.parametrize(
    "method", ["weighted_sum", "weighted_product", "topsis", "vikor", "promethee_ii", "owa"]
)
def test_every_method_checks_weights_and_types(method: str) -> None:
    x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    fn = getattr(mcda, method)
    opts = {"order_weights": [0.5, 0.5]} if method == "owa" else {}
    with pytest.raises(DataError, match=r"sum to 0\.5"):
        fn(x, [0.25, 0.25], [1, 1], **opts)
    with pytest.raises(DataError, match=r"criterion 'cost': type 0 must be \+1"):
        fn(x, [0.5, 0.5], [1, 0], criteria=["gain", "cost"], **opts)
    with pytest.raises(DataError, match=r"weight -0\.5"):
        fn(x, [1.5, -0.5], [1, 1], **opts)
    with pytest.raises(DataError, match="3 weights given for 2 criteria"):
        fn(x, [0.5, 0.25, 0.25], [1, 1], **opts)


def test_constant_column_errors_say_which_method() -> None:
    frame = pd.DataFrame({"flat": [2.0, 2.0, 2.0], "ok": [1.0, 2.0, 3.0]})
    for method in ("minmax", "zscore"):
        with pytest.raises(DataError, match=r"criterion 'flat'.*same value \(2\)"):
            mcda.weighted_sum(frame, [0.5, 0.5], [1, 1], normalisation=method)
    with pytest.raises(DataError, match=r"criterion 'flat'.*VIKOR"):
        mcda.vikor(frame, [0.5, 0.5], [1, 1])
    # Methods that can handle a constant column do: it simply adds nothing.
    np.testing.assert_allclose(
        mcda.topsis(frame, [0.5, 0.5], [1, 1]), mcda.topsis(frame[["ok"]], [1.0], [1])
    )
    mcda.promethee_ii(frame, [0.5, 0.5], [1, 1])
    mcda.weighted_product(frame, [0.5, 0.5], [1, 1])


def test_all_identical_alternatives_topsis() -> None:
    with pytest.raises(DataError, match="ideal and anti-ideal points coincide"):
        mcda.topsis(np.ones((3, 2)), [0.5, 0.5], [1, -1])


def test_weighted_product_needs_positive_values() -> None:
    frame = pd.DataFrame({"pop": [10.0, 0.0, 5.0], "km": [3.0, 4.0, -1.0]})
    with pytest.raises(DataError) as err:
        mcda.weighted_product(frame, [0.5, 0.5], [1, -1])
    text = str(err.value)
    assert "'pop'" in text and "'km'" in text and "-1" in text


def test_ratio_normalisations_refuse_negative_values() -> None:
    x = np.array([[-1.0, 1.0], [2.0, 3.0]])
    with pytest.raises(DataError, match="sum normalisation needs values > 0"):
        mcda.normalise(x, [1, 1], method="sum", criteria=["neg", "pos"])
    with pytest.raises(DataError, match="'neg': max normalisation needs values >= 0"):
        mcda.normalise(x, [1, 1], method="max", criteria=["neg", "pos"])
    with pytest.raises(DataError, match="every value is 0"):
        mcda.normalise(np.array([[0.0], [0.0]]), [1], method="vector")
    with pytest.raises(DataError, match="unknown normalisation 'l2'"):
        mcda.normalise(x, [1, 1], method="l2")  # type: ignore[arg-type]


def test_shape_and_names_errors() -> None:
    with pytest.raises(DataError, match="1 dimension"):
        mcda.weighted_sum(np.ones(3), [1.0], [1])
    with pytest.raises(DataError, match="empty"):
        mcda.weighted_sum(np.ones((0, 2)), [0.5, 0.5], [1, 1])
    with pytest.raises(DataError, match="3 criterion names"):
        mcda.weighted_sum(np.ones((2, 2)), [0.5, 0.5], [1, 1], criteria=["a", "b", "c"])
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0]})
    with pytest.raises(DataError, match=r"missing: \['b'\], unknown: \['z'\]"):
        mcda.weighted_sum(frame, pd.Series({"a": 0.5, "z": 0.5}), [1, 1])
    with pytest.raises(DataError, match="not numbers"):
        mcda.weighted_sum([["a", "b"], ["c", "d"]], [0.5, 0.5], [1, 1])


def test_vikor_and_promethee_parameter_errors() -> None:
    x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    with pytest.raises(DataError, match=r"v = 1\.5"):
        mcda.vikor(x, [0.5, 0.5], [1, 1], v=1.5)
    with pytest.raises(DataError, match="at least two alternatives"):
        mcda.vikor(x[:1], [0.5, 0.5], [1, 1])
    with pytest.raises(DataError) as err:
        mcda.promethee_ii(
            x,
            [0.5, 0.5],
            [1, 1],
            preference=["linear", "gausian"],
            q=[2.0, None],
            p=[1.0, None],
            criteria=["dist", "pop"],
        )
    text = str(err.value)
    assert "'dist': p = 1 must be greater than q = 2" in text
    assert "'pop': unknown preference function 'gausian'" in text
    with pytest.raises(DataError, match="'pop': the gaussian preference function needs a number s"):
        mcda.promethee_ii(
            x, [0.5, 0.5], [1, 1], preference=["usual", "gaussian"], criteria=["d", "pop"]
        )
    with pytest.raises(DataError, match="3 values of q given for 2 criteria"):
        mcda.promethee_ii(x, [0.5, 0.5], [1, 1], preference="ushape", q=[1, 2, 3])
    with pytest.raises(DataError, match="at least two alternatives"):
        mcda.promethee_ii(x[:1], [0.5, 0.5], [1, 1])
    # Hyphenated spellings are accepted.
    a = mcda.promethee_ii(x, [0.5, 0.5], [1, 1], preference="V-shape", p=2.0).net
    b = mcda.promethee_ii(x, [0.5, 0.5], [1, 1], preference="vshape", p=2.0).net
    np.testing.assert_array_equal(a, b)


def test_promethee_parameters_by_criterion_id() -> None:
    """Mappings keyed by criterion id, as a criteria file gives them; left-out thresholds: none."""
    frame = pd.DataFrame({"km": [10.0, 50.0, 80.0], "pop": [5.0, 1.0, 3.0]})
    by_name = mcda.promethee_ii(
        frame,
        {"pop": 0.5, "km": 0.5},
        {"km": -1, "pop": 1},
        preference={"pop": "usual", "km": "linear"},
        q={"km": 5.0},
        p={"km": 40.0},
    )
    by_position = mcda.promethee_ii(
        frame, [0.5, 0.5], [-1, 1], preference=["linear", "usual"], q=[5.0, 0.0], p=[40.0, 1.0]
    )
    np.testing.assert_allclose(by_name.net, by_position.net)
    assert by_name.preference == ["linear", "usual"]
    with pytest.raises(DataError, match=r"q is given for \['dist'\], which are not criteria"):
        mcda.promethee_ii(frame, [0.5, 0.5], [1, 1], preference="ushape", q={"dist": 1.0})
    with pytest.raises(DataError, match="'pop': no preference function given"):
        mcda.promethee_ii(frame, [0.5, 0.5], [1, 1], preference={"km": "usual"})


def test_docstring_examples() -> None:
    import doctest

    result = doctest.testmod(mcda, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_owa_errors() -> None:
    x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    with pytest.raises(DataError, match="3 order weights given for 2 criteria"):
        mcda.owa(x, [0.5, 0.5], [1, 1], order_weights=[0.2, 0.3, 0.5])
    with pytest.raises(DataError, match=r"order weights sum to 0\.5"):
        mcda.owa(x, [0.5, 0.5], [1, 1], order_weights=[0.25, 0.25])
    with pytest.raises(DataError, match="0 / 0"):
        # all order weight on the best position, which for row 0 is the zero-weight criterion
        mcda.owa(x, [1.0, 0.0], [1, 1], order_weights=[1.0, 0.0])


def test_rank_correlation_agrees_with_scipy_with_and_without_ties() -> None:
    """siting computes ρ and τ-b with numpy (no scipy.stats import); scipy is the reference."""
    from scipy.stats import kendalltau, spearmanr

    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(2, 60))
        levels = int(rng.integers(2, 12))
        x = rng.integers(0, levels, n).astype(float)
        y = rng.integers(0, levels, n).astype(float)
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            assert all(np.isnan(v) for v in mcda.rank_correlation(x, y))
            continue
        rho, tau = mcda.rank_correlation(x, y)
        assert rho == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
        assert tau == pytest.approx(kendalltau(x, y, variant="b").statistic, abs=1e-12)
    big = rng.permutation(4000).astype(float)  # past the pairwise limit: scipy's algorithm
    rho, tau = mcda.rank_correlation(big, -big)
    assert rho == pytest.approx(-1.0) and tau == pytest.approx(-1.0)
