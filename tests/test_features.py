"""Great-circle measures, checked against pyproj's geodesic and brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from siting import features
from siting.errors import DataError
from siting.spec import Bounds, Decay, Measure

GEOD = Geod(ellps="WGS84")
ASTANA = (71.4460, 51.1801)
ALMATY = (76.9286, 43.2567)


def test_haversine_matches_the_geodesic_within_half_a_percent():
    d = features.haversine_km(np.array([ASTANA]), np.array([ALMATY]))[0, 0]
    _, _, metres = GEOD.inv(*ASTANA, *ALMATY)
    assert d == pytest.approx(metres / 1000, rel=5e-3)
    assert 960 < d < 980  # Astana–Almaty is about 970 km as the crow flies


def test_one_degree_of_latitude_is_about_111_km():
    d = features.haversine_km(np.array([[70.0, 50.0]]), np.array([[70.0, 51.0]]))[0, 0]
    assert d == pytest.approx(np.pi * features.EARTH_RADIUS_KM / 180, rel=1e-12)


lonlat = st.tuples(st.floats(40, 100), st.floats(30, 60))


@settings(max_examples=40, deadline=None)
@given(st.lists(lonlat, min_size=1, max_size=15), st.lists(lonlat, min_size=1, max_size=15))
def test_tree_queries_agree_with_brute_force(sites, facilities):
    s, f = np.array(sites), np.array(facilities)
    full = features.haversine_km(s, f)
    np.testing.assert_allclose(features.nearest_km(s, f), full.min(axis=1), atol=1e-6)
    radius = 500.0
    inside = full <= radius
    # points within a micrometre of the radius may fall either side of it by rounding
    edge = np.abs(full - radius) < 1e-6
    counts = features.count_within(s, f, radius)
    assert np.all(np.abs(counts - inside.sum(axis=1)) <= edge.sum(axis=1))
    w = np.arange(1, len(f) + 1, dtype=float)
    if not edge.any():
        np.testing.assert_allclose(features.sum_within(s, f, w, radius), inside @ w)
    # pairs beyond 30 decay lengths are left out: each weighs less than e^-30 of its feature
    np.testing.assert_allclose(
        features.access(s, f, w, 100.0),
        np.exp(-full / 100.0) @ w,
        rtol=1e-9,
        atol=features.KERNEL_FLOOR * w.sum(),
    )


def test_a_facility_on_the_site_counts_at_distance_zero():
    s = np.array([ASTANA])
    assert features.nearest_km(s, s)[0] == 0
    assert features.sum_within(s, s, np.array([7.0]), 1.0)[0] == 7.0
    assert features.access(s, s, np.array([2.0]), 10.0)[0] == 2.0


def test_where_filters_without_eval():
    frame = pd.DataFrame({"students": [3000, 7000, 25000], "type": ["a", "b", "a"]})
    assert features.where_mask(frame, {"students": Bounds(min=5000)}).tolist() == [0, 1, 1]
    both = {"students": Bounds(max=10000), "type": Bounds(**{"in": ["a"]})}
    assert features.where_mask(frame, both).tolist() == [1, 0, 0]
    assert features.where_mask(frame, {"type": Bounds(equals="b")}).tolist() == [0, 1, 0]


def test_where_comparing_text_with_a_number_is_an_error():
    frame = pd.DataFrame({"type": ["a", "b"]})
    with pytest.raises(DataError, match="holds text"):
        features.where_mask(frame, {"type": Bounds(min=1)})


# --- distance decay: one vocabulary for count, sum and gravity (access) ----------------------------

RAMP = Decay.model_validate({"linear": {"full_km": 30, "zero_km": 80}})
BELL = Decay.model_validate({"gaussian": {"sigma_km": 40}})
EXPO = Decay.model_validate({"exponential": {"scale_km": 30}})


def test_the_kernels_by_hand():
    km = np.array([0.0, 30.0, 55.0, 80.0, 200.0])
    np.testing.assert_allclose(features.kernel(km, RAMP), [1, 1, 0.5, 0, 0])
    np.testing.assert_allclose(features.kernel(km, BELL), np.exp(-(km**2) / (2 * 40**2)))
    np.testing.assert_allclose(features.kernel(km, EXPO), np.exp(-km / 30))
    # the reach: exactly 0 beyond zero_km; below e^-30 beyond 7.75 sigma and 30 scale lengths
    assert features.reach_km(RAMP) == 80
    assert features.kernel(np.array([features.reach_km(BELL)]), BELL)[0] == pytest.approx(
        features.KERNEL_FLOOR
    )
    assert features.kernel(np.array([features.reach_km(EXPO)]), EXPO)[0] == pytest.approx(
        features.KERNEL_FLOOR
    )


@settings(max_examples=30, deadline=None)
@given(
    st.lists(lonlat, min_size=1, max_size=12),
    st.lists(lonlat, min_size=1, max_size=12),
    st.sampled_from([RAMP, BELL, EXPO]),
)
def test_gravity_agrees_with_the_full_matrix(sites, facilities, decay):
    s, f = np.array(sites), np.array(facilities)
    w = np.arange(1, len(f) + 1, dtype=float)
    full = features.kernel(features.haversine_km(s, f), decay) @ w
    # pairs beyond the reach are left out: each weighs less than e^-30 of its feature
    np.testing.assert_allclose(
        features.gravity(s, f, w, decay), full, rtol=1e-9, atol=features.KERNEL_FLOOR * w.sum()
    )


def test_access_is_the_exponential_gravity():
    s, f = np.array([ASTANA]), np.array([ALMATY, ASTANA])
    w = np.array([3.0, 2.0])
    assert features.access(s, f, w, 30.0)[0] == features.gravity(s, f, w, EXPO)[0]


def test_a_decayed_count_has_no_cliff():
    # an institute moving out across the old 50 km radius: the hard count jumps from 1 to 0,
    # the decayed one moves by a hair
    site = np.array([ALMATY])
    km_per_degree = np.pi * features.EARTH_RADIUS_KM / 180
    inside = np.array([[ALMATY[0], ALMATY[1] + 49.99 / km_per_degree]])
    outside = np.array([[ALMATY[0], ALMATY[1] + 50.01 / km_per_degree]])
    hard = [features.count_within(site, x, 50)[0] for x in (inside, outside)]
    soft = [features.gravity(site, x, np.ones(1), RAMP)[0] for x in (inside, outside)]
    assert hard == [1, 0]
    assert soft == pytest.approx([0.6002, 0.5998], abs=1e-4)


def measure_of(spec: dict, frame: pd.DataFrame | None = None) -> np.ndarray:
    sites = np.array([ASTANA, ALMATY])
    facilities = np.array([ALMATY, ASTANA, ASTANA])
    layer = pd.DataFrame({"students": [100.0, 10.0, 1.0]})
    candidates = frame if frame is not None else pd.DataFrame({"region": ["north", "south"]})
    return features.measure(
        Measure.model_validate(spec),
        sites=sites,
        candidates=candidates,
        facilities=layer,
        facility_lonlat=facilities,
    )


def test_count_sum_and_gravity_share_the_decay():
    decay = {"exponential": {"scale_km": 30}}
    count = measure_of({"count": "x", "decay": decay})
    summed = measure_of({"sum": "x", "field": "students", "decay": decay})
    gravity = measure_of({"gravity": "x", "field": "students", "decay": decay})
    access = measure_of({"access": "x", "field": "students", "decay_km": 30})
    np.testing.assert_allclose(count, [2 + np.exp(-970.0 / 30), 1], rtol=1e-3, atol=1e-12)
    np.testing.assert_allclose(summed, gravity)
    np.testing.assert_allclose(summed, access)
    assert summed[0] == pytest.approx(11) and summed[1] == pytest.approx(100)


def test_coordinates_and_membership_are_attributes():
    np.testing.assert_allclose(measure_of({"attribute": "latitude"}), [ASTANA[1], ALMATY[1]])
    np.testing.assert_allclose(measure_of({"attribute": "lon"}), [ASTANA[0], ALMATY[0]])
    frame = pd.DataFrame({"region": ["north", None]})
    assert measure_of({"attribute": "region", "in": ["north", "east"]}, frame).tolist() == [1, 0]
