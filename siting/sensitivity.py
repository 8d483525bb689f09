"""How sure is the shortlist: one-at-a-time sweeps, stability intervals, SMAA and portfolio membership.

Every function here works on the kept candidates' value matrix ``values`` (candidates ×
criteria, value-function outputs in 0..1, higher is better) and the global ``weights`` (one
per criterion, summing to 1).  The score of a candidate is the weighted sum ``Σ_c w_c v_c``,
as in :func:`siting.pipeline.run`.

Sweeping one weight
    When the weight of criterion ``c`` is set to ``t``, the other weights are rescaled in
    proportion so that they keep their ratios and sum to ``1 - t``:
    ``w_j(t) = w_j (1 - t) / (1 - w_c)``.  Every score is then linear in ``t``:
    ``s_i(t) = r_i + t (v_ic - r_i)`` with ``r_i = Σ_{j≠c} w_j v_ij / (1 - w_c)``, which
    makes the stability intervals exact (crossing points of straight lines).  When
    ``w_c = 1`` the other weights have no proportions to keep and share ``1 - t`` equally.

Monte Carlo (SMAA-2, Lahdelma & Salminen 2001)
    Weights are drawn uniformly on the simplex (:func:`sample_weights`), criterion values
    are optionally perturbed (:class:`Uncertainty`), and each draw ranks the candidates.
    :func:`rank_acceptability` returns the rank acceptability indices ``b_i^r``, central
    weights and confidence factors; :func:`portfolio_membership` re-solves the portfolio
    integer program for every draw (:class:`PortfolioResolver` builds it once).

Ranks are competition ranks ("1224": tied candidates share the better rank), as in the
pipeline's ranking.  Every random draw comes from a :class:`numpy.random.Generator`; the
same inputs and seed give the same numbers and byte-identical tables
(:func:`write_sensitivity`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from siting.errors import DataError, InfeasibleError
from siting.optimise._core import quiet_stdout
from siting.outputs.files import ensure_dir, write_text, write_with

if TYPE_CHECKING:
    from siting.optimise.portfolio import Rules
    from siting.results import Results

__all__ = [
    "MethodComparison",
    "PortfolioMembership",
    "PortfolioResolver",
    "RankAcceptability",
    "Sensitivity",
    "Uncertainty",
    "analyse",
    "method_rankings",
    "one_at_a_time",
    "portfolio_membership",
    "portfolio_rules",
    "rank_acceptability",
    "sample_weights",
    "stability_intervals",
    "write_sensitivity",
]

#: Decimals written to the CSV tables: fixed, so that equal inputs give byte-identical files.
DECIMALS = 6

#: Largest accepted distance of the weights' sum from 1.
WEIGHT_TOLERANCE = 1e-6

#: Scores closer than this count as tied (they differ only by rounding).
_TIE = 1e-12

#: Bounds of a stability interval closer than this to 0 or 1 are 0 or 1.
_SNAP = 1e-9

#: Elements of one chunk of draws (candidates × draws, or × criteria with value noise):
#: 4 M float64 = 32 MB, which keeps memory bounded whatever the number of draws.
_CHUNK_ELEMENTS = 1 << 22

PortfolioFn = Callable[[np.ndarray], Sequence[int] | np.ndarray]
"""Scores of the kept candidates → indices of the optimal portfolio."""


# --------------------------------------------------------------------------- inputs


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
    elif abs(w.sum() - 1.0) > WEIGHT_TOLERANCE:
        problems.append(f"weights sum to {w.sum():.6g}, not 1; divide them by their sum")
    if problems:
        raise DataError(problems)
    return v, w, candidates, criteria


def _competition_ranks(scores: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = best, ties share the better rank) along the last axis."""
    s = np.atleast_2d(scores)
    order = np.argsort(-s, axis=1)
    return _ranks_from_order(order, np.take_along_axis(s, order, axis=1)).reshape(scores.shape)


def _ranks_from_order(order: np.ndarray, sorted_s: np.ndarray) -> np.ndarray:
    """Competition ranks from a best-first ordering of each row and the sorted scores."""
    m = order.shape[1]
    new = np.ones_like(sorted_s, dtype=bool)
    new[:, 1:] = sorted_s[:, 1:] < sorted_s[:, :-1]
    pos = np.where(new, np.arange(m), 0)
    np.maximum.accumulate(pos, axis=1, out=pos)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, pos + 1, axis=1)
    return ranks


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


