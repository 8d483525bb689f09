"""The suitability surface on the offline map: an image of the score and a click that explains it.

The surface can hold millions of cells; the page must stay small (under 3 MB) whatever the
resolution.  So the map does not draw cells: it draws **one picture of the score at the
screen's resolution** (:func:`surface_image`), a palette PNG in the map's own projection (Web
Mercator, so that Leaflet's ``ImageOverlay``, which stretches an image linearly between its
projected corners, puts every pixel on the cell it shows), at most :data:`MAX_WIDTH` pixels
wide, whatever the number of cells.  Its size depends on the picture, not on the cells.

A click anywhere explains the score at that point criterion by criterion.  The page does not
look the answer up (it has no cells): it measures the point from the facility layers of the
surface's plan (:class:`siting.surface.measure.Plan`, a few hundred features), with the
formulas of :mod:`siting.features` and :mod:`siting.value` written in ``surface.js``, and
scores the values with the in-page engine's own method (``SitingEngine.aggregate``, the
functions that mirror :mod:`siting.mcda`), so that a click says what
:meth:`siting.surface.Surface.score_points` says (tests/test_surface_map.py checks 200 points).
What the page needs to do so is :func:`click_model`: data only (features, bounds of min-max
value functions, weights, options, rules), never a formula or a result computed in Python.

Why a PNG and not an encoded grid painted on a canvas: both carry the same pixels (a canvas
layer needs them at the screen's resolution too, or a second copy of H3 in the page), and a
palette PNG is the same bytes deflated with per-row filters; the browser decodes it natively
with no script, and it is the same picture the report shows.  benchmarks/bench_surface_map.py
measures both (benchmarks/README.md).
"""

from __future__ import annotations

import base64
import io
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from branca.element import MacroElement
from folium.template import Template

from siting import features
from siting.outputs import offline as offline_page
from siting.outputs.map.payload import _round_coords, local
from siting.scoring import rule_text
from siting.surface.result import Surface

__all__ = [
    "MAX_WIDTH",
    "PALETTE",
    "SurfaceImage",
    "SurfaceScript",
    "click_model",
    "encoded_grid",
    "picks_data",
    "surface_data",
    "surface_image",
]

#: Widest picture of the surface, in pixels: a full-HD screen shows Kazakhstan about 1,100
#: pixels wide at the map's first view; twice that leaves room to zoom in once.
MAX_WIDTH = 2048

#: Narrowest picture: a screen's width, so that coarse cells keep sharp hexagon edges.
SCREEN_WIDTH = 1600

#: Viridis (matplotlib's, perceptually uniform and legible to colour-blind readers) at eleven
#: stops, worst score first; the picture interpolates 254 colours between them.
PALETTE = (
    "#440154",
    "#482475",
    "#414487",
    "#355f8d",
    "#2a788e",
    "#21918c",
    "#22a884",
    "#44bf70",
    "#7ad151",
    "#bddf26",
    "#fde725",
)

#: Palette index of a pixel outside the surface (transparent) and of an excluded cell (grey).
_OUTSIDE, _EXCLUDED, _FIRST = 0, 1, 2
_EXCLUDED_RGBA = (150, 150, 150, 170)
_LEVELS = 256 - _FIRST


