"""Solve the 40 OR-Library p-median instances with siting.optimise.p_median and time each.

Every objective is compared with the published optimum (pmedopt.csv) and the result must say
"Optimal".  The instances live in ../shared/validation/pmed (all 40) or tests/data/pmed
(pmed1-6 only).  With ``--spopt``, spopt 0.7's PMedian (classic assignment formulation, CBC
bundled with PuLP) solves the listed instances in the same run, alternating with siting, for a
ratio against the peer.  The machine's load average is printed before and after, since the
2-core machine is shared.

Usage::

    .venv/bin/python benchmarks/pmed_all.py                        # all 40, HiGHS, one run
    .venv/bin/python benchmarks/pmed_all.py --repeat 3             # medians of 3 runs
    .venv/bin/python benchmarks/pmed_all.py 1 2 3 --solver cbc     # a subset, compact + CBC
    .venv/bin/python benchmarks/pmed_all.py 1 2 5 8 10 --spopt     # against spopt
    .venv/bin/python benchmarks/pmed_all.py --csv out/pmed.csv     # also write a table
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from siting.optimise import p_median, solver_version
from siting.optimise.orlib import read_pmed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_optimise import optima, pmed_path, time_spopt_pmed


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("instances", type=int, nargs="*", default=list(range(1, 41)))
    parser.add_argument("--solver", choices=["highs", "cbc"], default="highs")
    parser.add_argument("--repeat", type=int, default=1, help="runs per instance (median)")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per solve")
    parser.add_argument("--spopt", action="store_true", help="also time spopt's PMedian")
    parser.add_argument("--csv", type=Path, help="write the table here as well")
    args = parser.parse_args(argv)
    best = optima()
    print(
        f"p_median on pmed instances, {solver_version(args.solver)}, build + solve, "
        f"median of {args.repeat} run(s); {load()}"
    )
    head = f"{'instance':<9}{'n':>5}{'p':>5}{'seconds':>10}{'objective':>11}{'published':>11}"
    head += f"{'root LP':>11}{'nodes':>7}"
    print(head + (f"{'spopt s':>9}{'ratio':>8}" if args.spopt else "") + "  ok")
    rows = []
    for k in args.instances:
        costs, p = read_pmed(pmed_path(k))
        name = f"pmed{k}"
        ours, theirs = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            res = p_median(costs, p, solver=args.solver, time_limit_s=args.time_limit)
            ours.append(time.perf_counter() - start)
            if args.spopt:
                seconds, objective = time_spopt_pmed(costs, p)
                assert round(objective) == best[name], (name, objective)
                theirs.append(seconds)
        seconds = statistics.median(ours)
        ok = res.status == "Optimal" and res.objective == best[name]
        row = {
            "instance": name,
            "n": costs.shape[0],
            "p": p,
            "seconds": round(seconds, 3),
            "objective": res.objective,
            "published": best[name],
            "root_bound": round(res.details.get("root_bound", float("nan")), 2),
            "nodes": res.details.get("nodes", res.details.get("rounds", 0)),
            "ok": ok,
        }
        line = (
            f"{name:<9}{costs.shape[0]:>5}{p:>5}{seconds:>10.2f}{res.objective:>11.0f}"
            f"{best[name]:>11.0f}{row['root_bound']:>11.1f}{row['nodes']:>7}"
        )
        if args.spopt:
            row["spopt_seconds"] = round(statistics.median(theirs), 3)
            row["ratio"] = round(row["spopt_seconds"] / seconds, 1)
            line += f"{row['spopt_seconds']:>9.2f}{row['ratio']:>7.1f}x"
        print(line + f"  {'yes' if ok else 'NO ' + res.status}", flush=True)
        rows.append(row)
    times = [r["seconds"] for r in rows]
    print(
        f"{sum(r['ok'] for r in rows)}/{len(rows)} optimal; total {sum(times):.1f} s, "
        f"median {statistics.median(times):.2f} s, max {max(times):.1f} s; {load()}"
    )
    if args.csv:
        from siting.outputs.files import write_text

        lines = [",".join(rows[0])] + [",".join(str(v) for v in r.values()) for r in rows]
        write_text(args.csv, "\n".join(lines) + "\n")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
