r"""Exact p-median by branch-and-Benders-cut on the radius formulation.

The radius formulation of Elloumi (2010) charges demand point ``i`` the distance ``D_i^1`` to its
nearest candidate plus, for each further distance level ``D_i^{k+1}``, the step
``D_i^{k+1} - D_i^k`` whenever no open site lies within ``D_i^k``.  Projecting its ``z``
variables out, as Duran-Mateluna, Alès and Elloumi (2023, *An efficient Benders decomposition for the
p-median problem*, EJOR; arXiv:2111.13405) do, leaves one continuous variable
``θ_i`` per demand point (its distance to the nearest open site) and the Benders cuts

.. math::

    θ_i \ \ge\ D - \sum_{j:\, c_{ij} < D} (D - c_{ij})\, y_j
    \qquad\text{for every distance level } D \text{ of } i,

valid because, with the nearest open site at distance ``d``, the right-hand side is at most
``D`` when ``d >= D`` and at most ``D - (D - d) = d`` otherwise.  The master problem is

.. math::

    \min \sum_i w_i θ_i \quad\text{s.t.}\quad \sum_j y_j = p,\ \text{the cuts},\
    θ_i \ge \min_j c_{ij},\ y \in \{0, 1\}^n.

For a fractional ``y`` the most violated cut of demand point ``i`` is the one at the first
level where the open shares of its candidates, taken nearest first, add up to 1 (the cut's
right-hand side is concave in ``D`` with slope ``1 - Σ_{c_ij < D} y_j``), so separation is a
cumulative sum over each row of the sorted cost matrix.  With every violated cut added the
linear relaxation equals that of the radius formulation, which equals that of the classical
formulation with ``x_ij <= y_j`` (Elloumi 2010), but the LP has only ``n + m`` columns and the
few thousand cuts that bind, instead of a row per distance level.

The integer part is a depth-first branch and bound written here, because the cuts must be
separated again at every node (HiGHS and CBC take no lazy constraints from Python): each node
re-solves the master LP warm from the previous basis, with the column bounds of its
branching decisions, and separates until no cut is violated.  A node is pruned when its LP
bound cannot beat the incumbent; candidates are fixed by reduced costs (at the root for the
whole tree, then per node); each node's LP solution is rounded to a solution.  The incumbent
starts from the root LP rounded and, when that LP is fractional, from greedy + Teitz–Bart
interchange solutions (:func:`median_heuristic`).

When every weighted cost is a whole number, so is every objective, and a node whose bound lies
within 1 of the incumbent is pruned (it cannot hold a solution cheaper by a whole unit);
otherwise the pruning margin is :data:`siting.tolerances.OBJECTIVE_REL` of the incumbent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from siting.optimise._core import quiet_stdout
from siting.tolerances import CUT_VIOLATION, IMPROVEMENT, LP_INTEGRAL, OBJECTIVE_REL

#: Separation rounds at one node before it is branched on with the bound reached so far (a
#: valid, if weaker, bound: the master with fewer cuts is a relaxation).
_ROUNDS = 60


@dataclass(frozen=True)
class MedianOutcome:
    """What the branch-and-Benders-cut found.

    Attributes
    ----------
    selected
        Sorted indices of the chosen candidates (the best solution found).
    objective
        Its weighted distance, computed from the costs.
    bound
        Proven lower bound on the optimum (equal to ``objective`` when ``optimal``).
    optimal
        Whether the search finished; ``False`` when it stopped at the time limit.
    root_bound
        The LP bound at the root (the radius formulation's relaxation).
    heuristic
        Objective of the best solution before branching: the root LP rounded and, when the root
        LP is fractional, greedy + interchange solutions.
    nodes, cuts, lp_solves
        Size of the search: branch-and-bound nodes, Benders cuts added, LP solves.
    fixed
        Candidates closed for the whole tree by reduced costs at the root.
    """

    selected: np.ndarray
    objective: float
    bound: float
    optimal: bool
    root_bound: float
    heuristic: float
    nodes: int
    cuts: int
    lp_solves: int
    fixed: int


class _Sorted:
    """Each demand point's candidates sorted by cost, for separating and writing cuts."""

    def __init__(self, costs: np.ndarray) -> None:
        self.order = np.argsort(costs, axis=1, kind="stable").astype(np.int32)
        self.costs = np.take_along_axis(costs, self.order, axis=1)

    def separate(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The deepest cut of every demand point at ``y``.

        Returns
        -------
        tuple
            Per demand point: the cut's level ``D`` and its right-hand side at ``y`` (the value
            of the Benders subproblem).
        """
        share = y[self.order]
        reach = np.cumsum(share, axis=1)
        last = self.costs.shape[1] - 1
        k = np.minimum((reach < 1.0 - LP_INTEGRAL).sum(axis=1), last)
        rows = np.arange(k.size)
        level = self.costs[rows, k]
        weighted = np.cumsum(self.costs * share, axis=1)
        before = np.where(k > 0, reach[rows, k - 1], 0.0)
        before_weighted = np.where(k > 0, weighted[rows, k - 1], 0.0)
        # D - Σ_{c < D} (D - c) y  =  D (1 - Σ y) + Σ c y  over the candidates nearer than D
        # (candidates tied at D, if counted in k, add D y - D y = 0).
        value = level * (1.0 - before) + before_weighted
        return level, value

    def rows(
        self, clients: np.ndarray, level: np.ndarray, offset: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The cuts of ``clients`` at ``level`` as CSR rows over the columns ``[y, θ]``."""
        sorted_costs = self.costs[clients]
        coef = level[:, None] - sorted_costs
        mask = coef > 0
        r, c = np.nonzero(mask)
        counts = mask.sum(axis=1) + 1
        ends = np.cumsum(counts)
        starts = ends - counts
        total = int(ends[-1]) if ends.size else 0
        index = np.empty(total, dtype=np.int32)
        value = np.empty(total)
        # Row-major nonzero order keeps each row's y entries together; θ_i goes last.
        is_y = np.ones(total, dtype=bool)
        is_y[ends - 1] = False
        index[is_y] = self.order[clients[r], c]
        value[is_y] = coef[r, c]
        index[~is_y] = offset + clients
        value[~is_y] = 1.0
        return starts.astype(np.int32), index, value


class _Master:
    """The Benders master LP in HiGHS, kept between nodes so every solve starts warm."""

    def __init__(self, costs: np.ndarray, weights: np.ndarray, p: int) -> None:
        import highspy  # in process: the LP is re-solved many times from its last basis

        self.highspy: Any = highspy
        with quiet_stdout():
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        # No parallel simplex: many small warm-started solves, on a machine other work shares.
        # (Not `threads: 1`: HiGHS keeps one thread scheduler per process, and once PuLP's HiGHS
        # has started it with another count every later run with `threads` set fails, "Not Set".)
        h.setOptionValue("parallel", "off")
        m, n = costs.shape
        inf = highspy.kHighsInf
        floor = costs.min(axis=1)
        h.addVars(n + m, np.r_[np.zeros(n), floor], np.r_[np.ones(n), np.full(m, inf)])
        h.changeColsCost(n + m, np.arange(n + m, dtype=np.int32), np.r_[np.zeros(n), weights])
        h.addRow(float(p), float(p), n, np.arange(n, dtype=np.int32), np.ones(n))
        self.h = h
        self.n = n
        self.table = _Sorted(costs)
        self.clients = np.empty(0, np.intp)
        self.levels = np.empty(0)
        self.cuts = 0
        self.solves = 0

    def add(self, clients: np.ndarray, level: np.ndarray) -> None:
        """Add the cuts of ``clients`` at ``level``."""
        if clients.size:
            starts, index, value = self.table.rows(clients, level, self.n)
            inf = self.highspy.kHighsInf
            count = clients.size
            self.h.addRows(count, level, np.full(count, inf), index.size, starts, index, value)
            self.clients = np.r_[self.clients, clients]
            self.levels = np.r_[self.levels, level]
            self.cuts += count

    def separate(self, x: np.ndarray) -> bool:
        """Add the cuts violated at ``x = [y, θ]``; return whether there were any."""
        level, value = self.table.separate(x[: self.n])
        theta = x[self.n :]
        violated = np.flatnonzero(value - theta > CUT_VIOLATION * np.maximum(1.0, np.abs(value)))
        self.add(violated, level[violated])
        return bool(violated.size)

    def binding(self) -> tuple[np.ndarray, np.ndarray]:
        """The cuts without slack at the last solution (client, level), to carry elsewhere."""
        tight = self._slack() <= CUT_VIOLATION * np.maximum(1.0, np.abs(self.levels))
        return self.clients[tight], self.levels[tight]

    def _slack(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().row_value)[1:] - self.levels

    def solve(
        self, lower: np.ndarray, upper: np.ndarray, deadline: float
    ) -> tuple[str, float, np.ndarray, np.ndarray]:
        """Solve the LP within the bounds, adding violated cuts until none is left.

        Returns
        -------
        tuple
            Status (``optimal``, ``infeasible`` or ``time``), LP value (a lower bound on every
            solution within the bounds), ``x = [y, θ]`` and the reduced costs.
        """
        idx = np.arange(self.n, dtype=np.int32)
        self.h.changeColsBounds(self.n, idx, lower.astype(float), upper.astype(float))
        ms = self.highspy.HighsModelStatus
        for _ in range(_ROUNDS):
            left = deadline - time.perf_counter()
            if left <= 0:
                return "time", float("nan"), np.empty(0), np.empty(0)
            # HiGHS measures its time limit against the instance's run time, summed over solves.
            self.h.setOptionValue("time_limit", float(self.h.getRunTime() + left))
            self.h.run()
            self.solves += 1
            status = self.h.getModelStatus()
            if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
                return "infeasible", float("inf"), np.empty(0), np.empty(0)
            if status == ms.kTimeLimit:
                return "time", float("nan"), np.empty(0), np.empty(0)
            if status != ms.kOptimal:
                word = self.h.modelStatusToString(status)
                msg = f"HiGHS stopped the p-median master LP with status {word}"
                raise RuntimeError(msg)
            sol = self.h.getSolution()
            x = np.asarray(sol.col_value)
            if not self.separate(x):
                break
        value = float(self.h.getInfo().objective_function_value)
        return "optimal", value, x, np.asarray(sol.col_dual)


@dataclass
class _Node:
    lower: np.ndarray  # int8: 1 where the candidate is forced open
    upper: np.ndarray  # int8: 0 where the candidate is closed
    bound: float  # the parent's LP bound


class _Incumbent:
    """The best solution so far (global candidate indices) and the pruning rule."""

    def __init__(self, costs: np.ndarray, weights: np.ndarray) -> None:
        self.costs = costs
        self.weights = weights
        self.selected = np.empty(0, np.intp)
        self.value = float("inf")
        whole = bool(np.all(costs == np.round(costs)) and np.all(weights == np.round(weights)))
        # Objectives are whole numbers when costs and weights are: a better solution is then
        # cheaper by at least 1.  OBJECTIVE_REL of the incumbent absorbs the LP's rounding.
        self.step = 1.0 if whole else 0.0

    def offer(self, selected: np.ndarray) -> None:
        value = float(self.weights @ self.costs[:, selected].min(axis=1))
        if value < self.value:
            self.selected, self.value = np.sort(selected).astype(np.intp), value

    @property
    def threshold(self) -> float:
        """Bounds at or above this cannot lead to a better solution."""
        slack = OBJECTIVE_REL * max(1.0, abs(self.value))
        return self.value - max(self.step - slack, slack)


def solve_median(
    costs: np.ndarray,
    weights: np.ndarray,
    p: int,
    *,
    time_limit_s: float | None = None,
) -> MedianOutcome:
    """Weighted p-median by branch-and-Benders-cut (see the module docstring).

    Parameters
    ----------
    costs
        Demand × candidate costs, finite and >= 0, already checked; every row has weight > 0.
    weights
        Demand weights, > 0.
    p
        Number of sites, ``1 <= p <= candidates``.
    time_limit_s
        Seconds after which the search stops with the best solution and the bound reached.

    Returns
    -------
    MedianOutcome
        The best solution, its objective, the proven bound and the size of the search.
    """
    start = time.perf_counter()
    deadline = start + (float("inf") if time_limit_s is None else float(time_limit_s))
    m, n = costs.shape
    best = _Incumbent(costs, weights)
    floor = float(weights @ costs.min(axis=1))
    outcome = {"root_bound": float("nan"), "heuristic": best.value, "nodes": 0, "fixed": 0}

    def done(bound: float, optimal: bool, *masters: _Master) -> MedianOutcome:
        root = float(outcome["root_bound"])
        root = root if np.isfinite(root) else floor  # both proven bounds on every solution
        if best.selected.size == 0:
            # Stopped before the root LP: the p candidates cheapest for everyone alone (one pass
            # over the costs), so that a solution is always returned.
            alone = np.einsum("i,ij->j", weights, costs)
            best.offer(np.argsort(alone, kind="stable")[:p])
        return MedianOutcome(
            selected=best.selected,
            objective=best.value,
            bound=best.value if optimal else min(best.value, max(bound, floor, root)),
            optimal=optimal,
            cuts=sum(mm.cuts for mm in masters),
            lp_solves=sum(mm.solves for mm in masters),
            root_bound=float(outcome["root_bound"]),
            heuristic=float(outcome["heuristic"]),
            nodes=int(outcome["nodes"]),
            fixed=int(outcome["fixed"]),
        )

    # The root on every candidate.
    master = _Master(costs, weights, p)
    # First cuts, one per demand point, at the distance of its ⌈n/p⌉-th nearest candidate: about
    # where its nearest open site lies when p sites spread evenly (any level gives a valid cut;
    # a sensible one saves separation rounds, and costs one partial sort, unlike a greedy start).
    rank = min(n - 1, -(-n // p) - 1)
    master.add(np.arange(m), np.partition(costs, rank, axis=1)[:, rank])
    zeros, ones = np.zeros(n, np.int8), np.ones(n, np.int8)
    status, value, x, reduced = master.solve(zeros, ones, deadline)
    outcome["nodes"] = 1
    if status == "time":
        return done(floor, False, master)
    y = x[:n]
    outcome["root_bound"] = value
    best.offer(_round(y, zeros, ones, p))
    outcome["heuristic"] = best.value
    if value >= best.threshold or _integral(y):
        return done(value, True, master)
    # The LP is fractional and no solution at hand meets its bound: spend time on a strong
    # incumbent now (interchange from the LP's largest shares, then from the greedy solution),
    # to prune and fix with.
    greedy = median_heuristic(costs, weights, p, interchange=False)
    best.offer(greedy)
    for seed in (_round(y, zeros, ones, p), greedy):
        best.offer(median_heuristic(costs, weights, p, start=seed, deadline=deadline))
        outcome["heuristic"] = best.value
        if value >= best.threshold:
            return done(value, True, master)
    # Reduced-cost fixing at the root holds for the whole tree: a candidate whose opening
    # would lift the bound past the incumbent stays closed (an open one likewise stays open).
    rc = reduced[:n]
    closed = (y <= LP_INTEGRAL) & (value + rc >= best.threshold)
    opened = (y >= 1 - LP_INTEGRAL) & (value - rc >= best.threshold)
    outcome["fixed"] = int(closed.sum())
    # The tree works on the remaining candidates only, with the root's binding cuts rewritten
    # for them (dropping closed columns from a cut is exact once they are fixed at 0).
    columns = np.flatnonzero(~closed)
    sub = _Master(costs[:, columns], weights, p)
    sub.add(*master.binding())
    tree = _Tree(sub, columns, best, p, deadline)
    finished, bound = tree.run(opened[columns].astype(np.int8), value)
    outcome["nodes"] += tree.nodes
    return done(bound, finished, master, sub)


class _Tree:
    """Depth-first branch and bound over the master LP of the remaining candidates."""

    def __init__(
        self, master: _Master, columns: np.ndarray, best: _Incumbent, p: int, deadline: float
    ) -> None:
        self.master = master
        self.columns = columns
        self.best = best
        self.p = p
        self.deadline = deadline
        self.nodes = 0

    def run(self, forced: np.ndarray, root_bound: float) -> tuple[bool, float]:
        """Search; return whether it finished and the proven bound (when it did not)."""
        n = self.columns.size
        stack = [_Node(forced, np.ones(n, np.int8), root_bound)]
        best = self.best
        while stack:
            node = stack.pop()
            if node.bound >= best.threshold:
                continue
            if node.lower.sum() > self.p or node.upper.sum() < self.p:
                continue
            if time.perf_counter() >= self.deadline:
                return False, min(node.bound, *(s.bound for s in stack))
            self.nodes += 1
            status, value, x, reduced = self.master.solve(node.lower, node.upper, self.deadline)
            if status == "time":
                return False, min(node.bound, *(s.bound for s in stack))
            if status == "infeasible":
                continue
            y = x[:n]
            best.offer(self.columns[_round(y, node.lower, node.upper, self.p)])
            if value >= best.threshold or _integral(y):
                continue
            # Reduced-cost fixing below this node.
            rc = reduced[:n]
            threshold = best.threshold
            free = (node.lower == 0) & (node.upper == 1)
            lower, upper = node.lower.copy(), node.upper.copy()
            upper[free & (y <= LP_INTEGRAL) & (value + rc >= threshold)] = 0
            lower[free & (y >= 1 - LP_INTEGRAL) & (value - rc >= threshold)] = 1
            free = (lower == 0) & (upper == 1)
            frac = np.flatnonzero(free & (y > LP_INTEGRAL) & (y < 1 - LP_INTEGRAL))
            # The most fractional share: both branches move the bound (opening the site with the
            # largest share mostly confirms the LP; on pmed36 it searches half again as many nodes).
            j = int(frac[np.argmin(np.abs(y[frac] - 0.5))])
            down, up = upper.copy(), lower.copy()
            down[j] = 0
            up[j] = 1
            # Depth first, the branch that opens j first.
            stack.append(_Node(lower, down, value))
            stack.append(_Node(up, upper, value))
        return True, best.value


def _integral(y: np.ndarray) -> bool:
    return bool(np.all((y <= LP_INTEGRAL) | (y >= 1 - LP_INTEGRAL)))


def _round(y: np.ndarray, lower: np.ndarray, upper: np.ndarray, p: int) -> np.ndarray:
    """The ``p`` open candidates the LP leans to most, within the node's fixings."""
    score = np.where(upper == 0, -np.inf, y + 2.0 * lower)
    return np.sort(np.argsort(-score, kind="stable")[:p])


def median_heuristic(
    costs: np.ndarray,
    weights: np.ndarray,
    p: int,
    *,
    start: np.ndarray | None = None,
    interchange: bool = True,
    deadline: float | None = None,
) -> np.ndarray:
    """A good p-median solution: greedy addition, then best-improvement vertex substitution.

    Teitz and Bart (1968) interchange, vectorised: with each demand point's nearest and second
    nearest open site known, the cost of every swap (open ``j``, close ``s``) for all ``j`` and
    ``s`` at once is a sum over the demand points grouped by their nearest site (written with
    ``einsum`` and ``reduceat`` rather than matrix products, whose BLAS threads crawl on a
    loaded machine).  Used for the incumbent, so it need not be optimal.

    Parameters
    ----------
    costs
        Demand × candidate matrix.
    weights
        Demand weights.
    p
        Number of sites.
    start
        ``p`` candidates to start the interchange from, instead of the greedy solution.
    interchange
        Whether to improve the greedy solution by interchange (``False``: greedy only).
    deadline
        A :func:`time.perf_counter` value after which the interchange stops where it is.

    Returns
    -------
    numpy.ndarray
        Sorted indices of ``p`` candidates.
    """
    m = costs.shape[1]
    if start is None:
        near = np.full(costs.shape[0], np.inf)
        chosen_: list[int] = []
        for _ in range(p):
            reach = np.where(np.isinf(near), 1e300, near)
            gain = np.einsum("i,ij->j", weights, np.maximum(reach[:, None] - costs, 0.0))
            gain[chosen_] = -np.inf
            pick = int(np.argmax(gain))
            chosen_.append(pick)
            near = np.minimum(near, costs[:, pick])
        sel = np.array(chosen_, dtype=np.intp)
    else:
        sel = np.array(start, dtype=np.intp).copy()
    if p == m or not interchange:
        return np.sort(sel)
    current = float(weights @ costs[:, sel].min(axis=1))
    for _ in range(10 * p + 100):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        sub = costs[:, sel]
        order = np.argsort(sub, axis=1)[:, :2] if p > 1 else np.zeros((sub.shape[0], 1), int)
        best = order[:, 0]
        near1 = sub[np.arange(sub.shape[0]), best]
        near2 = sub[np.arange(sub.shape[0]), order[:, 1]] if p > 1 else np.full_like(near1, 1e300)
        m1 = np.minimum(costs, near1[:, None])
        base = np.einsum("i,ij->j", weights, m1)  # cost after opening j, before closing anything
        # Closing s costs its own demand points the step to their second nearest site (or to j):
        # summed per open site by grouping the rows on their nearest site.
        extra = (np.minimum(costs, near2[:, None]) - m1) * weights[:, None]
        grouped = np.argsort(best, kind="stable")
        owners, starts = np.unique(best[grouped], return_index=True)
        loss = np.zeros((p, costs.shape[1]))
        loss[owners] = np.add.reduceat(extra[grouped], starts, axis=0)
        total = base[None, :] + loss  # (s, j): open j, close s
        total[:, sel] = np.inf
        s_out, j_in = np.unravel_index(int(np.argmin(total)), total.shape)
        if total[s_out, j_in] >= current - IMPROVEMENT * max(1.0, abs(current)):
            break
        current = float(total[s_out, j_in])
        sel[s_out] = j_in
    return np.sort(sel)