# --------------------------------------------------------------------------- one at a time


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
        ranks = _competition_ranks(np.round(scores, 12))
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


# --------------------------------------------------------------------------- stability intervals


def _halfline_interval(
    da: np.ndarray, db: np.ndarray, lo: float = 0.0, hi: float = 1.0
) -> tuple[float, float]:
    """Interval of ``t`` in ``[lo, hi]`` where every ``da + db t >= 0`` (assumed to contain t0)."""
    tol = _TIE * (1.0 + np.abs(da))
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
    order = np.argsort(-np.round(scores, 12), kind="stable")
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
    lo = 0.0 if lo < _SNAP else lo
    hi = 1.0 if hi > 1.0 - _SNAP else hi
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
            if gain <= 1e-9 * max(1.0, abs(a0 + b0 * t)):
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


# --------------------------------------------------------------------------- weight sampling


def _check_bounds(bounds: Any, m: int) -> np.ndarray:
    arr = np.asarray(bounds, dtype=float)
    if arr.shape != (m, 2):
        msg = f"bounds must give [lo, hi] for each of the {m} criteria; got shape {arr.shape}"
        raise DataError(msg)
    problems = []
    for j, (lo, hi) in enumerate(arr):
        if not (0.0 <= lo <= hi <= 1.0):
            problems.append(
                f"bounds of criterion {j} are [{lo:g}, {hi:g}]; need 0 <= lo <= hi <= 1"
            )
    if not problems:
        if arr[:, 0].sum() > 1.0 + WEIGHT_TOLERANCE:
            problems.append(
                f"the lower bounds sum to {arr[:, 0].sum():.6g} > 1; no weights can meet them, "
                "lower some of them"
            )
        if arr[:, 1].sum() < 1.0 - WEIGHT_TOLERANCE:
            problems.append(
                f"the upper bounds sum to {arr[:, 1].sum():.6g} < 1; no weights can meet them, "
                "raise some of them"
            )
    if problems:
        raise DataError(problems)
    return arr


def _check_order(order: Any, m: int) -> np.ndarray:
    arr = np.asarray(list(order))
    if (
        arr.shape != (m,)
        or not np.issubdtype(arr.dtype, np.integer)
        or sorted(arr.tolist()) != list(range(m))
    ):
        msg = (
            f"order must list every criterion index 0..{m - 1} once, most important first; "
            f"got {list(order)!r}"
        )
        raise DataError(msg)
    return arr.astype(np.intp)


def sample_weights(
    n_criteria: int,
    n: int,
    *,
    rng: np.random.Generator,
    bounds: Any = None,
    order: Sequence[int] | None = None,
    max_tries: int = 1000,
) -> np.ndarray:
    """Draw weight vectors uniformly on the simplex, optionally within ranges or an order.

    Uniform on the simplex ``{w >= 0, Σ w = 1}`` is the Dirichlet(1, ..., 1) distribution,
    drawn here as independent Exp(1) variables divided by their sum.  Drawing independent
    U(0, 1) weights and dividing by their sum is *not* uniform: the sum pulls every draw
    towards equal weights and starves the corners (for two criteria ``P(w_1 < 1/4)`` is 1/6
    instead of 1/4), so extreme but admissible priorities would be under-explored.  Each
    marginal of Dirichlet(1) on ``m`` criteria is Beta(1, m - 1) with mean ``1/m``.

    Parameters
    ----------
    n_criteria
        Number of criteria ``m``.
    n
        Number of weight vectors.
    rng
        Source of randomness (``numpy.random.default_rng(seed)``).
    bounds
        ``[lo, hi]`` per criterion (shape ``(m, 2)``).  Without ``order`` the lower bounds are
        met exactly by the affine map ``w = lo + (1 - Σ lo) u`` of a Dirichlet(1) draw ``u``
        (an affine map keeps the distribution uniform), and draws above an upper bound are
        rejected (rejection keeps it uniform on what is left): the result is uniform on the
        polytope the ranges cut out of the simplex.
    order
        Criterion indices from most to least important: the draws satisfy
        ``w[order[0]] >= w[order[1]] >= ...``.  Sorting each Dirichlet(1) draw is exact: the
        ``m!`` orderings of a uniform draw are equally likely and sorting folds them onto one.
        With ``bounds`` too, the sorted draws outside the ranges are rejected.
    max_tries
        Give up when fewer than one draw in ``max_tries`` is accepted.

    Returns
    -------
    numpy.ndarray
        ``(n, m)`` weights, each row summing to 1.

    Raises
    ------
    DataError
        Bounds that are malformed or leave (almost) nothing of the simplex; a bad order.

    Examples
    --------
    >>> w = sample_weights(3, 4, rng=np.random.default_rng(0))
    >>> w.shape, bool(np.allclose(w.sum(axis=1), 1.0))
    ((4, 3), True)
    """
    m = int(n_criteria)
    if m < 1 or n < 0:
        msg = f"need at least one criterion and n >= 0; got n_criteria={n_criteria}, n={n}"
        raise DataError(msg)
    ranked = _check_order(order, m) if order is not None else None
    box = _check_bounds(bounds, m) if bounds is not None else None

    def dirichlet(k: int) -> np.ndarray:
        e = rng.standard_exponential((k, m))
        return e / e.sum(axis=1, keepdims=True)

    def shape(u: np.ndarray) -> np.ndarray:
        if ranked is not None:
            out = np.empty_like(u)
            out[:, ranked] = -np.sort(-u, axis=1)
            return out
        if box is not None:
            return box[:, 0] + (1.0 - box[:, 0].sum()) * u
        return u

    if box is None:
        return shape(dirichlet(n))
    kept: list[np.ndarray] = []
    got = tried = 0
    batch = max(n, 1024)
    while got < n:
        w = shape(dirichlet(batch))
        ok = np.all((w >= box[:, 0] - 1e-15) & (w <= box[:, 1] + 1e-15), axis=1)
        kept.append(w[ok])
        got += int(ok.sum())
        tried += batch
        if got * max_tries < tried and tried >= 100 * batch:
            msg = (
                f"the weight ranges keep only {got} of {tried} uniform draws "
                f"({got / tried:.2e}); widen the ranges or drop the order of importance"
            )
            raise DataError(msg)
    return np.concatenate(kept)[:n]


