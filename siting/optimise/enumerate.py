"""Every feasible portfolio, listed once, so that many score vectors are solved by one product.

The robustness analysis solves the same portfolio model for thousands of weight draws: only the
scores change.  When the rules leave few feasible portfolios (three sites among fifty towns,
300 km apart, one per macro-region: about 8,000), listing them once turns each draw's integer
program into an ``argmax`` over one matrix product, ``S @ Xᵀ`` (draws × candidates times
candidates × portfolios), which is exact: the best of every feasible portfolio is the optimum.
The sets are grown one site at a time, every set of a size at once (array operations), pruning a
branch as soon as two of its sites are too close or a group is over its cap; budget, lock-in,
at-least-per-group and equity are checked on each complete set.  When the list would pass a limit, the search stops and
the caller solves each draw with the integer program instead (:class:`~siting.optimise.resolver.
PortfolioResolver` does both).

The objective is the same as the integer program's: the total score of the chosen sites plus,
with a population term, ``weight × covered population / total population`` — a constant of each
portfolio, so it is added once to its column.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, replace

import numpy as np

from siting.optimise.rules import LockIn, PortfolioRules

__all__ = [
    "ENUMERATION_LIMIT",
    "LISTED",
    "LISTING_LIMIT",
    "FeasibleSet",
    "Listing",
    "covered_populations",
    "feasible_set",
    "listed_version",
    "listing",
    "without",
]

#: Most feasible portfolios listed (8 MB per 1,000 candidates of incidence matrix at this size
#: is avoided by storing indices; the product is chunked).  Beyond it, solving each draw's
#: integer program is cheaper than the list.
ENUMERATION_LIMIT = 200_000

#: Most conflicting pairs the search lists before it starts (each candidate's conflicts are kept
#: as a set); beyond this the list is not attempted.
CONFLICTS_LISTED = 1_000_000

#: Most candidates the listing takes (its table of compatible pairs is 16 MB at this size).
LISTED_CANDIDATES = 4_000


@dataclass(frozen=True)
class FeasibleSet:
    """Every feasible portfolio of a model, and the constant part of each one's objective.

    Attributes
    ----------
    members
        ``(portfolios, n)`` candidate indices, each row sorted; ``-1`` pads a portfolio of fewer
        sites (when the count is "at most").
    constant
        The population term of each portfolio (0 without one).
    size
        Number of candidates.
    """

    members: np.ndarray
    constant: np.ndarray
    size: int

    def __len__(self) -> int:
        """Number of feasible portfolios."""
        return int(self.members.shape[0])

    def totals(self, scores: np.ndarray) -> np.ndarray:
        """Objective of every portfolio under each row of ``scores`` (``(draws, portfolios)``)."""
        s = np.atleast_2d(np.asarray(scores, dtype=float))
        # A padding column of zeros lets -1 (no site) index a score of 0.
        padded = np.concatenate([s, np.zeros((s.shape[0], 1))], axis=1)
        # One gathered column per site of a portfolio, added in turn: the same sums, in the
        # same order, as summing a (draws, portfolios, sites) gather over its short last axis,
        # without that array (three times faster).
        total = padded[:, self.members[:, 0]]
        for k in range(1, self.members.shape[1]):
            total += padded[:, self.members[:, k]]
        return total + self.constant

    def best(self, scores: np.ndarray, *, chunk: int = 4_000_000) -> list[np.ndarray]:
        """The optimal portfolio (sorted candidate indices) under each row of ``scores``.

        Rows are processed in chunks of about ``chunk`` portfolio objectives, so memory stays
        bounded whatever the number of draws.  Ties go to the portfolio listed first (the
        lexicographically smallest set), as any optimum is as good.
        """
        s = np.atleast_2d(np.asarray(scores, dtype=float))
        rows = max(1, chunk // max(len(self), 1))
        out: list[np.ndarray] = []
        for start in range(0, s.shape[0], rows):
            pick = np.argmax(self.totals(s[start : start + rows]), axis=1)
            out += [self.members[k][self.members[k] >= 0] for k in pick]
        return out


def _compatible(rules: PortfolioRules) -> np.ndarray:
    """``ok[i, j]``: candidates ``i`` and ``j`` may both be chosen under the spacing rule."""
    ok = np.ones((rules.size, rules.size), dtype=bool)
    if rules.spacing is not None:
        i, j = rules.spacing_pairs()
        ok[i, j] = False
        ok[j, i] = False
    return ok


def _complete(rules: PortfolioRules, sets: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Which sets (rows of indices, ``-1`` padding) obey the rules the search does not prune on.

    ``counts`` holds each set's number of sites per group (the groups the integer program
    constrains: :meth:`~siting.optimise.rules.GroupCaps.members`).
    """
    keep = np.ones(sets.shape[0], dtype=bool)
    if not sets.shape[0]:
        return keep
    pad = rules.size  # the padding column of the lookups below
    rows = np.where(sets >= 0, sets, pad)
    lock = rules.lock
    if lock.include.size:
        inside = np.zeros(pad + 1, dtype=bool)
        inside[lock.include] = True
        keep &= inside[rows].sum(axis=1) == lock.include.size
    if rules.budget is not None:
        costs = np.concatenate([rules.budget.costs, [0.0]])
        keep &= costs[rows].sum(axis=1) <= rules.budget.limit
    groups = rules.groups
    if groups is not None and groups.at_least is not None and counts.shape[1]:
        keep &= (counts >= groups.at_least).all(axis=1)
    if rules.equity is not None:
        reach = rules.equity.centre_distances_km <= rules.equity.within_km
        reach = np.concatenate([reach, np.zeros((reach.shape[0], 1), dtype=bool)], axis=1)
        served = np.zeros((sets.shape[0], reach.shape[0]), dtype=bool)
        for col in rows.T:
            served |= reach[:, col].T
        keep &= served.all(axis=1)
    return keep


