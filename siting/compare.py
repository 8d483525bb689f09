"""Compare studies: rank changes, rank correlations, shortlists, portfolios and what differs in the files.

:func:`compare` takes two or more runs (:class:`~siting.results.Results`) and lines them up by
candidate id; the first run is the baseline every change is measured against.
:func:`write_comparison` writes the tables, a slope chart of the ranks and a side-by-side
map (one self-contained HTML file that works offline).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import DataError, OutputError
from siting.outputs.files import ensure_dir, write_text, write_with
from siting.results import Results

__all__ = ["Comparison", "compare", "spec_differences", "write_comparison"]

#: Decimals written to the CSV tables.
DECIMALS = 6


@dataclass(frozen=True)
class Comparison:
    """Two or more studies lined up by candidate id.

    Attributes
    ----------
    labels
        One short unique label per study, in the order given (the first is the baseline).
    ranks
        One row per candidate of any study (baseline ranking order, then the others):
        ``id``, ``name``, then per study ``rank_<label>`` (missing when excluded or absent),
        ``score_<label>``, ``excluded_<label>`` (the reason, or ``"not a candidate"``),
        ``portfolio_<label>`` (True when chosen), and for every study after the first
        ``change_<label>``: baseline rank minus this rank (positive: moved up).
    pairs
        One row per pair of studies: ``study_a``, ``study_b``, ``common`` (candidates ranked in
        both), ``kendall_tau_b``, ``spearman_rho`` (over the common candidates; NaN when one
        ranking is constant), ``top_k_common``, ``top_k_overlap`` (common shortlist divided by
        the larger shortlist; 1 = same top k), ``portfolio_common``, ``k``.
    portfolios
        The portfolios side by side: one column per study, row ``i`` the ``i``-th site
        (``Name (id)``, best score first); empty cells where a portfolio is shorter.
    differences
        What differs in the criteria files, each study against the baseline: ``study``,
        ``section``, ``item``, ``field``, ``change`` (added, removed, changed), ``baseline``,
        ``value`` (JSON text).
    k
        Shortlist size.
    results
        The runs, in order (for the map).
    """

    labels: list[str]
    ranks: pd.DataFrame
    pairs: pd.DataFrame
    portfolios: pd.DataFrame
    differences: pd.DataFrame
    k: int
    results: tuple[Results, ...]


# --------------------------------------------------------------------------- labels


def _labels(results: Sequence[Results], labels: Sequence[str] | None) -> list[str]:
    if labels is not None:
        out = [str(x) for x in labels]
        problems = []
        if len(out) != len(results):
            problems.append(
                f"{len(out)} labels were given for {len(results)} studies; give one each"
            )
        dup = sorted({x for x in out if out.count(x) > 1})
        if dup:
            problems.append(f"labels {dup} are repeated; every study needs its own label")
        if any(not x.strip() for x in out):
            problems.append("a label is empty; give every study a name")
        if problems:
            raise DataError(problems)
        return out
    out = []
    for r in results:
        base = Path(r.source).stem or "study"
        label, i = base, 2
        while label in out:
            label, i = f"{base}_{i}", i + 1
        out.append(label)
    return out


# --------------------------------------------------------------------------- ranks


def _rank_table(results: Sequence[Results], labels: list[str]) -> pd.DataFrame:
    order: list[str] = []
    names: dict[str, str] = {}
    for r in results:
        for cid, name in r.ranking["name"].items():
            if cid not in names:
                names[str(cid)] = str(name)
                order.append(str(cid))
    table = pd.DataFrame({"id": order, "name": [names[c] for c in order]}, index=order)
    for r, label in zip(results, labels, strict=True):
        ranking = r.ranking.set_axis(r.ranking.index.astype(str))
        present = table.index.isin(ranking.index)
        table[f"rank_{label}"] = ranking["rank"].reindex(table.index).astype("Int64")
        table[f"score_{label}"] = ranking["score"].reindex(table.index).astype(float)
        reason = ranking["excluded_reason"].reindex(table.index).fillna("").astype(str)
        reason[~present] = "not a candidate"
        table[f"excluded_{label}"] = reason
        chosen = set(r.portfolio.ids) if r.portfolio is not None else set()
        table[f"portfolio_{label}"] = [c in chosen for c in table.index]
    base = labels[0]
    for label in labels[1:]:
        table[f"change_{label}"] = (table[f"rank_{base}"] - table[f"rank_{label}"]).astype("Int64")
    return table.reset_index(drop=True)


def _pairs(ranks: pd.DataFrame, labels: list[str], k: int) -> pd.DataFrame:
    from scipy.stats import kendalltau, spearmanr

    rows = []
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            a, b = labels[i], labels[j]
            ra = ranks[f"rank_{a}"].to_numpy(dtype=float, na_value=np.nan)
            rb = ranks[f"rank_{b}"].to_numpy(dtype=float, na_value=np.nan)
            both = ~np.isnan(ra) & ~np.isnan(rb)
            x, y = ra[both], rb[both]
            # scipy warns on constant input (an error in the test suite) and returns NaN anyway.
            varied = x.size >= 2 and np.ptp(x) > 0 and np.ptp(y) > 0
            tau = float(kendalltau(x, y, variant="b").statistic) if varied else math.nan
            rho = float(spearmanr(x, y).statistic) if varied else math.nan
            top_a, top_b = ra <= k, rb <= k
            common = int((top_a & top_b).sum())
            larger = max(int(top_a.sum()), int(top_b.sum()))
            pa = ranks[f"portfolio_{a}"].to_numpy(dtype=bool)
            pb = ranks[f"portfolio_{b}"].to_numpy(dtype=bool)
            rows.append(
                {
                    "study_a": a,
                    "study_b": b,
                    "common": int(both.sum()),
                    "kendall_tau_b": tau,
                    "spearman_rho": rho,
                    "top_k_common": common,
                    "top_k_overlap": common / larger if larger else math.nan,
                    "portfolio_common": int((pa & pb).sum()),
                    "k": k,
                }
            )
    return pd.DataFrame(rows)


def _portfolios(results: Sequence[Results], labels: list[str]) -> pd.DataFrame:
    columns: dict[str, list[str]] = {}
    for r, label in zip(results, labels, strict=True):
        ids = r.portfolio.ids if r.portfolio is not None else []
        columns[label] = [f"{r.ranking.at[c, 'name']} ({c})" for c in ids]
    size = max((len(v) for v in columns.values()), default=0)
    table = pd.DataFrame(
        {label: v + [""] * (size - len(v)) for label, v in columns.items()},
        index=pd.RangeIndex(1, size + 1, name="site"),
    )
    return table.reset_index()


# --------------------------------------------------------------------------- spec differences


def _text(value: Any) -> str:
    """Compact, stable text of a spec value (JSON with sorted keys; '' for absent)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _dump(results: Results) -> dict[str, Any]:
    return results.study.model_dump(mode="json", by_alias=True, exclude_none=True)


