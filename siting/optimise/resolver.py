"""The portfolio integer program built once and re-solved for many score vectors.

The robustness analysis asks for the optimal portfolio under thousands of weight draws: the
rules stay the same, only the scores change.  :class:`PortfolioResolver` builds the model
once and changes only its objective before each solve.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import numpy as np
import pulp

from siting.errors import DataError, InfeasibleError
from siting.optimise._core import affine, chosen, quiet_stdout, solve
from siting.optimise.enumerate import FeasibleSet, feasible_set
from siting.optimise.infeasible import quick_checks
from siting.optimise.model import build
from siting.optimise.rules import PortfolioRules

__all__ = ["PortfolioResolver"]


class PortfolioResolver:
    """The portfolio integer program, built once; each call changes only the objective.

    The model (site count, spacing with its clique cuts, per-group caps, ...) is built by
    :func:`siting.optimise.model.build`.  With ``solver="highs"`` its constraint matrix is
    handed once to an in-process HiGHS model and each call only replaces the objective
    coefficients (``changeColsCost``) before solving; the relative MIP gap is 0 so that the
    optimum is proved.  With ``"cbc"`` the PuLP model is kept and its objective replaced, but
    CBC runs as a separate program, so each call pays for writing the model and starting the
    process.

    Parameters
    ----------
    rules
        Validated inputs from :func:`siting.optimise.prepare`; their scores are replaced by
        each call's.
    solver
        ``"highs"`` (default, fast) or ``"cbc"``; whatever ``rules.solver`` says.
    enumerate
        ``"auto"`` (default): list every feasible portfolio once when there are at most
        :data:`siting.optimise.enumerate.ENUMERATION_LIMIT` of them and answer each call with an
        ``argmax`` (exact, and thousands of times faster than a solve); otherwise, and with
        ``"never"``, solve each call's integer program.

    Attributes
    ----------
    rules
        The rules.
    solver
        The solver used.
    solves, seconds
        Number of calls so far and the wall time they took.

    Raises
    ------
    InfeasibleError
        The rules cannot hold together (found before any solve).
    DataError
        An unknown solver.

    Examples
    --------
    >>> from siting.optimise import prepare
    >>> solve = PortfolioResolver(prepare([0.0, 0.0, 0.0], n=2))
    >>> solve(np.array([0.9, 0.1, 0.5])).tolist()
    [0, 2]
    >>> solve.solves
    1
    """

    def __init__(
        self,
        rules: PortfolioRules,
        *,
        solver: Literal["highs", "cbc"] = "highs",
        enumerate: Literal["auto", "never"] = "auto",
    ) -> None:
        problems = quick_checks(rules)
        if problems:
            raise InfeasibleError(problems)
        if solver not in ("highs", "cbc"):
            msg = f"solver {solver!r} is not known; use highs or cbc"
            raise DataError(msg)
        self.rules = rules
        self.solver = solver
        self.solves = 0
        self.seconds = 0.0
        #: Every feasible portfolio, when few enough to list (None: each call solves).
        self.feasible: FeasibleSet | None = feasible_set(rules) if enumerate == "auto" else None
        self._built = build(rules)
        if solver == "highs":
            self._setup_highs()

    def _setup_highs(self) -> None:
        import highspy  # imported here: only the robustness analysis needs it in-process

        prob = self._built.prob
        variables = prob.variables()
        index = {v.name: k for k, v in enumerate(variables)}
        self._x = np.array([index[v.name] for v in self._built.x], dtype=np.int32)
        inf = highspy.kHighsInf
        lb = np.array([-inf if v.lowBound is None else v.lowBound for v in variables], float)
        ub = np.array([inf if v.upBound is None else v.upBound for v in variables], float)
        cost = np.array([prob.objective.get(v, 0.0) for v in variables], dtype=float)
        starts: list[int] = [0]
        cols: list[int] = []
        coefs: list[float] = []
        lower: list[float] = []
        upper: list[float] = []
        for con in prob.constraints():
            for var, coef in con.items():
                if coef:
                    cols.append(index[var.name])
                    coefs.append(coef)
            starts.append(len(cols))
            rhs = -con.constant
            lower.append(rhs if con.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ) else -inf)
            upper.append(rhs if con.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ) else inf)
        with quiet_stdout():
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", 0.0)
        # One thread: these models are small, and on a loaded machine worker threads cost
        # more than they bring (see _run for the process-wide scheduler this meets).
        h.setOptionValue("threads", 1)
        if self.rules.time_limit_s is not None:
            h.setOptionValue("time_limit", float(self.rules.time_limit_s))
        h.addVars(len(variables), lb, ub)
        integer = np.array(
            [k for k, v in enumerate(variables) if v.cat == pulp.LpInteger], dtype=np.int32
        )
        if integer.size:
            kinds = np.full(integer.size, highspy.HighsVarType.kInteger)
            h.changeColsIntegrality(integer.size, integer, kinds)
        h.changeColsCost(len(variables), np.arange(len(variables), dtype=np.int32), cost)
        if lower:
            h.addRows(
                len(lower),
                np.array(lower),
                np.array(upper),
                len(cols),
                np.array(starts[:-1], dtype=np.int32),
                np.array(cols, dtype=np.int32),
                np.array(coefs, dtype=float),
            )
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self._highs: Any = h
        self._highspy: Any = highspy
        self._optimal: Any = highspy.HighsModelStatus.kOptimal

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        """Indices of the optimal portfolio under ``scores`` (one per candidate), sorted.

        Parameters
        ----------
        scores
            One finite score per candidate.

        Returns
        -------
        numpy.ndarray
            The chosen candidates' indices.

        Raises
        ------
        DataError
            ``scores`` has the wrong shape or missing values.
        InfeasibleError
            The solver did not prove an optimum.
        """
        s = np.asarray(scores, dtype=float)
        if s.shape != (self.rules.size,) or not np.all(np.isfinite(s)):
            msg = f"scores must be {self.rules.size} finite numbers; got shape {s.shape}"
            raise DataError(msg)
        start = time.perf_counter()
        try:
            if self.feasible is not None:
                return self.feasible.best(s[None, :])[0]
            return self._solve(s)
        finally:
            self.solves += 1
            self.seconds += time.perf_counter() - start

    def many(self, scores: np.ndarray) -> list[np.ndarray]:
        """The optimal portfolio under each row of ``scores`` (draws × candidates).

        With the feasible portfolios listed, one matrix product answers every row; otherwise
        each row is solved in turn.
        """
        s = np.asarray(scores, dtype=float)
        if s.ndim != 2 or s.shape[1] != self.rules.size or not np.all(np.isfinite(s)):
            msg = f"scores must be draws × {self.rules.size} finite numbers; got shape {s.shape}"
            raise DataError(msg)
        if self.feasible is None:
            return [self(row) for row in s]
        start = time.perf_counter()
        try:
            return self.feasible.best(s)
        finally:
            self.solves += s.shape[0]
            self.seconds += time.perf_counter() - start

    def _run(self, h: Any) -> None:
        """Run HiGHS, restarting its thread scheduler if another model started it differently.

        HiGHS keeps one thread scheduler per process.  When another HiGHS model (PuLP's, in
        :func:`siting.optimise.select_portfolio` with ``solver="highs"``) started it with more
        threads, a model asking for one refuses to run (status "Not Set"); resetting the
        scheduler lets this model start it again with one thread.
        """
        highspy = self._highspy
        if h.run() == highspy.HighsStatus.kError and (
            h.getModelStatus() == highspy.HighsModelStatus.kNotset
        ):
            highspy.Highs.resetThreadScheduler(True)  # blocking: let the old workers exit
            h.run()

    def _solve(self, s: np.ndarray) -> np.ndarray:
        if self.solver == "highs":
            h = self._highs
            h.changeColsCost(self._x.size, self._x, s)
            self._run(h)
            status = h.getModelStatus()
            if status != self._optimal:
                msg = f"HiGHS stopped with status {h.modelStatusToString(status)!r}"
                raise InfeasibleError(msg)
            col = np.asarray(h.getSolution().col_value)
            return np.flatnonzero(col[self._x] > 0.5)
        x = self._built.x
        self._built.prob.setObjective(affine([(x[j], float(s[j])) for j in range(s.size)]))
        solved = solve(self._built.prob, "cbc", time_limit_s=self.rules.time_limit_s)
        if not solved.proven:
            msg = f"CBC stopped with status {solved.status!r}"
            raise InfeasibleError(msg)
        return chosen(x)
