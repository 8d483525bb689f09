"""Every feasible portfolio, listed once, so that many score vectors are solved by one product.

The robustness analysis solves the same portfolio model for thousands of weight draws: only the
scores change.  When the rules leave few feasible portfolios (three sites among fifty towns,
300 km apart, one per macro-region: about 8,000), listing them once turns each draw's integer
program into an ``argmax`` over one matrix product, ``S @ Xᵀ`` (draws × candidates times
candidates × portfolios), which is exact: the best of every feasible portfolio is the optimum.
A depth-first search lists the sets, pruning a branch as soon as two of its sites are too close,
a group is over its cap or the count is out of reach; budget, lock-in, at-least-per-group and
equity are checked on each complete set.  When the list would pass a limit, the search stops and
the caller solves each draw with the integer program instead (:class:`~siting.optimise.resolver.
PortfolioResolver` does both).

The objective is the same as the integer program's: the total score of the chosen sites plus,
with a population term, ``weight × covered population / total population`` — a constant of each
portfolio, so it is added once to its column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.optimise.rules import PortfolioRules

__all__ = ["ENUMERATION_LIMIT", "FeasibleSet", "feasible_set"]

#: Most feasible portfolios listed (8 MB per 1,000 candidates of incidence matrix at this size
#: is avoided by storing indices; the product is chunked).  Beyond it, solving each draw's
#: integer program is cheaper than the list.
ENUMERATION_LIMIT = 200_000

#: Most conflicting pairs the search lists before it starts (each candidate's conflicts are kept
#: as a set); beyond this the list is not attempted.
CONFLICTS_LISTED = 1_000_000


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
        return padded[:, self.members].sum(axis=2) + self.constant

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


def _conflicts(rules: PortfolioRules) -> list[set[int]]:
    """For each candidate, the candidates too close to it under the spacing rule."""
    near: list[set[int]] = [set() for _ in range(rules.size)]
    if rules.spacing is not None:
        i, j = rules.spacing_pairs()
        for a, b in zip(i.tolist(), j.tolist(), strict=True):
            near[a].add(b)
            near[b].add(a)
    return near


def _complete(rules: PortfolioRules, chosen: np.ndarray) -> bool:
    """Whether a set of the right size obeys the rules the search does not prune on."""
    lock = rules.lock
    if lock.include.size and not np.isin(lock.include, chosen).all():
        return False
    if rules.budget is not None and float(rules.budget.costs[chosen].sum()) > rules.budget.limit:
        return False
    groups = rules.groups
    # The groups the integer program constrains (siting.optimise.model builds its rows from
    # members() too), so that both read the grouping the same way.
    if (
        groups is not None
        and groups.at_least is not None
        and any(np.isin(idx, chosen).sum() < groups.at_least for idx in groups.members())
    ):
        return False
    if rules.equity is not None:
        reach = rules.equity.centre_distances_km[:, chosen] <= rules.equity.within_km
        if not reach.any(axis=1).all():
            return False
    return True


def feasible_set(rules: PortfolioRules, *, limit: int = ENUMERATION_LIMIT) -> FeasibleSet | None:
    """List every feasible portfolio of ``rules``, or None when there are more than ``limit``.

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
    search = _Search(rules, limit)
    if not search.visit(0) or not search.found:
        return None
    n = rules.count.n
    members = np.full((len(search.found), n), -1, dtype=np.intp)
    for row, sites in enumerate(search.found):
        members[row, : len(sites)] = sites
    constant = np.zeros(len(search.found))
    if rules.coverage is not None and rules.coverage.weight:
        total = rules.coverage.total
        constant = np.array(
            [
                rules.coverage.weight * rules.covered_population(np.array(s, dtype=np.intp)) / total
                for s in search.found
            ]
        )
    members.flags.writeable = False
    constant.flags.writeable = False
    return FeasibleSet(members=members, constant=constant, size=rules.size)


class _Search:
    """The depth-first listing of :func:`feasible_set`, with its pruning state."""

    def __init__(self, rules: PortfolioRules, limit: int) -> None:
        m, n = rules.size, rules.count.n
        self.rules, self.limit, self.n = rules, limit, n
        self.sizes = {n} if rules.count.exact else set(range(n + 1))
        excluded = set(rules.lock.exclude.tolist())
        self.allowed = [j for j in range(m) if j not in excluded]
        self.near = _conflicts(rules)
        groups = rules.groups
        self.cap = groups.at_most if groups is not None else None
        # The group each candidate counts in, as the integer program's rows see it (members()).
        self.codes = np.full(m, -1, dtype=np.intp)
        for g, idx in enumerate(groups.members() if groups is not None else []):
            self.codes[idx] = g
        self.found: list[list[int]] = []
        self.counts: dict[int, int] = {}
        self.chosen: list[int] = []
        self.blocked = [0] * m  # how many chosen sites each candidate conflicts with

    def visit(self, start: int) -> bool:
        """Depth-first over the candidates after ``start``; False once the limit is passed."""
        chosen = self.chosen
        if len(chosen) in self.sizes and _complete(self.rules, np.array(chosen, dtype=np.intp)):
            self.found.append(list(chosen))
            if len(self.found) > self.limit:
                return False
        if len(chosen) == self.n:
            return True
        for pos in range(start, len(self.allowed)):
            k = self.allowed[pos]
            g = int(self.codes[k])
            if self.blocked[k] or (
                self.cap is not None and g >= 0 and self.counts.get(g, 0) >= self.cap
            ):
                continue
            chosen.append(k)
            self.counts[g] = self.counts.get(g, 0) + 1
            for other in self.near[k]:
                self.blocked[other] += 1
            going = self.visit(pos + 1)
            for other in self.near[k]:
                self.blocked[other] -= 1
            self.counts[g] -= 1
            chosen.pop()
            if not going:
                return False
        return True
