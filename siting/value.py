"""Value functions: turn a criterion's raw values into 0 (worst) … 1 (best).

Each function is small and pure; :func:`apply` picks the one a criterion names.

A categorical value function (:func:`categories`) reads text: the study measures it when the
attribute is read (:func:`siting.inputs.measure_all`), because raw values travel as numbers
through tables, maps and reports; a categorical criterion's raw value is therefore the value of
its category, and :func:`apply` passes it on unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

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


def categories(
    labels: object, *, values: Mapping[str, float], default: float | None = None
) -> np.ndarray:
    """The value of each label: ``values[label]``, else ``default`` (NaN when there is none).

    A missing label (None, NaN) and one that is empty or only spaces take ``default`` as well,
    unless the mapping lists ``""``.  Labels are compared as text, as the file writes them.

    Examples
    --------
    >>> categories(["south", "north", ""], values={"south": 1, "north": 0.3}, default=0)
    array([1. , 0.3, 0. ])
    """
    series = pd.Series(np.asarray(labels, dtype=object))
    text = series.where(series.notna(), "").astype(str)
    text = text.where(text.str.strip() != "", "")
    fallback = np.nan if default is None else float(default)
    mapped = text.map({str(k): float(v) for k, v in values.items()})
    return mapped.fillna(fallback).to_numpy(dtype=float)


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
    if kind == "categories":
        arr = np.asarray(x)
        if arr.dtype.kind in "OUS":  # the labels themselves (a caller outside the pipeline)
            arr = categories(arr, values=spec.categories or {}, default=spec.default)
        # Raw values measured by the pipeline are already the categories' values.
        return np.clip(arr.astype(float), 0.0, 1.0)
    return minmax(x, benefit=benefit, among=among)
