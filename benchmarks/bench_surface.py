"""Suitability surface: time and memory over H3 resolutions 5–9, against a geopandas baseline.

The default study's spatial criteria (criteria/novosibirsk_surface.yaml: 10 criteria, 5 nearest
distances, 3 decaying counts and sums, a sum and a count within a radius) measured, valued,
excluded and scored over Kazakhstan:

1. numpy engine, resolutions 5–8 (targets: resolution 7 ≤ 10 s, resolution 8 ≤ 60 s), median
   of ``--repeat`` runs (one run at resolution 8); peak memory above the start (RSS of this
   process and its children, sampled every 20 ms with psutil); on the engine's default threads
   (one per core), or on each number of threads of ``--threads 1,2`` in turn (with the
   robustness);
2. the same cells measured the plain GIS way in the same run: geopandas ``sjoin_nearest`` in a
   projected CRS (UTM 42N) for the nearest distances, buffers and ``sjoin`` for the counts and
   sums (every pair within the reach, then the kernel in pandas) — measuring only, no values
   or scores — as a ratio;
3. the H3 bindings: filling the country and the cell centres with ``h3`` v4 (scalar API) against
   ``h3ronpy`` (vectorised, what siting uses), at resolutions 6 and 7;
4. robustness: 1,000 weight draws at resolution 7, the share of draws in which each cell is in
   the top 5 %, streamed, over every cell (as if none were excluded: the heaviest case); and 100
   draws scored by OWA, a method scored draw by draw rather than by one matrix product;
5. ``--res9``: resolution 9 (about 22 million cells) on the dask engine (a LocalCluster of two
   single-threaded worker processes, keeping H3 index, exclusions and score), peak memory of
   this process and its workers (target ≤ 4 GB), time.  Heavy: run it once, at the end.

Run:  .venv/bin/python benchmarks/bench_surface.py [--repeat 3] [--res9] [--threads 1,2]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psutil
import shapely

from siting import features
from siting.scoring import derive_weights, value_table
from siting.spec import Method
from siting.study import Study
from siting.surface import build, grid
from siting.surface.measure import measure as measure_points
from siting.surface.plan import make_area, make_plan
from siting.surface.robustness import top_share

ROOT = Path(__file__).resolve().parent.parent
STUDY = ROOT / "criteria" / "novosibirsk_surface.yaml"
UTM = "EPSG:32642"  # one UTM zone, as a desktop GIS user would project
#: OWA's order weights for the robustness of a method scored draw by draw (ten criteria, the
#: best value weighted most: an optimistic OWA).
OWA_ORDER = [0.3, 0.2, 0.15, 0.1, 0.1, 0.05, 0.04, 0.03, 0.02, 0.01]


class PeakMemory:
    """Peak RSS (bytes) of this process and its children above the start, sampled."""

    def __init__(self, every: float = 0.02) -> None:
        self.every = every
        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()

    def _rss(self) -> int:
        total = self.proc.memory_info().rss
        for child in self.proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total

    def __enter__(self) -> PeakMemory:
        self.start = self._rss()
        self.peak = self.start
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(self.every)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def total_mb(self) -> float:
        return self.peak / 2**20

    @property
    def added_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall time over ``repeat`` runs, the largest memory added, the last result."""
    times, peaks, out = [], [], None
    for _ in range(repeat):
        out = None  # the previous run's result is not counted in this run's memory
        with PeakMemory() as mem:
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
        peaks.append(mem.added_mb)
    return statistics.median(times), max(peaks), out


def setup() -> dict[str, Any]:
    study = Study.load(STUDY)
    inputs = study.read_inputs()
    raw, _ = study.measure(inputs)
    src = study.source
    reasons = pd.Series(False, index=raw.index)
    for rule in src.study.exclude:
        from siting.scoring import rule_mask

        reasons |= rule_mask(rule, inputs.candidates, raw)
    kept = raw.index[~reasons.to_numpy()]
    w = derive_weights(src, value_table(src.study, raw, among=raw.loc[kept])).weights
    return {
        "source": src,
        "candidates": inputs.candidates,
        "layers": inputs.layers,
        "boundaries": inputs.boundaries,
        "weights": w,
        "kept": kept,
    }


def baseline_measure(plan: Any, cells: gpd.GeoDataFrame, layers: dict[str, Any]) -> pd.DataFrame:
    """The plan's raw values, the plain geopandas way (projected CRS, sjoin_nearest, buffers)."""
    out = pd.DataFrame(index=cells.index)
    for crit in plan.criteria:
        m = crit.measure
        frame = layers[m.layer]
        if m.where:
            frame = frame[features.where_mask(frame, m.where)]
        fac = frame.to_crs(UTM)[[*([m.field] if m.field else []), "geometry"]].reset_index(
            drop=True
        )
        if m.kind == "nearest":
            joined = gpd.sjoin_nearest(cells, fac, distance_col="d", how="left")
            out[crit.id] = joined.groupby(level=0)["d"].first() / 1000
            continue
        decay = m.kernel
        reach = m.within_km if decay is None else features.reach_km(decay)
        zones = fac.copy()
        zones["geometry"] = fac.buffer(reach * 1000)
        pairs = gpd.sjoin(cells, zones, predicate="within", how="inner")
        weight = pairs[m.field].astype(float) if m.field else pd.Series(1.0, index=pairs.index)
        if decay is not None:
            pts = fac.geometry.iloc[pairs["index_right"].to_numpy()].to_numpy()
            d_km = shapely.distance(cells.geometry.loc[pairs.index].to_numpy(), pts) / 1000
            weight = weight * features.kernel(d_km, decay)
        out[crit.id] = weight.groupby(level=0).sum().reindex(cells.index, fill_value=0.0)
    return out


