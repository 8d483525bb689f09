"""The interactive map: one self-contained HTML file that works with no network at all.

A decision-maker often opens the map from an e-mail on a closed network, so the
page carries everything it needs: Leaflet's JavaScript and CSS (from the
xstatic-leaflet package, inlined), a vector base map (border, regions, town
labels) and the study's numbers as inlined JSON.  The page's own script builds
every element from that JSON with ``textContent``, never ``innerHTML``, so text
from data cannot run; a Content-Security-Policy that admits only the page's own
scripts (by hash) and ``data:`` images is a second lock on the same door.

The what-if panel re-scores in the browser with the weighted sum of the
value-function outputs, ``score = Σ_c w_c · v_c``, where the global weight of a
criterion is its group's share times its share within the group.  The sliders
start at the shares implied by ``results.weights``, so the reset state reproduces
the study's weights exactly whatever weighting method produced them.

When the run has them, the page also shows the robustness analysis
(``results.sensitivity``: each candidate's chance of rank 1, of the top 3 and of
the optimal portfolio in its popup, and a layer of portfolio-membership
probability), the alternative portfolios (one layer each, off at start), the
Pareto front of total score against population covered (a chart and a table in
the panel; choosing a point rings its sites) and the boundaries' own layout note.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from siting.errors import OutputError
from siting.outputs import offline as offline_page
from siting.outputs.files import write_text
from siting.results import Results
from siting.tolerances import SCORE_TIE

__all__ = [
    "TILES",
    "base_map",
    "boundary_note",
    "coverage_radius",
    "map_data",
    "portfolio_radius_km",
    "render_map",
    "write_map",
]

#: Named online tile layers; any other string is taken as a Leaflet URL template.
TILES: dict[str, tuple[str, str]] = {
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "© OpenStreetMap contributors",
    ),
}

# Leaflet 1.9.3 on unpkg, with the Subresource Integrity hashes of the exact files
# xstatic-leaflet ships (checked against the package in tests): the browser refuses
# a tampered copy.
_CDN = {
    "js": "https://unpkg.com/leaflet@1.9.3/dist/leaflet.js",
    "css": "https://unpkg.com/leaflet@1.9.3/dist/leaflet.css",
}
_COORD_DECIMALS = 5  # about 1 m: finer than any siting question, and a shorter file
_SIMPLIFY_DEG = 0.01  # about 1 km: border and regions stay recognisable at country scale
_TOP_K = 3  # the shortlist whose membership probability each popup shows


# --------------------------------------------------------------------------- numbers


def _num(x: object, *, digits: int | None = None) -> float | None:
    """A JSON number, or None for a missing value (JSON has no NaN)."""
    if x is None or x is pd.NA:
        return None
    value = float(x)  # type: ignore[arg-type]
    if not math.isfinite(value):
        return None
    if digits is not None and value != 0:
        value = float(f"{value:.{digits}g}")
    return value


def _round_coords(obj: Any, decimals: int = _COORD_DECIMALS) -> Any:
    if isinstance(obj, float):
        return round(obj, decimals)
    if isinstance(obj, list | tuple):
        return [_round_coords(o, decimals) for o in obj]
    return obj


def _points(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of each feature (a point inside it for lines and polygons)."""
    geoms = gdf.geometry
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        geoms = geoms.to_crs("EPSG:4326")
    pts = geoms.representative_point()
    return np.round(pts.y.to_numpy(), _COORD_DECIMALS), np.round(pts.x.to_numpy(), _COORD_DECIMALS)


# --------------------------------------------------------------------------- boundaries


def base_map(results: Results) -> gpd.GeoDataFrame | None:
    """The run's boundaries (read with the other inputs) in EPSG:4326, or None without them.

    Writers take everything from :class:`~siting.results.Results`; the boundaries file named by
    the study is read once, where the other inputs are read (:mod:`siting.inputs`).
    """
    boundaries = results.boundaries
    if boundaries is None:
        return None
    if boundaries.crs is not None and not boundaries.crs.equals("EPSG:4326"):
        boundaries = boundaries.to_crs("EPSG:4326")
    return boundaries


