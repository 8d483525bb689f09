"""Several judges: group AHP by AIJ and AIP, direct weights, and the consensus measure."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from siting.errors import DataError
from siting.weights import ahp, consensus, group_ahp, group_direct

CRITERIA = ["Tumor_expression", "Normal_expression", "Frequency", "Epitopes"]


def _reciprocal(upper: list[float]) -> pd.DataFrame:
    a = np.eye(4)
    for (i, j), x in zip([(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)], upper, strict=True):
        a[i, j], a[j, i] = x, 1 / x
    return pd.DataFrame(a, index=CRITERIA, columns=CRITERIA)


# The worked example of the Bioconductor package Prize (Dargahi et al., "Prize: an R package
# for prioritization estimation based on analytic hierarchy process", Bioconductor 2014):
# four judges (inst/extdata/ind1.tsv .. ind4.tsv) with voices 0.45, 0.30, 0.10, 0.15, and the
# expected group matrix (AIJ) and aggregated priorities (AIP, arithmetic mean of the judges'
# geometric-mean priorities) from its unit test inst/unitTests/test_gaggregate.R.
JUDGES = [
    _reciprocal([2, 4, 5, 3, 4, 2]),
    _reciprocal([0.8, 2, 4, 5, 7, 2]),
    _reciprocal([2, 3, 5, 3, 5, 2]),
    _reciprocal([5, 6, 7, 4, 6, 1]),
]
VOICE = [0.45, 0.30, 0.10, 0.15]
PRIZE_AIJ = np.array(
    [
        [1.0000000, 1.7431670, 3.3548322, 4.918313],
        [0.5736685, 1.0000000, 3.6510408, 5.141337],
        [0.2980775, 0.2738945, 1.0000000, 1.802501],
        [0.2033217, 0.1945019, 0.5547847, 1.000000],
    ]
)
PRIZE_AIP = [0.45240240, 0.35504904, 0.11942840, 0.07312017]


def test_the_prize_worked_example() -> None:
    aij = group_ahp(JUDGES, method="aij", voice=VOICE)
    np.testing.assert_allclose(aij.matrix.to_numpy(), PRIZE_AIJ, atol=5e-6)
    aip = group_ahp(JUDGES, method="aip", voice=VOICE, mean="arithmetic", priority="geometric")
    np.testing.assert_allclose(aip.weights.to_numpy(), PRIZE_AIP, atol=5e-8)
    assert list(aip.weights.index) == CRITERIA
    # each judge's own consistency ratio and worst judgement are reported
    assert len(aij.judges) == 4 and all(0 <= j.cr < 1 for j in aij.judges)
    assert not aij.judges[0].inconsistency.empty


def test_identical_judges_give_the_individual_result_and_full_consensus() -> None:
    one = ahp(JUDGES[0])
    for method in ("aij", "aip"):
        group = group_ahp([JUDGES[0]] * 3, method=method)
        np.testing.assert_allclose(group.weights.to_numpy(), one.weights.to_numpy(), atol=1e-12)
        assert group.consensus == pytest.approx(1.0)


def test_the_group_matrix_stays_reciprocal_and_unanimity_holds() -> None:
    rng = np.random.default_rng(3)
    scale = np.array([1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9])
    for _ in range(20):
        uppers = [rng.choice(scale, 6) for _ in range(int(rng.integers(2, 7)))]
        # every judge prefers criterion 0 to criterion 1
        for u in uppers:
            u[0] = rng.choice(scale[scale > 1])
        judges = [_reciprocal(list(u)) for u in uppers]
        voice = rng.uniform(0.1, 1, len(judges))
        g = group_ahp(judges, method="aij", voice=voice).matrix.to_numpy()
        np.testing.assert_allclose(g * g.T, np.ones((4, 4)), rtol=1e-12)
        assert g[0, 1] > 1
        aip = group_ahp(judges, method="aip", voice=voice)
        if all(j.weights.iloc[0] > j.weights.iloc[1] for j in aip.judges):
            assert aip.weights.iloc[0] > aip.weights.iloc[1]


def test_consensus_falls_as_judges_diverge() -> None:
    a, b = np.array([0.7, 0.2, 0.1]), np.array([0.1, 0.2, 0.7])
    values = [consensus([a, (1 - t) * a + t * b]) for t in np.linspace(0, 1, 6)]
    assert values[0] == pytest.approx(1.0)
    assert all(x > y for x, y in itertools.pairwise(values))
    assert consensus(np.eye(3)) == pytest.approx(0.0)
    assert consensus([[0.25, 0.75]]) == 1.0  # one judge agrees with themself


def test_direct_weights_of_a_group() -> None:
    frame = pd.DataFrame([[3, 1, 0], [1, 1, 2]], columns=["a", "b", "c"])
    arithmetic = group_direct(frame)
    assert arithmetic.to_dict() == pytest.approx({"a": 0.5, "b": 0.25, "c": 0.25})
    geometric = group_direct(frame, mean="geometric", voice=[1, 1])
    assert geometric["c"] == 0.0 and geometric.sum() == pytest.approx(1.0)


def test_bad_groups_are_refused() -> None:
    with pytest.raises(DataError, match="at least one judge"):
        group_ahp([])
    with pytest.raises(DataError, match="same criteria"):
        group_ahp([JUDGES[0], np.ones((3, 3))])
    with pytest.raises(DataError, match="voice"):
        group_ahp(JUDGES, voice=[1, 0, 0])
    with pytest.raises(DataError, match="judge 2"):
        group_ahp([JUDGES[0], np.array([[1, 2], [2, 1]])])