@dataclass(frozen=True)
class SurfaceImage:
    """A picture of the surface's score, in Web Mercator.

    Attributes
    ----------
    png
        The PNG's bytes (palette colour, transparent outside the surface).
    bounds
        ``[[south, west], [north, east]]`` in degrees: where Leaflet places the picture.
    low, high
        The kept cells' lowest and highest score: the ends of the colour scale.
    width, height
        The picture's size in pixels.
    """

    png: bytes
    bounds: list[list[float]]
    low: float
    high: float
    width: int
    height: int

    def data_uri(self) -> str:
        """The picture as a ``data:`` URI (the page fetches nothing)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _mercator_y(lat: np.ndarray | float) -> np.ndarray:
    phi = np.radians(np.asarray(lat, dtype=float))
    return np.log(np.tan(np.pi / 4 + phi / 2))


def _latitude(y: np.ndarray) -> np.ndarray:
    return np.degrees(2 * np.arctan(np.exp(y)) - np.pi / 2)


def _palette_rgb() -> np.ndarray:
    """The 254 score colours, interpolated between the :data:`PALETTE` stops, ``(254, 3)``."""
    stops = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in PALETTE], dtype=float)
    at = np.linspace(0, len(PALETTE) - 1, _LEVELS)
    rgb = np.column_stack([np.interp(at, np.arange(len(PALETTE)), stops[:, k]) for k in range(3)])
    return np.rint(rgb).astype(np.uint8)


def score_grid(
    surface: Surface, *, max_width: int = MAX_WIDTH
) -> tuple[np.ndarray, list[list[float]], float, float]:
    """The surface's score as palette indexes on a Web Mercator grid.

    Each pixel shows the cell holding its centre; a pixel is about half a cell across (two
    pixels per cell, so hexagons stay hexagons), and the picture at least
    :data:`SCREEN_WIDTH` and at most ``max_width`` pixels wide, and at most ``max_width``
    high, whatever the number of cells.

    Returns
    -------
    tuple
        ``(rows, cols)`` uint8 indexes (0 outside, 1 excluded, 2..255 the score from low to
        high), the bounds ``[[south, west], [north, east]]``, and the low and high score.
    """
    import h3

    centres = surface.centres()
    kept = surface.kept
    if len(surface) == 0:
        return np.zeros((1, 1), np.uint8), [[0.0, 0.0], [0.0, 0.0]], 0.0, 0.0
    edge_km = float(h3.average_hexagon_edge_length(surface.resolution, unit="km"))
    margin = 2 * edge_km / 111.0
    west, south = centres.min(axis=0) - margin
    east, north = centres.max(axis=0) + margin
    south, north = max(south, -85.0), min(north, 85.0)
    # pixel width in degrees of longitude: half a cell across at the area's middle latitude
    mid = math.cos(math.radians((south + north) / 2))
    step = edge_km / (111.32 * max(mid, 1e-6))
    width = int(min(max_width, max(SCREEN_WIDTH, math.ceil((east - west) / step))))
    y_top, y_bottom = _mercator_y(north), _mercator_y(south)
    tall = float(y_top - y_bottom) / math.radians((east - west) / width)
    if tall > max_width:  # an area taller than wide: the height is bounded too
        width = max(1, int(width * max_width / tall))
    xstep = (east - west) / width  # degrees of longitude per pixel
    ystep = math.radians(xstep)  # Web Mercator's y per pixel: square pixels on the map
    height = max(1, min(max_width, math.ceil(float(y_top - y_bottom) / ystep)))
    y_bottom = y_top - height * ystep
    south = float(_latitude(np.array(y_bottom)))
    lon = west + (np.arange(width) + 0.5) * xstep
    lat = _latitude(y_top - (np.arange(height) + 0.5) * ystep)
    low = float(np.min(surface.score[kept])) if kept.any() else 0.0
    high = float(np.max(surface.score[kept])) if kept.any() else 0.0
    span = high - low if high > low else 1.0
    level = np.clip(np.rint((surface.score - low) / span * (_LEVELS - 1)), 0, _LEVELS - 1)
    index = np.where(kept, _FIRST + level, _EXCLUDED).astype(np.uint8)
    out = np.zeros((height, width), dtype=np.uint8)
    block = max(1, 1_000_000 // width)  # rows in blocks: bounded memory
    for r0 in range(0, height, block):
        r1 = min(height, r0 + block)
        gx, gy = np.meshgrid(lon, lat[r0:r1])
        at = surface.cell_at(np.column_stack([gx.ravel(), gy.ravel()]))
        out[r0:r1] = np.where(at >= 0, index[np.maximum(at, 0)], _OUTSIDE).reshape(r1 - r0, width)
    return out, [[south, float(west)], [float(north), float(east)]], low, high


def surface_image(surface: Surface, *, max_width: int = MAX_WIDTH) -> SurfaceImage:
    """The surface's score as a palette PNG in Web Mercator (see :func:`score_grid`)."""
    from PIL import Image

    grid, bounds, low, high = score_grid(surface, max_width=max_width)
    image = Image.fromarray(grid, mode="P")
    palette = np.zeros((256, 3), dtype=np.uint8)
    palette[_EXCLUDED] = _EXCLUDED_RGBA[:3]
    palette[_FIRST:] = _palette_rgb()
    image.putpalette(palette.ravel().tolist())
    alpha = bytes([0, _EXCLUDED_RGBA[3]] + [255] * _LEVELS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True, transparency=alpha)
    return SurfaceImage(
        png=buffer.getvalue(),
        bounds=bounds,
        low=low,
        high=high,
        width=grid.shape[1],
        height=grid.shape[0],
    )


