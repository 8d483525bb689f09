"""Tests of siting.weights: direct, hierarchical, AHP, entropy, CRITIC, rank-based."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pymcdm import weights as pw
from pymcdm.weights.subjective import AHP as PYMCDM_AHP

from siting import weights
from siting.errors import DataError

TOL = 1e-9
SCALE = np.array([1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9])


def random_pairwise(seed: int, n: int) -> np.ndarray:
    """A reciprocal matrix of random judgements on Saaty's 1/9..9 scale."""
    rng = np.random.default_rng(seed)
    a = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            a[i, j] = rng.choice(SCALE)
            a[j, i] = 1 / a[i, j]
    return a


# --------------------------------------------------------------------------- direct / hierarchical


def test_direct_normalises_and_keeps_order() -> None:
    out = weights.direct(pd.Series({"b": 3, "a": 1, "c": 0}))
    assert list(out.index) == ["b", "a", "c"]
    np.testing.assert_allclose(out, [0.75, 0.25, 0.0])


def test_direct_errors_name_each_criterion() -> None:
    with pytest.raises(DataError) as err:
        weights.direct(pd.Series({"uni": -1.0, "lab": np.nan, "port": 2.0}))
    assert err.value.problems == [
        "criterion 'uni': weight -1.0 is negative; give a number >= 0",
        "criterion 'lab': weight nan is NaN; give a number >= 0",
    ]
    with pytest.raises(DataError, match="every weight is zero"):
        weights.direct(pd.Series({"a": 0, "b": 0}))
    with pytest.raises(DataError, match="'a' is 'x', not a number"):
        weights.direct(pd.Series({"a": "x", "b": 1}))
    with pytest.raises(DataError, match="no weights"):
        weights.direct(pd.Series(dtype=float))


def test_hierarchical_global_weight_is_group_times_local() -> None:
    local = pd.Series({"uni": 2.0, "school": 1.0, "lab": 3.0, "plant": 1.0, "port": 1.0})
    groups = pd.Series(
        {
            "uni": "education",
            "school": "education",
            "lab": "science",
            "plant": "industry",
            "port": "industry",
        }
    )
    gw = pd.Series({"education": 2.0, "science": 1.0, "industry": 1.0})
    out = weights.hierarchical(local, groups, gw)
    assert list(out.index) == list(local.index)
    expected = {
        "uni": 0.5 * 2 / 3,
        "school": 0.5 * 1 / 3,
        "lab": 0.25,
        "plant": 0.125,
        "port": 0.125,
    }
    np.testing.assert_allclose(out, pd.Series(expected)[out.index])
    assert out.sum() == pytest.approx(1.0)
    # The group's share equals its group weight, whatever the number of its criteria.
    assert out.groupby(groups).sum()["industry"] == pytest.approx(0.25)


def test_hierarchical_accepts_ahp_group_weights() -> None:
    res = weights.ahp(
        weights.pairwise_matrix({("science", "industry"): 3}, ["science", "industry"])
    )
    out = weights.hierarchical(
        pd.Series({"lab": 1.0, "plant": 1.0}),
        pd.Series({"lab": "science", "plant": "industry"}),
        res.weights,
    )
    np.testing.assert_allclose(out, [0.75 * 1.0, 0.25 * 1.0])


def test_hierarchical_errors() -> None:
    with pytest.raises(DataError, match=r"group 'g': every local weight is zero.*'a', 'b'"):
        weights.hierarchical(
            pd.Series({"a": 0.0, "b": 0.0, "c": 1.0}),
            pd.Series({"a": "g", "b": "g", "c": "h"}),
            pd.Series({"g": 1.0, "h": 1.0}),
        )
    with pytest.raises(DataError) as err:
        weights.hierarchical(
            pd.Series({"a": 1.0, "b": -2.0}),
            pd.Series({"a": "g", "x": "h"}),
            pd.Series({"g": 1.0, "k": 1.0}),
        )
    text = str(err.value)
    assert "['b'] have a local weight but no group" in text
    assert "['x'] have a group but no local weight" in text
    assert "['k'] have a group weight but no criteria" in text
    assert "local weight -2.0" in text
    with pytest.raises(DataError, match=r"groups \['h'\] have no group weight"):
        weights.hierarchical(
            pd.Series({"a": 1.0, "b": 1.0}),
            pd.Series({"a": "g", "b": "h"}),
            pd.Series({"g": 1.0}),
        )


