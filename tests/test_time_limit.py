"""Every integer program takes a time limit; a solve stopped at it says so, with its bound and gap.

The stop itself is made deterministic: the solver runs, then reports as CBC and HiGHS do when
their limit stops them (a solution, not proved optimal, the bound in CBC's log or HiGHS' info).
Nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pulp
import pytest
from typer.testing import CliRunner

import siting
from siting.cli import app
from siting.errors import InfeasibleError
from siting.optimise import AT_LIMIT, _core, lscp, mclp, p_center, select_portfolio

BOUND_FACTOR = 1.25  # the stopped solver's bound: this much above the solution it returns


class _StoppedCbc(pulp.COIN_CMD):
    """CBC that solves, then answers as when its time limit stops it with a solution."""

    def actualSolve(self, lp: pulp.LpProblem, **kwargs: object) -> int:  # noqa: N802 (PuLP's name)
        super().actualSolve(lp, **kwargs)
        found = pulp.value(lp.objective)
        lp.assignStatus(pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible)
        word = "Upper" if lp.sense == pulp.LpMaximize else "Lower"
        bound = found * BOUND_FACTOR if lp.sense == pulp.LpMaximize else found / BOUND_FACTOR
        Path(self.optionsDict["logPath"]).write_text(
            "Result - Stopped on time limit\n\n"
            f"Objective value:                {found:.8f}\n"
            f"{word} bound:                    {bound:.3f}\n"
            "Gap:                            0.25\n",
            encoding="utf-8",
        )
        return lp.status


class _EmptyCbc(pulp.COIN_CMD):
    """CBC stopped by its time limit before it found any solution."""

    def actualSolve(self, lp: pulp.LpProblem, **kwargs: object) -> int:  # noqa: N802
        lp.assignStatus(pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound)
        Path(self.optionsDict["logPath"]).write_text(
            "Result - Stopped on time limit\n\nNo feasible solution found\n", encoding="utf-8"
        )
        return lp.status


@pytest.fixture
def stopped(monkeypatch: pytest.MonkeyPatch) -> list[float | None]:
    """Every CBC solve stops 'at its time limit'; the list records the limits it was given."""
    limits: list[float | None] = []
    original = _core.make_solver

    def make(name: str, **kwargs: object) -> pulp.LpSolver:
        limits.append(kwargs.get("time_limit_s"))  # type: ignore[arg-type]
        solver = original(name, **kwargs)  # type: ignore[arg-type]
        if name == "cbc" and kwargs.get("time_limit_s") is not None:
            solver.__class__ = _StoppedCbc
        return solver

    monkeypatch.setattr(_core, "make_solver", make)
    return limits


def test_a_portfolio_stopped_at_its_limit_says_so(stopped: list[float | None]) -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.2])
    result = select_portfolio(scores, n=2, time_limit_s=5)
    assert stopped == [5]
    assert not result.proven
    assert result.status == AT_LIMIT
    assert result.time_limit_s == 5
    assert result.objective == pytest.approx(1.7)
    assert result.bound == pytest.approx(1.7 * BOUND_FACTOR, rel=1e-3)
    assert result.gap == pytest.approx(BOUND_FACTOR - 1, rel=1e-3)
    # no binding rule is claimed without a proved optimum
    assert result.binding == [] and result.binding_details == []


def test_without_a_limit_nothing_changes(stopped: list[float | None]) -> None:
    result = select_portfolio(np.array([0.9, 0.8, 0.7]), n=2)
    assert stopped == [None]
    assert result.proven and result.status == "Optimal" and result.bound is None


def test_no_solution_within_the_limit_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    original = _core.make_solver

    def make(name: str, **kwargs: object) -> pulp.LpSolver:
        solver = original(name, **kwargs)  # type: ignore[arg-type]
        solver.__class__ = _EmptyCbc
        return solver

    monkeypatch.setattr(_core, "make_solver", make)
    with pytest.raises(InfeasibleError, match=r"no portfolio within its time limit of 2 s"):
        select_portfolio(np.array([0.9, 0.8, 0.7]), n=2, time_limit_s=2)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "10", True])
def test_a_bad_time_limit_is_refused(bad: object) -> None:
    with pytest.raises(siting.DataError, match="time_limit_s must be a"):
        select_portfolio(np.array([0.9, 0.8, 0.7]), n=2, time_limit_s=bad)  # type: ignore[arg-type]
    with pytest.raises(siting.DataError, match="time_limit_s must be a"):
        mclp(np.ones((2, 3)), 1.0, 1, time_limit_s=bad)  # type: ignore[arg-type]


def test_location_models_take_a_limit_and_report_the_gap(stopped: list[float | None]) -> None:
    rng = np.random.default_rng(3)
    costs = rng.uniform(0, 100, (40, 12))
    covered = mclp(costs, 30, 3, time_limit_s=7)
    assert not covered.proven and covered.status == AT_LIMIT
    assert covered.bound == pytest.approx(covered.objective * BOUND_FACTOR, rel=1e-3)
    assert covered.gap == pytest.approx(BOUND_FACTOR - 1, rel=1e-3)
    cover = lscp(costs, 60, time_limit_s=7)
    assert not cover.proven and cover.bound == pytest.approx(
        cover.objective / BOUND_FACTOR, rel=1e-3
    )
    centre = p_center(costs, 3, time_limit_s=7)
    # a cover found within the limit decides its radius: p-center stays exact
    assert centre.proven and centre.status == "Optimal"
    assert set(stopped) == {7}


def test_the_study_carries_the_stop_to_the_cli_report_and_map(
    tiny: Path, edit, tmp_path: Path, stopped: list[float | None]
) -> None:
    path = edit(tiny / "study.yaml", "  sites: 2\n", "  sites: 2\n  time_limit_s: 3\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert 3.0 in stopped
    note = "The solver stopped at its time limit of 3 s before proving this portfolio optimal"
    text = " ".join(result.output.split())
    assert note in text
    assert "no portfolio can reach more than 2.491, so it is at most 25.0 % short" in text
    assert "stopped at the time limit, not proved optimal" in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["solver"]["status"] == AT_LIMIT
    report = (out / "report.html").read_text()
    assert note in report and "Found by cbc" in report and "Not known: a rule binds" in report
    assert note in (out / "map.html").read_text()


def test_the_default_study_is_unchanged_by_its_limit(tiny: Path) -> None:
    results = siting.run(tiny / "study.yaml", sensitivity=False)
    assert results.portfolio is not None
    assert results.portfolio.proven and results.portfolio.time_limit_s == 60.0


class _PoorCbc(_StoppedCbc):
    """Stopped at its limit holding a poor solution: the first sites, nothing covered."""

    def actualSolve(self, lp: pulp.LpProblem, **kwargs: object) -> int:  # noqa: N802
        super().actualSolve(lp, **kwargs)
        chosen = 0
        for var in lp.variables():
            if var.name.startswith("x"):
                var.varValue = 1.0 if chosen < 3 and var.name in {"x0", "x1", "x2"} else 0.0
                chosen += var.varValue > 0.5
            else:
                var.varValue = 0.0
        return lp.status


def test_a_stopped_mclp_keeps_the_greedy_cover_when_the_solver_holds_less(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from siting.optimise.location import _greedy_cover

    original = _core.make_solver

    def make(name: str, **kwargs: object) -> pulp.LpSolver:
        solver = original(name, **kwargs)  # type: ignore[arg-type]
        solver.__class__ = _PoorCbc
        return solver

    monkeypatch.setattr(_core, "make_solver", make)
    rng = np.random.default_rng(11)
    costs = rng.uniform(0, 100, (60, 15))
    weights = rng.integers(1, 50, 60).astype(float)
    result = mclp(costs, 25, 3, weights=weights, time_limit_s=5)
    cover = costs <= 25
    greedy = _greedy_cover(cover, weights, 3)
    assert not result.proven
    assert result.objective >= weights[cover[:, greedy].any(axis=1)].sum()
