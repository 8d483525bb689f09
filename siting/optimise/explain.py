"""Which rules bind, in words: re-solve without each rule family and compare the optimum.

When the model is small enough to list every feasible portfolio
(:func:`siting.optimise.enumerate.listing`), the optimum without a family is read from the
listing of the model without it instead of a new integer program: the same optimum, exactly.

A rule *binds* when dropping it would change the optimal objective.  The sentence then says
what the unconstrained optimum would do that the rule forbids (the pair that is too close, the
group that would get too many sites, the cost over budget, ...).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from siting.optimise._core import fmt, join_words, same
from siting.optimise.enumerate import listing
from siting.optimise.model import Outcome, Variant, run
from siting.optimise.rules import PortfolioRules

__all__ = ["explain", "objective_word", "rule_value"]


def objective_word(rules: PortfolioRules) -> str:
    """What the objective is called in sentences."""
    if rules.coverage is not None and rules.coverage.weight:
        return "objective (score plus population term)"
    return "total score"


def explain(rules: PortfolioRules, best: Outcome) -> tuple[list[str], list[dict[str, Any]], float]:
    """Say which rule families bind: re-solve without each and compare the optimum.

    Parameters
    ----------
    rules
        Validated inputs.
    best
        The optimum under every rule.

    Returns
    -------
    tuple
        Sentences for the binding rules, one dict per rule (see
        :attr:`~siting.optimise.OptimisationResult.binding_details`), seconds spent.
    """
    sentences: list[str] = []
    details: list[dict[str, Any]] = []
    seconds = 0.0
    word = objective_word(rules)
    listed = listing(rules) is not None
    for family in rules.families:
        without = (listed and _listed(rules, family)) or run(
            rules, Variant(omit=frozenset({family}))
        )
        seconds += without.seconds
        rule = rules.describe(family)
        info: dict[str, Any] = {
            "rule": family,
            "value": rule_value(rules, family),
            "objective": best.objective,
            "objective_without": without.objective if without.feasible else None,
            "selected_without": without.selected.tolist(),
        }
        if not without.feasible or not without.proven:
            # Dropping a rule cannot make a feasible model infeasible; guard anyway.  A
            # re-solve stopped at the time limit proves nothing either way.
            info["binds"] = False
            info["sentence"] = f"{rule}: could not re-solve without it ({without.status})"
            details.append(info)
            continue
        binds = not same(without.objective, best.objective)
        info["binds"] = binds
        why, extra = _WHY[family](rules, without.selected)
        info.update(extra)
        if binds:
            sentence = (
                f"{rule} binds: without it the {word} would be {fmt(without.objective)} "
                f"instead of {fmt(best.objective)}"
            )
            if why:
                sentence += f" ({why})"
            sentences.append(sentence)
        else:
            sentence = f"{rule} does not bind: the best {word} is the same without it"
        info["sentence"] = sentence
        details.append(info)
    return sentences, details, seconds


def _listed(rules: PortfolioRules, family: str) -> Outcome | None:
    """The optimum without ``family`` from the listing of the model without it (None: too many).

    The same optimum as the integer program without that family's rows (every feasible
    portfolio is looked at); a tie goes to the portfolio listed first.
    """
    start = time.perf_counter()
    found = listing(rules, omit=family)
    if found is None:
        return None
    k = found.best(found.value)
    if k is None:  # pragma: no cover - a listing holds at least one portfolio
        return None
    sel = found.sites(k)
    return Outcome(
        feasible=True,
        status="Optimal",
        objective=float(found.value[k]),
        selected=sel,
        covered_population=float(found.cover[k]),
        seconds=time.perf_counter() - start,
    )


def rule_value(rules: PortfolioRules, family: str) -> Any:
    """The rule's value as the user gave it (a number, or a list of candidate indices)."""
    g = rules.groups
    match family:
        case "min_spacing_km" if rules.spacing is not None:
            return rules.spacing.min_km
        case "at_most_per_group" if g is not None:
            return g.at_most
        case "at_least_per_group" if g is not None:
            return g.at_least
        case "budget" if rules.budget is not None:
            return rules.budget.limit
        case "equity_km" if rules.equity is not None:
            return rules.equity.within_km
        case "must_include":
            return rules.lock.include.tolist()
        case "must_exclude":
            return rules.lock.exclude.tolist()
    raise KeyError(family)  # pragma: no cover - internal misuse


