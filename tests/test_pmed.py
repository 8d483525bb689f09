"""The p-median model against the published optima of OR-Library's pmed1–pmed5."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from siting.optimise import p_median
from siting.optimise.orlib import read_pmed

DATA = Path(__file__).parent / "data" / "pmed"
with (DATA / "pmedopt.csv").open(newline="") as handle:
    OPTIMA = {
        row["instance"]: (int(row["p"]), float(row["optimal_value"]))
        for row in csv.DictReader(handle)
    }


@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed3", "pmed4", "pmed5"])
def test_pmed_reaches_published_optimum(name: str) -> None:
    """Beasley (1985), EJOR 21:270-273; optima from OR-Library's pmedopt.txt.

    pmed1 = 5819, pmed2 = 4093, pmed3 = 4250, pmed4 = 3034, pmed5 = 1355 (n = 100).
    """
    costs, p = read_pmed(DATA / f"{name}.txt")
    expected_p, optimum = OPTIMA[name]
    assert costs.shape == (100, 100)
    assert p == expected_p
    result = p_median(costs, p, solver="cbc")
    assert result.status == "Optimal"
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
