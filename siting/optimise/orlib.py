"""Readers for OR-Library test instances, used to check the models against published optima."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import shortest_path

from siting.errors import DataError


def read_pmed(path: str | Path) -> tuple[np.ndarray, int]:
    """Read an OR-Library p-median instance (Beasley 1985) into a full cost matrix.

    The file holds ``n m p`` and then ``m`` lines ``i j c`` (1-based, undirected).  OR-Library's
    rule: read the edge lines in order and let the last line win when a pair repeats (keeping
    the minimum instead gives pmed1 = 5718, not the published 5819); then all-pairs shortest
    paths.

    Parameters
    ----------
    path
        A ``pmedK.txt`` file.

    Returns
    -------
    tuple
        The ``n × n`` shortest-path matrix (every vertex is a unit-demand client and a
        candidate) and ``p``.
    """
    numbers = np.array(Path(path).read_text().split(), dtype=np.int64)
    if numbers.size < 3:
        msg = f"{path} is not a p-median instance: fewer than three numbers"
        raise DataError(msg)
    n, m, p = (int(v) for v in numbers[:3])
    edges = numbers[3 : 3 + 3 * m].reshape(-1, 3)
    if edges.shape[0] != m:
        msg = f"{path} announces {m} edges but holds {edges.shape[0]}"
        raise DataError(msg)
    i, j, c = edges[:, 0] - 1, edges[:, 1] - 1, edges[:, 2].astype(float)
    # Last line wins: keep, for each unordered pair, the last occurrence.
    a, b = np.minimum(i, j), np.maximum(i, j)
    key = a * n + b
    _, last_from_end = np.unique(key[::-1], return_index=True)
    keep = key.size - 1 - last_from_end
    graph = csr_array((c[keep], (a[keep], b[keep])), shape=(n, n))
    costs = shortest_path(graph, method="D", directed=False)
    return costs, p
