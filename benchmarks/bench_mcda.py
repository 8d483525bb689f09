"""TOPSIS and the weighted sum on a large decision matrix: siting against pymcdm, one process.

Usage::

    .venv/bin/python benchmarks/bench_mcda.py [--rows 1000000] [--cols 10] [--repeat 5]

Both libraries get the same seeded matrix (positive values, mixed benefit and
cost criteria) and compute the same thing: TOPSIS with vector normalisation
(the classic method; ``pymcdm.methods.TOPSIS(vector_normalization)``) and the
weighted sum of min-max normalised values (``pymcdm.methods.WSM(minmax_normalization)``).
Each call is timed ``--repeat`` times after one warm-up; the median is reported,
with the ratio pymcdm / siting (> 1: siting is faster).  The results are checked
to agree to 1e-9 before timing, so the race is between equal computations.
siting's timings include its input validation (NaN, weights, types).  pymcdm is
timed twice: its public call (which validates the input, most of its time) and
its numeric core ``_method`` alone (no validation), the harder comparison.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
from pymcdm import methods as pm
from pymcdm import normalizations as pn

from siting import mcda


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: page in the matrix, load BLAS
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    x = rng.uniform(1.0, 1000.0, size=(args.rows, args.cols))
    w = rng.uniform(0.1, 1.0, size=args.cols)
    w /= w.sum()
    t = np.where(np.arange(args.cols) % 3 == 2, -1, 1)

    topsis = pm.TOPSIS(pn.vector_normalization)
    wsm = pm.WSM(pn.minmax_normalization)
    cases = {
        "topsis (vector)": (
            lambda: mcda.topsis(x, w, t),
            lambda: topsis(x, w, t),
            lambda: topsis._method(x, w, t)[-1],
        ),
        "weighted sum (min-max)": (
            lambda: mcda.weighted_sum(x, w, t),
            lambda: wsm(x, w, t),
            lambda: wsm._method(x, w, t)[-1],
        ),
    }
    print(
        f"matrix {args.rows:,} × {args.cols}, median of {args.repeat} runs; "
        f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}"
    )
    print(
        f"{'method':<24} {'siting s':>9} {'pymcdm s':>9} {'ratio':>7} "
        f"{'pymcdm core s':>14} {'ratio':>7}"
    )
    for name, (ours, theirs, core) in cases.items():
        for other in (theirs, core):
            diff = float(np.max(np.abs(np.asarray(ours()) - np.asarray(other()))))
            if diff > 1e-9:
                raise SystemExit(f"{name}: results differ by {diff:g}")
        s_ours = median_seconds(ours, args.repeat)
        s_theirs = median_seconds(theirs, args.repeat)
        s_core = median_seconds(core, args.repeat)
        print(
            f"{name:<24} {s_ours:>9.3f} {s_theirs:>9.3f} {s_theirs / s_ours:>6.1f}x "
            f"{s_core:>14.3f} {s_core / s_ours:>6.1f}x"
        )


if __name__ == "__main__":
    main()
