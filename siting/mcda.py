"""Multi-criteria decision analysis: small pure scoring functions on a decision matrix.

Conventions shared by every function here:

``matrix``
    Alternatives × criteria, a :class:`numpy.ndarray` or a
    :class:`pandas.DataFrame` (rows: candidates, columns: criterion ids).
``weights``
    One non-negative weight per criterion, summing to 1 (an array, or a
    :class:`pandas.Series` or mapping keyed by criterion id, aligned by name when
    the criterion names are known).
``types``
    +1 for a benefit criterion (more is better), -1 for a cost criterion (the
    words "benefit" and "cost" are accepted too); same shapes as ``weights``.
``criteria``
    Optional criterion names used in error messages (taken from the DataFrame
    columns when a DataFrame is given).

Scores come back as a :class:`numpy.ndarray`, or as a :class:`pandas.Series`
indexed like the rows when a DataFrame came in.  Every method takes
``return_steps=True`` and then returns a frozen dataclass holding its
intermediate results (normalised matrix, ideal points, distances, flows ...) so
that a report can take a score apart.

Bad input (NaN, a constant column where a method divides by the range, zero or
negative values where a method needs positive ones, weights that do not sum to
1) raises :class:`siting.errors.DataError` naming the criterion; every problem is
reported together.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.messages import plural
from siting.tolerances import CONDITION, SCORE_TIE, WEIGHT_SUM

if TYPE_CHECKING:
    from siting.spec import Method

__all__ = [
    "METHODS",
    "NORMALISATIONS",
    "PREFERENCE_FUNCTIONS",
    "PRODUCT_FLOOR",
    "REGISTRY",
    "MethodInfo",
    "OwaSteps",
    "PrometheeResult",
    "TopsisSteps",
    "VikorResult",
    "WeightedProductSteps",
    "WeightedSumSteps",
    "agreement",
    "check_options",
    "method_info",
    "normalise",
    "orness",
    "owa",
    "promethee_ii",
    "rank",
    "rank_correlation",
    "ranks_from_order",
    "score",
    "score_study",
    "study_options",
    "topsis",
    "vikor",
    "weighted_product",
    "weighted_sum",
]

Normalisation = Literal["minmax", "vector", "sum", "max", "zscore", "none"]
NORMALISATIONS: tuple[str, ...] = ("minmax", "vector", "sum", "max", "zscore", "none")


# --------------------------------------------------------------------------- input handling


@dataclass(frozen=True)
class _Problem:
    """A validated decision problem: float arrays plus what is needed to wrap results."""

    x: np.ndarray
    w: np.ndarray
    t: np.ndarray
    names: list[str]
    index: pd.Index | None

    def alt(self, values: np.ndarray, name: str | None = None) -> np.ndarray | pd.Series:
        """Wrap a per-alternative vector like the input (Series when a DataFrame came in)."""
        if self.index is None:
            return values
        return pd.Series(values, index=self.index, name=name)

    def crit(self, values: np.ndarray, name: str | None = None) -> np.ndarray | pd.Series:
        """Wrap a per-criterion vector like the input."""
        if self.index is None:
            return values
        return pd.Series(values, index=pd.Index(self.names), name=name)

    def table(self, values: np.ndarray) -> np.ndarray | pd.DataFrame:
        """Wrap an alternatives × criteria table like the input."""
        if self.index is None:
            return values
        return pd.DataFrame(values, index=self.index, columns=pd.Index(self.names))


def _names(matrix: Any, criteria: Sequence[str] | None, m: int) -> list[str]:
    if criteria is not None:
        names = [str(c) for c in criteria]
        if len(names) != m:
            msg = Msg(
                N_(
                    "{names} criterion names given for a matrix with {m} columns; give one name per column"
                ),
                names=len(names),
                m=m,
            )
            raise DataError(msg)
        return names
    if isinstance(matrix, pd.DataFrame):
        return [str(c) for c in matrix.columns]
    return [f"criterion {j}" for j in range(m)]


def _as_matrix(
    matrix: Any, criteria: Sequence[str] | None
) -> tuple[np.ndarray, list[str], list[str]]:
    """Return the matrix as a 2-D float array, the criterion names and the NaN problems."""
    index_given = isinstance(matrix, pd.DataFrame)
    try:
        x = matrix.to_numpy(dtype=float) if index_given else np.asarray(matrix, dtype=float)
    except (TypeError, ValueError) as exc:
        msg = Msg(
            N_("the decision matrix holds values that are not numbers ({error}); give numbers"),
            error=str(exc),
        )
        raise DataError(msg) from exc
    if x.ndim != 2:
        msg = plural(
            "the decision matrix has {n} dimension, shape {shape}; give a table of alternatives "
            "(rows) × criteria (columns)",
            "the decision matrix has {n} dimensions, shape {shape}; give a table of "
            "alternatives (rows) × criteria (columns)",
            x.ndim,
            shape=x.shape,
        )
        raise DataError(msg)
    names = _names(matrix, criteria, x.shape[1])
    if x.shape[0] == 0 or x.shape[1] == 0:
        msg = Msg(
            N_("the decision matrix is empty (shape {shape}); give at least one row and column"),
            shape=x.shape,
        )
        raise DataError(msg)
    problems: list[str] = []
    # Column sums are finite iff every value is (barring overflow, which the full check clears).
    if not np.isfinite(_col_reduce(x, np.add)).all() and not (finite := np.isfinite(x)).all():
        bad_cols = np.flatnonzero(~finite.all(axis=0))
        for j in bad_cols:
            rows = np.flatnonzero(~finite[:, j])
            labels = list(matrix.index[rows[:5]]) if index_given else rows[:5].tolist()
            shown = (
                Msg(N_("{items} and {count} more"), items=labels, count=len(rows) - 5)
                if len(rows) > 5
                else str(labels)
            )
            problems.append(
                plural(
                    "criterion {id}: {n} missing or infinite value (rows {rows}); fill it in or "
                    "drop that alternative",
                    "criterion {id}: {n} missing or infinite values (rows {rows}); fill them in "
                    "or drop those alternatives",
                    len(rows),
                    id=repr(names[j]),
                    rows=shown,
                )
            )
    return x, names, problems


def _as_vector(
    values: Any, names: list[str], *, what: str, known_names: bool
) -> tuple[np.ndarray, list[str]]:
    """Return one float per criterion, aligned by name when ``values`` is a Series or mapping."""
    if isinstance(values, Mapping):
        values = pd.Series(dict(values))
    if what == "types":
        # The criteria files say "benefit" / "cost"; accept the words as well as ±1.
        words = {"benefit": 1, "cost": -1}
        if isinstance(values, pd.Series):
            values = values.map(lambda v: words.get(v, v) if isinstance(v, str) else v)
        elif not isinstance(values, np.ndarray):
            values = [words.get(v, v) if isinstance(v, str) else v for v in values]
    if isinstance(values, pd.Series) and known_names:
        keys = [str(k) for k in values.index]
        missing = [n for n in names if n not in keys]
        extra = [k for k in keys if k not in names]
        if missing or extra:
            msg = Msg(
                _VECTOR_TEXT[what][0],
                keys=keys,
                names=names,
                missing=missing,
                unknown=extra,
            )
            return np.empty(0), [msg]
        values = pd.Series(values.to_numpy(), index=keys).reindex(names)
    try:
        arr = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        return np.empty(0), [Msg(_VECTOR_TEXT[what][1], error=str(exc))]
    if arr.shape[0] != len(names):
        return np.empty(0), [Msg(_VECTOR_TEXT[what][2], given=arr.shape[0], count=len(names))]
    return arr, []


#: The messages of :func:`_as_vector`, by what the vector holds: names that do not match the
#: criteria, values that are not numbers, a length that is not one per criterion.
_VECTOR_TEXT = {
    "weights": (
        N_(
            "the weights are indexed by {keys} but the criteria are {names} (missing: "
            "{missing}, unknown: {unknown}); give one weight per criterion"
        ),
        N_("the weights are not numbers ({error}); give numbers"),
        N_("{given} weights given for {count} criteria; give one per criterion"),
    ),
    "types": (
        N_(
            "the types are indexed by {keys} but the criteria are {names} (missing: "
            "{missing}, unknown: {unknown}); give one type per criterion"
        ),
        N_("the types are not numbers ({error}); give numbers"),
        N_("{given} types given for {count} criteria; give one per criterion"),
    ),
}


def _problem(
    matrix: Any,
    weights: Any,
    types: Any,
    criteria: Sequence[str] | None,
) -> _Problem:
    """Validate the common inputs once and report every problem together."""
    x, names, problems = _as_matrix(matrix, criteria)
    known = criteria is not None or isinstance(matrix, pd.DataFrame)
    w, weight_problems = _as_vector(weights, names, what="weights", known_names=known)
    t, type_problems = _as_vector(types, names, what="types", known_names=known)
    problems += weight_problems + type_problems
    if w.size:
        for j in np.flatnonzero(~np.isfinite(w) | (w < 0)):
            problems.append(
                Msg(
                    N_("criterion {id}: weight {value} must be a finite number >= 0"),
                    id=repr(names[j]),
                    value=f"{float(w[j]):g}",
                )
            )
        total = float(w.sum())
        if np.isfinite(w).all() and abs(total - 1.0) > WEIGHT_SUM:
            problems.append(
                Msg(
                    N_(
                        "the weights sum to {total}, not 1; divide them by their sum "
                        "(siting.weights.direct does this)"
                    ),
                    total=f"{total:.10g}",
                )
            )
    if t.size:
        for j in np.flatnonzero((t != 1) & (t != -1)):
            problems.append(
                Msg(
                    N_("criterion {id}: type {value} must be +1 (benefit) or -1 (cost)"),
                    id=repr(names[j]),
                    value=f"{float(t[j]):g}",
                )
            )
    if problems:
        raise DataError(problems)
    index = matrix.index if isinstance(matrix, pd.DataFrame) else None
    return _Problem(x=x, w=w, t=t, names=names, index=index)


# --------------------------------------------------------------------------- normalisation


_CHUNK = 1 << 17
"""Elements per row block when a method streams through a large matrix (1 MB of float64)."""


def _col_reduce(x: np.ndarray, ufunc: np.ufunc) -> np.ndarray:
    """Column-wise ``ufunc.reduce`` (min, max, add) that is fast on tall C-ordered matrices.

    numpy reduces a C-ordered n × m matrix over axis 0 one short row at a time;
    viewing blocks of k rows as one long row lets the inner loop vectorise.
    """
    n, m = x.shape
    k = 256
    if not x.flags.c_contiguous or n < 4 * k:
        return ufunc.reduce(x, axis=0)
    head = n - n % k
    out = ufunc.reduce(
        ufunc.reduce(x[:head].reshape(head // k, k * m), axis=0).reshape(k, m), axis=0
    )
    if head < n:
        out = ufunc(out, ufunc.reduce(x[head:], axis=0))
    return out


def _affine(
    x: np.ndarray, t: np.ndarray, names: list[str], method: str
) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-column ``(a, b)`` such that the normalised matrix is ``(x - a) / b``.

    Every normalisation but ``sum`` (and ``none``) is affine per column; a
    negative ``b`` (cost criteria) turns the preference round.  Returns None for
    the others.  Raises on columns the method cannot handle.
    """
    cost = t < 0
    if method == "minmax":
        lo, hi = _col_reduce(x, np.minimum), _col_reduce(x, np.maximum)
        _no_constant(lo == hi, names, method="min-max", lo=lo)
        # (x - hi) / (lo - hi) is (hi - x) / (hi - lo) exactly: negation is exact.
        return np.where(cost, hi, lo), np.where(cost, lo - hi, hi - lo)
    if method == "vector":
        norm = np.sqrt(np.einsum("ij,ij->j", x, x))
        _no_zero_column(norm == 0, names, method="vector")
        return np.where(cost, norm, 0.0), np.where(cost, -norm, norm)
    if method == "max":
        _positive(_col_reduce(x, np.minimum), names, method="max normalisation", strict=False)
        top = _col_reduce(x, np.maximum)
        _no_zero_column(top == 0, names, method="max")
        return np.where(cost, top, 0.0), np.where(cost, -top, top)
    if method == "zscore":
        mean = x.mean(axis=0)
        std = x.std(axis=0)
        _no_constant(std == 0, names, method="z-score", lo=mean)
        return mean, np.where(cost, -std, std)
    if method in ("sum", "none"):
        return None
    msg = Msg(
        N_("unknown normalisation {name}; choose one of {names}"),
        name=repr(method),
        names=", ".join(NORMALISATIONS),
    )
    raise DataError(msg)


