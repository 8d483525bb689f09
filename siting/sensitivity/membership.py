"""How often each candidate is in the optimal portfolio when the weights are drawn."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import DataError
from siting.sensitivity._common import PortfolioFn, _inputs
from siting.sensitivity.draws import _chunks, _noise, _scores, _streams


@dataclass(frozen=True)
class PortfolioMembership:
    """How often each candidate belongs to the optimal portfolio across the draws.

    Attributes
    ----------
    probability
        Per candidate: share of draws in which the optimal portfolio contains it.
    portfolios
        Every distinct optimal portfolio met: ``portfolio`` (ids joined by ';') and ``share``,
        most frequent first.
    draws
        Number of draws (integer programs solved).
    seconds
        Time spent solving.
    """

    probability: pd.Series
    portfolios: pd.DataFrame
    draws: int
    seconds: float


def portfolio_membership(
    values: Any,
    *,
    weight_samples: np.ndarray,
    solve: PortfolioFn,
    value_uncertainty: Any = None,
    rng: np.random.Generator | None = None,
    n_draws: int | None = None,
) -> PortfolioMembership:
    """Probability of each candidate belonging to the optimal portfolio, re-solving per draw.

    Parameters
    ----------
    values
        Kept candidates × criteria, value-function outputs (0..1), in the order ``solve``
        expects its scores.
    weight_samples
        ``(draws, criteria)`` weights.
    solve
        Scores → indices of the optimal portfolio, for example a :class:`PortfolioResolver`.
    value_uncertainty, rng
        As for :func:`rank_acceptability`.
    n_draws
        Use only the first ``n_draws`` weight samples (default: all).

    Returns
    -------
    PortfolioMembership
        See the class.

    Raises
    ------
    DataError
        Malformed inputs.
    InfeasibleError
        A solve fails.
    """
    samples = np.asarray(weight_samples, dtype=float)
    if n_draws is not None:
        if not 1 <= n_draws <= samples.shape[0]:
            msg = f"n_draws must lie from 1 to the number of weight samples ({samples.shape[0]})"
            raise DataError(msg)
        samples = samples[:n_draws]
    if samples.ndim != 2 or samples.shape[0] == 0:
        msg = f"weight_samples must be a non-empty draws × criteria array; got {samples.shape}"
        raise DataError(msg)
    v, _, candidates, criteria = _inputs(values, samples[0] / samples[0].sum())
    half, sd = _noise(value_uncertainty, criteria)
    if (half.any() or sd.any()) and rng is None:
        msg = "value_uncertainty needs rng, a numpy Generator (numpy.random.default_rng(seed))"
        raise DataError(msg)
    streams = _streams(rng) if (half.any() or sd.any()) else None
    m = v.shape[0]
    hits = np.zeros(m, dtype=np.int64)
    seen: dict[tuple[int, ...], int] = {}
    start = time.perf_counter()
    per_draw = m * (v.shape[1] + 1)
    for a, b in _chunks(samples.shape[0], per_draw, None):
        scores = _scores(v, samples[a:b], half, sd, streams)
        # A resolver that lists the feasible portfolios answers a whole chunk in one product.
        many = getattr(solve, "many", None)
        picks = many(scores) if callable(many) else [solve(row) for row in scores]
        for pick in picks:
            chosen = tuple(int(i) for i in np.sort(np.asarray(pick, dtype=np.intp)))
            hits[list(chosen)] += 1
            seen[chosen] = seen.get(chosen, 0) + 1
    draws = samples.shape[0]
    table = pd.DataFrame(
        {
            "portfolio": [";".join(candidates[i] for i in p) for p in seen],
            "share": [k / draws for k in seen.values()],
        }
    )
    table = table.sort_values(["share", "portfolio"], ascending=[False, True], ignore_index=True)
    return PortfolioMembership(
        probability=pd.Series(hits / draws, index=pd.Index(candidates, name="candidate"), name="p"),
        portfolios=table,
        draws=draws,
        seconds=time.perf_counter() - start,
    )
