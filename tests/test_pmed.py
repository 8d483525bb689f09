"""The p-median model against the published optima of OR-Library's pmed1–pmed6, and its limits."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest

from siting.errors import DataError
from siting.optimise import AT_LIMIT, p_median
from siting.optimise.orlib import read_pmed

DATA = Path(__file__).parent / "data" / "pmed"
with (DATA / "pmedopt.csv").open(newline="") as handle:
    OPTIMA = {
        row["instance"]: (int(row["p"]), float(row["optimal_value"]))
        for row in csv.DictReader(handle)
    }


@pytest.mark.parametrize(
    ("name", "solver"),
    [(f"pmed{k}", "highs") for k in range(1, 7)] + [(f"pmed{k}", "cbc") for k in range(1, 6)],
)
def test_pmed_reaches_published_optimum(name: str, solver: str) -> None:
    """Beasley (1985), EJOR 21:270-273; optima from OR-Library's pmedopt.txt.

    pmed1 = 5819, pmed2 = 4093, pmed3 = 4250, pmed4 = 3034, pmed5 = 1355 (n = 100),
    pmed6 = 7824 (n = 200, p = 5).  benchmarks/pmed_all.py solves all 40.
    """
    costs, p = read_pmed(DATA / f"{name}.txt")
    expected_p, optimum = OPTIMA[name]
    assert costs.shape[0] == (200 if name == "pmed6" else 100)
    assert p == expected_p
    result = p_median(costs, p, solver=solver)
    assert result.status == "Optimal"
    assert result.proven
    assert result.bound is None
    assert result.gap is None
    assert result.selected.size == p
    assert result.objective == optimum
    # The objective is the distance to the nearest chosen site, recomputed independently.
    assert costs[:, result.selected].min(axis=1).sum() == optimum


def test_pmedopt_txt_agrees_with_csv() -> None:
    lines = (DATA / "pmedopt.txt").read_text().split("\n")[1:]
    values = {a: float(b) for a, b in (line.split() for line in lines if line.strip())}
    for name, (_, optimum) in OPTIMA.items():
        assert values[name] == optimum


def test_repeated_edge_last_line_wins(tmp_path: Path) -> None:
    # Edge 1-2 appears twice: the last cost (7) wins even though the first (3) is smaller.
    (tmp_path / "g.txt").write_text("3 3 1\n1 2 3\n2 3 1\n1 2 7\n")
    costs, p = read_pmed(tmp_path / "g.txt")
    assert p == 1
    assert costs[0, 1] == 7
    assert costs[0, 2] == 8
    assert np.array_equal(costs, costs.T)


def test_pmed1_minimum_rule_would_differ() -> None:
    """The README's warning: keeping the minimum of repeated edges gives 5718, not 5819."""
    text = (DATA / "pmed1.txt").read_text().split()
    n, m, p = (int(v) for v in text[:3])
    edges = np.array(text[3 : 3 + 3 * m], dtype=int).reshape(-1, 3)
    from scipy.sparse.csgraph import shortest_path

    graph = np.full((n, n), np.inf)
    for i, j, c in edges:
        graph[i - 1, j - 1] = graph[j - 1, i - 1] = min(graph[i - 1, j - 1], c)
    np.fill_diagonal(graph, 0)
    costs = shortest_path(np.where(np.isinf(graph), 0, graph), directed=False)
    assert p_median(costs, p).objective == 5718


def test_pmed6_needs_the_tree_and_reaches_the_optimum() -> None:
    """pmed6's LP bound (7783.5) is below its optimum (7824): only the branching closes the gap."""
    costs, p = read_pmed(DATA / "pmed6.txt")
    result = p_median(costs, p)
    assert result.objective == OPTIMA["pmed6"][1]
    assert result.details["root_bound"] < OPTIMA["pmed6"][1] - 1
    assert result.details["nodes"] > 1
    assert result.details["fixed_closed"] > 0


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_time_limit_returns_the_best_solution_with_bound_and_gap(solver: str) -> None:
    costs, p = read_pmed(DATA / "pmed6.txt")
    result = p_median(costs, p, solver=solver, time_limit_s=1e-6)
    assert result.status == AT_LIMIT
    assert not result.proven
    assert result.time_limit_s == 1e-6
    assert result.selected.size == p
    assert result.objective == costs[:, result.selected].min(axis=1).sum()
    bound, gap = result.bound, result.gap
    assert bound is not None
    # The bound is proven: at most the optimum, at least every point's nearest candidate.
    assert costs.min(axis=1).sum() <= bound <= OPTIMA["pmed6"][1] <= result.objective
    assert gap == pytest.approx((result.objective - bound) / result.objective)


