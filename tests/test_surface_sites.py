"""Sites from the surface: the reduced candidate set and the guarantee, against brute force."""

from __future__ import annotations

import itertools

import h3
import numpy as np
import pytest

from siting.errors import DataError, InfeasibleError
from siting.features import haversine_km
from siting.surface.sites import choose_sites, undominated


def grid(resolution: int = 5, rings: int = 3, lat: float = 48.0, lng: float = 68.0):
    """H3 cells around a point in Kazakhstan: ids and centroids (lon, lat)."""
    cells = sorted(h3.grid_disk(h3.latlng_to_cell(lat, lng, resolution), rings))
    lonlat = np.array([h3.cell_to_latlng(c)[::-1] for c in cells])
    return cells, lonlat


def smooth(lonlat: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A surface with a hump and noise, so that good cells crowd together (spacing binds)."""
    centre = lonlat[rng.integers(len(lonlat))]
    d = haversine_km(lonlat, centre[None, :])[:, 0]
    return np.exp(-d / 40.0) + 0.15 * rng.random(len(lonlat))


def brute(s, lonlat, allowed, k, spacing, codes=None, at_most=None, at_least=None, inc=()):
    """Best total score over every k-subset of the allowed cells (None when none is feasible)."""
    d = haversine_km(lonlat, lonlat)
    best = None
    labels = [] if codes is None else sorted(set(codes))
    for combo in itertools.combinations(np.flatnonzero(allowed).tolist(), k):
        if not set(inc) <= set(combo):
            continue
        if any(d[a, b] < spacing for a, b in itertools.combinations(combo, 2)):
            continue
        if codes is not None:
            counts = [sum(codes[j] == g for j in combo) for g in labels]
            if at_most is not None and max(counts) > at_most:
                continue
            if at_least is not None and min(counts) < at_least:
                continue
        value = float(s[list(combo)].sum())
        best = value if best is None else max(best, value)
    return best


def feasible(sel, lonlat, k, spacing, codes=None, at_most=None, inc=()):
    d = haversine_km(lonlat[sel], lonlat[sel])
    ok = len(sel) == k and set(inc) <= set(sel.tolist())
    ok &= not np.any(np.triu(d < spacing, k=1))
    if codes is not None and at_most is not None:
        ok &= max(np.unique(np.asarray(codes)[sel], return_counts=True)[1]) <= at_most
    return ok


@pytest.mark.parametrize("seed", range(12))
def test_dominance_keeps_an_optimum(seed: int) -> None:
    """Brute force over the undominated cells equals brute force over every allowed cell."""
    rng = np.random.default_rng(seed)
    _, ll = grid(rings=3)
    s = smooth(ll, rng)
    allowed = rng.random(len(s)) > 0.15
    k = int(rng.integers(2, 4))
    spacing = float(rng.choice([12.0, 20.0, 30.0]))
    pool = undominated(s, ll, allowed, k=k, min_spacing_km=spacing)
    sub = np.zeros(len(s), dtype=bool)
    sub[pool] = True
    assert sub.sum() < allowed.sum()  # the reduction removes cells on a humped surface
    assert brute(s, ll, sub, k, spacing) == pytest.approx(brute(s, ll, allowed, k, spacing))


@pytest.mark.parametrize("seed", range(8))
def test_dominance_with_group_caps(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    _, ll = grid(rings=3)
    s = smooth(ll, rng)
    allowed = np.ones(len(s), dtype=bool)
    codes = rng.integers(0, 3, len(s))
    k, spacing = 3, 15.0
    pool = undominated(
        s, ll, allowed, k=k, min_spacing_km=spacing, group_codes=codes, at_most_per_group=1
    )
    sub = np.zeros(len(s), dtype=bool)
    sub[pool] = True
    assert brute(s, ll, sub, k, spacing, codes, at_most=1) == pytest.approx(
        brute(s, ll, allowed, k, spacing, codes, at_most=1)
    )


def test_without_spacing_the_best_of_each_group_suffice() -> None:
    rng = np.random.default_rng(3)
    _, ll = grid(rings=2)
    s = rng.random(len(ll))
    codes = np.arange(len(s)) % 4
    pool = undominated(
        s,
        ll,
        np.ones(len(s), bool),
        k=5,
        min_spacing_km=0.0,
        group_codes=codes,
        at_most_per_group=2,
    )
    # two per group can be chosen, so the best two of each group are all that is needed
    assert sorted(pool.tolist()) == sorted(
        j for g in range(4) for j in np.flatnonzero(codes == g)[np.argsort(-s[codes == g])][:2]
    )


@pytest.mark.parametrize("seed", range(16))
def test_choose_sites_against_brute_force(seed: int) -> None:
    """Exact when it says so; otherwise the grid's optimum lies within the stated bound."""
    rng = np.random.default_rng(seed)
    cells, ll = grid(rings=3)
    s = smooth(ll, rng)
    allowed = rng.random(len(s)) > 0.1
    k = int(rng.integers(2, 4))
    spacing = float(rng.choice([15.0, 25.0]))
    small = int(rng.choice([4, 6, 100]))  # small reduced sets exercise the bound
    best = brute(s, ll, allowed, k, spacing)
    r = choose_sites(
        s, ll, k=k, allowed=allowed, min_spacing_km=spacing, max_candidates=small, names=cells
    )
    assert feasible(r.selected, ll, k, spacing)
    assert allowed[r.selected].all()
    assert r.total_score <= best + 1e-9
    assert r.upper_bound >= best - 1e-9
    if r.guarantee == "exact":
        assert r.total_score == pytest.approx(best)
    assert r.gap == pytest.approx(r.upper_bound - r.total_score)


def test_bound_path_is_exercised_and_closes_with_room() -> None:
    rng = np.random.default_rng(5)
    _, ll = grid(rings=4)
    s = smooth(ll, rng)
    best = brute(s, ll, np.ones(len(s), bool), 3, 20.0)
    # No coarse blocks and three candidates: only the threshold bound, which cannot close.
    tight = choose_sites(s, ll, k=3, min_spacing_km=20.0, max_candidates=3, max_blocks=1)
    assert tight.guarantee == "bound" and tight.gap > 0
    assert tight.total_score <= best <= tight.upper_bound
    # The same three candidates with the blocks' best cells and the blocks' bound.
    blocks = choose_sites(s, ll, k=3, min_spacing_km=20.0, max_candidates=3)
    assert blocks.candidates > tight.candidates
    assert blocks.total_score <= best <= blocks.upper_bound
    roomy = choose_sites(s, ll, k=3, min_spacing_km=20.0, max_blocks=1)
    assert roomy.guarantee == "exact" and roomy.candidates < roomy.allowed
    assert roomy.total_score == pytest.approx(best)


@pytest.mark.parametrize("seed", range(6))
def test_caps_and_must_include_against_brute_force(seed: int) -> None:
    rng = np.random.default_rng(50 + seed)
    _, ll = grid(rings=3)
    s = smooth(ll, rng)
    labels = np.array(["north", "south", "east"])[rng.integers(0, 3, len(s))]
    allowed = np.ones(len(s), dtype=bool)
    inc = [int(np.argmin(s))]  # a poor cell locked in: the optimum must work around it
    r = choose_sites(
        s,
        ll,
        k=3,
        min_spacing_km=15.0,
        groups=labels,
        at_most_per_group=1,
        must_include=inc,
        max_candidates=8,
    )
    best = brute(s, ll, allowed, 3, 15.0, list(labels), at_most=1, inc=inc)
    assert feasible(r.selected, ll, 3, 15.0, labels, 1, inc)
    assert r.total_score <= best + 1e-9 <= r.upper_bound + 2e-9
    if r.guarantee == "exact":
        assert r.total_score == pytest.approx(best)


def test_infeasible_grid_is_reported() -> None:
    _, ll = grid(rings=1)  # 7 cells about 15 km apart
    with pytest.raises(InfeasibleError, match="site"):
        choose_sites(np.ones(len(ll)), ll, k=3, min_spacing_km=100.0)


def test_bad_inputs_are_listed_together() -> None:
    _, ll = grid(rings=1)
    s = np.ones(len(ll))
    s[2] = np.nan
    allowed = np.ones(len(s), dtype=bool)
    allowed[4] = False
    with pytest.raises(DataError) as info:
        choose_sites(s, ll[:3], k=0, min_spacing_km=-5, allowed=allowed, must_include=[4, 99])
    text = str(info.value)
    for part in (
        "lonlat must have one (longitude, latitude) row per cell (7)",
        "1 allowed cell has no score, at cell 2",
        "k (number of sites) must be a whole number >= 1; got 0",
        "min_spacing_km must be a finite number >= 0; got -5",
        "must_include lists [99], which are not cells",
        "must_include lists cells [4], which the exclusions remove",
    ):
        assert part in text