def test_hierarchical_zero_group_weight_is_fine() -> None:
    out = weights.hierarchical(
        pd.Series({"a": 0.0, "b": 1.0}),
        pd.Series({"a": "g", "b": "h"}),
        pd.Series({"g": 0.0, "h": 2.0}),
    )
    np.testing.assert_allclose(out, [0.0, 1.0])


# --------------------------------------------------------------------------- AHP

WEALTH = np.array(
    [
        [1, 4, 9, 6, 6, 5, 5],
        [1 / 4, 1, 7, 5, 5, 3, 4],
        [1 / 9, 1 / 7, 1, 1 / 5, 1 / 5, 1 / 7, 1 / 5],
        [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
        [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
        [1 / 5, 1 / 3, 7, 3, 3, 1, 2],
        [1 / 5, 1 / 4, 5, 3, 3, 1 / 2, 1],
    ]
)
NATIONS = ["US", "USSR", "China", "France", "UK", "Japan", "W. Germany"]


def test_ahp_saaty_wealth_of_nations() -> None:
    """Saaty (1977, J. Math. Psych. 15: 234-281; 1980, *The Analytic Hierarchy Process*).

    The relative wealth of seven nations judged pairwise; Saaty reports the
    eigenvector (.427, .230, .021, .052, .052, .123, .094), λmax = 7.61,
    C.I. = 0.10 and C.R. = 0.08 (RI = 1.32 for n = 7).
    """
    res = weights.ahp(pd.DataFrame(WEALTH, index=NATIONS, columns=NATIONS))
    np.testing.assert_allclose(
        res.weights.round(3), [0.427, 0.230, 0.021, 0.052, 0.052, 0.123, 0.094], atol=0
    )
    assert list(res.weights.index) == NATIONS
    assert round(res.lambda_max, 2) == 7.61
    assert round(res.ci, 2) == 0.10
    assert res.ri == 1.32
    assert round(res.cr, 2) == 0.08
    assert res.acceptable
    assert "acceptably consistent" in res.message


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [3, 5, 8])
def test_ahp_matches_pymcdm(seed: int, n: int) -> None:
    """Same eigenvector weights and λmax; pymcdm's CR uses its own RI table (documented)."""
    a = random_pairwise(seed, n)
    ours = weights.ahp(a)
    theirs = PYMCDM_AHP(matrix=a)
    np.testing.assert_allclose(ours.weights, theirs(), rtol=0, atol=TOL)
    ri_pymcdm = PYMCDM_AHP.RI_M[n - 1]
    assert ours.ci == pytest.approx(theirs.get_cr() * ri_pymcdm, abs=TOL)
    assert ours.cr == pytest.approx(ours.ci / weights.RANDOM_INDEX["saaty"][n - 1], abs=TOL)


def test_ahp_random_index_table() -> None:
    assert weights.RANDOM_INDEX["saaty"][:10] == (
        0.0,
        0.0,
        0.58,
        0.90,
        1.12,
        1.24,
        1.32,
        1.41,
        1.45,
        1.49,
    )
    a = random_pairwise(3, 4)
    custom = weights.ahp(a, ri={4: 0.8815})
    assert custom.ri == 0.8815
    assert custom.cr == pytest.approx(custom.ci / 0.8815)
    assert weights.ahp(a, ri=PYMCDM_AHP.RI_M).ri == PYMCDM_AHP.RI_M[3]
    with pytest.raises(DataError, match="no value for 4 criteria"):
        weights.ahp(a, ri={3: 0.58})
    with pytest.raises(DataError, match="unknown random-index table 'alonso'"):
        weights.ahp(a, ri="alonso")
    with pytest.raises(DataError, match="no value for 16 criteria"):
        weights.ahp(random_pairwise(0, 16))


def test_ahp_consistent_matrix() -> None:
    """A consistent matrix a_ij = w_i / w_j: λmax = n, CR = 0, both methods recover w."""
    w = np.array([0.5, 0.25, 0.15, 0.1])
    a = w[:, None] / w[None, :]
    for method in ("eigenvector", "geometric"):
        res = weights.ahp(a, method=method)
        np.testing.assert_allclose(res.weights, w, atol=1e-12)
        assert res.lambda_max == pytest.approx(4.0, abs=1e-12)
        assert res.cr == pytest.approx(0.0, abs=1e-12)
        assert res.acceptable


def test_ahp_geometric_mean() -> None:
    """Row geometric means, normalised (Crawford & Williams 1985); λmax still the eigenvalue."""
    a = random_pairwise(4, 5)
    res = weights.ahp(a, method="geometric")
    g = np.prod(a, axis=1) ** (1 / 5)
    np.testing.assert_allclose(res.weights, g / g.sum(), atol=1e-12)
    assert res.lambda_max == pytest.approx(weights.ahp(a).lambda_max)


def test_ahp_small_matrices() -> None:
    one = weights.ahp([[1.0]])
    assert one.weights.tolist() == [1.0] and one.cr == 0.0 and one.ci == 0.0
    two = weights.ahp([[1.0, 4.0], [0.25, 1.0]])
    np.testing.assert_allclose(two.weights, [0.8, 0.2])
    assert two.cr == 0.0


def test_ahp_inconsistency_loud_and_explained() -> None:
    """A cyclic judgement a > b > c > a is flagged, and the judgements are decomposed.

    With eigenvector weights the shares decompose λmax - n exactly:
    λmax - n = Σ_{i<j} (e + 1/e - 2) / n, e = a_ij w_j / w_i.
    """
    names = ["science", "education", "industry"]
    a = weights.pairwise_matrix(
        {("science", "education"): 5, ("education", "industry"): 5, ("industry", "science"): 3},
        names,
    )
    res = weights.ahp(a)
    assert res.cr > 0.10
    assert not res.acceptable
    assert "INCONSISTENT" in res.message
    assert "Revisit first" in res.message
    table = res.inconsistency
    assert list(table.columns) == ["a", "b", "judgement", "consistent", "share"]
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["share"].is_monotonic_decreasing
    w = res.weights
    e = table["judgement"] * w[table["b"]].to_numpy() / w[table["a"]].to_numpy()
    assert ((e + 1 / e - 2) / 3).sum() == pytest.approx(res.lambda_max - 3, abs=1e-9)
    np.testing.assert_allclose(
        table["consistent"], w[table["a"]].to_numpy() / w[table["b"]].to_numpy()
    )


def test_ahp_threshold_is_configurable() -> None:
    res = weights.ahp(WEALTH, threshold=0.05)
    assert not res.acceptable
    assert "> 0.05" in res.message


def test_ahp_bad_input() -> None:
    with pytest.raises(DataError, match="must be square"):
        weights.ahp(np.ones((2, 3)))
    with pytest.raises(DataError, match="3 criterion names for a 2 × 2"):
        weights.ahp(np.ones((2, 2)), criteria=["a", "b", "c"])
    with pytest.raises(DataError) as err:
        weights.ahp(
            np.array([[1.0, 3.0, -1.0], [0.33, 1.0, 2.0], [-1.0, 0.5, 2.0]]),
            criteria=["uni", "lab", "port"],
        )
    text = str(err.value)
    assert "'port' vs itself is 2; the diagonal must be 1" in text
    assert "'uni' vs 'port' is -1; judgements must be positive" in text
    assert "'uni' vs 'lab' is 3 but 'lab' vs 'uni' is 0.33, not its reciprocal 0.333333" in text
    with pytest.raises(DataError, match=r"rows .* and columns .* must list the same criteria"):
        weights.ahp(pd.DataFrame(np.eye(2), index=["a", "b"], columns=["b", "a"]))
    with pytest.raises(DataError, match="unknown AHP method 'mean'"):
        weights.ahp(np.eye(2), method="mean")  # type: ignore[arg-type]


def test_pairwise_matrix_errors() -> None:
    with pytest.raises(DataError) as err:
        weights.pairwise_matrix(
            {("a", "b"): 3, ("b", "a"): 2, ("a", "z"): 1, ("a", "c"): 0}, ["a", "b", "c"]
        )
    text = str(err.value)
    assert "judged twice" in text
    assert "'a' vs 'z'" in text
    assert "'a' vs 'c' is 0" in text
    assert "missing judgements: 'b' vs 'c'; judge every pair once" in text


# --------------------------------------------------------------------------- objective weights


@pytest.mark.parametrize("seed", range(5))
def test_entropy_matches_pymcdm_on_positive_matrices(seed: int) -> None:
    x = np.random.default_rng(seed).uniform(0.5, 50.0, size=(15, 6))
    np.testing.assert_allclose(weights.entropy(x), pw.entropy_weights(x), rtol=0, atol=TOL)


def test_entropy_zero_rule() -> None:
    """0 · ln 0 = 0, term by term (pymcdm refuses zeros).

    Column 0: (0, 1, 1) → p = (0, 1/2, 1/2), E = -(2 · ½ ln ½) / ln 3 = ln 2 / ln 3.
    Column 1: (1, 1, 1) → E = 1, weight 0.
    Column 2: (0, 0, 5) → p = (0, 0, 1), E = 0, d = 1.
    """
    x = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 5.0]])
    d = np.array([1 - np.log(2) / np.log(3), 0.0, 1.0])
    np.testing.assert_allclose(weights.entropy(x), d / d.sum(), atol=1e-12)
    # pymcdm's sum normalisation refuses zeros, so the rule cannot be cross-checked there.
    with pytest.raises(ValueError, match="positive"):
        pw.entropy_weights(x)


