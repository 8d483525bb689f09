"""Solve the 40 OR-Library p-median instances with siting.optimise.p_median and time each.

Every objective is compared with the published optimum (pmedopt.csv).  The instances live in
../shared/validation/pmed (all 40) or tests/data/pmed (pmed1-5 only).

Usage::

    .venv/bin/python benchmarks/pmed_all.py                     # all 40, HiGHS
    .venv/bin/python benchmarks/pmed_all.py 1 2 3 --solver cbc  # a subset, CBC
    .venv/bin/python benchmarks/pmed_all.py --csv out/pmed.csv  # also write a table
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from siting.optimise import p_median, solver_version
from siting.optimise.orlib import read_pmed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_optimise import optima, pmed_path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("instances", type=int, nargs="*", default=list(range(1, 41)))
    parser.add_argument("--solver", choices=["highs", "cbc"], default="highs")
    parser.add_argument("--csv", type=Path, help="write the table here as well")
    args = parser.parse_args(argv)
    best = optima()
    print(f"p_median on pmed instances, {solver_version(args.solver)}, build + solve, one run each")
    print(f"{'instance':<9}{'n':>5}{'p':>5}{'seconds':>10}{'objective':>11}{'published':>11}  ok")
    rows = []
    for k in args.instances:
        costs, p = read_pmed(pmed_path(k))
        start = time.perf_counter()
        res = p_median(costs, p, solver=args.solver)
        seconds = time.perf_counter() - start
        ok = res.objective == best[f"pmed{k}"]
        rows.append(
            {
                "instance": f"pmed{k}",
                "n": costs.shape[0],
                "p": p,
                "seconds": round(seconds, 3),
                "objective": res.objective,
                "published": best[f"pmed{k}"],
                "ok": ok,
            }
        )
        print(
            f"pmed{k:<5}{costs.shape[0]:>5}{p:>5}{seconds:>10.2f}{res.objective:>11.0f}"
            f"{best[f'pmed{k}']:>11.0f}  {'yes' if ok else 'NO'}",
            flush=True,
        )
    times = [r["seconds"] for r in rows]
    print(
        f"{sum(r['ok'] for r in rows)}/{len(rows)} optimal; total {sum(times):.1f} s, "
        f"median {statistics.median(times):.2f} s, max {max(times):.1f} s"
    )
    if args.csv:
        from siting.outputs.files import write_text

        lines = [",".join(rows[0])] + [",".join(str(v) for v in r.values()) for r in rows]
        write_text(args.csv, "\n".join(lines) + "\n")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
