"""Random draws: weights uniform on the simplex (within ranges or an order) and value noise.

Every random number comes from a :class:`numpy.random.Generator`; the same seed gives the same
draws whatever the chunk size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from siting.errors import DataError
from siting.tolerances import BOUND_SLACK, WEIGHT_SUM

#: Elements of one chunk of draws (candidates × draws, or × criteria with value noise):
#: 4 M float64 = 32 MB, which keeps memory bounded whatever the number of draws.
_CHUNK_ELEMENTS = 1 << 22


def _chunks(total: int, per_draw: int, chunk: int | None) -> list[tuple[int, int]]:
    size = chunk if chunk is not None else max(1, _CHUNK_ELEMENTS // max(per_draw, 1))
    return [(s, min(s + size, total)) for s in range(0, total, size)]


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
        if arr[:, 0].sum() > 1.0 + WEIGHT_SUM:
            problems.append(
                f"the lower bounds sum to {arr[:, 0].sum():.6g} > 1; no weights can meet them, "
                "lower some of them"
            )
        if arr[:, 1].sum() < 1.0 - WEIGHT_SUM:
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
        ok = np.all((w >= box[:, 0] - BOUND_SLACK) & (w <= box[:, 1] + BOUND_SLACK), axis=1)
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
