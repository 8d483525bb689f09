"""Everything the map page draws, as plain JSON-ready data.

The page builds every element from this data with ``textContent``, so nothing here is markup.
Every text a person reads is either data in each of the three languages (place names from
``name_kk`` / ``name_ru``, the study's labels through :meth:`siting.spec.LocalText.get`, and the
sentences :class:`~siting.outputs.words.Words` writes about the run) or a message of the page
script, rendered in the page from the catalogs embedded beside the data
(:func:`siting.i18n.script_messages`), so that the language switch works offline.  Numbers are
carried at full precision and formatted in the page for its locale.
"""

from __future__ import annotations

import base64
import gettext
import json
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from babel.messages.plurals import get_plural
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol
from shapely.geometry import mapping

from siting.errors import OutputError
from siting.i18n import LANGUAGES, NATIVE_NAMES, render, script_messages, translator
from siting.outputs.words import Words
from siting.recommendation import POINTS
from siting.results import Results
from siting.tolerances import SCORE_TIE

if TYPE_CHECKING:
    from siting.recommendation import Recommendation

__all__ = [
    "PAGE_SCRIPTS",
    "TILES",
    "base_map",
    "boundary_features",
    "boundary_note",
    "compact",
    "coverage_radius",
    "expand",
    "live_portfolio",
    "local",
    "locale_formats",
    "map_data",
    "places",
    "portfolio_radius_km",
    "view_bounds",
]

#: Named online tile layers; any other string is taken as a Leaflet URL template.
TILES: dict[str, tuple[str, str]] = {
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "© OpenStreetMap contributors",
    ),
}

#: The page scripts whose messages the page carries, in every language.
PAGE_SCRIPTS: tuple[str, ...] = ("map.js", "surface.js")

_COORD_DECIMALS = 5  # about 1 m: finer than any siting question, and a shorter file
_SIMPLIFY_DEG = 0.01  # about 1 km: border and regions stay recognisable at country scale
_TOP_K = 3  # the shortlist whose membership probability each popup shows


# --------------------------------------------------------------------------- numbers and texts


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


def _plain(obj: Any) -> Any:
    """``obj`` with numpy scalars, tuples and non-finite floats made JSON-ready."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [_plain(v) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return _num(obj)
    if obj is None or obj is pd.NA:
        return None
    return str(obj)


def local(text: object, fallback: str = "") -> dict[str, str]:
    """A text in each language: a :class:`~siting.spec.LocalText` per language, else as given.

    A study gives a label as one text (the same in every language) or one per language; a
    language it leaves out falls back to the English text (:meth:`LocalText.get`).
    """
    if text is None or (isinstance(text, str) and not text):
        return dict.fromkeys(LANGUAGES, fallback)
    get = getattr(text, "get", None)
    if callable(get) and not isinstance(text, Mapping):
        return {lang: str(get(lang)) for lang in LANGUAGES}
    return {lang: str(render(text, translator(lang))) for lang in LANGUAGES}


def places(frame: pd.DataFrame, ids: Iterable[Any]) -> dict[str, list[str]]:
    """The names of ``ids`` in each language: ``name_kk`` / ``name_ru``, else ``name``, else the id.

    :meth:`~siting.i18n.Translator.place`'s rule, a column at a time: a dict per row took
    seconds with 100,000 candidates.
    """
    rows = frame.reindex(list(ids))
    fallback = np.array([str(cid) for cid in rows.index], dtype=object)

    def column(key: str) -> np.ndarray | None:
        return rows[key].to_numpy(dtype=object) if key in rows.columns else None

    def chosen(values: np.ndarray | None, otherwise: np.ndarray) -> np.ndarray:
        if values is None:
            return otherwise
        usable = np.fromiter(
            (isinstance(v, str) and bool(v.strip()) for v in values), bool, len(values)
        )
        return np.where(usable, values, otherwise)

    named = chosen(column("name"), fallback)
    return {
        lang: chosen(column(f"name_{lang}") if lang in ("kk", "ru") else None, named).tolist()
        for lang in LANGUAGES
    }


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


def boundary_features(
    boundaries: gpd.GeoDataFrame | None,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Simplified, rounded boundary features, and each one's name in every language.

    The features carry no text: only an ``id`` (their position) and a ``level`` (``country``
    or ``region``), since folium writes them into its generated script, which it reads as a
    template a second time; the names go with the page's other data
    (``name_kk`` / ``name_ru`` when the layer has them, else ``name``).
    """
    if boundaries is None or boundaries.empty:
        return [], []
    geoms = shapely.simplify(boundaries.geometry.to_numpy(), _SIMPLIFY_DEG, preserve_topology=True)
    name_col = next((c for c in ("name", "name_en", "NAME", "region") if c in boundaries), None)
    level_col = next((c for c in ("level", "admin_level", "kind", "type") if c in boundaries), None)
    table = pd.DataFrame(boundaries.drop(columns="geometry")).reset_index(drop=True)
    if name_col is not None:
        table["name"] = table[name_col]
    features: list[dict[str, Any]] = []
    names: list[dict[str, str]] = []
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        level = str(table[level_col].iloc[i]) if level_col is not None else ""
        row = {str(k): v for k, v in table.iloc[i].to_dict().items() if isinstance(v, str)}
        names.append({lang: translator(lang).place(row, "") for lang in LANGUAGES})
        geometry = mapping(geom)
        geometry = {"type": geometry["type"], "coordinates": _round_coords(geometry["coordinates"])}
        features.append(
            {
                "type": "Feature",
                "id": str(len(features)),
                "properties": {"level": "country" if level == "country" else "region"},
                "geometry": geometry,
            }
        )
    return features, names


