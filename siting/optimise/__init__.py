"""Exact integer programs for choosing sites, built with PuLP from NumPy arrays.

Portfolio selection (:func:`select_portfolio`, :func:`pareto_front`, :func:`alternatives`) and
the classic location models on a demand × candidate cost matrix (:func:`p_median`,
:func:`mclp`, :func:`lscp`, :func:`p_center`).  The solver is always a parameter: ``"cbc"``
(bundled with PuLP, the default) or ``"highs"`` (HiGHS through highspy).
"""

from siting.optimise._core import SOLVERS, OptimisationResult, solver_version
from siting.optimise.location import lscp, mclp, p_center, p_median
from siting.optimise.portfolio import alternatives, pareto_front, select_portfolio

__all__ = [
    "SOLVERS",
    "OptimisationResult",
    "alternatives",
    "lscp",
    "mclp",
    "p_center",
    "p_median",
    "pareto_front",
    "select_portfolio",
    "solver_version",
]
