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
import tempfile
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

#: The status of a solve stopped by its time limit with a solution found but not proved optimal.
AT_LIMIT = "Stopped at the time limit"

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
    proven
        Whether ``selected`` is proved optimal; False when the solve stopped at its time limit
        with the best solution it had found (``status`` is then :data:`AT_LIMIT`).
    bound
        When not proven: the best objective any solution could reach, as the solver proved it
        by the limit (None when proven, or when the solver did not say).
    gap
        When not proven: ``|bound - objective| / |objective|``, the most the answer may fall
        short of the optimum, relative to it (None when proven or without a bound).
    time_limit_s
        The time limit the solve was given (None: none).
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
    proven: bool = True
    bound: float | None = None
    gap: float | None = None
    time_limit_s: float | None = None


def make_solver(
    name: str,
    *,
    warm_start: bool = False,
    time_limit_s: float | None = None,
    log_path: str | None = None,
) -> pulp.LpSolver:
    """Return a quiet PuLP solver object for ``name``.

    Parameters
    ----------
    name
        ``"cbc"`` (CBC, bundled with PuLP) or ``"highs"`` (HiGHS through highspy).
    warm_start
        Pass the variables' initial values to CBC as a MIP start (ignored by HiGHS, whose PuLP
        interface takes none).
    time_limit_s
        Stop the search after this many seconds of wall time (None: no limit).
    log_path
        Where CBC writes its log (read for the bound when it stops at the time limit).

    Returns
    -------
    pulp.LpSolver
        A fresh solver object; nothing global is changed.
    """
    if name == "cbc":
        # PULP_CBC_CMD itself warns of its removal in PuLP 4.0; COIN_CMD pointed at the same
        # bundled binary is the same solver without the warning.
        options: dict[str, Any] = {}
        if time_limit_s is not None:
            # CBC counts CPU seconds by default; a planner's limit is on the clock.
            options |= {"timeLimit": time_limit_s, "timeMode": "elapsed"}
        if log_path is not None:
            options["logPath"] = log_path
        return pulp.COIN_CMD(path=CBC_PATH, msg=False, warmStart=warm_start, **options)
    if name == "highs":
        return pulp.HiGHS(msg=False, timeLimit=time_limit_s)
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


def check_time_limit(value: Any, *, what: str = "time_limit_s") -> float | None:
    """Return a time limit in seconds (None: none) or raise :class:`DataError`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        msg = f"{what} must be a number of seconds; got {value!r}"
        raise DataError(msg)
    if not np.isfinite(value) or value <= 0:
        msg = f"{what} must be a positive number of seconds; got {value!r}"
        raise DataError(msg)
    return float(value)


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
    """Raw outcome of one solve.

    Attributes
    ----------
    status
        ``"Optimal"`` (proved), :data:`AT_LIMIT` (a solution, not proved optimal), or the
        solver's word for no solution (``"Infeasible"``, ``"Not Solved"``, ...).
    feasible
        Whether an integer solution was found (proved optimal or not).
    objective
        Its objective (NaN without one).
    seconds
        Wall time of the solve.
    proven
        Whether the solution is proved optimal.
    bound
        When it is not: the best objective any solution could reach, as the solver proved it
        (None when the solver did not say).
    stopped
        Whether the solve ended at its time limit (with or without a solution).
    time_limit_s
        The limit it was given (None: none).
    """

    status: str
    feasible: bool
    objective: float
    seconds: float
    proven: bool = True
    bound: float | None = None
    stopped: bool = False
    time_limit_s: float | None = None

    @property
    def gap(self) -> float | None:
        """``|bound - objective| / |objective|`` when stopped with a bound, else None."""
        return relative_gap(self.objective, self.bound) if not self.proven else None


def relative_gap(objective: float, bound: float | None) -> float | None:
    """How far the bound is from the solution, relative to the solution (None: no bound)."""
    if bound is None or not np.isfinite(bound) or not np.isfinite(objective):
        return None
    return abs(bound - objective) / max(abs(objective), 1e-12)


def solve(
    prob: pulp.LpProblem,
    solver: str,
    *,
    warm_start: bool = False,
    time_limit_s: float | None = None,
) -> Solved:
    """Solve ``prob`` with a fresh solver object and say how it went.

    Parameters
    ----------
    prob
        The model.
    solver
        ``"cbc"`` or ``"highs"``.
    warm_start
        Hand the variables' initial values to the solver as a starting solution.
    time_limit_s
        Stop after this many seconds (wall time) with the best solution found so far, its
        status :data:`AT_LIMIT` and the solver's bound (None: search until proved).

    Returns
    -------
    Solved
        Status in words, whether an integer solution was found and whether it is proved
        optimal, objective, bound, seconds.
    """
    start = time.perf_counter()
    log = None
    if solver == "highs":
        with quiet_stdout():
            prob.solve(make_solver(solver, warm_start=warm_start, time_limit_s=time_limit_s))
    elif time_limit_s is not None:
        # CBC says its bound only in its log: kept in a temporary file, read, removed.
        with tempfile.TemporaryDirectory(prefix="siting-cbc-") as folder:
            path = str(Path(folder) / "cbc.log")
            prob.solve(
                make_solver(solver, warm_start=warm_start, time_limit_s=time_limit_s, log_path=path)
            )
            log = Path(path).read_text(encoding="utf-8", errors="replace")
    else:
        prob.solve(make_solver(solver, warm_start=warm_start))
    seconds = time.perf_counter() - start
    status = pulp.LpStatus.get(prob.status, str(prob.status))
    feasible = prob.status == pulp.LpStatusOptimal and prob.sol_status in (
        pulp.LpSolutionOptimal,
        pulp.LpSolutionIntegerFeasible,
    )
    proven = feasible and prob.sol_status == pulp.LpSolutionOptimal
    stopped, bound = _limit_facts(prob, solver, log)
    if not feasible and status == "Optimal":
        status = "Not solved"
    if feasible and not proven:
        status = AT_LIMIT
    value = pulp.value(prob.objective) if feasible else float("nan")
    objective = float(value) if value is not None else 0.0
    return Solved(
        status=status,
        feasible=feasible,
        objective=objective,
        seconds=seconds,
        proven=proven,
        bound=bound if feasible and not proven else None,
        stopped=stopped or (feasible and not proven),
        time_limit_s=time_limit_s,
    )


def _limit_facts(prob: pulp.LpProblem, solver: str, log: str | None) -> tuple[bool, float | None]:
    """Whether the solve stopped at its time limit, and the bound the solver proved."""
    if solver == "highs":
        model = getattr(prob, "solverModel", None)
        if model is None:
            return False, None
        import highspy  # present whenever PuLP's HiGHS ran

        stopped = model.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
        bound = float(model.getInfo().mip_dual_bound)
        # PuLP hands HiGHS a maximisation as the minimisation of the negated objective.
        if prob.sense == pulp.LpMaximize:
            bound = -bound
        return stopped, bound if np.isfinite(bound) else None
    if log is None:
        return False, None
    stopped = "Stopped on time" in log or "Stopped on time limit" in log
    # CBC's summary: "Upper bound:" when maximising (-max), "Lower bound:" when minimising.
    found = re.search(r"^(?:Upper|Lower) bound:\s*(\S+)", log, flags=re.MULTILINE)
    try:
        proved = float(found.group(1)) if found else None
    except ValueError:
        proved = None
    return stopped, proved


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