def boundary_note(boundaries: gpd.GeoDataFrame | None, lang: str = "en") -> str:
    """What the boundaries layer says about itself (its ``layout_note``), or ``""``.

    The shipped boundaries are the pre-2022 regional layout and say so; a reader must see
    that note wherever the lines are drawn: the map, map.png and the report all take it from
    here, in the reader's language when the layer has ``layout_note_<lang>``.
    """
    if boundaries is None:
        return ""
    column = f"layout_note_{lang}" if f"layout_note_{lang}" in boundaries else "layout_note"
    if column not in boundaries:
        return ""
    notes = [str(n).strip() for n in boundaries[column].dropna().unique()]
    return " ".join(n for n in notes if n)


def view_bounds(results: Results) -> list[list[float]] | None:
    """The first view: the whole country (its border, else every boundary), candidates, reference.

    Returns ``[[south, west], [north, east]]`` in degrees, or None when nothing has a position.
    """
    boxes = []
    boundaries = base_map(results)
    if boundaries is not None and not boundaries.empty:
        level = boundaries["level"].astype(str) if "level" in boundaries else None
        country = boundaries[level == "country"] if level is not None else boundaries.iloc[:0]
        boxes.append((country if not country.empty else boundaries).total_bounds)
    for frame in (results.candidates, getattr(results.reference, "sites", None)):
        if frame is not None and len(frame):
            geoms = frame.geometry
            if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
                geoms = geoms.to_crs("EPSG:4326")
            boxes.append(geoms.total_bounds)
    boxes = [b for b in boxes if np.all(np.isfinite(b))]
    if not boxes:
        return None
    stack = np.vstack(boxes)
    west, south = stack[:, 0].min(), stack[:, 1].min()
    east, north = stack[:, 2].max(), stack[:, 3].max()
    return [
        [round(float(south), 3), round(float(west), 3)],
        [round(float(north), 3), round(float(east), 3)],
    ]


# --------------------------------------------------------------------------- portfolio geometry


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


def live_portfolio(results: Results, live: bool | None = None) -> bool:
    """Whether the page re-solves the portfolio when the sliders move.

    ``live`` when given; else the study's map option (``map: {live_portfolio: false}``, true by
    default), for a study with a portfolio.
    """
    if results.study.portfolio is None:
        return False
    if live is not None:
        return bool(live)
    return results.study.map.live_portfolio


