"""The joint allocation of several programmes (siting.optimise.joint) against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.errors import DataError
from siting.optimise import prepare
from siting.optimise._core import same
from siting.optimise.joint import (
    JOINT_FAMILIES,
    Programme,
    alone,
    binding,
    conflict,
    prepare_joint,
    sequential,
    solve_joint,
)


def _instance(seed: int):
    """A small random instance: 6-7 towns, 2-3 programmes, random own and shared rules."""
    rng = np.random.default_rng(seed)
    m = int(rng.integers(6, 8))
    xy = rng.uniform(0, 1000, (m, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    region = rng.choice(["n", "s", "e"], m)
    costs = rng.integers(1, 5, m).astype(float)
    pop = rng.uniform(10, 100, m)
    progs = []
    for k in range(int(rng.integers(2, 4))):
        rows = np.sort(rng.choice(m, int(rng.integers(4, m + 1)), replace=False))
        sub = d[np.ix_(rows, rows)]
        n = int(rng.integers(1, 3))
        exact = bool(rng.random() < 0.6)
        opts: dict = {}
        if rng.random() < 0.5:
            opts |= {"distances_km": sub, "min_spacing_km": float(rng.uniform(100, 400))}
        if rng.random() < 0.3:
            opts |= {"groups": region[rows], "at_most_per_group": 1}
        if rng.random() < 0.3:
            opts |= {"must_exclude": [int(rng.integers(rows.size))]}
        if rng.random() < 0.3:
            opts |= {
                "population": pop,
                "demand_distances_km": d[:, rows],
                "cover_radius_km": 300.0,
                "population_weight": float(rng.uniform(0, 1)),
            }
        rules = prepare(rng.random(rows.size), n=n, exact=exact, **opts)
        least = int(rng.integers(0, n + 1)) if not exact and rng.random() < 0.5 else None
        progs.append(
            Programme(
                f"p{k}",
                rules,
                rows,
                weight=float(rng.uniform(0.5, 2)),
                at_least=least,
                costs=costs[rows],
            )
        )
    shared: dict = {"per_site": int(rng.integers(1, 3))}
    if shared["per_site"] == 2 and rng.random() < 0.5:
        shared["compatible"] = [("p0", "p1")]
    if rng.random() < 0.4:
        shared["budget"] = float(rng.uniform(3, 12))
    if rng.random() < 0.4:
        shared |= {"distances_km": d, "min_spacing_km": float(rng.uniform(50, 300))}
    if rng.random() < 0.4:
        shared |= {"groups": region, "at_most_per_group": int(rng.integers(1, 3))}
    return prepare_joint(progs, names=[f"t{i}" for i in range(m)], **shared)


def _own_ok(p: Programme, rows: tuple[int, ...]) -> bool:
    """The programme's own rules, checked directly (not through the model)."""
    r = p.rules
    n = len(rows)
    if r.count.exact and n != r.count.n:
        return False
    if n > r.count.n or (p.at_least is not None and n < p.at_least):
        return False
    if set(rows) & set(r.lock.exclude.tolist()) or not set(r.lock.include.tolist()) <= set(rows):
        return False
    if r.spacing is not None:
        for a, b in itertools.combinations(rows, 2):
            if r.spacing.distances_km[a, b] < r.spacing.min_km:
                return False
    if r.groups is not None and r.groups.at_most is not None:
        codes = r.groups.codes[list(rows)]
        if any(np.sum(codes == g) > r.groups.at_most for g in set(codes.tolist()) if g >= 0):
            return False
    return True


def _shared_ok(joint, alloc) -> bool:
    towns = [[] for _ in range(joint.size)]
    for k, rows in enumerate(alloc):
        for r in rows:
            towns[joint.programmes[k].sites[r]].append(k)
    for here in towns:
        if len(here) > joint.per_site:
            return False
        if joint.compatible is not None:
            for a, b in itertools.combinations(sorted(here), 2):
                if (a, b) not in joint.compatible:
                    return False
    if joint.budget is not None:
        cost = sum(joint.programmes[k].costs[list(rows)].sum() for k, rows in enumerate(alloc))
        if cost > joint.budget + 1e-9:
            return False
    if joint.spacing is not None:
        placed = [(k, joint.programmes[k].sites[r]) for k, rows in enumerate(alloc) for r in rows]
        for (k, s), (q, t) in itertools.combinations(placed, 2):
            if k != q and s != t and joint.spacing.distances_km[s, t] < joint.spacing.min_km:
                return False
    if joint.groups is not None:
        codes = [
            joint.groups.codes[s]
            for k, rows in enumerate(alloc)
            for s in joint.programmes[k].sites[list(rows)]
        ]
        codes = np.array(codes, dtype=int)
        if any(np.sum(codes == g) > joint.groups.at_most for g in set(codes.tolist()) if g >= 0):
            return False
    return True