# --------------------------------------------------------------------------- value uncertainty


@dataclass(frozen=True)
class Uncertainty:
    """How far a criterion's values may be off, in value units (0..1).

    Attributes
    ----------
    kind
        ``"uniform"``: each value moves by U(-amount, +amount); ``"normal"``: by N(0, amount²).
        Perturbed values are clipped to [0, 1].
    amount
        Half-width of the uniform interval or standard deviation of the normal.
    """

    kind: Literal["uniform", "normal"]
    amount: float


def _noise(value_uncertainty: Any, criteria: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per criterion: uniform half-width and normal standard deviation (zeros when none)."""
    n = len(criteria)
    half = np.zeros(n)
    sd = np.zeros(n)
    if value_uncertainty is None:
        return half, sd
    if isinstance(value_uncertainty, Mapping):
        unknown = [str(k) for k in value_uncertainty if str(k) not in criteria]
        if unknown:
            msg = f"value_uncertainty names unknown criteria {unknown}; use ids from {criteria}"
            raise DataError(msg)
        items = [(criteria.index(str(k)), u) for k, u in value_uncertainty.items()]
    else:
        seq = list(value_uncertainty)
        if len(seq) != n:
            msg = f"value_uncertainty must give one entry per criterion ({n}); got {len(seq)}"
            raise DataError(msg)
        items = list(enumerate(seq))
    problems = []
    for j, u in items:
        spec = u if isinstance(u, Uncertainty) else Uncertainty("uniform", float(u))
        if spec.kind not in ("uniform", "normal"):
            problems.append(
                f"uncertainty of {criteria[j]!r}: kind {spec.kind!r}; use uniform or normal"
            )
        elif not (math.isfinite(spec.amount) and 0 <= spec.amount <= 1):
            problems.append(
                f"uncertainty of {criteria[j]!r} is {spec.amount!r}; give a number from 0 to 1 "
                "(value units)"
            )
        elif spec.kind == "uniform":
            half[j] = spec.amount
        else:
            sd[j] = spec.amount
    if problems:
        raise DataError(problems)
    return half, sd


Streams = tuple[np.random.Generator, np.random.Generator]


def _streams(rng: np.random.Generator | None) -> Streams | None:
    """One stream for uniform and one for normal noise.

    Each stream is read in draw order whatever the chunk size, so the numbers do not depend
    on how the draws are chunked (one stream shared by both kinds would be read in a
    chunk-dependent interleaving).
    """
    if rng is None:
        return None
    uniform, normal = rng.spawn(2)
    return uniform, normal


def _perturbed(
    v: np.ndarray, k: int, half: np.ndarray, sd: np.ndarray, streams: Streams
) -> np.ndarray:
    """``k`` perturbed copies of ``v`` (shape ``(k, m, n)``), clipped to [0, 1]."""
    out = np.broadcast_to(v, (k, *v.shape)).copy()
    for scale, kind in ((half, "uniform"), (sd, "normal")):
        cols = np.flatnonzero(scale > 0)
        if not cols.size:
            continue
        shape = (k, v.shape[0], cols.size)
        if kind == "uniform":
            noise = streams[0].uniform(-1.0, 1.0, shape)
        else:
            noise = streams[1].standard_normal(shape)
        noise *= scale[cols]
        if cols.size == v.shape[1]:
            out += noise  # every criterion: no scatter through fancy indexing
        else:
            out[:, :, cols] += noise
    np.clip(out, 0.0, 1.0, out=out)
    return out


def _chunks(total: int, per_draw: int, chunk: int | None) -> list[tuple[int, int]]:
    size = chunk if chunk is not None else max(1, _CHUNK_ELEMENTS // max(per_draw, 1))
    return [(s, min(s + size, total)) for s in range(0, total, size)]


def _scores(
    v: np.ndarray,
    w: np.ndarray,
    half: np.ndarray,
    sd: np.ndarray,
    streams: Streams | None,
) -> np.ndarray:
    """Scores of every candidate under each weight row (``(k, m)``), values perturbed if asked."""
    if streams is None or not (half.any() or sd.any()):
        return w @ v.T  # one matrix product for the whole chunk
    x = _perturbed(v, w.shape[0], half, sd, streams)
    return np.matmul(x, w[:, :, None])[:, :, 0]


# --------------------------------------------------------------------------- SMAA


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
        if np.all(sorted_s[:, 1:] < sorted_s[:, :-1]):
            # No tie (the rule for continuous draws): the position in the order is the rank,
            # so counting needs no inverse permutation.
            counts += np.bincount((order * m + positions).reshape(-1), minlength=m * m)
            best = order[:, 0]
            first_n += np.bincount(best, minlength=m)
            for j in range(n):
                first_w[:, j] += np.bincount(best, weights=w[:, j], minlength=m)
            continue
        ranks = _ranks_from_order(order, sorted_s)
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
        out[who] = (s[who, np.arange(who.size)] >= best - _TIE).astype(float)
        return out
    wins = np.zeros(who.size, dtype=np.int64)
    per_draw = m * (v.shape[1] + who.size)
    for start, stop in _chunks(draws, per_draw, chunk):
        x = _perturbed(v, stop - start, half, sd, streams)
        s = x @ wc.T  # (c, m, k)
        own = s[:, who, np.arange(who.size)]
        wins += (own >= s.max(axis=1) - _TIE).sum(axis=0)
    out[who] = wins / draws
    return out


# --------------------------------------------------------------------------- portfolio


def portfolio_rules(results: Results, *, solver: str | None = None) -> Rules:
    """The validated portfolio model of a run, on its kept candidates in ranking order.

    The same inputs :func:`siting.pipeline.choose_portfolio` gives
    :func:`siting.optimise.select_portfolio`: great-circle distances, the per-group cap and
    the site count from the study's ``portfolio`` section.

    Parameters
    ----------
    results
        A run whose study has a ``portfolio`` section.
    solver
        ``"highs"`` or ``"cbc"``; default the study's.

    Returns
    -------
    siting.optimise.portfolio.Rules
        Scores are the run's; :class:`PortfolioResolver` replaces them draw by draw.

    Raises
    ------
    DataError
        The study has no ``portfolio`` section.
    """
    from siting.optimise.portfolio import prepare
    from siting.pipeline import portfolio_inputs

    if results.study.portfolio is None:
        msg = (
            f"study {results.study.study!r} has no portfolio section; add one "
            "(`portfolio: {sites: 3}`) to compute portfolio stability and membership"
        )
        raise DataError(msg)
    inputs = portfolio_inputs(results.study, results.candidates, results.layers, results.ranking)
    return prepare(inputs.scores, **{**inputs.rules, "solver": solver or inputs.rules["solver"]})


class PortfolioResolver:
    """The portfolio integer program, built once; each call changes only the objective.

    The model (site count, spacing with its clique cuts, per-group caps, ...) is built by
    :func:`siting.optimise.portfolio.build`.  With ``solver="highs"`` its constraint matrix
    is handed once to an in-process HiGHS model and each call only replaces the objective
    coefficients (``changeColsCost``) before solving; the relative MIP gap is 0 so that the
    optimum is proved.  With ``"cbc"`` the PuLP model is kept and its objective replaced,
    but CBC runs as a separate program, so each call pays for writing the model and starting
    the process.

    Parameters
    ----------
    rules
        Validated inputs from :func:`siting.optimise.portfolio.prepare` or
        :func:`portfolio_rules`.
    solver
        ``"highs"`` (default, fast) or ``"cbc"``; default ``"highs"`` whatever the rules say.

    Raises
    ------
    InfeasibleError
        The rules cannot hold together (found before any solve).

    Examples
    --------
    >>> from siting.optimise.portfolio import prepare
    >>> solve = PortfolioResolver(prepare([0.0, 0.0, 0.0], n=2))
    >>> solve(np.array([0.9, 0.1, 0.5])).tolist()
    [0, 2]
    """

    def __init__(self, rules: Rules, *, solver: Literal["highs", "cbc"] = "highs") -> None:
        from siting.optimise.portfolio import build, quick_checks

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
        self._built = build(rules)
        if solver == "highs":
            self._setup_highs()

    def _setup_highs(self) -> None:
        import highspy
        import pulp

        prob = self._built.prob
        variables = prob.variables()
        index = {v.name: k for k, v in enumerate(variables)}
        self._x = np.array([index[v.name] for v in self._built.x], dtype=np.int32)
        inf = highspy.kHighsInf
        lb = np.array([-inf if v.lowBound is None else v.lowBound for v in variables], float)
        ub = np.array([inf if v.upBound is None else v.upBound for v in variables], float)
        cost = np.array([prob.objective.get(v, 0.0) for v in variables], dtype=float)
        starts, cols, coefs, lower, upper = [0], [], [], [], []
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
        h.setOptionValue("threads", 1)
        h.addVars(len(variables), lb, ub)
        integer = np.array(
            [k for k, v in enumerate(variables) if v.cat == pulp.LpInteger], dtype=np.int32
        )
        if integer.size:
            kinds = np.full(integer.size, highspy.HighsVarType.kInteger)
            h.changeColsIntegrality(integer.size, integer, kinds)
        h.changeColsCost(len(variables), np.arange(len(variables), dtype=np.int32), cost)
        if len(lower):
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
        self._highs = h
        self._optimal = highspy.HighsModelStatus.kOptimal

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        """Indices of the optimal portfolio under ``scores`` (one per candidate), sorted."""
        s = np.asarray(scores, dtype=float)
        if s.shape != (self.rules.size,) or not np.all(np.isfinite(s)):
            msg = f"scores must be {self.rules.size} finite numbers; got shape {s.shape}"
            raise DataError(msg)
        start = time.perf_counter()
        try:
            return self._solve(s)
        finally:
            self.solves += 1
            self.seconds += time.perf_counter() - start

    def _solve(self, s: np.ndarray) -> np.ndarray:
        if self.solver == "highs":
            h = self._highs
            h.changeColsCost(self._x.size, self._x, s)
            h.run()
            status = h.getModelStatus()
            if status != self._optimal:
                msg = f"HiGHS stopped with status {h.modelStatusToString(status)!r}"
                raise InfeasibleError(msg)
            col = np.asarray(h.getSolution().col_value)
            return np.flatnonzero(col[self._x] > 0.5)
        from siting.optimise._core import affine, chosen, solve

        x = self._built.x
        self._built.prob.setObjective(affine([(x[j], float(s[j])) for j in range(s.size)]))
        solved = solve(self._built.prob, "cbc")
        if not solved.feasible:
            msg = f"CBC stopped with status {solved.status!r}"
            raise InfeasibleError(msg)
        return chosen(x)


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
        for row in scores:
            chosen = tuple(int(i) for i in np.sort(np.asarray(solve(row), dtype=np.intp)))
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


# --------------------------------------------------------------------------- methods


@dataclass(frozen=True)
class MethodComparison:
    """Rankings of the same values and weights under every MCDA method.

    Attributes
    ----------
    ranks
        Candidate × method competition ranks.
    agreement
        One row per pair of methods: Spearman's ρ, Kendall's τ-b, top-k overlap
        (:func:`siting.mcda.agreement`).
    skipped
        Method → why it could not rank these values (e.g. the weighted product needs
        positive values and a value of 0 is a legitimate worst case).
    """

    ranks: pd.DataFrame
    agreement: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)


def method_rankings(
    values: Any,
    weights: Any,
    *,
    methods: Sequence[str] | None = None,
    k: int = 10,
) -> MethodComparison:
    """Rank the candidates under every MCDA method, side by side, with rank correlations.

    The values are already oriented (higher is better) and on one scale, so every criterion
    is passed as a benefit; the weighted sum is taken without renormalising (it then equals
    the study's score), the other methods with their own default normalisation.

    Parameters
    ----------
    values
        Kept candidates × criteria (DataFrame), value-function outputs (0..1).
    weights
        Global weights, summing to 1.
    methods
        Names from :data:`siting.mcda.METHODS` (default: all but OWA, which needs order
        weights that only the study can give).
    k
        Size of the shortlist compared by the overlap (capped at the number of candidates).

    Returns
    -------
    MethodComparison
        See the class.  A method that raises :class:`DataError` on these values is listed
        in ``skipped`` with the reason instead of failing the whole comparison.

    Raises
    ------
    DataError
        Malformed inputs or an unknown method.
    """
    from siting import mcda

    v, w, candidates, criteria = _inputs(values, weights)
    names = list(methods) if methods is not None else [m for m in mcda.METHODS if m != "owa"]
    unknown = [n for n in names if n not in mcda.METHODS]
    if unknown:
        msg = f"unknown MCDA methods {unknown}; choose from {', '.join(mcda.METHODS)}"
        raise DataError(msg)
    types = np.ones(v.shape[1])
    ranks: dict[str, np.ndarray] = {}
    skipped: dict[str, str] = {}
    for name in names:
        options = {"normalisation": "none"} if name == "weighted_sum" else {}
        try:
            s = mcda.score(v, w, types, method=name, criteria=criteria, **options)
        except DataError as exc:
            skipped[name] = "; ".join(exc.problems)
            continue
        ranks[name] = _competition_ranks(np.round(np.asarray(s, dtype=float), 12))
    table = pd.DataFrame(ranks, index=pd.Index(candidates, name="candidate"))
    if table.shape[1] >= 2:
        agree = mcda.agreement(table, k=min(k, len(candidates)))
    else:
        agree = pd.DataFrame(
            columns=["method_a", "method_b", "spearman_rho", "kendall_tau_b", "top_k_common"]
        )
    return MethodComparison(ranks=table, agreement=agree, skipped=skipped)


# --------------------------------------------------------------------------- one entry point


@dataclass(frozen=True)
class Sensitivity:
    """Everything :func:`analyse` computed for one run.

    Attributes
    ----------
    one_at_a_time
        See :func:`one_at_a_time`.
    stability
        See :func:`stability_intervals`.
    acceptability
        See :func:`rank_acceptability`.
    membership
        See :func:`portfolio_membership`; None without a portfolio section or draws.
    methods
        See :func:`method_rankings`; None when not asked.
    names
        Candidate id → name (kept candidates, ranking order).
    base_rank
        Candidate id → rank in the run.
    seed
        Seed of every draw.
    samples
        Number of weight draws.
    options
        The settings used (samples, seed, steps, top_n, portfolio_draws, bounds, order,
        value_uncertainty, solver) in plain types, for a manifest or a report.
    """

    one_at_a_time: pd.DataFrame
    stability: pd.DataFrame
    acceptability: RankAcceptability
    membership: PortfolioMembership | None
    methods: MethodComparison | None
    names: pd.Series
    base_rank: pd.Series
    seed: int
    samples: int
    options: dict[str, Any] = field(default_factory=dict)


def _plain_uncertainty(value_uncertainty: Any) -> Any:
    if value_uncertainty is None:
        return None
    items = (
        value_uncertainty.items()
        if isinstance(value_uncertainty, Mapping)
        else enumerate(value_uncertainty)
    )
    return {
        str(k): {u.kind: u.amount} if isinstance(u, Uncertainty) else {"uniform": float(u)}
        for k, u in items
    }


def analyse(
    results: Results,
    *,
    samples: int = 10_000,
    seed: int | None = None,
    steps: int = 21,
    top_n: int | None = None,
    portfolio_draws: int = 1000,
    value_uncertainty: Any = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    order: Sequence[str] | None = None,
    methods: bool = True,
    solver: Literal["highs", "cbc"] = "highs",
) -> Sensitivity:
    """Run every robustness analysis on a run's kept candidates.

    Parameters
    ----------
    results
        The run (:func:`siting.pipeline.run`).
    samples
        Weight draws for the rank acceptability.
    seed
        Seed of every draw (default: the study's ``seed``).  Independent streams are spawned
        from it for the weights, the value perturbations and the portfolio draws.
    steps
        Points of each one-at-a-time sweep.
    top_n
        Shortlist size of the stability intervals (default: the portfolio's site count, or 3).
    portfolio_draws
        Draws (integer programs) for the portfolio membership; 0 to skip it.  The first
        ``portfolio_draws`` weight draws are used.
    value_uncertainty
        Per criterion id: :class:`Uncertainty` or a uniform half-width in value units.
    bounds
        Criterion id → ``(lo, hi)`` range of its global weight; criteria not named keep [0, 1].
    order
        Criterion ids from most to least important.
    methods
        Also rank under every MCDA method (:func:`method_rankings`).
    solver
        Solver of the portfolio re-solves (see :class:`PortfolioResolver`).

    Returns
    -------
    Sensitivity
        See the class.

    Raises
    ------
    DataError
        Unknown criterion ids in ``bounds``, ``order`` or ``value_uncertainty``; bad options.
    """
    kept = results.included
    values = results.values.loc[kept]
    criteria = [str(c) for c in values.columns]
    weights = results.weights.loc[values.columns]
    seed = results.study.seed if seed is None else int(seed)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]
    problems = []
    box = None
    if bounds:
        unknown = [c for c in bounds if c not in criteria]
        if unknown:
            problems.append(
                f"weight bounds name unknown criteria {unknown}; use ids from {criteria}"
            )
        else:
            box = np.array([bounds.get(c, (0.0, 1.0)) for c in criteria], dtype=float)
    ranked = None
    if order is not None:
        missing = sorted(set(criteria) - set(order))
        extra = [c for c in order if c not in criteria]
        if missing or extra or len(order) != len(criteria):
            problems.append(
                f"order of importance must list every criterion once; missing {missing}, "
                f"unknown or repeated {extra or [c for c in order if list(order).count(c) > 1]}"
            )
        else:
            ranked = [criteria.index(c) for c in order]
    if problems:
        raise DataError(problems)
    w_samples = sample_weights(len(criteria), samples, rng=streams[0], bounds=box, order=ranked)
    rules = portfolio_rules(results) if results.study.portfolio is not None else None
    resolver = PortfolioResolver(rules, solver=solver) if rules is not None else None
    n = top_n or (results.study.portfolio.sites if results.study.portfolio else 3)
    acceptability = rank_acceptability(
        values, weight_samples=w_samples, value_uncertainty=value_uncertainty, rng=streams[1]
    )
    membership = None
    if resolver is not None and portfolio_draws > 0:
        membership = portfolio_membership(
            values,
            weight_samples=w_samples,
            solve=resolver,
            value_uncertainty=value_uncertainty,
            rng=streams[2],
            n_draws=min(portfolio_draws, samples),
        )
    return Sensitivity(
        one_at_a_time=one_at_a_time(values, weights, steps=steps),
        stability=stability_intervals(
            values, weights, top_n=min(n, len(kept)), portfolio_fn=resolver
        ),
        acceptability=acceptability,
        membership=membership,
        methods=method_rankings(values, weights) if methods else None,
        names=results.ranking.loc[kept, "name"].astype(str),
        base_rank=results.ranking.loc[kept, "rank"].astype(int),
        seed=seed,
        samples=samples,
        options={
            "samples": samples,
            "seed": seed,
            "steps": steps,
            "top_n": min(n, len(kept)),
            "portfolio_draws": membership.draws if membership is not None else 0,
            "bounds": {c: list(map(float, b)) for c, b in (bounds or {}).items()},
            "order": list(order) if order is not None else None,
            "value_uncertainty": _plain_uncertainty(value_uncertainty),
            "solver": solver if resolver is not None else None,
        },
    )


# --------------------------------------------------------------------------- writers


def _csv(frame: pd.DataFrame) -> str:
    """CSV text with fixed decimals and Unix line ends: equal frames give equal bytes."""
    return frame.to_csv(index=False, float_format=f"%.{DECIMALS}f", lineterminator="\n")


def sensitivity_frames(result: Sensitivity) -> dict[str, pd.DataFrame]:
    """The tables :func:`write_sensitivity` writes, by file name.

    ``sensitivity.csv``
        The one-at-a-time sweep (tidy: criterion, weight, current, candidate, name, score, rank).
    ``stability.csv``
        One row per criterion: the stability intervals of the first place, the top-N set and
        the portfolio.
    ``acceptability.csv``
        One row per kept candidate in ranking order: id, name, rank, expected_rank, first
        (``b_i^1``), confidence, portfolio (membership probability, empty without a
        portfolio), central weights (``central_<criterion>``) and ``rank_1 .. rank_m``.
    ``methods_all.csv``
        Candidate × MCDA method ranks, then the pairwise agreement in ``method_agreement_all.csv``.
    """
    names = result.names
    oat = result.one_at_a_time.copy()
    oat.insert(4, "name", oat["candidate"].map(names))
    acc = result.acceptability
    ids = list(names.index)
    table = pd.DataFrame(
        {
            "id": ids,
            "name": names.to_numpy(),
            "rank": result.base_rank.to_numpy(),
            "expected_rank": acc.expected_rank.loc[ids].to_numpy(),
            "first": acc.acceptability.loc[ids, 1].to_numpy(),
            "confidence": acc.confidence.loc[ids].to_numpy(),
            "portfolio": (
                result.membership.probability.loc[ids].to_numpy()
                if result.membership is not None
                else np.full(len(ids), np.nan)
            ),
        }
    )
    for c in acc.central_weights.columns:
        table[f"central_{c}"] = acc.central_weights.loc[ids, c].to_numpy()
    for r in acc.acceptability.columns:
        table[f"rank_{r}"] = acc.acceptability.loc[ids, r].to_numpy()
    frames = {
        "sensitivity.csv": oat,
        "stability.csv": result.stability,
        "acceptability.csv": table,
    }
    if result.membership is not None:
        frames["portfolios.csv"] = result.membership.portfolios
    if result.methods is not None:
        ranks = result.methods.ranks.loc[ids].rename_axis("id").reset_index()
        ranks.insert(1, "name", names.to_numpy())
        frames["methods_all.csv"] = ranks
        frames["method_agreement_all.csv"] = result.methods.agreement
    return frames


def write_sensitivity(result: Sensitivity, out_dir: str | Path, *, top: int = 8) -> dict[str, Path]:
    """Write the robustness tables and the one-at-a-time chart into ``out_dir``, atomically.

    Parameters
    ----------
    result
        From :func:`analyse`.
    out_dir
        Folder (created if needed).
    top
        Candidates drawn in the chart (the best-ranked ones).

    Returns
    -------
    dict
        File name → path: the CSV tables of :func:`sensitivity_frames` (floats with
        :data:`DECIMALS` fixed decimals, so the same inputs and seed give byte-identical
        files) and ``sensitivity.png``.
    """
    out = ensure_dir(Path(out_dir))
    written = {
        name: write_text(out / name, _csv(frame))
        for name, frame in sensitivity_frames(result).items()
    }
    written["sensitivity.png"] = write_with(
        out / "sensitivity.png", lambda p: _oat_chart(result, p, top=top)
    )
    return written


def _oat_chart(result: Sensitivity, path: Path, *, top: int) -> None:
    """Rank against swept weight, one panel per criterion, for the best-ranked candidates."""
    from matplotlib.figure import Figure

    oat = result.one_at_a_time
    criteria = list(dict.fromkeys(oat["criterion"]))
    best = list(result.base_rank.sort_values(kind="stable").index[:top])
    cols = min(3, len(criteria))
    rows = math.ceil(len(criteria) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    colours = [f"C{i % 10}" for i in range(len(best))]
    worst = int(oat["rank"].max())
    for k, crit in enumerate(criteria):
        ax = axes[k // cols][k % cols]
        part = oat[oat["criterion"] == crit]
        for cand, colour in zip(best, colours, strict=True):
            line = part[part["candidate"] == cand]
            ax.step(
                line["weight"], line["rank"], where="mid", color=colour, label=result.names[cand]
            )
        current = part.loc[part["current"], "weight"]
        if len(current):
            ax.axvline(float(current.iloc[0]), color="0.4", linestyle="--", linewidth=0.8)
        ax.set_ylim(min(worst, top + 2) + 0.5, 0.5)
        ax.set_xlim(0, 1)
        ax.set_title(crit, fontsize=9)
        ax.set_xlabel("weight", fontsize=8)
        ax.set_ylabel("rank", fontsize=8)
        ax.tick_params(labelsize=7)
    for k in range(len(criteria), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=7, title="candidate")
    fig.suptitle("Rank as one weight varies (others rescaled in proportion)", fontsize=10)
    fig.savefig(path, dpi=110, metadata={"Software": None})
