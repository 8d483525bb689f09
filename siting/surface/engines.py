"""Where the partitions of a surface are computed: in this process (numpy) or on dask.

Both engines run :func:`partition` (the cells of a group of parents, measured, valued,
excluded and scored) on the same groups, and put the results together in the groups' order,
so they give the same cells in the same order with the same numbers; tests/test_surface.py
checks it on a two-worker cluster.

The dask engine sends the plan to every worker once (``Client.scatter(broadcast=True)``) and
one task per partition; the partitions' results come back one at a time and are copied into
their place, so the client holds the results and one partition at most.  It uses a
``dask.distributed.LocalCluster`` (one worker process per core) by default, or the cluster
whose scheduler ``address`` names (``siting surface --scheduler tcp://host:8786``); the
workers need siting and its dependencies installed (docs/surface.md).
"""

from __future__ import annotations

import os
import pickle
import queue
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from siting.surface import grid
from siting.surface.measure import Plan, evaluate


@dataclass(frozen=True)
class Part:
    """The result of one partition: its cells and their evaluation."""

    cells: np.ndarray
    lonlat: np.ndarray
    raw: np.ndarray
    values: np.ndarray
    excluded_by: np.ndarray
    score: np.ndarray


def partition(
    plan: Plan, area: grid.Area, group: np.ndarray, resolution: int, keep: bool = True
) -> Part:
    """The cells under ``group`` whose centre is in the area, measured, valued and scored."""
    cells, lonlat = grid.cells_in(area, group, resolution)
    ev = evaluate(plan, lonlat, keep=keep)
    if not keep:
        lonlat = np.empty((len(cells), 0))
    return Part(cells, lonlat, ev.raw, ev.values, ev.excluded_by, ev.score)


def concat(parts: Iterable[Part], m: int) -> Part:
    """The partitions' results one after the other (in the groups' order)."""
    items = list(parts)
    if not items:
        empty = np.empty((0, m))
        return Part(
            np.empty(0, np.uint64),
            np.empty((0, 2)),
            empty,
            empty,
            np.empty(0, np.uint32),
            np.empty(0),
        )
    return Part(
        *(np.concatenate([getattr(p, f) for p in items]) for f in Part.__dataclass_fields__)
    )


def run_numpy(
    plan: Plan,
    area: grid.Area,
    groups: list[np.ndarray],
    resolution: int,
    *,
    keep: bool = True,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Part:
    """Every partition in this process, on ``threads`` threads (default: one per core).

    The heavy steps (KD-tree queries, numpy's array arithmetic, shapely's point-in-polygon
    test, h3ronpy's Rust) release the GIL, so threads use the cores without copying the plan
    into other processes; each partition is computed by itself and the results are put in
    the groups' order, so the numbers do not depend on the number of threads.

    No object is used by two threads at once.  Each thread scores with a plan of its own, a
    pickled copy as a dask worker receives it: the plan's frames and series are read through
    pandas indexes whose hash tables pandas fills on first use, unlocked (pandas-dev/pandas
    #21150).  The area's polygon is only read: each partition tests its cells against a
    prepared copy of its own (:func:`siting.surface.grid.prepared`), since GEOS builds a
    prepared polygon's index on its first queries, unlocked -- two threads doing so on one
    polygon corrupted the heap and aborted a run (SIGABRT; docs/surface.md, "Threads").
    """
    workers = max(1, min(threads or len(os.sched_getaffinity(0)), len(groups)))
    own: queue.SimpleQueue[Plan] = queue.SimpleQueue()
    for _ in range(workers):  # on this thread, before any worker reads the plan
        own.put(pickle.loads(pickle.dumps(plan)) if workers > 1 else plan)

    def run(group: np.ndarray) -> Part:
        mine = own.get()  # a thread holds a plan no other thread holds until it puts it back
        try:
            return partition(mine, area, group, resolution, keep)
        finally:
            own.put(mine)

    parts: list[Part] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for k, part in enumerate(pool.map(run, groups)):
            parts.append(part)
            if progress is not None:
                progress(k + 1, len(groups))
    return concat(parts, len(plan.criteria))


def run_dask(
    plan: Plan,
    area: grid.Area,
    groups: list[np.ndarray],
    resolution: int,
    *,
    keep: bool = True,
    scheduler: str | None = None,
    cluster: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Part:
    """Every partition as a task on a dask.distributed cluster.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``); None starts a LocalCluster.
    cluster
        Options of the LocalCluster (``n_workers``, ``threads_per_worker``, ``processes``,
        ``memory_limit``); by default one single-threaded worker process per core.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    local = None
    if scheduler is None:
        # ":0": any free port, so that two clusters on one machine do not clash over 8787
        options = {"threads_per_worker": 1, "dashboard_address": ":0"} | (cluster or {})
        local = LocalCluster(**options)
        client = Client(local)
    else:
        client = Client(scheduler)
    try:
        shared = client.scatter(plan, broadcast=True)
        shared_area = client.scatter(area, broadcast=True)
        futures = [
            client.submit(partition, shared, shared_area, g, resolution, keep, pure=False)
            for g in groups
        ]
        position = {f.key: k for k, f in enumerate(futures)}
        parts: list[Part | None] = [None] * len(groups)
        for done, future in enumerate(as_completed(futures), start=1):
            parts[position[future.key]] = future.result()
            future.release()
            if progress is not None:
                progress(done, len(groups))
        return concat([p for p in parts if p is not None], len(plan.criteria))
    finally:
        client.close()
        if local is not None:
            local.close()