def encoded_grid(surface: Surface, *, max_width: int = MAX_WIDTH) -> bytes:
    """The same pixels as :func:`surface_image` deflated as a plain byte grid (for the benchmark).

    What a canvas layer painting from an encoded grid would carry; compared with the PNG in
    benchmarks/bench_surface_map.py.
    """
    import zlib

    grid, _bounds, _low, _high = score_grid(surface, max_width=max_width)
    return zlib.compress(grid.tobytes(), 9)


def _number(x: float | None) -> float | None:
    if x is None or not math.isfinite(float(x)):
        return None
    return float(x)


def _value_model(crit: Any, among: np.ndarray) -> dict[str, Any]:
    """A criterion's value function as data (its bounds; :func:`siting.value.apply` in surface.js)."""
    spec = crit.value
    kind = spec.kind
    out: dict[str, Any] = {"kind": kind, "benefit": crit.direction == "benefit"}
    if kind == "linear":
        out.update(best=spec.linear.best, worst=spec.linear.worst)
    elif kind == "threshold":
        out.update(at=spec.threshold.at, below=spec.threshold.below)
    elif kind == "piecewise":
        out["points"] = [[float(a), float(b)] for a, b in spec.piecewise.points]
    elif kind == "minmax":
        ref = np.asarray(among, dtype=float)
        finite = ref[np.isfinite(ref)]
        # the bounds min-max reads from the kept candidates (value.minmax's nanmin / nanmax)
        out.update(
            low=_number(finite.min()) if len(finite) else None,
            high=_number(finite.max()) if len(finite) else None,
        )
    return out


def _measure_model(crit: Any, layer: Any) -> dict[str, Any]:
    """A criterion's measure as data: its kind, radius or decay, and its features."""
    spec = crit.measure
    kind = spec.kind
    if kind == "attribute":
        # the only attribute a point has is its coordinate (plan.py refuses the others)
        return {"kind": "coordinate", "axis": spec.coordinate}
    out: dict[str, Any] = {
        "kind": "nearest" if kind == "nearest" else "within",
        "lonlat": np.asarray(layer.lonlat, dtype=float).ravel().tolist(),
    }
    if kind == "nearest":
        return out
    decay = spec.kernel
    if kind == "count" and decay is None:
        out["weights"] = None
    else:
        import pandas as pd

        out["weights"] = (
            pd.to_numeric(layer.attributes[spec.field], errors="coerce")
            .fillna(0.0)
            .astype(float)
            .tolist()
            if spec.field
            else None
        )
    if decay is None:
        out["radius_km"] = float(spec.within_km)
    else:
        if decay.linear is not None:
            out["decay"] = {"linear": [decay.linear.full_km, decay.linear.zero_km]}
        elif decay.gaussian is not None:
            out["decay"] = {"gaussian": decay.gaussian.sigma_km}
        else:
            out["decay"] = {"exponential": decay.exponential.scale_km}
        # features.reach_km: beyond it the kernel is 0 or below KERNEL_FLOOR (never paired)
        out["radius_km"] = float(features.reach_km(decay))
    return out


