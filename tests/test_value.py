from __future__ import annotations

import re

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


SOUTH = {"categories": {"south": 1, "west": 0.6, "east": 0.6, "north": 0.3}, "default": 0}


def category(fn: object, direction: str = "benefit", measure: object = None) -> Criterion:
    return Criterion.model_validate(
        {"id": "c", "label": "c", "measure": measure or {"attribute": "macro_region"},
         "direction": direction, "value": fn, "weight": 1}
    )  # fmt: skip


def test_categories_give_each_label_its_value_and_the_rest_the_default():
    labels = np.array(["south", "north", "central", "", None], dtype=object)
    np.testing.assert_allclose(value.apply(category(SOUTH), labels), [1, 0.3, 0, 0, 0])
    # the pipeline measures the labels into their values; applying again changes nothing
    measured = value.categories(labels, values=SOUTH["categories"], default=0)
    np.testing.assert_allclose(value.apply(category(SOUTH), measured), measured)


def test_without_a_default_an_unlisted_label_has_no_value():
    got = value.categories(["south", "central"], values={"south": 1.0})
    assert got[0] == 1 and np.isnan(got[1])


@pytest.mark.parametrize(
    ("fn", "direction", "measure", "said"),
    [
        ({"linear": {"best": 1, "worst": 0}, "default": 0}, "benefit", None, "goes with"),
        (SOUTH, "cost", None, "write `direction: benefit`"),
        (SOUTH, "benefit", {"nearest": "x"}, "not a `nearest` measure"),
        (SOUTH, "benefit", {"attribute": "latitude"}, "is a coordinate in degrees"),
        (SOUTH, "benefit", {"attribute": "macro_region", "in": ["south"]}, "remove `in`"),
        ({"categories": {"south": 2}}, "benefit", None, "less than or equal to 1"),
        ({"categories": {}}, "benefit", None, "at least 1 item"),
    ],
    ids=["default-alone", "cost", "not-attribute", "coordinate", "with-in", "above-1", "empty"],
)
def test_a_categorical_value_function_used_wrongly_is_refused(fn, direction, measure, said):
    with pytest.raises(ValueError, match=re.escape(said)):
        category(fn, direction, measure)
