"""The validated inputs of a portfolio model: one frozen rule object per family.

:func:`prepare` is the one place that checks a portfolio's inputs.  It collects every problem
(one small validator per rule family, each appending to the same list) and raises one
:class:`~siting.errors.DataError`; what it returns, a :class:`PortfolioRules`, is trusted by
every function downstream (model building, explanations, infeasibility diagnosis, the Pareto
front, alternatives, the re-solver), none of which checks it again.

The rule objects are frozen dataclasses whose arrays are read-only, so a model built from them
cannot be changed behind its back; :meth:`PortfolioRules.with_scores` (or
:func:`dataclasses.replace`) makes a new one.  A family is present exactly when it constrains
the model: a spacing of 0 km, a grouping without a cap or costs without a budget are checked
but leave no rule object behind.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from siting import geodesy
from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.messages import all_of, plural
from siting.optimise._core import check_solver, check_time_limit, fmt

__all__ = [
    "FAMILIES",
    "Budget",
    "Count",
    "Coverage",
    "Equity",
    "GroupCaps",
    "LockIn",
    "PortfolioRules",
    "Spacing",
    "prepare",
]

#: Rule families in the order they are explained (and diagnosed).
FAMILIES = (
    "must_include",
    "must_exclude",
    "min_spacing_km",
    "at_most_per_group",
    "at_least_per_group",
    "budget",
    "equity_km",
)


def _frozen(values: Any, dtype: Any = float) -> np.ndarray:
    """Return ``values`` as a read-only array that no one else can write to.

    An array that is already read-only and owns its data is returned as it is, so that
    :func:`dataclasses.replace` does not copy a large distance matrix again; anything else
    is copied first, so that freezing never changes the flags of a caller's array.
    """
    arr = np.asarray(values, dtype=dtype)
    if not arr.flags.writeable and arr.flags.owndata:
        return arr
    out = np.array(arr, copy=True)
    out.flags.writeable = False
    return out


def _no_indices() -> np.ndarray:
    return _frozen(np.empty(0, dtype=np.intp), np.intp)


# --------------------------------------------------------------------------- rule families


@dataclass(frozen=True)
class Count:
    """How many sites: exactly ``n`` (``exact=True``) or at most ``n``."""

    n: int
    exact: bool = True


@dataclass(frozen=True, eq=False)
class Spacing:
    """No two chosen sites closer than ``min_km`` (pairs strictly closer are forbidden).

    The distances come from one of two sources, and every question about them goes through
    the methods below, so that the model, its explanations and its diagnosis read them the
    same way whichever it is:

    - ``lonlat``, the candidates' coordinates: the pairs closer than a distance come from a
      KD-tree on the sphere (:func:`siting.geodesy.pairs_within`), so memory grows with the
      pairs that conflict, never with candidates × candidates;
    - ``distances_km``, a candidate × candidate matrix given by the caller (any metric, e.g.
      road distances): read as it is.

    Attributes
    ----------
    min_km
        The minimum spacing in km (> 0).
    distances_km
        Candidate × candidate distances in km, read-only; ``None`` with ``lonlat``.
    lonlat
        Candidate longitudes and latitudes in degrees, ``(n, 2)``, read-only; ``None`` with
        ``distances_km``.
    """

    min_km: float
    distances_km: np.ndarray | None = None
    lonlat: np.ndarray | None = None
    _index: list[Any] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        if (self.distances_km is None) == (self.lonlat is None):
            raise ValueError("Spacing takes distances_km or lonlat, one of them")
        if self.distances_km is not None:
            object.__setattr__(self, "distances_km", _frozen(self.distances_km))
        if self.lonlat is not None:
            object.__setattr__(self, "lonlat", _frozen(self.lonlat))

    @property
    def size(self) -> int:
        """Number of candidates."""
        if self.lonlat is not None:
            return int(self.lonlat.shape[0])
        return int(self.distances_km.shape[0])  # type: ignore[union-attr]

    @property
    def metric(self) -> bool:
        """Whether the distances are great-circle ones (a metric: the triangle inequality holds)."""
        return self.lonlat is not None

    def _tree(self) -> cKDTree:
        """The KD-tree of the coordinates, built once (kept in a list the frozen object owns)."""
        if not self._index:
            self._index.append(geodesy.tree(self.lonlat))  # type: ignore[arg-type]
        return self._index[0]

    def pairs(self, min_km: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Index pairs ``i < j`` closer than ``min_km`` (default: the rule's own spacing)."""
        i, j, _ = self.pairs_km(min_km)
        return i, j

    def pairs_km(self, min_km: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pairs ``i < j`` closer than ``min_km`` (row-major order) and their distances in km."""
        limit = self.min_km if min_km is None else min_km
        if limit <= 0:
            empty = np.empty(0, dtype=np.intp)
            return empty, empty, np.empty(0)
        if self.lonlat is not None:
            return geodesy.pairs_within(self.lonlat, limit, index=self._tree())
        d = self.distances_km
        i, j = np.nonzero(np.triu(d < limit, k=1))  # type: ignore[operator]
        return i, j, d[i, j]  # type: ignore[index]

    def count_pairs(self, min_km: float | None = None) -> int:
        """Number of pairs ``i < j`` closer than ``min_km``, without listing them.

        With coordinates the KD-tree counts them (a hair beyond the distance: the count may
        include pairs exactly at ``min_km``, which is what it is for, a size to plan by).
        """
        limit = self.min_km if min_km is None else min_km
        if limit <= 0:
            return 0
        if self.lonlat is not None:
            index = self._tree()
            ordered = int(index.count_neighbors(index, geodesy.query_radius(limit)))
            return (ordered - self.size) // 2
        return int(np.count_nonzero(np.triu(self.distances_km < limit, k=1)))  # type: ignore[operator]

    def among(self, sites: np.ndarray) -> np.ndarray:
        """Distances in km between the candidates ``sites`` (``len(sites)`` squared; keep it small)."""
        idx = np.asarray(sites, dtype=np.intp)
        if self.lonlat is not None:
            p = self.lonlat[idx]
            return geodesy.haversine_km(p, p)
        return self.distances_km[np.ix_(idx, idx)]  # type: ignore[index]

    def near(self, site: int, km: float, *, among: np.ndarray | None = None) -> np.ndarray:
        """Sorted indices of the candidates strictly closer than ``km`` to ``site`` (itself too).

        Parameters
        ----------
        site
            A candidate index.
        km
            The distance.
        among
            Only these candidates (a boolean mask over all of them); default every one.
        """
        if self.lonlat is not None:
            found = np.asarray(
                self._tree().query_ball_point(
                    geodesy.unit_vectors(self.lonlat[site : site + 1])[0], geodesy.query_radius(km)
                ),
                dtype=np.intp,
            )
            d = geodesy.haversine_pairs(
                np.broadcast_to(self.lonlat[site], (found.size, 2)), self.lonlat[found]
            )
            idx = np.sort(found[d < km])
        else:
            idx = np.flatnonzero(self.distances_km[site] < km)  # type: ignore[index]
        return idx if among is None else idx[among[idx]]


#: The code of a candidate in no group (its label is empty).
NO_GROUP = -1


@dataclass(frozen=True, eq=False)
class GroupCaps:
    """At most / at least so many chosen sites per value of a grouping field.

    A candidate whose label is empty (``""``, say "in no agglomeration") is in no group: no
    cap counts it, and ``at_least`` asks nothing of it.

    Attributes
    ----------
    field
        Name of the grouping field (e.g. ``"macro_region"``), used in sentences.
    codes
        Group of each candidate: an index into ``labels``, or :data:`NO_GROUP` (-1) for a
        candidate in no group; read-only.
    labels
        The distinct group values, sorted (never ``""``).
    at_most, at_least
        The caps; at least one is set.

    Examples
    --------
    >>> g = GroupCaps("agglomeration", np.array([0, -1, 0, -1]), ("Almaty",), at_most=1)
    >>> g.members(), g.counts(np.array([0, 1, 3])).tolist(), g.free().tolist()
    ([array([0, 2])], [1], [1, 3])
    """

    field: str
    codes: np.ndarray
    labels: tuple[str, ...]
    at_most: int | None = None
    at_least: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", _frozen(self.codes, np.intp))
        object.__setattr__(self, "labels", tuple(self.labels))

    def members(self) -> list[np.ndarray]:
        """Candidate indices of each group, in the order of ``labels`` (free ones in none)."""
        return [np.flatnonzero(self.codes == g) for g in range(len(self.labels))]

    def counts(self, selected: np.ndarray) -> np.ndarray:
        """Number of the candidates ``selected`` (indices or a mask) in each group."""
        codes = self.codes[selected]
        return np.bincount(codes[codes != NO_GROUP], minlength=len(self.labels))

    def free(self, selected: np.ndarray | None = None) -> np.ndarray:
        """Indices of the candidates in no group (among ``selected``, indices or a mask)."""
        index = np.arange(len(self.codes))
        if selected is not None:
            index = index[selected]
        return index[self.codes[index] == NO_GROUP]


@dataclass(frozen=True, eq=False)
class Budget:
    """The chosen sites' total cost must not exceed ``limit``.

    Attributes
    ----------
    costs
        One finite, non-negative cost per candidate, read-only.
    limit
        The budget.
    """

    costs: np.ndarray
    limit: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "costs", _frozen(self.costs))


@dataclass(frozen=True, eq=False)
class Coverage:
    """A population term: demand points within ``radius_km`` of a chosen site are covered.

    Attributes
    ----------
    population
        Demand weights (e.g. town populations), read-only.
    cover_sets
        For each demand point, the candidates within the radius (read-only index arrays).
    radius_km
        The cover radius in km.
    weight
        Score points that covering the whole population is worth in the blend objective
        (0: coverage is reported, not optimised).
    demand
        Demand points that can be covered and carry population: the ones that get a
        coverage variable in the model (derived, not passed).
    """

    population: np.ndarray
    cover_sets: tuple[np.ndarray, ...]
    radius_km: float
    weight: float = 0.0
    demand: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pop = _frozen(self.population)
        sets = tuple(_frozen(s, np.intp) for s in self.cover_sets)
        demand = [i for i, s in enumerate(sets) if s.size and pop[i] > 0]
        object.__setattr__(self, "population", pop)
        object.__setattr__(self, "cover_sets", sets)
        object.__setattr__(self, "demand", _frozen(np.array(demand, dtype=np.intp), np.intp))

    @property
    def total(self) -> float:
        """Total population (at least a tiny positive number, so that shares are defined)."""
        return max(float(self.population.sum()), 1e-300)

    def covered(self, selected: np.ndarray, size: int) -> np.ndarray:
        """Boolean mask of the demand points covered by the sites ``selected`` (of ``size``)."""
        mask = np.zeros(size, dtype=bool)
        mask[selected] = True
        return np.array([bool(mask[s].any()) for s in self.cover_sets], dtype=bool)


@dataclass(frozen=True, eq=False)
class Equity:
    """Every population centre must lie within ``within_km`` of some chosen site.

    Attributes
    ----------
    centre_distances_km
        Population-centre × candidate distances in km, read-only.
    centre_names
        One name per centre, used in sentences.
    within_km
        The reach in km.
    """

    centre_distances_km: np.ndarray
    centre_names: tuple[str, ...]
    within_km: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "centre_distances_km", _frozen(self.centre_distances_km))
        object.__setattr__(self, "centre_names", tuple(self.centre_names))


@dataclass(frozen=True, eq=False)
class LockIn:
    """Candidates locked in (existing hubs) and locked out: sorted, unique, read-only indices."""

    include: np.ndarray
    exclude: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "include", _frozen(self.include, np.intp))
        object.__setattr__(self, "exclude", _frozen(self.exclude, np.intp))

    @classmethod
    def empty(cls) -> LockIn:
        """No candidate locked in or out."""
        return cls(include=_no_indices(), exclude=_no_indices())


# --------------------------------------------------------------------------- all the rules


@dataclass(frozen=True, eq=False)
class PortfolioRules:
    """The validated inputs of a portfolio model (arrays on the candidate axis).

    Built by :func:`prepare`, which checks everything; the functions that take a
    ``PortfolioRules`` trust it.  A rule family that is ``None`` does not constrain the model.

    Attributes
    ----------
    scores
        One finite score per candidate, read-only.
    names
        One name per candidate, for sentences.
    solver
        ``"cbc"`` or ``"highs"``.
    count
        The number of sites.
    spacing, groups, budget, coverage, equity
        The optional rule families.
    lock
        Candidates locked in or out (empty by default).
    time_limit_s
        Seconds each integer program of the model may take (None: until proved optimal);
        a solve stopped at the limit returns its best portfolio, marked as not proved.

    Examples
    --------
    >>> rules = prepare([0.9, 0.5, 0.7], n=2, names=["Astana", "Almaty", "Oskemen"])
    >>> rules.size, rules.count, rules.families
    (3, Count(n=2, exact=True), ())
    >>> rules.value(np.array([0, 2]))
    1.6
    >>> rules.with_scores([0.1, 0.2, 0.3]).scores.tolist()
    [0.1, 0.2, 0.3]
    """

    scores: np.ndarray
    names: tuple[str, ...]
    solver: str
    count: Count
    spacing: Spacing | None = None
    groups: GroupCaps | None = None
    budget: Budget | None = None
    coverage: Coverage | None = None
    equity: Equity | None = None
    lock: LockIn = field(default_factory=LockIn.empty)
    time_limit_s: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scores", _frozen(self.scores))
        object.__setattr__(self, "names", tuple(self.names))

    @property
    def size(self) -> int:
        """Number of candidates."""
        return int(self.scores.size)

    @property
    def families(self) -> tuple[str, ...]:
        """The rule families this model has, in explanation order."""
        g = self.groups
        present = {
            "must_include": self.lock.include.size > 0,
            "must_exclude": self.lock.exclude.size > 0,
            "min_spacing_km": self.spacing is not None,
            "at_most_per_group": g is not None and g.at_most is not None,
            "at_least_per_group": g is not None and g.at_least is not None,
            "budget": self.budget is not None,
            "equity_km": self.equity is not None,
        }
        return tuple(f for f in FAMILIES if present[f])

    def name(self, j: int) -> str:
        """Name of candidate ``j`` for sentences."""
        return self.names[j]

    def describe(self, family: str) -> str:
        """The rule in words, e.g. ``"at most 1 per macro_region"`` (a translatable Msg)."""
        g = self.groups
        match family:
            case "min_spacing_km" if self.spacing is not None:
                return Msg(N_("min_spacing_km {km}"), km=fmt(self.spacing.min_km))
            case "at_most_per_group" if g is not None:
                return Msg(N_("at most {count} per {field}"), count=g.at_most, field=g.field)
            case "at_least_per_group" if g is not None:
                return Msg(N_("at least {count} per {field}"), count=g.at_least, field=g.field)
            case "budget" if self.budget is not None:
                return Msg(N_("budget {limit}"), limit=fmt(self.budget.limit))
            case "equity_km" if self.equity is not None:
                return Msg(N_("equity_km {km}"), km=fmt(self.equity.within_km))
            case "must_include":
                return Msg(
                    N_("must_include {sites}"),
                    sites=all_of([self.name(j) for j in self.lock.include]),
                )
            case "must_exclude":
                return Msg(
                    N_("must_exclude {sites}"),
                    sites=all_of([self.name(j) for j in self.lock.exclude]),
                )
        raise KeyError(family)  # pragma: no cover - internal misuse

    def covered(self, selected: np.ndarray) -> np.ndarray:
        """Boolean mask of the demand points covered by ``selected``; empty without coverage."""
        if self.coverage is None:
            return np.empty(0, dtype=bool)
        return self.coverage.covered(selected, self.size)

    def covered_population(self, selected: np.ndarray) -> float:
        """Population within the cover radius of the sites ``selected``."""
        if self.coverage is None:
            return 0.0
        return float(self.coverage.population[self.covered(selected)].sum())

    def value(self, selected: np.ndarray) -> float:
        """Blend objective of the sites ``selected``: total score plus the population term."""
        total = float(self.scores[selected].sum())
        if self.coverage is not None and self.coverage.weight:
            share = self.covered_population(selected) / self.coverage.total
            total += self.coverage.weight * share
        return total

    def spacing_pairs(self, min_km: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Index pairs ``i < j`` closer than ``min_km`` (default: the spacing rule's)."""
        if self.spacing is None:
            empty = np.empty(0, dtype=np.intp)
            return empty, empty
        return self.spacing.pairs(min_km)

    def with_scores(self, scores: Any) -> PortfolioRules:
        """The same rules with other scores; only the scores are checked.

        Parameters
        ----------
        scores
            One finite score per candidate.

        Returns
        -------
        PortfolioRules
            A new object sharing every other (read-only) array with this one.

        Raises
        ------
        DataError
            ``scores`` has the wrong shape or missing values.
        """
        s = np.asarray(scores, dtype=float)
        if s.shape != (self.size,):
            msg = Msg(
                N_("scores must have one value per candidate ({size}); got shape {shape}"),
                size=self.size,
                shape=s.shape,
            )
            raise DataError(msg)
        problems: list[str] = []
        _check_finite_scores(s, problems)
        if problems:
            raise DataError(problems)
        return dataclasses.replace(self, scores=s)


# --------------------------------------------------------------------------- validation


def prepare(
    scores: Any,
    *,
    n: int,
    exact: bool = True,
    distances_km: Any = None,
    lonlat: Any = None,
    min_spacing_km: float | None = None,
    groups: Any = None,
    at_most_per_group: int | None = None,
    at_least_per_group: int | None = None,
    group_name: str = "group",
    costs: Any = None,
    budget: float | None = None,
    must_include: Sequence[int] | None = None,
    must_exclude: Sequence[int] | None = None,
    centre_distances_km: Any = None,
    equity_km: float | None = None,
    centre_names: Sequence[str] | None = None,
    population: Any = None,
    demand_distances_km: Any = None,
    demand_lonlat: Any = None,
    cover_radius_km: float | None = None,
    population_weight: float = 0.0,
    names: Sequence[str] | None = None,
    solver: str = "cbc",
    time_limit_s: float | None = None,
) -> PortfolioRules:
    """Check every input of a portfolio model once and report every problem together.

    See :func:`siting.optimise.select_portfolio` for the parameters.

    Returns
    -------
    PortfolioRules
        The validated inputs, frozen.

    Raises
    ------
    DataError
        Listing every malformed input (an unknown solver or scores that are not a non-empty
        1-D array are reported alone, since nothing else can be checked without them).
    """
    check_solver(solver)
    problems: list[str] = []
    s = _scores(scores, problems)
    size = s.size
    count = _count(n, exact, problems)
    label = _names(names, size, problems)
    where = _lonlat(lonlat, size, "lonlat", problems)
    spacing = _spacing(
        distances_km, where, min_spacing_km, size, problems, located=lonlat is not None
    )
    caps = _groups(groups, at_most_per_group, at_least_per_group, group_name, label, problems)
    limit = _budget(costs, budget, label, problems)
    lock = _lock(must_include, must_exclude, size, problems)
    equity = _equity(centre_distances_km, equity_km, centre_names, size, problems)
    coverage = _coverage(
        population,
        demand_distances_km,
        _Demand(lonlat=demand_lonlat, sites=where, given=lonlat is not None),
        cover_radius_km,
        population_weight,
        size,
        problems,
    )
    seconds = None
    try:
        seconds = check_time_limit(time_limit_s)
    except DataError as exc:
        problems += exc.problems
    if problems or count is None:
        raise DataError(problems)
    return PortfolioRules(
        scores=s,
        names=tuple(label),
        solver=solver,
        count=count,
        spacing=spacing,
        groups=caps,
        budget=limit,
        coverage=coverage,
        equity=equity,
        lock=lock,
        time_limit_s=seconds,
    )


def _check_finite_scores(s: np.ndarray, problems: list[str]) -> None:
    if not np.all(np.isfinite(s)):
        bad = np.flatnonzero(~np.isfinite(s))
        problems.append(
            plural(
                "scores has {n} missing value, at candidate {first}; score it or drop it from "
                "the candidates",
                "scores has {n} missing values, first at candidate {first}; score them or drop "
                "them from the candidates",
                bad.size,
                first=bad[0],
            )
        )


def _scores(scores: Any, problems: list[str]) -> np.ndarray:
    """The scores; raises at once when there is no candidate axis to check the rest against."""
    s = np.asarray(scores, dtype=float)
    if s.ndim != 1 or s.size == 0:
        msg = Msg(
            N_("scores must be a non-empty 1-D array (one per candidate); got shape {shape}"),
            shape=s.shape,
        )
        raise DataError(msg)
    _check_finite_scores(s, problems)
    return s


def _count(n: Any, exact: bool, problems: list[str]) -> Count | None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        problems.append(
            Msg(N_("n (number of sites) must be a whole number >= 1; got {value}"), value=repr(n))
        )
        return None
    return Count(n=int(n), exact=bool(exact))


def _names(names: Sequence[str] | None, size: int, problems: list[str]) -> list[str]:
    """Candidate names for sentences (``"candidate j"`` when absent or malformed)."""
    if names is not None:
        label = [str(x) for x in names]
        if len(label) == size:
            return label
        problems.append(
            Msg(
                N_("names must have one entry per candidate ({size}); got {given}"),
                size=size,
                given=len(label),
            )
        )
    return [Msg(N_("candidate {number}"), number=j) for j in range(size)]


def _indices(value: Any, size: int, what: str, problems: list[str]) -> np.ndarray:
    if value is None:
        return np.empty(0, dtype=np.intp)
    arr = np.asarray(list(value))
    if arr.size == 0:
        return np.empty(0, dtype=np.intp)
    if not np.issubdtype(arr.dtype, np.integer):
        problems.append(
            Msg(
                N_("{what} must list candidate indices (integers); got {value}"),
                what=what,
                value=repr(list(value)),
            )
        )
        return np.empty(0, dtype=np.intp)
    bad = arr[(arr < 0) | (arr >= size)]
    if bad.size:
        problems.append(
            Msg(
                N_(
                    "{what} lists {indices}, which are not candidates (valid indices are 0 to "
                    "{last}); remove them or add those sites to the candidates"
                ),
                what=what,
                indices=bad.tolist(),
                last=size - 1,
            )
        )
        arr = arr[(arr >= 0) & (arr < size)]
    return np.unique(arr.astype(np.intp))


def _square(matrix: Any, size: int, what: str, problems: list[str]) -> np.ndarray | None:
    arr = np.asarray(matrix, dtype=float)
    if arr.shape != (size, size):
        problems.append(
            Msg(
                N_("{what} must be a candidate × candidate matrix ({size} × {size}); got {shape}"),
                what=what,
                size=size,
                shape=arr.shape,
            )
        )
        return None
    if not np.all(np.isfinite(arr)):
        problems.append(Msg(N_("{what} has missing or infinite values; fill them"), what=what))
        return None
    if np.any(arr < 0):
        problems.append(
            Msg(
                N_("{what} has negative distances (min {least}); they must be >= 0"),
                what=what,
                least=f"{arr.min():g}",
            )
        )
        return None
    return arr


def _whole(value: Any, what: str, problems: list[str], *, least: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        problems.append(
            Msg(
                N_("{what} must be a whole number >= {least}; got {value}"),
                what=what,
                least=least,
                value=repr(value),
            )
        )
        return None
    return int(value)


def _number(value: Any, what: str, problems: list[str]) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        problems.append(
            Msg(N_("{what} must be a number; got {value}"), what=what, value=repr(value))
        )
        return None
    if not math.isfinite(out) or out < 0:
        problems.append(
            Msg(
                N_("{what} must be a finite number >= 0; got {value}"), what=what, value=repr(value)
            )
        )
        return None
    return out


def _lonlat(lonlat: Any, size: int, what: str, problems: list[str]) -> np.ndarray | None:
    """Longitudes and latitudes in degrees, ``(size, 2)``, finite and in range; else None."""
    if lonlat is None:
        return None
    arr = np.asarray(lonlat, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2 or (size >= 0 and arr.shape[0] != size):
        problems.append(
            Msg(
                N_(
                    "{what} must hold a longitude and a latitude in degrees for each of the "
                    "{size} points; got shape {shape}"
                ),
                what=what,
                size=size,
                shape=arr.shape,
            )
        )
        return None
    bad = ~np.isfinite(arr).all(axis=1)
    bad |= (np.abs(arr[:, 0]) > 180) | (np.abs(arr[:, 1]) > 90)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        problems.append(
            plural(
                "{what} has {n} point with a missing or impossible coordinate, at {index} "
                "({lon}, {lat}); longitudes lie in -180..180 and latitudes in -90..90",
                "{what} has {n} points with missing or impossible coordinates, first at "
                "{index} ({lon}, {lat}); longitudes lie in -180..180 and latitudes in -90..90",
                int(bad.sum()),
                what=what,
                index=k,
                lon=f"{arr[k, 0]:g}",
                lat=f"{arr[k, 1]:g}",
            )
        )
        return None
    return arr


def _spacing(
    distances_km: Any,
    lonlat: np.ndarray | None,
    min_spacing_km: Any,
    size: int,
    problems: list[str],
    *,
    located: bool,
) -> Spacing | None:
    """The spacing rule; ``located``: coordinates were given (checked, perhaps malformed)."""
    spacing = _number(min_spacing_km, "min_spacing_km", problems)
    if spacing is not None and distances_km is None and not located:
        problems.append(
            Msg(
                N_(
                    "min_spacing_km is set but distances_km is missing; pass the candidate × "
                    "candidate distance matrix in km"
                )
            )
        )
        return None
    # A distance matrix without a spacing is still checked: a malformed input is a mistake.
    dist = None if distances_km is None else _square(distances_km, size, "distances_km", problems)
    if spacing is None or spacing <= 0:
        return None
    if dist is not None:
        # A matrix given by the caller is the distance the rule means (roads, say), even
        # with coordinates beside it.
        return Spacing(min_km=spacing, distances_km=dist)
    if lonlat is not None and distances_km is None:
        return Spacing(min_km=spacing, lonlat=lonlat)
    return None


def _groups(
    groups: Any,
    at_most_per_group: Any,
    at_least_per_group: Any,
    group_name: str,
    label: list[str],
    problems: list[str],
) -> GroupCaps | None:
    size = len(label)
    at_most = _whole(at_most_per_group, "at_most_per_group", problems, least=1)
    at_least = _whole(at_least_per_group, "at_least_per_group", problems, least=1)
    codes = None
    labels: list[str] = []
    if groups is not None:
        g = np.asarray(groups, dtype=object)
        if g.shape != (size,):
            problems.append(
                Msg(
                    N_("groups must have one label per candidate ({size}); got {shape}"),
                    size=size,
                    shape=g.shape,
                )
            )
        else:
            missing = [j for j, v in enumerate(g) if v is None or (isinstance(v, float) and v != v)]
            if missing:
                problems.append(
                    plural(
                        "{n} candidate has no {field}: {sites}; fill the field",
                        "{n} candidates have no {field}: {sites}; fill the field",
                        len(missing),
                        field=group_name,
                        sites=all_of([label[j] for j in missing[:5]]),
                    )
                )
            else:
                text = np.array([str(v).strip() for v in g], dtype=object)
                grouped = text != ""
                uniq, inverse = np.unique(text[grouped].astype(str), return_inverse=True)
                codes = np.full(size, NO_GROUP, dtype=np.intp)
                codes[grouped] = inverse
                labels = [str(u) for u in uniq]
    if (at_most is not None or at_least is not None) and groups is None:
        problems.append(
            Msg(
                N_("a per-{field} rule is set but groups is missing; pass one label per candidate"),
                field=group_name,
            )
        )
    if codes is None or (at_most is None and at_least is None):
        return None
    return GroupCaps(
        field=group_name, codes=codes, labels=tuple(labels), at_most=at_most, at_least=at_least
    )


def _budget(costs: Any, budget: Any, label: list[str], problems: list[str]) -> Budget | None:
    size = len(label)
    limit = _number(budget, "budget", problems)
    if costs is None:
        if limit is not None:
            problems.append(
                Msg(N_("budget is set but costs is missing; pass one cost per candidate"))
            )
        return None
    cost = np.asarray(costs, dtype=float)
    if cost.shape != (size,):
        problems.append(
            Msg(
                N_("costs must have one value per candidate ({size}); got {shape}"),
                size=size,
                shape=cost.shape,
            )
        )
        return None
    if not np.all(np.isfinite(cost)) or np.any(cost < 0):
        bad = np.flatnonzero(~np.isfinite(cost) | (cost < 0))
        problems.append(
            plural(
                "costs has {n} missing or negative value, at {site} ({cost}); costs must be "
                "finite and >= 0",
                "costs has {n} missing or negative values, first at {site} ({cost}); costs must "
                "be finite and >= 0",
                bad.size,
                site=label[bad[0]],
                cost=cost[bad[0]],
            )
        )
        return None
    return None if limit is None else Budget(costs=cost, limit=limit)


def _lock(must_include: Any, must_exclude: Any, size: int, problems: list[str]) -> LockIn:
    inc = _indices(must_include, size, "must_include", problems)
    exc = _indices(must_exclude, size, "must_exclude", problems)
    return LockIn(include=inc, exclude=exc)


def _equity(
    centre_distances_km: Any,
    equity_km: Any,
    centre_names: Sequence[str] | None,
    size: int,
    problems: list[str],
) -> Equity | None:
    eq = _number(equity_km, "equity_km", problems)
    if centre_distances_km is None:
        if eq is not None:
            problems.append(
                Msg(
                    N_(
                        "equity_km is set but centre_distances_km is missing; pass the "
                        "population centre × candidate distance matrix in km"
                    )
                )
            )
        return None
    centres = np.asarray(centre_distances_km, dtype=float)
    if centres.ndim != 2 or centres.shape[1] != size or centres.shape[0] == 0:
        problems.append(
            Msg(
                N_(
                    "centre_distances_km must be a centre × candidate matrix with {size} "
                    "columns and at least one row; got {shape}"
                ),
                size=size,
                shape=centres.shape,
            )
        )
        return None
    if not np.all(np.isfinite(centres)) or np.any(centres < 0):
        problems.append(Msg(N_("centre_distances_km has missing or negative values; fix them")))
        return None
    cnames = (
        [str(c) for c in centre_names]
        if centre_names is not None
        else [Msg(N_("centre {number}"), number=k) for k in range(centres.shape[0])]
    )
    if len(cnames) != centres.shape[0]:
        problems.append(
            Msg(
                N_("centre_names must have one entry per centre ({size}); got {given}"),
                size=centres.shape[0],
                given=len(cnames),
            )
        )
        return None
    if eq is None:
        return None
    return Equity(centre_distances_km=centres, centre_names=tuple(cnames), within_km=eq)


@dataclass(frozen=True)
class _Demand:
    """Demand points by their coordinates, with the candidates' (for a coverage rule)."""

    lonlat: Any
    sites: np.ndarray | None
    given: bool


def _coverage(
    population: Any,
    demand_distances_km: Any,
    demand: _Demand,
    cover_radius_km: Any,
    population_weight: Any,
    size: int,
    problems: list[str],
) -> Coverage | None:
    radius = _number(cover_radius_km, "cover_radius_km", problems)
    weight = _number(population_weight, "population_weight", problems) or 0.0
    by_place = demand.lonlat is not None
    if population is None and demand_distances_km is None and not by_place and radius is None:
        return None
    if population is None or (demand_distances_km is None and not by_place) or radius is None:
        problems.append(
            Msg(
                N_(
                    "a population term needs population, demand_distances_km and "
                    "cover_radius_km together; pass all three"
                )
            )
        )
        return None
    pop = np.asarray(population, dtype=float)
    if pop.ndim != 1 or pop.size == 0:
        problems.append(
            Msg(N_("population must be a non-empty 1-D array; got shape {shape}"), shape=pop.shape)
        )
        return None
    if not np.all(np.isfinite(pop)) or np.any(pop < 0):
        problems.append(Msg(N_("population has missing or negative values; fix them")))
        return None
    if demand_distances_km is None:
        return _coverage_by_place(pop, demand, radius, weight, problems)
    dd = np.asarray(demand_distances_km, dtype=float)
    if dd.shape != (pop.size, size):
        problems.append(
            Msg(
                N_(
                    "demand_distances_km must be demand × candidate ({demand} × {size}); got "
                    "{shape}"
                ),
                demand=pop.size,
                size=size,
                shape=dd.shape,
            )
        )
        return None
    if not np.all(np.isfinite(dd)) or np.any(dd < 0):
        problems.append(Msg(N_("demand_distances_km has missing or negative values; fix them")))
        return None
    cover = tuple(np.flatnonzero(row) for row in dd <= radius)
    return Coverage(population=pop, cover_sets=cover, radius_km=radius, weight=weight)


def _coverage_by_place(
    pop: np.ndarray, demand: _Demand, radius: float, weight: float, problems: list[str]
) -> Coverage | None:
    """Cover sets from the demand points' and candidates' coordinates (a KD-tree, no matrix)."""
    points = _lonlat(demand.lonlat, pop.size, "demand_lonlat", problems)
    if demand.sites is None:
        if not demand.given:
            problems.append(
                Msg(
                    N_(
                        "demand_lonlat needs the candidates' coordinates too; pass lonlat, one "
                        "longitude and latitude per candidate"
                    )
                )
            )
        return None
    if points is None:
        return None
    return Coverage(
        population=pop,
        cover_sets=geodesy.within_each(points, demand.sites, radius),
        radius_km=radius,
        weight=weight,
    )
