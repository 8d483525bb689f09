"""A comparison of studies on disk: its tables, a slope chart of the ranks and a side-by-side map."""

from __future__ import annotations

import html
import json
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.compare import Comparison
from siting.i18n import LANGUAGES, NATIVE_NAMES, Translator, script_messages, translator
from siting.messages import render_text
from siting.outputs import offline
from siting.outputs.files import (
    file_size_limit_as_error,
    save_figure,
    write_csv,
    write_text,
    write_with,
)
from siting.outputs.manifest import MANIFEST, sha256, versions
from siting.outputs.publish import Publication
from siting.outputs.words import Words, local
from siting.results import Results

__all__ = ["map_data", "render_map", "write_comparison"]


def write_comparison(
    cmp: Comparison, out_dir: str | Path, *, lang: str | None = None
) -> dict[str, Path]:
    """Write the comparison's tables, slope chart and side-by-side map into ``out_dir``.

    The chart and the map are in ``lang`` (default: the baseline study's language); the map
    also carries the other two languages behind a switch.  The CSV headers stay the
    machine-readable English names.

    Files (the same inputs give byte-identical CSVs):

    ``comparison.csv``
        :attr:`Comparison.ranks`: every candidate's rank, score (with the method that made
        it, ``method_<label>``), exclusion and portfolio membership in each study, and its
        rank change against the baseline.
    ``comparison_weights.csv``
        :attr:`Comparison.weights`: every criterion's effective (global) weight in each study
        and its change against the baseline.
    ``comparison_pairs.csv``
        :attr:`Comparison.pairs`: rank correlations and overlaps for every pair of studies.
    ``comparison_portfolios.csv``
        :attr:`Comparison.portfolios`: the portfolios lined up by site (shared, only in one).
    ``comparison_differences.csv``
        :attr:`Comparison.differences`: what differs in the criteria files.
    ``comparison.png``
        Slope chart: the rank of every candidate in any study's top k, study by study, each
        study's method under its name, and the warning when the methods differ.
    ``comparison_map.html``
        One synchronised map per study, side by side, offline (Leaflet inlined), opening on
        the whole country, in three languages; each map names its study's method, and the
        header carries the warning when the methods differ.
    ``manifest.json``
        Every study's input files with their hashes, each study's method, the warnings,
        versions, and the hash of each output.

    The files are published as one set (:class:`siting.outputs.publish.Publication`): the
    folder holds the whole previous comparison or the whole new one, a file this tool did not
    write is kept, and an output that would replace an input is refused.

    Parameters
    ----------
    cmp
        The comparison.
    out_dir
        The output folder.
    lang
        ``kk``, ``ru`` or ``en``.

    Returns
    -------
    dict
        File name → path.
    """
    t = translator(lang or cmp.results[0].study.language)
    tables = {
        "comparison.csv": cmp.ranks,
        "comparison_weights.csv": cmp.weights,
        "comparison_pairs.csv": cmp.pairs,
        "comparison_portfolios.csv": cmp.portfolios,
        "comparison_differences.csv": cmp.differences,
    }
    inputs = list(dict.fromkeys(p for r in cmp.results for p in r.inputs))
    planned = [*tables, "comparison.png", "comparison_map.html", MANIFEST]
    # Published as one set, like a run's outputs: the folder holds the whole previous
    # comparison or the whole new one, and an input is never overwritten.
    with file_size_limit_as_error(), Publication(out_dir) as folder:
        folder.refuse(planned, inputs)
        stage = folder.staging
        written = {name: write_csv(stage / name, frame) for name, frame in tables.items()}
        written["comparison.png"] = write_with(
            stage / "comparison.png", lambda p: _slope_chart(cmp, p, t)
        )
        written["comparison_map.html"] = write_text(
            stage / "comparison_map.html", render_map(cmp, lang=t.lang)
        )
        written[MANIFEST] = write_text(
            stage / MANIFEST, json.dumps(_manifest(cmp, written), indent=2) + "\n"
        )
        folder.publish(written, inputs)
    return {name: Path(out_dir) / name for name in written}


def _manifest(cmp: Comparison, outputs: dict[str, Path]) -> dict[str, Any]:
    """What the comparison read (every study's inputs, by hash) and wrote."""
    return {
        "comparison": cmp.labels,
        "criteria_file": str(cmp.results[0].source),
        "criteria_files": [str(r.source) for r in cmp.results],
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": {str(p): d for r in cmp.results for p, d in r.inputs.items()},
        "k": cmp.k,
        "methods": cmp.methods,
        "warnings": [render_text(w, translator("en")) for w in cmp.warnings],
        "versions": versions(),
        "outputs": {name: sha256(path) for name, path in outputs.items()},
    }


