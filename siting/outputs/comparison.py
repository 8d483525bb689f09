"""A comparison of studies on disk: its tables, a slope chart of the ranks and a side-by-side map."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.compare import Comparison
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
from siting.results import Results

__all__ = ["map_data", "render_map", "write_comparison"]


def write_comparison(cmp: Comparison, out_dir: str | Path) -> dict[str, Path]:
    """Write the comparison's tables, slope chart and side-by-side map into ``out_dir``.

    Files (the same inputs give byte-identical CSVs):

    ``comparison.csv``
        :attr:`Comparison.ranks`: every candidate's rank, score, exclusion and portfolio
        membership in each study, and its rank change against the baseline.
    ``comparison_pairs.csv``
        :attr:`Comparison.pairs`: rank correlations and overlaps for every pair of studies.
    ``comparison_portfolios.csv``
        :attr:`Comparison.portfolios`: the portfolios side by side.
    ``comparison_differences.csv``
        :attr:`Comparison.differences`: what differs in the criteria files.
    ``comparison.png``
        Slope chart: the rank of every candidate in any study's top k, study by study.
    ``comparison_map.html``
        One synchronised map per study, side by side, offline (Leaflet inlined).
    ``manifest.json``
        Every study's input files with their hashes, versions, and the hash of each output.

    The files are published as one set (:class:`siting.outputs.publish.Publication`): the
    folder holds the whole previous comparison or the whole new one, a file this tool did not
    write is kept, and an output that would replace an input is refused.

    Returns
    -------
    dict
        File name → path.
    """
    tables = {
        "comparison.csv": cmp.ranks,
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
            stage / "comparison.png", lambda p: _slope_chart(cmp, p)
        )
        written["comparison_map.html"] = write_text(stage / "comparison_map.html", render_map(cmp))
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
        "versions": versions(),
        "outputs": {name: sha256(path) for name, path in outputs.items()},
    }


def _slope_chart(cmp: Comparison, path: Path) -> None:
    """Rank in each study (x) for every candidate in some study's top k; gaps where excluded."""
    from matplotlib.figure import Figure

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
        name = str(ranks["name"].iloc[i])
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
                )
    ax.set_xticks(x, cmp.labels, fontsize=8)
    ax.set_xlim(-0.9, len(cols) - 0.1)
    ax.set_ylim(worst + 0.5, 0.5)
    ax.set_ylabel("rank")
    ax.set_title(f"Rank by study (candidates in any top {cmp.k})", fontsize=10)
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


def map_data(cmp: Comparison) -> dict[str, Any]:
    """What the comparison map draws: per study, every candidate's point, rank and status."""
    studies = []
    for r, label in zip(cmp.results, cmp.labels, strict=True):
        pts = r.candidates.geometry
        if r.candidates.crs is not None and not r.candidates.crs.equals("EPSG:4326"):
            pts = pts.to_crs("EPSG:4326")
        pts = pts.representative_point()
        chosen = set(r.portfolio.ids) if r.portfolio is not None else set()
        sites = []
        ranks = r.ranking["rank"].to_dict()
        scores = r.ranking["score"].astype(float).to_dict()
        names = r.ranking["name"]
        for cid in r.ranking.index:
            rank = ranks[cid]
            score = float(scores[cid])  # NaN for excluded sites under TOPSIS etc.
            sites.append(
                {
                    "id": str(cid),
                    "name": str(names.at[cid]),
                    "lat": round(float(pts[cid].y), 5),
                    "lon": round(float(pts[cid].x), 5),
                    "rank": None if pd.isna(rank) else int(rank),
                    "score": None if np.isnan(score) else round(score, 4),
                    "excluded": str(r.ranking["excluded_reason"].at[cid]),
                    "portfolio": cid in chosen,
                }
            )
        studies.append({"label": label, "title": r.study.study, "sites": sites})
    return {"k": cmp.k, "studies": studies, "outline": _outline(cmp.results)}


def render_map(cmp: Comparison) -> str:
    """The side-by-side map as one self-contained HTML page (no request leaves it)."""
    js, css = offline.leaflet_js(), offline.leaflet_css()
    app_js, app_css = offline.template("comparison.js"), offline.template("comparison.css")
    data = offline.script_json(map_data(cmp))
    title = "Comparison: " + " / ".join(cmp.labels)
    csp = offline.csp([js, app_js])
    legend = (
        f"Blue: top {cmp.k}; pale blue: ranked lower; grey: excluded; red ring: in the portfolio. "
        "The maps move together."
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp, quote=False)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{css}</style>\n<style>{app_css}</style>\n"
        "</head>\n<body>\n"
        f"<header><strong>{html.escape(title)}</strong><p>{html.escape(legend)}</p></header>\n"
        '<div id="maps"></div>\n'
        f'<script type="application/json" id="comparison-data">{data}</script>\n'
        f"<script>{js}</script>\n<script>{app_js}</script>\n</body>\n</html>\n"
    )
