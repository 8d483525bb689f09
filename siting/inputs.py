"""What a study reads: its layers, reference sites and boundaries, checked against the criteria.

Everything here reads files named by a criteria file and reports every problem together, each
pointing at the line of the criteria file that caused it.  After this stage the pipeline works on
GeoDataFrames and plain pandas objects only.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting import features
from siting.criteria import Loc, StudyFile
from siting.errors import DataError
from siting.layers import lonlat, read_layer


def read_layers(source: StudyFile) -> tuple[gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame]]:
    """Read the candidates and every facility layer, then check the fields the criteria use."""
    study = source.study
    problems: list[str] = []
    paths = {("candidates",): study.candidates} | {
        ("layers", name): p for name, p in study.layers.items()
    }
    frames: dict[Loc, gpd.GeoDataFrame] = {}
    for loc, rel in paths.items():
        resolved = source.resolve(rel)
        if not resolved.exists():
            problems.append(
                source.problem(
                    loc,
                    f"file {str(rel)!r} not found (looked at {resolved}); fix the path, "
                    "which is relative to the criteria file",
                )
            )
            continue
        try:
            frames[loc] = read_layer(resolved, name=loc[-1], required=("name",))
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    candidates = frames[("candidates",)]
    layers = {loc[-1]: frame for loc, frame in frames.items() if loc[0] == "layers"}
    problems = field_problems(source, candidates, layers)
    if problems:
        raise DataError(problems)
    return candidates, layers


def _missing_field(
    source: StudyFile, loc: Loc, field: str, frame: pd.DataFrame, what: str
) -> str | None:
    if field in frame.columns:
        return None
    fields = [str(c) for c in frame.columns if c != "geometry"]
    close = difflib.get_close_matches(field, fields, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"its fields are {fields}"
    return source.problem(loc, f"{what} has no field {field!r}; {hint}")


def _not_numeric(
    source: StudyFile, loc: Loc, field: str, frame: pd.DataFrame, what: str
) -> str | None:
    """A problem when ``field`` holds values that are not numbers (the first few shown)."""
    values = frame[field]
    parsed = pd.to_numeric(values, errors="coerce")
    bad = values[parsed.isna() & values.notna()]
    if bad.empty:
        return None
    shown = ", ".join(f"{i!r}: {v!r}" for i, v in list(bad.items())[:3])
    more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
    return source.problem(
        loc,
        f"field {field!r} of {what} must hold numbers but has text ({shown}{more}); write plain "
        "numbers in the layer, or use `in` / `equals` to filter text",
    )


def _absent_values(
    source: StudyFile, loc: Loc, field: str, wanted: list[Any], frame: pd.DataFrame, what: str
) -> str | None:
    """A problem when a filter names values that no feature has (a typo filters silently)."""
    present = list(dict.fromkeys(frame[field].dropna().tolist()))
    missing = [v for v in wanted if v not in present]
    if not missing:
        return None
    hints = []
    for v in missing:
        close = difflib.get_close_matches(str(v), [str(p) for p in present], n=1)
        hints.append(f"{v!r} (did you mean {close[0]!r}?)" if close else repr(v))
    listed = sorted(map(str, present))
    shown = listed if len(listed) <= 20 else [*listed[:20], "..."]
    return source.problem(
        loc,
        f"{', '.join(hints)} {'matches' if len(missing) == 1 else 'match'} no value of field "
        f"{field!r} in {what}; its values are {shown}",
    )


def field_problems(
    source: StudyFile, candidates: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]
) -> list[str]:
    """Every reference from the criteria file to a field that a layer does not have."""
    study = source.study
    found: list[str | None] = []
    for i, crit in enumerate(study.criteria):
        m = crit.measure
        base: Loc = ("criteria", i, "measure")
        if m.kind == "attribute":
            loc = (*base, "attribute")
            name = str(m.attribute)
            found.append(
                _missing_field(source, loc, name, candidates, "candidates")
                or _not_numeric(source, loc, name, candidates, "candidates")
            )
            continue
        layer = layers[m.layer]  # type: ignore[index]
        what = f"layer {m.layer!r}"
        if m.field is not None:
            loc = (*base, "field")
            found.append(
                _missing_field(source, loc, m.field, layer, what)
                or _not_numeric(source, loc, m.field, layer, what)
            )
        for name, test in (m.where or {}).items():
            loc = (*base, "where", name)
            missing = _missing_field(source, loc, name, layer, what)
            if missing:
                found.append(missing)
                continue
            if test.min is not None or test.max is not None:
                found.append(_not_numeric(source, loc, name, layer, what))
            wanted = [*(test.in_ or []), *([] if test.equals is None else [test.equals])]
            found.append(_absent_values(source, loc, name, wanted, layer, what))
    for i, rule in enumerate(study.exclude):
        if rule.field is not None:
            loc = ("exclude", i, "field")
            missing = _missing_field(source, loc, rule.field, candidates, "candidates")
            found.append(missing)
            if missing:
                continue
            if rule.above is not None or rule.below is not None:
                found.append(_not_numeric(source, loc, rule.field, candidates, "candidates"))
            if rule.equals is not None:
                found.append(
                    _absent_values(
                        source,
                        ("exclude", i, "equals"),
                        rule.field,
                        [rule.equals],
                        candidates,
                        "candidates",
                    )
                )
    rules = study.portfolio
    if rules is not None:
        for key in ("at_most_per", "at_least_per", "budget"):
            part = getattr(rules, key)
            if part is not None:
                loc: Loc = ("portfolio", key, "field")
                found.append(_missing_field(source, loc, part.field, candidates, "candidates"))
        for key, part in (("coverage", rules.coverage), ("equity", rules.equity)):
            if part is None:
                continue
            demand = getattr(part, "demand", None) or (
                rules.coverage.demand if rules.coverage else "candidates"
            )
            if demand != "candidates" and demand not in layers:
                found.append(
                    source.problem(
                        ("portfolio", key, "demand"),
                        f"demand layer {demand!r} is not under `layers` ({sorted(layers)}); "
                        "add it there or use `candidates`",
                    )
                )
                continue
            frame = candidates if demand == "candidates" else layers[demand]
            what = "candidates" if demand == "candidates" else f"layer {demand!r}"
            loc = ("portfolio", key, "population_field")
            found.append(_missing_field(source, loc, part.population_field, frame, what))
            if key == "equity":
                loc = ("portfolio", key, "field")
                found.append(_missing_field(source, loc, part.field, frame, what))
        for key in ("must_include", "must_exclude"):
            for i, cid in enumerate(getattr(rules, key)):
                if cid not in candidates.index:
                    close = difflib.get_close_matches(cid, list(candidates.index), n=1)
                    hint = f"did you mean {close[0]!r}?" if close else "use a candidate id"
                    found.append(
                        source.problem(
                            ("portfolio", key, i), f"{cid!r} is not a candidate id; {hint}"
                        )
                    )
    return [p for p in found if p is not None]


def read_reference(
    source: StudyFile, layers: dict[str, gpd.GeoDataFrame]
) -> tuple[gpd.GeoDataFrame | None, dict[str, gpd.GeoDataFrame]]:
    """Read the reference layer and split it into sites and facilities per study layer.

    A reference feature joins a study layer when its ``layer`` field is the layer's name in the
    criteria file or the stem of the layer's file (``research_institutes`` for
    ``../data/research_institutes.geojson``); ``candidates`` marks the reference sites.
    """
    study = source.study
    if study.reference is None:
        return None, {}
    path = source.resolve(study.reference)
    if not path.exists():
        msg = f"file {str(study.reference)!r} not found (looked at {path}); fix the path"
        raise DataError(source.problem(("reference",), msg))
    ref = read_layer(path, name="reference", required=("name", "layer"))
    kinds = ref["layer"].astype(str)
    sites = ref[kinds == "candidates"]
    if sites.empty:
        msg = f"{path}: no feature has layer 'candidates'; mark the reference sites with it"
        raise DataError(source.problem(("reference",), msg))
    facilities = {}
    for name, rel in study.layers.items():
        mine = ref[kinds.isin([name, Path(rel).stem])]
        if not mine.empty:
            facilities[name] = mine
    return sites, facilities


def read_boundaries(source: StudyFile) -> gpd.GeoDataFrame | None:
    """Read the polygons drawn under maps, when the study names them."""
    rel = source.study.boundaries
    if rel is None:
        return None
    path = source.resolve(rel)
    if not path.exists():
        msg = f"file {str(rel)!r} not found (looked at {path}); fix the path"
        raise DataError(source.problem(("boundaries",), msg))
    return read_layer(path, name="boundaries", points=False)


def with_reference(
    layers: dict[str, gpd.GeoDataFrame], extra: dict[str, gpd.GeoDataFrame]
) -> dict[str, gpd.GeoDataFrame]:
    """The study's layers with the reference's own facilities added (for measuring the reference)."""
    out = dict(layers)
    for name, frame in extra.items():
        out[name] = pd.concat(
            [layers[name], frame[frame.columns.intersection(layers[name].columns)]]
        )
    return out


def measure_all(
    source: StudyFile, candidates: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame]
) -> pd.DataFrame:
    """Raw value of every criterion for every candidate: candidate id × criterion id."""
    sites = lonlat(candidates)
    columns: dict[str, np.ndarray] = {}
    problems: list[str] = []
    for i, crit in enumerate(source.study.criteria):
        m = crit.measure
        facilities = fac_xy = None
        if m.layer is not None:
            facilities = layers[m.layer]
            if m.where:
                try:
                    mask = features.where_mask(facilities, m.where)
                except DataError as exc:
                    problems += [
                        source.problem(("criteria", i, "measure", "where"), p) for p in exc.problems
                    ]
                    continue
                facilities = facilities[mask]
            if len(facilities) == 0:
                problems.append(
                    source.problem(
                        ("criteria", i, "measure"),
                        f"no feature of layer {m.layer!r} is left to measure"
                        + (" after `where`; loosen the filter" if m.where else "; add features"),
                    )
                )
                continue
            fac_xy = lonlat(facilities)
        raw = features.measure(
            m, sites=sites, candidates=candidates, facilities=facilities, facility_lonlat=fac_xy
        )
        missing = candidates.index[np.isnan(raw)]
        if len(missing):
            problems.append(
                source.problem(
                    ("criteria", i, "measure"),
                    f"candidates {list(missing)} have no numeric value for {crit.id!r}; "
                    "fill the attribute in the candidates layer",
                )
            )
        columns[crit.id] = raw
    if problems:
        raise DataError(problems)
    return pd.DataFrame(columns, index=candidates.index)