def _brute(joint):
    """Every allocation enumerated: the best joint objective, or None when none is feasible."""
    options = []
    for p in joint.programmes:
        own = [
            rows
            for n in range(p.rules.count.n + 1)
            for rows in itertools.combinations(range(p.rules.size), n)
            if _own_ok(p, rows)
        ]
        options.append(own)
    best = None
    for alloc in itertools.product(*options):
        if not _shared_ok(joint, alloc):
            continue
        value = joint.objective([np.array(r, dtype=np.intp) for r in alloc])
        if best is None or value > best:
            best = value
    return best


@pytest.mark.parametrize("seed", range(40))
def test_joint_optimum_equals_brute_force(seed):
    joint = _instance(seed)
    got = solve_joint(joint)
    want = _brute(joint)
    if want is None:
        assert not got.feasible
        return
    assert got.feasible and got.proved
    assert same(got.objective, want), (got.objective, want)
    # the allocation it returns satisfies every rule and has the value it claims
    assert _shared_ok(joint, [tuple(s.tolist()) for s in got.selected])
    assert all(
        _own_ok(p, tuple(s.tolist())) for p, s in zip(joint.programmes, got.selected, strict=True)
    )
    # choosing programme after programme is never better than choosing them together
    seq = sequential(joint)
    if seq.failed_at is None:
        assert seq.objective <= got.objective + 1e-9


def test_independent_optimum_when_shared_rules_do_not_bind():
    rng = np.random.default_rng(7)
    m = 10
    progs = [
        Programme(f"p{k}", prepare(rng.random(m), n=2), np.arange(m), weight=1.0 + k)
        for k in range(3)
    ]
    # three programmes may share every town: the shared rule cannot bind
    joint = prepare_joint(progs, names=[str(i) for i in range(m)], per_site=3)
    best = solve_joint(joint)
    for k in range(3):
        own = alone(joint, k)
        assert same(best.values[k], own.values[k])
        assert set(best.selected[k]) == set(own.selected[k])
    assert all(not b.binds for b in binding(joint, best))


def test_a_town_goes_to_the_programme_that_values_it_most():
    # both programmes want town 0 most; programme b values it far more, so it gets it
    a = Programme("a", prepare([1.0, 0.9, 0.1], n=1), np.arange(3))
    b = Programme("b", prepare([1.0, 0.2, 0.1], n=1), np.arange(3), weight=1.0)
    joint = prepare_joint([a, b], names=["x", "y", "z"])
    best = solve_joint(joint)
    assert best.selected[1].tolist() == [0] and best.selected[0].tolist() == [1]
    # sequential in the order a, b gives x to a and leaves b with z: worse by 0.8
    seq = sequential(joint)
    assert seq.outcome.selected[0].tolist() == [0] and seq.outcome.selected[1].tolist() == [1]
    assert same(best.objective - seq.objective, (1.0 + 0.9) - (1.0 + 0.2))
    [rule] = binding(joint, best)
    assert rule.family == "per_town" and rule.binds


def test_conflict_names_the_shared_rules_that_cannot_hold():
    a = Programme("a", prepare([1.0, 0.9], n=1), np.arange(2), costs=[5.0, 5.0])
    b = Programme("b", prepare([1.0, 0.9], n=1), np.arange(2), costs=[5.0, 5.0])
    c = Programme("c", prepare([1.0, 0.9], n=1), np.arange(2), costs=[1.0, 1.0])
    joint = prepare_joint([a, b, c], names=["x", "y"], budget=100.0)
    assert not solve_joint(joint).feasible  # three programmes, two towns, one per town
    assert conflict(joint) == ["per_town"]
    joint = prepare_joint([a, b], names=["x", "y"], budget=9.0)
    assert conflict(joint) == ["shared_budget"]


