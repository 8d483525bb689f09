"""Several programmes at once: one integer program that allocates the sites among them.

Each programme (a science city, an academic campus, a nuclear town, ...) has its own scores and
its own portfolio rules, on its own rows (its kept candidates), as a validated
:class:`~siting.optimise.rules.PortfolioRules`.  The programmes share one set of towns (the
*joint axis*): ``Programme.sites`` says which town each row is.  With ``x[p, r] = 1`` when
programme ``p`` gets its row ``r``, the joint program maximises

    Σ_p  w_p · ( Σ_r score[p, r] · x[p, r]  +  population term of p )

subject to every programme's own rules, built by :func:`siting.optimise.model.build` (the count
or a range of counts, spacing, group caps, budget, must-include/exclude, coverage, equity), and
the shared rules:

- ``per_town``: at most ``per_site`` programmes in one town;
- ``compatible``: where towns may host several programmes, only the listed pairs may share one;
- ``shared_budget``: the programmes' costs together within a budget;
- ``spacing_across``: sites of two different programmes at least ``min_km`` apart;
- ``at_most_per_group_all``: at most so many sites, all programmes together, per region.

The same builder answers every question asked of the allocation, so that each is the same
model with a part switched off: each programme alone (no shared rules, no other programme), the
sequential approach (programme after programme, earlier ones fixed), whether a shared rule
binds (the optimum without it), and why the rules cannot hold together (a deletion filter over
the shared rules).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pulp

from siting.errors import DataError, InfeasibleError
from siting.i18n import N_, Msg
from siting.messages import all_of
from siting.optimise._core import add, affine, check_solver, make_solver, quiet_stdout, same
from siting.optimise.model import Variant, build
from siting.optimise.rules import NO_GROUP, GroupCaps, PortfolioRules, Spacing

__all__ = [
    "JOINT_FAMILIES",
    "Binding",
    "JointOutcome",
    "JointRules",
    "Programme",
    "Sequential",
    "alone",
    "binding",
    "conflict",
    "prepare_joint",
    "sequential",
    "solve_joint",
]

#: The shared rules, in the order they are explained and diagnosed.
JOINT_FAMILIES = (
    "per_town",
    "compatible",
    "shared_budget",
    "spacing_across",
    "at_most_per_group_all",
)


def _frozen(values: Any, dtype: Any) -> np.ndarray:
    out = np.array(values, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class Programme:
    """One programme of a joint allocation.

    Attributes
    ----------
    name
        Its name (unique among the programmes), used in sentences and tables.
    rules
        Its own portfolio rules and scores, on its own rows.  For a range of counts the rules
        say the most (``Count(n=most, exact=False)``) and ``at_least`` the fewest.
    sites
        The town (index on the joint axis) of each row, read-only.
    weight
        Weight of its objective in the joint objective (> 0).
    at_least
        Fewest sites when the count is a range; None when ``rules.count`` says it all.
    costs
        Cost of each row for the shared budget (None: it costs nothing there).
    """

    name: str
    rules: PortfolioRules
    sites: np.ndarray
    weight: float = 1.0
    at_least: int | None = None
    costs: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sites", _frozen(self.sites, np.intp))
        if self.costs is not None:
            object.__setattr__(self, "costs", _frozen(self.costs, float))


@dataclass(frozen=True, eq=False)
class JointRules:
    """The validated inputs of a joint allocation (built by :func:`prepare_joint`).

    Attributes
    ----------
    programmes
        The programmes, in the order the sequential approach takes them.
    names
        One name per town of the joint axis.
    per_site
        At most this many programmes in one town.
    compatible
        Pairs of programme indices ``(k, l)``, ``k < l``, that may share a town; None: any pair
        (up to ``per_site``).
    budget
        Shared budget over the programmes' costs (None: none).
    spacing
        Least distance between sites of different programmes (joint axis), or None.
    groups
        At most ``groups.at_most`` sites of all programmes together per group, or None.
    solver
        ``"cbc"`` or ``"highs"``.
    time_limit_s
        Stop each solve after this many seconds with the best allocation found (None: never).
    """

    programmes: tuple[Programme, ...]
    names: tuple[str, ...]
    per_site: int = 1
    compatible: frozenset[tuple[int, int]] | None = None
    budget: float | None = None
    spacing: Spacing | None = None
    groups: GroupCaps | None = None
    solver: str = "cbc"
    time_limit_s: float | None = None

    @property
    def size(self) -> int:
        """Number of towns on the joint axis."""
        return len(self.names)

    @property
    def families(self) -> tuple[str, ...]:
        """The shared rules this allocation has, in explanation order."""
        present = {
            "per_town": self._shared_towns() > self.per_site,
            "compatible": self.compatible is not None and self.per_site >= 2,
            "shared_budget": self.budget is not None,
            "spacing_across": self.spacing is not None and len(self.programmes) > 1,
            "at_most_per_group_all": self.groups is not None,
        }
        return tuple(f for f in JOINT_FAMILIES if present[f])

    def _shared_towns(self) -> int:
        """Most programmes that could meet in one town."""
        count = np.zeros(self.size, dtype=np.intp)
        for p in self.programmes:
            count[p.sites] += 1
        return int(count.max()) if count.size else 0

    def describe(self, family: str) -> Msg:
        """The shared rule in words (a translatable message)."""
        match family:
            case "per_town":
                return Msg(N_("at most {count} programmes per town"), count=self.per_site)
            case "compatible":
                pairs = [
                    Msg(
                        N_("{first} with {second}"),
                        first=self.programmes[k].name,
                        second=self.programmes[q].name,
                    )
                    for k, q in sorted(self.compatible or ())
                ]
                return Msg(
                    N_("only these programmes may share a town: {pairs}"),
                    pairs=all_of(pairs) if pairs else Msg(N_("none")),
                )
            case "shared_budget":
                return Msg(N_("shared budget {limit}"), limit=f"{self.budget:g}")
            case "spacing_across" if self.spacing is not None:
                return Msg(
                    N_("sites of different programmes at least {km} km apart"),
                    km=f"{self.spacing.min_km:g}",
                )
            case "at_most_per_group_all" if self.groups is not None:
                return Msg(
                    N_("at most {count} sites of all programmes per {field}"),
                    count=self.groups.at_most,
                    field=self.groups.field,
                )
        raise KeyError(family)  # pragma: no cover - internal misuse

    def value(self, k: int, rows: np.ndarray) -> float:
        """Programme ``k``'s own objective (score plus population term) of its rows ``rows``."""
        return self.programmes[k].rules.value(rows)

    def objective(self, selected: Sequence[np.ndarray]) -> float:
        """The joint objective of an allocation (rows of each programme)."""
        return float(
            sum(
                p.weight * self.value(k, rows)
                for k, (p, rows) in enumerate(zip(self.programmes, selected, strict=True))
            )
        )


