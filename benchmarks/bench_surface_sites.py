"""Sites and regions on the surface: sizes, times and guarantees at H3 resolutions 6 and 7.

The default study's surface (criteria/novosibirsk_surface.yaml) over Kazakhstan is built once
per resolution; then, on its kept cells:

1. **sites** (:func:`siting.surface.sites.choose_sites`): k sites with a minimum spacing, for
   two cases (5 sites 300 km apart, 10 sites 150 km apart), with the default coarse-block bound
   (300 blocks) and a finer one (1,000 blocks): kept cells, undominated cells, the reduced set,
   the guarantee and the gap to the proven bound, median time of ``--repeat`` runs;
2. the same reduced set solved by the portfolio's own solve (``solve_rules``: spacing rows
   generated lazily), once, as a ratio against the rows built at once;
3. **clustered cells**: the spacing rows built at once against the portfolio's lazy rows on
   reduced sets made of clustered cells (half the best cells of a synthetic surface with eight
   humps over a resolution-6 disk of 68,000 cells, half random ones), 300 and 500 cells, 5 sites
   300 km apart, once each;
4. **regions** (:func:`siting.surface.regions.grow_regions`): 5 regions (500 km² within 30 km at
   resolution 6; 100 km² within 15 km at resolution 7), the packing's worth against the
   Locate-Regions-style greedy's, the bound and the times (median of ``--repeat``).

Run:  .venv/bin/python benchmarks/bench_surface_sites.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_surface import setup

from siting.features import haversine_km
from siting.optimise import prepare, solve_rules
from siting.surface import build
from siting.surface.regions import _check, grow_regions, locate_regions_greedy
from siting.surface.sites import choose_sites


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time over ``repeat`` runs and the last result."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def sites(surface: Any, repeat: int, *, peer: bool) -> None:
    lonlat = surface.centres()
    for k, spacing in ((5, 300.0), (10, 150.0)):
        for blocks in (300, 1000):
            seconds, r = timed(
                lambda k=k, spacing=spacing, blocks=blocks: choose_sites(
                    surface.score,
                    lonlat,
                    k=k,
                    allowed=surface.kept,
                    min_spacing_km=spacing,
                    max_blocks=blocks,
                ),
                repeat,
            )
            gap = 100 * r.gap / r.total_score if r.total_score else float("nan")
            print(
                f"| {surface.resolution} | {len(surface):,} | {r.allowed:,} | {k} × {spacing:g} km "
                f"| {blocks} | {r.undominated:,} | {r.candidates:,} | {r.total_score:.4f} "
                f"| {r.upper_bound:.4f} | {r.guarantee} ({gap:.2f} %) | {seconds:.2f} |",
                flush=True,
            )
            if peer and blocks == 300 and k == 5:
                cand = r.candidate_index
                rules = prepare(
                    surface.score[cand],
                    n=k,
                    distances_km=haversine_km(lonlat[cand], lonlat[cand]),
                    min_spacing_km=spacing,
                    solver="highs",
                )
                start = time.perf_counter()
                lazy = solve_rules(rules, explain_binding=False)
                took = time.perf_counter() - start
                start = time.perf_counter()
                choose_sites(
                    surface.score[cand], lonlat[cand], k=k, min_spacing_km=spacing, max_blocks=1
                )
                ours = time.perf_counter() - start
                print(
                    f"  peer: the reduced set ({cand.size} cells) by solve_rules (lazy rows) "
                    f"{took:.2f} s, total {float(surface.score[cand][lazy.selected].sum()):.4f}; "
                    f"rows at once {ours:.2f} s; ratio {took / ours:.1f}×",
                    flush=True,
                )


def clustered() -> None:
    import h3

    from siting.optimise._core import solve
    from siting.optimise.model import build as build_model

    cells = list(h3.grid_disk(h3.latlng_to_cell(48.0, 67.0, 6), 150))
    ll = np.array([h3.cell_to_latlng(c)[::-1] for c in cells])
    rng = np.random.default_rng(0)
    peaks = ll[rng.integers(len(ll), size=8)]
    s = sum(np.exp(-haversine_km(ll, p[None])[:, 0] / 300) * rng.random() for p in peaks)
    s = s + 0.05 * rng.random(len(ll))
    for n in (300, 500):
        idx = np.union1d(np.argsort(-s)[: n // 2], rng.choice(len(s), n // 2, replace=False))
        rules = prepare(
            s[idx],
            n=5,
            distances_km=haversine_km(ll[idx], ll[idx]),
            min_spacing_km=300.0,
            solver="highs",
        )
        start = time.perf_counter()
        lazy = solve_rules(rules, explain_binding=False)
        lazy_s = time.perf_counter() - start
        start = time.perf_counter()
        built = build_model(rules)
        full = solve(built.prob, "highs")
        full_s = time.perf_counter() - start
        print(
            f"| {idx.size} | {built.prob.numConstraints():,} | {lazy_s:.2f} | {full_s:.2f} "
            f"| {lazy_s / full_s:.1f}× | {lazy.objective:.4f} = {full.objective:.4f} |",
            flush=True,
        )


def regions(surface: Any, repeat: int, area: float, compact: float) -> None:
    nb, a, xy = surface.neighbours(), surface.area_km2(), surface.centres()
    seconds, r = timed(
        lambda: grow_regions(
            surface.score,
            nb,
            a,
            xy,
            k=5,
            min_area_km2=area,
            compact_km=compact,
            allowed=surface.kept,
        ),
        repeat,
    )
    g = _check(surface.score, nb, a, xy, surface.kept, 5, area, compact, "mean")
    cells = np.flatnonzero(g.allowed)
    seeds = cells[np.lexsort((cells, -g.scores[cells]))][:2000]
    greedy_s, _ = timed(lambda: locate_regions_greedy(g, k=5, rank_by="mean", seeds=seeds), repeat)
    gap = 100 * r.gap / r.objective
    print(
        f"| {surface.resolution} | {area:g} km², {compact:g} km | {r.columns:,} "
        f"| {r.objective:.4f} | {r.greedy_objective:.4f} | {r.objective / r.greedy_objective:.4f} "
        f"| {r.upper_bound:.4f} | {r.guarantee} ({gap:.2f} %) | {seconds:.2f} | {greedy_s:.2f} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ctx = setup()
    common = {k: ctx[k] for k in ("candidates", "layers", "boundaries", "weights", "kept")}
    surfaces = {
        res: build(ctx["source"], resolution=res, robustness=False, **common) for res in (6, 7)
    }
    print("| res | cells | kept | k × spacing | blocks | undominated | reduced set | total | bound | guarantee (gap) | s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for res, surface in surfaces.items():
        sites(surface, args.repeat, peer=res == 6)
    print()
    print("| clustered cells | rows at once | lazy rows s | rows at once s | ratio | optimum |")
    print("|---|---|---|---|---|---|")
    clustered()
    print()
    print("| res | region | candidate regions | exact (mean) | greedy | ratio | bound | guarantee (gap) | s | greedy s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    regions(surfaces[6], args.repeat, 500.0, 30.0)
    regions(surfaces[7], args.repeat, 100.0, 15.0)


if __name__ == "__main__":
    main()