def spec_differences(baseline: Results, other: Results, *, label: str) -> list[dict[str, str]]:
    """What differs between two studies' criteria files, and in the global weights they give.

    Parameters
    ----------
    baseline, other
        The two runs.
    label
        Label of ``other``, written in the ``study`` column.

    Returns
    -------
    list of dict
        One dict per difference: ``study``, ``section`` (criteria, weights, groups, exclude,
        portfolio, method, weighting, data, candidates, study), ``item`` (criterion id, group id,
        rule, field), ``field``, ``change`` (added, removed, changed), ``baseline``, ``value``.
    """
    a, b = _dump(baseline), _dump(other)
    rows: list[dict[str, str]] = []

    def add(section: str, item: str, fld: str, change: str, before: Any, after: Any) -> None:
        rows.append(
            {
                "study": label,
                "section": section,
                "item": item,
                "field": fld,
                "change": change,
                "baseline": _text(before),
                "value": _text(after),
            }
        )

    def fields(section: str, item: str, x: dict[str, Any], y: dict[str, Any]) -> None:
        for key in list(dict.fromkeys([*x, *y])):
            if x.get(key) != y.get(key):
                change = "added" if key not in x else "removed" if key not in y else "changed"
                add(section, item, key, change, x.get(key), y.get(key))

    crit_a = {c["id"]: c for c in a.get("criteria", [])}
    crit_b = {c["id"]: c for c in b.get("criteria", [])}
    for cid in dict.fromkeys([*crit_a, *crit_b]):
        if cid not in crit_b:
            add("criteria", cid, "", "removed", crit_a[cid], None)
        elif cid not in crit_a:
            add("criteria", cid, "", "added", None, crit_b[cid])
        else:
            fields("criteria", cid, crit_a[cid], crit_b[cid])
    wa, wb = baseline.weights, other.weights
    for cid in dict.fromkeys([*map(str, wa.index), *map(str, wb.index)]):
        x = float(wa[cid]) if cid in wa.index else None
        y = float(wb[cid]) if cid in wb.index else None
        if x is None or y is None or not math.isclose(x, y, rel_tol=0, abs_tol=1e-9):
            change = "added" if x is None else "removed" if y is None else "changed"
            add(
                "weights",
                cid,
                "global weight",
                change,
                None if x is None else round(x, DECIMALS),
                None if y is None else round(y, DECIMALS),
            )
    ga, gb = a.get("groups") or {}, b.get("groups") or {}
    for gid in dict.fromkeys([*ga, *gb]):
        if gid not in gb:
            add("groups", gid, "", "removed", ga[gid], None)
        elif gid not in ga:
            add("groups", gid, "", "added", None, gb[gid])
        else:
            fields("groups", gid, ga[gid], gb[gid])
    ea = [_text(r) for r in a.get("exclude", [])]
    eb = [_text(r) for r in b.get("exclude", [])]
    for rule in ea:
        if rule not in eb:
            add("exclude", rule, "", "removed", rule, None)
    for rule in eb:
        if rule not in ea:
            add("exclude", rule, "", "added", None, rule)
    known = {"criteria", "groups", "exclude", "study", "description"}
    for section in dict.fromkeys([*a, *b]):
        if section in known:
            continue
        x, y = a.get(section), b.get(section)
        if x == y:
            continue
        if isinstance(x, dict) and isinstance(y, dict):
            fields(section, section, x, y)
        else:
            change = "added" if x is None else "removed" if y is None else "changed"
            add(section, section, "", change, x, y)
    ids_a = {str(c) for c in baseline.candidates.index}
    ids_b = {str(c) for c in other.candidates.index}
    for cid in sorted(ids_a - ids_b):
        add("candidate set", cid, "", "removed", cid, None)
    for cid in sorted(ids_b - ids_a):
        add("candidate set", cid, "", "added", None, cid)
    return rows


