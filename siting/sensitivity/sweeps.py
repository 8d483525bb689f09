"""Sweeping one weight: one-at-a-time rankings and exact stability intervals.

When the weight of criterion ``c`` is set to ``t``, the other weights are rescaled in
proportion so that they keep their ratios and sum to ``1 - t``:
``w_j(t) = w_j (1 - t) / (1 - w_c)``.  Every score is then linear in ``t``:
``s_i(t) = r_i + t (v_ic - r_i)`` with ``r_i = Σ_{j≠c} w_j v_ij / (1 - w_c)``, which makes the
stability intervals exact (crossing points of straight lines).  When ``w_c = 1`` the other
weights have no proportions to keep and share ``1 - t`` equally.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from siting import mcda
from siting.errors import DataError
from siting.sensitivity._common import PortfolioFn, _inputs
from siting.tolerances import INTERVAL_SNAP, SCORE_TIE


def _sweep_lines(v: np.ndarray, w: np.ndarray, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Intercept ``a`` and slope ``b`` of every score ``a + b t`` when weight ``c`` is ``t``."""
    others = np.delete(np.arange(w.size), c)
    if others.size == 0:
        return np.zeros(v.shape[0]), v[:, c].copy()
    rest = w[others]
    share = rest / rest.sum() if rest.sum() > 0 else np.full(others.size, 1.0 / others.size)
    a = v[:, others] @ share
    return a, v[:, c] - a


def _swept_weights(w: np.ndarray, c: int, t: float) -> np.ndarray:
    """The weight vector with criterion ``c`` at ``t`` and the others rescaled in proportion."""
    others = np.delete(np.arange(w.size), c)
    out = np.empty_like(w)
    out[c] = t
    if others.size:
        rest = w[others]
        share = rest / rest.sum() if rest.sum() > 0 else np.full(others.size, 1.0 / others.size)
        out[others] = (1.0 - t) * share
    return out


def one_at_a_time(values: Any, weights: Any, *, steps: int = 21) -> pd.DataFrame:
    """Sweep each criterion's weight from 0 to 1 and rank the candidates at every step.

    Parameters
    ----------
    values
        Kept candidates × criteria, value-function outputs (0..1, higher is better).
    weights
        Global weight per criterion, summing to 1.
    steps
        Number of evenly spaced weights from 0 to 1 (inclusive); the current weight is
        added to them so that the table always shows the study's own ranking.

    Returns
    -------
    pandas.DataFrame
        Tidy table, one row per criterion × weight × candidate: ``criterion``, ``weight``
        (the swept criterion's weight), ``current`` (True at the study's own weight),
        ``candidate``, ``score`` and ``rank`` (competition rank among the candidates).

    Raises
    ------
    DataError
        Malformed values or weights, or ``steps`` < 2.

    Examples
    --------
    >>> table = one_at_a_time([[1.0, 0.0], [0.0, 1.0]], [0.6, 0.4], steps=3)
    >>> table[(table.criterion == "0") & (table.weight == 0.0)]["rank"].tolist()
    [2, 1]
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 2:
        msg = f"steps must be a whole number >= 2; got {steps!r}"
        raise DataError(msg)
    v, w, candidates, criteria = _inputs(values, weights)
    m = len(candidates)
    frames = []
    for c, name in enumerate(criteria):
        grid = np.union1d(np.linspace(0.0, 1.0, int(steps)), [w[c]])
        a, b = _sweep_lines(v, w, c)
        scores = a[None, :] + grid[:, None] * b[None, :]
        ranks = mcda.rank(scores)
        frames.append(
            pd.DataFrame(
                {
                    "criterion": name,
                    "weight": np.repeat(grid, m),
                    "current": np.repeat(np.isclose(grid, w[c], rtol=0, atol=1e-15), m),
                    "candidate": np.tile(candidates, grid.size),
                    "score": scores.reshape(-1),
                    "rank": ranks.reshape(-1).astype(np.int64),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _halfline_interval(
    da: np.ndarray, db: np.ndarray, lo: float = 0.0, hi: float = 1.0
) -> tuple[float, float]:
    """Interval of ``t`` in ``[lo, hi]`` where every ``da + db t >= 0`` (assumed to contain t0)."""
    tol = SCORE_TIE * (1.0 + np.abs(da))
    up = db > 0
    down = db < 0
    if np.any(up):
        lo = max(lo, float(np.max(-da[up] / db[up])))
    if np.any(down):
        hi = min(hi, float(np.min(-da[down] / db[down])))
    flat = ~(up | down)
    if np.any(da[flat] < -tol[flat]):  # pragma: no cover - excluded by the choice of t0
        return math.nan, math.nan
    return lo, hi


def _top_set(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` best scores (ties broken by candidate order), sorted."""
    order = np.lexsort((np.arange(scores.size), mcda.rank(scores)))
    return np.sort(order[:n])