def test_time_limit_and_status_are_reported():
    rng = np.random.default_rng(3)
    progs = [Programme(f"p{k}", prepare(rng.random(5), n=1), np.arange(5)) for k in range(2)]
    joint = prepare_joint(progs, names=list("abcde"), time_limit_s=30)
    best = solve_joint(joint)
    assert best.status == "Optimal" and best.proved
    assert best.variables == 10 and best.constraints > 0


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"per_site": 0}, "per_site must be a whole number >= 1"),
        ({"compatible": [("a", "zz")]}, "compatible names 'zz', which are not programmes"),
        ({"compatible": [("a", "b")]}, "raise per_site to 2"),
        ({"per_site": 2, "compatible": [("a", "a")]}, "pairs 'a' with itself"),
        ({"budget": 10.0}, "no programme has costs"),
        ({"min_spacing_km": 100.0}, "distances_km is missing"),
        ({"min_spacing_km": 100.0, "distances_km": np.ones((2, 2))}, "town × town matrix (3 × 3)"),
        ({"at_most_per_group": 1}, "groups is missing"),
        ({"at_most_per_group": 1, "groups": ["n", "s"]}, "one label per town (3)"),
        ({"time_limit_s": 0}, "time_limit_s must be a number of seconds > 0"),
    ],
)
def test_bad_shared_rules_are_reported(kwargs, expected):
    a = Programme("a", prepare([1.0, 0.5, 0.2], n=1), np.arange(3))
    b = Programme("b", prepare([1.0, 0.5], n=1), np.array([0, 2]))
    with pytest.raises(DataError) as info:
        prepare_joint([a, b], names=["x", "y", "z"], **kwargs)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("programme", "expected"),
    [
        (Programme("a", prepare([1.0, 0.5], n=1), np.array([0])), "one town per row (2)"),
        (Programme("a", prepare([1.0, 0.5], n=1), np.array([0, 9])), "town indices from 0 to 2"),
        (Programme("a", prepare([1.0, 0.5], n=1), np.array([1, 1])), "a town appears on two rows"),
        (
            Programme("a", prepare([1.0, 0.5], n=1), np.arange(2), weight=0),
            "weight must be a number > 0",
        ),
        (
            Programme("a", prepare([1.0, 0.5], n=1, exact=False), np.arange(2), at_least=3),
            "at_least 3",
        ),
        (
            Programme("a", prepare([1.0, 0.5], n=1), np.arange(2), costs=[1.0]),
            "costs must be one finite",
        ),
    ],
)
def test_bad_programmes_are_reported(programme, expected):
    b = Programme("b", prepare([1.0], n=1), np.array([2]))
    with pytest.raises(DataError) as info:
        prepare_joint([programme, b], names=["x", "y", "z"])
    assert expected in str(info.value)


def test_programme_names_are_unique_and_some_are_needed():
    a = Programme("a", prepare([1.0], n=1), np.array([0]))
    with pytest.raises(DataError, match="listed twice"):
        prepare_joint([a, a], names=["x"])
    with pytest.raises(DataError, match="at least one programme"):
        prepare_joint([], names=["x"])


def test_families_list_only_rules_that_can_constrain():
    a = Programme("a", prepare([1.0, 0.5], n=1), np.array([0, 1]))
    b = Programme("b", prepare([1.0, 0.5], n=1), np.array([2, 3]))
    joint = prepare_joint([a, b], names=list("wxyz"))
    # no town is open to both programmes: "one programme per town" cannot bind
    assert joint.families == ()
    assert set(JOINT_FAMILIES) >= set(joint.families)


def test_sequential_can_fail_where_the_joint_program_cannot():
    # a takes both its sites when it goes first and leaves no budget for b
    a = Programme("a", prepare([1.0, 0.9, 0.1], n=2, exact=False), np.arange(3), costs=[5.0] * 3)
    b = Programme("b", prepare([0.5, 0.4, 0.3], n=1), np.arange(3), costs=[5.0] * 3)
    joint = prepare_joint([a, b], names=list("xyz"), budget=12.0)
    seq = sequential(joint)
    assert seq.failed_at == 1 and seq.placed == (0,)
    assert np.isnan(seq.objective) and np.isnan(seq.value(1)) and same(seq.value(0), 1.9)
    best = solve_joint(joint)
    assert best.feasible and [s.size for s in best.selected] == [1, 1]
    # in the other order both are placed
    assert sequential(joint, [1, 0]).failed_at is None


def test_a_solve_stopped_by_the_time_limit_says_so():
    """300 towns × 5 programmes cannot be solved in 0.05 s: no allocation, not proved."""
    rng = np.random.default_rng(0)
    m = 300
    xy = rng.uniform(0, 1500, (m, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    quality = rng.random(m)
    progs = [
        Programme(
            f"p{k}",
            prepare(0.6 * quality + 0.4 * rng.random(m), n=3, distances_km=d, min_spacing_km=300),
            np.arange(m),
        )
        for k in range(5)
    ]
    joint = prepare_joint(progs, names=[str(i) for i in range(m)], time_limit_s=0.05)
    stopped = solve_joint(joint)
    assert not stopped.proved
    if stopped.feasible:  # an incumbent found in time: marked, not called optimal
        assert stopped.status == "Time limit"
    else:
        assert stopped.status == "Not Solved" and np.isnan(stopped.objective)