_DIFF_COLUMNS = ["study", "section", "item", "field", "change", "baseline", "value"]


# --------------------------------------------------------------------------- entry point


def compare(
    results: Sequence[Results], *, labels: Sequence[str] | None = None, k: int = 10
) -> Comparison:
    """Line up two or more studies by candidate id and say what changed.

    Parameters
    ----------
    results
        The runs to compare; the first is the baseline.
    labels
        One unique label per run (default: the criteria file names, made unique).
    k
        Shortlist size for the top-k overlap (capped at the largest number of ranked candidates).

    Returns
    -------
    Comparison
        Ranks and their changes, pairwise Kendall's τ-b, Spearman's ρ and top-k overlap, the
        portfolios side by side, and the differences between the criteria files.

    Raises
    ------
    DataError
        Fewer than two studies, bad labels, or ``k`` < 1.

    Examples
    --------
    >>> from siting.pipeline import run  # doctest: +SKIP
    >>> cmp = compare([run("a.yaml"), run("b.yaml")])  # doctest: +SKIP
    >>> cmp.pairs[["study_a", "study_b", "kendall_tau_b"]]  # doctest: +SKIP
    """
    runs = tuple(results)
    problems = []
    if len(runs) < 2:
        problems.append(f"compare needs at least two studies; got {len(runs)}")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        problems.append(f"k must be a whole number >= 1; got {k!r}")
    if problems:
        raise DataError(problems)
    names = _labels(runs, labels)
    ranks = _rank_table(runs, names)
    most = max(int(r.ranking["rank"].notna().sum()) for r in runs)
    k = int(min(k, max(most, 1)))
    diffs = [
        row
        for r, lab in zip(runs[1:], names[1:], strict=True)
        for row in spec_differences(runs[0], r, label=lab)
    ]
    return Comparison(
        labels=names,
        ranks=ranks,
        pairs=_pairs(ranks, names, k),
        portfolios=_portfolios(runs, names),
        differences=pd.DataFrame(diffs, columns=_DIFF_COLUMNS),
        k=k,
        results=runs,
    )