def _boundary_features(boundaries: gpd.GeoDataFrame | None) -> list[dict[str, Any]]:
    """Simplified, rounded boundary features with only the properties the page shows."""
    if boundaries is None or boundaries.empty:
        return []
    geoms = shapely.simplify(boundaries.geometry.to_numpy(), _SIMPLIFY_DEG, preserve_topology=True)
    name_col = next((c for c in ("name", "name_en", "NAME", "region") if c in boundaries), None)
    level_col = next((c for c in ("level", "admin_level", "kind", "type") if c in boundaries), None)
    features = []
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        props: dict[str, Any] = {}
        if name_col is not None and pd.notna(boundaries[name_col].iloc[i]):
            props["name"] = str(boundaries[name_col].iloc[i])
        if level_col is not None and pd.notna(boundaries[level_col].iloc[i]):
            props["level"] = str(boundaries[level_col].iloc[i])
        geometry = mapping(geom)
        geometry = {"type": geometry["type"], "coordinates": _round_coords(geometry["coordinates"])}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return features


# --------------------------------------------------------------------------- payload


def portfolio_radius_km(results: Results) -> float | None:
    """Radius of the portfolio's coverage circles: the coverage radius, else half the spacing.

    A study with a ``portfolio.coverage`` section says within which distance a site serves its
    demand, and the circles show exactly that.  Without it, half the minimum spacing is drawn:
    the largest radius at which the circles of two chosen sites cannot overlap.
    """
    radius, _ = coverage_radius(results)
    return radius


def coverage_radius(results: Results) -> tuple[float | None, str]:
    """The radius of the coverage circles and where it comes from.

    Returns
    -------
    radius, source
        The radius in km (None without a portfolio or a radius) and ``"coverage"`` (the
        study's ``portfolio.coverage.radius_km``), ``"spacing"`` (half ``min_spacing_km``)
        or ``""``.
    """
    portfolio = results.study.portfolio
    if portfolio is None:
        return None, ""
    coverage = getattr(portfolio, "coverage", None)
    radius = getattr(coverage, "radius_km", None)
    if radius:
        return float(radius), "coverage"
    spacing = getattr(portfolio, "min_spacing_km", None)
    return (float(spacing) / 2, "spacing") if spacing else (None, "")


def _groups(results: Results, ids: list[str]) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """The groups' shares and each criterion's share within its group, as the study derived them.

    Both come from ``results.weighting`` (the levels the weighting scheme produced), not from the
    global weights divided back out, so a group weighted 0 keeps its criteria's proportions
    for when the reader gives it weight again.
    """
    levels = results.weighting
    group_of = levels.group_of.reindex(ids).fillna("").astype(str)
    order = list(dict.fromkeys(group_of))
    spec_groups = results.study.groups or {}
    groups = []
    for gi, group in enumerate(order):
        spec = spec_groups.get(group)
        label = getattr(spec, "label", None) or (group or "criteria").replace("_", " ").capitalize()
        groups.append(
            {
                "id": group,
                "label": label,
                "share": float(levels.groups.get(group, 0.0)),
                "criteria": [ids.index(cid) for cid in ids if group_of[cid] == group],
                "index": gi,
            }
        )
    local = {cid: float(levels.within.get(cid, 0.0)) for cid in ids}
    return groups, local


def _describe_value(criterion: Any) -> str:
    spec = criterion.value
    kind = spec.kind
    if kind == "linear":
        return f"linear: {spec.linear.worst:g} → 0, {spec.linear.best:g} → 1"
    if kind == "threshold":
        th = spec.threshold
        side = "≥" if criterion.direction == "benefit" else "≤"
        return f"threshold: 1 when {side} {th.at:g}, else {th.below:g}"
    if kind == "piecewise":
        pts = ", ".join(f"{x:g}→{y:g}" for x, y in spec.piecewise.points)
        return f"piecewise: {pts}"
    return "min-max over the candidates"


def _site_total(results: Results, ids: Iterable[str]) -> float:
    """Total score of a set of sites: the sum of their scores under the study's method."""
    scores = results.ranking["score"].reindex([str(i) for i in ids]).astype(float)
    return float(scores.sum())


