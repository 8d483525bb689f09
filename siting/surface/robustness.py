"""How often each cell is among the best when the weights are drawn at random, streamed.

For each of ``draws`` weight vectors drawn uniformly on the simplex
(:func:`siting.sensitivity.sample_weights`, the draws of the candidates' robustness), every
kept cell is scored and the cells in the top ``top_percent`` of that draw are counted; a
cell's share is its count over the draws.  "In the top p %" means a score at least the
``ceil(p/100 · n)``-th best of the draw (cells tied with it are in, as ties share a rank in
siting).  The draws are taken a chunk at a time so that at most :data:`CHUNK_ELEMENTS`
scores (cells × draws of one chunk) per thread are in memory, never draws × cells.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from siting import mcda
from siting.sensitivity import sample_weights
from siting.spec import Method
from siting.tolerances import SCORE_TIE

#: Scores held at once (cells × draws of one chunk): 4 M float64 = 32 MB.
CHUNK_ELEMENTS = 1 << 22


def top_share(
    values: np.ndarray,
    *,
    method: Method,
    criteria: list[str],
    draws: int,
    top_percent: float,
    seed: int,
    chunk: int | None = None,
    threads: int | None = None,
    bounds: np.ndarray | None = None,
    order: list[int] | None = None,
) -> np.ndarray:
    """Share of weight draws in which each row of ``values`` is in the top ``top_percent``.

    Parameters
    ----------
    values
        Kept cells × criteria values (0..1).
    method
        The method scoring the cells (its ``name`` a pointwise method).
    criteria
        The criterion ids of the columns.
    draws
        Number of weight vectors.
    top_percent
        The top share counted, in percent of the rows.
    seed
        Seed of the draws.
    chunk
        Draws per chunk (default: as many as :data:`CHUNK_ELEMENTS` allows).
    threads
        Chunks scored at once; each holds one chunk's scores.  Default: one for the weighted
        sum, whose matrix product OpenBLAS already spreads over the cores (a second chunk at
        once measured no faster, benchmarks/README.md), one per core for the other methods,
        scored draw by draw.
    bounds, order
        Ranges of the global weights and an order of importance, as
        :func:`siting.sensitivity.sample_weights` takes them (the study's ``sensitivity``
        settings).
    """
    n, m = values.shape
    if n == 0:
        return np.empty(0)
    weights = sample_weights(m, draws, rng=np.random.default_rng(seed), bounds=bounds, order=order)
    k = max(1, math.ceil(top_percent / 100.0 * n))
    size = chunk or max(1, CHUNK_ELEMENTS // n)

    def count(start: int) -> np.ndarray:
        # Everything a chunk writes is its own; `values` and `weights` are only read.
        w = weights[start : start + size]
        if method.name == "weighted_sum":
            # The weighted sum of values already on one 0..1 scale (mcda.study_options): one
            # matrix product scores the chunk's draws at once, a draw per row (contiguous rows
            # make the partition below fast).
            scores = w @ values.T
        else:
            # A frame per chunk, not one shared by the threads: pandas fills an index's hash
            # table lazily on first use and does not promise that this is thread-safe
            # (pandas-dev/pandas#21150).
            frame = pd.DataFrame(values, columns=criteria)
            scores = np.vstack(
                [
                    mcda.score_study(
                        frame, pd.Series(wi, index=criteria), method, methods=[method.name]
                    )[method.name].to_numpy()
                    for wi in w
                ]
            )
        cut = np.partition(scores, n - k, axis=1)[:, n - k]
        return (scores >= cut[:, None] - SCORE_TIE).sum(axis=0)

    # Chunks on several threads (numpy releases the GIL in the product and the partition);
    # counts are whole numbers, so their sum does not depend on the order the chunks finish.
    counts = np.zeros(n, dtype=np.int64)
    workers = threads or (1 if method.name == "weighted_sum" else len(os.sched_getaffinity(0)))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for part in pool.map(count, range(0, draws, size)):
            counts += part
    return counts / draws