# --------------------------------------------------------------------------- validation


def prepare_joint(
    programmes: Sequence[Programme],
    *,
    names: Sequence[str],
    per_site: int = 1,
    compatible: Sequence[tuple[str, str]] | None = None,
    budget: float | None = None,
    distances_km: Any = None,
    min_spacing_km: float | None = None,
    groups: Any = None,
    at_most_per_group: int | None = None,
    group_name: str = "group",
    solver: str = "cbc",
    time_limit_s: float | None = None,
) -> JointRules:
    """Check the inputs of a joint allocation once and report every problem together.

    Parameters
    ----------
    programmes
        The programmes, each with rules already checked by
        :func:`~siting.optimise.rules.prepare`.
    names
        One name per town of the joint axis.
    per_site
        At most this many programmes in one town (default 1).
    compatible
        Pairs of programme names that may share a town (needs ``per_site >= 2``); None: any.
    budget
        Shared budget over the programmes' ``costs``.
    distances_km, min_spacing_km
        Town × town distances, and the least distance between sites of different programmes.
    groups, at_most_per_group, group_name
        One group label per town ("" for none), the cap over all programmes, its field name.
    solver
        ``"cbc"`` (default) or ``"highs"``.
    time_limit_s
        Stop each solve after so many seconds (None: never).

    Returns
    -------
    JointRules
        The validated inputs, frozen.

    Raises
    ------
    DataError
        Listing every malformed input.
    """
    check_solver(solver)
    problems: list[str] = []
    label = [str(n) for n in names]
    size = len(label)
    progs = tuple(programmes)
    if not progs:
        problems.append(Msg(N_("there must be at least one programme")))
    seen: set[str] = set()
    for p in progs:
        _check_programme(p, size, seen, problems)
    if isinstance(per_site, bool) or not isinstance(per_site, (int, np.integer)) or per_site < 1:
        problems.append(
            Msg(N_("per_site must be a whole number >= 1; got {value}"), value=repr(per_site))
        )
    pairs = _pairs(compatible, [p.name for p in progs], per_site, problems)
    limit = None
    if budget is not None:
        limit = float(budget)
        if not np.isfinite(limit) or limit < 0:
            problems.append(
                Msg(N_("budget must be a finite number >= 0; got {value}"), value=repr(budget))
            )
        if all(p.costs is None for p in progs):
            problems.append(
                Msg(N_("a shared budget is set but no programme has costs; give them costs"))
            )
    spacing = _joint_spacing(distances_km, min_spacing_km, size, problems)
    caps = _joint_groups(groups, at_most_per_group, group_name, size, problems)
    if time_limit_s is not None and not (np.isfinite(time_limit_s) and time_limit_s > 0):
        problems.append(
            Msg(
                N_("time_limit_s must be a number of seconds > 0; got {value}"),
                value=repr(time_limit_s),
            )
        )
    if problems:
        raise DataError(problems)
    return JointRules(
        programmes=progs,
        names=tuple(label),
        per_site=int(per_site),
        compatible=pairs,
        budget=limit,
        spacing=spacing,
        groups=caps,
        solver=solver,
        time_limit_s=None if time_limit_s is None else float(time_limit_s),
    )