def _alternatives(results: Results) -> list[dict[str, Any]]:
    """The next-best portfolios (``results.alternatives``), each against the optimum.

    Each carries its total score (the sum of its sites' scores), the score it gives up
    against the optimum, and which sites it drops from and adds to the optimum.
    """
    alternatives = getattr(results, "alternatives", None) or []
    if not alternatives:
        return []
    best = [str(i) for i in results.portfolio.ids] if results.portfolio is not None else []
    best_total = _site_total(results, best)
    out = []
    for k, alt in enumerate(alternatives):
        ids = [str(i) for i in alt.ids]
        total = _site_total(results, ids)
        out.append(
            {
                "label": f"Alternative {k + 1}",
                "ids": ids,
                "total": _num(total, digits=6),
                "objective": _num(alt.objective, digits=6),
                "gap": _num(best_total - total, digits=4) if best else None,
                "dropped": [i for i in best if i not in ids],
                "added": [i for i in ids if i not in best],
                "binding": [str(b) for b in getattr(alt, "binding", [])],
            }
        )
    return out


_PARETO_COLUMNS = ("total_score", "population_covered", "ids")


def _pareto(results: Results) -> list[dict[str, Any]]:
    """The Pareto front of total score against population covered, by increasing population.

    Raises
    ------
    OutputError
        The front lacks one of the columns the map draws.
    """
    front = getattr(results, "pareto", None)
    if front is None or len(front) == 0:
        return []
    missing = [c for c in _PARETO_COLUMNS if c not in front]
    if missing:
        msg = (
            f"the Pareto front lacks the columns {missing} (it has {list(front.columns)}); "
            f"give {list(_PARETO_COLUMNS)} and optionally covered_share and optimal_for_score"
        )
        raise OutputError(msg)
    front = front.sort_values("population_covered", kind="stable")
    share = front["covered_share"] if "covered_share" in front else pd.Series(None, front.index)
    optimal = (
        front["optimal_for_score"]
        if "optimal_for_score" in front
        else pd.Series(False, front.index)
    )
    return [
        {
            "ids": [str(x) for x in ids],
            "score": _num(score, digits=6),
            "population": _num(population, digits=9),
            "share": _num(sh, digits=4) if sh is not None and pd.notna(sh) else None,
            "optimal": bool(opt),
        }
        for ids, score, population, sh, opt in zip(
            front["ids"],
            front["total_score"],
            front["population_covered"],
            share,
            optimal,
            strict=True,
        )
    ]


def _robustness(results: Results, ids: list[str]) -> dict[str, Any] | None:
    """Rank acceptability and portfolio membership per candidate, from ``results.sensitivity``.

    Lists follow the map's candidate order; a candidate the analysis left out (an excluded
    one) has None.
    """
    sens = getattr(results, "sensitivity", None)
    if sens is None:
        return None
    smaa = sens.acceptability
    table = smaa.acceptability
    top_k = min(_TOP_K, table.shape[1])
    first = table.iloc[:, 0].reindex(ids)
    top = table.iloc[:, :top_k].sum(axis=1).reindex(ids)
    membership = None
    if sens.membership is not None:
        p = sens.membership.probability.reindex(ids)
        membership = {"p": [_num(x) for x in p], "draws": int(sens.membership.draws)}
    return {
        "draws": int(smaa.draws),
        "seed": int(sens.seed),
        "top_k": int(top_k),
        "first": [_num(x) for x in first],
        "top": [_num(x) for x in top],
        "expected": [_num(x, digits=4) for x in smaa.expected_rank.reindex(ids)],
        "membership": membership,
    }


def boundary_note(boundaries: gpd.GeoDataFrame | None) -> str:
    """What the boundaries layer says about itself (its ``layout_note``), or ``""``.

    The shipped boundaries are the pre-2022 regional layout and say so; a reader must see
    that note wherever the lines are drawn.
    """
    if boundaries is None or "layout_note" not in boundaries:
        return ""
    notes = [str(n).strip() for n in boundaries["layout_note"].dropna().unique()]
    return " ".join(n for n in notes if n)