def click_model(surface: Surface) -> dict[str, Any]:
    """What the page needs to measure, value, exclude and score any point as the cells are.

    Returns
    -------
    dict
        ``criteria`` (per criterion: ``id``, ``measure``, ``value``), ``weights`` (global,
        summing to 1), ``method`` (name) and ``entry`` (the engine's method entry: criteria
        used, options, flags), ``product_floor``, ``rules`` (criterion index, ``above``,
        ``below``, ``equals``), ``radius_slack`` and ``earth_radius_km``.
    """
    from siting import mcda
    from siting.outputs.engine import _method_entry
    from siting.tolerances import RADIUS_SLACK

    plan = surface.plan
    ids = plan.ids
    criteria = []
    for crit in plan.criteria:
        among = (
            plan.among[crit.id].to_numpy(dtype=float)
            if crit.id in plan.among
            else np.empty(0, dtype=float)
        )
        criteria.append(
            {
                "id": crit.id,
                "measure": _measure_model(crit, plan.layers.get(crit.id)),
                "value": _value_model(crit, among),
            }
        )
    rules = [
        {
            "criterion": ids.index(rule.criterion) if rule.criterion in ids else None,
            "above": rule.above,
            "below": rule.below,
            # raw values are numbers: a number (or a boolean, 1.0 == True as in pandas) can
            # equal one, a text never can (rule_mask's `col == text` is False everywhere)
            "equals": float(rule.equals) if isinstance(rule.equals, int | float) else None,
        }
        for rule in plan.rules
    ]
    name = plan.method.name
    return {
        "criteria": criteria,
        "weights": [float(plan.weights[c]) for c in ids],
        "method": name,
        "entry": _method_entry(plan.method, name, ids, [True] * len(ids)),
        "product_floor": mcda.PRODUCT_FLOOR,
        "rules": rules,
        "radius_slack": RADIUS_SLACK,
        "earth_radius_km": features.EARTH_RADIUS_KM,
    }


def picks_data(results: Any) -> dict[str, list[dict[str, Any]]]:
    """The sites and regions chosen from the surface, for the map's two layers, JSON-ready.

    Read from :attr:`Results.surface_sites` and :attr:`Results.surface_regions` (nothing is
    chosen again) and worded by :func:`siting.outputs.surface_picks.site_picks` and
    :func:`~siting.outputs.surface_picks.region_picks` in each language, the words the report's
    table uses.  A region carries its outline (the union of its hexagons) as GeoJSON, its
    vertices rounded to about 1 m as the page's other shapes.

    Returns
    -------
    dict
        ``sites`` and ``regions``: per pick ``rank``, ``lon``, ``lat``, ``score``, ``title``
        and ``facts`` (by language: the popup's heading and lines); a site its ``h3``, a
        region its ``geometry``, ``area_km2`` and ``cells``.
    """
    import shapely

    from siting.i18n import LANGUAGES, translator
    from siting.outputs.surface_picks import region_picks, site_picks

    out: dict[str, list[dict[str, Any]]] = {"sites": [], "regions": []}
    for key, pick in (("sites", site_picks), ("regions", region_picks)):
        worded = {lang: pick(results, translator(lang)) for lang in LANGUAGES}
        for k, first in enumerate(worded["en"]):
            out[key].append(
                {
                    "rank": first.rank,
                    "lon": first.lon,
                    "lat": first.lat,
                    "score": first.score,
                    "title": {lang: worded[lang][k].title for lang in LANGUAGES},
                    "facts": {lang: worded[lang][k].facts for lang in LANGUAGES},
                }
            )
    if out["sites"]:
        table = results.surface_sites.table
        for item, h3 in zip(out["sites"], table["h3"], strict=True):
            item["h3"] = str(h3)
    if out["regions"]:
        table = results.surface_regions.table
        chosen = table[table["method"] == "exact"]
        for item, row in zip(out["regions"], chosen.itertuples(), strict=True):
            geometry = json.loads(shapely.to_geojson(row.geometry))
            # to about 1 m, as the page's other shapes (a cell is kilometres across)
            geometry["coordinates"] = _round_coords(geometry["coordinates"])
            item["geometry"] = geometry
            item["area_km2"] = float(row.area_km2)
            item["cells"] = int(row.cells)
    return out


