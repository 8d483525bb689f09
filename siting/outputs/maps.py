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
import json
import math
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from siting.errors import DataError, OutputError
from siting.outputs.files import write_text
from siting.results import Results

__all__ = [
    "TILES",
    "boundary_note",
    "coverage_radius",
    "load_boundaries",
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
_BOUNDARY_LAYER = "boundaries"
_TOP_K = 3  # the shortlist whose membership probability each popup shows


# --------------------------------------------------------------------------- assets


def _leaflet_dir() -> Path:
    try:
        from xstatic.pkg import leaflet
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        msg = "xstatic-leaflet is not installed; install it with `pip install xstatic-leaflet`"
        raise OutputError(msg) from exc
    return Path(leaflet.BASE_DIR)


def _leaflet_css() -> str:
    """Leaflet's CSS with its images inlined as data URIs, so nothing is fetched from disk either."""
    folder = _leaflet_dir()
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        data = (folder / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    # An old-IE `behavior: url(#default#VML)` is the only other url(); browsers ignore it.
    return css


def _template(name: str) -> str:
    return resources.files("siting.outputs").joinpath("templates", name).read_text("utf-8")


def _sri(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def _json_for_script(data: object) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>``, no ``<!--``, no stray ``&``."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


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


def load_boundaries(
    results: Results, boundaries: gpd.GeoDataFrame | str | Path | None = None
) -> gpd.GeoDataFrame | None:
    """The base-map boundaries: given, the run's, a ``boundaries`` layer, or the study's file.

    Parameters
    ----------
    results
        The run.
    boundaries
        A GeoDataFrame or a path to a vector file; overrides the study's own.

    Returns
    -------
    GeoDataFrame or None
        Polygons in EPSG:4326, or None when the study has none.
    """
    if boundaries is None:
        boundaries = getattr(results, "boundaries", None)
    if boundaries is None:
        boundaries = results.layers.get(_BOUNDARY_LAYER)
    if boundaries is None:
        path = getattr(results.study, "boundaries", None)
        if path is not None:
            path = Path(path)
            if not path.is_absolute():
                path = Path(results.source).parent / path
            boundaries = path
    if boundaries is None:
        return None
    if not isinstance(boundaries, gpd.GeoDataFrame):
        path = Path(boundaries)
        try:
            boundaries = gpd.read_file(path)
        except Exception as exc:
            msg = (
                f"cannot read the boundaries file {str(path)!r}: {exc}; "
                "give a GeoJSON or GeoPackage of polygons in EPSG:4326"
            )
            raise DataError(msg) from exc
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
    """Group shares and each criterion's share within its group, from the global weights."""
    by_id = {c.id: c for c in results.study.criteria}
    weights = results.weights.reindex(ids).fillna(0.0).astype(float)
    order: list[str] = []
    members: dict[str, list[str]] = {}
    for cid in ids:
        group = by_id[cid].group or ""
        if group not in members:
            order.append(group)
            members[group] = []
        members[group].append(cid)
    spec_groups = results.study.groups or {}
    groups, local = [], {}
    for gi, group in enumerate(order):
        share = float(weights[members[group]].sum())
        for cid in members[group]:
            if share > 0:
                local[cid] = float(weights[cid]) / share
            else:  # a group switched off: keep the file's relative weights for when it returns
                total = sum(by_id[m].weight or 0.0 for m in members[group])
                own = by_id[cid].weight or 0.0
                local[cid] = own / total if total > 0 else 1.0 / len(members[group])
        spec = spec_groups.get(group)
        label = getattr(spec, "label", None) or (group or "criteria").replace("_", " ").capitalize()
        groups.append(
            {
                "id": group,
                "label": label,
                "share": share,
                "criteria": [ids.index(cid) for cid in members[group]],
                "index": gi,
            }
        )
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
        if name == _BOUNDARY_LAYER or gdf is None or gdf.empty:
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
    boundaries: gpd.GeoDataFrame | None = None,
    tiles: str | None = None,
    offline: bool = True,
) -> dict[str, Any]:
    """Everything the page draws, as plain JSON-ready data.

    Parameters
    ----------
    results
        The run.
    boundaries
        Polygons for the vector base map (see :func:`load_boundaries`).
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
        "boundaries": _boundary_features(boundaries),
        "boundary_note": boundary_note(boundaries),
        "tiles": tile,
    }


# --------------------------------------------------------------------------- page


def _csp(scripts: list[str], *, offline: bool, tiles: bool) -> str:
    """A policy that lets only the page's own scripts run and, offline, nothing be fetched."""
    hashes = " ".join(f"'{_sri(s)}'" for s in scripts)
    if offline:
        script_src, style_src = hashes, "'unsafe-inline'"
    else:
        script_src = f"{hashes} {_CDN['js']}"
        style_src = f"'unsafe-inline' {_CDN['css']}"
    img_src = "data: https:" if tiles else "data:"
    return (
        f"default-src 'none'; script-src {script_src}; style-src {style_src}; "
        f"img-src {img_src}; base-uri 'none'; form-action 'none'"
    )


def render_map(
    results: Results,
    *,
    offline: bool = True,
    tiles: str | None = None,
    boundaries: gpd.GeoDataFrame | str | Path | None = None,
) -> str:
    """The map page as one HTML string (see :func:`write_map`)."""
    data = map_data(
        results, boundaries=load_boundaries(results, boundaries), tiles=tiles, offline=offline
    )
    app_js = _template("map.js")
    css = _template("map.css")
    data_json = _json_for_script(data)
    if offline:
        leaflet_js = _leaflet_dir().joinpath("leaflet.js").read_text(encoding="utf-8")
        # A literal "</script" inside the library would end the element early.
        leaflet_js = leaflet_js.replace("</script", "<\\/script")
        head_assets = f"<style>{_leaflet_css()}</style>"
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
    page = _template("map.html")
    replacements = {
        "{{csp}}": _csp(scripts, offline=offline, tiles=tiles is not None),
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
    data = _leaflet_dir().joinpath(f"leaflet.{kind}").read_bytes()
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def write_map(
    results: Results,
    path: str | Path,
    *,
    offline: bool = True,
    tiles: str | None = None,
    boundaries: gpd.GeoDataFrame | str | Path | None = None,
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
        asks; the vector base map stays when the tiles cannot load.
    boundaries
        Polygons (or a file of them) for the vector base map; defaults to a
        ``boundaries`` layer of the run or the study's ``boundaries`` file.

    Returns
    -------
    Path
        ``path``.
    """
    return write_text(
        Path(path), render_map(results, offline=offline, tiles=tiles, boundaries=boundaries)
    )
