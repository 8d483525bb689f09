"""Why rules cannot hold together, and the nearest change that would let them.

Two steps.  :func:`quick_checks` finds the arithmetic reasons (more sites locked in than asked,
a group cap that leaves too little room, a budget below the cheapest portfolio, ...) without a
solver.  When those pass but the model is still infeasible, :func:`diagnose` runs a deletion
filter over rule families to find a smallest conflicting set, and :func:`relax` searches each of
its rules for the nearest value that makes the model feasible again.  Every sentence is a
translatable :class:`siting.i18n.Msg`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pulp

from siting.i18n import N_, Msg
from siting.messages import all_of, either, plural
from siting.optimise._core import affine, fmt
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
        out.append(
            Msg(
                N_(
                    "{asked} sites were asked but there are only {m} candidates; ask for at most {m}"
                ),
                asked=n,
                m=m,
            )
        )
    both = np.intersect1d(inc, exc)
    if both.size:
        out.append(
            plural(
                "{sites} is both in must_include and must_exclude; remove it from one of them",
                "{sites} are both in must_include and must_exclude; remove them from one of them",
                both.size,
                sites=all_of([rules.name(j) for j in both]),
            )
        )
    if inc.size > n:
        out.append(
            Msg(
                N_(
                    "must_include locks in {locked} sites but only {asked} were asked; ask for "
                    "{locked} or shorten must_include"
                ),
                locked=inc.size,
                asked=n,
            )
        )
    left = int(allowed.sum())
    if exc.size and n <= m and rules.count.exact and left < n:
        out.append(
            Msg(
                N_(
                    "must_exclude leaves {left} candidates but {asked} sites were asked; ask for "
                    "{left} or shorten must_exclude"
                ),
                left=left,
                asked=n,
            )
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
            Msg(
                N_(
                    "at least {least} per {field} contradicts at most {most} per {field}; make "
                    "the minimum no larger than the maximum"
                ),
                least=g.at_least,
                most=g.at_most,
                field=name,
            )
        )
    if g.at_most is not None and rules.count.exact:
        # candidates in no group (an empty label) are free of the cap
        room = int(np.minimum(counts_all, g.at_most).sum()) + g.free(allowed).size
        if room < n:
            out.append(
                Msg(
                    N_(
                        "at most {most} per {field} allows at most {room} sites but {asked} were "
                        "asked; ask for {room} or allow more per {field}"
                    ),
                    most=g.at_most,
                    field=name,
                    room=room,
                    asked=n,
                )
            )
    if g.at_most is not None and inc.size:
        locked = g.counts(inc)
        out.extend(
            Msg(
                N_(
                    "must_include locks in {locked} sites in {group} but at most {most} per "
                    "{field} is allowed"
                ),
                locked=locked[k],
                group=g.labels[k],
                most=g.at_most,
                field=name,
            )
            for k in np.flatnonzero(locked > g.at_most)
        )
    if g.at_least is not None:
        groups = len(g.labels)
        need = g.at_least * groups
        if need > n:
            out.append(
                Msg(
                    N_(
                        "at least {least} per {field} needs {need} sites ({groups} {field} "
                        "values) but only {asked} were asked; ask for {need} or lower the minimum"
                    ),
                    least=g.at_least,
                    field=name,
                    need=need,
                    groups=groups,
                    asked=n,
                )
            )
        out.extend(
            plural(
                "at least {least} per {field} cannot hold in {group}: it has only {n} allowed "
                "candidate",
                "at least {least} per {field} cannot hold in {group}: it has only {n} allowed "
                "candidates",
                int(counts_all[k]),
                least=g.at_least,
                field=name,
                group=g.labels[k],
            )
            for k in np.flatnonzero(counts_all < g.at_least)
        )
    return out


def _spacing_checks(rules: PortfolioRules) -> list[str]:
    sp, inc = rules.spacing, rules.lock.include
    if sp is None or inc.size <= 1:
        return []
    sub = sp.among(inc)
    a, b = np.nonzero(np.triu(sub < sp.min_km, k=1))
    out: list[str] = []
    for p, q in zip(a, b, strict=True):
        gap = float(sub[p, q])
        out.append(
            Msg(
                N_(
                    "must_include sites {a} and {b} are {gap} km apart, closer than "
                    "min_spacing_km {km}; lower it to {lower} or drop one"
                ),
                a=rules.name(inc[p]),
                b=rules.name(inc[q]),
                gap=fmt(gap),
                km=fmt(sp.min_km),
                lower=math.floor(gap),
            )
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
            Msg(
                N_(
                    "must_include sites cost {cost}, more than the budget {limit}; raise the "
                    "budget to {cost}"
                ),
                cost=fmt(locked),
                limit=fmt(b.limit),
            )
        ]
    if rules.count.exact:
        cheapest = float(np.sort(b.costs[allowed])[:n].sum())
        if cheapest > b.limit:
            return [
                Msg(
                    N_(
                        "the {asked} cheapest allowed sites cost {cost}, more than the budget "
                        "{limit}; raise the budget to {cost} or ask for fewer"
                    ),
                    asked=n,
                    cost=fmt(cheapest),
                    limit=fmt(b.limit),
                )
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
                Msg(
                    N_(
                        "no allowed candidate lies within equity_km {km} of the population "
                        "centre of {centre} (the nearest is {nearest} km away); raise equity_km "
                        "to {raise_to}"
                    ),
                    km=fmt(eq.within_km),
                    centre=eq.centre_names[k],
                    nearest=fmt(nearest),
                    raise_to=math.ceil(nearest),
                )
            )
    return out


#: PuLP's status names (``pulp.LpStatus``) in words, for messages a reader sees.
_STATUS = {
    "Optimal": N_("the solver proved the answer optimal"),
    "Not Solved": N_("the solver stopped before it found an answer"),
    "Infeasible": N_("the solver proved that none exists"),
    "Unbounded": N_("the solver found the problem unbounded"),
    "Undefined": N_("the solver could not decide"),
}


def solver_status(status: str) -> Msg | str:
    """PuLP's status name (``Infeasible``) as a message in words; an unknown one as it is."""
    return Msg(_STATUS[status]) if status in _STATUS else status


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
    words = all_of([rules.describe(f) for f in kept])
    most = run(rules, Variant(omit=omit, count="free", objective="count"))
    asked = (
        plural("{n} was asked", "{n} were asked", n)
        if rules.count.exact
        else plural("up to {n} was asked", "up to {n} were asked", n)
    )
    if not kept:
        return [
            Msg(
                N_("no portfolio of {n} sites exists ({status})"),
                n=n,
                status=solver_status(most.status),
            )
        ]
    fixes: list[str] = []
    head: Msg
    if most.feasible:
        k = round(most.objective)
        room = plural("at most {n} site", "at most {n} sites", k)
        head = (
            Msg(N_("{rules} leaves room for {room}; {asked}"), rules=words, room=room, asked=asked)
            if len(kept) == 1
            else Msg(
                N_("{rules} together leave room for {room}; {asked}"),
                rules=words,
                room=room,
                asked=asked,
            )
        )
        if k >= 1:
            fixes.append(Msg(N_("ask for {count}"), count=k))
    else:
        head = Msg(N_("{rules} cannot hold together for any number of sites"), rules=words)
    for family in kept:
        fix = relax(rules, family, omit)
        if fix:
            fixes.append(fix)
    if len(kept) > 1:
        fixes.append(Msg(N_("drop any one of these rules")))
    if not fixes:
        return [head]
    return [Msg(N_("{problem}; {fixes}"), problem=head, fixes=either(fixes))]


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
    return Msg(N_("drop {rule}"), rule=rules.describe(family))


