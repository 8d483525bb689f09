"""The :class:`Surface`: every cell of a study's grid with its raw values, values and score."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.surface import grid
from siting.surface.measure import Evaluation, Plan, evaluate


@dataclass(frozen=True)
class Surface:
    """A study's criteria measured, valued and scored on every cell of an H3 grid.

    Arrays are aligned: row ``i`` of each is cell ``cells[i]``.

    Attributes
    ----------
    resolution
        The H3 resolution.
    cells
        ``(n,)`` H3 indexes (``uint64``; :meth:`hex_ids` gives the usual text).
    lonlat
        ``(n, 2)`` cell centres, longitude and latitude in degrees (``(n, 0)`` when the
        engine was asked to keep only the scores).
    criteria
        The surface's criterion ids: the columns of ``raw`` and ``values``.
    raw
        ``(n, m)`` raw values, each criterion in its unit (``(n, 0)`` when not kept).
    values
        ``(n, m)`` value-function outputs, 0 (worst) to 1 (best) (``(n, 0)`` when not kept).
    score
        ``(n,)`` score by :attr:`method` (also for excluded cells).
    excluded_by
        ``(n,)`` bit ``k`` set when rule ``k`` (:attr:`reasons`) excludes the cell.
    plan
        What scores a point (:func:`score_points` uses it: a click, a town).
    engine
        ``numpy`` or ``dask``.
    candidates
        The candidates measured and scored as the cells are: ``raw``/``values`` columns per
        criterion, ``score`` and ``excluded_by``, indexed by candidate id.
    robustness
        ``(n,)`` share of weight draws in which each kept cell is in the top
        ``surface.robustness.top_percent`` (NaN for excluded cells), when asked for.
    timings
        Seconds spent in each step (grid and measure, robustness).
    """

    resolution: int
    cells: np.ndarray
    lonlat: np.ndarray
    criteria: list[str]
    raw: np.ndarray
    values: np.ndarray
    score: np.ndarray
    excluded_by: np.ndarray
    plan: Plan
    engine: str = "numpy"
    candidates: pd.DataFrame = field(default_factory=pd.DataFrame)
    robustness: np.ndarray | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        """The number of cells."""
        return len(self.cells)

    @property
    def weights(self) -> pd.Series:
        """Global weight of each criterion of the surface (summing to 1)."""
        return self.plan.weights

    @property
    def method(self) -> str:
        """The method that scores the cells."""
        return self.plan.method.name

    @property
    def reasons(self) -> tuple[str, ...]:
        """Each exclusion rule in words (bit ``k`` of :attr:`excluded_by` is rule ``k``)."""
        return self.plan.reasons

    @property
    def excluded(self) -> np.ndarray:
        """``(n,)`` True where a rule excludes the cell."""
        return self.excluded_by != 0

    @property
    def kept(self) -> np.ndarray:
        """``(n,)`` True where no rule excludes the cell."""
        return self.excluded_by == 0

    @functools.cached_property
    def _order(self) -> np.ndarray:
        return np.argsort(self.cells)

    def index_of(self, cells: np.ndarray) -> np.ndarray:
        """Row of each H3 index in this surface, -1 where it is not one of its cells."""
        cells = np.asarray(cells, dtype=np.uint64)
        if len(self.cells) == 0:
            return np.full(len(cells), -1, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.cells, cells, sorter=self._order), 0, len(self) - 1)
        at = self._order[pos]
        return np.where(self.cells[at] == cells, at, -1).astype(np.int64)

    def cell_at(self, lonlat: np.ndarray) -> np.ndarray:
        """Row of the cell holding each point ``(k, 2)``, -1 outside the surface."""
        return self.index_of(grid.cell_of(np.asarray(lonlat, dtype=float), self.resolution))

    def neighbours(self) -> np.ndarray:
        """``(n, 6)`` rows of each cell's neighbours in this surface, -1 where none."""
        return grid.neighbours(self.cells)

    def centres(self) -> np.ndarray:
        """``(n, 2)`` cell centres (lon/lat), computed when the engine did not keep them."""
        return self.lonlat if self.lonlat.shape[1] == 2 else grid.centres(self.cells)

    def area_km2(self) -> np.ndarray:
        """``(n,)`` each cell's area on the sphere, km²."""
        return grid.cell_area_km2(self.cells)

    def hex_ids(self) -> np.ndarray:
        """The H3 indexes as text (``872a10089ffffff``)."""
        return grid.to_strings(self.cells)

    def score_points(self, lonlat: np.ndarray) -> Evaluation:
        """Measure, value, exclude and score any points as the cells are (a click, a town)."""
        return evaluate(self.plan, np.asarray(lonlat, dtype=float).reshape(-1, 2))

    def frame(self) -> pd.DataFrame:
        """One row per cell, every column of the surface.

        ``h3``, ``lon``, ``lat``, ``raw_<id>``, ``value_<id>``, ``score``, ``excluded``,
        ``excluded_by`` (the rules in words, ``; ``-joined) and ``robustness`` (when computed).
        """
        centres = self.centres()
        data: dict[str, object] = {
            "h3": self.hex_ids(),
            "lon": centres[:, 0],
            "lat": centres[:, 1],
        }
        if self.raw.shape[1]:
            for j, cid in enumerate(self.criteria):
                data[f"raw_{cid}"] = self.raw[:, j]
            for j, cid in enumerate(self.criteria):
                data[f"value_{cid}"] = self.values[:, j]
        data["score"] = self.score
        data["excluded"] = self.excluded
        data["excluded_by"] = pd.Categorical(self.reason_text())
        if self.robustness is not None:
            data["robustness"] = self.robustness
        return pd.DataFrame(data)

    def reason_text(self) -> np.ndarray:
        """Why each cell is excluded, in words (``''`` when kept); decoded per distinct mask."""
        masks, inverse = np.unique(self.excluded_by, return_inverse=True)
        words = np.array(
            [
                "; ".join(r for k, r in enumerate(self.reasons) if int(mask) >> k & 1)
                for mask in masks
            ],
            dtype=object,
        )
        return words[inverse.reshape(-1)] if len(masks) else np.empty(0, dtype=object)
