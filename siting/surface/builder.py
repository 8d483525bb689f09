"""Build a study's surface: the grid in partitions, each measured, valued, excluded and scored."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting import features
from siting.scoring import Locates
from siting.spec import Study
from siting.surface import engines, grid
from siting.surface.measure import Plan, excluded_by, score_of, values_of
from siting.surface.plan import make_area, make_plan
from siting.surface.result import Surface
from siting.surface.robustness import top_share


def build(
    source: Locates,
    *,
    candidates: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    boundaries: gpd.GeoDataFrame | None,
    weights: pd.Series,
    kept: pd.Index,
    engine: str | None = None,
    scheduler: str | None = None,
    cluster: dict[str, Any] | None = None,
    resolution: int | None = None,
    keep: bool = True,
    robustness: bool | None = None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Surface:
    """The study's surface (its ``surface:`` section), with the candidates scored beside it.

    Parameters
    ----------
    source
        The study and its lines (for messages).
    candidates, layers, boundaries
        As the run read them.
    weights
        The study's global weights (:func:`siting.scoring.derive_weights`).
    kept
        The candidates the study's exclusions keep (their raw values set min-max bounds).
    engine
        ``numpy`` or ``dask`` (default: the section's ``engine``; a ``scheduler`` implies dask).
    scheduler
        Address of a running dask scheduler; None starts a LocalCluster when the engine is dask.
    cluster
        Options of the LocalCluster (:func:`siting.surface.engines.run_dask`).
    resolution
        Override the section's resolution (benchmarks, tests).
    keep
        Keep each cell's centre, raw values and values; False keeps only the H3 index, the
        exclusions and the score (a national grid at resolution 9 is 22 million cells).
    robustness
        Count each cell's top shares under random weights: True, False, or None (default)
        when the section has ``robustness``.
    threads
        Threads of the numpy engine and of the robustness (default: their own,
        :func:`siting.surface.engines.run_numpy` and
        :func:`siting.surface.robustness.top_share`).
    progress
        Called with (partitions done, partitions) as they finish.
    """
    study = source.study
    spec = study.surface
    if spec is None:  # pragma: no cover - the callers check
        raise AssertionError("build() needs a study with a `surface` section")
    res = spec.resolution if resolution is None else resolution
    timings: dict[str, float] = {}
    start = time.perf_counter()
    plan, cand_raw = make_plan(
        source, candidates=candidates, layers=layers, weights=weights, kept=kept
    )
    area = make_area(source, boundaries=boundaries, candidates=candidates)
    groups = grid.partitions(area, res, spec.partition_cells)
    timings["plan"] = time.perf_counter() - start
    start = time.perf_counter()
    which = engine or ("dask" if scheduler is not None else spec.engine)
    if which == "dask":
        part = engines.run_dask(
            plan,
            area,
            groups,
            res,
            keep=keep,
            scheduler=scheduler,
            cluster=cluster,
            progress=progress,
        )
    else:
        part = engines.run_numpy(
            plan, area, groups, res, keep=keep, threads=threads, progress=progress
        )
    timings["cells"] = time.perf_counter() - start
    cand = _candidates_table(plan, candidates, cand_raw)
    surface = Surface(
        resolution=res,
        cells=part.cells,
        lonlat=part.lonlat,
        criteria=plan.ids,
        raw=part.raw,
        values=part.values,
        score=part.score,
        excluded_by=part.excluded_by,
        plan=plan,
        engine=which,
        candidates=cand,
        timings=timings,
    )
    asked = spec.robustness is not None if robustness is None else robustness
    if asked and keep:
        start = time.perf_counter()
        settings = spec.robustness
        share = np.full(len(surface), np.nan)
        kept_cells = surface.kept
        share[kept_cells] = top_share(
            surface.values[kept_cells],
            method=plan.method,
            criteria=plan.ids,
            draws=settings.draws if settings else 1000,
            top_percent=settings.top_percent if settings else 5.0,
            seed=study.seed,
            threads=threads,
            **_draw_settings(study, plan.ids),
        )
        timings["robustness"] = time.perf_counter() - start
        surface = dataclasses.replace(surface, robustness=share, timings=timings)
    return surface


def _draw_settings(study: Study, ids: list[str]) -> dict[str, Any]:
    """The study's weight ranges and order of importance, when they apply to the surface.

    They are global weights of the study's criteria: with criteria left out of the surface
    (``without``) the weights are renormalised and the ranges no longer mean the same, so the
    draws are then uniform on the simplex.
    """
    sens = study.sensitivity
    if sens is None or ids != [c.id for c in study.criteria]:
        return {}
    out: dict[str, Any] = {}
    if sens.weights:
        out["bounds"] = np.array([sens.weights.get(c, (0.0, 1.0)) for c in ids], dtype=float)
    if sens.order is not None:
        out["order"] = [ids.index(c) for c in sens.order]
    return out


def check(
    source: Locates,
    *,
    candidates: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    boundaries: gpd.GeoDataFrame | None,
    weights: pd.Series,
    kept: pd.Index,
) -> None:
    """What :func:`build` would refuse in the data (a region, a filter), without scoring a cell.

    ``siting validate`` calls it: a surface at resolution 9 takes minutes to score, its checks
    milliseconds.
    """
    make_plan(source, candidates=candidates, layers=layers, weights=weights, kept=kept)
    make_area(source, boundaries=boundaries, candidates=candidates)


def _candidates_table(plan: Plan, candidates: gpd.GeoDataFrame, raw: np.ndarray) -> pd.DataFrame:
    """The candidates measured, valued, excluded and scored as cells are (at their point)."""
    vals = values_of(plan, raw)
    table = pd.DataFrame(index=candidates.index)
    table["name"] = candidates["name"].astype(str)
    xy = features.lonlat(candidates)
    table["lon"], table["lat"] = xy[:, 0], xy[:, 1]
    for j, cid in enumerate(plan.ids):
        table[f"raw_{cid}"] = raw[:, j]
    for j, cid in enumerate(plan.ids):
        table[f"value_{cid}"] = vals[:, j]
    table["score"] = score_of(plan, vals)
    table["excluded_by"] = excluded_by(plan, raw)
    return table