def _relax_spacing(rules: PortfolioRules, omit: frozenset[str]) -> str:
    """The largest whole number of km the spacing can be lowered to, the conflict kept.

    Feasibility only changes where the spacing passes a pair's distance, and it falls as the
    spacing grows; the fix is said in whole km, rounded down.  The largest feasible pair
    distance ``T`` below the rule's spacing, rounded down, is the largest whole ``k`` that is
    feasible (``floor(T) <= T`` is; ``floor(T) + 1 > T`` is not), so a search over whole km
    finds it without listing every pair's distance (which grow with the square of the
    candidates).
    """
    sp = rules.spacing
    if sp is None:  # pragma: no cover - only called for present families
        return ""
    if sp.count_pairs() == 0:
        return ""
    whole = np.arange(math.ceil(sp.min_km), dtype=float)
    best = _largest_feasible(
        whole, lambda v: run(rules, Variant(omit=omit, objective="none", spacing=v)).feasible
    )
    return "" if best is None else Msg(N_("lower min_spacing_km to {km}"), km=math.floor(best))


def _relax_at_most(rules: PortfolioRules, omit: frozenset[str]) -> str:
    g = rules.groups
    if g is None or g.at_most is None:  # pragma: no cover - only called for present families
        return ""
    for cap in range(g.at_most + 1, rules.count.n + 1):
        if run(rules, Variant(omit=omit, objective="none", at_most=cap)).feasible:
            return Msg(N_("allow {count} per {field}"), count=cap, field=g.field)
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
        return Msg(N_("raise the budget to {cost}"), cost=fmt(float(costs[out.selected].sum())))
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
    return Msg(N_("raise equity_km to {km}"), km=math.ceil(best)) if best is not None else ""


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