def _top_interval(
    a: np.ndarray, b: np.ndarray, t0: float, n: int
) -> tuple[float, float, np.ndarray]:
    """Exact interval of ``t`` around ``t0`` in which the top-``n`` set stays the same."""
    top = _top_set(a + b * t0, n)
    inside = np.zeros(a.size, dtype=bool)
    inside[top] = True
    if inside.all():
        return 0.0, 1.0, top
    # The set holds while every member scores at least every outsider: s_i - s_j >= 0.
    da = (a[inside][:, None] - a[~inside][None, :]).reshape(-1)
    db = (b[inside][:, None] - b[~inside][None, :]).reshape(-1)
    lo, hi = _halfline_interval(da, db)
    # A crossing within rounding of an end is a tie at that end (candidates that share the
    # best value of the swept criterion meet exactly at t = 1), not a change of the set.
    lo = 0.0 if lo < INTERVAL_SNAP else lo
    hi = 1.0 if hi > 1.0 - INTERVAL_SNAP else hi
    return min(lo, t0), max(hi, t0), top


def _neighbour(a: np.ndarray, b: np.ndarray, t: float, n: int, ids: list[str]) -> str:
    """The top-``n`` set at ``t`` as ids joined by ';'."""
    return ";".join(ids[i] for i in _top_set(a + b * t, n))


def _portfolio_interval(
    a: np.ndarray, b: np.ndarray, t0: float, solve: PortfolioFn
) -> tuple[float, float, np.ndarray, np.ndarray | None, np.ndarray | None, int]:
    """Exact interval around ``t0`` in which the optimal portfolio stays optimal.

    The objective of a fixed portfolio ``P`` is linear in ``t`` (``A_P + B_P t``), so the set of
    ``t`` where ``P0`` is optimal is an interval.  Parametric search (Eisner & Severance 1976):
    solve at the far end; if another portfolio ``P`` wins there, solve again where ``P``'s line
    crosses ``P0``'s; stop when ``P0`` is still optimal at the crossing.  Each step finds a new
    portfolio, so the search ends, and the bound is exact up to the solver's tolerance.
    """
    solves = 1
    p0 = np.sort(np.asarray(solve(a + b * t0), dtype=np.intp))
    a0, b0 = float(a[p0].sum()), float(b[p0].sum())

    def bound(end: float) -> tuple[float, np.ndarray | None]:
        nonlocal solves
        t = end
        beyond = None
        for _ in range(10_000):
            p = np.sort(np.asarray(solve(a + b * t), dtype=np.intp))
            solves += 1
            ap, bp = float(a[p].sum()), float(b[p].sum())
            gain = (ap + bp * t) - (a0 + b0 * t)
            if gain <= SCORE_TIE * max(1.0, abs(a0 + b0 * t)):
                return t, beyond
            beyond = p
            # P beats P0 at t but not at t0: their lines cross strictly between t0 and t.
            if bp == b0:  # pragma: no cover - a parallel line cannot win at t but not at t0
                return t0, beyond
            t = (a0 - ap) / (bp - b0)
        raise AssertionError("parametric search did not end")  # pragma: no cover

    lo, below = bound(0.0) if t0 > 0 else (0.0, None)
    hi, above = bound(1.0) if t0 < 1 else (1.0, None)
    return lo, hi, p0, below, above, solves


