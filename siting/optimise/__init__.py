"""Exact integer programs for choosing sites, built with PuLP from NumPy arrays.

Portfolio selection and the classic location models on a demand × candidate cost matrix
(:func:`p_median`, :func:`mclp`, :func:`lscp`, :func:`p_center`).  The solver is always a
parameter: ``"cbc"`` (bundled with PuLP, the default) or ``"highs"`` (HiGHS through highspy).

A portfolio can be asked for in two ways that lead into the same computation:

- with keywords: :func:`select_portfolio`, :func:`alternatives`, :func:`pareto_front`;
- with rules checked once by :func:`prepare` (a frozen :class:`PortfolioRules`):
  :func:`solve_rules`, :func:`alternatives_for`, :func:`pareto_for`, and
  :class:`PortfolioResolver`, which builds the model once and re-solves it for new scores.

Modules: ``rules`` (validated inputs), ``model`` (the integer program), ``reduce`` (candidates
no optimum can hold, left out first), ``explain`` (binding rules in words), ``infeasible`` (diagnosis and relaxation), ``portfolio`` (the entry points),
``frontier`` (Pareto front and alternatives), ``resolver`` (built-once re-solves),
``joint`` (several programmes allocated at once),
``location`` (p-median, MCLP, LSCP, p-center), ``median`` (the p-median's branch-and-Benders-cut,
whose LPs HiGHS solves in process, so :func:`p_median` defaults to ``"highs"``), ``orlib``
(OR-Library instances).
"""

from siting.optimise._core import AT_LIMIT, SOLVERS, OptimisationResult, solver_version
from siting.optimise.frontier import alternatives, alternatives_for, pareto_for, pareto_front
from siting.optimise.location import lscp, mclp, p_center, p_median
from siting.optimise.portfolio import select_portfolio, solve_rules
from siting.optimise.resolver import PortfolioResolver
from siting.optimise.rules import (
    Budget,
    Count,
    Coverage,
    Equity,
    GroupCaps,
    LockIn,
    PortfolioRules,
    Spacing,
    prepare,
)

__all__ = [
    "AT_LIMIT",
    "SOLVERS",
    "Budget",
    "Count",
    "Coverage",
    "Equity",
    "GroupCaps",
    "LockIn",
    "OptimisationResult",
    "PortfolioResolver",
    "PortfolioRules",
    "Spacing",
    "alternatives",
    "alternatives_for",
    "lscp",
    "mclp",
    "p_center",
    "p_median",
    "pareto_for",
    "pareto_front",
    "prepare",
    "select_portfolio",
    "solve_rules",
    "solver_version",
]
