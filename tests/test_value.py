from __future__ import annotations

import numpy as np
import pytest

from siting import value
from siting.spec import Criterion


def crit(direction: str, fn: object) -> Criterion:
    return Criterion.model_validate(
        {"id": "c", "label": "c", "measure": {"attribute": "x"}, "direction": direction,
         "value": fn, "weight": 1}
    )  # fmt: skip


def test_linear_cost_is_one_at_best_and_zero_at_worst_clipped():
    v = value.apply(
        crit("cost", {"linear": {"best": 10, "worst": 150}}), np.array([0, 10, 80, 150, 400])
    )
    np.testing.assert_allclose(v, [1, 1, 0.5, 0, 0])


def test_threshold_respects_direction():
    x = np.array([50, 100, 150])
    np.testing.assert_array_equal(
        value.apply(crit("benefit", {"threshold": {"at": 100}}), x), [0, 1, 1]
    )
    np.testing.assert_array_equal(
        value.apply(crit("cost", {"threshold": {"at": 100, "below": 0.2}}), x), [1, 1, 0.2]
    )


def test_piecewise_interpolates_and_is_flat_outside():
    fn = {"piecewise": {"points": [[0, 0], [100, 0.8], [200, 1]]}}
    v = value.apply(crit("benefit", fn), np.array([-5, 50, 150, 999]))
    np.testing.assert_allclose(v, [0, 0.4, 0.9, 1])


def test_minmax_uses_the_kept_candidates_and_inverts_costs():
    x = np.array([10.0, 20.0, 30.0, 100.0])
    among = x[:3]
    np.testing.assert_allclose(
        value.apply(crit("benefit", "minmax"), x, among=among), [0, 0.5, 1, 1]
    )
    np.testing.assert_allclose(value.apply(crit("cost", "minmax"), x, among=among), [1, 0.5, 0, 0])


def test_a_constant_column_does_not_discriminate():
    np.testing.assert_array_equal(value.minmax(np.array([5.0, 5.0]), benefit=False), [1, 1])


def test_direction_must_agree_with_linear_bounds():
    with pytest.raises(ValueError, match="describe a cost"):
        crit("benefit", {"linear": {"best": 10, "worst": 150}})