def bindings(area: Any, res: int, repeat: int) -> dict[str, Any]:
    """h3 v4 (C through Cython, scalar API) against h3ronpy (Rust on Arrow arrays): fill, centres."""
    import h3
    import h3.api.numpy_int as h3n

    def fill_h3() -> np.ndarray:
        shape = h3.geo_to_h3shape(area.polygon.__geo_interface__)
        return np.asarray(h3n.h3shape_to_cells(shape, res), dtype=np.uint64)

    def fill_ours() -> np.ndarray:
        groups = grid.partitions(area, res, 100_000)
        return np.concatenate([grid.cells_in(area, g, res)[0] for g in groups])

    t_h3, _, cells = timed(fill_h3, repeat)
    t_ours, _, ours = timed(fill_ours, repeat)
    assert set(cells.tolist()) == set(ours.tolist())
    t_loop, _, loop = timed(lambda: np.array([h3n.cell_to_latlng(c) for c in cells]), repeat)
    t_vec, _, vec = timed(lambda: grid.centres(cells), repeat)
    assert np.allclose(loop[:, ::-1], vec, rtol=0, atol=1e-12)
    return {
        "resolution": res,
        "cells": len(cells),
        "h3 fill s": t_h3,
        "siting fill (h3ronpy, partitions) s": t_ours,
        "h3 centres loop s": t_loop,
        "h3ronpy centres s": t_vec,
    }


def engine_rows(
    ctx: dict[str, Any],
    common: dict[str, Any],
    args: argparse.Namespace,
    threads: int | None,
    *,
    baseline: bool,
) -> list[dict[str, Any]]:
    """The numpy engine over the resolutions and the robustness, on ``threads`` threads."""
    rows: list[dict[str, Any]] = []
    surface7 = None
    for res in [int(r) for r in args.resolutions.split(",")]:
        repeat = args.repeat if res <= 7 else 1
        t, mb, surface = timed(
            lambda res=res: build(
                ctx["source"], resolution=res, robustness=False, threads=threads, **common
            ),
            repeat,
        )
        row = {
            "resolution": res,
            "engine": "numpy",
            "threads": threads or "default",
            "cells": len(surface),
            "seconds": t,
            "added_MB": mb,
        }
        if baseline and res in (6, 7):
            plan, _ = make_plan(
                ctx["source"],
                candidates=ctx["candidates"],
                layers=ctx["layers"],
                weights=ctx["weights"],
                kept=ctx["kept"],
            )
            pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*surface.lonlat.T), crs="EPSG:4326")
            start = time.perf_counter()
            mine = measure_points(plan, surface.lonlat)
            t_ours = time.perf_counter() - start
            start = time.perf_counter()
            theirs = baseline_measure(plan, pts.to_crs(UTM), ctx["layers"])
            t_base = time.perf_counter() - start
            row["measure_s"] = t_ours
            row["geopandas_measure_s"] = t_base
            row["ratio"] = t_base / t_ours
            # how far one UTM zone is from the great circle (not a check of siting's numbers)
            row["utm_nearest_err_km"] = float(
                np.nanmax(np.abs(theirs.iloc[:, 1].to_numpy() - mine[:, 1]))
            )
        if res == 7:
            surface7 = surface
        rows.append(row)
        print(row, flush=True)
    if surface7 is not None:
        # every cell, as if none were excluded: the heaviest case (the study keeps fewer)
        kept = np.ones(len(surface7), dtype=bool)
        owa = Method.model_validate({"name": "owa", "owa": {"order_weights": OWA_ORDER}})
        # the weighted sum (one matrix product per chunk), then a method scored draw by draw
        # (OWA: pointwise but not one product), 100 draws
        for label, method, draws in [
            ("robustness 1,000 draws", surface7.plan.method, 1000),
            ("robustness 100 draws, OWA", owa, 100),
        ]:
            t, mb, _ = timed(
                lambda method=method, draws=draws: top_share(
                    surface7.values[kept],
                    method=method,
                    criteria=surface7.criteria,
                    draws=draws,
                    top_percent=5,
                    seed=2025,
                    threads=threads,
                ),
                args.repeat,
            )
            row = {
                "resolution": 7,
                "engine": label,
                "threads": threads or "default",
                "cells": int(kept.sum()),
                "seconds": t,
                "added_MB": mb,
            }
            rows.append(row)
            print(row, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--res9", action="store_true", help="also resolution 9 on dask")
    parser.add_argument("--resolutions", default="5,6,7,8")
    parser.add_argument(
        "--threads",
        default="",
        help="numpy engine and robustness threads, e.g. 1,2 (default: their defaults)",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    ctx = setup()
    area = make_area(ctx["source"], boundaries=ctx["boundaries"], candidates=ctx["candidates"])
    for res in (6, 7):
        print(bindings(area, res, args.repeat), flush=True)
    common = {k: ctx[k] for k in ("candidates", "layers", "boundaries", "weights", "kept")}
    rows = []
    counts = [int(n) for n in args.threads.split(",") if n] or [None]
    for threads in counts:
        rows += engine_rows(ctx, common, args, threads, baseline=threads == counts[0])
    if args.res9:
        with PeakMemory() as mem:
            start = time.perf_counter()
            s9 = build(
                ctx["source"],
                resolution=9,
                engine="dask",
                keep=False,
                robustness=False,
                cluster={"n_workers": 2, "processes": True, "memory_limit": "1.5GB"},
                **common,
            )
            t = time.perf_counter() - start
        row = {
            "resolution": 9,
            "engine": "dask (2 workers)",
            "cells": len(s9),
            "seconds": t,
            "added_MB": mem.added_mb,
            "peak_total_MB": mem.total_mb,
        }
        rows.append(row)
        print(row, flush=True)
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt=".3g"))


if __name__ == "__main__":
    main()