def _check_programme(p: Programme, size: int, seen: set[str], problems: list[str]) -> None:
    if p.name in seen:
        problems.append(
            Msg(
                N_("programme {name} is listed twice; give each a name of its own"),
                name=repr(p.name),
            )
        )
    seen.add(p.name)
    rows = p.rules.size
    if p.sites.shape != (rows,):
        problems.append(
            Msg(
                N_("programme {name}: sites must give one town per row ({rows}); got {shape}"),
                name=repr(p.name),
                rows=rows,
                shape=p.sites.shape,
            )
        )
        return
    if rows and (p.sites.min() < 0 or p.sites.max() >= size):
        problems.append(
            Msg(
                N_("programme {name}: sites must be town indices from 0 to {last}"),
                name=repr(p.name),
                last=size - 1,
            )
        )
    elif np.unique(p.sites).size != rows:
        problems.append(
            Msg(
                N_("programme {name}: a town appears on two rows; list each town once"),
                name=repr(p.name),
            )
        )
    if not (np.isfinite(p.weight) and p.weight > 0):
        problems.append(
            Msg(
                N_("programme {name}: weight must be a number > 0; got {value}"),
                name=repr(p.name),
                value=repr(p.weight),
            )
        )
    if p.at_least is not None and not (0 <= p.at_least <= p.rules.count.n):
        problems.append(
            Msg(
                N_("programme {name}: at_least {least} must lie from 0 to the most sites ({most})"),
                name=repr(p.name),
                least=p.at_least,
                most=p.rules.count.n,
            )
        )
    if p.costs is not None and (
        p.costs.shape != (rows,) or not np.all(np.isfinite(p.costs)) or np.any(p.costs < 0)
    ):
        problems.append(
            Msg(
                N_("programme {name}: costs must be one finite number >= 0 per row ({rows})"),
                name=repr(p.name),
                rows=rows,
            )
        )


