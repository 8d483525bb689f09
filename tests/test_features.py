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
from siting.spec import Bounds

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
    np.testing.assert_allclose(
        features.access(s, f, w, 100.0), np.exp(-full / 100.0) @ w, rtol=1e-9, atol=1e-12
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
