"""siting.optimise against spopt 0.7, side by side in one process, same solver (CBC).

1. p-median, model build plus solve, on OR-Library pmed instances with n = 100 to 400:
   ``siting.optimise.p_median`` against ``spopt.locate.PMedian.from_cost_matrix(...).solve``,
   both with the CBC binary bundled with PuLP.  Each objective is checked against the published
   optimum.  Runs alternate (siting, spopt, siting, ...) so that machine load hits both alike.
2. MCLP with 5,000 demand points × 1,000 candidates (seeded uniform points in a 1,000 km
   square, integer weights 1..999): ``siting.optimise.mclp`` build plus solve, and spopt's MCLP
   on the same matrix (``--mclp-spopt``, slow).

Usage::

    .venv/bin/python benchmarks/bench_optimise.py                       # defaults below
    .venv/bin/python benchmarks/bench_optimise.py --pmed 1 2 10 --repeat 5
    .venv/bin/python benchmarks/bench_optimise.py --skip-pmed --mclp-spopt

Prints medians (seconds) and ratios (spopt / siting; above 1 means siting is faster).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pulp

from siting.optimise import mclp, p_median, solver_version
from siting.optimise._core import CBC_PATH
from siting.optimise.orlib import read_pmed

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "validation" / "pmed"
LOCAL = ROOT / "tests" / "data" / "pmed"
# n = 100 (1-5), 200 (7-10), 300 (13-15), 400 (18-20); pmed6, 11, 12, 16, 17 (p = 5 or 10
# at n >= 200) take CBC minutes per run with either library, so they are opt-in via --pmed.
DEFAULT_PMED = [1, 2, 3, 4, 5, 8, 9, 10, 14, 15, 19, 20]
MCLP_CASES = [(50.0, 20), (100.0, 10), (150.0, 10)]


def pmed_path(k: int) -> Path:
    for folder in (LOCAL, SHARED):
        if (folder / f"pmed{k}.txt").exists():
            return folder / f"pmed{k}.txt"
    msg = f"pmed{k}.txt is in neither {LOCAL} nor {SHARED}"
    raise SystemExit(msg)


def optima() -> dict[str, float]:
    folder = SHARED if (SHARED / "pmedopt.csv").exists() else LOCAL
    with (folder / "pmedopt.csv").open(newline="") as handle:
        return {r["instance"]: float(r["optimal_value"]) for r in csv.DictReader(handle)}


def cbc() -> pulp.LpSolver:
    return pulp.COIN_CMD(path=CBC_PATH, msg=False)


def time_siting_pmed(costs: np.ndarray, p: int) -> tuple[float, float]:
    start = time.perf_counter()
    res = p_median(costs, p, solver="cbc")
    return time.perf_counter() - start, res.objective


def time_spopt_pmed(costs: np.ndarray, p: int) -> tuple[float, float]:
    from spopt.locate import PMedian

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model = PMedian.from_cost_matrix(costs, np.ones(costs.shape[0]), p_facilities=p)
        model.solve(cbc())
        seconds = time.perf_counter() - start
    return seconds, float(model.problem.objective.value())


def bench_pmed(instances: list[int], repeat: int, *, spopt: bool) -> None:
    best = optima()
    print(f"p-median, build + solve, CBC ({solver_version('cbc')}), median of {repeat} runs")
    print(f"{'instance':<9}{'n':>5}{'p':>5}{'siting s':>11}{'spopt s':>10}{'ratio':>8}  optimum")
    ratios = []
    for k in instances:
        costs, p = read_pmed(pmed_path(k))
        ours, theirs = [], []
        for _ in range(repeat):
            t, obj = time_siting_pmed(costs, p)
            assert obj == best[f"pmed{k}"], (k, obj)
            ours.append(t)
            if spopt:
                t, obj = time_spopt_pmed(costs, p)
                assert round(obj) == best[f"pmed{k}"], (k, obj)
                theirs.append(t)
        a = statistics.median(ours)
        b = statistics.median(theirs) if theirs else float("nan")
        ratio = b / a if theirs else float("nan")
        if theirs:
            ratios.append(ratio)
        print(
            f"pmed{k:<5}{costs.shape[0]:>5}{p:>5}{a:>11.2f}{b:>10.2f}{ratio:>7.1f}x  "
            f"{best[f'pmed{k}']:.0f} (both reach it)",
            flush=True,
        )
    if ratios:
        print(
            f"ratio spopt/siting: median {statistics.median(ratios):.1f}x, "
            f"min {min(ratios):.1f}x, max {max(ratios):.1f}x"
        )


def mclp_instance(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 1000, (5000, 2))
    sites = rng.uniform(0, 1000, (1000, 2))
    costs = np.linalg.norm(demand[:, None] - sites[None], axis=2)
    weights = rng.integers(1, 1000, 5000).astype(float)
    return costs, weights


def bench_mclp(repeat: int, *, spopt: bool) -> None:
    costs, weights = mclp_instance()
    print(f"\nMCLP 5,000 demand x 1,000 candidates, build + solve, CBC, median of {repeat} runs")
    print(f"{'radius':>7}{'p':>4}{'covered':>9}{'siting s':>10}{'spopt s':>10}{'ratio':>8}")
    for radius, p in MCLP_CASES:
        ours, theirs = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            res = mclp(costs, radius, p, weights=weights, solver="cbc")
            ours.append(time.perf_counter() - start)
            if spopt:
                from spopt.locate import MCLP

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    model = MCLP.from_cost_matrix(
                        costs, weights, service_radius=radius, p_facilities=p
                    )
                    model.solve(cbc())
                    theirs.append(time.perf_counter() - start)
                assert abs(model.problem.objective.value() - res.objective) < 1e-6
        a = statistics.median(ours)
        b = statistics.median(theirs) if theirs else float("nan")
        print(
            f"{radius:>7.0f}{p:>4}{res.details['covered_share']:>9.1%}{a:>10.2f}{b:>10.2f}"
            f"{b / a:>7.1f}x",
            flush=True,
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pmed", type=int, nargs="*", default=DEFAULT_PMED)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pmed", action="store_true")
    parser.add_argument("--skip-mclp", action="store_true")
    parser.add_argument("--no-spopt", action="store_true", help="time siting only")
    parser.add_argument("--mclp-spopt", action="store_true", help="also time spopt's MCLP")
    args = parser.parse_args(argv)
    if not args.skip_pmed:
        bench_pmed(args.pmed, args.repeat, spopt=not args.no_spopt)
    if not args.skip_mclp:
        bench_mclp(args.repeat, spopt=args.mclp_spopt and not args.no_spopt)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