def _pairs(
    compatible: Sequence[tuple[str, str]] | None,
    known: list[str],
    per_site: Any,
    problems: list[str],
) -> frozenset[tuple[int, int]] | None:
    if compatible is None:
        return None
    index = {name: k for k, name in enumerate(known)}
    out: set[tuple[int, int]] = set()
    for pair in compatible:
        a, b = (str(v) for v in pair)
        if a not in index or b not in index:
            unknown = [v for v in (a, b) if v not in index]
            problems.append(
                Msg(
                    N_("compatible names {names}, which are not programmes"),
                    names=all_of([repr(v) for v in unknown]),
                )
            )
            continue
        if a == b:
            problems.append(
                Msg(N_("compatible pairs {name} with itself; pair two programmes"), name=repr(a))
            )
            continue
        out.add((min(index[a], index[b]), max(index[a], index[b])))
    if isinstance(per_site, int) and per_site < 2:
        problems.append(
            Msg(N_("compatible pairs may share a town, but per_site is 1; raise per_site to 2"))
        )
    return frozenset(out)


def _joint_spacing(
    distances_km: Any, min_km: Any, size: int, problems: list[str]
) -> Spacing | None:
    if min_km is None:
        return None
    km = float(min_km)
    if not np.isfinite(km) or km < 0:
        problems.append(
            Msg(N_("min_spacing_km must be a finite number >= 0; got {value}"), value=repr(min_km))
        )
        return None
    if distances_km is None:
        problems.append(
            Msg(
                N_(
                    "min_spacing_km is set but distances_km is missing; pass the town × town distances in km"
                )
            )
        )
        return None
    d = np.asarray(distances_km, dtype=float)
    if d.shape != (size, size) or not np.all(np.isfinite(d)) or np.any(d < 0):
        problems.append(
            Msg(
                N_("distances_km must be a town × town matrix ({size} × {size}) of distances >= 0"),
                size=size,
            )
        )
        return None
    return None if km == 0 else Spacing(min_km=km, distances_km=d)


def _joint_groups(
    groups: Any, at_most: Any, field_name: str, size: int, problems: list[str]
) -> GroupCaps | None:
    if at_most is None:
        return None
    if isinstance(at_most, bool) or not isinstance(at_most, (int, np.integer)) or at_most < 1:
        problems.append(
            Msg(
                N_("at_most_per_group must be a whole number >= 1; got {value}"),
                value=repr(at_most),
            )
        )
        return None
    if groups is None:
        problems.append(
            Msg(N_("at_most_per_group is set but groups is missing; pass one label per town"))
        )
        return None
    g = np.array([str(v).strip() for v in np.asarray(groups, dtype=object)], dtype=object)
    if g.shape != (size,):
        problems.append(Msg(N_("groups must have one label per town ({size})"), size=size))
        return None
    grouped = g != ""
    labels, inverse = np.unique(g[grouped].astype(str), return_inverse=True)
    codes = np.full(size, NO_GROUP, dtype=np.intp)
    codes[grouped] = inverse
    return GroupCaps(
        field=field_name, codes=codes, labels=tuple(str(v) for v in labels), at_most=int(at_most)
    )


# --------------------------------------------------------------------------- the model


@dataclass
class _Built:
    prob: pulp.LpProblem
    x: dict[int, list[pulp.LpVariable]]