def _reference(results: Results, ids: list[str]) -> dict[str, Any] | None:
    """The Novosibirsk reference, when the study names one: its sites scored like candidates.

    Each site carries raw values and values per criterion, so that the page can score it
    under the what-if weights too; the reference's own facilities are drawn beside it.
    """
    ref = getattr(results, "reference", None)
    sites = getattr(ref, "sites", None)
    if sites is None or len(sites) == 0:
        return None
    lat, lon = _points(sites)
    raw = getattr(ref, "raw", pd.DataFrame()).reindex(index=sites.index, columns=ids)
    values = getattr(ref, "values", pd.DataFrame()).reindex(index=sites.index, columns=ids)
    score = getattr(ref, "score", pd.Series(dtype=float)).reindex(sites.index)
    names = sites["name"] if "name" in sites else pd.Series(sites.index, index=sites.index)
    facilities = getattr(ref, "facilities", None) or {}
    return {
        "sites": [
            {
                "id": str(sid),
                "name": str(names[sid]),
                "lat": float(lat[k]),
                "lon": float(lon[k]),
                "raw": [_num(x, digits=6) for x in raw.loc[sid].to_numpy(dtype=float)],
                "v": [_num(x) for x in values.loc[sid].to_numpy(dtype=float)],
                "score": _num(score[sid]),
            }
            for k, sid in enumerate(sites.index)
        ],
        "facilities": _point_layers(facilities),
    }


def _point_layers(layers: Mapping[str, gpd.GeoDataFrame]) -> list[dict[str, Any]]:
    """Facility layers as point lists: name, and each feature's label."""
    out = []
    for name, gdf in layers.items():
        if gdf is None or gdf.empty:
            continue
        lat, lon = _points(gdf)
        label_col = next((c for c in ("name", "name_en", "title") if c in gdf), None)
        labels = (
            [
                str(x) if pd.notna(x) else str(i)
                for i, x in zip(gdf.index, gdf[label_col], strict=True)
            ]
            if label_col is not None
            else [str(i) for i in gdf.index]
        )
        out.append(
            {
                "name": str(name),
                "label": str(name).replace("_", " ").capitalize(),
                "lat": lat.tolist(),
                "lon": lon.tolist(),
                "names": labels,
            }
        )
    return out


def map_data(
    results: Results,
    *,
    tiles: str | None = None,
    offline: bool = True,
) -> dict[str, Any]:
    """Everything the page draws, as plain JSON-ready data.

    Parameters
    ----------
    results
        The run (its boundaries are the vector base map, see :func:`base_map`).
    tiles
        A name from :data:`TILES` or a Leaflet URL template for an optional online layer.
    offline
        Whether the page must stay offline: the tile layer then starts switched off.

    Returns
    -------
    dict
        Candidates (in ranking order) with coordinates, raw values, values, score and
        rank; criteria, groups and weights; portfolio, alternatives, Pareto front,
        robustness (rank acceptability and portfolio membership per candidate),
        reference, facility layers, boundaries and the boundaries' layout note.
    """
    study = results.study
    crit_ids = [c.id for c in study.criteria if c.id in results.values.columns]
    by_id = {c.id: c for c in study.criteria}
    groups, local = _groups(results, crit_ids)
    group_of = {cid: g["index"] for g in groups for cid in (crit_ids[i] for i in g["criteria"])}

    ranking = results.ranking
    ids = [str(i) for i in ranking.index]
    cands = results.candidates.reindex(ranking.index)
    lat, lon = _points(cands)
    raw = results.raw.reindex(index=ranking.index, columns=crit_ids)
    values = results.values.reindex(index=ranking.index, columns=crit_ids)
    reason = ranking["excluded_reason"].fillna("").astype(str)
    names = ranking["name"] if "name" in ranking else cands["name"]

    candidates = {
        "id": ids,
        "name": [str(n) if pd.notna(n) else i for n, i in zip(names, ids, strict=True)],
        "lat": lat.tolist(),
        "lon": lon.tolist(),
        "score": [_num(s) for s in ranking["score"]],
        "rank": [None if pd.isna(r) else int(r) for r in ranking["rank"]],
        "excluded": reason.tolist(),
        "raw": [[_num(x, digits=6) for x in row] for row in raw.to_numpy(dtype=float)],
        "v": [[_num(x) for x in row] for row in values.to_numpy(dtype=float)],
    }
    criteria = [
        {
            "id": cid,
            "label": by_id[cid].label,
            "unit": by_id[cid].unit or "",
            "direction": by_id[cid].direction,
            "value": _describe_value(by_id[cid]),
            "group": group_of[cid],
            "local": local[cid],
            "weight": _num(results.weights.get(cid)) or 0.0,
        }
        for cid in crit_ids
    ]
    portfolio = None
    if results.portfolio is not None:
        radius, radius_from = coverage_radius(results)
        portfolio = {
            "ids": [str(i) for i in results.portfolio.ids],
            "binding": [str(s) for s in results.portfolio.binding],
            "status": str(results.portfolio.status),
            "objective": _num(results.portfolio.objective, digits=6),
            "total": _num(_site_total(results, results.portfolio.ids), digits=6),
            "radius_km": radius,
            "radius_from": radius_from,
            "population": _num(getattr(results.portfolio, "population_covered", None), digits=9),
        }
    tile = None
    if tiles is not None:
        url, attribution = TILES.get(tiles, (tiles, ""))
        tile = {"url": url, "attribution": attribution, "on": not offline}
    return {
        "title": study.study,
        "tie": SCORE_TIE,
        "description": study.description or "",
        "method": study.method.name,
        "criteria": criteria,
        "groups": [{k: g[k] for k in ("id", "label", "share", "criteria")} for g in groups],
        "candidates": candidates,
        "portfolio": portfolio,
        "alternatives": _alternatives(results),
        "pareto": _pareto(results),
        "robustness": _robustness(results, ids),
        "reference": _reference(results, crit_ids),
        "layers": _point_layers(results.layers),
        "boundaries": _boundary_features(base_map(results)),
        "boundary_note": boundary_note(base_map(results)),
        "tiles": tile,
    }