def test_entropy_errors_and_names() -> None:
    frame = pd.DataFrame({"neg": [-1.0, 2.0], "zero": [0.0, 0.0], "ok": [1.0, 2.0]})
    with pytest.raises(DataError) as err:
        weights.entropy(frame)
    text = str(err.value)
    assert "'neg': entropy weights need values >= 0, found -1" in text
    assert "'zero': every value is 0" in text
    with pytest.raises(DataError, match="every criterion has the same value"):
        weights.entropy(np.ones((3, 2)))
    with pytest.raises(DataError, match="at least two alternatives"):
        weights.entropy(np.ones((1, 2)))
    with pytest.raises(DataError, match="'b': missing"):
        weights.entropy(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, np.nan]}))
    out = weights.entropy(frame[["ok"]].assign(other=[3.0, 1.0]))
    assert list(out.index) == ["ok", "other"]


@pytest.mark.parametrize("seed", range(5))
def test_critic_matches_pymcdm(seed: int) -> None:
    x = np.random.default_rng(seed).uniform(0.0, 10.0, size=(12, 5))
    np.testing.assert_allclose(weights.critic(x), pw.critic_weights(x), rtol=0, atol=TOL)


def test_critic_formula_with_cost_types() -> None:
    """Diakoulaki et al. (1995): C_j = σ_j Σ_k (1 - r_jk) on min-max values oriented by type."""
    x = np.random.default_rng(9).uniform(0.0, 10.0, size=(10, 3))
    t = np.array([1, -1, 1])
    z = (x - x.min(axis=0)) / (x.max(axis=0) - x.min(axis=0))
    z[:, 1] = 1 - z[:, 1]
    c = z.std(axis=0) * (1 - np.corrcoef(z.T)).sum(axis=0)
    np.testing.assert_allclose(weights.critic(x, t), c / c.sum(), atol=1e-12)
    assert not np.allclose(weights.critic(x, t), weights.critic(x))
    with pytest.raises(DataError, match="must hold \\+1"):
        weights.critic(x, [1, 0, 1])
    with pytest.raises(DataError, match=r"'flat'.*same value"):
        weights.critic(pd.DataFrame({"flat": [1.0, 1.0, 1.0], "ok": [1.0, 2.0, 0.0]}))
    assert weights.critic(np.array([[1.0], [2.0]])).tolist() == [1.0]


