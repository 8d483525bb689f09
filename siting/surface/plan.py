"""From a study to a surface's :class:`~siting.surface.measure.Plan` and :class:`~siting.surface.grid.Area`.

The checks that need only the criteria file are made when it is read
(:func:`siting.criteria.load`); the ones that need the data (a region id the boundaries layer
lacks, a ``where`` that compares text with numbers) are made here, each located at the line of
the criteria file that caused it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting import features
from siting.errors import DataError
from siting.i18n import N_, Msg
from siting.scoring import rule_text
from siting.spec import Criterion, Exclusion, Measure, Study, SurfaceSpec
from siting.surface.grid import Area
from siting.surface.measure import Layer, Plan, measure

if TYPE_CHECKING:
    from siting.scoring import Locates


def surface_criteria(study: Study) -> list[tuple[int, Criterion]]:
    """The criteria of the surface with the measure a cell has: (position in the file, criterion)."""
    spec = _spec(study)
    out = []
    for i, crit in enumerate(study.criteria):
        if crit.id in spec.without:
            continue
        stand_in = spec.measure.get(crit.id)
        out.append((i, crit if stand_in is None else crit.model_copy(update={"measure": stand_in})))
    return out


def surface_rules(study: Study) -> list[Exclusion]:
    """The cells' exclusion rules, each on a criterion's raw value.

    ``surface.exclude`` when given, else the study's rules; a rule on a candidate field reads
    the criterion that measures that field (``population`` below 10,000 becomes the
    ``population`` criterion below 10,000, measured from the settlements layer).
    """
    spec = _spec(study)
    rules = spec.exclude if spec.exclude is not None else study.exclude
    by_field = {
        str(c.measure.attribute): c.id
        for c in study.criteria
        if c.measure.kind == "attribute" and c.id in spec.measure
    }
    out = []
    for rule in rules:
        if rule.field is not None:
            rule = rule.model_copy(update={"field": None, "criterion": by_field[rule.field]})
        out.append(rule)
    return out


def _spec(study: Study) -> SurfaceSpec:
    if study.surface is None:
        raise AssertionError("a surface needs the study's `surface` section")  # pragma: no cover
    return study.surface


def _criterion_loc(study: Study, i: int, crit: Criterion) -> tuple[str | int, ...]:
    """Where a criterion's measure is written: under surface.measure, or in the criterion."""
    if crit.id in _spec(study).measure:
        return ("surface", "measure", crit.id)
    return ("criteria", i, "measure")


def _layer(
    source: Locates, loc: tuple[str | int, ...], m: Measure, layers: dict[str, gpd.GeoDataFrame]
) -> Layer | None:
    """The features a measure reads, filtered by ``where``."""
    if m.layer is None:
        return None
    frame = layers[m.layer]
    if m.where:
        try:
            frame = frame[features.where_mask(frame, m.where)]
        except DataError as exc:
            raise DataError([source.problem((*loc, "where"), p) for p in exc.problems]) from exc
    if len(frame) == 0:
        text = Msg(
            N_("no feature of layer {name} is left to measure after `where`; loosen the filter"),
            name=repr(m.layer),
        )
        raise DataError(source.problem(loc, text))
    return Layer(
        attributes=pd.DataFrame(frame.drop(columns=frame.geometry.name)),
        lonlat=features.lonlat(frame),
    )


def make_plan(
    source: Locates,
    *,
    candidates: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    weights: pd.Series,
    kept: pd.Index,
) -> tuple[Plan, np.ndarray]:
    """The surface's plan, and the raw values of the candidates measured as the cells are.

    Parameters
    ----------
    source
        The study and its lines (for messages).
    candidates, layers
        As read by the run.
    weights
        The study's global weights (:func:`siting.scoring.derive_weights`); the criteria left
        out of the surface give their weight to the others in proportion (renormalised to 1).
    kept
        The candidates the study's exclusions keep: their raw values, measured as the cells
        are, set the bounds of min-max value functions.

    Returns
    -------
    tuple
        The plan, and the candidates' ``(n, m)`` raw values under it.
    """
    study = source.study
    spec = _spec(study)
    chosen = surface_criteria(study)
    problems: list[str] = []
    found: dict[str, Layer | None] = {}
    for i, crit in chosen:
        try:
            found[crit.id] = _layer(source, _criterion_loc(study, i, crit), crit.measure, layers)
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    ids = [c.id for _, c in chosen]
    w = weights.reindex(ids).astype(float)
    w = w / w.sum()
    name = spec.method or study.method.name
    method = study.method.model_copy(update={"name": name, "compare": []})
    rules = surface_rules(study)
    plan = Plan(
        criteria=tuple(c for _, c in chosen),
        layers=found,
        among=pd.DataFrame(columns=ids, dtype=float),
        weights=w,
        method=method,
        rules=tuple(rules),
        reasons=tuple(str(rule_text(r)) for r in rules),
    )
    raw = measure(plan, features.lonlat(candidates))
    among = pd.DataFrame(raw, index=candidates.index, columns=ids).loc[kept]
    return dataclasses.replace(plan, among=among), raw


def make_area(
    source: Locates, *, boundaries: gpd.GeoDataFrame | None, candidates: gpd.GeoDataFrame
) -> Area:
    """The area the study's ``surface.area`` names, from the boundaries layer or points."""
    spec = _spec(source.study)
    area = spec.area
    if area == "boundaries" or area.region is not None:
        if boundaries is None:  # refused when the file is read
            raise AssertionError("surface area without boundaries")  # pragma: no cover
        shapes = boundaries
        if area != "boundaries":
            ids = boundaries.index.astype(str)
            missing = [r for r in area.regions if r not in set(ids)]
            if missing:
                msg = Msg(
                    N_("the boundaries layer has no feature {ids}; use one of {known}"),
                    ids=missing,
                    known=sorted(set(ids)),
                )
                raise DataError(source.problem(("surface", "area", "region"), msg))
            shapes = boundaries[ids.isin(area.regions)]
        # Not prepared: the partitions read it from several threads, each with a prepared
        # copy of its own (siting.surface.grid.prepared says why).
        return Area(polygon=shapely.union_all(shapes.geometry.to_numpy()))
    if area.around == "candidates":
        points = features.lonlat(candidates)
    else:
        points = np.asarray(area.around, dtype=float).reshape(-1, 2)
    return Area(points=points, km=float(area.km or 0.0))
