"""Criterion weights: direct, hierarchical, AHP, objective (entropy, CRITIC) and rank-based.

Every function returns weights that are non-negative and sum to 1.  Functions
that take criterion ids (``direct``, ``hierarchical``) return a
:class:`pandas.Series` indexed by criterion id; functions that only know a count
(``equal``, ``rank_sum``, ...) return a :class:`numpy.ndarray` in the order given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.messages import Joined
from siting.tolerances import RECIPROCAL

__all__ = [
    "CR_THRESHOLD",
    "RANDOM_INDEX",
    "AhpResult",
    "GroupAhp",
    "Weighting",
    "ahp",
    "consensus",
    "critic",
    "direct",
    "entropy",
    "equal",
    "group_ahp",
    "group_direct",
    "hierarchical",
    "hierarchy",
    "pairwise_matrix",
    "rank_order_centroid",
    "rank_sum",
]


@dataclass(frozen=True)
class Weighting:
    """A study's weights at every level: global, within each group, and of the groups.

    The map's sliders start from these (the groups' shares and each criterion's share within
    its group), so a group weighted 0 keeps its criteria's proportions for when it returns.

    Attributes
    ----------
    weights
        Global weight of each criterion (sums to 1), in the study's criterion order.
    within
        Each criterion's share within its group (sums to 1 in each group whose local weights
        are not all 0); equal to ``weights`` when the study has no groups.
    group_of
        The group id of each criterion (``""`` when the study has no groups).
    groups
        Each group's weight (sums to 1), in the order the groups first appear.
    ahp
        The AHP results by scope (``"groups"``, a group id, or ``"criteria"``).
    notes
        Sentences on how the weights were derived (AHP consistency, objective weights).
    """

    weights: pd.Series
    within: pd.Series
    group_of: pd.Series
    groups: pd.Series
    ahp: dict[str, AhpResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def flat(cls, weights: pd.Series, **kwargs: Any) -> Weighting:
        """The weighting of a study without groups: one unnamed group holding every criterion."""
        return cls(
            weights=weights.rename("weight"),
            within=weights.rename("within"),
            group_of=pd.Series("", index=weights.index, name="group"),
            groups=pd.Series({"": 1.0}, name="group_weight"),
            **kwargs,
        )


def direct(raw: pd.Series, *, what: str = "criterion") -> pd.Series:
    """Normalise weights given directly (points, percentages, any positive scale) to sum 1.

    Parameters
    ----------
    raw
        Non-negative weights indexed by criterion id.  Zeros are allowed (the
        criterion is then shown but does not count) as long as one weight is
        positive.

    what
        What is weighted, for messages (``"criterion"`` or ``"group"``).

    Returns
    -------
    pandas.Series
        ``raw / raw.sum()``, float, same index and order.

    Raises
    ------
    DataError
        A weight is negative, NaN or not a number (each named), or every weight is zero.

    Examples
    --------
    >>> direct(pd.Series({"a": 3, "b": 1})).tolist()
    [0.75, 0.25]
    """
    values = _numeric(raw, what="weight")
    noun = _noun(what)
    problems: list[str] = [
        Msg(
            N_("{what} {id}: weight {value} is NaN; give a number >= 0")
            if math.isnan(v)
            else N_("{what} {id}: weight {value} is negative; give a number >= 0"),
            what=noun,
            id=repr(cid),
            value=repr(v),
        )
        for cid, v in values.items()
        if math.isnan(v) or v < 0
    ]
    if problems:
        raise DataError(problems)
    if len(values) == 0:
        msg = Msg(N_("no weights given; give at least one {what} a weight > 0"), what=noun)
        raise DataError(msg)
    total = float(values.sum())
    if total <= 0:
        msg = Msg(
            N_("every weight is zero ({ids}); give at least one {what} a weight > 0"),
            ids=", ".join(map(repr, values.index)),
            what=noun,
        )
        raise DataError(msg)
    return values / total


#: The words callers pass as ``what`` (what is weighted), translatable; others are kept as given.
_NOUNS = {
    "criterion": Msg(N_("criterion")),
    "group": Msg(N_("group")),
    "weight": Msg(N_("weight")),
    "local weight": Msg(N_("local weight")),
    "group weight": Msg(N_("group weight")),
}


def _noun(what: str) -> str:
    return _NOUNS.get(what, what)


def hierarchical(local: pd.Series, groups: pd.Series, group_weights: pd.Series) -> pd.Series:
    """Combine weights of criteria within groups with weights of the groups (global weights only).

    See :func:`hierarchy`, which returns every level.

    Examples
    --------
    >>> local = pd.Series({"uni": 2.0, "school": 1.0, "lab": 1.0})
    >>> groups = pd.Series({"uni": "education", "school": "education", "lab": "science"})
    >>> hierarchical(local, groups, pd.Series({"education": 1, "science": 1})).round(4).tolist()
    [0.3333, 0.1667, 0.5]
    """
    return hierarchy(local, groups, group_weights).weights


def hierarchy(local: pd.Series, groups: pd.Series, group_weights: pd.Series) -> Weighting:
    """Combine weights of criteria within groups with weights of the groups, keeping every level.

    The global weight of criterion *c* in group *g* is ``G[g] * L[c]`` where ``G``
    are the group weights normalised to sum 1 and ``L`` the local weights
    normalised to sum 1 within each group, so the global weights sum to 1 and a
    group's share of the total equals its group weight whatever the number of
    criteria it holds.  Group weights may come from any scheme (:func:`direct`,
    :func:`ahp` ...); both levels are normalised here.

    Parameters
    ----------
    local
        Non-negative local weights indexed by criterion id.
    groups
        Group id of each criterion, indexed by criterion id (same ids as ``local``).
    group_weights
        Non-negative raw weights indexed by group id; every group used in
        ``groups`` needs one.  A group listed here that holds no criterion is an
        error, because its weight would silently vanish.

    Returns
    -------
    Weighting
        Global weights indexed like ``local`` (same order, summing to 1), each criterion's
        share within its group, its group, and the groups' normalised weights.

    Raises
    ------
    DataError
        Ids that do not match between the three inputs, negative or NaN weights,
        or a group whose local weights are all zero (named).

    Examples
    --------
    >>> local = pd.Series({"uni": 2.0, "school": 1.0, "lab": 1.0})
    >>> groups = pd.Series({"uni": "education", "school": "education", "lab": "science"})
    >>> w = hierarchy(local, groups, pd.Series({"education": 1, "science": 0}))
    >>> w.weights.round(4).tolist(), w.within.round(4).tolist()
    ([0.6667, 0.3333, 0.0], [0.6667, 0.3333, 1.0])
    """
    local_v = _numeric(local, what="local weight")
    group_v = _numeric(group_weights, what="group weight")
    problems: list[str] = []
    missing_group = [c for c in local_v.index if c not in groups.index]
    if missing_group:
        problems.append(
            Msg(
                N_("criteria {ids} have a local weight but no group; give each criterion a group"),
                ids=missing_group,
            )
        )
    extra = [c for c in groups.index if c not in local_v.index]
    if extra:
        problems.append(
            Msg(
                N_("criteria {ids} have a group but no local weight; give each a weight"),
                ids=extra,
            )
        )
    used = pd.unique(groups.reindex(local_v.index).dropna())
    no_weight = [g for g in used if g not in group_v.index]
    if no_weight:
        problems.append(
            Msg(
                N_(
                    "groups {ids} have no group weight; add them to the group weights (known "
                    "groups: {known})"
                ),
                ids=no_weight,
                known=list(group_v.index),
            )
        )
    empty = [g for g in group_v.index if g not in set(used)]
    if empty:
        problems.append(
            Msg(
                N_(
                    "groups {ids} have a group weight but no criteria; remove them or assign "
                    "criteria to them"
                ),
                ids=empty,
            )
        )
    for cid, v in local_v.items():
        if math.isnan(v) or v < 0:
            problems.append(
                Msg(
                    N_("criterion {id}: local weight {value} must be a number >= 0"),
                    id=repr(cid),
                    value=repr(v),
                )
            )
    for gid, v in group_v.items():
        if math.isnan(v) or v < 0:
            problems.append(
                Msg(
                    N_("group {id}: group weight {value} must be a number >= 0"),
                    id=repr(gid),
                    value=repr(v),
                )
            )
    if problems:
        raise DataError(problems)

    member = groups.reindex(local_v.index)
    within = local_v.groupby(member, sort=False).transform("sum")
    zero_groups = [
        g for g in used if float(local_v[member == g].sum()) <= 0 and float(group_v[g]) > 0
    ]
    if zero_groups:
        raise DataError(
            [
                Msg(
                    N_(
                        "group {id}: every local weight is zero, so its group weight {value} "
                        "cannot be shared out; give one of its criteria ({ids}) a weight > 0"
                    ),
                    id=repr(g),
                    value=repr(float(group_v[g])),
                    ids=", ".join(map(repr, local_v.index[member == g])),
                )
                for g in zero_groups
            ]
        )
    g_norm = direct(group_v, what="group")
    # A group with zero group weight contributes nothing even if its local weights are zero.
    share = local_v / within.where(within > 0, 1.0)
    out = share * member.map(g_norm).astype(float)
    out.name = "weight"
    return Weighting(
        weights=out,
        within=share.rename("within"),
        group_of=member.astype(str).rename("group"),
        groups=g_norm.reindex(list(used)).rename("group_weight"),
    )


def _numeric(values: pd.Series, *, what: str) -> pd.Series:
    """Return ``values`` as a float Series, or raise naming each non-numeric entry."""
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    converted = pd.to_numeric(values, errors="coerce")
    bad = [
        Msg(
            N_("{what} of {id} is {value}, not a number; give a number >= 0"),
            what=_noun(what),
            id=repr(key),
            value=repr(val),
        )
        for key, val, num in zip(values.index, values, converted, strict=True)
        if pd.isna(num) and not (isinstance(val, float) and math.isnan(val))
    ]
    if bad:
        raise DataError(bad)
    return converted.astype(float)


# --------------------------------------------------------------------------- rank-based and equal


def _count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        msg = Msg(
            N_("the number of criteria must be a whole number >= 1, got {value}"), value=repr(n)
        )
        raise DataError(msg)
    return int(n)


def equal(n: int) -> np.ndarray:
    """Equal weights ``1 / n``.

    Parameters
    ----------
    n
        Number of criteria.

    Returns
    -------
    numpy.ndarray
        ``n`` weights summing to 1.
    """
    n = _count(n)
    return np.full(n, 1.0 / n)


def rank_sum(n: int) -> np.ndarray:
    """Rank-sum weights ``w_k = 2 (n + 1 - k) / (n (n + 1))`` for criteria ranked k = 1..n.

    Parameters
    ----------
    n
        Number of criteria, listed from most (rank 1) to least important.

    Returns
    -------
    numpy.ndarray
        ``n`` decreasing weights summing to 1.

    References
    ----------
    Stillwell, W. G., Seaver, D. A., Edwards, W. (1981). A comparison of weight
    approximation techniques in multiattribute utility decision making.
    *Organizational Behavior and Human Performance* 28(1), 62-77.

    Examples
    --------
    >>> rank_sum(3).round(4).tolist()
    [0.5, 0.3333, 0.1667]
    """
    n = _count(n)
    k = np.arange(1, n + 1)
    return 2.0 * (n + 1 - k) / (n * (n + 1))


def rank_order_centroid(n: int) -> np.ndarray:
    """Rank-order centroid weights ``w_k = (1/n) Σ_{i=k..n} 1/i`` for criteria ranked k = 1..n.

    The centroid of the set of weight vectors consistent with the ranking
    ``w_1 >= w_2 >= ... >= w_n``.

    Parameters
    ----------
    n
        Number of criteria, listed from most (rank 1) to least important.

    Returns
    -------
    numpy.ndarray
        ``n`` decreasing weights summing to 1.

    References
    ----------
    Barron, F. H., Barrett, B. E. (1996). Decision quality using ranked attribute
    weights. *Management Science* 42(11), 1515-1523.

    Examples
    --------
    >>> rank_order_centroid(4).round(4).tolist()
    [0.5208, 0.2708, 0.1458, 0.0625]
    """
    n = _count(n)
    tail = np.cumsum((1.0 / np.arange(1, n + 1))[::-1])[::-1]
    return tail / n


# --------------------------------------------------------------------------- objective weights


def _objective_input(
    matrix: object, criteria: list[str] | None, *, method: str
) -> tuple[np.ndarray, list[str], pd.Index | None]:
    """Validate a decision matrix for an objective weighting scheme."""
    index = None
    if isinstance(matrix, pd.DataFrame):
        names = [str(c) for c in matrix.columns] if criteria is None else list(criteria)
        index = pd.Index(names)
        x = matrix.to_numpy(dtype=float)
    else:
        x = np.asarray(matrix, dtype=float)
        if criteria is not None:
            index = pd.Index([str(c) for c in criteria])
        names = list(index) if index is not None else [f"criterion {j}" for j in range(x.shape[1])]
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        msg = Msg(
            N_(
                "{method} weights need a table of at least two alternatives × one criterion, "
                "got shape {shape}"
            ),
            method=method,
            shape=x.shape,
        )
        raise DataError(msg)
    if len(names) != x.shape[1]:
        msg = Msg(
            N_("{names} criterion names for {columns} columns; give one name per column"),
            names=len(names),
            columns=x.shape[1],
        )
        raise DataError(msg)
    bad = ~np.isfinite(x).all(axis=0)
    if bad.any():
        raise DataError(
            [
                Msg(
                    N_("criterion {id}: missing or infinite values; fill them in"),
                    id=repr(names[j]),
                )
                for j in np.flatnonzero(bad)
            ]
        )
    return x, names, index


def _wrap(values: np.ndarray, index: pd.Index | None) -> np.ndarray | pd.Series:
    return values if index is None else pd.Series(values, index=index, name="weight")


def entropy(matrix: object, *, criteria: list[str] | None = None) -> np.ndarray | pd.Series:
    """Shannon-entropy weights: criteria whose values differ more between alternatives weigh more.

    With ``p_ij = x_ij / Σ_i x_ij`` over the m alternatives, the entropy of
    criterion j is ``E_j = -(1 / ln m) Σ_i p_ij ln p_ij`` in 0..1, its degree of
    diversification ``d_j = 1 - E_j``, and ``w_j = d_j / Σ_k d_k``.  A constant
    criterion gets weight 0.

    **Zeros**: ``0 · ln 0`` is taken as 0, its limit as p → 0+, so a zero value
    simply contributes nothing to the entropy (a column that is zero except for
    one alternative has entropy 0 and the largest possible weight).

    Parameters
    ----------
    matrix
        Alternatives × criteria, values >= 0 (raw values of a ratio scale, or a
        normalised matrix); at least two alternatives.
    criteria
        Criterion names (default: DataFrame columns); given names give a Series.

    Returns
    -------
    numpy.ndarray or pandas.Series
        Weights summing to 1 (a Series indexed by criterion when names are known).

    Raises
    ------
    DataError
        A negative value or an all-zero column (p undefined), naming the
        criterion; every criterion constant (no weight to share out).

    Notes
    -----
    pymcdm's ``entropy_weights`` refuses zeros (its sum normalisation needs
    values > 0; older versions set the entropy of a column containing a zero to
    0); siting applies ``0 · ln 0 = 0`` term by term.  The two agree on strictly
    positive matrices.

    References
    ----------
    Zeleny, M. (1982). *Multiple Criteria Decision Making*. McGraw-Hill.
    Hwang & Yoon (1981), section 2.3 (entropy method).
    """
    x, names, index = _objective_input(matrix, criteria, method="entropy")
    problems: list[str] = [
        Msg(
            N_(
                "criterion {id}: entropy weights need values >= 0, found {value}; shift the "
                "values or normalise them first"
            ),
            id=repr(names[j]),
            value=f"{x[:, j].min():g}",
        )
        for j in np.flatnonzero((x < 0).any(axis=0))
    ]
    total = x.sum(axis=0)
    problems += [
        Msg(
            N_(
                "criterion {id}: every value is 0, so its shares p = x / Σx are undefined; "
                "remove the criterion"
            ),
            id=repr(names[j]),
        )
        for j in np.flatnonzero(total == 0)
    ]
    if problems:
        raise DataError(problems)
    p = x / total
    # 0 · ln 0 = 0: log is evaluated only where p > 0.
    plogp = np.zeros_like(p)
    np.multiply(p, np.log(p, where=p > 0, out=np.zeros_like(p)), out=plogp, where=p > 0)
    e = -plogp.sum(axis=0) / math.log(x.shape[0])
    d = 1.0 - e
    # A constant column has E = 1 exactly on paper; rounding leaves ±1e-16, which would
    # otherwise survive as a weight when every column is constant.
    d[(x.min(axis=0) == x.max(axis=0)) | (d < 0)] = 0.0
    if not d.sum() > 0:
        msg = Msg(
            N_(
                "every criterion has the same value for all alternatives, so entropy gives no "
                "criterion any weight; use another weighting scheme"
            )
        )
        raise DataError(msg)
    return _wrap(d / d.sum(), index)


def critic(
    matrix: object, types: object = None, *, criteria: list[str] | None = None
) -> np.ndarray | pd.Series:
    """CRITIC weights: contrast intensity times conflict with the other criteria.

    Each criterion is min-max normalised (oriented by ``types``), then
    ``C_j = σ_j Σ_k (1 - r_jk)`` with σ_j the standard deviation of the
    normalised values and r_jk the Pearson correlation between criteria j and k;
    ``w_j = C_j / Σ C``.  A criterion weighs more when it varies more and agrees
    less with the others.

    Parameters
    ----------
    matrix
        Alternatives × criteria, at least two alternatives.
    types
        +1 (benefit) / -1 (cost) per criterion; None treats all as benefits (as
        pymcdm's ``critic_weights`` does).  A cost criterion flips the sign of its
        correlations, which changes the conflict term.
    criteria
        Criterion names (default: DataFrame columns); given names give a Series.

    Returns
    -------
    numpy.ndarray or pandas.Series
        Weights summing to 1.

    Raises
    ------
    DataError
        A constant criterion (min-max normalisation and its correlation are
        undefined; remove it), NaN.

    Notes
    -----
    The weights do not depend on whether σ uses n or n - 1 (a common factor).

    References
    ----------
    Diakoulaki, D., Mavrotas, G., Papayannakis, L. (1995). Determining objective
    weights in multiple criteria problems: The CRITIC method. *Computers &
    Operations Research* 22(7), 763-770.
    """
    x, names, index = _objective_input(matrix, criteria, method="CRITIC")
    m = x.shape[1]
    t = np.ones(m) if types is None else np.asarray(types, dtype=float).reshape(-1)
    if t.shape[0] != m or not np.isin(t, (1, -1)).all():
        msg = Msg(
            N_("types {types} must hold +1 (benefit) or -1 (cost) for each of {count} criteria"),
            types=t.tolist(),
            count=m,
        )
        raise DataError(msg)
    lo, hi = x.min(axis=0), x.max(axis=0)
    if (lo == hi).any():
        raise DataError(
            [
                Msg(
                    N_(
                        "criterion {id}: every alternative has the same value ({value}); "
                        "CRITIC's normalisation and correlation are undefined, remove the "
                        "criterion"
                    ),
                    id=repr(names[j]),
                    value=f"{lo[j]:g}",
                )
                for j in np.flatnonzero(lo == hi)
            ]
        )
    if m == 1:
        return _wrap(np.ones(1), index)
    z = np.where(t > 0, (x - lo) / (hi - lo), (hi - x) / (hi - lo))
    sigma = z.std(axis=0, ddof=1)
    corr = np.corrcoef(z, rowvar=False)
    c = sigma * (1.0 - corr).sum(axis=0)
    return _wrap(c / c.sum(), index)


# --------------------------------------------------------------------------- AHP

RANDOM_INDEX: dict[str, tuple[float, ...]] = {
    "saaty": (
        0.0,
        0.0,
        0.58,
        0.90,
        1.12,
        1.24,
        1.32,
        1.41,
        1.45,
        1.49,
        1.51,
        1.48,
        1.56,
        1.57,
        1.59,
    ),
}
"""Random consistency index RI by matrix size n = 1, 2, 3, ... (position n - 1).

``"saaty"``: Saaty's classic table, the mean consistency index of random
reciprocal matrices with judgements drawn from the 1/9..9 scale (Saaty 1980,
*The Analytic Hierarchy Process*, McGraw-Hill; n <= 10), extended to n = 15 by
the values 1.51, 1.48, 1.56, 1.57, 1.59 that Saaty's later books tabulate.
Other simulations give slightly different tables (pymcdm uses 0.5799, 0.8921,
... for n = 3, 4, ...); pass one as a sequence or a ``{n: RI}`` mapping to
:func:`ahp`.
"""

CR_THRESHOLD = 0.10
"""Saaty's rule: judgements with a consistency ratio above 0.10 should be revised."""


@dataclass(frozen=True)
class AhpResult:
    """Weights derived from a pairwise comparison matrix, with Saaty's consistency check.

    Attributes
    ----------
    weights
        Priority vector summing to 1 (a Series indexed by criterion when names are known).
    lambda_max
        Principal eigenvalue of the pairwise matrix (>= n; = n when perfectly consistent).
    ci
        Consistency index ``(lambda_max - n) / (n - 1)`` (0 for n = 1).
    ri
        Random index used for this n.
    cr
        Consistency ratio ``ci / ri`` (0 when ri = 0, i.e. n <= 2, always consistent).
    acceptable
        ``cr <= threshold``.  **Check it**: an unacceptable matrix still yields
        weights, but they rest on contradictory judgements.
    threshold
        The CR limit applied (0.10 by default).
    method
        "eigenvector" or "geometric".
    inconsistency
        One row per judgement above the diagonal, most inconsistent first:
        ``a``, ``b``, ``judgement`` (a_ab as given), ``consistent`` (w_a / w_b, the
        judgement that would agree with the derived weights) and ``share`` of
        ``lambda(w) - n`` it causes.  With eigenvector weights the shares
        decompose ``lambda_max - n`` exactly: Σ_{a<b} (e + 1/e - 2) / n with
        e = a_ab w_b / w_a.
    """

    weights: Any
    lambda_max: float
    ci: float
    ri: float
    cr: float
    acceptable: bool
    threshold: float
    method: str
    inconsistency: pd.DataFrame = field(repr=False)

    @property
    def message(self) -> str:
        """A sentence to print: the CR verdict and, if it fails, the judgements to revisit.

        A :class:`siting.i18n.Msg`: English as text, any language when rendered.
        """
        values = {
            "method": self.method,
            "cr": f"{self.cr:.3f}",
            "threshold": f"{self.threshold:.2f}",
        }
        if self.acceptable:
            return Msg(
                N_(
                    "AHP ({method}): CR = {cr} <= {threshold}, the judgements are acceptably "
                    "consistent."
                ),
                **values,
            )
        worst = self.inconsistency.head(3)
        hints = Joined(
            [
                Msg(
                    N_(
                        "{a} vs {b} judged {judgement}, the others imply {consistent} ({share} "
                        "of the inconsistency)"
                    ),
                    a=repr(row.a),
                    b=repr(row.b),
                    judgement=f"{row.judgement:.3g}",
                    consistent=f"{row.consistent:.3g}",
                    share=f"{row.share:.0%}",
                )
                for row in worst.itertuples()
            ],
            "; ",
        )
        return Msg(
            N_(
                "AHP ({method}): CR = {cr} > {threshold}: THE PAIRWISE JUDGEMENTS ARE "
                "INCONSISTENT and the weights should not be used as they are. Revisit first: "
                "{hints}."
            ),
            hints=hints,
            **values,
        )


def _ri_value(ri: str | Sequence[float] | Mapping[int, float], n: int) -> float:
    if isinstance(ri, str):
        if ri not in RANDOM_INDEX:
            msg = Msg(
                N_("unknown random-index table {name}; choose one of {names}"),
                name=repr(ri),
                names=list(RANDOM_INDEX),
            )
            raise DataError(msg)
        table: Mapping[int, float] = dict(enumerate(RANDOM_INDEX[ri], start=1))
    elif isinstance(ri, Mapping):
        table = {int(k): float(v) for k, v in ri.items()}
    else:
        table = dict(enumerate((float(v) for v in ri), start=1))
    if n not in table:
        msg = Msg(
            N_(
                "the random-index table has no value for {count} criteria (it covers {sizes}); "
                "split the criteria into groups (hierarchical weights) or pass ri= a table that "
                "covers n"
            ),
            count=n,
            sizes=sorted(table),
        )
        raise DataError(msg)
    return table[n]


def _pairwise_input(
    pairwise: object, criteria: Sequence[str] | None
) -> tuple[np.ndarray, list[str], bool]:
    """Validate a pairwise comparison matrix; every problem is reported together."""
    known = criteria is not None or isinstance(pairwise, pd.DataFrame)
    if isinstance(pairwise, pd.DataFrame):
        if criteria is None and [str(c) for c in pairwise.index] != [
            str(c) for c in pairwise.columns
        ]:
            msg = Msg(
                N_(
                    "the pairwise matrix's rows {rows} and columns {columns} must list the same "
                    "criteria in the same order"
                ),
                rows=list(pairwise.index),
                columns=list(pairwise.columns),
            )
            raise DataError(msg)
        names = [str(c) for c in pairwise.columns]
        a = pairwise.to_numpy(dtype=float)
    else:
        try:
            a = np.asarray(pairwise, dtype=float)
        except (TypeError, ValueError) as exc:
            msg = Msg(
                N_("the pairwise matrix holds values that are not numbers ({error})"),
                error=str(exc),
            )
            raise DataError(msg) from exc
        names = []
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        msg = Msg(
            N_(
                "the pairwise matrix must be square (n × n, one row and column per criterion), "
                "got shape {shape}"
            ),
            shape=a.shape,
        )
        raise DataError(msg)
    n = a.shape[0]
    if criteria is not None:
        names = [str(c) for c in criteria]
    elif not names:
        names = [f"criterion {j}" for j in range(n)]
    if len(names) != n:
        msg = Msg(
            N_("{names} criterion names for a {n} × {n} pairwise matrix; give {n}"),
            names=len(names),
            n=n,
        )
        raise DataError(msg)
    problems = _judgement_problems(a, names)
    if problems:
        raise DataError(problems)
    return a, names, known


def _judgement_problems(a: np.ndarray, names: list[str]) -> list[str]:
    """Diagonal not 1, judgements that are not positive numbers, pairs that are not reciprocal."""
    n = a.shape[0]
    problems: list[str] = [
        Msg(
            N_("{a} vs itself is {value}; the diagonal must be 1"),
            a=repr(names[i]),
            value=f"{a[i, i]:g}",
        )
        for i in range(n)
        if a[i, i] != 1
    ]
    bad = ~(np.isfinite(a) & (a > 0))
    problems += [
        Msg(
            N_(
                "{a} vs {b} is {value}; judgements must be positive numbers (1/9 .. 9 on "
                "Saaty's scale)"
            ),
            a=repr(names[i]),
            b=repr(names[j]),
            value=f"{a[i, j]:g}",
        )
        for i, j in zip(*np.nonzero(bad), strict=True)
        if i != j
    ]
    for i, j in zip(*np.triu_indices(n, k=1), strict=True):
        if not (bad[i, j] or bad[j, i]) and abs(a[i, j] * a[j, i] - 1.0) > RECIPROCAL:
            problems.append(
                Msg(
                    N_(
                        "{a} vs {b} is {ab} but {b} vs {a} is {ba}, not its reciprocal "
                        "{reciprocal}; write the reciprocal exactly (e.g. 1/3, not 0.33)"
                    ),
                    a=repr(names[i]),
                    b=repr(names[j]),
                    ab=f"{a[i, j]:.6g}",
                    ba=f"{a[j, i]:.6g}",
                    reciprocal=f"{1 / a[i, j]:.6g}",
                )
            )
    return problems


def pairwise_matrix(
    judgements: Mapping[tuple[str, str], float], criteria: Sequence[str]
) -> pd.DataFrame:
    """Build a reciprocal pairwise matrix from judgements on pairs (the upper triangle).

    Parameters
    ----------
    judgements
        ``{(a, b): x}``: a is x times as important as b (Saaty's 1..9 scale or its
        reciprocals).  Each unordered pair exactly once.
    criteria
        The criteria in matrix order.

    Returns
    -------
    pandas.DataFrame
        The n × n matrix with ones on the diagonal and ``a_ba = 1 / a_ab``.

    Raises
    ------
    DataError
        Unknown criteria, a pair given twice or missing, a non-positive judgement.

    Examples
    --------
    >>> pairwise_matrix({("cost", "speed"): 3}, ["cost", "speed"]).to_numpy().tolist()
    [[1.0, 3.0], [0.3333333333333333, 1.0]]
    """
    names = [str(c) for c in criteria]
    pos = {c: i for i, c in enumerate(names)}
    a = np.eye(len(names))
    seen: set[frozenset[str]] = set()
    problems: list[str] = []
    for (x, y), value in judgements.items():
        if x not in pos or y not in pos or x == y:
            problems.append(
                Msg(
                    N_("judgement {a} vs {b}: both must be distinct criteria of {names}"),
                    a=repr(x),
                    b=repr(y),
                    names=names,
                )
            )
            continue
        key = frozenset((x, y))
        if key in seen:
            problems.append(
                Msg(
                    N_("{a} vs {b} is judged twice; keep one judgement per pair"),
                    a=repr(x),
                    b=repr(y),
                )
            )
            continue
        seen.add(key)
        v = float(value)
        if not (math.isfinite(v) and v > 0):
            problems.append(
                Msg(
                    N_("{a} vs {b} is {value}; judgements must be positive numbers"),
                    a=repr(x),
                    b=repr(y),
                    value=repr(value),
                )
            )
            continue
        a[pos[x], pos[y]] = v
        a[pos[y], pos[x]] = 1.0 / v
    missing = [
        f"{names[i]!r} vs {names[j]!r}"
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if frozenset((names[i], names[j])) not in seen
    ]
    if missing:
        problems.append(
            Msg(N_("missing judgements: {pairs}; judge every pair once"), pairs=", ".join(missing))
        )
    if problems:
        raise DataError(problems)
    return pd.DataFrame(a, index=pd.Index(names), columns=pd.Index(names))


def ahp(
    pairwise: object,
    *,
    method: Literal["eigenvector", "geometric"] = "eigenvector",
    ri: str | Sequence[float] | Mapping[int, float] = "saaty",
    threshold: float = CR_THRESHOLD,
    criteria: Sequence[str] | None = None,
) -> AhpResult:
    """Weights from a pairwise comparison matrix by the Analytic Hierarchy Process (Saaty).

    ``a_ij`` says how many times criterion i is as important as criterion j
    (Saaty's 1..9 scale); the matrix must be positive with ``a_ji = 1 / a_ij``.

    Parameters
    ----------
    pairwise
        n × n reciprocal matrix (array, or DataFrame with the criteria as both
        index and columns).
    method
        "eigenvector": the normalised principal right eigenvector (Saaty 1977);
        "geometric": normalised geometric means of the rows (Crawford & Williams
        1985), which coincide with the eigenvector for a consistent matrix.
    ri
        Random-index table: a name of :data:`RANDOM_INDEX` (Saaty's by
        default), a sequence indexed by n - 1, or a ``{n: RI}`` mapping.
    threshold
        Largest acceptable consistency ratio (Saaty: 0.10).
    criteria
        Criterion names (default: DataFrame columns); with names the weights are a Series.

    Returns
    -------
    AhpResult
        Weights, ``lambda_max``, ``ci``, ``cr``, ``acceptable`` and the
        judgements that cause the inconsistency.  ``lambda_max`` is always the
        principal eigenvalue (a property of the judgements, not of the weight
        derivation).  Inconsistency is **reported, not raised**: check
        ``result.acceptable`` and print ``result.message``.  No Python warning is
        emitted.

    Raises
    ------
    DataError
        A matrix that is not square, has a diagonal other than 1, a
        non-positive or missing judgement, or is not reciprocal (each pair
        named); a size the RI table does not cover.

    References
    ----------
    Saaty, T. L. (1977). A scaling method for priorities in hierarchical
    structures. *Journal of Mathematical Psychology* 15(3), 234-281.
    Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
    Crawford, G., Williams, C. (1985). A note on the analysis of subjective
    judgment matrices. *Journal of Mathematical Psychology* 29(4), 387-405.
    """
    if method not in ("eigenvector", "geometric"):
        msg = Msg(
            N_("unknown AHP method {name}; choose 'eigenvector' or 'geometric'"), name=repr(method)
        )
        raise DataError(msg)
    a, names, known = _pairwise_input(pairwise, criteria)
    n = a.shape[0]
    ri_n = _ri_value(ri, n)
    eigenvalues, vectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    if method == "eigenvector":
        v = np.abs(vectors[:, k].real)  # the Perron vector of a positive matrix has one sign
        w = v / v.sum()
    else:
        g = np.exp(np.log(a).mean(axis=1))
        w = g / g.sum()
    ci = max(lambda_max - n, 0.0) / (n - 1) if n > 1 else 0.0
    cr = ci / ri_n if ri_n > 0 else 0.0
    iu, ju = np.triu_indices(n, k=1)
    e = a[iu, ju] * w[ju] / w[iu]
    excess = (e + 1.0 / e - 2.0) / n
    total = excess.sum()
    share = excess / total if total > 0 else np.zeros_like(excess)
    # Sorted in numpy (stable, so ties keep the matrix's order): a group of judges builds one
    # table per judge, and pandas' sort costs more than the eigenvalues.
    order = np.argsort(-share, kind="stable")
    iu, ju = iu[order], ju[order]
    table = pd.DataFrame(
        {
            "a": [names[i] for i in iu],
            "b": [names[j] for j in ju],
            "judgement": a[iu, ju],
            "consistent": w[iu] / w[ju],
            "share": share[order],
        }
    )
    weights = pd.Series(w, index=pd.Index(names), name="weight") if known else w
    return AhpResult(
        weights=weights,
        lambda_max=lambda_max,
        ci=float(ci),
        ri=float(ri_n),
        cr=float(cr),
        acceptable=bool(cr <= threshold),
        threshold=float(threshold),
        method=method,
        inconsistency=table,
    )


# --------------------------------------------------------------------------- several judges


@dataclass(frozen=True)
class GroupAhp:
    """A group's priorities from several judges' pairwise comparisons.

    Attributes
    ----------
    weights
        The group's priority vector, summing to 1, in the criteria's order (a Series when the
        criteria are named).
    method
        ``"aij"`` (aggregation of individual judgements) or ``"aip"`` (of individual
        priorities).
    judges
        Each judge's own AHP result: weights, consistency ratio and the judgement that
        causes most of the inconsistency (:attr:`AhpResult.inconsistency`).
    voice
        Each judge's weight in the group, summing to 1.
    matrix
        The group's pairwise matrix (AIJ only): the element-wise weighted geometric mean of the
        judges' matrices; None for AIP.
    group
        The AHP result of ``matrix`` (AIJ only): its consistency ratio is the group's.
    consensus
        Goepel's relative homogeneity of the judges' priorities, from 0 (no agreement) to 1
        (identical priorities); see :func:`consensus`.
    """

    weights: Any
    method: str
    judges: list[AhpResult]
    voice: np.ndarray
    matrix: Any
    group: AhpResult | None
    consensus: float


def _voice(voice: Sequence[float] | None, k: int) -> np.ndarray:
    if voice is None:
        return np.full(k, 1.0 / k)
    v = np.asarray(voice, dtype=float).reshape(-1)
    if v.shape != (k,) or not np.all(np.isfinite(v)) or np.any(v < 0) or v.sum() <= 0:
        msg = Msg(
            N_(
                "voice must give one weight of 0 or more per judge ({count}), not all 0; "
                "got {voice}"
            ),
            count=k,
            voice=repr(list(voice)),
        )
        raise DataError(msg)
    return v / v.sum()


def consensus(priorities: Any) -> float:
    """Goepel's relative homogeneity of several priority vectors (0 to 1; 1 = identical).

    With the judges' priority vectors ``w_k`` over ``n`` criteria, Shannon entropies
    ``H(w) = -Σ w_i ln w_i``, alpha entropy ``H_α = mean_k H(w_k)``, gamma entropy
    ``H_γ = H(mean_k w_k)`` and beta entropy ``H_β = H_γ - H_α`` (Jost 2006's additive
    partitioning), the beta diversity ``D_β = exp(H_β)`` runs from 1 (every judge gives the
    same priorities) to ``n`` (each gives all the weight to a different criterion), and

    ``S = (1 / D_β - 1 / n) / (1 - 1 / n)``

    maps it onto 0..1 (Goepel 2013, the consensus indicator of BPMSG's AHP-OS, with the
    general bounds ``D_α,min = 1``, ``D_γ,max = n``).  A single judge or a single criterion is
    in full agreement (1).

    Parameters
    ----------
    priorities
        Judges × criteria, each row summing to 1.

    References
    ----------
    Goepel, K. D. (2013). Implementing the Analytic Hierarchy Process as a standard method for
    multi-criteria decision making in corporate enterprises – a new AHP Excel template with
    multiple inputs. Proceedings of the International Symposium on the Analytic Hierarchy
    Process, Kuala Lumpur.
    Jost, L. (2006). Entropy and diversity. *Oikos* 113(2), 363–375.

    Examples
    --------
    >>> consensus([[0.5, 0.5], [0.5, 0.5]])
    1.0
    >>> consensus([[1.0, 0.0], [0.0, 1.0]])
    0.0
    """
    w = np.asarray(priorities, dtype=float)
    k, n = w.shape
    if k < 2 or n < 2:
        return 1.0

    def entropy(p: np.ndarray) -> np.ndarray:
        # 0 ln 0 = 0: a criterion with no weight adds no uncertainty.
        logs = np.log(np.where(p > 0, p, 1.0))
        return -(p * logs).sum(axis=-1)

    h_alpha = float(entropy(w).mean())
    h_gamma = float(entropy(w.mean(axis=0)))
    d_beta = math.exp(max(h_gamma - h_alpha, 0.0))
    return float(np.clip((1.0 / d_beta - 1.0 / n) / (1.0 - 1.0 / n), 0.0, 1.0))


def group_ahp(
    matrices: Sequence[Any],
    *,
    method: Literal["aij", "aip"] = "aij",
    voice: Sequence[float] | None = None,
    mean: Literal["geometric", "arithmetic"] = "geometric",
    priority: Literal["eigenvector", "geometric"] = "eigenvector",
    criteria: Sequence[str] | None = None,
    judges: Sequence[AhpResult] | None = None,
) -> GroupAhp:
    """A group's criteria weights from each judge's pairwise comparisons.

    Two standard routes (Forman & Peniwati 1998):

    ``"aij"`` — aggregation of individual judgements: the group's matrix is the element-wise
    weighted geometric mean ``a_ij = Π_k a_ij^(k) ^ v_k`` (Aczél & Saaty 1983: the only
    aggregation that keeps the matrix reciprocal and respects unanimity), then its priority
    vector.  Suited to a group that acts as one body.

    ``"aip"`` — aggregation of individual priorities: each judge's priority vector, then their
    weighted geometric mean ``w_i ∝ Π_k w_i^(k) ^ v_k`` normalised to 1 (or, with
    ``mean="arithmetic"``, the weighted arithmetic mean ``Σ_k v_k w_i^(k)``).  Suited to
    separate individuals, each with their own view.

    Parameters
    ----------
    matrices
        One reciprocal pairwise matrix per judge, all over the same criteria (arrays, or
        DataFrames with the criteria as index and columns).
    method
        ``"aij"`` or ``"aip"``.
    voice
        Each judge's weight in the group (normalised; default equal).
    mean
        How AIP averages the priority vectors (AIJ is always geometric).
    priority
        How a matrix becomes a priority vector: the principal eigenvector (Saaty) or the
        normalised geometric row means.
    criteria
        Criterion names (default: the DataFrames' columns).
    judges
        Each matrix's own AHP result (:func:`ahp` with ``method=priority``), already computed:
        re-aggregating a group without one judge (leave-one-out) then solves only the group's
        matrix.  Default: computed here.

    Returns
    -------
    GroupAhp
        The group's weights, each judge's result, the group matrix (AIJ) and the consensus.

    Raises
    ------
    DataError
        No judge, matrices of different sizes or criteria, a matrix that is not reciprocal, a
        bad voice or method.

    References
    ----------
    Aczél, J., Saaty, T. L. (1983). Procedures for synthesizing ratio judgements. *Journal of
    Mathematical Psychology* 27(1), 93–102.
    Forman, E., Peniwati, K. (1998). Aggregating individual judgments and priorities with the
    analytic hierarchy process. *European Journal of Operational Research* 108(1), 165–169.

    Examples
    --------
    >>> one = [[1, 3], [1 / 3, 1]]
    >>> two = [[1, 1 / 3], [3, 1]]
    >>> group_ahp([one, two]).weights.round(3).tolist()
    [0.5, 0.5]
    """
    if method not in ("aij", "aip") or mean not in ("geometric", "arithmetic"):
        msg = Msg(
            N_("method must be aij or aip and mean geometric or arithmetic; got {method}, {mean}"),
            method=repr(method),
            mean=repr(mean),
        )
        raise DataError(msg)
    if len(matrices) == 0:
        raise DataError(Msg(N_("group AHP needs at least one judge's matrix")))
    given = judges is not None and len(judges) == len(matrices)
    if judges is not None and given:
        judges = list(judges)
    else:
        judges = []
        problems: list[str] = []
        for k, m in enumerate(matrices):
            try:
                judges.append(ahp(m, method=priority, criteria=criteria))
            except DataError as exc:
                problems += [
                    Msg(N_("judge {k}: {problem}"), k=k + 1, problem=p) for p in exc.problems
                ]
        if problems:
            raise DataError(problems)
    # Plain lists and arrays first: these checks run once per judge, and a group re-aggregated
    # without each of 50 judges in turn would spend most of its time in pandas' accessors.
    vectors = [j.weights for j in judges]
    first = vectors[0].index if isinstance(vectors[0], pd.Series) else None
    plain = [
        w.to_numpy(dtype=float) if isinstance(w, pd.Series) else np.asarray(w, float)
        for w in vectors
    ]
    # Judges' results passed in come from the caller's own checks (a leave-one-out re-uses them
    # 50 times): only their sizes are compared again; computed here, their labels too.
    same = given or all(
        (isinstance(w, pd.Series) and first is not None and w.index.equals(first))
        or (not isinstance(w, pd.Series) and first is None)
        for w in vectors
    )
    if len({w.shape for w in plain}) > 1 or not same:
        msg = Msg(N_("every judge must compare the same criteria, in the same order"))
        raise DataError(msg)
    names = [str(c) for c in first] if first is not None else None
    v = _voice(voice, len(judges))
    priorities = np.array(plain)
    matrix: Any = None
    group: AhpResult | None = None
    if method == "aij":
        logs = np.array([np.log(np.asarray(_matrix_of(m), dtype=float)) for m in matrices])
        matrix = np.exp(np.tensordot(v, logs, axes=1))
        group = ahp(matrix, method=priority, criteria=names)
        weights = np.asarray(group.weights, dtype=float)
    elif mean == "geometric":
        weights = np.exp(v @ np.log(priorities))
        weights = weights / weights.sum()
    else:
        weights = v @ priorities
    out: Any = pd.Series(weights, index=names) if names else weights
    if names and matrix is not None:
        matrix = pd.DataFrame(matrix, index=names, columns=names)
    return GroupAhp(
        weights=out,
        method=method,
        judges=judges,
        voice=v,
        matrix=matrix,
        group=group,
        consensus=consensus(priorities),
    )


def _matrix_of(pairwise: Any) -> np.ndarray:
    """A pairwise matrix as a float array (DataFrames by their values)."""
    if isinstance(pairwise, pd.DataFrame):
        return pairwise.to_numpy(dtype=float)
    return np.asarray(pairwise, dtype=float)


def group_direct(
    weights: Any,
    *,
    voice: Sequence[float] | None = None,
    mean: Literal["geometric", "arithmetic"] = "arithmetic",
) -> np.ndarray | pd.Series:
    """A group's weights from each judge's direct weights: their weighted mean, normalised.

    Parameters
    ----------
    weights
        Judges × criteria (each row normalised to sum 1 first; a DataFrame keeps the names).
    voice
        Each judge's weight in the group (default equal).
    mean
        ``"arithmetic"`` ``Σ_k v_k w^(k)`` or ``"geometric"`` ``Π_k (w^(k)) ^ v_k``, normalised
        (a criterion any judge weights 0 then weighs 0 for the group).

    Examples
    --------
    >>> group_direct([[3, 1], [1, 1]]).tolist()
    [0.625, 0.375]
    """
    frame = weights if isinstance(weights, pd.DataFrame) else None
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.shape[0] == 0 or not np.all(np.isfinite(w)) or np.any(w < 0):
        msg = Msg(N_("weights must be judges × criteria, finite and 0 or more"))
        raise DataError(msg)
    totals = w.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise DataError(Msg(N_("a judge gives every criterion weight 0; give one a weight")))
    w = w / totals
    v = _voice(voice, w.shape[0])
    if mean == "geometric":
        with np.errstate(divide="ignore"):
            out = np.exp(v @ np.log(w))
    else:
        out = v @ w
    out = out / out.sum()
    if frame is not None:
        return pd.Series(out, index=frame.columns)
    return out