# --------------------------------------------------------------------------- page


def render_map(
    results: Results,
    *,
    offline: bool = True,
    tiles: str | None = None,
    lang: str | None = None,
) -> str:
    """The map page as one HTML string (see :func:`write_map`)."""
    data = map_data(results, tiles=tiles, offline=offline)
    app_js = offline_page.template("map.js")
    css = offline_page.template("map.css")
    data_json = offline_page.script_json(data)
    if offline:
        leaflet_js = offline_page.leaflet_js()
        head_assets = f"<style>{offline_page.leaflet_css()}</style>"
        body_leaflet = f"<script>{leaflet_js}</script>"
        scripts = [leaflet_js, app_js]
    else:
        head_assets = (
            f'<link rel="stylesheet" href="{_CDN["css"]}" integrity="{_leaflet_sri("css")}"'
            ' crossorigin="">'
        )
        body_leaflet = (
            f'<script src="{_CDN["js"]}" integrity="{_leaflet_sri("js")}" crossorigin=""></script>'
        )
        scripts = [app_js]
    page = offline_page.template("map.html")
    policy = offline_page.csp(
        scripts,
        extra_script_src="" if offline else _CDN["js"],
        extra_style_src="" if offline else _CDN["css"],
        img_src="data: https:" if tiles is not None else "data:",
    )
    replacements = {
        "{{csp}}": policy,
        "{{title}}": _escape(data["title"]),
        "{{leaflet_css}}": head_assets,
        "{{map_css}}": f"<style>{css}</style>",
        "{{data}}": data_json,
        "{{leaflet_js}}": body_leaflet,
        "{{map_js}}": f"<script>{app_js}</script>",
    }
    # One pass, so that text inserted by one placeholder is never read as another.
    pattern = re.compile("|".join(re.escape(k) for k in replacements))
    return pattern.sub(lambda m: replacements[m.group(0)], page)


def _leaflet_sri(kind: str) -> str:
    # Hash the bytes as shipped: reading as text would normalise line ends and change the hash.
    data = offline_page.leaflet_dir().joinpath(f"leaflet.{kind}").read_bytes()
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def write_map(
    results: Results,
    path: str | Path,
    *,
    offline: bool = True,
    tiles: str | None = None,
    lang: str | None = None,
) -> Path:
    """Write the interactive map as one self-contained HTML file.

    Parameters
    ----------
    results
        The run to draw.
    path
        Where to write (``map.html``); written atomically.
    offline
        True (default): Leaflet is inlined and no request leaves the page.  False:
        Leaflet is loaded from unpkg (with integrity hashes), which makes the file
        about 150 kB smaller, and the tile layer, when given, is shown at start.
    tiles
        ``"osm"`` or a Leaflet URL template for an online tile layer.  Offline it is
        offered unticked in the layers control, so nothing is fetched unless the reader
        asks; the vector base map (the run's boundaries) stays when the tiles cannot load.

    Returns
    -------
    Path
        ``path``.
    """
    return write_text(Path(path), render_map(results, offline=offline, tiles=tiles, lang=lang))
