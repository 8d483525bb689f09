"""Property tests (hypothesis) of siting.mcda: monotonicity, unit invariance, permutation."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from siting import mcda

SETTINGS = settings(max_examples=60, deadline=None)
TOL = 1e-9


@st.composite
def problems(draw: st.DrawFn, *, min_n: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A positive matrix with no constant column, weights summing to 1, mixed types."""
    n = draw(st.integers(min_n, 10))
    m = draw(st.integers(1, 5))
    x = draw(
        arrays(
            np.float64,
            (n, m),
            elements=st.floats(0.5, 1000.0, allow_nan=False, allow_infinity=False),
        )
    )
    assume(bool((np.ptp(x, axis=0) > 1e-3).all()))
    raw = draw(arrays(np.float64, m, elements=st.floats(0.01, 1.0)))
    t = draw(arrays(np.int64, m, elements=st.sampled_from([1, -1])))
    return x, raw / raw.sum(), t


@SETTINGS
@given(
    problem=problems(),
    row=st.integers(0, 9),
    col=st.integers(0, 4),
    gain=st.floats(0.0, 500.0),
    normalisation=st.sampled_from(["minmax", "vector", "sum", "max"]),
)
def test_improving_a_benefit_never_lowers_weighted_sum(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray],
    row: int,
    col: int,
    gain: float,
    normalisation: str,
) -> None:
    x, w, t = problem
    row, col = row % x.shape[0], col % x.shape[1]
    t = t.copy()
    t[col] = 1
    before = mcda.weighted_sum(x, w, t, normalisation=normalisation)[row]
    better = x.copy()
    better[row, col] += gain
    after = mcda.weighted_sum(better, w, t, normalisation=normalisation)[row]
    assert after >= before - 1e-12


@SETTINGS
@given(
    problem=problems(),
    row=st.integers(0, 9),
    col=st.integers(0, 4),
    cut=st.floats(0.0, 0.49),
)
def test_improving_a_cost_never_lowers_weighted_sum(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], row: int, col: int, cut: float
) -> None:
    """Lowering a cost criterion (all values stay positive) is an improvement too."""
    x, w, t = problem
    row, col = row % x.shape[0], col % x.shape[1]
    t = t.copy()
    t[col] = -1
    before = mcda.weighted_sum(x, w, t)[row]
    better = x.copy()
    better[row, col] -= cut
    assert mcda.weighted_sum(better, w, t)[row] >= before - 1e-12


@SETTINGS
@given(
    problem=problems(),
    col=st.integers(0, 4),
    scale=st.floats(1e-3, 1e3),
    shift=st.floats(-1e3, 1e3),
)
def test_rescaling_units_leaves_minmax_results_unchanged(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], col: int, scale: float, shift: float
) -> None:
    """km → m or °C → K: min-max values, hence scores and rankings, do not change."""
    x, w, t = problem
    col = col % x.shape[1]
    rescaled = x.copy()
    rescaled[:, col] = rescaled[:, col] * scale + shift
    for method in ("weighted_sum", "topsis", "owa"):
        opts: dict[str, object] = {"normalisation": "minmax"}
        if method == "owa":
            opts["order_weights"] = np.full(x.shape[1], 1 / x.shape[1])
        a = mcda.score(x, w, t, method=method, **opts)
        b = mcda.score(rescaled, w, t, method=method, **opts)
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
        gaps = np.diff(np.sort(a))
        if (gaps > 1e-6).all():
            np.testing.assert_array_equal(mcda.rank(a), mcda.rank(b))
    # VIKOR works on (f* - f) / (f* - f-) ratios: also unit-free.
    np.testing.assert_allclose(
        mcda.vikor(x, w, t).q, mcda.vikor(rescaled, w, t).q, rtol=0, atol=TOL
    )


@SETTINGS
@given(problem=problems(), scale=st.floats(1e-3, 1e3))
def test_weighted_product_ranking_is_unit_free(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], scale: float
) -> None:
    """Ratios to the best value do not depend on the unit (multiplicative rescaling)."""
    x, w, t = problem
    np.testing.assert_allclose(
        mcda.weighted_product(x, w, t), mcda.weighted_product(x * scale, w, t), rtol=1e-9
    )


@SETTINGS
@given(problem=problems(), data=st.data())
def test_permuting_alternatives_permutes_scores(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], data: st.DataObject
) -> None:
    x, w, t = problem
    perm = np.array(data.draw(st.permutations(range(x.shape[0]))))
    order_weights = np.linspace(1.0, 2.0, x.shape[1])
    order_weights /= order_weights.sum()
    for method in mcda.METHODS:
        opts: dict[str, object] = {}
        if method == "owa":
            opts["order_weights"] = order_weights
        if method == "promethee_ii":
            opts = {"preference": "linear", "q": 1.0, "p": 200.0}
        a = mcda.score(x, w, t, method=method, **opts)
        b = mcda.score(x[perm], w, t, method=method, **opts)
        np.testing.assert_allclose(b, a[perm], rtol=0, atol=1e-12, err_msg=method)
    vik_a, vik_b = mcda.vikor(x, w, t), mcda.vikor(x[perm], w, t)
    np.testing.assert_allclose(vik_b.s, vik_a.s[perm], atol=1e-12)
    np.testing.assert_allclose(vik_b.r, vik_a.r[perm], atol=1e-12)


@SETTINGS
@given(problem=problems(), normalisation=st.sampled_from(["minmax", "vector", "max", "sum"]))
def test_scores_are_bounded(
    problem: tuple[np.ndarray, np.ndarray, np.ndarray], normalisation: str
) -> None:
    """Weighted sum of min-max values, closeness and OWA lie in 0..1; net flows in -1..1."""
    x, w, t = problem
    s = mcda.weighted_sum(x, w, t)
    assert (s >= -1e-12).all() and (s <= 1 + 1e-12).all()
    c = mcda.topsis(x, w, t, normalisation=normalisation)
    assert (c >= -1e-12).all() and (c <= 1 + 1e-12).all()
    net = mcda.promethee_ii(x, w, t).net
    assert (np.abs(net) <= 1 + 1e-12).all()
    assert abs(net.sum()) < 1e-9
    q = mcda.vikor(x, w, t).q
    assert (q >= -1e-12).all() and (q <= 1 + 1e-12).all()
