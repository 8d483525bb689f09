"""Every numerical tolerance of siting, defined once.

Each is named after what it decides, and every module that needs one imports it from here, so
that two outputs cannot disagree because they compared numbers differently.  The offline map
reads :data:`SCORE_TIE` from the page's data instead of repeating it.
"""

from __future__ import annotations

#: Two scores closer than this (absolute) are tied: they share the better competition rank
#: ("1224"), in ranking.csv, the robustness tables, the CLI and the map alike.  Scores lie in
#: 0..1 (PROMETHEE's net flow in -1..1); sums of a few dozen weighted terms carry rounding
#: errors near 1e-15, far below it, while differences a decision could rest on are far above.
SCORE_TIE = 1e-9

#: Largest accepted distance of a weight vector's sum from 1 (weights, order weights, bounds).
WEIGHT_SUM = 1e-6

#: Two objective values of an integer program are the same when they differ by less than this
#: share of the larger (plus :data:`OBJECTIVE_ABS`): solvers stop at a relative gap near 1e-9,
#: so a rule "binds" only when dropping it moves the optimum by more than solver noise.
OBJECTIVE_REL = 1e-7

#: Absolute part of the objective comparison, for optima near 0.
OBJECTIVE_ABS = 1e-9

#: A pairwise-comparison matrix is reciprocal when ``a_ij * a_ji`` is within this of 1
#: (judgements written as decimals such as 0.333 for 1/3 pass).
RECIPROCAL = 1e-6

#: VIKOR's acceptable-advantage and stability conditions compare Q, S and R with this slack,
#: so that a difference equal to DQ on paper counts as reaching it despite rounding.
CONDITION = 1e-12

#: Bounds of a stability interval closer than this to 0 or 1 are reported as 0 or 1.
INTERVAL_SNAP = 1e-9

#: An ε-constraint of the Pareto front is relaxed by this share of its target (at least this much
#: absolutely), so that a portfolio exactly on the target is not cut off by solver rounding.
EPSILON_SLACK = 1e-6

#: A local-search swap (the p-median heuristic's warm start) must improve the objective by more
#: than this share of it, so that rounding cannot make it cycle between equal solutions.
IMPROVEMENT = 1e-9

#: Radius queries on the unit sphere are widened by this share, so that a facility exactly at
#: the radius (as a planner measured it) counts as within it despite the chord's rounding.
RADIUS_SLACK = 1e-12

#: Weight draws within this of a bound of their range are inside it (rounding of the affine map).
BOUND_SLACK = 1e-15

#: A share of an open site in the p-median's LP within this of 0 or 1 counts as 0 or 1
#: (branching, rounding, reduced-cost fixing); HiGHS's own feasibility tolerance is 1e-7.
LP_INTEGRAL = 1e-6

#: A Benders cut of the p-median is added only when the LP's distance for a demand point falls
#: short of it by more than this share (at least this much absolutely): below that, solver
#: rounding would add the same cut again and again.
CUT_VIOLATION = 1e-7
#: Relative MIP gap at which HiGHS stops by default (its ``mip_rel_gap``): an optimum solved
#: that way and used as an upper bound is raised by this share, so that the bound stays a bound.
MIP_GAP = 1e-4
#: The page against Python on the same point (tests/test_surface_map.py): a click on the surface
#: measures, values and scores in JavaScript's float64 with the formulas of siting.features,
#: siting.value and siting.mcda; the two differ only by rounding (arcsine, exp, sums in another
#: order), about 1e-13 km and 1e-16 in a value.  Relative to the raw value's size for raw values.
PAGE_ARITHMETIC = 1e-9