def _build(  # noqa: C901 - one rule family per branch, in the order the docstring lists them
    joint: JointRules,
    *,
    active: Sequence[int],
    omit: frozenset[str] = frozenset(),
    fixed: Mapping[int, np.ndarray] | None = None,
) -> _Built:
    """The joint program over the programmes ``active`` (others absent), some shared rules off.

    Each programme's own rows come from :func:`siting.optimise.model.build` (so its rules are
    exactly the single-programme model's), its variables renamed ``p{k}_...``; the shared rules
    are added on top.  ``fixed`` pins programmes to given rows (the sequential approach).
    """
    prob = pulp.LpProblem("programmes", pulp.LpMaximize)
    xs: dict[int, list[pulp.LpVariable]] = {}
    objective: list[tuple[pulp.LpVariable, float]] = []
    for k in active:
        p = joint.programmes[k]
        ranged = p.at_least is not None and not p.rules.count.exact
        own = build(p.rules, Variant(count="at_most" if ranged else None))
        names = {id(v): f"p{k}_{v.name}" for v in own.prob.variables()}
        for v in own.prob.variables():
            v.name = names[id(v)]
        for row in own.prob.constraints():
            prob.addConstraint(row, name=f"p{k}_{row.name}")
        objective += [(v, p.weight * float(c)) for v, c in own.prob.objective.items()]
        if ranged and p.at_least:
            add(
                prob,
                affine([(v, 1.0) for v in own.x]),
                pulp.LpConstraintGE,
                p.at_least,
                f"p{k}_least",
            )
        if fixed is not None and k in fixed:
            pinned = np.zeros(p.rules.size, dtype=bool)
            pinned[np.asarray(fixed[k], dtype=np.intp)] = True
            for r, v in enumerate(own.x):
                v.lowBound = v.upBound = int(pinned[r])
        xs[k] = own.x
    # every variable is in the objective (with coefficient 0 if need be), so that the solver
    # sees the whole model even when a programme's rows hold no constraint
    seen = {id(v) for v, _ in objective}
    objective += [(v, 0.0) for k in active for v in xs[k] if id(v) not in seen]
    prob.setObjective(affine(objective))
    at: list[list[tuple[int, pulp.LpVariable]]] = [[] for _ in range(joint.size)]
    for k in active:
        for r, s in enumerate(joint.programmes[k].sites):
            at[s].append((k, xs[k][r]))
    families = set(joint.families) - omit
    if "per_town" in families:
        for s, here in enumerate(at):
            if len(here) > joint.per_site:
                add(
                    prob,
                    affine([(v, 1.0) for _, v in here]),
                    pulp.LpConstraintLE,
                    joint.per_site,
                    f"town{s}",
                )
    if "compatible" in families and joint.compatible is not None:
        for s, here in enumerate(at):
            for a in range(len(here)):
                for b in range(a + 1, len(here)):
                    (k, u), (q, v) = here[a], here[b]
                    if (min(k, q), max(k, q)) not in joint.compatible:
                        add(
                            prob,
                            affine([(u, 1.0), (v, 1.0)]),
                            pulp.LpConstraintLE,
                            1.0,
                            f"pair{s}_{k}_{q}",
                        )
    if "shared_budget" in families and joint.budget is not None:
        terms = []
        for k in active:
            costs = joint.programmes[k].costs
            if costs is not None:
                terms += [(xs[k][r], float(c)) for r, c in enumerate(costs) if c]
        add(prob, affine(terms), pulp.LpConstraintLE, joint.budget, "shared_budget")
    if "spacing_across" in families and joint.spacing is not None:
        # The close pairs from the rule's neighbour query (no town × town matrix), both ways.
        near_i, near_j = joint.spacing.pairs()
        close = set(zip(near_i.tolist(), near_j.tolist(), strict=True))
        close |= {(b, a) for a, b in close}
        for i, k in enumerate(active):
            for q in active[i + 1 :]:
                at_k = {site: a for a, site in enumerate(joint.programmes[k].sites.tolist())}
                at_q = {site: b for b, site in enumerate(joint.programmes[q].sites.tolist())}
                across = sorted((at_k[u], at_q[v]) for u, v in close if u in at_k and v in at_q)
                for a, b in across:
                    add(
                        prob,
                        affine([(xs[k][a], 1.0), (xs[q][b], 1.0)]),
                        pulp.LpConstraintLE,
                        1.0,
                        f"across{k}_{a}_{q}_{b}",
                    )
    if "at_most_per_group_all" in families and joint.groups is not None:
        g = joint.groups
        for gi in range(len(g.labels)):
            terms = [(v, 1.0) for s, here in enumerate(at) if g.codes[s] == gi for _, v in here]
            cap = float(g.at_most or 0)
            if len(terms) > cap:
                add(prob, affine(terms), pulp.LpConstraintLE, cap, f"group{gi}")
    return _Built(prob=prob, x=xs)


