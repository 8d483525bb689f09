"""Candidates that cannot be in any optimal portfolio, left out before the model is built.

With thousands of candidates and a handful of sites, nearly every candidate is out of the
running: its score plus the best the other sites could possibly add falls short of a portfolio
already known to be feasible.  A bound argument makes that exact:

- a feasible portfolio ``G`` (greedy: the best-scored candidates that keep every rule, or none)
  gives a lower bound ``LB`` on the optimum;
- for a candidate ``j``, ``UB_j = s_j + (the n - 1 largest positive scores among the candidates
  that do not conflict with j) + w`` bounds the objective of every portfolio holding ``j``,
  where ``w`` is the population term's weight (its share is at most 1);
- every optimal portfolio ``S*`` has ``value(S*) >= LB``, so each of its members has
  ``UB_j >= LB``: dropping the candidates with ``UB_j < LB`` keeps every optimum.

The model built on the candidates that remain has the same optimal value and the same optimal
portfolios.  The argument needs the objective to be the blend of scores (and population), and
no constraint the greedy cannot check: it is used for the portfolio and the re-solves that
explain its binding rules, not for the Pareto front, the alternatives (whose no-good cuts can
exclude ``G``) or the infeasibility diagnosis, which keep every candidate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from siting.tolerances import OBJECTIVE_ABS, OBJECTIVE_REL

if TYPE_CHECKING:
    from siting.optimise.model import Variant
    from siting.optimise.rules import PortfolioRules

__all__ = ["REDUCE_FROM", "candidates_to_keep"]

#: Reduce only models of at least this many candidates: below it the model is small anyway,
#: and the solver sees exactly the model it always saw.
REDUCE_FROM = 200


def candidates_to_keep(rules: PortfolioRules, variant: Variant) -> np.ndarray | None:
    """Mask of the candidates that can be in an optimal portfolio of ``variant``, or None.

    Parameters
    ----------
    rules
        Validated inputs.
    variant
        The solve (families left out, objective).

    Returns
    -------
    numpy.ndarray or None
        Boolean mask over the candidates; None when no reduction applies (a small model, an
        objective other than the blend, extra constraints, a rule the greedy cannot check, or
        no feasible greedy portfolio).
    """
    if rules.size < REDUCE_FROM or not _reducible(rules, variant):
        return None
    families = set(rules.families) - variant.omit
    allowed = np.ones(rules.size, dtype=bool)
    if "must_exclude" in families:
        allowed[rules.lock.exclude] = False
    include = rules.lock.include if "must_include" in families else np.empty(0, dtype=np.intp)
    spacing = rules.spacing if "min_spacing_km" in families else None
    cap = rules.groups.at_most if rules.groups is not None else None
    if "at_most_per_group" not in families:
        cap = None
    greedy = _greedy(rules, allowed, include, spacing_on=spacing is not None, cap=cap)
    if greedy is None:
        return None
    lower = rules.value(greedy)
    lower -= OBJECTIVE_REL * max(1.0, abs(lower)) + OBJECTIVE_ABS
    bonus = rules.coverage.weight if rules.coverage is not None else 0.0
    s = np.where(allowed, rules.scores, -np.inf)
    n = rules.count.n
    # First pass: the n - 1 best positive scores of any other candidate.
    keep = allowed & (s + _best_others(s, n - 1) + bonus >= lower)
    keep[include] = True
    if spacing is not None and keep.sum() > n:
        # Second pass, among the survivors: the best others must not conflict with j.
        keep = _conflict_pass(rules, keep, lower, bonus, include)
    return keep


def _reducible(rules: PortfolioRules, variant: Variant) -> bool:
    """Whether the bound argument holds for this solve (see the module's docstring)."""
    if variant.objective != "blend" or variant.extra is not None:
        return False
    if variant.count not in (None, "exact" if rules.count.exact else "at_most"):
        return False
    overrides = (variant.spacing, variant.at_most, variant.budget, variant.equity_km)
    if any(v is not None for v in overrides):
        return False
    families = set(rules.families) - variant.omit
    # The greedy keeps the count, the lock-in, the spacing and the caps; for a floor per
    # group, a budget or an equity reach it would need a search of its own.
    return not families & {"at_least_per_group", "budget", "equity_km"}


class _Greedy:
    """The state of the greedy portfolio: chosen sites and chosen sites per group."""

    def __init__(self, rules: PortfolioRules, *, spacing_on: bool, cap: int | None) -> None:
        self.rules, self.spacing_on, self.cap = rules, spacing_on, cap
        self.chosen: list[int] = []
        self.counts: dict[int, int] = {}

    def _group(self, j: int) -> int:
        g = self.rules.groups
        return int(g.codes[j]) if g is not None else -1

    def fits(self, j: int) -> bool:
        """Whether ``j`` keeps the cap and the spacing with the sites chosen so far."""
        g = self._group(j)
        if self.cap is not None and g >= 0 and self.counts.get(g, 0) >= self.cap:
            return False
        sp = self.rules.spacing
        if self.spacing_on and self.chosen and sp is not None:
            d = sp.among(np.array([j, *self.chosen], dtype=np.intp))[0, 1:]
            return not np.any(d < sp.min_km)
        return True

    def take(self, j: int) -> None:
        self.chosen.append(j)
        g = self._group(j)
        self.counts[g] = self.counts.get(g, 0) + 1


def _greedy(
    rules: PortfolioRules,
    allowed: np.ndarray,
    include: np.ndarray,
    *,
    spacing_on: bool,
    cap: int | None,
) -> np.ndarray | None:
    """A feasible portfolio: the locked-in sites, then the best-scored ones that keep the rules.

    Returns None when it does not reach the count (exact) or breaks a rule among the
    locked-in sites.
    """
    n = rules.count.n
    state = _Greedy(rules, spacing_on=spacing_on, cap=cap)
    for j in include.tolist():
        if not state.fits(j):
            return None
        state.take(j)
    locked = set(include.tolist())
    for j in np.argsort(-rules.scores, kind="stable").tolist():
        if len(state.chosen) >= n:
            break
        if not rules.count.exact and rules.scores[j] <= 0:
            break  # at most n sites: a site that adds nothing is left out
        if allowed[j] and j not in locked and state.fits(j):
            state.take(j)
    if len(state.chosen) > n or (rules.count.exact and len(state.chosen) < n):
        return None
    return np.array(sorted(state.chosen), dtype=np.intp)


def _best_others(s: np.ndarray, k: int) -> np.ndarray:
    """For each candidate, the sum of the ``k`` largest positive scores of the others."""
    if k <= 0:
        return np.zeros(s.size)
    positive = np.where(np.isfinite(s), np.maximum(s, 0.0), 0.0)
    desc = np.sort(positive)[::-1]
    head = float(desc[:k].sum())
    if desc.size <= k:
        return head - positive  # every other candidate counts
    # A candidate among the k best (or tied with the k-th) is replaced by the (k + 1)-th.
    return np.where(positive >= desc[k - 1], head - positive + desc[k], head)


def _conflict_pass(
    rules: PortfolioRules, keep: np.ndarray, lower: float, bonus: float, include: np.ndarray
) -> np.ndarray:
    """Tighten the bound among the survivors: the others must keep the spacing from ``j``."""
    sp = rules.spacing
    if sp is None:  # pragma: no cover - called with a spacing rule only
        return keep
    n = rules.count.n
    idx = np.flatnonzero(keep)
    if n <= 1 or idx.size > 20_000:
        return keep
    i, j = sp.pairs(among=keep)
    s = rules.scores
    out = keep.copy()
    # Survivors by decreasing score; for each, the best n - 1 positive scores outside its
    # conflicts (and itself).
    order = idx[np.argsort(-s[idx], kind="stable")]
    conflicts: dict[int, set[int]] = {int(k): set() for k in idx}
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        conflicts[a].add(b)
        conflicts[b].add(a)
    locked = set(include.tolist())
    for k in idx.tolist():
        if k in locked:
            continue
        near = conflicts[k]
        total, taken = 0.0, 0
        for m in order.tolist():
            if taken >= n - 1 or s[m] <= 0:
                break
            if m == k or m in near:
                continue
            total += float(s[m])
            taken += 1
        if s[k] + total + bonus < lower:
            out[k] = False
    return out