def surface_data(results: Any, image: SurfaceImage | None = None) -> dict[str, Any]:
    """Everything the page's surface layer needs, JSON-ready: the picture, the legend, the click.

    Parameters
    ----------
    results
        A run with a surface (:attr:`siting.results.Results.surface`).
    image
        The picture, when already drawn (default: :func:`surface_image`).
    """
    surface: Surface = results.surface
    image = image or surface_image(surface)
    study = results.study
    by_id = {c.id: c for c in study.criteria}
    spec = study.surface
    stand_ins = spec.measure if spec is not None else {}
    labels = {
        cid: {
            "label": local(by_id[cid].label, cid),
            "unit": local(by_id[cid].unit),
            # a town's own attribute, measured on a point from a layer (surface.measure)
            "layer": next(
                (
                    str(getattr(stand_ins[cid], k))
                    for k in ("nearest", "count", "sum", "gravity", "access")
                    if getattr(stand_ins[cid], k)
                ),
                None,
            )
            if cid in stand_ins
            else None,
        }
        for cid in surface.criteria
    }
    return {
        "image": image.data_uri(),
        "bounds": image.bounds,
        "low": image.low,
        "high": image.high,
        "palette": list(PALETTE),
        "excluded_colour": "rgba({},{},{},{:.2f})".format(
            *_EXCLUDED_RGBA[:3], _EXCLUDED_RGBA[3] / 255
        ),
        "resolution": surface.resolution,
        "cells": len(surface),
        "labels": labels,
        # each exclusion rule in every language (bit k of a point's excluded_by is rule k)
        "reasons": [
            local(rule_text(rule), text)
            for rule, text in zip(surface.plan.rules, surface.reasons, strict=True)
        ],
        "model": click_model(surface),
        **picks_data(results),
    }


_CSS = """
.siting-surface-legend { background: rgba(255,255,255,.92); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 12px; max-width: 220px; }
.siting-surface-legend summary { font-weight: bold; cursor: pointer; }
.siting-surface-legend .bar { height: 10px; margin: 4px 0 2px; }
.siting-surface-legend .ends { display: flex; justify-content: space-between; }
.siting-surface-legend .swatch { display: inline-block; width: 12px; height: 10px;
  margin-right: 4px; vertical-align: middle; }
.siting-surface-legend label { display: block; margin-top: 4px; }
.siting-surface-legend input { width: 100%; }
.siting-surface-legend .hint { margin: 4px 0 0; color: #555; }
.siting-surface-explain table { border-collapse: collapse; }
.siting-surface-explain td, .siting-surface-explain th { padding: 1px 4px; font-size: 11px; }
.siting-surface-explain .num { text-align: right; }
.siting-surface-site { background: none; border: 0; }
.siting-surface-site span { display: block; width: 22px; height: 22px; line-height: 20px;
  border-radius: 50%; background: #111; color: #fff; border: 2px solid #fff; text-align: center;
  font-weight: bold; font-size: 12px; box-sizing: border-box; box-shadow: 0 1px 3px rgba(0,0,0,.5); }
.siting-surface-pick div { margin-top: 2px; }
"""


class SurfaceScript(MacroElement):
    """The surface on the map: its data (inert JSON), its style and ``surface.js``.

    Added as a child of the page script (:class:`~siting.outputs.map.elements.PageScript`), so
    that it runs after it (it reads the page's messages and number formats from
    ``window.siting``).

    Parameters
    ----------
    data
        :func:`surface_data`.
    map_element, layer
        The map and the overlay (a :class:`~siting.outputs.map.elements.SitingLayer`) the
        picture is drawn in.
    sites, regions
        The overlays the sites and the regions chosen from the surface are drawn in (None
        when the study chose none).
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        <script type="application/json" id="siting-surface">{{ this.json }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
        {{ this.code }}
        sitingSurface({
            map: {{ this.map_element.get_name() }},
            layer: {{ this.layer.get_name() }},
            sites: {{ this.sites.get_name() if this.sites else "null" }},
            regions: {{ this.regions.get_name() if this.regions else "null" }}
        });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict[str, Any],
        map_element: Any,
        layer: Any,
        *,
        sites: Any = None,
        regions: Any = None,
    ) -> None:
        super().__init__()
        self.sites = sites
        self.regions = regions
        self._name = "SurfaceScript"
        self.json = offline_page.script_json(data)
        self.css = _CSS
        self.code = offline_page.template("surface.js").replace("</script", "<\\/script")
        self.map_element = map_element
        self.layer = layer

    def render(self, **kwargs: Any) -> str:
        """Add the parts as text (the JSON and the script hold ``{{``), then nothing else."""
        from siting.outputs.map.elements import _render_parts

        _render_parts(self, kwargs)
        return ""
