"""Value functions: turn a criterion's raw values into 0 (worst) … 1 (best).

Each function is small and pure; :func:`apply` picks the one a criterion names.
"""

from __future__ import annotations

import numpy as np

from siting.spec import Criterion, Linear, Piecewise, Threshold


def linear(x: np.ndarray, *, best: float, worst: float) -> np.ndarray:
    """Linear from ``worst`` (0) to ``best`` (1), clipped to [0, 1].

    Works for both directions: for a cost, ``best`` < ``worst``.  A span too small to divide
    by (``best - worst`` subnormal) overflows to ±inf, which the clip turns into 0 or 1: the
    step the planner described.
    """
    with np.errstate(over="ignore"):
        return np.clip((np.asarray(x, dtype=float) - worst) / (best - worst), 0.0, 1.0)


def threshold(x: np.ndarray, *, at: float, benefit: bool, below: float = 0.0) -> np.ndarray:
    """1 on the good side of ``at`` (``>= at`` for a benefit, ``<= at`` for a cost), else ``below``."""
    x = np.asarray(x, dtype=float)
    good = x >= at if benefit else x <= at
    return np.where(good, 1.0, below)


def piecewise(x: np.ndarray, *, points: list[tuple[float, float]]) -> np.ndarray:
    """Piecewise-linear through ``points`` ``[(raw, value), ...]``, flat beyond the ends."""
    xs, ys = np.asarray(points, dtype=float).T
    return np.interp(np.asarray(x, dtype=float), xs, ys)


def minmax(x: np.ndarray, *, benefit: bool, among: np.ndarray | None = None) -> np.ndarray:
    """Min-max: the best of ``among`` scores 1 and the worst 0, clipped to [0, 1].

    Parameters
    ----------
    x
        Raw values to transform.
    benefit
        True when more is better.
    among
        Values that set the bounds (the candidates still in the study); defaults to ``x``.
        A constant column does not discriminate, so every candidate gets 1.
    """
    x = np.asarray(x, dtype=float)
    ref = x if among is None else np.asarray(among, dtype=float)
    lo, hi = np.nanmin(ref), np.nanmax(ref)
    if hi == lo:
        return np.ones_like(x)
    v = (x - lo) / (hi - lo)
    return np.clip(v if benefit else 1.0 - v, 0.0, 1.0)


def apply(criterion: Criterion, x: np.ndarray, *, among: np.ndarray | None = None) -> np.ndarray:
    """Apply ``criterion``'s value function to raw values ``x``.

    Parameters
    ----------
    criterion
        The criterion (its ``value`` and ``direction``).
    x
        Raw values.
    among
        Raw values that set min-max bounds (the kept candidates).
    """
    spec = criterion.value
    benefit = criterion.direction == "benefit"
    kind = spec.kind
    if kind == "linear":
        lin: Linear = spec.linear  # type: ignore[assignment]
        return linear(x, best=lin.best, worst=lin.worst)
    if kind == "threshold":
        th: Threshold = spec.threshold  # type: ignore[assignment]
        return threshold(x, at=th.at, benefit=benefit, below=th.below)
    if kind == "piecewise":
        pw: Piecewise = spec.piecewise  # type: ignore[assignment]
        return piecewise(x, points=pw.points)
    return minmax(x, benefit=benefit, among=among)
