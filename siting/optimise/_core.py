"""What every model shares: the result object, the solver factory, solving and input checks.

The models in :mod:`siting.optimise` are built with PuLP from NumPy arrays.  Two habits keep the
build fast: variables are created in one call per family, and every constraint's left-hand side
is an :class:`pulp.LpAffineExpression` made from a list of ``(variable, coefficient)`` pairs
prepared with array operations, never summed term by term.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pulp

from siting.errors import DataError, InfeasibleError
from siting.tolerances import OBJECTIVE_ABS, OBJECTIVE_REL

SOLVERS = ("cbc", "highs")

#: The CBC binary bundled with PuLP.
CBC_PATH = str(Path(pulp.PULP_CBC_CMD.pulp_cbc_path).resolve())


@dataclass(frozen=True)
class OptimisationResult:
    """The outcome of one optimisation model.

    Attributes
    ----------
    selected
        Chosen candidates: integer indices on the candidate axis, sorted.
    objective
        Objective value at the optimum (in the model's own unit: total score, weighted
        distance, covered demand, ...).
    status
        Solver status in words ("Optimal", ...).
    solver
        ``"cbc"`` or ``"highs"``.
    solver_version
        Version of that solver, e.g. ``"CBC 2.10.3"``.
    seconds
        Wall time of model build plus solve (including any re-solves used to explain the result).
    binding
        One plain sentence per rule that binds: a rule binds when dropping it would change the
        optimal objective.
    binding_details
        One dict per rule, binding or not, with the same facts in structured form (indices, not
        names): ``rule``, ``value``, ``binds``, ``objective``, ``objective_without``,
        ``selected_without``, ``sentence`` and rule-specific keys.
    assignment
        For location models: the index of the chosen candidate serving each demand point
        (``-1`` when none does, e.g. outside every radius); empty otherwise.
    covered
        For covering models and portfolios with a population term: boolean mask of the demand
        points within the radius of a chosen site; empty otherwise.
    details
        Further model-specific figures (e.g. the number of variables and constraints).
    """

    selected: np.ndarray
    objective: float
    status: str
    solver: str
    solver_version: str
    seconds: float
    binding: list[str] = field(default_factory=list)
    binding_details: list[dict[str, Any]] = field(default_factory=list)
    assignment: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.intp))
    covered: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    details: dict[str, Any] = field(default_factory=dict)


def make_solver(name: str, *, warm_start: bool = False) -> pulp.LpSolver:
    """Return a quiet PuLP solver object for ``name``.

    Parameters
    ----------
    name
        ``"cbc"`` (CBC, bundled with PuLP) or ``"highs"`` (HiGHS through highspy).
    warm_start
        Pass the variables' initial values to CBC as a MIP start (ignored by HiGHS, whose PuLP
        interface takes none).

    Returns
    -------
    pulp.LpSolver
        A fresh solver object; nothing global is changed.
    """
    if name == "cbc":
        # PULP_CBC_CMD itself warns of its removal in PuLP 4.0; COIN_CMD pointed at the same
        # bundled binary is the same solver without the warning.
        return pulp.COIN_CMD(path=CBC_PATH, msg=False, warmStart=warm_start)
    if name == "highs":
        return pulp.HiGHS(msg=False)
    msg = f"solver {name!r} is not known; use one of {', '.join(SOLVERS)}"
    raise DataError(msg)


@functools.cache
def solver_version(name: str) -> str:
    """Return the version of solver ``name`` in words, e.g. ``"CBC 2.10.3"``.

    Parameters
    ----------
    name
        ``"cbc"`` or ``"highs"``.

    Returns
    -------
    str
        Solver name and version; ``"CBC (version unknown)"`` if the binary does not say.
    """
    if name == "highs":
        return f"HiGHS {importlib.metadata.version('highspy')}"
    if name == "cbc":
        try:
            out = subprocess.run(
                [CBC_PATH, "-quit"], capture_output=True, text=True, timeout=10, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        found = re.search(r"Version:\s*(\S+)", out)
        return f"CBC {found.group(1)}" if found else "CBC (version unknown)"
    msg = f"solver {name!r} is not known; use one of {', '.join(SOLVERS)}"
    raise DataError(msg)


def check_solver(name: str) -> None:
    """Raise :class:`DataError` unless ``name`` is a supported solver."""
    if name not in SOLVERS:
        msg = f"solver {name!r} is not known; use one of {', '.join(SOLVERS)}"
        raise DataError(msg)


def affine(pairs: Iterable[tuple[pulp.LpVariable, float]], constant: float = 0.0) -> Any:
    """Build a linear expression from ``(variable, coefficient)`` pairs in one call."""
    return pulp.LpAffineExpression(list(pairs), constant=constant)


def add(prob: pulp.LpProblem, expr: Any, sense: int, rhs: float, name: str) -> None:
    """Add ``expr (sense) rhs`` to ``prob`` under ``name`` without PuLP's operator overhead."""
    prob.addConstraint(pulp.LpConstraint(expr, sense=sense, rhs=rhs), name=name)


def binaries(prob: pulp.LpProblem, prefix: str, count: int) -> list[pulp.LpVariable]:
    """Return ``count`` binary variables of ``prob`` named ``prefix0``, ``prefix1``, ..."""
    return [prob.add_variable(f"{prefix}{i}", cat=pulp.LpBinary) for i in range(count)]


