"""What the surface measures and how it scores: a :class:`Plan`, and :func:`evaluate` at points.

A plan is the study reduced to what scoring one point needs: each criterion with the measure a
point can have (the study's own, or its spatial stand-in from ``surface.measure``), the
features of the layer it measures (already filtered by ``where``), the value functions'
min-max bounds, the global weights, the scoring method and the exclusion rules.  It is small
(a few hundred features) and plain data, so the dask engine sends it to every worker once.

:func:`evaluate` measures, values, excludes and scores any points with **the functions the
candidates go through**: :func:`siting.features.measure` (nearest km, counts and sums within a
radius or with a decay, gravity), :func:`siting.value.apply`,
:func:`siting.scoring.rule_mask` and :func:`siting.mcda.score_study`.  A cell is a point (its
centre); a candidate town is a point; a click on the map is a point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting import features, mcda, value
from siting.scoring import rule_mask
from siting.spec import Criterion, Exclusion, Method


@dataclass(frozen=True)
class Layer:
    """The features one criterion measures: attributes (no geometry) and lon/lat."""

    attributes: pd.DataFrame
    lonlat: np.ndarray


@dataclass(frozen=True)
class Plan:
    """Everything needed to score a point, the same for every partition and engine.

    Attributes
    ----------
    criteria
        The surface's criteria, each with the measure a point can have.
    layers
        The features each criterion measures, by criterion id (None for a coordinate).
    among
        Raw values (kept candidates × criterion, measured as the cells are) that set the
        bounds of min-max value functions: cells and candidates on one footing.
    weights
        Global weight of each criterion of the surface (summing to 1).
    method
        The study's method section with the method that scores the cells as ``name``.
    rules
        The exclusion rules of the cells, each on a criterion's raw value.
    reasons
        Each rule in words.
    """

    criteria: tuple[Criterion, ...]
    layers: dict[str, Layer | None]
    among: pd.DataFrame
    weights: pd.Series
    method: Method
    rules: tuple[Exclusion, ...]
    reasons: tuple[str, ...]

    @property
    def ids(self) -> list[str]:
        """The criterion ids, in the study's order."""
        return [c.id for c in self.criteria]


@dataclass(frozen=True)
class Evaluation:
    """Raw values, values, exclusions and scores of some points.

    Attributes
    ----------
    raw, values
        ``(n, m)``: each criterion's raw value (in its unit) and value (0..1).
    excluded_by
        ``(n,)`` bit ``k`` set when rule ``k`` of the plan excludes the point.
    score
        ``(n,)`` the score by the plan's method (also for excluded points).
    """

    raw: np.ndarray
    values: np.ndarray
    excluded_by: np.ndarray
    score: np.ndarray


_NO_ATTRIBUTES = pd.DataFrame()


def measure(plan: Plan, lonlat: np.ndarray) -> np.ndarray:
    """Raw value of every criterion of the plan at each point, ``(n, m)``.

    :func:`siting.features.measure`, the candidates' function, on the points: vectorised over
    the points (a KD-tree on unit vectors), never a loop over them.
    """
    sites = np.asarray(lonlat, dtype=float)
    out = np.empty((len(sites), len(plan.criteria)))
    vectors = features.unit_vectors(sites)  # once for every criterion
    for j, crit in enumerate(plan.criteria):
        layer = plan.layers.get(crit.id)
        out[:, j] = features.measure(
            crit.measure,
            sites=sites,
            candidates=_NO_ATTRIBUTES,
            facilities=None if layer is None else layer.attributes,
            facility_lonlat=None if layer is None else layer.lonlat,
            site_vectors=vectors,
        )
    return out


def values_of(plan: Plan, raw: np.ndarray) -> np.ndarray:
    """Each criterion's value function on the raw values (as :func:`siting.scoring.value_table`)."""
    out = np.empty_like(raw)
    for j, crit in enumerate(plan.criteria):
        out[:, j] = value.apply(crit, raw[:, j], among=plan.among[crit.id].to_numpy())
    return out


def excluded_by(plan: Plan, raw: np.ndarray) -> np.ndarray:
    """Bit ``k`` set where rule ``k`` excludes the point (:func:`siting.scoring.rule_mask`)."""
    frame = pd.DataFrame(raw, columns=plan.ids)
    bits = np.zeros(len(raw), dtype=np.uint32)
    for k, rule in enumerate(plan.rules):
        bits |= rule_mask(rule, _NO_ATTRIBUTES, frame).astype(np.uint32) << np.uint32(k)
    return bits


def score_of(plan: Plan, values: np.ndarray) -> np.ndarray:
    """The score of each point by the plan's method (:func:`siting.mcda.score_study`)."""
    if len(values) == 0:
        return np.empty(0)
    frame = pd.DataFrame(values, columns=plan.ids)
    scores = mcda.score_study(frame, plan.weights, plan.method, methods=[plan.method.name])
    return scores[plan.method.name].to_numpy(dtype=float)


def evaluate(plan: Plan, lonlat: np.ndarray, *, keep: bool = True) -> Evaluation:
    """Measure, value, exclude and score the points ``(n, 2)`` (lon/lat degrees).

    ``keep=False`` leaves out the raw values and values (empty ``(n, 0)`` arrays), keeping
    only what a large grid needs in memory: exclusions and scores.
    """
    raw = measure(plan, lonlat)
    vals = values_of(plan, raw)
    bits = excluded_by(plan, raw)
    score = score_of(plan, vals)
    if not keep:
        raw = vals = np.empty((len(raw), 0))
    return Evaluation(raw=raw, values=vals, excluded_by=bits, score=score)
