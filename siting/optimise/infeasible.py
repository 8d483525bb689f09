"""Why rules cannot hold together, and the nearest change that would let them.

Two steps.  :func:`quick_checks` finds the arithmetic reasons (more sites locked in than asked,
a group cap that leaves too little room, a budget below the cheapest portfolio, ...) without a
solver.  When those pass but the model is still infeasible, :func:`diagnose` runs a deletion
filter over rule families to find a smallest conflicting set, and :func:`relax` searches each of
its rules for the nearest value that makes the model feasible again.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pulp

from siting.optimise._core import affine, fmt, join_words
from siting.optimise.model import Variant, run
from siting.optimise.rules import PortfolioRules

__all__ = ["diagnose", "quick_checks", "relax"]


def quick_checks(rules: PortfolioRules) -> list[str]:
    """Arithmetic reasons the rules cannot hold, each with the nearest fix.

    Parameters
    ----------
    rules
        Validated inputs.

    Returns
    -------
    list of str
        One message per problem found; empty when nothing obvious is wrong.
    """
    allowed = np.ones(rules.size, dtype=bool)
    allowed[rules.lock.exclude] = False
    return [
        *_count_checks(rules, allowed),
        *_group_checks(rules, allowed),
        *_spacing_checks(rules),
        *_budget_checks(rules, allowed),
        *_equity_checks(rules, allowed),
    ]


def _count_checks(rules: PortfolioRules, allowed: np.ndarray) -> list[str]:
    out: list[str] = []
    n, m = rules.count.n, rules.size
    inc, exc = rules.lock.include, rules.lock.exclude
    if n > m:
        out.append(f"{n} sites were asked but there are only {m} candidates; ask for at most {m}")
    both = np.intersect1d(inc, exc)
    if both.size:
        out.append(
            f"{join_words([rules.name(j) for j in both])} is both in must_include and "
            "must_exclude; remove it from one of them"
        )
    if inc.size > n:
        out.append(
            f"must_include locks in {inc.size} sites but only {n} were asked; ask for "
            f"{inc.size} or shorten must_include"
        )
    left = int(allowed.sum())
    if exc.size and n <= m and rules.count.exact and left < n:
        out.append(
            f"must_exclude leaves {left} candidates but {n} sites were asked; "
            f"ask for {left} or shorten must_exclude"
        )
    return out


def _group_checks(rules: PortfolioRules, allowed: np.ndarray) -> list[str]:
    g = rules.groups
    if g is None:
        return []
    out: list[str] = []
    n, inc, name = rules.count.n, rules.lock.include, g.field
    counts_all = g.counts(allowed)
    if g.at_most is not None and g.at_least is not None and g.at_least > g.at_most:
        out.append(
            f"at least {g.at_least} per {name} contradicts at most {g.at_most} per "
            f"{name}; make the minimum no larger than the maximum"
        )
    if g.at_most is not None and rules.count.exact:
        room = int(np.minimum(counts_all, g.at_most).sum())
        if room < n:
            out.append(
                f"at most {g.at_most} per {name} allows at most {room} sites but {n} "
                f"were asked; ask for {room} or allow more per {name}"
            )
    if g.at_most is not None and inc.size:
        locked = g.counts(inc)
        out.extend(
            f"must_include locks in {locked[k]} sites in {g.labels[k]} but at "
            f"most {g.at_most} per {name} is allowed"
            for k in np.flatnonzero(locked > g.at_most)
        )
    if g.at_least is not None:
        groups = len(g.labels)
        need = g.at_least * groups
        if need > n:
            out.append(
                f"at least {g.at_least} per {name} needs {need} sites ({groups} "
                f"{name} values) but only {n} were asked; ask for {need} or lower the minimum"
            )
        out.extend(
            f"at least {g.at_least} per {name} cannot hold in "
            f"{g.labels[k]}: it has only {counts_all[k]} allowed candidate(s)"
            for k in np.flatnonzero(counts_all < g.at_least)
        )
    return out


def _spacing_checks(rules: PortfolioRules) -> list[str]:
    sp, inc = rules.spacing, rules.lock.include
    if sp is None or inc.size <= 1:
        return []
    sub = sp.distances_km[np.ix_(inc, inc)]
    a, b = np.nonzero(np.triu(sub < sp.min_km, k=1))
    out: list[str] = []
    for p, q in zip(a, b, strict=True):
        gap = float(sub[p, q])
        out.append(
            f"must_include sites {rules.name(inc[p])} and {rules.name(inc[q])} are "
            f"{fmt(gap)} km apart, closer than min_spacing_km "
            f"{fmt(sp.min_km)}; lower it to {math.floor(gap)} or drop one"
        )
    return out


def _budget_checks(rules: PortfolioRules, allowed: np.ndarray) -> list[str]:
    b = rules.budget
    if b is None:
        return []
    n = rules.count.n
    locked = float(b.costs[rules.lock.include].sum())
    if locked > b.limit:
        return [
            f"must_include sites cost {fmt(locked)}, more than the budget "
            f"{fmt(b.limit)}; raise the budget to {fmt(locked)}"
        ]
    if rules.count.exact:
        cheapest = float(np.sort(b.costs[allowed])[:n].sum())
        if cheapest > b.limit:
            return [
                f"the {n} cheapest allowed sites cost {fmt(cheapest)}, more than the budget "
                f"{fmt(b.limit)}; raise the budget to {fmt(cheapest)} or ask for fewer"
            ]
    return []


def _equity_checks(rules: PortfolioRules, allowed: np.ndarray) -> list[str]:
    eq = rules.equity
    if eq is None:
        return []
    out: list[str] = []
    for k, row in enumerate(eq.centre_distances_km):
        near = row[allowed]
        if near.size and near.min() > eq.within_km:
            nearest = float(near.min())
            out.append(
                f"no allowed candidate lies within equity_km {fmt(eq.within_km)} of the "
                f"population centre of {eq.centre_names[k]} (the nearest is "
                f"{fmt(nearest)} km away); raise equity_km to {math.ceil(nearest)}"
            )
    return out


def diagnose(rules: PortfolioRules) -> list[str]:
    """Find a smallest set of rules that cannot hold together and the nearest relaxations.

    A deletion filter over rule families: drop each family in turn and keep it out if the model
    stays infeasible.  What is left is an irreducible infeasible set of families (with the
    site count), each of which is needed for the conflict.

    Parameters
    ----------
    rules
        Validated inputs whose model is infeasible.

    Returns
    -------
    list of str
        Messages for :class:`~siting.errors.InfeasibleError`.
    """
    n = rules.count.n
    kept = list(rules.families)
    for family in list(kept):
        trial = frozenset(set(rules.families) - set(kept) | {family})
        if not run(rules, Variant(omit=trial, objective="none")).feasible:
            kept.remove(family)
    omit = frozenset(set(rules.families) - set(kept))
    words = [rules.describe(f) for f in kept]
    most = run(rules, Variant(omit=omit, count="free", objective="count"))
    asked = f"{n} were asked" if rules.count.exact else f"up to {n} were asked"
    if not kept:
        return [f"no portfolio of {n} sites exists ({most.status})"]
    if most.feasible:
        k = round(most.objective)
        head = f"{join_words(words)} {'leaves' if len(words) == 1 else 'together leave'} room for "
        head += f"at most {k} site{'s' if k != 1 else ''}; {asked}"
        fixes = [f"ask for {k}"] if k >= 1 else []
    else:
        head = f"{join_words(words)} cannot hold together for any number of sites"
        fixes = []
    for family in kept:
        fix = relax(rules, family, omit)
        if fix:
            fixes.append(fix)
    if len(kept) > 1:
        fixes.append("drop any one of these rules")
    return [head + ("; " + " or ".join(fixes) if fixes else "")]


def relax(rules: PortfolioRules, family: str, omit: frozenset[str]) -> str:
    """Nearest feasible value of one rule, the others in the conflict kept as they are.

    Parameters
    ----------
    rules
        Validated inputs.
    family
        The rule to relax.
    omit
        Families outside the conflict, left out of every trial.

    Returns
    -------
    str
        The fix in words (``"lower min_spacing_km to 100"``), or ``""`` when none is found.
    """
    how = _RELAX.get(family)
    if how is not None:
        return how(rules, omit)
    return f"drop {rules.describe(family)}"


def _relax_spacing(rules: PortfolioRules, omit: frozenset[str]) -> str:
    sp = rules.spacing
    if sp is None:  # pragma: no cover - only called for present families
        return ""
    values = np.unique(sp.distances_km[np.triu_indices(rules.size, k=1)])
    values = values[values < sp.min_km]
    best = _largest_feasible(
        values, lambda v: run(rules, Variant(omit=omit, objective="none", spacing=v)).feasible
    )
    return "" if best is None else f"lower min_spacing_km to {math.floor(best)}"


def _relax_at_most(rules: PortfolioRules, omit: frozenset[str]) -> str:
    g = rules.groups
    if g is None or g.at_most is None:  # pragma: no cover - only called for present families
        return ""
    for cap in range(g.at_most + 1, rules.count.n + 1):
        if run(rules, Variant(omit=omit, objective="none", at_most=cap)).feasible:
            return f"allow {cap} per {g.field}"
    return ""


def _relax_budget(rules: PortfolioRules, omit: frozenset[str]) -> str:
    b = rules.budget
    if b is None:  # pragma: no cover - only called for present families
        return ""
    costs = b.costs

    def cheapest(prob: pulp.LpProblem, x: list[pulp.LpVariable], _y: object) -> None:
        prob.setObjective(affine([(x[j], -float(costs[j])) for j in range(rules.size)]))

    out = run(rules, Variant(omit=omit | {"budget"}, objective="none", extra=cheapest))
    if out.feasible:
        return f"raise the budget to {fmt(float(costs[out.selected].sum()))}"
    return ""


def _relax_equity(rules: PortfolioRules, omit: frozenset[str]) -> str:
    eq = rules.equity
    if eq is None:  # pragma: no cover - only called for present families
        return ""
    values = np.unique(eq.centre_distances_km)
    values = values[values > eq.within_km]
    # Smallest reach that works: search the ascending list for the first feasible value.
    best = _smallest_feasible(
        values, lambda v: run(rules, Variant(omit=omit, objective="none", equity_km=v)).feasible
    )
    return f"raise equity_km to {math.ceil(best)}" if best is not None else ""


_RELAX: dict[str, Callable[[PortfolioRules, frozenset[str]], str]] = {
    "min_spacing_km": _relax_spacing,
    "at_most_per_group": _relax_at_most,
    "budget": _relax_budget,
    "equity_km": _relax_equity,
}


def _largest_feasible(values: np.ndarray, ok: Callable[[float], bool]) -> float | None:
    """Largest value in ascending ``values`` for which the monotone test ``ok`` holds."""
    lo, hi, best = 0, values.size - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if ok(float(values[mid])):
            best, lo = float(values[mid]), mid + 1
        else:
            hi = mid - 1
    return best


def _smallest_feasible(values: np.ndarray, ok: Callable[[float], bool]) -> float | None:
    """Smallest value in ascending ``values`` for which the monotone test ``ok`` holds."""
    lo, hi, best = 0, values.size - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if ok(float(values[mid])):
            best, hi = float(values[mid]), mid - 1
        else:
            lo = mid + 1
    return best
