"""An MCLP that cannot be proved quickly, solved within a time limit: what comes back, and when.

The seeded instance of bench_optimise.py (5,000 demand points × 1,000 candidates, uniform in a
1,000 km square, weights 1..999) with radius 100 km and p = 30: without a limit neither CBC
nor HiGHS proves it within 5 minutes.  With ``time_limit_s`` each returns its best cover with
``proven=False``, the bound it proved and the gap.  Prints, per solver: status, covered weight,
bound, gap, the solver's own time and the whole call's (model build included).

    .venv/bin/python benchmarks/bench_time_limit.py --limit 20
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_optimise import mclp_instance

from siting.optimise import mclp, solver_version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=20.0, help="time_limit_s of each solve")
    parser.add_argument("--radius", type=float, default=100.0)
    parser.add_argument("--p", type=int, default=30)
    parser.add_argument("--solvers", nargs="*", default=["cbc", "highs"])
    args = parser.parse_args()
    costs, weights = mclp_instance()
    print(
        f"MCLP 5,000 × 1,000, radius {args.radius:g} km, p = {args.p}, "
        f"time_limit_s = {args.limit:g}"
    )
    print("| solver | status | covered weight | bound | gap | solver s | call s |")
    print("|---|---|---|---|---|---|---|")
    for solver in args.solvers:
        start = time.perf_counter()
        res = mclp(
            costs, args.radius, args.p, weights=weights, solver=solver, time_limit_s=args.limit
        )
        call = time.perf_counter() - start
        bound = f"{res.bound:,.0f}" if res.bound is not None else "—"
        gap = f"{res.gap:.1%}" if res.gap is not None else "—"
        print(
            f"| {solver_version(solver)} | {res.status} | {res.objective:,.0f} | {bound} | {gap} "
            f"| {res.details['solve_seconds']:.1f} | {call:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