@dataclass(frozen=True)
class JointOutcome:
    """One solve of the joint program.

    Attributes
    ----------
    feasible
        An allocation was found.
    proved
        It is proved optimal (False when the time limit stopped the solver first).
    status
        The solver's status in words (``"Optimal"``, ``"Infeasible"``, ``"Time limit"``, ...).
    objective
        The joint objective of the allocation (``nan`` without one).
    selected
        Rows chosen for each programme (empty for a programme left out of the solve).
    values
        Each programme's own objective (score plus population term) of its rows.
    seconds
        Build and solve time.
    variables, constraints
        The model's size.
    """

    feasible: bool
    proved: bool
    status: str
    objective: float
    selected: tuple[np.ndarray, ...]
    values: np.ndarray
    seconds: float
    variables: int = 0
    constraints: int = 0


def _solve(built: _Built, joint: JointRules) -> tuple[str, bool, bool, float]:
    solver = make_solver(joint.solver)
    if joint.time_limit_s is not None:
        solver.timeLimit = joint.time_limit_s
    # exact: no relative gap (HiGHS stops at 0.01 % by default)
    solver.optionsDict["gapRel"] = 0.0
    start = time.perf_counter()
    if joint.solver == "highs":
        with quiet_stdout():
            built.prob.solve(solver)
    else:
        built.prob.solve(solver)
    seconds = time.perf_counter() - start
    found = built.prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    proved = (
        built.prob.status == pulp.LpStatusOptimal
        and built.prob.sol_status == pulp.LpSolutionOptimal
    )
    status = pulp.LpStatus.get(built.prob.status, str(built.prob.status))
    if found and not proved:
        status = "Time limit"
    elif not found and status == "Optimal":
        status = "Not solved"
    return status, found, proved, seconds


def solve_joint(
    joint: JointRules,
    *,
    active: Sequence[int] | None = None,
    omit: frozenset[str] = frozenset(),
    fixed: Mapping[int, np.ndarray] | None = None,
) -> JointOutcome:
    """Solve the joint program (or a part of it) exactly.

    Parameters
    ----------
    joint
        Validated inputs.
    active
        Programmes in the model (default: all); the others get no sites.
    omit
        Shared rules (:data:`JOINT_FAMILIES`) left out.
    fixed
        Programmes pinned to given rows.

    Returns
    -------
    JointOutcome
        The allocation, its status and its values.
    """
    start = time.perf_counter()
    order = list(range(len(joint.programmes))) if active is None else list(active)
    built = _build(joint, active=order, omit=omit, fixed=fixed)
    status, found, proved, _ = _solve(built, joint)
    selected = []
    for k in range(len(joint.programmes)):
        if k in built.x and found:
            x = np.array([v.varValue or 0.0 for v in built.x[k]])
            selected.append(np.flatnonzero(x > 0.5))
        else:
            selected.append(np.empty(0, dtype=np.intp))
    values = np.array([joint.value(k, rows) for k, rows in enumerate(selected)])
    weights = np.array([p.weight for p in joint.programmes])
    return JointOutcome(
        feasible=found,
        proved=proved,
        status=status,
        objective=float(weights @ values) if found else float("nan"),
        selected=tuple(selected),
        values=values,
        seconds=time.perf_counter() - start,
        variables=len(built.prob.variables()),
        constraints=built.prob.numConstraints(),
    )