def stability_intervals(
    values: Any,
    weights: Any,
    *,
    top_n: int = 3,
    portfolio_fn: PortfolioFn | None = None,
) -> pd.DataFrame:
    """For each criterion, the range of its weight within which the results stay the same.

    The swept weight moves from 0 to 1 while the others are rescaled in proportion (see the
    module docstring).  Scores are linear in the swept weight, so the bounds for the first
    place and the top-N set are exact: the crossing points of straight lines.  The portfolio
    bounds are found by parametric search over the integer program (exact up to the solver's
    tolerance); each step is one call of ``portfolio_fn``.

    Parameters
    ----------
    values
        Kept candidates × criteria, value-function outputs (0..1).
    weights
        Global weight per criterion, summing to 1.
    top_n
        Size of the shortlist whose membership must stay the same.
    portfolio_fn
        Scores of the candidates (in the rows' order) → indices of the optimal portfolio,
        for example a :class:`PortfolioResolver`.  Omit to skip the portfolio bounds.

    Returns
    -------
    pandas.DataFrame
        One row per criterion: ``criterion``, ``weight`` (current), ``first``, ``first_lo``,
        ``first_hi``, ``first_below``, ``first_above`` (who is first just outside the
        interval, empty at 0 or 1), the same five columns for ``top_n`` (sets as ids joined
        by ';'), and with ``portfolio_fn`` the same for ``portfolio`` (``portfolio_below``
        and ``portfolio_above``: a portfolio that beats it just beyond the bound) plus
        ``portfolio_solves``, the number of integer programs solved.  Ties at the current
        weight are broken by candidate order.

    Raises
    ------
    DataError
        Malformed values or weights, or ``top_n`` outside 1..number of candidates.

    Examples
    --------
    >>> table = stability_intervals([[1.0, 0.0], [0.0, 1.0]], [0.6, 0.4], top_n=1)
    >>> row = table.iloc[0]
    >>> row["first"], float(row["first_lo"]), float(row["first_hi"])
    ('0', 0.5, 1.0)
    """
    v, w, candidates, criteria = _inputs(values, weights)
    m = len(candidates)
    if isinstance(top_n, bool) or not isinstance(top_n, int | np.integer) or not 1 <= top_n <= m:
        msg = (
            f"top_n must be a whole number from 1 to the number of candidates ({m}); got {top_n!r}"
        )
        raise DataError(msg)
    delta = 1e-7  # just outside a bound, to name what takes over there

    def ids(idx: np.ndarray | None) -> str:
        return "" if idx is None else ";".join(candidates[i] for i in np.sort(idx))

    rows = []
    for c, name in enumerate(criteria):
        a, b = _sweep_lines(v, w, c)
        t0 = float(w[c])
        row: dict[str, Any] = {"criterion": name, "weight": t0}
        for key, n in (("first", 1), ("top_n", int(top_n))):
            lo, hi, top = _top_interval(a, b, t0, n)
            row[key] = ids(top)
            row[f"{key}_lo"] = lo
            row[f"{key}_hi"] = hi
            row[f"{key}_below"] = (
                _neighbour(a, b, max(lo - delta, 0.0), n, candidates) if lo > 0 else ""
            )
            row[f"{key}_above"] = (
                _neighbour(a, b, min(hi + delta, 1.0), n, candidates) if hi < 1 else ""
            )
        if portfolio_fn is not None:
            lo, hi, p0, below, above, solves = _portfolio_interval(a, b, t0, portfolio_fn)
            row["portfolio"] = ids(p0)
            row["portfolio_lo"] = lo
            row["portfolio_hi"] = hi
            row["portfolio_below"] = ids(below)
            row["portfolio_above"] = ids(above)
            row["portfolio_solves"] = solves
        rows.append(row)
    return pd.DataFrame(rows)