def feasible_set(rules: PortfolioRules, *, limit: int = ENUMERATION_LIMIT) -> FeasibleSet | None:
    """List every feasible portfolio of ``rules``, or None when there are more than ``limit``.

    The sets are grown one site at a time, all of a size at once: each set of ``k`` sites is
    extended by every later candidate compatible with each of its sites (spacing) and its
    group's count (cap), so a branch is pruned as soon as two of its sites are too close or a
    group is over its cap.  Budget, lock-in, at-least-per-group and equity are checked on each
    set of a size the count allows.  Portfolios come in lexicographic order (a smaller set
    before the sets it starts), the order a depth-first search would list them in.

    Parameters
    ----------
    rules
        A validated portfolio model.
    limit
        Stop listing (and return None) past this many feasible portfolios.

    Returns
    -------
    FeasibleSet or None
        The list, or None when it is too long or no portfolio is feasible (then the integer
        program says why).
    """
    if rules.spacing is not None and rules.spacing.count_pairs() > CONFLICTS_LISTED:
        # Too many conflicts to list (a study of many thousands of candidates): the feasible
        # portfolios would be far more than the limit anyway.
        return None
    if rules.size > LISTED_CANDIDATES:
        # The listing keeps a candidate × candidate table of compatible pairs; beyond this size
        # the integer program answers instead (nothing builds an n × n array at scale).
        return None
    m, n = rules.size, rules.count.n
    sizes = {n} if rules.count.exact else set(range(n + 1))
    allowed = np.ones(m, dtype=bool)
    allowed[rules.lock.exclude] = False
    ok = _compatible(rules)
    groups = rules.groups
    codes = np.full(m, -1, dtype=np.intp)
    for g, idx in enumerate(groups.members() if groups is not None else []):
        codes[idx] = g
    width = len(groups.labels) if groups is not None else 0
    cap = groups.at_most if groups is not None else None
    later = np.arange(m)
    sets = np.empty((1, 0), dtype=np.intp)  # the empty set
    counts = np.zeros((1, width), dtype=np.intp)
    found: list[np.ndarray] = []
    total = 0
    for k in range(n + 1):
        if k in sizes:
            done = sets[_complete(rules, sets, counts)]
            total += done.shape[0]
            if total > limit:
                return None
            found.append(np.pad(done, ((0, 0), (0, n - k)), constant_values=-1))
        if k == n or not sets.shape[0]:
            break
        # Growing sets that could only pass the limit later would cost memory for nothing.
        if sets.shape[0] > 20 * limit:
            return None
        grow = allowed[None, :] & (later[None, :] > (sets[:, -1:] if k else -1))
        for col in sets.T:
            grow &= ok[col]
        if cap is not None and width:
            full = counts >= cap  # (sets, groups)
            grouped = codes >= 0
            grow[:, grouped] &= ~full[:, codes[grouped]]
        parent, site = np.nonzero(grow)
        sets = np.concatenate([sets[parent], site[:, None]], axis=1)
        counts = counts[parent]
        inside = codes[site] >= 0
        counts[np.flatnonzero(inside), codes[site[inside]]] += 1
    listed = np.concatenate(found) if found else np.empty((0, n), dtype=np.intp)
    if not listed.shape[0]:
        return None
    if len(found) > 1:
        # sets of several sizes: into lexicographic order (-1, no site, sorts first)
        listed = listed[np.lexsort(listed.T[::-1])]
    members = np.ascontiguousarray(listed, dtype=np.intp)
    constant = np.zeros(members.shape[0])
    if rules.coverage is not None and rules.coverage.weight:
        total_population = rules.coverage.total
        constant = rules.coverage.weight * covered_populations(rules, members) / total_population
    members.flags.writeable = False
    constant.flags.writeable = False
    return FeasibleSet(members=members, constant=constant, size=rules.size)