def fractions(
    prob: pulp.LpProblem, prefix: str, count: int, *, upper: float | None = 1.0
) -> list[pulp.LpVariable]:
    """Return ``count`` continuous variables of ``prob`` in ``[0, upper]``."""
    return [prob.add_variable(f"{prefix}{i}", lowBound=0, upBound=upper) for i in range(count)]


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 for a moment.

    HiGHS prints its banner from its constructor, before PuLP can switch its output off, straight
    to the C-level standard output, where it would land in the middle of the CLI's output.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no file descriptor 1 (embedded interpreters)
        yield
        return
    try:
        with open(os.devnull, "w", encoding="utf-8") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@dataclass(frozen=True)
class Solved:
    """Raw outcome of one solve."""

    status: str
    feasible: bool
    objective: float
    seconds: float


def solve(prob: pulp.LpProblem, solver: str, *, warm_start: bool = False) -> Solved:
    """Solve ``prob`` with a fresh solver object and say how it went.

    Parameters
    ----------
    prob
        The model.
    solver
        ``"cbc"`` or ``"highs"``.
    warm_start
        Hand the variables' initial values to the solver as a starting solution.

    Returns
    -------
    Solved
        Status in words, whether an optimal integer solution was found, objective, seconds.
    """
    start = time.perf_counter()
    if solver == "highs":
        with quiet_stdout():
            prob.solve(make_solver(solver, warm_start=warm_start))
    else:
        prob.solve(make_solver(solver, warm_start=warm_start))
    seconds = time.perf_counter() - start
    status = pulp.LpStatus.get(prob.status, str(prob.status))
    feasible = prob.status == pulp.LpStatusOptimal and prob.sol_status in (
        pulp.LpSolutionOptimal,
        pulp.LpSolutionIntegerFeasible,
    )
    if not feasible and status == "Optimal":
        status = "Not solved"
    value = pulp.value(prob.objective) if feasible else float("nan")
    objective = float(value) if value is not None else 0.0
    return Solved(status=status, feasible=feasible, objective=objective, seconds=seconds)


def chosen(variables: Sequence[pulp.LpVariable]) -> np.ndarray:
    """Return the sorted indices of binary variables set to 1."""
    values = np.array([v.varValue or 0.0 for v in variables], dtype=float)
    return np.flatnonzero(values > 0.5)


def same(a: float, b: float) -> bool:
    """Return whether two objective values are equal up to solver tolerance.

    The tolerance is :data:`siting.tolerances.OBJECTIVE_REL` relative (plus
    :data:`~siting.tolerances.OBJECTIVE_ABS`): a rule binds only when dropping it moves the
    optimum by more than solver noise.
    """
    return abs(a - b) <= OBJECTIVE_REL * max(1.0, abs(a), abs(b)) + OBJECTIVE_ABS


def fmt(value: float) -> str:
    """Format a number for a sentence: three decimals below 100, thousands separators above."""
    if abs(value) >= 100:
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"


def join_words(items: Sequence[str]) -> str:
    """Join words for a sentence: ``"a"``, ``"a and b"``, ``"a, b and c"``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def check_cost_matrix(costs: Any, *, what: str = "costs") -> np.ndarray:
    """Return ``costs`` as a finite, non-negative 2-D float array or raise :class:`DataError`.

    Parameters
    ----------
    costs
        Demand × candidate matrix.
    what
        Name used in messages.

    Returns
    -------
    numpy.ndarray
        The matrix as float64.
    """
    arr = np.asarray(costs, dtype=float)
    problems: list[str] = []
    if arr.ndim != 2:
        msg = f"{what} must be a 2-D demand × candidate matrix; got shape {arr.shape}"
        raise DataError(msg)
    if arr.shape[0] == 0:
        problems.append(f"{what} has no demand points (shape {arr.shape}); give at least one row")
    if arr.shape[1] == 0:
        problems.append(f"{what} has no candidates (shape {arr.shape}); give at least one column")
    nan = np.argwhere(~np.isfinite(arr))
    if nan.size:
        i, j = nan[0]
        problems.append(
            f"{what} has {len(nan)} missing or infinite value(s), first at demand {i}, "
            f"candidate {j} ({arr[i, j]}); fill them or drop those rows/columns"
        )
    neg = np.argwhere(arr < 0)
    if neg.size:
        i, j = neg[0]
        problems.append(
            f"{what} has {len(neg)} negative value(s), first at demand {i}, candidate {j} "
            f"({arr[i, j]:g}); costs and distances must be >= 0"
        )
    if problems:
        raise DataError(problems)
    return arr


def check_weights(weights: Any, count: int, *, what: str = "weights") -> np.ndarray:
    """Return demand weights as a finite non-negative vector of length ``count``."""
    if weights is None:
        return np.ones(count)
    arr = np.asarray(weights, dtype=float)
    if arr.shape != (count,):
        msg = f"{what} must have one value per demand point ({count}); got shape {arr.shape}"
        raise DataError(msg)
    problems = []
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.isfinite(arr))
        problems.append(
            f"{what} has {bad.size} missing value(s), first at demand {bad[0]}; fill them"
        )
    if np.any(arr < 0):
        bad = np.flatnonzero(arr < 0)
        problems.append(
            f"{what} has {bad.size} negative value(s), first at demand {bad[0]} "
            f"({arr[bad[0]]:g}); weights must be >= 0"
        )
    if problems:
        raise DataError(problems)
    return arr


def check_count(p: Any, candidates: int, *, what: str = "p") -> int:
    """Return ``p`` as an int in ``1..candidates`` or raise."""
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        msg = f"{what} must be a whole number of sites; got {p!r}"
        raise DataError(msg)
    if p < 1:
        msg = f"{what} must be at least 1; got {p}"
        raise DataError(msg)
    if p > candidates:
        msg = (
            f"{what} = {p} sites were asked but there are only {candidates} candidates; "
            f"ask for at most {candidates}"
        )
        raise InfeasibleError(msg)
    return int(p)
