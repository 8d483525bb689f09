"""Set packing: the best ``k`` pairwise disjoint sets among given ones (regions of a surface).

With ``y_r = 1`` when set ``r`` is chosen: maximise ``Σ v_r y_r`` subject to ``Σ y_r = k`` (or
``≤ k``) and, for every element covered by two sets or more, ``Σ_{r ∋ e} y_r ≤ 1``.  Elements in
one set only need no row.  The sets are given as index arrays; the element axis is implicit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pulp

from siting.optimise._core import CBC_PATH, Solved, add, affine, binaries, chosen, quiet_stdout

__all__ = ["Packing", "pack", "solve_to_optimality"]


def solve_to_optimality(prob: pulp.LpProblem, solver: str) -> Solved:
    """Solve with a relative MIP gap of 0, so that an "optimal" value is the optimum itself.

    HiGHS stops by default at a relative gap of 1e-4; an optimum used as an upper bound (or
    compared with one to claim exactness) must not be short of the true optimum by that much.
    """
    start = time.perf_counter()
    if solver == "highs":
        with quiet_stdout():
            prob.solve(pulp.HiGHS(msg=False, gapRel=0.0))
    else:
        prob.solve(pulp.COIN_CMD(path=CBC_PATH, msg=False, gapRel=0.0))
    status = pulp.LpStatus.get(prob.status, str(prob.status))
    feasible = prob.status == pulp.LpStatusOptimal and prob.sol_status in (
        pulp.LpSolutionOptimal,
        pulp.LpSolutionIntegerFeasible,
    )
    value = pulp.value(prob.objective) if feasible else None
    return Solved(
        status=status,
        feasible=feasible,
        objective=float(value) if value is not None else float("nan"),
        seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class Packing:
    """The outcome of one set-packing program.

    Attributes
    ----------
    feasible
        Whether ``k`` disjoint sets exist (with ``exact``) and the solver proved an optimum.
    selected
        Indices of the chosen sets, sorted.
    objective
        ``Σ v_r`` over the chosen sets.
    status
        The solver's status in words.
    rows
        Element rows in the model (elements shared by two sets or more).
    seconds
        Build and solve.
    """

    feasible: bool
    selected: np.ndarray
    objective: float
    status: str
    rows: int
    seconds: float


def pack(
    values: np.ndarray,
    sets: Sequence[np.ndarray],
    *,
    k: int,
    exact: bool = True,
    solver: str = "highs",
) -> Packing:
    """Choose ``k`` pairwise disjoint sets with the largest total value.

    Parameters
    ----------
    values
        One value per set.
    sets
        The elements of each set (integer index arrays).
    k
        How many sets.
    exact
        Exactly ``k`` (default) or at most ``k``.
    solver
        ``"highs"`` or ``"cbc"``.

    Returns
    -------
    Packing
        The chosen sets and the objective (``feasible`` False when no ``k`` disjoint sets exist).
    """
    start = time.perf_counter()
    v = np.asarray(values, dtype=float)
    prob = pulp.LpProblem("packing", pulp.LpMaximize)
    y = binaries(prob, "y", v.size)
    prob.setObjective(affine([(y[r], float(v[r])) for r in range(v.size) if v[r] != 0]))
    every = affine([(var, 1.0) for var in y])
    add(prob, every, pulp.LpConstraintEQ if exact else pulp.LpConstraintLE, float(k), "count")
    # Incidence as (element, set) pairs sorted by element: one array pass, then one row per
    # element that two sets share.
    lengths = np.fromiter((len(s) for s in sets), dtype=np.intp, count=len(sets))
    owner = np.repeat(np.arange(len(sets)), lengths)
    element = np.concatenate([np.asarray(s, dtype=np.intp) for s in sets]) if len(sets) else owner
    order = np.argsort(element, kind="stable")
    element, owner = element[order], owner[order]
    cuts = np.flatnonzero(np.diff(element)) + 1
    rows = 0
    for group in np.split(owner, cuts):
        if group.size > 1:
            add(
                prob,
                affine([(y[r], 1.0) for r in group.tolist()]),
                pulp.LpConstraintLE,
                1.0,
                f"e{rows}",
            )
            rows += 1
    solved = solve_to_optimality(prob, solver)
    sel = chosen(y) if solved.feasible else np.empty(0, dtype=np.intp)
    return Packing(
        feasible=solved.feasible,
        selected=sel,
        objective=float(v[sel].sum()),
        status=solved.status,
        rows=rows,
        seconds=time.perf_counter() - start,
    )