# --------------------------------------------------------------------------- listed solves


def covered_populations(rules: PortfolioRules, members: np.ndarray) -> np.ndarray:
    """Population covered by each portfolio (rows of candidate indices, ``-1`` padding).

    One boolean incidence matrix (candidates × demand points, plus a row of ``False`` for the
    padding) is OR-ed over each portfolio's sites, in chunks of about 16 MB, instead of one
    Python loop over the demand points per portfolio.
    """
    cov = rules.coverage
    rows = np.asarray(members, dtype=np.intp)
    if cov is None or rows.size == 0:
        return np.zeros(rows.shape[0])
    demand = cov.demand
    reach = np.zeros((rules.size + 1, demand.size), dtype=bool)
    for k, i in enumerate(demand.tolist()):
        reach[cov.cover_sets[i], k] = True
    weight = cov.population[demand]
    out = np.empty(rows.shape[0])
    step = max(1, (16 << 20) // max(demand.size, 1))
    for a in range(0, rows.shape[0], step):
        block = rows[a : a + step]
        hit = np.zeros((block.shape[0], demand.size), dtype=bool)
        for col in block.T:
            hit |= reach[col]  # -1 indexes the padding row
        out[a : a + step] = hit @ weight
    return out


def without(rules: PortfolioRules, family: str) -> PortfolioRules:
    """The same rules with one family left out.

    As :class:`~siting.optimise.model.Variant`'s ``omit`` leaves the family's rows out of the
    integer program.
    """
    g = rules.groups
    match family:
        case "min_spacing_km":
            return replace(rules, spacing=None)
        case "at_most_per_group" if g is not None:
            rest = replace(g, at_most=None) if g.at_least is not None else None
            return replace(rules, groups=rest)
        case "at_least_per_group" if g is not None:
            rest = replace(g, at_least=None) if g.at_most is not None else None
            return replace(rules, groups=rest)
        case "budget":
            return replace(rules, budget=None)
        case "equity_km":
            return replace(rules, equity=None)
        case "must_include":
            return replace(
                rules, lock=LockIn(include=rules.lock.exclude[:0], exclude=rules.lock.exclude)
            )
        case "must_exclude":
            return replace(
                rules, lock=LockIn(include=rules.lock.include, exclude=rules.lock.include[:0])
            )
    raise KeyError(family)  # pragma: no cover - internal misuse


@dataclass(frozen=True)
class Listing:
    """Every feasible portfolio of a model with its total score, coverage and blend objective.

    The exact answer to every question the portfolio stage asks of a small model — the optimum,
    the optimum without one rule, the next-best portfolios under no-good cuts, each point of the
    ε-constraint Pareto front — is a filtered ``argmax`` over these columns, in the order the
    portfolios are listed (ties go to the first listed).

    Attributes
    ----------
    feasible
        The portfolios.
    score
        Total score of each.
    cover
        Population covered by each (0 without a coverage rule).
    value
        The blend objective of each (score plus the population term).
    """

    feasible: FeasibleSet
    score: np.ndarray
    cover: np.ndarray
    value: np.ndarray

    def sites(self, k: int) -> np.ndarray:
        """The sorted candidate indices of portfolio ``k``."""
        row = self.feasible.members[k]
        return np.sort(row[row >= 0])

    def best(self, column: np.ndarray, allowed: np.ndarray | None = None) -> int | None:
        """The portfolio with the largest ``column`` among ``allowed`` (None: none allowed)."""
        if allowed is None:
            return int(np.argmax(column)) if column.size else None
        if not allowed.any():
            return None
        pick = np.flatnonzero(allowed)
        return int(pick[np.argmax(column[pick])])


#: The ``solver`` of a result read from a listing.
LISTED = "enumeration"


def listed_version(portfolios: int) -> str:
    """What a listed result says in place of a solver version."""
    return f"every feasible portfolio listed ({portfolios:,})"


#: Most feasible portfolios the portfolio stage lists before it solves integer programs
#: instead: beyond it the alternatives' and the front's argmaxes, each over every portfolio,
#: stop being cheaper than a few solves.
LISTING_LIMIT = 50_000

#: Listed only when ``C(candidates, sites)`` is at most this: a count the rules cut down to
#: :data:`LISTING_LIMIT` or fewer (spacing, caps) without a search that would be abandoned.
LISTING_SUBSETS = 2_000_000

_LISTINGS: weakref.WeakKeyDictionary[PortfolioRules, dict[tuple[str, int], Listing | None]] = (
    weakref.WeakKeyDictionary()
)


def listing(
    rules: PortfolioRules, *, omit: str | None = None, limit: int = LISTING_LIMIT
) -> Listing | None:
    """The :class:`Listing` of ``rules`` (one family left out when ``omit``), or None.

    None when the model is too large to list (more than :data:`LISTING_SUBSETS` subsets of
    its size, or more than ``limit`` feasible portfolios: the caller then solves the integer
    program) or has no feasible portfolio (the integer program says why).  Listed once per
    rules object, family and limit.
    """
    cache = _LISTINGS.setdefault(rules, {})
    key = (omit or "", limit)
    if key in cache:
        return cache[key]
    n = rules.count.n
    subsets = sum(math.comb(rules.size, k) for k in range(0 if not rules.count.exact else n, n + 1))
    if subsets > LISTING_SUBSETS:
        cache[key] = None
        return None
    model = rules if omit is None else without(rules, omit)
    found = feasible_set(model, limit=limit)
    out = None
    if found is not None:
        s = np.concatenate([rules.scores, [0.0]])
        score = s[found.members].sum(axis=1)
        cover = covered_populations(rules, found.members)
        value = score.copy()
        if rules.coverage is not None and rules.coverage.weight:
            value += rules.coverage.weight * cover / rules.coverage.total
        out = Listing(feasible=found, score=score, cover=cover, value=value)
    cache[key] = out
    return out
