"""Stress the surface's threads: the numpy engine, or the GEOS race that once aborted it.

    .venv/bin/python tools/stress_threads.py engine --threads 2 --rounds 300
    .venv/bin/python tools/stress_threads.py geos --threads 2 --rounds 200 --shared

``engine`` makes a fresh area of the default surface study (Kazakhstan's border) each round
and scores a few small partitions on ``--threads`` threads with
:func:`siting.surface.engines.run_numpy`, checking the cells and scores against one thread: each
round is a first use of the area on several threads at once, where a shared lazily-built object
would race.  ``geos`` is the library-level race of docs/surface.md, "Threads": threads released
by a barrier test points against one freshly prepared polygon (``--shared``: aborts within a few
dozen rounds with GEOS 3.14) or each against a prepared copy of its own
(:func:`siting.surface.grid.prepared`, what the engine does).

A crash kills the process (SIGABRT or SIGSEGV); ``faulthandler`` then prints every thread's
Python stack.  Run it a bounded number of rounds: it is a search for a rare fault, not a test.
"""

from __future__ import annotations

import argparse
import faulthandler
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from siting.study import Study  # noqa: E402
from siting.surface import engines, grid  # noqa: E402
from siting.surface.plan import make_area, make_plan  # noqa: E402

STUDY = ROOT / "criteria" / "novosibirsk_surface.yaml"


def engine(threads: int, rounds: int, resolution: int, groups: int, cells: int) -> None:
    """The numpy engine on ``threads`` threads, a fresh area each round, against one thread."""
    from siting.scoring import derive_weights, rule_mask, value_table

    study = Study.load(STUDY)
    inputs = study.read_inputs()
    raw, _ = study.measure(inputs)
    source = study.source
    out = np.zeros(len(raw), dtype=bool)
    for rule in source.study.exclude:
        out |= rule_mask(rule, inputs.candidates, raw)
    kept = raw.index[~out]
    weights = derive_weights(source, value_table(source.study, raw, among=raw.loc[kept])).weights
    plan, _ = make_plan(
        source, candidates=inputs.candidates, layers=inputs.layers, weights=weights, kept=kept
    )

    def area() -> grid.Area:
        return make_area(source, boundaries=inputs.boundaries, candidates=inputs.candidates)

    parts = grid.partitions(area(), resolution, cells)[:groups]
    expected = engines.run_numpy(plan, area(), parts, resolution, threads=1)
    start = time.perf_counter()
    for r in range(rounds):
        got = engines.run_numpy(plan, area(), parts, resolution, threads=threads)
        if not (
            np.array_equal(got.cells, expected.cells) and np.array_equal(got.score, expected.score)
        ):
            sys.exit(f"round {r}: the cells or scores differ from one thread's")
    took = time.perf_counter() - start
    print(
        f"engine: {rounds} rounds of {len(parts)} partitions on {threads} threads, no fault, {took:.1f} s"
    )


def _race(
    polygon: shapely.Geometry, xy: list[tuple[np.ndarray, np.ndarray]], *, shared: bool
) -> list[np.ndarray]:
    """One thread per point set, released together, each testing its points against the polygon."""
    barrier = threading.Barrier(len(xy))
    found: list[np.ndarray] = [np.empty(0, dtype=bool)] * len(xy)

    def test(i: int) -> None:
        mine = polygon if shared else grid.prepared(polygon)
        barrier.wait()
        found[i] = shapely.contains_xy(mine, *xy[i])

    workers = [threading.Thread(target=test, args=(i,)) for i in range(len(xy))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return found


def geos(threads: int, rounds: int, points: int, *, shared: bool) -> None:
    """Threads released at once test points against one prepared polygon, or each its own."""
    border = shapely.union_all(Study.load(STUDY).read_inputs().boundaries.geometry.to_numpy())
    west, south, east, north = border.bounds
    rng = np.random.default_rng(0)
    xy = [
        (rng.uniform(west, east, points), rng.uniform(south, north, points)) for _ in range(threads)
    ]
    expected = [shapely.contains_xy(grid.prepared(border), x, y) for x, y in xy]
    start = time.perf_counter()
    for r in range(rounds):
        found = _race(grid.prepared(border), xy, shared=shared)  # fresh: index built on first use
        if any(not np.array_equal(f, e) for f, e in zip(found, expected, strict=True)):
            sys.exit(f"round {r}: a point was placed wrongly")
    took = time.perf_counter() - start
    which = "one shared prepared polygon" if shared else "a prepared copy each"
    print(f"geos: {rounds} rounds on {threads} threads, {which}, no fault, {took:.1f} s")


def main() -> None:
    """Parse the command line and run the chosen stress."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["engine", "geos"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--resolution", type=int, default=6, help="engine: cells' resolution")
    parser.add_argument("--groups", type=int, default=4, help="engine: partitions a round")
    parser.add_argument("--cells", type=int, default=4802, help="engine: cells a partition at most")
    parser.add_argument("--points", type=int, default=2000, help="geos: points a thread")
    parser.add_argument("--shared", action="store_true", help="geos: one prepared polygon for all")
    args = parser.parse_args()
    faulthandler.enable()
    warnings.simplefilter("ignore")
    if args.what == "engine":
        engine(args.threads, args.rounds, args.resolution, args.groups, args.cells)
    else:
        geos(args.threads, args.rounds, args.points, shared=args.shared)


if __name__ == "__main__":
    main()