def alone(joint: JointRules, k: int) -> JointOutcome:
    """Programme ``k`` chosen on its own: its rules only, no shared rule, no other programme."""
    return solve_joint(joint, active=[k], omit=frozenset(JOINT_FAMILIES))


@dataclass(frozen=True)
class Sequential:
    """Programme after programme in a fixed order, each taking what the earlier ones left.

    Attributes
    ----------
    order
        Programme indices in the order they were chosen.
    outcome
        The last step that found sites: every programme placed so far (all of them when
        ``failed_at`` is None); None when the first step failed.
    failed_at
        The programme that could not be placed under the shared rules, or None.
    placed
        The programmes placed, in order (all of ``order`` when ``failed_at`` is None).
    """

    order: tuple[int, ...]
    outcome: JointOutcome | None
    failed_at: int | None
    placed: tuple[int, ...] = ()

    @property
    def objective(self) -> float:
        """The weighted total of the programmes placed (nan when one could not be placed)."""
        if self.failed_at is not None or self.outcome is None:
            return float("nan")
        return self.outcome.objective

    def value(self, k: int) -> float:
        """Programme ``k``'s own objective as placed (nan when it was not placed)."""
        if self.outcome is None or k not in self.placed:
            return float("nan")
        return float(self.outcome.values[k])


def sequential(joint: JointRules, order: Sequence[int] | None = None) -> Sequential:
    """The sequential approach of desktop tools: best for the first programme, then the next.

    Each step solves the joint program with the programmes chosen so far pinned, the current
    one free and the later ones absent, under every shared rule.
    """
    steps = list(range(len(joint.programmes))) if order is None else list(order)
    fixed: dict[int, np.ndarray] = {}
    last: JointOutcome | None = None
    for i, k in enumerate(steps):
        outcome = solve_joint(joint, active=steps[: i + 1], fixed=fixed)
        if not outcome.feasible:
            return Sequential(tuple(steps), last, failed_at=k, placed=tuple(steps[:i]))
        fixed[k] = outcome.selected[k]
        last = outcome
    return Sequential(tuple(steps), last, failed_at=None, placed=tuple(steps))


@dataclass(frozen=True)
class Binding:
    """Whether one shared rule binds: the joint optimum with and without it."""

    family: str
    binds: bool
    objective: float
    objective_without: float
    without: JointOutcome = field(repr=False)


def binding(joint: JointRules, best: JointOutcome) -> list[Binding]:
    """Say which shared rules bind: re-solve without each and compare the optimum."""
    out = []
    for family in joint.families:
        without = solve_joint(joint, omit=frozenset({family}))
        value = without.objective if without.feasible else float("nan")
        binds = without.feasible and not same(value, best.objective)
        out.append(Binding(family, bool(binds), best.objective, value, without))
    return out


def conflict(joint: JointRules) -> list[str]:
    """A smallest set of shared rules that cannot hold together with the programmes' own.

    A deletion filter: drop each shared rule in turn and keep it dropped when the program stays
    infeasible without it.  Each programme is assumed feasible on its own (check that first:
    :func:`alone`); then without any shared rule the program is feasible, so the set is not
    empty.

    Raises
    ------
    InfeasibleError
        Never; returns the families (see :data:`JOINT_FAMILIES`).
    """
    dropped: set[str] = set()
    for family in joint.families:
        trial = frozenset(dropped | {family})
        if not solve_joint(joint, omit=trial).feasible:
            dropped.add(family)
    return [f for f in joint.families if f not in dropped]


def check_alone(outcomes: Sequence[JointOutcome], joint: JointRules) -> None:
    """Raise :class:`InfeasibleError` naming the programmes that cannot be chosen even alone."""
    bad = [joint.programmes[k].name for k, o in enumerate(outcomes) if not o.feasible]
    if bad:
        msg = Msg(
            N_(
                "{names}: no portfolio satisfies the programme's own rules; see siting run on its profile"
            ),
            names=all_of([repr(b) for b in bad]),
        )
        raise InfeasibleError(msg)