# What the optimum without the rule, ``sel``, does that the rule forbids: a clause for the
# sentence and the same facts for ``binding_details``.
Why = Callable[[PortfolioRules, np.ndarray], tuple[str, dict[str, Any]]]


def _why_spacing(rules: PortfolioRules, sel: np.ndarray) -> tuple[str, dict[str, Any]]:
    sp = rules.spacing
    if sp is None:  # pragma: no cover - only called for present families
        return "", {}
    sub = sp.among(sel)
    a, b = np.nonzero(np.triu(sub < sp.min_km, k=1))
    pairs = [(int(sel[p]), int(sel[q]), float(sub[p, q])) for p, q in zip(a, b, strict=True)]
    pairs.sort(key=lambda t: t[2])
    text = "; ".join(
        f"{rules.name(i)} and {rules.name(j)} are {fmt(d)} km apart" for i, j, d in pairs[:3]
    )
    if len(pairs) > 3:
        text += f"; {len(pairs) - 3} more pairs"
    return text, {"pairs": [list(p) for p in pairs]}


def _why_at_most(rules: PortfolioRules, sel: np.ndarray) -> tuple[str, dict[str, Any]]:
    g = rules.groups
    if g is None:  # pragma: no cover - only called for present families
        return "", {}
    counts = g.counts(sel)
    over = np.flatnonzero(counts > (g.at_most or 0))
    parts = [
        f"{g.labels[k]} would get {counts[k]}: "
        + join_words([rules.name(j) for j in sel if g.codes[j] == k])
        for k in over
    ]
    return "; ".join(parts), {"groups": [g.labels[k] for k in over]}


def _why_at_least(rules: PortfolioRules, sel: np.ndarray) -> tuple[str, dict[str, Any]]:
    g = rules.groups
    if g is None:  # pragma: no cover - only called for present families
        return "", {}
    counts = g.counts(sel)
    under = np.flatnonzero(counts < (g.at_least or 0))
    parts = [f"{g.labels[k]} would get {counts[k]}" for k in under]
    return "; ".join(parts), {"groups": [g.labels[k] for k in under]}


def _why_budget(rules: PortfolioRules, sel: np.ndarray) -> tuple[str, dict[str, Any]]:
    if rules.budget is None:  # pragma: no cover - only called for present families
        return "", {}
    spent = float(rules.budget.costs[sel].sum())
    return f"that portfolio costs {fmt(spent)}", {"cost_without": spent}


def _why_include(rules: PortfolioRules, sel: np.ndarray) -> tuple[str, dict[str, Any]]:
    chosen = set(sel.tolist())
    out = [int(j) for j in rules.lock.include if j not in chosen]
    text = join_words([rules.name(j) for j in out])
    return (f"{text} would not be chosen" if out else ""), {"dropped": out}


def _why_exclude(rules: PortfolioRules, sel: np.ndarray) -> tuple[str, dict[str, Any]]:
    chosen = set(sel.tolist())
    inn = [int(j) for j in rules.lock.exclude if j in chosen]
    text = join_words([rules.name(j) for j in inn])
    return (f"{text} would be chosen" if inn else ""), {"added": inn}


def _why_equity(rules: PortfolioRules, sel: np.ndarray) -> tuple[str, dict[str, Any]]:
    eq = rules.equity
    if eq is None or not sel.size:
        return "", {}
    near = eq.centre_distances_km[:, sel].min(axis=1)
    far = np.flatnonzero(near > eq.within_km)
    parts = [
        f"the population centre of {eq.centre_names[k]} would be {fmt(float(near[k]))} km "
        "from the nearest chosen site"
        for k in far
    ]
    return "; ".join(parts), {"centres": [int(k) for k in far]}


_WHY: dict[str, Why] = {
    "min_spacing_km": _why_spacing,
    "at_most_per_group": _why_at_most,
    "at_least_per_group": _why_at_least,
    "budget": _why_budget,
    "must_include": _why_include,
    "must_exclude": _why_exclude,
    "equity_km": _why_equity,
}