# --------------------------------------------------------------------------- criteria and weights


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
        fallback = (group or "criteria").replace("_", " ").capitalize()
        groups.append(
            {
                "id": group,
                "label": local(getattr(spec, "label", None), fallback),
                "share": float(levels.groups.get(group, 0.0)),
                "criteria": [ids.index(cid) for cid in ids if group_of[cid] == group],
                "index": gi,
            }
        )
    local_share = {cid: float(levels.within.get(cid, 0.0)) for cid in ids}
    return groups, local_share


def _value_spec(criterion: Any) -> dict[str, Any]:
    """The criterion's value function as numbers; the page words it in the reader's language."""
    spec = criterion.value
    kind = spec.kind
    if kind == "linear":
        return {"kind": "linear", "worst": spec.linear.worst, "best": spec.linear.best}
    if kind == "threshold":
        th = spec.threshold
        return {"kind": "threshold", "at": th.at, "below": th.below}
    if kind == "piecewise":
        return {"kind": "piecewise", "points": [[x, y] for x, y in spec.piecewise.points]}
    return {"kind": "minmax"}


def _criteria(
    results: Results, crit_ids: list[str], words: Mapping[str, Words]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    by_id = {c.id: c for c in results.study.criteria}
    groups, local_share = _groups(results, crit_ids)
    group_of = {cid: g["index"] for g in groups for cid in (crit_ids[i] for i in g["criteria"])}
    criteria = [
        {
            "id": cid,
            "label": local(by_id[cid].label, cid),
            # the label inside a sentence ("strong on …"), as Words.criterion(inline=True)
            "inline": {lang: w.criterion(cid, inline=True) for lang, w in words.items()},
            "unit": local(by_id[cid].unit),
            # a yes/no fact: the page writes its raw value "yes" / "no", as Words.measured
            "binary": words[LANGUAGES[0]].binary(cid),
            "direction": by_id[cid].direction,
            "value": _value_spec(by_id[cid]),
            "group": group_of[cid],
            "local": local_share[cid],
            # full precision: the reset state must reproduce the study's scores exactly
            "weight": _num(results.weights.get(cid)) or 0.0,
        }
        for cid in crit_ids
    ]
    return criteria, [{k: g[k] for k in ("id", "label", "share", "criteria")} for g in groups]


# --------------------------------------------------------------------------- portfolio and answer


def _site_total(results: Results, ids: Iterable[str]) -> float:
    """Total score of a set of sites: the sum of their scores under the study's method."""
    scores = results.ranking["score"].reindex([str(i) for i in ids]).astype(float)
    return float(scores.sum())


def _binding(details: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The binding facts of each rule, without the English sentence (the page words them)."""
    return [_plain({k: v for k, v in d.items() if k != "sentence"}) for d in details]


def _vocabulary(words: Mapping[str, Words], ids: list[str]) -> dict[str, Any]:
    """The study's words the page's rule sentences need beside its catalog, per language.

    A re-solved portfolio's rules are worded in the page with the messages of
    :class:`~siting.outputs.words.Words` (the page's catalog carries them); what fills them
    from the study's data is written here by the same class, so that the same facts read the
    same in the report and in the page: whether the study has group rules, what their groups
    are called (``macro-region``), each group's name (``the north``), and each candidate's
    group (in the candidates' order; None where it has none).
    """
    en = words["en"]
    field_name = en.group_field()
    of = en.groups_of()
    values = sorted(set(of.values()))
    return {
        "grouped": field_name is not None,
        "grouping": {lang: w.group_word() for lang, w in words.items()},
        "group_names": {
            lang: {v: w.group_value(field_name, v) for v in values} if field_name else {}
            for lang, w in words.items()
        },
        "group_of": [of.get(cid) for cid in ids],
    }


def _portfolio(
    results: Results, words: Mapping[str, Words], ids: list[str]
) -> dict[str, Any] | None:
    if results.portfolio is None:
        return None
    radius, radius_from = coverage_radius(results)
    spec = results.study.portfolio
    return {
        "ids": [str(i) for i in results.portfolio.ids],
        "binding": _binding(results.portfolio.binding_details),
        # The study's own binding rules in the words of the report and the CLI, word for word;
        # the page writes a re-solved portfolio's with the same messages and `words`.
        # A portfolio stopped at its time limit says so first (not proved, its gap).
        "sentences": {
            lang: [n for n in [w.limit_note()] if n] + w.binding_sentences()
            for lang, w in words.items()
        },
        "words": _vocabulary(words, ids),
        "status": str(results.portfolio.status),
        "objective": _num(results.portfolio.objective),
        "total": _num(_site_total(results, results.portfolio.ids)),
        "radius_km": radius,
        "radius_from": radius_from,
        "population": _num(getattr(results.portfolio, "population_covered", None), digits=9),
        "sites": int(spec.sites) if spec is not None else len(results.portfolio.ids),
    }


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
    for alt in alternatives:
        ids = [str(i) for i in alt.ids]
        total = _site_total(results, ids)
        out.append(
            {
                "ids": ids,
                "total": _num(total, digits=6),
                "objective": _num(alt.objective, digits=6),
                "gap": _num(best_total - total, digits=4) if best else None,
                "dropped": [i for i in best if i not in ids],
                "added": [i for i in ids if i not in best],
                "binding": _binding(getattr(alt, "binding_details", [])),
            }
        )
    return out


def _recommendation(rec: Recommendation | None) -> dict[str, Any] | None:
    """The answer first (:mod:`siting.recommendation`), as ids, criterion ids and numbers."""
    if rec is None:
        return None

    def verdict(v: Any) -> dict[str, Any]:
        return {
            "id": v.id,
            "rank": v.rank,
            "strengths": [p.criterion for p in v.strengths],
            "weaknesses": [p.criterion for p in v.weaknesses],
            "share": _num(v.share),
            "firm": bool(v.firm),
            "contender": v.contender,
        }

    alternative = None
    if rec.alternative is not None:
        alternative = {
            "ids": [str(i) for i in rec.alternative.ids],
            "objective": _num(rec.alternative.objective),
        }
    return {
        "sites": [verdict(v) for v in rec.sites],
        "leader": rec.leader,
        "alternative": alternative,
        "gap": _num(rec.gap),
        "close": bool(rec.close),
        "draws": int(rec.draws),
    }


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


def _stakeholders(results: Results, ids: list[str]) -> dict[str, Any] | None:
    """Whose weights put each candidate in the portfolio, from ``results.stakeholders``.

    ``names``: each stakeholder's name in every language; ``chosen_by``: per candidate (map
    order) the indices of the stakeholders whose own portfolio holds it (empty for the others);
    ``hull``: the share of the weightings drawn from their convex hull whose portfolio holds it
    (None for excluded candidates); ``draws``: how many.
    """
    a = getattr(results, "stakeholders", None)
    if a is None or "chosen_by" not in a.sites.columns:
        return None
    position = {sid: k for k, sid in enumerate(a.panel.ids)}
    chosen = a.sites["chosen_by"].reindex(ids)
    return {
        "names": [local(m.name, m.id) for m in a.panel.members],
        "chosen_by": [
            [position[s] for s in str(c).split(";") if s] if isinstance(c, str) else []
            for c in chosen
        ],
        "hull": [_num(x) for x in a.sites["hull_membership"].reindex(ids)],
        "draws": int(a.hull_draws),
    }


# --------------------------------------------------------------------------- layers


def _point_layers(layers: Mapping[str, gpd.GeoDataFrame]) -> list[dict[str, Any]]:
    """Facility layers as point lists: the layer's key, and each feature's name."""
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
                # the page words the shipped layers' names from its catalog; any other is data
                "label": str(name).replace("_", " ").capitalize(),
                "lat": lat.tolist(),
                "lon": lon.tolist(),
                "names": labels,
            }
        )
    return out


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
    names = places(pd.DataFrame(sites.drop(columns="geometry")), sites.index)
    facilities = getattr(ref, "facilities", None) or {}
    return {
        "sites": [
            {
                "id": str(sid),
                "name": {lang: names[lang][k] for lang in LANGUAGES},
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


# --------------------------------------------------------------------------- locale formats


def locale_formats(lang: str) -> dict[str, Any]:
    """What the page needs to write numbers and counts as CLDR says for ``lang``.

    A browser's own locale data may lack a language (Chromium's has no Kazakh number symbols:
    it writes ``0.886``); the page takes them from the same CLDR data (through Babel) that
    siting's Python outputs use, and rounds as Babel does, so that every output writes
    ``0,886`` and ``1 234 567`` alike.

    Returns
    -------
    dict
        ``decimal``, ``group`` and ``minus`` symbols; ``plural``: the catalog's plural form for
        each count 0 to 199 (a count from 200 up takes the form of 100 plus its last two
        digits, which is how every rule of kk, ru and en reads it).  Lists are joined by the
        catalog's own message, as :meth:`siting.outputs.words.Words.both` joins them.
    """
    rule = gettext.c2py(get_plural(lang).plural_expr)
    return {
        "decimal": get_decimal_symbol(lang),
        "group": get_group_symbol(lang),
        "minus": get_minus_sign_symbol(lang),
        "plural": [int(rule(n)) for n in range(200)],
    }


# --------------------------------------------------------------------------- the page's data


def _short(x: float | None) -> float | int | None:
    """``x`` written as an integer when it is one (``7`` for ``7.0``): the same number in JSON.

    ``JSON.parse`` reads ``7`` and ``7.0`` as the same double; ``-0.0`` keeps its sign.
    """
    if x is not None and x.is_integer() and abs(x) < 2**53 and math.copysign(1.0, x) > 0:
        return int(x)
    return x


def _candidates(
    results: Results, crit_ids: list[str], words: Mapping[str, Words]
) -> dict[str, Any]:
    ranking = results.ranking
    ids = [str(i) for i in ranking.index]
    cands = results.candidates.reindex(ranking.index)
    lat, lon = _points(cands)
    raw = results.raw.reindex(index=ranking.index, columns=crit_ids)
    values = results.values.reindex(index=ranking.index, columns=crit_ids)
    table = pd.DataFrame(cands.drop(columns="geometry"))
    if "name" in ranking:
        # the ranking's name is the one every output shows (a test may rename a candidate)
        table["name"] = ranking["name"]
    reasons = ranking["excluded_reason"].fillna("")
    return {
        "id": ids,
        "name": places(table, ranking.index),
        "lat": lat.tolist(),
        "lon": lon.tolist(),
        "score": [_num(s) for s in ranking["score"]],
        "rank": [None if pd.isna(r) else int(r) for r in ranking["rank"]],
        "excluded": [str(r) for r in reasons],
        # why, in the reader's words, as the report says it (the rule's own reason, else the
        # rule written again from its criterion and threshold)
        "excluded_text": {
            lang: [
                # the ranking's own reason (w.exclusion_reason's lookup, done once above)
                w.reason(str(r)) if r else ""
                for r in reasons
            ]
            for lang, w in words.items()
        },
        "raw": [[_short(_num(x, digits=6)) for x in row] for row in raw.to_numpy(dtype=float)],
        "v": [[_short(_num(x)) for x in row] for row in values.to_numpy(dtype=float)],
    }


def _numbers(column: list[float | int | None]) -> list[float | int | None] | dict[str, str]:
    """A column of numbers as JSON, or as ``{"f64": base64}`` of its doubles when that is shorter.

    Little-endian IEEE doubles, NaN for a missing value: the page reads back the very doubles
    Python wrote (a full-precision score takes about 20 characters as a decimal, 10.7 so).
    """
    encoded = len(json.dumps(column, separators=(",", ":")))
    if 4 * math.ceil(8 * len(column) / 3) + 10 >= encoded:
        return column
    doubles = np.array([np.nan if x is None else x for x in column], dtype="<f8")
    return {"f64": base64.b64encode(doubles.tobytes()).decode("ascii")}


def _read_numbers(column: Any) -> list[float | int | None]:
    """:func:`_numbers` read back (``sitingNumbers`` in map.js)."""
    if not isinstance(column, Mapping):
        return list(column)
    doubles = np.frombuffer(base64.b64decode(column["f64"]), dtype="<f8")
    return [None if math.isnan(x) else x for x in doubles.tolist()]


def compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """The page's data (:func:`map_data` with the engine's ``model``) with each fact stored once.

    At 100,000 candidates the page carried every number and text per candidate, some twice: the
    value matrix in ``candidates.v`` and again in the engine's ``model.values``, the scores, ids
    and names in both, and the exclusion reason and its sentence in three languages for every
    candidate though a study has a handful of reasons.  Here

    - ``candidates.excluded`` becomes ``{"table": [each reason once], "index": [per candidate]}``
      and ``candidates.excluded_text`` each language's sentence per entry of that table;
    - a language whose place names are another's word for word is that language's code;
    - ``candidates.score`` and ``candidates.v`` (as ``v_columns``, one entry per criterion) go
      as numbers in JSON, or base64 doubles where that is shorter (:func:`_numbers`);
    - ``model.values``, ``model.scores`` and ``model.candidates`` are dropped for
      ``model.shared``: ``values`` (for each model column, the column of ``candidates.v`` it
      is) and ``names`` (the model's names where they are not the English ones, else None).

    The page reads them back once (``sitingUnpack`` in ``templates/map.js``, :func:`expand` here
    for tests), so the engine scores the very numbers the markers show.

    Raises
    ------
    OutputError
        The model's candidates, scores or values are not the page's (a bug: both are written
        from the same ranking and value matrix).
    """
    out = dict(data)
    cands = dict(data["candidates"])
    reasons = cands["excluded"]
    table = list(dict.fromkeys(reasons))
    where = {r: k for k, r in enumerate(table)}
    index = [where[r] for r in reasons]
    texts = cands["excluded_text"]
    cands["excluded_text"] = {
        lang: [texts[lang][reasons.index(r)] for r in table] for lang in texts
    }
    if any(
        texts[lang][i] != cands["excluded_text"][lang][k]
        for lang in texts
        for i, k in enumerate(index)
    ):
        msg = "an exclusion reason is worded two ways in one language"
        raise OutputError(msg)  # pragma: no cover - Words.reason is a function of the reason
    cands["excluded"] = {"table": table, "index": index}
    names = cands["name"]
    short: dict[str, Any] = {}
    for lang, column in names.items():
        same = next(
            (other for other in short if isinstance(short[other], list) and names[other] == column),
            None,
        )
        short[lang] = same if same is not None else column
    cands["name"] = short
    out["candidates"] = cands
    model = data.get("model")
    if model is not None:
        model = dict(model)
        columns = [c["id"] for c in data["criteria"]]
        try:
            source = [columns.index(c) for c in model["criteria"]]
        except ValueError:
            source = None
        kept = [r == "" for r in reasons]
        v = data["candidates"]["v"]
        if (
            model["candidates"]["id"] != data["candidates"]["id"]
            or model["candidates"]["kept"] != kept
            or model["scores"] != data["candidates"]["score"]
            or (
                source is not None
                and any(row != [v[i][k] for k in source] for i, row in enumerate(model["values"]))
            )
        ):
            msg = "the engine's model and the page's candidates differ: they are one ranking"
            raise OutputError(msg)
        model_names = model["candidates"]["name"]
        model["shared"] = {
            "values": source,
            "names": None if model_names == names.get("en") else model_names,
        }
        # a model column the page's criteria lack (none in a study's run) keeps its own matrix
        for key in (
            ("values", "scores", "candidates") if source is not None else ("scores", "candidates")
        ):
            del model[key]
        out["model"] = model
    rows = cands.pop("v")
    width = len(data["criteria"])
    cands["v_columns"] = [_numbers([row[k] for row in rows]) for k in range(width)]
    cands["score"] = _numbers(cands["score"])
    return out


def expand(data: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`compact`'s data read back as the page reads it (``sitingUnpack`` in map.js)."""
    out = dict(data)
    cands = dict(data["candidates"])
    if "v_columns" in cands:
        columns = [_read_numbers(c) for c in cands.pop("v_columns")]
        cands["v"] = (
            [list(row) for row in zip(*columns, strict=True)]
            if columns
            else [[] for _ in cands["id"]]
        )
        cands["score"] = _read_numbers(cands["score"])
    excluded = cands["excluded"]
    if isinstance(excluded, Mapping):
        index = excluded["index"]
        cands["excluded"] = [excluded["table"][k] for k in index]
        cands["excluded_text"] = {
            lang: [table[k] for k in index] for lang, table in cands["excluded_text"].items()
        }
    names = cands["name"]
    cands["name"] = {
        lang: names[column] if isinstance(column, str) else column for lang, column in names.items()
    }
    out["candidates"] = cands
    model = data.get("model")
    if model is not None and "shared" in model:
        model = dict(model)
        shared = model.pop("shared")
        if shared["values"] is not None:
            model["values"] = [[row[k] for k in shared["values"]] for row in cands["v"]]
        model["scores"] = cands["score"]
        model["candidates"] = {
            "id": cands["id"],
            "name": shared["names"] if shared["names"] is not None else cands["name"]["en"],
            "kept": [r == "" for r in cands["excluded"]],
        }
        out["model"] = model
    return out


def map_data(
    results: Results,
    *,
    tiles: str | None = None,
    offline: bool = True,
    lang: str | None = None,
    live: bool | None = None,
    engine: bool = False,
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
    lang
        The language the page opens in (default: the study's ``language``).
    live
        Whether the page re-solves the portfolio when the sliders move (default:
        :func:`live_portfolio`).
    engine
        Whether the page carries the in-page engine (every MCDA method and the portfolio's
        integer program); without it the page re-ranks by the weighted sum only.

    Returns
    -------
    dict
        Candidates (in ranking order) with coordinates, names in every language, raw values,
        values, score, rank and why an excluded one is excluded (in every language, as the
        report says it); criteria, groups and weights; the recommendation; portfolio with its
        binding rules as facts and in the words of :class:`~siting.outputs.words.Words` (every
        language), the study's words that word a re-solved portfolio's rules in the page,
        alternatives, Pareto front, robustness (rank
        acceptability and portfolio membership per candidate), reference, facility layers,
        the boundaries' layout note, the first view, and the page script's messages in every
        language.
    """
    study = results.study
    lang = lang or study.language
    translator(lang)  # refuses a language siting does not speak
    crit_ids = [c.id for c in study.criteria if c.id in results.values.columns]
    words: dict[str, Words] = {code: Words(results, translator(code)) for code in LANGUAGES}
    criteria, groups = _criteria(results, crit_ids, words)
    candidates = _candidates(results, crit_ids, words)
    tile = None
    if tiles is not None:
        url, attribution = TILES.get(tiles, (tiles, ""))
        tile = {"url": url, "attribution": attribution, "on": not offline}
    method = study.method
    return {
        "lang": lang,
        "languages": [{"code": code, "name": NATIVE_NAMES[code]} for code in LANGUAGES],
        "messages": {code: script_messages(code, PAGE_SCRIPTS) for code in LANGUAGES},
        "formats": {code: locale_formats(code) for code in LANGUAGES},
        "title": local(study.study),
        "description": local(study.description),
        "tie": SCORE_TIE,
        "method": {
            "name": method.name,
            "options": _plain(method.options(method.name)),
        },
        "criteria": criteria,
        "groups": groups,
        "candidates": candidates,
        "portfolio": _portfolio(results, words, candidates["id"]),
        "recommendation": _recommendation(results.recommendation),
        "points": POINTS,
        "alternatives": _alternatives(results),
        "pareto": _pareto(results),
        "robustness": _robustness(results, candidates["id"]),
        "stakeholders": _stakeholders(results, candidates["id"]),
        "reference": _reference(results, crit_ids),
        "layers": _point_layers(results.layers),
        "boundary_note": boundary_note(base_map(results)),
        "boundary_notes": {code: boundary_note(base_map(results), code) for code in LANGUAGES},
        "bounds": view_bounds(results),
        "tiles": tile,
        "live": live_portfolio(results, live),
        "engine": bool(engine),
    }