def _apply(x: np.ndarray, ab: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    out = np.subtract(x, ab[0])
    out /= ab[1]
    out += 0.0  # turns the -0.0 of a best cost value into 0.0
    return out


def _normalise(x: np.ndarray, t: np.ndarray, names: list[str], method: str) -> np.ndarray:
    """Normalise validated arrays; every output column is oriented so that higher is better."""
    ab = _affine(x, t, names, method)
    if ab is not None:
        return _apply(x, ab)
    if method == "none":
        return x
    # sum: x / Σx for a benefit, (1/x) / Σ(1/x) for a cost (pymcdm's convention)
    _positive(_col_reduce(x, np.minimum), names, method="sum normalisation", strict=True)
    cost = t < 0
    out = np.empty_like(x)
    out[:, ~cost] = x[:, ~cost] / x[:, ~cost].sum(axis=0)
    inv = 1.0 / x[:, cost]
    out[:, cost] = inv / inv.sum(axis=0)
    return out


def _blocks(n_rows: int, n_cols: int) -> range:
    return range(0, n_rows, max(256, _CHUNK // max(n_cols, 1)))


def _no_constant(mask: np.ndarray, names: list[str], *, method: str, lo: np.ndarray) -> None:
    if mask.any():
        raise DataError(
            [
                Msg(
                    N_(
                        "criterion {id}: every alternative has the same value ({value}), so "
                        "{method} normalisation divides by zero; the criterion cannot tell the "
                        "alternatives apart: remove it or choose normalisation 'vector' or 'max'"
                    ),
                    id=repr(names[j]),
                    value=f"{lo[j]:g}",
                    method=method,
                )
                for j in np.flatnonzero(mask)
            ]
        )


def _no_zero_column(mask: np.ndarray, names: list[str], *, method: str) -> None:
    if mask.any():
        raise DataError(
            [
                Msg(
                    N_(
                        "criterion {id}: every value is 0, so {method} normalisation divides by "
                        "zero; remove the criterion or choose another normalisation"
                    ),
                    id=repr(names[j]),
                    method=method,
                )
                for j in np.flatnonzero(mask)
            ]
        )


def _positive(lo: np.ndarray, names: list[str], *, method: str, strict: bool) -> None:
    """Ratio methods invert preferences on negative values; refuse them (``lo``: column minima)."""
    bad = (lo <= 0) if strict else (lo < 0)
    if bad.any():
        need = "> 0" if strict else ">= 0"
        raise DataError(
            [
                Msg(
                    N_(
                        "criterion {id}: {method} needs values {need}, found {value}; shift the "
                        "values or use min-max normalisation"
                    ),
                    id=repr(names[j]),
                    method=method,
                    need=need,
                    value=f"{lo[j]:g}",
                )
                for j in np.flatnonzero(bad)
            ]
        )


def normalise(
    matrix: Any,
    types: Any,
    *,
    method: Normalisation = "minmax",
    criteria: Sequence[str] | None = None,
) -> np.ndarray | pd.DataFrame:
    """Rescale each criterion so that values are comparable and higher is always better.

    ============  ==========================================  ==========================================
    method        benefit (t = +1)                            cost (t = -1)
    ============  ==========================================  ==========================================
    ``minmax``    (x - min) / (max - min)                     (max - x) / (max - min)
    ``vector``    x / ‖x‖₂                                    1 - x / ‖x‖₂
    ``sum``       x / Σx                                      (1/x) / Σ(1/x)
    ``max``       x / max                                     1 - x / max
    ``zscore``    (x - mean) / std  (population std)          (mean - x) / std
    ``none``      x (already oriented, e.g. value-function    x
                  output in 0..1)
    ============  ==========================================  ==========================================

    The cost formulas are those of pymcdm, so normalised matrices agree with it.
    Each is a decreasing function of ``x``, so no normalisation inverts a preference.
    ``sum`` needs values > 0 and ``max`` values >= 0 (a ratio of negative numbers
    would invert the order); ``minmax`` and ``zscore`` cannot handle a constant
    column, ``vector`` and ``max`` an all-zero column; each raises
    :class:`~siting.errors.DataError` naming the criterion.

    Parameters
    ----------
    matrix
        Alternatives × criteria.
    types
        +1 (benefit) or -1 (cost) per criterion.
    method
        One of :data:`NORMALISATIONS`.
    criteria
        Criterion names for messages (default: DataFrame columns).

    Returns
    -------
    numpy.ndarray or pandas.DataFrame
        The normalised matrix, same shape (a DataFrame when a DataFrame came in).
    """
    m = np.shape(matrix)[1] if np.ndim(matrix) == 2 else 0
    prob = _problem(matrix, np.full(m, 1.0 / max(m, 1)), types, criteria)
    return prob.table(_normalise(prob.x, prob.t, prob.names, method))


# --------------------------------------------------------------------------- weighted sum


@dataclass(frozen=True)
class WeightedSumSteps:
    """Intermediate results of :func:`weighted_sum` (arrays, or pandas objects for a DataFrame).

    Attributes
    ----------
    normalised
        Normalised matrix, higher is better.
    weighted
        ``normalised * weights``: each criterion's contribution to the score.
    scores
        Row sums of ``weighted``.
    """

    normalised: Any
    weighted: Any
    scores: Any


def weighted_sum(
    matrix: Any,
    weights: Any,
    types: Any,
    *,
    normalisation: Normalisation = "minmax",
    criteria: Sequence[str] | None = None,
    return_steps: bool = False,
) -> Any:
    """Score alternatives by the weighted sum of normalised criterion values (SAW / WLC).

    ``score_i = Σ_j w_j r_ij`` where ``r`` is the matrix normalised by
    :func:`normalise` (higher is better).  With min-max normalisation the score lies
    in 0..1; 1 means best on every criterion.

    Parameters
    ----------
    matrix
        Alternatives × criteria.
    weights
        Weights summing to 1.
    types
        +1 (benefit) or -1 (cost) per criterion; ignored by ``normalisation="none"``
        (the values must then already be oriented, higher is better).
    normalisation
        See :func:`normalise`.
    criteria
        Criterion names for messages (default: DataFrame columns).
    return_steps
        Return a :class:`WeightedSumSteps` instead of the scores.

    Returns
    -------
    numpy.ndarray or pandas.Series or WeightedSumSteps
        Scores, higher is better.

    Raises
    ------
    DataError
        NaN, weights not summing to 1, bad types, or a column the normalisation
        cannot handle, each naming the criterion.

    Notes
    -----
    Agrees with ``pymcdm.methods.WSM`` given the same normalisation function
    (pymcdm defaults to sum normalisation, siting to min-max).

    Examples
    --------
    >>> weighted_sum([[1.0, 10.0], [3.0, 30.0]], [0.5, 0.5], [1, -1]).tolist()
    [0.5, 0.5]
    """
    prob = _problem(matrix, weights, types, criteria)
    if not return_steps:
        ab = _affine(prob.x, prob.t, prob.names, normalisation)
        if ab is None:
            scores = _normalise(prob.x, prob.t, prob.names, normalisation) @ prob.w
        else:
            # Row blocks that stay in cache instead of an n × m normalised copy.
            scores = np.empty(prob.x.shape[0])
            blocks = _blocks(*prob.x.shape)
            for i in blocks:
                block = slice(i, i + blocks.step)
                scores[block] = _apply(prob.x[block], ab) @ prob.w
        return prob.alt(scores, "weighted_sum")
    n = _normalise(prob.x, prob.t, prob.names, normalisation)
    weighted = n * prob.w
    scores = n @ prob.w
    return WeightedSumSteps(
        normalised=prob.table(n),
        weighted=prob.table(weighted),
        scores=prob.alt(scores, "weighted_sum"),
    )


# --------------------------------------------------------------------------- weighted product


@dataclass(frozen=True)
class WeightedProductSteps:
    """Intermediate results of :func:`weighted_product`.

    Attributes
    ----------
    normalised
        Ratio to the best value: ``x / max`` (benefit), ``min / x`` (cost), in (0, 1].
    factors
        ``normalised ** weights``: each criterion's factor in the score.
    scores
        Row products of ``factors``.
    """

    normalised: Any
    factors: Any
    scores: Any


def weighted_product(
    matrix: Any,
    weights: Any,
    types: Any,
    *,
    criteria: Sequence[str] | None = None,
    return_steps: bool = False,
) -> Any:
    """Score alternatives by the weighted product of their ratios to the best value (WPM).

    ``score_i = Π_j r_ij ** w_j`` with ``r_ij = x_ij / max_k x_kj`` for a benefit
    and ``min_k x_kj / x_ij`` for a cost criterion.  This is the classic weighted
    product ``Π_j x_ij ** (±w_j)`` (Bridgman 1922; Miller & Starr 1969) divided by
    the same constant for every alternative, so the ranking is the classic one
    while scores lie in (0, 1] (1: best on every criterion) and do not depend on
    the units of any criterion.

    Parameters
    ----------
    matrix
        Alternatives × criteria; every value must be > 0.
    weights
        Weights summing to 1.
    types
        +1 (benefit) or -1 (cost) per criterion.
    criteria
        Criterion names for messages (default: DataFrame columns).
    return_steps
        Return a :class:`WeightedProductSteps` instead of the scores.

    Returns
    -------
    numpy.ndarray or pandas.Series or WeightedProductSteps
        Scores, higher is better.

    Raises
    ------
    DataError
        A zero or negative value (a product of powers is undefined or meaningless
        there), naming the criterion and its smallest value; NaN; bad weights.

    Notes
    -----
    Equals ``pymcdm.methods.WPM(normalizations.linear_normalization)``.  pymcdm's
    default (sum normalisation) gives different scores but the same ranking.
    """
    prob = _problem(matrix, weights, types, criteria)
    _positive(
        _col_reduce(prob.x, np.minimum), prob.names, method="the weighted product", strict=True
    )
    cost = prob.t < 0
    best = np.where(cost, prob.x.min(axis=0), prob.x.max(axis=0))
    r = np.where(cost, best / prob.x, prob.x / best)
    # exp(Σ w ln r) is one matrix-vector product instead of m powers and a product.
    scores = np.exp(np.log(r) @ prob.w)
    if not return_steps:
        return prob.alt(scores, "weighted_product")
    return WeightedProductSteps(
        normalised=prob.table(r),
        factors=prob.table(r**prob.w),
        scores=prob.alt(scores, "weighted_product"),
    )


# --------------------------------------------------------------------------- TOPSIS


def _distances(v: np.ndarray, ideal: np.ndarray, anti: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distances of the rows of ``v`` to the ideal and anti-ideal points."""
    diff = np.subtract(v, ideal)
    d_plus = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    np.subtract(v, anti, out=diff)
    return d_plus, np.sqrt(np.einsum("ij,ij->i", diff, diff))


@dataclass(frozen=True)
class TopsisSteps:
    """Intermediate results of :func:`topsis`.

    Attributes
    ----------
    normalised
        Normalised matrix, oriented so that higher is better.
    weighted
        ``normalised * weights``.
    ideal, anti_ideal
        Per criterion, the best and the worst weighted value.
    d_plus, d_minus
        Euclidean distance of each alternative to the ideal and the anti-ideal point.
    scores
        Closeness coefficient ``d_minus / (d_plus + d_minus)``.
    """

    normalised: Any
    weighted: Any
    ideal: Any
    anti_ideal: Any
    d_plus: Any
    d_minus: Any
    scores: Any


def topsis(
    matrix: Any,
    weights: Any,
    types: Any,
    *,
    normalisation: Normalisation = "vector",
    criteria: Sequence[str] | None = None,
    return_steps: bool = False,
) -> Any:
    """Rank by closeness to the ideal point (TOPSIS; Hwang & Yoon 1981).

    The matrix is normalised (vector normalisation by default, as in the
    classic method), multiplied by the weights, and each alternative's Euclidean
    distances ``d+`` to the ideal point (best weighted value of each criterion)
    and ``d-`` to the anti-ideal point (worst value) are combined into the
    closeness coefficient ``d- / (d+ + d-)`` in 0..1, higher is better.

    Parameters
    ----------
    matrix
        Alternatives × criteria.
    weights
        Weights summing to 1.
    types
        +1 (benefit) or -1 (cost) per criterion.
    normalisation
        See :func:`normalise`.
    criteria
        Criterion names for messages (default: DataFrame columns).
    return_steps
        Return a :class:`TopsisSteps` instead of the scores.

    Returns
    -------
    numpy.ndarray or pandas.Series or TopsisSteps
        Closeness coefficients, higher is better.

    Raises
    ------
    DataError
        Bad input (see :func:`normalise`), or alternatives that all have the
        same weighted values, so that the ideal and anti-ideal points coincide.

    Notes
    -----
    Cost criteria are normalised as ``1 - x / ‖x‖`` (as pymcdm does), the mirror
    image of the classic ``x / ‖x‖`` with the ideal taken at the minimum: the
    mirror preserves distances, so the closeness coefficients are the classic
    ones.  pymcdm's ``TOPSIS()`` defaults to min-max normalisation;
    ``TOPSIS(normalizations.vector_normalization)`` is the classic method.

    References
    ----------
    Hwang, C.-L., Yoon, K. (1981). *Multiple Attribute Decision Making: Methods
    and Applications*. Springer, Lecture Notes in Economics and Mathematical
    Systems 186.
    """
    prob = _problem(matrix, weights, types, criteria)
    ab = None if return_steps else _affine(prob.x, prob.t, prob.names, normalisation)
    if ab is None:
        n = _normalise(prob.x, prob.t, prob.names, normalisation)
        v = n * prob.w
        ideal, anti = v.max(axis=0), v.min(axis=0)
        d_plus, d_minus = _distances(v, ideal, anti)
    else:
        # Stream row blocks.  The normalisation is monotone per column, and so is its
        # floating-point evaluation, so the ideal is the image of the column's best raw
        # value: the same numbers as max(v) over the full matrix.
        lo, hi = _col_reduce(prob.x, np.minimum), _col_reduce(prob.x, np.maximum)
        up = ab[1] > 0
        ideal = _apply(np.where(up, hi, lo)[None, :], ab)[0] * prob.w
        anti = _apply(np.where(up, lo, hi)[None, :], ab)[0] * prob.w
        d_plus, d_minus = np.empty(prob.x.shape[0]), np.empty(prob.x.shape[0])
        blocks = _blocks(*prob.x.shape)
        for i in blocks:
            block = slice(i, i + blocks.step)
            v_block = _apply(prob.x[block], ab)
            v_block *= prob.w
            d_plus[block], d_minus[block] = _distances(v_block, ideal, anti)
    total = d_plus + d_minus
    if not (total > 0).all():
        msg = Msg(
            N_(
                "every alternative has the same weighted values, so TOPSIS's ideal and "
                "anti-ideal points coincide and no alternative is closer to either; check the "
                "weights and that the criteria differ between alternatives"
            )
        )
        raise DataError(msg)
    scores = d_minus / total
    if not return_steps:
        return prob.alt(scores, "topsis")
    return TopsisSteps(
        normalised=prob.table(n),
        weighted=prob.table(v),
        ideal=prob.crit(ideal, "ideal"),
        anti_ideal=prob.crit(anti, "anti_ideal"),
        d_plus=prob.alt(d_plus, "d_plus"),
        d_minus=prob.alt(d_minus, "d_minus"),
        scores=prob.alt(scores, "topsis"),
    )


# --------------------------------------------------------------------------- VIKOR


@dataclass(frozen=True)
class VikorResult:
    """The result of :func:`vikor`; lower ``s``, ``r`` and ``q`` are better.

    Attributes
    ----------
    s
        Group utility ``S_i = Σ_j w_j (f*_j - f_ij) / (f*_j - f-_j)``.
    r
        Individual regret ``R_i = max_j w_j (f*_j - f_ij) / (f*_j - f-_j)``.
    q
        Compromise index ``Q_i = v (S_i - S*) / (S- - S*) + (1 - v)(R_i - R*) / (R- - R*)``.
    best, worst
        ``f*`` and ``f-``: best and worst value of each criterion (max and min of a
        benefit criterion, min and max of a cost one), in the criterion's units.
    v
        Weight of the strategy of the majority of criteria.
    dq
        ``DQ = 1 / (m - 1)``, the acceptable advantage threshold.
    acceptable_advantage
        Condition C1: ``Q(a'') - Q(a') >= DQ`` for the two best alternatives by Q.
    acceptable_stability
        Condition C2: the best by Q is also best (possibly tied) by S or by R.
    compromise
        The compromise solution(s): ``[a']`` if both conditions hold; ``[a', a'']`` if
        only C2 fails; otherwise every alternative with ``Q - Q(a') < DQ``.  Row
        labels when a DataFrame came in, else row positions; best Q first.
    regret
        With ``return_steps=True``: the alternatives × criteria table
        ``w_j (f*_j - f_ij) / (f*_j - f-_j)`` whose row sums are S and row maxima R.
    """

    s: Any
    r: Any
    q: Any
    best: Any
    worst: Any
    v: float
    dq: float
    acceptable_advantage: bool
    acceptable_stability: bool
    compromise: list[Any]
    regret: Any = None

    @property
    def message(self) -> str:
        """One sentence on the compromise conditions, for a report or the console."""
        first = self.compromise[0]
        if self.acceptable_advantage and self.acceptable_stability:
            return f"VIKOR: {first!r} is the compromise solution (both conditions hold)."
        failed = []
        if not self.acceptable_advantage:
            failed.append(f"acceptable advantage (C1, DQ = {self.dq:.4g})")
        if not self.acceptable_stability:
            failed.append("acceptable stability (C2)")
        return (
            f"VIKOR: {' and '.join(failed)} not met; the compromise set is "
            f"{self.compromise!r}, best Q first."
        )


def _ratio(num: np.ndarray, den: float) -> np.ndarray:
    """``num / den``, or zeros when every value tied (den == 0): no alternative is worse."""
    return num / den if den > 0 else np.zeros_like(num)


def vikor(
    matrix: Any,
    weights: Any,
    types: Any,
    *,
    v: float = 0.5,
    criteria: Sequence[str] | None = None,
    return_steps: bool = False,
) -> VikorResult:
    """Compromise ranking by VIKOR (Opricovic 1998; Opricovic & Tzeng 2004).

    Parameters
    ----------
    matrix
        Alternatives × criteria, at least two alternatives.
    weights
        Weights summing to 1.
    types
        +1 (benefit) or -1 (cost) per criterion.
    v
        Weight of the strategy of "the majority of criteria" (group utility S)
        against individual regret R, in 0..1; 0.5 by default (consensus).
    criteria
        Criterion names for messages (default: DataFrame columns).
    return_steps
        Also fill :attr:`VikorResult.regret`.

    Returns
    -------
    VikorResult
        ``s``, ``r``, ``q`` (lower is better), the two compromise conditions and
        the compromise set.

    Raises
    ------
    DataError
        A constant criterion (``f* = f-``: the normalising denominator is zero,
        so VIKOR cannot use it; remove it), fewer than two alternatives, ``v``
        outside 0..1, NaN, bad weights.

    Notes
    -----
    Agrees with ``pymcdm.methods.VIKOR()`` on S, R and Q.  When every alternative
    has the same S (or R) the corresponding term of Q is taken as 0 instead of
    0 / 0; pymcdm returns NaN there.  The conditions compare with a tolerance of
    1e-12 so that a difference equal to DQ on paper counts as reaching it.

    References
    ----------
    Opricovic, S., Tzeng, G.-H. (2004). Compromise solution by MCDM methods: A
    comparative analysis of VIKOR and TOPSIS. *European Journal of Operational
    Research* 156(2), 445-455.
    """
    prob = _problem(matrix, weights, types, criteria)
    problems: list[str] = []
    if not 0.0 <= v <= 1.0:
        problems.append(
            Msg(N_("v = {v} must lie between 0 and 1 (0.5 weighs S and R equally)"), v=repr(v))
        )
    m = prob.x.shape[0]
    if m < 2:
        problems.append(Msg(N_("VIKOR needs at least two alternatives, got {m}"), m=m))
    cost = prob.t < 0
    hi, lo = prob.x.max(axis=0), prob.x.min(axis=0)
    best = np.where(cost, lo, hi)
    worst = np.where(cost, hi, lo)
    if m >= 2:
        problems += [
            Msg(
                N_(
                    "criterion {id}: every alternative has the same value ({value}), so "
                    "VIKOR's (f* - f) / (f* - f-) divides by zero; remove the criterion (it "
                    "cannot tell the alternatives apart)"
                ),
                id=repr(prob.names[j]),
                value=f"{hi[j]:g}",
            )
            for j in np.flatnonzero(hi == lo)
        ]
    if problems:
        raise DataError(problems)
    regret = prob.w * ((best - prob.x) / (best - worst))
    s = regret.sum(axis=1)
    r = regret.max(axis=1)
    q = v * _ratio(s - s.min(), s.max() - s.min()) + (1 - v) * _ratio(
        r - r.min(), r.max() - r.min()
    )
    order = np.argsort(q, kind="stable")
    dq = 1.0 / (m - 1)
    first, second = order[0], order[1]
    advantage = bool(q[second] - q[first] >= dq - CONDITION)
    stability = bool(s[first] <= s.min() + CONDITION or r[first] <= r.min() + CONDITION)
    if advantage and stability:
        chosen = order[:1]
    elif advantage:
        chosen = order[:2]
    else:
        chosen = order[q[order] - q[first] < dq - CONDITION]
    labels = list(prob.index[chosen]) if prob.index is not None else chosen.tolist()
    return VikorResult(
        s=prob.alt(s, "s"),
        r=prob.alt(r, "r"),
        q=prob.alt(q, "q"),
        best=prob.crit(best, "best"),
        worst=prob.crit(worst, "worst"),
        v=float(v),
        dq=dq,
        acceptable_advantage=advantage,
        acceptable_stability=stability,
        compromise=labels,
        regret=prob.table(regret) if return_steps else None,
    )


# --------------------------------------------------------------------------- PROMETHEE II

PREFERENCE_FUNCTIONS: tuple[str, ...] = ("usual", "ushape", "vshape", "level", "linear", "gaussian")
"""The six classic generalised criteria of Brans & Vincke (1985), types I to VI."""

_NEEDS: dict[str, tuple[str, ...]] = {
    "usual": (),
    "ushape": ("q",),
    "vshape": ("p",),
    "level": ("q", "p"),
    "linear": ("q", "p"),
    "gaussian": ("s",),
}
_BLOCK = 1 << 22  # elements of one pairwise block: 32 MB of float64

#: Up to this many alternatives the flows are summed pair by pair (in blocks); above it, the
#: piecewise-linear functions are summed by sorting (:func:`_sorted_flows`), in O(n log n).
#: Both are exact; the pairwise sums are kept for small studies so that their flows stay the
#: same to the last bit as they always were.
PAIRWISE_FLOWS = 2_000

#: Most alternatives PROMETHEE II compares pair by pair when a criterion's function cannot be
#: summed by sorting (the Gaussian) or the n × n matrix π is asked for (``return_steps``):
#: 20,000² pairs are 400 million preference degrees per criterion, seconds each.
PAIRWISE_MAX = 20_000

# Each piecewise-linear generalised criterion as a sum of steps [d > c] and ramps max(d - c, 0):
# (steps: [(c, coefficient)], ramps: [(c, coefficient)]) for thresholds (q, p).
_Pieces = tuple[list[tuple[float, float]], list[tuple[float, float]]]


def _pieces(kind: str, q: float, p: float) -> _Pieces | None:
    """``P(d)`` of a piecewise-linear function as steps and ramps; None for the Gaussian."""
    if kind == "usual":
        return [(0.0, 1.0)], []
    if kind == "ushape":
        return [(q, 1.0)], []
    if kind == "level":
        return [(q, 0.5), (p, 0.5)], []
    if kind == "vshape":
        return [], [(0.0, 1.0 / p), (p, -1.0 / p)]
    if kind == "linear":
        return [], [(q, 1.0 / (p - q)), (p, -1.0 / (p - q))]
    return None


def _sorted_flows(col: np.ndarray, pieces: _Pieces) -> tuple[np.ndarray, np.ndarray]:
    """``Σ_b P(x_a - x_b)`` and ``Σ_b P(x_b - x_a)`` for every ``a``, by sorting: O(n log n).

    With the values sorted and their prefix sums, a step ``[d > c]`` summed over ``b`` counts
    the ``x_b < x_a - c`` (one binary search), and a ramp ``max(d - c, 0)`` adds
    ``count · (x_a - c) - Σ_{x_b < x_a - c} x_b`` (the same search and one prefix sum).  The
    values are centred first, so that the prefix sums stay small and cancel little.
    """
    x = col - col.mean()
    n = x.size
    order = np.sort(x)
    prefix = np.concatenate([[0.0], np.cumsum(order)])
    total = prefix[-1]
    leaving = np.zeros(n)
    entering = np.zeros(n)
    steps, ramps = pieces
    for c, coef in steps:
        below = np.searchsorted(order, x - c, side="left")  # x_b < x_a - c
        above = n - np.searchsorted(order, x + c, side="right")  # x_b > x_a + c
        leaving += coef * below
        entering += coef * above
    for c, coef in ramps:
        below = np.searchsorted(order, x - c, side="left")
        leaving += coef * (below * (x - c) - prefix[below])
        k = np.searchsorted(order, x + c, side="right")
        entering += coef * ((total - prefix[k]) - (n - k) * (x + c))
    return leaving, entering


def _preference(kind: str, d: np.ndarray, q: float, p: float, s: float) -> np.ndarray:
    """Preference degree P(d) in 0..1 of one criterion for oriented differences ``d``."""
    if kind == "usual":
        return (d > 0).astype(float)
    if kind == "ushape":
        return (d > q).astype(float)
    if kind == "vshape":
        return np.clip(d / p, 0.0, 1.0)
    if kind == "level":
        return np.where(d > p, 1.0, np.where(d > q, 0.5, 0.0))
    if kind == "linear":
        return np.clip((d - q) / (p - q), 0.0, 1.0)
    # gaussian
    return np.where(d > 0, -np.expm1(-(d * d) / (2.0 * s * s)), 0.0)


def _per_criterion(value: Any, names: list[str], *, what: str) -> list[Any]:
    """Expand one value, a sequence, or a mapping / Series keyed by criterion id to a list.

    A mapping may leave criteria out (they get None: no threshold, or for
    ``preference`` an error); a key that is not a criterion is an error.
    """
    if value is None or isinstance(value, str | int | float | np.number):
        return [value] * len(names)
    if isinstance(value, pd.Series | Mapping):
        by_name = {str(k): v for k, v in value.items()}
        unknown = [k for k in by_name if k not in names]
        if unknown:
            msg = Msg(
                N_("{what} is given for {unknown}, which are not criteria ({names})"),
                what=what,
                unknown=unknown,
                names=names,
            )
            raise DataError(msg)
        return [by_name.get(n) for n in names]
    items = list(value)
    if len(items) != len(names):
        msg = Msg(
            N_("{given} values of {what} given for {count} criteria; give one per criterion"),
            given=len(items),
            what=what,
            count=len(names),
        )
        raise DataError(msg)
    return items


@dataclass(frozen=True)
class PrometheeResult:
    """The result of :func:`promethee_ii`; flows are divided by (n - 1).

    Attributes
    ----------
    positive
        Leaving flow φ+(a) = Σ_b π(a, b) / (n - 1): how much a outranks the others.
    negative
        Entering flow φ-(a) = Σ_b π(b, a) / (n - 1): how much the others outrank a.
    net
        φ(a) = φ+(a) - φ-(a), in -1..1, higher is better: the PROMETHEE II ranking.
    criterion_net
        Alternatives × criteria unicriterion net flows φ_j; ``net = criterion_net @ weights``,
        which shows what each criterion contributes to the net flow.
    preference
        Preference function of each criterion (canonical names).
    pi
        With ``return_steps=True``: the n × n aggregated preference indices π(a, b).
    """

    positive: Any
    negative: Any
    net: Any
    criterion_net: Any
    preference: list[str]
    pi: Any = None


def _criterion_preference(
    name: str, kind_given: Any, q: Any, p: Any, s: Any, problems: list[str]
) -> tuple[str, tuple[float, float, float]]:
    """One criterion's preference function (canonical name) and its (q, p, s), checked.

    Problems are appended to ``problems``; the returned values then only keep the loop going.
    """
    if kind_given is None:
        problems.append(
            Msg(
                N_("criterion {id}: no preference function given; choose one of {names}"),
                id=repr(name),
                names=", ".join(PREFERENCE_FUNCTIONS),
            )
        )
        return "usual", (0.0, 0.0, 0.0)
    kind = str(kind_given).lower().replace("-", "").replace("_", "").replace(" ", "")
    if kind not in _NEEDS:
        problems.append(
            Msg(
                N_("criterion {id}: unknown preference function {kind}; choose one of {names}"),
                id=repr(name),
                kind=repr(kind_given),
                names=", ".join(PREFERENCE_FUNCTIONS),
            )
        )
        return kind, (0.0, 0.0, 0.0)
    given = {"q": q, "p": p, "s": s}
    values: dict[str, float] = {}
    for key in _NEEDS[kind]:
        raw = given[key]
        try:
            val = float(raw)
        except (TypeError, ValueError):
            val = float("nan")
        if raw is None or not np.isfinite(val):
            problems.append(
                Msg(
                    N_(
                        "criterion {id}: the {kind} preference function needs a number {key} "
                        "(got {value}); give it in the criterion's units"
                    ),
                    id=repr(name),
                    kind=kind,
                    key=key,
                    value=repr(raw),
                )
            )
        values[key] = val
    qv, pv, sv = values.get("q", 0.0), values.get("p", 1.0), values.get("s", 1.0)
    if "q" in values and qv < 0:
        problems.append(Msg(N_("criterion {id}: q = {q} must be >= 0"), id=repr(name), q=f"{qv:g}"))
    if kind == "vshape" and pv <= 0:
        problems.append(Msg(N_("criterion {id}: p = {p} must be > 0"), id=repr(name), p=f"{pv:g}"))
    if kind in ("level", "linear") and not pv > qv:
        problems.append(
            Msg(
                N_(
                    "criterion {id}: p = {p} must be greater than q = {q}; with p = q use the "
                    "ushape function"
                ),
                id=repr(name),
                p=f"{pv:g}",
                q=f"{qv:g}",
            )
        )
    if kind == "gaussian" and sv <= 0:
        problems.append(Msg(N_("criterion {id}: s = {s} must be > 0"), id=repr(name), s=f"{sv:g}"))
    return kind, (qv, pv, sv)


def _check_pairwise(n_alt: int, names: list[str], kinds: list[str], *, return_steps: bool) -> None:
    """Refuse, before any work, a pairwise computation too large to finish (see PAIRWISE_MAX)."""
    if n_alt <= PAIRWISE_MAX:
        return
    problems: list[str] = []
    if return_steps:
        problems.append(
            Msg(
                N_(
                    "the matrix of preference indices π (return_steps) holds one number per "
                    "pair of alternatives, {pairs} for {n} alternatives; ask for it with at most "
                    "{most} alternatives"
                ),
                pairs=f"{n_alt * n_alt:,}",
                n=f"{n_alt:,}",
                most=f"{PAIRWISE_MAX:,}",
            )
        )
    gauss = [name for name, kind in zip(names, kinds, strict=True) if kind == "gaussian"]
    if gauss:
        problems.append(
            Msg(
                N_(
                    "criterion {id}: the gaussian preference function compares every pair of "
                    "alternatives ({pairs} pairs for {n}), too many above {most}; use the "
                    "linear function (q and p) or vshape (p), which PROMETHEE sums by sorting "
                    "for any number of alternatives"
                ),
                id=", ".join(repr(g) for g in gauss),
                pairs=f"{n_alt * (n_alt - 1):,}",
                n=f"{n_alt:,}",
                most=f"{PAIRWISE_MAX:,}",
            )
        )
    if problems:
        raise DataError(problems)


def promethee_ii(
    matrix: Any,
    weights: Any,
    types: Any,
    *,
    preference: str | Sequence[str] | Mapping[str, str] = "usual",
    q: float | Sequence[float] | Mapping[str, float] | None = None,
    p: float | Sequence[float] | Mapping[str, float] | None = None,
    s: float | Sequence[float] | Mapping[str, float] | None = None,
    criteria: Sequence[str] | None = None,
    return_steps: bool = False,
) -> PrometheeResult:
    """Rank by PROMETHEE II net outranking flows (Brans & Vincke 1985).

    For each pair of alternatives and each criterion the oriented difference
    ``d = t_j (x_aj - x_bj)`` becomes a preference degree ``P_j(d)`` in 0..1 through
    one of the six generalised criteria (q: indifference threshold, p: strict
    preference threshold, s: Gaussian inflection, all in the criterion's units):

    ============  ======================================================================
    ``usual``     (I) 1 if d > 0, else 0
    ``ushape``    (II, quasi-criterion) 1 if d > q, else 0
    ``vshape``    (III, linear preference) d / p for 0 < d <= p, 1 above, 0 below
    ``level``     (IV) 0 if d <= q, 1/2 if q < d <= p, 1 if d > p
    ``linear``    (V, linear with indifference) (d - q) / (p - q) between q and p
    ``gaussian``  (VI) 1 - exp(-d² / (2 s²)) for d > 0, else 0
    ============  ======================================================================

    ``π(a, b) = Σ_j w_j P_j(d)`` and the flows are averaged over the n - 1 other
    alternatives.  Above :data:`PAIRWISE_FLOWS` alternatives the five piecewise-linear
    functions are summed exactly by sorting, in O(n log n) per criterion (each is a sum of
    steps ``[d > c]`` and ramps ``max(d - c, 0)``, and a sorted column with its prefix sums
    gives ``Σ_b`` of either for every ``a`` by binary search); the Gaussian is summed pair by
    pair, in blocks of bounded memory, up to :data:`PAIRWISE_MAX` alternatives, and refused
    beyond (as is ``return_steps``).

    Parameters
    ----------
    matrix
        Alternatives × criteria, at least two alternatives.
    weights
        Weights summing to 1.
    types
        +1 (benefit) or -1 (cost) per criterion.
    preference
        One name for every criterion, one per criterion (a sequence, or a mapping
        / Series keyed by criterion id covering every criterion); "u-shape",
        "v-shape" and "V_shape" spellings are accepted.
    q, p, s
        Thresholds, one value for all, a sequence with one per criterion, or a
        mapping / Series keyed by criterion id (criteria left out get none);
        only those a criterion's function needs are used.
    criteria
        Criterion names for messages (default: DataFrame columns).
    return_steps
        Also return the n × n matrix π (memory n²; refused above :data:`PAIRWISE_MAX`).

    Returns
    -------
    PrometheeResult
        Positive, negative and net flows (net: higher is better).

    Raises
    ------
    DataError
        An unknown preference function, a missing or invalid threshold (named
        with its criterion: q >= 0, p > 0, p > q, s > 0), fewer than two
        alternatives, NaN, bad weights.

    Notes
    -----
    Agrees with ``pymcdm.methods.PROMETHEE_II`` for its five functions ("usual",
    "ushape", "vshape", "level", and "vshape_2" = ``linear``); pymcdm has no
    Gaussian criterion.

    References
    ----------
    Brans, J.-P., Vincke, Ph. (1985). A preference ranking organisation method
    (The PROMETHEE method for multiple criteria decision-making). *Management
    Science* 31(6), 647-656.
    """
    prob = _problem(matrix, weights, types, criteria)
    n_alt, n_crit = prob.x.shape
    kinds = _per_criterion(preference, prob.names, what="preference")
    qs = _per_criterion(q, prob.names, what="q")
    ps = _per_criterion(p, prob.names, what="p")
    ss = _per_criterion(s, prob.names, what="s")
    problems: list[str] = []
    if n_alt < 2:
        problems.append(Msg(N_("PROMETHEE needs at least two alternatives, got {m}"), m=n_alt))
    canonical: list[str] = []
    params: list[tuple[float, float, float]] = []
    for j, name in enumerate(prob.names):
        kind, param = _criterion_preference(name, kinds[j], qs[j], ps[j], ss[j], problems)
        canonical.append(kind)
        params.append(param)
    if problems:
        raise DataError(problems)

    _check_pairwise(n_alt, prob.names, canonical, return_steps=return_steps)

    oriented = prob.x * prob.t
    row_sum = np.zeros((n_alt, n_crit))  # Σ_b P_j(a, b)
    col_sum = np.zeros((n_alt, n_crit))  # Σ_a P_j(a, b)
    pi = np.zeros((n_alt, n_alt)) if return_steps else None
    block = max(1, _BLOCK // n_alt)
    for j in range(n_crit):
        col = oriented[:, j]
        qv, pv, sv = params[j]
        pieces = _pieces(canonical[j], qv, pv)
        if pi is None and pieces is not None and n_alt > PAIRWISE_FLOWS:
            row_sum[:, j], col_sum[:, j] = _sorted_flows(col, pieces)
            continue
        for start in range(0, n_alt, block):
            stop = min(start + block, n_alt)
            d = col[start:stop, None] - col[None, :]
            pref = _preference(canonical[j], d, qv, pv, sv)
            row_sum[start:stop, j] = pref.sum(axis=1)
            col_sum[:, j] += pref.sum(axis=0)
            if pi is not None:
                pi[start:stop] += prob.w[j] * pref
    positive = row_sum @ prob.w / (n_alt - 1)
    negative = col_sum @ prob.w / (n_alt - 1)
    criterion_net = (row_sum - col_sum) / (n_alt - 1)
    return PrometheeResult(
        positive=prob.alt(positive, "positive"),
        negative=prob.alt(negative, "negative"),
        net=prob.alt(positive - negative, "net"),
        criterion_net=prob.table(criterion_net),
        preference=canonical,
        pi=(
            None
            if pi is None
            else (
                pd.DataFrame(pi, index=prob.index, columns=prob.index)
                if prob.index is not None
                else pi
            )
        ),
    )


# --------------------------------------------------------------------------- OWA


@dataclass(frozen=True)
class OwaSteps:
    """Intermediate results of :func:`owa`.

    Attributes
    ----------
    normalised
        Normalised matrix (min-max by default), higher is better.
    order
        Alternatives × positions: the criterion (column position) ranked k-th
        best for each alternative, ties kept in column order.
    orness
        Σ_k (m - k) / (m - 1) v_k: 1 is OR (max), 0.5 the weighted average, 0 AND (min).
    scores
        OWA values.
    """

    normalised: Any
    order: np.ndarray
    orness: float
    scores: Any


def orness(order_weights: Sequence[float]) -> float:
    """Yager's degree of orness of OWA order weights: 1 for OR (max), 0 for AND (min).

    ``orness = Σ_k (m - k) / (m - 1) · v_k`` for positions k = 1..m (1: best
    value); equal order weights give 0.5.  A single criterion gives 0.5.
    """
    v = np.asarray(order_weights, dtype=float)
    m = v.shape[0]
    if m < 2:
        return 0.5
    return float(((m - 1 - np.arange(m)) / (m - 1)) @ v)


def owa(
    matrix: Any,
    weights: Any,
    types: Any,
    *,
    order_weights: Sequence[float],
    normalisation: Normalisation = "minmax",
    criteria: Sequence[str] | None = None,
    return_steps: bool = False,
) -> Any:
    """Ordered weighted averaging with criterion weights (Yager 1988; Malczewski 2006).

    For each alternative the normalised values are sorted from best to worst,
    ``z_1 >= ... >= z_m``, the criterion weights ``u_k`` are carried along, and

    ``OWA = Σ_k u_k v_k z_k / Σ_k u_k v_k``

    with order weights ``v`` (position 1 = best value).  Equal order weights give
    the weighted sum (weighted linear combination); ``v = (1, 0, ..., 0)`` gives
    the best value (OR, risk-taking); ``v = (0, ..., 0, 1)`` the worst value (AND,
    risk-averse); in between lies the risk-attitude family offered by GIS-MCDA
    tools such as TerrSet (see :func:`orness`).

    Parameters
    ----------
    matrix
        Alternatives × criteria.
    weights
        Criterion weights summing to 1.
    types
        +1 (benefit) or -1 (cost) per criterion.
    order_weights
        One non-negative weight per rank position, summing to 1.
    normalisation
        See :func:`normalise` (min-max by default; "none" for values already in 0..1).
    criteria
        Criterion names for messages (default: DataFrame columns).
    return_steps
        Return an :class:`OwaSteps` instead of the scores.

    Returns
    -------
    numpy.ndarray or pandas.Series or OwaSteps
        Scores, higher is better.

    Raises
    ------
    DataError
        Bad order weights; an alternative for which every position with a
        positive order weight holds a criterion of zero weight (the formula is
        0 / 0: give those criteria a weight or spread the order weights); and
        the errors of :func:`normalise`.

    Notes
    -----
    Tied values keep their column order, which matters only when criterion
    weights differ.  pymcdm has no OWA; the tests check the AND, OR and
    weighted-average limits instead.

    References
    ----------
    Yager, R. R. (1988). On ordered weighted averaging aggregation operators in
    multicriteria decisionmaking. *IEEE Transactions on Systems, Man, and
    Cybernetics* 18(1), 183-190.
    Malczewski, J. (2006). Ordered weighted averaging with fuzzy quantifiers:
    GIS-based multicriteria evaluation for land-use suitability analysis.
    *International Journal of Applied Earth Observation and Geoinformation* 8(4),
    270-277.
    """
    prob = _problem(matrix, weights, types, criteria)
    m = prob.x.shape[1]
    try:
        v = np.asarray(order_weights, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        msg = Msg(
            N_("order weights {weights} are not numbers; give {m} numbers summing to 1"),
            weights=repr(order_weights),
            m=m,
        )
        raise DataError(msg) from exc
    problems: list[str] = []
    if v.shape[0] != m:
        problems.append(
            Msg(
                N_("{given} order weights given for {m} criteria; give one per rank"),
                given=v.shape[0],
                m=m,
            )
        )
    elif not (np.isfinite(v).all() and (v >= 0).all()):
        problems.append(
            Msg(N_("order weights {weights} must be finite numbers >= 0"), weights=v.tolist())
        )
    elif abs(float(v.sum()) - 1.0) > WEIGHT_SUM:
        problems.append(
            Msg(
                N_("the order weights sum to {total}, not 1; rescale them"),
                total=f"{float(v.sum()):.10g}",
            )
        )
    if problems:
        raise DataError(problems)
    z = _normalise(prob.x, prob.t, prob.names, normalisation)
    order = np.argsort(-z, axis=1, kind="stable")
    z_sorted = np.take_along_axis(z, order, axis=1)
    uv = prob.w[order] * v
    den = uv.sum(axis=1)
    if not (den > 0).all():
        rows = np.flatnonzero(~(den > 0))
        labels = list(prob.index[rows[:5]]) if prob.index is not None else rows[:5].tolist()
        msg = plural(
            "{n} alternative (e.g. {labels}) has only zero-weight criteria in the positions that "
            "carry order weight, so OWA is 0 / 0; give those criteria a weight or spread the "
            "order weights over more positions",
            "{n} alternatives (e.g. {labels}) have only zero-weight criteria in the positions "
            "that carry order weight, so OWA is 0 / 0; give those criteria a weight or spread "
            "the order weights over more positions",
            len(rows),
            labels=labels,
        )
        raise DataError(msg)
    scores = np.einsum("ij,ij->i", uv, z_sorted) / den
    if not return_steps:
        return prob.alt(scores, "owa")
    return OwaSteps(
        normalised=prob.table(z),
        order=order,
        orness=orness(v.tolist()),
        scores=prob.alt(scores, "owa"),
    )


# --------------------------------------------------------------------------- ranks and agreement


def ranks_from_order(
    order: np.ndarray, sorted_scores: np.ndarray, *, tie: float = SCORE_TIE
) -> Any:
    """Competition ranks from a best-first ordering of each row and its scores in that order.

    The building block of :func:`rank`, exposed for callers that sort anyway (the robustness
    analysis sorts thousands of rows of draws at once).  A score ties the one before it in the
    order when it is within ``tie`` of it, so a run of scores each within ``tie`` of the next
    shares one rank.

    Parameters
    ----------
    order
        ``(rows, n)`` integer positions, best first in each row.
    sorted_scores
        ``(rows, n)`` the scores in that order (higher is better, so non-increasing).
    tie
        Scores closer than this are tied.

    Returns
    -------
    numpy.ndarray
        ``(rows, n)`` ranks, 1 = best, at the original positions.
    """
    n = order.shape[1]
    new = np.ones_like(sorted_scores, dtype=bool)
    new[:, 1:] = (sorted_scores[:, :-1] - sorted_scores[:, 1:]) > tie
    pos = np.where(new, np.arange(n), 0)
    np.maximum.accumulate(pos, axis=1, out=pos)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, pos + 1, axis=1)
    return ranks


def rank(scores: Any, *, higher_is_better: bool = True, tie: float = SCORE_TIE) -> Any:
    """Competition ranks ("1224"): tied alternatives share the best rank of their group.

    The one ranking rule of siting: ranking.csv, the robustness tables, the comparison of
    methods and studies, the CLI and the map all rank with it.  Scores closer than ``tie``
    (:data:`siting.tolerances.SCORE_TIE`, 1e-9) are tied: walking down the scores from the
    best, a score within ``tie`` of the one before it takes the same rank.

    Parameters
    ----------
    scores
        One score per alternative (array or Series), or a 2-D array ranked along each row.
    higher_is_better
        True for scores (weighted sum, TOPSIS, net flow), False for VIKOR's S, R, Q.
    tie
        Scores closer than this are tied.

    Returns
    -------
    numpy.ndarray or pandas.Series
        Integer ranks, 1 = best, shaped like ``scores``.

    Raises
    ------
    DataError
        A NaN score.

    Examples
    --------
    >>> rank([0.9, 0.5, 0.9, 0.1]).tolist()
    [1, 3, 1, 4]
    >>> rank([0.9, 0.9 - 1e-12, 0.5]).tolist()
    [1, 1, 3]
    """
    values = np.asarray(scores, dtype=float)
    if np.isnan(values).any():
        msg: Msg = plural(
            "{n} score is NaN; rank only complete scores",
            "{n} scores are NaN; rank only complete scores",
            int(np.isnan(values).sum()),
        )
        raise DataError(msg)
    rows = np.atleast_2d(values if higher_is_better else -values)
    if rows.ndim != 2:
        msg = Msg(
            N_("scores must be one score per alternative, or a 2-D array; got shape {shape}"),
            shape=values.shape,
        )
        raise DataError(msg)
    order = np.argsort(-rows, axis=1, kind="stable")
    ranks = ranks_from_order(order, np.take_along_axis(rows, order, axis=1), tie=tie)
    ranks = ranks.reshape(values.shape).astype(int)
    if isinstance(scores, pd.Series):
        return pd.Series(ranks, index=scores.index, name=scores.name)
    return ranks


#: Above this many items the O(n²) sign matrix of Kendall's τ-b is not worth its memory;
#: scipy's O(n log n) algorithm is used instead.
_KENDALL_PAIRWISE = 3000


def _average_ranks(a: np.ndarray) -> np.ndarray:
    """Ranks 1..n with tied values sharing the mean of their positions (for Spearman's ρ)."""
    order = np.argsort(a, kind="stable")
    sorted_a = a[order]
    starts = np.r_[True, sorted_a[1:] != sorted_a[:-1]]
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.r_[first[1:], a.size] - 1
    ranks = np.empty(a.size)
    ranks[order] = (first[group] + last[group]) / 2 + 1
    return ranks


def _tie_pairs(a: np.ndarray) -> float:
    """Number of pairs tied in ``a``: Σ t(t − 1)/2 over its groups of equal values."""
    _, counts = np.unique(a, return_counts=True)
    return float((counts * (counts - 1) // 2).sum())


def rank_correlation(x: Any, y: Any) -> tuple[float, float]:
    """Spearman's ρ and Kendall's τ-b (which handles ties) between two rankings of the same items.

    Both are NaN when there are fewer than two items or one ranking ties every item (the
    correlation is undefined).  Computed with numpy, which agrees with ``scipy.stats`` to
    rounding (tests/test_mcda.py compares them) and spares every run the half second scipy.stats
    takes to import: ρ is Pearson's correlation of the average ranks; τ-b is
    ``(P − Q) / √((n₀ − n₁)(n₀ − n₂))`` with ``P − Q = Σ_{i<j} sgn(x_i − x_j) sgn(y_i − y_j)``,
    ``n₀ = n(n − 1)/2`` and ``n₁``, ``n₂`` the pairs tied in x and in y (Kendall 1945).

    Examples
    --------
    >>> rank_correlation([1, 2, 3], [1, 3, 2])
    (0.5, 0.3333333333333333)
    """
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return math.nan, math.nan
    ra, rb = _average_ranks(a), _average_ranks(b)
    rho = float(np.corrcoef(ra, rb)[0, 1])
    if a.size > _KENDALL_PAIRWISE:
        from scipy.stats import kendalltau

        return rho, float(kendalltau(a, b, variant="b").statistic)
    iu = np.triu_indices(a.size, k=1)
    concordance = float(
        (np.sign(a[:, None] - a[None, :]) * np.sign(b[:, None] - b[None, :]))[iu].sum()
    )
    n0 = a.size * (a.size - 1) / 2
    tau = concordance / math.sqrt((n0 - _tie_pairs(a)) * (n0 - _tie_pairs(b)))
    return rho, tau


def agreement(rankings: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """How far rankings by different methods agree: rank correlations and top-k overlap.

    Parameters
    ----------
    rankings
        One column of ranks per method (1 = best), rows the alternatives.
    k
        Size of the shortlist compared by the overlap.

    Returns
    -------
    pandas.DataFrame
        One row per pair of methods (in column order) with columns ``method_a``,
        ``method_b``, ``spearman_rho``, ``kendall_tau_b`` (scipy.stats, tau-b
        handles ties), ``top_k_common`` (alternatives ranked <= k by both) and
        ``top_k_overlap`` (``top_k_common`` divided by the larger of the two
        shortlists, which is k unless ties at rank k enlarge it; 1 = same shortlist).
        A correlation with a ranking in which every alternative ties is NaN.

    Raises
    ------
    DataError
        NaN ranks, fewer than two methods, or k outside 1..number of alternatives.
    """
    problems: list[str] = []
    if rankings.shape[1] < 2:
        problems.append(
            Msg(
                N_("agreement needs at least two methods, got {methods}"),
                methods=list(rankings.columns),
            )
        )
    n = rankings.shape[0]
    if not 1 <= k <= n:
        problems.append(
            Msg(N_("k = {k} must lie between 1 and the number of alternatives ({m})"), k=k, m=n)
        )
    values = rankings.to_numpy(dtype=float)
    nan_cols = [
        str(c) for c, bad in zip(rankings.columns, np.isnan(values).any(axis=0), strict=True) if bad
    ]
    if nan_cols:
        problems.append(
            Msg(N_("rankings of {methods} hold NaN; rank every alternative"), methods=nan_cols)
        )
    if problems:
        raise DataError(problems)
    rows = []
    cols = list(rankings.columns)
    for a in range(len(cols)):
        for b in range(a + 1, len(cols)):
            x, y = values[:, a], values[:, b]
            rho, tau = rank_correlation(x, y)
            top_x, top_y = x <= k, y <= k
            common = int((top_x & top_y).sum())
            shortlist = max(int(top_x.sum()), int(top_y.sum()))
            rows.append(
                {
                    "method_a": cols[a],
                    "method_b": cols[b],
                    "spearman_rho": rho,
                    "kendall_tau_b": tau,
                    "top_k_common": common,
                    "top_k_overlap": common / shortlist if shortlist else float("nan"),
                    "k": k,
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the registry


def _as_is(result: Any) -> np.ndarray:
    return np.asarray(result, dtype=float)


def _one_minus_q(result: Any) -> np.ndarray:
    return 1.0 - np.asarray(result.q, dtype=float)


def _net_flow(result: Any) -> np.ndarray:
    return np.asarray(result.net, dtype=float)


#: Keyword parameters every method takes that are not options of the method itself.
_COMMON = frozenset({"criteria", "return_steps"})


@dataclass(frozen=True)
class MethodInfo:
    """One MCDA method: its function, how its result becomes a score, and what it needs.

    Attributes
    ----------
    name
        The name used in criteria files and tables (``"topsis"``).
    label
        The name as written in prose (``"TOPSIS"``).
    function
        The scoring function of this module.
    to_score
        Turns the function's result into scores where higher is better (VIKOR: ``1 - Q``;
        PROMETHEE II: the net flow).
    needs_positive
        The method divides by or takes powers of the values, so a value of 0 breaks it (the
        weighted product): a study floors its values before scoring (:data:`PRODUCT_FLOOR`).
    divides_by_range
        The method divides by a criterion's range or distance to its ideal (TOPSIS, VIKOR,
        PROMETHEE II): a criterion with the same value for every alternative carries no
        information and is left out of the scoring.
    pointwise
        A candidate's score depends on its own values only (weighted sum and OWA on values
        already on a 0..1 scale), so candidates outside the set scored can be scored too.
    """

    name: str
    label: str
    function: Callable[..., Any]
    to_score: Callable[[Any], np.ndarray] = _as_is
    needs_positive: bool = False
    divides_by_range: bool = False
    pointwise: bool = False

    @property
    def defaults(self) -> dict[str, Any]:
        """The method's options and their default values (from the function's signature)."""
        out = {}
        for name, par in inspect.signature(self.function).parameters.items():
            if par.kind is inspect.Parameter.KEYWORD_ONLY and name not in _COMMON:
                out[name] = None if par.default is inspect.Parameter.empty else par.default
        return out

    @property
    def options(self) -> frozenset[str]:
        """Names of the keyword options the method takes."""
        return frozenset(self.defaults)

    @property
    def required(self) -> frozenset[str]:
        """Options the method cannot do without (OWA's order weights)."""
        return frozenset(
            name
            for name, par in inspect.signature(self.function).parameters.items()
            if par.kind is inspect.Parameter.KEYWORD_ONLY
            and par.default is inspect.Parameter.empty
            and name not in _COMMON
        )


REGISTRY: dict[str, MethodInfo] = {
    info.name: info
    for info in (
        MethodInfo("weighted_sum", "weighted sum", weighted_sum, pointwise=True),
        MethodInfo("weighted_product", "weighted product", weighted_product, needs_positive=True),
        MethodInfo("topsis", "TOPSIS", topsis, divides_by_range=True),
        MethodInfo("vikor", "VIKOR", vikor, to_score=_one_minus_q, divides_by_range=True),
        MethodInfo(
            "promethee_ii", "PROMETHEE II", promethee_ii, to_score=_net_flow, divides_by_range=True
        ),
        MethodInfo("owa", "OWA", owa, pointwise=True),
    )
}
"""Every MCDA method of siting by name; the one list criteria files, tables and the map use."""

METHODS: tuple[str, ...] = tuple(REGISTRY)
"""Method names accepted by :func:`score` (and by criteria files)."""

#: Values are floored at this before a method that needs positive values (the weighted
#: product), whose factors v**w would make any candidate with one worst value (v = 0) score 0
#: whatever its other criteria.
PRODUCT_FLOOR = 0.01


def method_info(method: str) -> MethodInfo:
    """The registry entry of ``method``, or a :class:`DataError` naming the known methods."""
    try:
        return REGISTRY[method]
    except (KeyError, TypeError):
        msg = Msg(
            N_("unknown MCDA method {name}; choose one of {names}"),
            name=repr(method),
            names=", ".join(METHODS),
        )
        raise DataError(msg) from None


def check_options(method: str, options: Mapping[str, Any]) -> None:
    """Refuse options ``method`` does not take, and missing required ones, before any work.

    Raises
    ------
    DataError
        Naming the unknown or missing options and the ones the method takes.
    """
    info = method_info(method)
    problems: list[str] = []
    unknown = sorted(set(options) - info.options)
    if "return_steps" in options:
        problems.append(
            Msg(N_("score() returns scores only; call the method itself for its steps"))
        )
        unknown = [u for u in unknown if u != "return_steps"]
    if unknown:
        takes = ", ".join(sorted(info.options)) or Msg(N_("no options"))
        problems.append(
            Msg(
                N_("method {name} does not take {unknown}; it takes {takes}"),
                name=repr(method),
                unknown=unknown,
                takes=takes,
            )
        )
    missing = sorted(info.required - set(options))
    if missing:
        problems.append(
            Msg(
                N_("method {name} needs {missing}; give them in its options"),
                name=repr(method),
                missing=missing,
            )
        )
    if problems:
        raise DataError(problems)


def score(
    matrix: Any,
    weights: Any,
    types: Any,
    *,
    method: str,
    criteria: Sequence[str] | None = None,
    **options: Any,
) -> Any:
    """Score with any method of :data:`REGISTRY`, always oriented so that higher is better.

    This is the one entry point a pipeline needs to offer every method: the
    scores of ``weighted_sum``, ``weighted_product``, ``topsis`` and ``owa`` are
    returned as they are, PROMETHEE II gives its net flow and VIKOR gives
    ``1 - Q`` (Q lies in 0..1 and lower is better, so the ranking is VIKOR's).

    Parameters
    ----------
    matrix, weights, types, criteria
        As for every method of this module.
    method
        One of :data:`METHODS`.
    **options
        Keyword options of that method (``normalisation``, ``v``, ``preference``,
        ``q``, ``p``, ``s``, ``order_weights``), checked against its signature first.

    Returns
    -------
    numpy.ndarray or pandas.Series
        Scores, higher is better, named after the method when a Series.

    Raises
    ------
    DataError
        An unknown method or option, and every error of the method itself.
    """
    check_options(method, options)
    info = REGISTRY[method]
    out = info.to_score(info.function(matrix, weights, types, criteria=criteria, **options))
    if isinstance(matrix, pd.DataFrame):
        return pd.Series(out, index=matrix.index, name=method)
    return out


def study_options(method: Method, name: str, columns: Sequence[str]) -> dict[str, Any]:
    """The options a study gives ``name``, ready for :func:`score` on these columns.

    The values a study scores are value-function outputs, already on one 0..1 scale and
    oriented so that higher is better: the weighted sum and OWA aggregate them as they are
    (no further normalisation), while TOPSIS keeps the normalisation the study names (vector
    by default, as in the classic method).  Options given per criterion id are put in column
    order.
    """
    options = dict(method.options(name))
    if "normalisation" in REGISTRY[name].options and name in ("weighted_sum", "owa"):
        options["normalisation"] = "none"
    for key, val in list(options.items()):
        if isinstance(val, dict):
            options[key] = [val[c] for c in columns]
    return options


def score_study(
    values: pd.DataFrame,
    weights: pd.Series,
    method: Method,
    *,
    methods: Sequence[str] | None = None,
    kept: pd.Index | None = None,
) -> pd.DataFrame:
    """Score a study's candidates under every method it names, with the study's options.

    The one function that turns values and weights into scores: the pipeline's ranking, the
    comparison of methods in the robustness analysis, ``siting compare`` and the map all
    show its numbers.

    Parameters
    ----------
    values
        Candidate × criterion value-function outputs (0..1, higher is better).
    weights
        Global weight of each criterion (summing to 1).
    method
        The study's ``method`` section: the main method, the compared ones and their options.
    methods
        Score these methods instead of ``method.all`` (each with the study's options when it
        gives some, else the method's own defaults).
    kept
        The candidates that passed the exclusions (default: every row).  Methods whose score
        depends on the other candidates (TOPSIS, VIKOR, PROMETHEE II, weighted product) score
        these only and leave NaN for the others; pointwise methods score every row.

    Returns
    -------
    pandas.DataFrame
        Candidate × method scores, higher is better, columns in the order asked.

    Notes
    -----
    What each method needs is read from :data:`REGISTRY`: a criterion whose value is the same
    for every kept candidate is left out of the methods that divide by a range (it cannot
    change their ranking and would divide by 0); the weighted product scores values floored at
    :data:`PRODUCT_FLOOR`.  The weights of the criteria left in are rescaled to sum to 1.
    """
    names = list(methods) if methods is not None else method.all
    rows = values.index if kept is None else kept
    out: dict[str, pd.Series] = {}
    for name in names:
        info = method_info(name)
        matrix = values if info.pointwise else values.loc[rows]
        if info.divides_by_range:
            varied = [c for c in matrix.columns if np.ptp(values.loc[rows, c].to_numpy()) > 0]
            matrix = matrix[varied]
        if info.needs_positive:
            matrix = PRODUCT_FLOOR + (1 - PRODUCT_FLOOR) * matrix
        w = weights[matrix.columns]
        if not w.sum() > 0:
            msg = Msg(
                N_(
                    "under {method} no criterion that carries weight tells the kept candidates "
                    "apart (each has the same value for all of them), so it cannot rank them; "
                    "give weight to a criterion that varies, or use the weighted sum"
                ),
                method=info.label,
            )
            raise DataError(msg)
        w = w / w.sum()
        options = study_options(method, name, list(matrix.columns))
        scores = score(matrix, w.to_numpy(), np.ones(len(w)), method=name, **options)
        out[name] = pd.Series(np.asarray(scores, dtype=float), index=matrix.index)
    return pd.DataFrame(out).reindex(values.index)