# --------------------------------------------------------------------------- writers


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format=f"%.{DECIMALS}f", lineterminator="\n")


def write_comparison(cmp: Comparison, out_dir: str | Path) -> dict[str, Path]:
    """Write the comparison's tables, slope chart and side-by-side map into ``out_dir``.

    Files (each written atomically; the same inputs give byte-identical CSVs):

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

    Returns
    -------
    dict
        File name → path.
    """
    out = ensure_dir(Path(out_dir))
    tables = {
        "comparison.csv": cmp.ranks,
        "comparison_pairs.csv": cmp.pairs,
        "comparison_portfolios.csv": cmp.portfolios,
        "comparison_differences.csv": cmp.differences,
    }
    written = {name: write_text(out / name, _csv(frame)) for name, frame in tables.items()}
    written["comparison.png"] = write_with(out / "comparison.png", lambda p: _slope_chart(cmp, p))
    written["comparison_map.html"] = write_text(out / "comparison_map.html", render_map(cmp))
    return written


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
    fig.savefig(path, dpi=110, metadata={"Software": None})


# --------------------------------------------------------------------------- map


def _leaflet() -> tuple[str, str]:
    """Leaflet's JS and CSS (images inlined as data URIs) from the xstatic-leaflet package."""
    try:
        from xstatic.pkg import leaflet
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        msg = "xstatic-leaflet is not installed; install it with `pip install xstatic-leaflet`"
        raise OutputError(msg) from exc
    folder = Path(leaflet.BASE_DIR)
    js = (folder / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    css = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode((folder / match.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return js, re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)


def _script_json(data: object) -> str:
    """JSON that cannot end its ``<script>`` element or open a comment inside it."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, safe in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, safe)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _sha(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


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
        for cid in r.ranking.index:
            rank = r.ranking.at[cid, "rank"]
            score = float(r.ranking.at[cid, "score"])  # NaN for excluded sites under TOPSIS etc.
            sites.append(
                {
                    "id": str(cid),
                    "name": str(r.ranking.at[cid, "name"]),
                    "lat": round(float(pts[cid].y), 5),
                    "lon": round(float(pts[cid].x), 5),
                    "rank": None if pd.isna(rank) else int(rank),
                    "score": None if np.isnan(score) else round(score, 4),
                    "excluded": str(r.ranking.at[cid, "excluded_reason"]),
                    "portfolio": cid in chosen,
                }
            )
        studies.append({"label": label, "title": r.study.study, "sites": sites})
    return {"k": cmp.k, "studies": studies, "outline": _outline(cmp.results)}


_MAP_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("comparison-data").textContent);
  var row = document.getElementById("maps");
  var maps = [], syncing = false, bounds = [];
  data.studies.forEach(function (study) {
    study.sites.forEach(function (s) { bounds.push([s.lat, s.lon]); });
  });
  function colour(s) {
    if (s.rank === null) { return "#9e9e9e"; }
    if (s.rank <= data.k) { return "#1a6fb0"; }
    return "#7fb2d9";
  }
  // Every column exists before any map is made, so that each map knows its final size.
  var boxes = data.studies.map(function (study) {
    var col = document.createElement("div");
    col.className = "col";
    var head = document.createElement("h2");
    head.textContent = study.label + " \u2014 " + study.title;
    var box = document.createElement("div");
    box.className = "map";
    col.appendChild(head);
    col.appendChild(box);
    row.appendChild(col);
    return box;
  });
  data.studies.forEach(function (study, i) {
    var box = boxes[i];
    var map = L.map(box, {attributionControl: false, zoomSnap: 0.25, renderer: L.svg({padding: 1})});
    // The view is set before any layer is added: Leaflet clips vector layers to it.
    map.fitBounds(bounds, {padding: [20, 20]});
    if (data.outline.length) {
      L.geoJSON({type: "FeatureCollection", features: data.outline.map(function (g) {
        return {type: "Feature", properties: {}, geometry: g};
      })}, {style: {color: "#777", weight: 1, fillColor: "#f3f1ea", fillOpacity: 1},
            interactive: false}).addTo(map);
    }
    study.sites.forEach(function (s) {
      var top = s.rank !== null && s.rank <= data.k;
      var marker = L.circleMarker([s.lat, s.lon], {
        radius: top ? 9 - Math.min(s.rank, 8) * 0.4 + 3 : 5,
        color: s.portfolio ? "#c62828" : "#ffffff",
        weight: s.portfolio ? 3 : 1,
        fillColor: colour(s), fillOpacity: 0.9
      }).addTo(map);
      var tip = document.createElement("div");
      var strong = document.createElement("strong");
      strong.textContent = s.name;
      tip.appendChild(strong);
      var line = document.createElement("div");
      line.textContent = s.rank === null ? "excluded: " + s.excluded
        : "rank " + s.rank + ", score " + s.score.toFixed(3) + (s.portfolio ? ", in portfolio" : "");
      tip.appendChild(line);
      marker.bindTooltip(tip);
      if (top) {
        // The rank is a JSON integer, never text from the data, so it is safe as HTML.
        L.marker([s.lat, s.lon], {icon: L.divIcon({className: "rank", html: String(Number(s.rank)),
          iconSize: null}), interactive: false}).addTo(map);
      }
    });
    maps.push(map);
  });
  maps.forEach(function (map) {
    map.on("move zoom moveend zoomend", function () {
      if (syncing) { return; }
      syncing = true;
      maps.forEach(function (other) {
        if (other !== map) { other.setView(map.getCenter(), map.getZoom(), {animate: false}); }
      });
      syncing = false;
    });
  });
}());
"""

_MAP_CSS = """
html, body { margin: 0; height: 100%; font-family: system-ui, sans-serif; }
header { padding: 6px 12px; font-size: 14px; }
header p { margin: 2px 0; color: #444; font-size: 12px; }
#maps { display: flex; height: calc(100% - 64px); }
.col { flex: 1; display: flex; flex-direction: column; border-left: 1px solid #ccc; min-width: 0; }
.col h2 { font-size: 13px; margin: 4px 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.map { flex: 1; background: #dfe9f2; }
.rank { color: #fff; font: bold 10px system-ui, sans-serif; text-align: center;
        width: 16px; margin-left: -8px; margin-top: -7px; pointer-events: none; }
"""


def render_map(cmp: Comparison) -> str:
    """The side-by-side map as one self-contained HTML page (no request leaves it)."""
    js, css = _leaflet()
    data = _script_json(map_data(cmp))
    title = "Comparison: " + " / ".join(cmp.labels)
    csp = (
        f"default-src 'none'; script-src {_sha(js)} {_sha(_MAP_JS)}; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    legend = (
        f"Blue: top {cmp.k}; pale blue: ranked lower; grey: excluded; red ring: in the portfolio. "
        "The maps move together."
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp, quote=False)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{css}</style>\n<style>{_MAP_CSS}</style>\n"
        "</head>\n<body>\n"
        f"<header><strong>{html.escape(title)}</strong><p>{html.escape(legend)}</p></header>\n"
        '<div id="maps"></div>\n'
        f'<script type="application/json" id="comparison-data">{data}</script>\n'
        f"<script>{js}</script>\n<script>{_MAP_JS}</script>\n</body>\n</html>\n"
    )
