"""What every robustness analysis shares: checked inputs and the portfolio solver's signature."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import DataError
from siting.tolerances import WEIGHT_SUM

PortfolioFn = Callable[[np.ndarray], Sequence[int] | np.ndarray]
"""Scores of the kept candidates → indices of the optimal portfolio."""


def _inputs(values: Any, weights: Any) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Values and weights as float arrays, with candidate and criterion names; checked once."""
    problems: list[str] = []
    if isinstance(values, pd.DataFrame):
        v = values.to_numpy(dtype=float)
        candidates = [str(i) for i in values.index]
        criteria = [str(c) for c in values.columns]
    else:
        v = np.asarray(values, dtype=float)
        if v.ndim != 2:
            msg = f"values must be a candidates × criteria matrix; got shape {v.shape}"
            raise DataError(msg)
        candidates = [str(i) for i in range(v.shape[0])]
        criteria = [str(j) for j in range(v.shape[1])]
    if v.shape[0] == 0 or v.shape[1] == 0:
        msg = (
            f"values has no candidates or no criteria (shape {v.shape}); give at least one of each"
        )
        raise DataError(msg)
    if isinstance(weights, pd.Series) and isinstance(values, pd.DataFrame):
        missing = [c for c in criteria if c not in weights.index.astype(str)]
        if missing:
            msg = (
                f"weights has no entry for criteria {missing}; give one weight per column of values"
            )
            raise DataError(msg)
        w = weights.set_axis(weights.index.astype(str)).loc[criteria].to_numpy(dtype=float)
    else:
        w = np.asarray(weights, dtype=float).reshape(-1)
    if w.shape != (v.shape[1],):
        msg = f"weights must have one entry per criterion ({v.shape[1]}); got {w.shape[0]}"
        raise DataError(msg)
    bad = [criteria[j] for j in np.flatnonzero(np.isnan(v).any(axis=0))]
    if bad:
        problems.append(f"values of {bad} hold NaN; pass the kept candidates only")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        problems.append(f"weights must be finite and >= 0; got {w.tolist()}")
    elif abs(w.sum() - 1.0) > WEIGHT_SUM:
        problems.append(f"weights sum to {w.sum():.6g}, not 1; divide them by their sum")
    if problems:
        raise DataError(problems)
    return v, w, candidates, criteria
