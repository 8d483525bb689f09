"""PROMETHEE II flows by sorting against the pairwise sums and pymcdm, one process.

Usage::

    .venv/bin/python benchmarks/bench_promethee.py [--sizes 2000 5000 20000 100000] [--repeat 3]

A seeded matrix of ``n`` alternatives × 10 criteria (mixed benefit and cost), the ``linear``
preference function (type V, q and p per criterion; pymcdm's ``vshape_2``).  Three ways:

- siting as it runs (above ``mcda.PAIRWISE_FLOWS`` alternatives: flows by sorting, O(n log n));
- siting forced to sum every pair (``PAIRWISE_FLOWS`` raised; O(n²) time, memory in blocks);
- pymcdm's ``PROMETHEE_II("vshape_2")._method`` (O(n²) time and an n × n matrix per criterion),
  up to ``--pymcdm-max`` alternatives.

Net flows are checked to agree to 1e-9 before timing; medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from pymcdm import methods as pm

from siting import mcda


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def one(n: int, rng: np.random.Generator, args: argparse.Namespace) -> str:
    """One row of the table: ``n`` alternatives."""
    x = rng.uniform(1.0, 1000.0, size=(n, 10))
    w = rng.uniform(0.1, 1.0, 10)
    w /= w.sum()
    t = np.where(np.arange(10) % 3 == 0, -1, 1)
    q, p = list(0.1 * x.std(axis=0)), list(0.8 * x.std(axis=0))

    def ours() -> np.ndarray:
        return np.asarray(mcda.promethee_ii(x, w, t, preference="linear", q=q, p=p).net)

    def theirs_call() -> np.ndarray:
        # a fresh method object per call: _method keeps state between calls
        return np.asarray(pm.PROMETHEE_II("vshape_2", q=q, p=p)._method(x, w, t)[-1])

    saved = mcda.PAIRWISE_FLOWS
    mcda.PAIRWISE_FLOWS = 0
    fast = ours()
    sorting = median_seconds(ours, args.repeat)
    mcda.PAIRWISE_FLOWS = 10**12
    pairwise = theirs = None
    if n <= args.pairwise_max:
        assert np.allclose(ours(), fast, rtol=0, atol=1e-9)
        pairwise = median_seconds(ours, 1)
    mcda.PAIRWISE_FLOWS = saved
    if n <= args.pymcdm_max:
        assert np.allclose(theirs_call(), fast, rtol=0, atol=1e-9)
        theirs = median_seconds(theirs_call, 1)

    def cell(v: float | None) -> str:
        return "–" if v is None else f"{v:.3f} s"

    def ratio(v: float | None) -> str:
        return "–" if v is None else f"{v / sorting:.0f}×"

    return (
        f"| {n:,} | {sorting:.3f} s | {cell(pairwise)} | {ratio(pairwise)} | "
        f"{cell(theirs)} | {ratio(theirs)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[2000, 5000, 20000, 100000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pairwise-max", type=int, default=20000)
    parser.add_argument("--pymcdm-max", type=int, default=5000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("| alternatives | siting (sorting) | siting (pairwise) | ratio | pymcdm | ratio |")
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        print(one(n, rng, args))


if __name__ == "__main__":
    main()