# --------------------------------------------------------------------------- rank-based


def test_equal_weights_match_pymcdm() -> None:
    np.testing.assert_allclose(weights.equal(4), pw.equal_weights(np.ones((2, 4))))


def test_rank_order_centroid() -> None:
    """Barron & Barrett (1996): ROC weights for n = 4 are 0.5208, 0.2708, 0.1458, 0.0625."""
    np.testing.assert_allclose(
        weights.rank_order_centroid(4).round(4), [0.5208, 0.2708, 0.1458, 0.0625], atol=0
    )
    np.testing.assert_allclose(weights.rank_order_centroid(3), [11 / 18, 5 / 18, 2 / 18])
    assert weights.rank_order_centroid(1).tolist() == [1.0]


def test_rank_sum() -> None:
    np.testing.assert_allclose(weights.rank_sum(4), [0.4, 0.3, 0.2, 0.1])
    for n in (1, 2, 7):
        assert weights.rank_sum(n).sum() == pytest.approx(1.0)
        assert weights.rank_order_centroid(n).sum() == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [0, -2, 2.5, True, "3"])
def test_counts_must_be_positive_integers(bad: object) -> None:
    for fn in (weights.equal, weights.rank_sum, weights.rank_order_centroid):
        with pytest.raises(DataError, match="whole number >= 1"):
            fn(bad)  # type: ignore[arg-type]


def test_docstring_examples() -> None:
    import doctest

    result = doctest.testmod(weights)
    assert result.attempted > 0
    assert result.failed == 0