def _slope_chart(cmp: Comparison, path: Path, t: Translator) -> None:
    """Rank in each study (x) for every candidate in some study's top k; gaps where excluded."""
    from matplotlib.figure import Figure

    names = _names(cmp, t)

    ranks = cmp.ranks
    cols = [f"rank_{label}" for label in cmp.labels]
    values = ranks[cols].to_numpy(dtype=float, na_value=np.nan)
    shown = np.flatnonzero(np.nanmin(np.where(np.isnan(values), np.inf, values), axis=1) <= cmp.k)
    x = np.arange(len(cols))
    fig = Figure(figsize=(2.2 + 2.0 * len(cols), 1.6 + 0.32 * max(len(shown), cmp.k)))
    fig.set_layout_engine("constrained")
    ax = fig.subplots()
    worst = np.nanmax(values[shown]) if shown.size else 1.0
    for n, i in enumerate(shown):
        colour = f"C{n % 10}"
        y = values[i]
        ax.plot(x, y, marker="o", color=colour, linewidth=1.4, markersize=4)
        cid = str(ranks["id"].iloc[i])
        name = names.get(cid, str(ranks["name"].iloc[i]))
        known = np.flatnonzero(~np.isnan(y))
        if known.size:
            first, last = known[0], known[-1]
            ax.annotate(
                name,
                (x[first], y[first]),
                xytext=(-6, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize=7,
                color=colour,
                parse_math=False,
            )
            if last != first:
                ax.annotate(
                    name,
                    (x[last], y[last]),
                    xytext=(6, 0),
                    textcoords="offset points",
                    ha="left",
                    va="center",
                    fontsize=7,
                    color=colour,
                    parse_math=False,
                )
    # each study's method under its label: scores of different methods are not comparable
    ticks = [
        f"{label}\n{Words(r, t).method(r.study.method.name)}"
        for label, r in zip(cmp.labels, cmp.results, strict=True)
    ]
    ax.set_xticks(x, ticks, fontsize=8)
    for label in ax.get_xticklabels():
        label.set_parse_math(False)
    ax.set_xlim(-0.9, len(cols) - 0.1)
    ax.set_ylim(worst + 0.5, 0.5)
    ax.set_ylabel(t("rank"))
    ax.set_title(
        t("Rank by study (towns in any study's top {k})", k=t.integer(cmp.k)),
        fontsize=10,
        parse_math=False,
    )
    if cmp.warnings:
        fig.suptitle(
            textwrap.fill(render_text(cmp.warnings[0], t), 60 + 12 * len(cols)),
            fontsize=8,
            color="#b3261e",
            parse_math=False,
        )
    ax.yaxis.set_major_formatter(lambda v, _: t.integer(v))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    save_figure(fig, path, dpi=110, metadata={"Software": None})


# --------------------------------------------------------------------------- map


def _outline(results: Sequence[Results]) -> list[Any]:
    """Simplified boundary polygons of the first study that has some (GeoJSON geometries)."""
    import shapely

    for r in results:
        frame = getattr(r, "boundaries", None)
        if frame is not None and len(frame):
            if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
                frame = frame.to_crs("EPSG:4326")
            geoms = shapely.simplify(frame.geometry.to_numpy(), 0.02, preserve_topology=True)
            out = []
            for g in geoms:
                if g is None or g.is_empty:
                    continue
                rounded = shapely.set_precision(g, 0.0001)
                out.append(json.loads(shapely.to_geojson(rounded)))
            return out
    return []


def _names(cmp: Comparison, t: Translator) -> dict[str, str]:
    """Every candidate's name in ``t``'s language (the first study that has it)."""
    out: dict[str, str] = {}
    for r in cmp.results:
        w = Words(r, t)
        for cid in r.ranking.index:
            out.setdefault(str(cid), w.name(cid))
    return out


def _bounds(cmp: Comparison, outline: list[Any], sites: list[tuple[float, float]]) -> list[float]:
    """South, west, north, east of the country (its outline) and every candidate."""
    lats = [lat for lat, _ in sites]
    lons = [lon for _, lon in sites]
    for geometry in outline:
        stack: list[Any] = [geometry["coordinates"]]
        while stack:
            item = stack.pop()
            if item and isinstance(item[0], int | float):
                lons.append(float(item[0]))
                lats.append(float(item[1]))
            else:
                stack.extend(item)
    if not lats:
        return [40.5, 46.5, 55.5, 87.5]  # Kazakhstan, when nothing is drawn
    return [min(lats), min(lons), max(lats), max(lons)]


def map_data(cmp: Comparison) -> dict[str, Any]:
    """What the comparison map draws: per study, every candidate's point, rank and status.

    Texts a person reads are given in every language (``{kk: ..., ru: ..., en: ...}``): the
    studies' titles, the towns' names and why a town is excluded; ``bounds`` (south, west,
    north, east) frame the whole country and every candidate for the first view.
    """
    studies = []
    every: list[tuple[float, float]] = []
    words = {lang: [Words(r, translator(lang)) for r in cmp.results] for lang in LANGUAGES}
    for n, (r, label) in enumerate(zip(cmp.results, cmp.labels, strict=True)):
        pts = r.candidates.geometry
        if r.candidates.crs is not None and not r.candidates.crs.equals("EPSG:4326"):
            pts = pts.to_crs("EPSG:4326")
        pts = pts.representative_point()
        chosen = set(r.portfolio.ids) if r.portfolio is not None else set()
        sites = []
        ranks = r.ranking["rank"].to_dict()
        scores = r.ranking["score"].astype(float).to_dict()
        for cid in r.ranking.index:
            rank = ranks[cid]
            score = float(scores[cid])  # NaN for excluded sites under TOPSIS etc.
            lat, lon = round(float(pts[cid].y), 5), round(float(pts[cid].x), 5)
            every.append((lat, lon))
            excluded = str(r.ranking["excluded_reason"].at[cid])
            sites.append(
                {
                    "id": str(cid),
                    "name": {lang: words[lang][n].name(cid) for lang in LANGUAGES},
                    "lat": lat,
                    "lon": lon,
                    "rank": None if pd.isna(rank) else int(rank),
                    "score": None if np.isnan(score) else round(score, 4),
                    "excluded": (
                        {lang: words[lang][n].exclusion_reason(str(cid)) for lang in LANGUAGES}
                        if excluded
                        else None
                    ),
                    "portfolio": cid in chosen,
                }
            )
        title = {lang: local(r.study.study, lang) for lang in LANGUAGES}
        method = {lang: words[lang][n].method(r.study.method.name) for lang in LANGUAGES}
        studies.append({"label": label, "title": title, "method": method, "sites": sites})
    outline = _outline(cmp.results)
    return {
        "k": cmp.k,
        "warnings": [
            {lang: render_text(w, translator(lang)) for lang in LANGUAGES} for w in cmp.warnings
        ],
        "studies": studies,
        "outline": outline,
        "bounds": _bounds(cmp, outline, every),
    }


def render_map(cmp: Comparison, *, lang: str | None = None) -> str:
    """The side-by-side map as one self-contained HTML page (no request leaves it).

    It opens in ``lang`` (default: the baseline study's language) and switches between
    Kazakh, Russian and English in the page.
    """
    first = translator(lang or cmp.results[0].study.language).lang
    js, css = offline.leaflet_js(), offline.leaflet_css()
    app_js, app_css = offline.template("comparison.js"), offline.template("comparison.css")
    payload = map_data(cmp)
    payload["lang"] = first
    payload["languages"] = [{"code": c, "name": NATIVE_NAMES[c]} for c in LANGUAGES]
    payload["messages"] = {c: script_messages(c, ("comparison.js",)) for c in LANGUAGES}
    data = offline.script_json(payload)
    t = translator(first)
    title = t("Comparison: {studies}", studies=" / ".join(cmp.labels))
    csp = offline.csp([js, app_js])
    return (
        f'<!DOCTYPE html>\n<html lang="{first}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp, quote=False)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{css}</style>\n<style>{app_css}</style>\n"
        "</head>\n<body>\n"
        '<header><div id="switch"></div><strong id="title"></strong><p id="legend"></p>'
        '<p id="warning" role="alert"></p></header>\n'
        '<div id="maps"></div>\n'
        f'<script type="application/json" id="comparison-data">{data}</script>\n'
        f"<script>{js}</script>\n<script>{app_js}</script>\n</body>\n</html>\n"
    )
