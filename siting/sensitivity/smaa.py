"""Stochastic multicriteria acceptability analysis (SMAA-2, Lahdelma & Salminen 2001)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from siting import mcda
from siting.errors import DataError
from siting.sensitivity._common import _inputs
from siting.sensitivity.draws import Streams, _chunks, _noise, _perturbed, _scores, _streams
from siting.tolerances import SCORE_TIE


@dataclass(frozen=True)
class RankAcceptability:
    """Results of SMAA-2 (Lahdelma & Salminen 2001).

    Attributes
    ----------
    acceptability
        Candidate × rank (1..m): ``b_i^r``, the share of draws in which candidate ``i`` takes
        rank ``r``.  Each row sums to 1.
    expected_rank
        ``Σ_r r b_i^r`` per candidate.
    central_weights
        Candidate × criterion: the mean weight vector of the draws in which the candidate is
        first (NaN when it never is): the typical preferences that make it the best choice.
    confidence
        The probability that the candidate is first when the weights are its central weights
        and the values vary as stated (NaN when it is never first; 0 or 1 without value
        uncertainty, up to ties).
    draws
        Number of weight draws.
    """

    acceptability: pd.DataFrame
    expected_rank: pd.Series
    central_weights: pd.DataFrame
    confidence: pd.Series
    draws: int


def rank_acceptability(
    values: Any,
    *,
    weight_samples: np.ndarray,
    value_uncertainty: Any = None,
    rng: np.random.Generator | None = None,
    confidence_draws: int | None = None,
    chunk: int | None = None,
) -> RankAcceptability:
    """SMAA-2 rank acceptability indices, central weights and confidence factors.

    For each weight draw (and, with ``value_uncertainty``, a perturbed copy of the values)
    the candidates are scored by the weighted sum and ranked.  Draws are processed in chunks
    (one matrix product and one sort per chunk) so that memory stays bounded.

    Parameters
    ----------
    values
        Kept candidates × criteria, value-function outputs (0..1).
    weight_samples
        ``(draws, criteria)`` weights, for example from :func:`sample_weights`.
    value_uncertainty
        Per criterion (a mapping by criterion id, or a sequence in column order): an
        :class:`Uncertainty` or a number (uniform half-width).  Omit for exact values.
    rng
        Generator for the value perturbations (needed with ``value_uncertainty``).
    confidence_draws
        Number of value perturbations for the confidence factors (default: as many as weight
        draws, at most 2,000, which bounds the standard error of a factor by 1.2 %).
    chunk
        Draws per chunk (default: as many as fit in about 32 MB).

    Returns
    -------
    RankAcceptability
        See the class.

    Raises
    ------
    DataError
        Malformed values, weights or uncertainty; ``value_uncertainty`` without ``rng``.
    """
    samples = np.asarray(weight_samples, dtype=float)
    n_crit = values.shape[1] if hasattr(values, "shape") else len(values[0])
    if samples.ndim != 2 or samples.shape[1] != n_crit or samples.shape[0] == 0:
        msg = (
            f"weight_samples must be a draws × criteria array with {n_crit} columns and at "
            f"least one row; got shape {samples.shape}"
        )
        raise DataError(msg)
    v, _, candidates, criteria = _inputs(values, samples[0] / samples[0].sum())
    half, sd = _noise(value_uncertainty, criteria)
    noisy = bool(half.any() or sd.any())
    if noisy and rng is None:
        msg = "value_uncertainty needs rng, a numpy Generator (numpy.random.default_rng(seed))"
        raise DataError(msg)
    streams = _streams(rng) if noisy else None
    m, n = v.shape
    draws = samples.shape[0]
    counts = np.zeros(m * m, dtype=np.int64)
    first_w = np.zeros((m, n))
    first_n = np.zeros(m, dtype=np.int64)
    offsets = np.arange(m) * m
    positions = np.arange(m)
    per_draw = m * (n if noisy else 1) * 2
    for start, stop in _chunks(draws, per_draw, chunk):
        w = samples[start:stop]
        s = _scores(v, w, half, sd, streams)
        # Any order of tied candidates will do: ties are resolved below.
        order = np.argsort(-s, axis=1)
        sorted_s = np.take_along_axis(s, order, axis=1)
        if np.all(sorted_s[:, :-1] - sorted_s[:, 1:] > SCORE_TIE):
            # No tie (the rule for continuous draws): the position in the order is the rank,
            # so counting needs no inverse permutation.
            counts += np.bincount((order * m + positions).reshape(-1), minlength=m * m)
            best = order[:, 0]
            first_n += np.bincount(best, minlength=m)
            for j in range(n):
                first_w[:, j] += np.bincount(best, weights=w[:, j], minlength=m)
            continue
        ranks = mcda.ranks_from_order(order, sorted_s)
        counts += np.bincount((ranks - 1 + offsets).reshape(-1), minlength=m * m)
        first = ranks == 1
        first_n += first.sum(axis=0)
        first_w += first.T.astype(float) @ w
    b = counts.reshape(m, m) / draws
    with np.errstate(invalid="ignore", divide="ignore"):
        central = first_w / first_n[:, None]
    central[first_n == 0] = np.nan
    confidence = _confidence(
        v, central, half, sd, streams, confidence_draws or min(draws, 2000), chunk
    )
    ranks_axis = pd.Index(np.arange(1, m + 1), name="rank")
    idx = pd.Index(candidates, name="candidate")
    return RankAcceptability(
        acceptability=pd.DataFrame(b, index=idx, columns=ranks_axis),
        expected_rank=pd.Series(b @ np.arange(1, m + 1), index=idx, name="expected_rank"),
        central_weights=pd.DataFrame(central, index=idx, columns=criteria),
        confidence=pd.Series(confidence, index=idx, name="confidence"),
        draws=draws,
    )


def _confidence(
    v: np.ndarray,
    central: np.ndarray,
    half: np.ndarray,
    sd: np.ndarray,
    streams: Streams | None,
    draws: int,
    chunk: int | None,
) -> np.ndarray:
    """Confidence factors: P(candidate first | its central weights), values perturbed."""
    m = v.shape[0]
    out = np.full(m, np.nan)
    who = np.flatnonzero(~np.isnan(central[:, 0]))
    if who.size == 0:
        return out
    wc = central[who]  # (k, n)
    if streams is None:
        s = v @ wc.T  # (m, k)
        best = s.max(axis=0)
        out[who] = (s[who, np.arange(who.size)] >= best - SCORE_TIE).astype(float)
        return out
    wins = np.zeros(who.size, dtype=np.int64)
    per_draw = m * (v.shape[1] + who.size)
    for start, stop in _chunks(draws, per_draw, chunk):
        x = _perturbed(v, stop - start, half, sd, streams)
        s = x @ wc.T  # (c, m, k)
        own = s[:, who, np.arange(who.size)]
        wins += (own >= s.max(axis=1) - SCORE_TIE).sum(axis=0)
    out[who] = wins / draws
    return out