def test_generous_time_limit_changes_nothing() -> None:
    costs, p = read_pmed(DATA / "pmed2.txt")
    result = p_median(costs, p, time_limit_s=600)
    assert result.objective == OPTIMA["pmed2"][1]
    assert result.proven


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "soon"])
def test_bad_time_limit(bad: object) -> None:
    costs, p = read_pmed(DATA / "pmed1.txt")
    with pytest.raises(DataError, match="time_limit_s"):
        p_median(costs, p, time_limit_s=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [0, 1, 2, 16, 36])
def test_fractional_weights_duplicates_and_zeros_match_brute_force(seed: int) -> None:
    """Non-integer data use the relative pruning margin; merged and dropped rows stay exact.

    Seeds 16 and 36 have a fractional root LP, so the branching runs on non-integer data.
    """
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 100, (30, 2))
    sites = rng.uniform(0, 100, (10, 2))
    costs = np.linalg.norm(points[:, None] - sites[None], axis=2)
    costs[5] = costs[4]  # a duplicate demand row
    weights = rng.uniform(0.1, 3.0, 30)
    weights[7] = 0.0
    combos = [list(c) for c in itertools.combinations(range(10), 3)]
    best = min(float(weights @ costs[:, c].min(axis=1)) for c in combos)
    for solver in ("highs", "cbc"):
        result = p_median(costs, 3, weights=weights, solver=solver)
        assert result.status == "Optimal"
        assert result.objective == pytest.approx(best, rel=1e-9)
        if solver == "highs" and seed in (16, 36):
            assert result.details["nodes"] > 1


def test_no_demand_weight_costs_nothing() -> None:
    costs, p = read_pmed(DATA / "pmed1.txt")
    result = p_median(costs, p, weights=np.zeros(costs.shape[0]))
    assert result.objective == 0.0
    assert result.selected.size == p


@pytest.mark.parametrize(
    "shape", [(4, 3, "zeros"), (1, 5, "ones"), (6, 4, "ties"), (3, 7, "uniform")]
)
def test_degenerate_matrices_every_p_match_brute_force(shape: tuple[int, int, str]) -> None:
    """All-zero and constant costs, one demand row, many ties, p from 1 to every candidate."""
    rows, cols, kind = shape
    rng = np.random.default_rng(rows * cols)
    costs = {
        "zeros": np.zeros((rows, cols)),
        "ones": np.ones((rows, cols)),
        "ties": rng.integers(0, 3, (rows, cols)).astype(float),
        "uniform": rng.uniform(0, 1, (rows, cols)),
    }[kind]
    weights = rng.uniform(0.5, 2.0, rows)
    for p in range(1, cols + 1):
        best = min(
            float(weights @ costs[:, list(s)].min(axis=1))
            for s in itertools.combinations(range(cols), p)
        )
        # CBC (a subprocess per solve) on one p only, to keep the test quick.
        for solver in ("highs", "cbc") if p == 2 else ("highs",):
            result = p_median(costs, p, weights=weights, solver=solver)
            assert result.objective == pytest.approx(best, rel=1e-9, abs=1e-12)
            assert np.unique(result.selected).size == p


def test_stopped_inside_the_tree_reports_the_open_nodes_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The clock runs out at the third node LP of pmed6: the bound is the open nodes' smallest."""
    from siting.optimise import median

    costs, p = read_pmed(DATA / "pmed6.txt")
    solve = median._Master.solve
    calls = {"n": 0}

    def stop_at_third(self: median._Master, lower: np.ndarray, upper: np.ndarray, deadline: float):
        calls["n"] += 1
        if calls["n"] >= 3:
            return "time", float("nan"), np.empty(0), np.empty(0)
        return solve(self, lower, upper, deadline)

    monkeypatch.setattr(median._Master, "solve", stop_at_third)
    result = p_median(costs, p)
    assert result.status == AT_LIMIT
    root, bound = result.details["root_bound"], result.bound
    assert bound is not None
    assert root <= bound <= OPTIMA["pmed6"][1] <= result.objective
    assert result.gap is not None and result.gap > 0
