"""Several programmes at once: the joint integer program against programme after programme.

The sequential approach of desktop tools chooses the first programme's best sites, then the
second's among what is left, and so on (:func:`siting.optimise.joint.sequential`: each step the
same joint model with the earlier programmes pinned).  The joint program
(:func:`siting.optimise.joint.solve_joint`) chooses them all at once.  Both are exact, so the
joint objective is never below the sequential one; the table says by how much it is above, and
what each costs in time.

1. The shipped example, ``programmes/national.yaml`` (the five profiles; 61 towns), with CBC and
   with HiGHS: joint against sequential in the file's order and in random orders.
2. Seeded synthetic instances: towns uniform in a 2,000 × 1,500 km box, in 5 regions; each
   programme's score is a common town quality plus its own term (so that programmes want the
   same towns, as the shipped ones do), 2 to 4 sites each, its own spacing of 200–400 km; shared
   rules: one programme per town and at most ``P`` sites per region.

Usage::

    .venv/bin/python benchmarks/bench_programmes.py                 # defaults below
    .venv/bin/python benchmarks/bench_programmes.py --seeds 3 --sizes 60x3 500x8

Prints the tables in Markdown (medians over the repeats).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

import numpy as np

from siting import pipeline
from siting.optimise import prepare, solver_version
from siting.optimise.joint import JointRules, Programme, prepare_joint, sequential, solve_joint

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def synthetic(m: int, p: int, seed: int, solver: str) -> JointRules:
    rng = np.random.default_rng(seed)
    xy = rng.uniform([0, 0], [2000, 1500], (m, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    region = np.array(["r0", "r1", "r2", "r3", "r4"])[np.minimum((xy[:, 0] // 400).astype(int), 4)]
    quality = rng.beta(2, 5, m)
    progs = []
    for k in range(p):
        scores = 0.6 * quality + 0.4 * rng.beta(2, 5, m)
        rules = prepare(
            scores,
            n=int(rng.integers(2, 5)),
            distances_km=d,
            min_spacing_km=float(rng.uniform(200, 400)),
            solver=solver,
        )
        progs.append(Programme(f"p{k}", rules, np.arange(m), weight=float(rng.uniform(1, 3))))
    return prepare_joint(
        progs,
        names=[str(i) for i in range(m)],
        per_site=1,
        groups=region,
        at_most_per_group=p,
        group_name="region",
        solver=solver,
    )


def compare(joint: JointRules, repeat: int, orders: int, seed: int) -> dict:
    best, t_joint = timed(lambda: solve_joint(joint), repeat)
    seq, t_seq = timed(lambda: sequential(joint), repeat)
    row = {
        "joint": best.objective,
        "sequential": seq.objective,
        "failed": seq.failed_at is not None,
        "t_joint": t_joint,
        "t_seq": t_seq,
        "variables": best.variables,
        "constraints": best.constraints,
    }
    if orders:
        rng = np.random.default_rng(seed)
        values = []
        fails = 0
        for _ in range(orders):
            order = rng.permutation(len(joint.programmes)).tolist()
            s = sequential(joint, order)
            if s.failed_at is None:
                values.append(s.objective)
            else:
                fails += 1
        row["orders_best"] = max(values) if values else float("nan")
        row["orders_worst"] = min(values) if values else float("nan")
        row["orders_failed"] = fails
    return row


def shipped(repeat: int, orders: int) -> None:
    allocation = pipeline.programmes(ROOT / "programmes" / "national.yaml", draws=0)
    print("\n### Shipped: programmes/national.yaml (5 programmes, 61 towns)\n")
    print(
        "| solver | joint objective | sequential (file order) | gap | random orders: best / worst "
        "(failed) | joint s | sequential s | variables | constraints |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for solver in ("cbc", "highs"):
        joint = dataclasses.replace(allocation.joint, solver=solver)
        r = compare(joint, repeat, orders, seed=1)
        print(
            f"| {solver_version(solver)} | {r['joint']:.4f} | {r['sequential']:.4f} | "
            f"{100 * (r['joint'] - r['sequential']) / r['joint']:.2f} % | "
            f"{r['orders_best']:.4f} / {r['orders_worst']:.4f} ({r['orders_failed']}/{orders}) | "
            f"{r['t_joint']:.2f} | {r['t_seq']:.2f} | {r['variables']} | {r['constraints']} |"
        )


def synthetic_table(sizes: list[tuple[int, int]], seeds: int, repeat: int, solver: str) -> None:
    print(f"\n### Synthetic, {solver_version(solver)}, {seeds} seeds per size\n")
    print(
        "| towns × programmes | joint ≥ sequential | gap: median / max | sequential fails | "
        "joint s (median) | sequential s (median) | variables | constraints |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for m, p in sizes:
        rows = [compare(synthetic(m, p, s, solver), repeat, 0, s) for s in range(seeds)]
        done = [r for r in rows if not r["failed"]]
        gaps = [100 * (r["joint"] - r["sequential"]) / r["joint"] for r in done]
        never_worse = all(r["joint"] >= r["sequential"] - 1e-6 for r in done)
        gap_text = f"{statistics.median(gaps):.2f} % / {max(gaps):.2f} %" if gaps else "—"
        print(
            f"| {m} × {p} | {'yes' if never_worse else 'NO'} ({len(done)}/{len(rows)}) | "
            f"{gap_text} | {len(rows) - len(done)} | "
            f"{statistics.median(r['t_joint'] for r in rows):.2f} | "
            f"{statistics.median(r['t_seq'] for r in rows):.2f} | "
            f"{rows[0]['variables']} | {rows[0]['constraints']} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--sizes", nargs="*", default=["60x3", "60x5", "200x5", "500x5"])
    parser.add_argument("--solver", default="highs")
    parser.add_argument("--skip-shipped", action="store_true")
    args = parser.parse_args()
    if not args.skip_shipped:
        shipped(args.repeat, args.orders)
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes]
    synthetic_table(sizes, args.seeds, 1, args.solver)


if __name__ == "__main__":
    main()
