"""The report: one self-contained HTML page a decision-maker can read without the tool.

It says what the study is for, which criteria it uses and how each raw value
becomes a 0–1 value (one small chart per criterion, the candidates drawn on the
curve), how much each criterion weighs, how the candidates rank and why, which
sites the portfolio chooses and which rules bind, and, when the run has them,
the alternative portfolios, the Pareto front of total score against population
covered, how the MCDA methods agree and how robust the ranking is (rank
acceptability, one weight at a time, stability intervals, portfolio membership).  Charts are inline SVG
images and the static map an inline PNG; the page has no script at all and a
Content-Security-Policy that forbids fetching anything.  Every text taken from
data goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from siting import value as value_functions
from siting.outputs.files import save_figure, write_text
from siting.outputs.maps import base_map, boundary_note, coverage_radius
from siting.outputs.static_map import render_static_map
from siting.results import Results
from siting.spec import Criterion

__all__ = ["render_report", "value_function_svg", "write_report"]

_GROUP_COLOURS = ["#3b6fb6", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
_AGREEMENT_COLUMNS = {
    "method_a": "Method A",
    "method_b": "Method B",
    "spearman_rho": "Spearman ρ",
    "kendall_tau_b": "Kendall τ-b",
    "top_k_common": "Top-k in common",
    "top_k_overlap": "Top-k overlap",
}
_MAX_ROWS = 100  # longer tables are cut, with a note: the CSV holds them all
# Matplotlib's SVG carries a random id salt and a date unless told otherwise; fixing both
# makes two runs of one study write the same report.
_RC: dict[Any, Any] = {"svg.hashsalt": "siting", "svg.fonttype": "none", "font.size": 8}

_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
  max-width: 1040px; margin: 0 auto; padding: 0 18px 40px; }
h1 { font-size: 24px; margin: 22px 0 6px; } h2 { font-size: 19px; margin: 30px 0 8px;
  border-bottom: 1px solid #ddd; padding-bottom: 3px; } h3 { font-size: 15px; margin: 14px 0 4px; }
.lead { font-size: 16px; color: #333; } .muted { color: #666; font-size: 13px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.excluded td { color: #888; } tr.chosen td:nth-child(2) { font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; background: #fff; }
.card img { width: 100%; height: auto; display: block; }
figure { margin: 8px 0; } figure img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 13px; }
.pill { display: inline-block; padding: 0 6px; border-radius: 8px; background: #eee; font-size: 12px; }
details summary { cursor: pointer; color: #3b6fb6; }
@media print { details { display: block; } }
"""


# --------------------------------------------------------------------------- small pieces


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _fmt(x: object, digits: int = 3) -> str:
    """A number for people: thousands separated, a few significant digits, '–' when missing."""
    if x is None or x is pd.NA:
        return "–"
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if not isinstance(x, int | float | np.integer | np.floating):
        return _e(x)
    v = float(x)
    if not math.isfinite(v):
        return "–"
    if float(v).is_integer() and abs(v) >= 1:
        return f"{int(v):,}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


def _svg_img(fig: Figure, alt: str) -> str:
    buf = io.BytesIO()
    save_figure(fig, buf, format="svg", metadata={"Date": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{_e(alt)}">'


def _png_img(data: bytes, alt: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" alt="{_e(alt)}">'


def _table(
    head: list[str],
    rows: Iterable[list[str]],
    *,
    num: set[int] | None = None,
    classes: list[str] | None = None,
) -> str:
    """An HTML table from cells that are already escaped.

    ``num`` marks right-aligned columns; ``classes`` gives each row a CSS class.
    """
    num = num or set()
    th = "".join(f"<th{' class=num' if i in num else ''}>{h}</th>" for i, h in enumerate(head))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{classes[r]}"' if classes and classes[r] else ""
        tds = "".join(f"<td{' class=num' if i in num else ''}>{c}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{tds}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _frame_table(df: pd.DataFrame, *, index: str | None = None, max_rows: int = _MAX_ROWS) -> str:
    """Any DataFrame as an escaped table, numbers formatted, cut after ``max_rows`` rows."""
    shown = df.head(max_rows)
    head = ([_e(index)] if index is not None else []) + [_e(c) for c in shown.columns]
    numeric = {
        i + (index is not None)
        for i, c in enumerate(shown.columns)
        if pd.api.types.is_numeric_dtype(shown[c])
    }
    rows = []
    for key, row in shown.iterrows():
        cells = [_e(key)] if index is not None else []
        cells += [_fmt(v) for v in row.tolist()]
        rows.append(cells)
    more = f'<p class="muted">First {max_rows} of {len(df)} rows.</p>' if len(df) > max_rows else ""
    return _table(head, rows, num=numeric) + more


# --------------------------------------------------------------------------- charts


def _curve(criterion: Criterion, raw: pd.Series, kept: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Sample the criterion's value function over its defining points and the candidates' range."""
    spec = criterion.value
    marks: list[float] = [float(x) for x in raw[np.isfinite(raw)]]
    if spec.linear is not None:
        marks += [spec.linear.best, spec.linear.worst]
    elif spec.threshold is not None:
        marks += [spec.threshold.at]
    elif spec.piecewise is not None:
        marks += [p[0] for p in spec.piecewise.points]
    if not marks:
        marks = [0.0, 1.0]
    lo, hi = min(marks), max(marks)
    pad = (hi - lo) * 0.05 or 1.0
    xs = np.linspace(lo - pad, hi + pad, 400)
    if spec.threshold is not None:  # draw the step as a step, not a steep slope
        xs = np.sort(np.append(xs, [spec.threshold.at, np.nextafter(spec.threshold.at, -np.inf)]))
    among = raw[kept & np.isfinite(raw)].to_numpy(dtype=float)
    ys = value_functions.apply(criterion, xs, among=among if among.size else None)
    return xs, ys


def value_function_svg(
    criterion: Criterion, raw: pd.Series, values: pd.Series, kept: pd.Series
) -> str:
    """A small chart of one value function with the candidates on it, as an ``<img>`` tag.

    Parameters
    ----------
    criterion
        The criterion (its value function, direction and unit).
    raw, values
        The candidates' raw values and value-function outputs for this criterion.
    kept
        Which candidates passed the exclusions (drawn filled; the others hollow).

    Returns
    -------
    str
        An ``<img>`` element holding the SVG as a data URI.
    """
    xs, ys = _curve(criterion, raw, kept)
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(3.2, 1.9), layout="constrained")
        ax = fig.add_subplot()
        ax.plot(xs, ys, color="#3b6fb6", linewidth=1.5)
        ok = np.isfinite(raw.to_numpy(dtype=float)) & np.isfinite(values.to_numpy(dtype=float))
        k = kept.to_numpy() & ok
        ax.scatter(raw[k], values[k], s=14, color="#222", zorder=3, gid="kept")
        if (~kept.to_numpy() & ok).any():
            x_ex, y_ex = raw[~kept.to_numpy() & ok], values[~kept.to_numpy() & ok]
            ax.scatter(
                x_ex, y_ex, s=14, facecolors="none", edgecolors="#999", zorder=3, gid="excluded"
            )
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel("value")
        ax.set_xlabel(criterion.unit or "raw value", parse_math=False)
        ax.grid(alpha=0.3)
        return _svg_img(fig, f"Value function of {criterion.label}")


def _weights_svg(results: Results, crit_ids: list[str]) -> str:
    by_id = {c.id: c for c in results.study.criteria}
    groups = list(dict.fromkeys(by_id[c].group or "" for c in crit_ids))
    colour = {g: _GROUP_COLOURS[i % len(_GROUP_COLOURS)] for i, g in enumerate(groups)}
    weights = results.weights.reindex(crit_ids).fillna(0.0).to_numpy(dtype=float)
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(7, 0.32 * len(crit_ids) + 0.9), layout="constrained")
        ax = fig.add_subplot()
        ypos = np.arange(len(crit_ids))[::-1]
        ax.barh(ypos, weights, color=[colour[by_id[c].group or ""] for c in crit_ids])
        labels = [by_id[c].label for c in crit_ids]
        ax.set_yticks(ypos, [lab if len(lab) <= 48 else lab[:47] + "…" for lab in labels])
        for y, w in zip(ypos, weights, strict=True):
            ax.text(w, y, f" {100 * w:.1f} %", va="center", fontsize=7, parse_math=False)
        for label in ax.get_yticklabels():
            label.set_parse_math(False)
        ax.set_xlabel("global weight")
        ax.set_xlim(0, max(weights.max() * 1.2, 1e-9))
        if len(groups) > 1 or groups[0]:
            from matplotlib.patches import Patch

            ax.legend(
                handles=[Patch(color=colour[g], label=g or "other") for g in groups],
                loc="upper left",
                bbox_to_anchor=(1.0, 1.0),
                fontsize=7,
            )
        return _svg_img(fig, "Global weight of each criterion")


# --------------------------------------------------------------------------- sections


def _describe_measure(c: Criterion) -> str:
    m = c.measure
    kind = m.kind
    if kind == "nearest":
        text = f"distance to the nearest feature of “{m.nearest}”"
    elif kind == "count":
        text = f"number of “{m.count}” within {m.within_km:g} km"
    elif kind == "sum":
        text = f"sum of {m.field} of “{m.sum}” within {m.within_km:g} km"
    elif kind == "access":
        weight = f"{m.field} × " if m.field else ""
        text = f"accessibility to “{m.access}”: Σ {weight}exp(−d / {m.decay_km:g} km)"
    else:
        text = f"the candidate's own “{m.attribute}”"
    if m.where:
        tests = []
        for name, b in m.where.items():
            parts = [
                f"≥ {b.min:g}" if b.min is not None else "",
                f"≤ {b.max:g}" if b.max is not None else "",
            ]
            parts += [f"in {b.in_}" if b.in_ is not None else ""]
            parts += [f"= {b.equals}" if b.equals is not None else ""]
            tests.append(f"{name} {' '.join(p for p in parts if p)}")
        text += " (only " + "; ".join(tests) + ")"
    return text


def _describe_value(c: Criterion) -> str:
    spec = c.value
    if spec.linear is not None:
        return f"linear from {spec.linear.worst:g} (value 0) to {spec.linear.best:g} (value 1)"
    if spec.threshold is not None:
        side = "at least" if c.direction == "benefit" else "at most"
        return f"1 when {side} {spec.threshold.at:g}, else {spec.threshold.below:g}"
    if spec.piecewise is not None:
        pts = ", ".join(f"({x:g}, {y:g})" for x, y in spec.piecewise.points)
        return f"piecewise linear through {pts}"
    best = "largest" if c.direction == "benefit" else "smallest"
    return f"min-max over the kept candidates (the {best} scores 1)"


def _criteria_section(results: Results, crit_ids: list[str], kept: pd.Series) -> str:
    by_id = {c.id: c for c in results.study.criteria}
    cards = []
    for cid in crit_ids:
        c = by_id[cid]
        raw = results.raw[cid].reindex(results.ranking.index).astype(float)
        vals = results.values[cid].reindex(results.ranking.index).astype(float)
        chart = value_function_svg(c, raw, vals, kept)
        unit = f" ({_e(c.unit)})" if c.unit else ""
        note = f'<p class="muted">{_e(c.note)}</p>' if c.note else ""
        cards.append(
            f'<div class="card"><h3>{_e(c.label)}</h3>'
            f'<p class="muted"><span class="pill">{_e(c.group or "no group")}</span> '
            f"{_e(c.direction)} · weight {100 * float(results.weights.get(cid, 0.0)):.1f} %</p>"
            f"<p>Measured as {_e(_describe_measure(c))}{unit}; value: {_e(_describe_value(c))}.</p>"
            f"{chart}{note}</div>"
        )
    exclusions = ""
    if results.study.exclude:
        items = []
        for ex in results.study.exclude:
            what = ex.criterion or ex.field
            tests = [f"above {ex.above:g}" if ex.above is not None else ""]
            tests += [f"below {ex.below:g}" if ex.below is not None else ""]
            tests += [f"equal to {ex.equals}" if ex.equals is not None else ""]
            reason = f" ({ex.reason})" if ex.reason else ""
            items.append(
                f"<li>{_e(what)} {_e(' or '.join(t for t in tests if t))}{_e(reason)}</li>"
            )
        exclusions = (
            f"<h3>Hard constraints: a candidate is excluded when</h3><ul>{''.join(items)}</ul>"
        )
    return (
        "<h2>Criteria and value functions</h2>"
        '<p class="muted">Each chart shows how a raw value becomes a value between 0 (worst) and '
        "1 (best); the dots are the candidates (hollow: excluded).</p>"
        f'<div class="cards">{"".join(cards)}</div>{exclusions}'
    )


def _weights_section(results: Results, crit_ids: list[str]) -> str:
    by_id = {c.id: c for c in results.study.criteria}
    shares: dict[str, float] = {}
    for cid in crit_ids:
        g = by_id[cid].group or ""
        shares[g] = shares.get(g, 0.0) + float(results.weights.get(cid, 0.0))
    groups = ""
    if len(shares) > 1 or next(iter(shares)):
        spec = results.study.groups or {}
        rows = [
            [_e(getattr(spec.get(g), "label", None) or g or "other"), f"{100 * s:.1f} %"]
            for g, s in shares.items()
        ]
        groups = "<h3>Groups</h3>" + _table(["Group", "Share of the score"], rows, num={1})
    consistency = _consistency(results)
    return (
        "<h2>Weights</h2>"
        "<p class=\"muted\">A criterion's global weight is its group's share times its share "
        "within the group; the weights sum to 100 %.</p>"
        f"<figure>{_weights_svg(results, crit_ids)}</figure>{groups}{consistency}"
    )


def _present(obj: object) -> bool:
    """Whether an optional result is there: not None and, for a table, not empty."""
    if obj is None:
        return False
    if isinstance(obj, pd.DataFrame | pd.Series):
        return not obj.empty
    if isinstance(obj, Mapping | list | tuple):
        return len(obj) > 0
    return True


def _consistency(results: Results) -> str:
    """How the weights were derived: the run's notes and, for AHP, Saaty's consistency."""
    parts = []
    notes = results.weight_notes
    if notes:
        parts.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    ahp = results.ahp
    if ahp:
        rows = []
        for scope, res in ahp.items():
            get = res.get if isinstance(res, Mapping) else lambda k, r=res: getattr(r, k, None)
            ok = get("acceptable")
            rows.append(
                [
                    _e(scope),
                    _fmt(get("lambda_max"), 4),
                    _fmt(get("ci"), 3),
                    _fmt(get("ri"), 3),
                    _fmt(get("cr"), 3),
                    "–" if ok is None else ("yes" if ok else "<strong>no</strong>"),
                ]
            )
        parts.append(
            "<h3>AHP consistency</h3>"
            + _table(["Judgements", "λmax", "CI", "RI", "CR", "Acceptable"], rows, num={1, 2, 3, 4})
            + '<p class="muted">A consistency ratio (CR) up to 0.10 is acceptable (Saaty 1980); '
            "above it the judgements contradict each other and the weights rest on them.</p>"
        )
    return "".join(parts)


def _ranking_section(results: Results, crit_ids: list[str]) -> str:
    by_id = {c.id: c for c in results.study.criteria}
    ranking = results.ranking
    chosen = set(results.portfolio.ids) if results.portfolio is not None else set()
    contributions = results.contributions.reindex(index=ranking.index, columns=crit_ids)
    rows: list[list[str]] = []
    classes: list[str] = []
    for cid, row in ranking.iterrows():
        reason = str(row["excluded_reason"] or "")
        parts = contributions.loc[str(cid)]
        assert isinstance(parts, pd.Series)  # one row: ids are unique
        top = parts.dropna().sort_values(ascending=False).head(2)
        strongest = ", ".join(f"{by_id[str(k)].label} ({v:.3f})" for k, v in top.items() if v > 0)
        cls = "excluded" if reason else ("chosen" if cid in chosen else "")
        rank = "–" if pd.isna(row["rank"]) else str(int(row["rank"]))
        classes.append(cls)
        rows.append(
            [
                rank,
                _e(row["name"]) + (" ★" if cid in chosen else ""),
                _fmt(row["score"]),
                _e(strongest) if not reason else "",
                _e(reason),
            ]
        )
    main = _table(
        ["Rank", "Candidate", "Score", "Largest contributions", "Excluded because"],
        rows[:_MAX_ROWS],
        num={0, 2},
        classes=classes,
    )
    more = (
        f'<p class="muted">First {_MAX_ROWS} of {len(rows)} candidates.</p>'
        if len(rows) > _MAX_ROWS
        else ""
    )
    detail = contributions.copy()
    detail.columns = [by_id[c].label for c in crit_ids]
    detail.insert(0, "candidate", ranking["name"].astype(str))
    detail["score"] = ranking["score"]
    return (
        "<h2>Ranking</h2>"
        f'<p class="muted">Scores by the study\'s method ({_e(results.study.method.name)}; '
        "the weighted sum is Σ weight × value). ★ marks the portfolio.</p>"
        f"{main}{more}"
        "<details><summary>Every contribution (candidate × criterion)</summary>"
        f"{_frame_table(detail.set_index('candidate'), index='candidate')}</details>"
    )


def _share(p: object) -> str:
    """A probability for people: no "0.0 %" for what happened, no "100 %" for what not always did."""
    if p is None or p is pd.NA:
        return "–"
    v = float(p)  # type: ignore[arg-type]
    if not math.isfinite(v):
        return "–"
    if v <= 0:
        return "0 %"
    if v >= 1:
        return "100 %"
    if v < 0.001:
        return "&lt; 0.1 %"
    if v > 0.999:
        return "&gt; 99.9 %"
    return f"{100 * v:.1f} %"


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _names(results: Results, ids: Iterable[object]) -> list[str]:
    names = results.ranking["name"]
    return [str(names.get(str(i), i)) for i in ids]


def _swap(results: Results, now: list[str], then: list[str]) -> str:
    """How one set of sites differs from another, in words (``then`` against ``now``)."""
    dropped = _names(results, [i for i in now if i not in then])
    added = _names(results, [i for i in then if i not in now])
    if not dropped and not added:
        return "the same sites"
    if len(dropped) == 1 and len(added) == 1:
        return f"{added[0]} instead of {dropped[0]}"
    parts = [f"without {', '.join(dropped)}"] if dropped else []
    parts += [f"with {', '.join(added)}"] if added else []
    return "; ".join(parts)


def _portfolio_section(results: Results) -> str:
    p = results.portfolio
    if p is None:
        return ""
    spec = results.study.portfolio
    names = results.ranking["name"]
    sites = "".join(
        f"<li>{_e(names.get(i, i))} (score {_fmt(results.ranking['score'].get(i))})</li>"
        for i in p.ids
    )
    rules = []
    if spec is not None:
        rules.append(f"{spec.sites} sites")
        if spec.min_spacing_km:
            rules.append(f"at least {spec.min_spacing_km:g} km apart")
        if spec.at_most_per is not None:
            rules.append(f"at most {spec.at_most_per.count} per {spec.at_most_per.field}")
    binding = "".join(f"<li>{_e(s)}</li>" for s in p.binding) or (
        "<li>None: the best-scoring sites already satisfy every rule.</li>"
    )
    radius, source = coverage_radius(results)
    coverage = ""
    if radius and source == "coverage":
        covered = getattr(p, "population_covered", None)
        reached = f": {_fmt(covered)} people live within reach" if covered is not None else ""
        coverage = (
            f'<p class="muted">A site serves its demand within {radius:g} km{reached}; the map '
            "draws that circle around each chosen site.</p>"
        )
    elif radius:
        coverage = (
            f'<p class="muted">The map draws a {radius:g} km circle (half the minimum spacing) '
            "around each chosen site.</p>"
        )
    return (
        "<h2>Portfolio</h2>"
        f"<p>Rules: {_e(', '.join(rules))}. Solver {_e(p.solver)} ({_e(p.solver_version)}): "
        f"{_e(p.status)}, total score {_fmt(p.objective, 4)}.</p>"
        f"<ol>{sites}</ol><h3>Rules that bind</h3><ul>{binding}</ul>{coverage}"
        f"{_alternatives_section(results)}{_pareto_section(results)}"
    )


def _alternatives_section(results: Results) -> str:
    """The next-best portfolios: their sites, total score and how they differ from the optimum."""
    alternatives = getattr(results, "alternatives", None) or []
    if not alternatives or results.portfolio is None:
        return ""
    scores = results.ranking["score"].astype(float)
    best = [str(i) for i in results.portfolio.ids]
    best_total = float(scores.reindex(best).sum())
    rows = []
    for k, alt in enumerate(alternatives):
        ids = [str(i) for i in alt.ids]
        total = float(scores.reindex(ids).sum())
        rows.append(
            [
                str(k + 1),
                _e(", ".join(_names(results, ids))),
                _fmt(total, 4),
                _fmt(best_total - total, 3),
                _e(_swap(results, best, ids)),
            ]
        )
    return (
        "<h3>Alternative portfolios</h3>"
        '<p class="muted">The next-best portfolios under the same rules, each differing from the '
        "optimum and from each other by at least the stated number of sites; the map has each "
        "as a layer. Total score: the sum of the sites' scores.</p>"
        + _table(
            ["#", "Sites", "Total score", "Below the optimum", "Against the optimum"],
            rows,
            num={0, 2, 3},
        )
    )


def _pareto_svg(front: pd.DataFrame) -> str:
    x = front["population_covered"].to_numpy(dtype=float)
    y = front["total_score"].to_numpy(dtype=float)
    optimal = (
        front["optimal_for_score"].to_numpy(dtype=bool)
        if "optimal_for_score" in front
        else np.zeros(len(front), dtype=bool)
    )
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(5.2, 3.0), layout="constrained")
        ax = fig.add_subplot()
        ax.plot(x, y, color="#9bb5dc", linewidth=1.2, zorder=1)
        ax.scatter(x, y, s=26, color="#3b6fb6", zorder=2, gid="pareto-points")
        if optimal.any():
            ax.scatter(
                x[optimal], y[optimal], s=90, facecolors="none", edgecolors="#d62728", zorder=3
            )
        for k, (xi, yi) in enumerate(zip(x, y, strict=True)):
            ax.annotate(str(k + 1), (xi, yi), xytext=(4, 4), textcoords="offset points")
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel("population covered")
        ax.set_ylabel("total score")
        ax.grid(alpha=0.3)
        return _svg_img(fig, "Pareto front: total score against population covered")


def _pareto_section(results: Results) -> str:
    """The Pareto front of total score against population covered: a chart and a table."""
    front = getattr(results, "pareto", None)
    if front is None or len(front) == 0:
        return ""
    front = front.sort_values("population_covered", kind="stable").reset_index(drop=True)
    rows = []
    for k, row in front.iterrows():
        share = row.get("covered_share")
        star = " ★" if bool(row.get("optimal_for_score", False)) else ""
        rows.append(
            [
                f"{int(k) + 1}{star}",
                _fmt(row["population_covered"]),
                "" if share is None or pd.isna(share) else f"{100 * float(share):.1f} %",
                _fmt(row["total_score"], 4),
                _e(", ".join(_names(results, row["ids"]))),
            ]
        )
    return (
        "<h3>Total score against population covered</h3>"
        f"<figure>{_pareto_svg(front)}<figcaption>The Pareto front: each point is a portfolio "
        "under the same rules that no other beats on both total score and population within "
        "reach; red ring and ★: the portfolio with the best total score.</figcaption></figure>"
        + _table(
            ["#", "Population covered", "Share", "Total score", "Sites"], rows, num={0, 1, 2, 3}
        )
    )


def _methods_section(results: Results) -> str:
    """Method agreement: ranks by each method and the rank correlations between them."""
    ranks = results.method_ranks
    agreement = results.agreement
    if not _present(ranks) or ranks.shape[1] < 2:  # one method agrees with itself
        return ""
    parts = ["<h2>Do the methods agree?</h2>"]
    if isinstance(ranks, pd.DataFrame):
        table = ranks.copy()
        table.insert(0, "candidate", results.ranking["name"].reindex(table.index).astype(str))
        order = results.ranking.index.intersection(table.index)
        parts.append(
            "<details><summary>Rank of every candidate by each method</summary>"
            + _frame_table(table.loc[order].set_index("candidate"), index="candidate")
            + "</details>"
        )
    if _present(agreement):
        parts.append(
            "<h3>Agreement between methods</h3>"
            '<p class="muted">Spearman ρ and Kendall τ-b: 1 = identical rankings; top-k overlap: '
            "share of a shortlist both methods name.</p>"
            + _frame_table(agreement.rename(columns=_AGREEMENT_COLUMNS))
        )
    return "".join(parts)


_ACCEPT_ROWS = 15  # candidates in the heatmap, best expected rank first
_ACCEPT_RANKS = 10  # first ranks shown: who might take the top places
_OAT_LINES = 5  # candidates drawn in each one-at-a-time chart
_SHORTLIST = 3  # the "top 3" of the summary table


def _acceptability_svg(table: pd.DataFrame, labels: list[str]) -> str:
    """Heatmap of rank acceptability: candidates down, ranks across, each cell its share."""
    data = table.to_numpy(dtype=float)
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(7, 0.26 * len(table) + 1.0), layout="constrained")
        ax = fig.add_subplot()
        image = ax.imshow(data, cmap="Blues", vmin=0, vmax=1, aspect="auto")
        ax.set_yticks(range(len(table)), labels, fontsize=7)
        for label in ax.get_yticklabels():
            label.set_parse_math(False)
        ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], fontsize=7)
        ax.set_xlabel("rank")
        ax.xaxis.set_label_position("top")
        ax.xaxis.tick_top()
        for (r, c), v in np.ndenumerate(data):
            if v >= 0.005:  # a blank cell reads as "never"; "0 %" would clutter the chart
                ax.text(
                    c,
                    r,
                    f"{100 * v:.0f}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if v > 0.6 else "#222",
                )
        fig.colorbar(image, ax=ax, shrink=0.6, label="share of draws")
        return _svg_img(fig, "Rank acceptability: share of random weight draws giving each rank")


def _oat_svg(
    table: pd.DataFrame, labels: Mapping[str, str], names: pd.Series, order: list[str]
) -> str:
    """Small multiples: the rank of the best few candidates as each criterion's weight sweeps."""
    criteria = list(dict.fromkeys(table["criterion"]))
    present = set(table["candidate"])
    shown = [c for c in order if c in present][:_OAT_LINES]
    cols = min(3, len(criteria))
    rows = math.ceil(len(criteria) / cols)
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(2.6 * cols, 1.9 * rows + 0.5), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
        for k, crit in enumerate(criteria):
            ax = axes[k // cols][k % cols]
            part = table[table["criterion"] == crit]
            for j, cid in enumerate(shown):
                line = part[part["candidate"] == cid].sort_values("weight")
                ax.plot(
                    line["weight"],
                    line["rank"],
                    color=_GROUP_COLOURS[j % len(_GROUP_COLOURS)],
                    linewidth=1.2,
                )
            current = part.loc[part["current"].astype(bool), "weight"]
            if len(current):
                ax.axvline(float(current.iloc[0]), color="#999", linestyle="--", linewidth=0.8)
            title = ax.set_title(_short(labels.get(crit, str(crit)), 44), fontsize=7)
            title.set_parse_math(False)
            ax.set_xlim(0, 1)
            ax.xaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=0))
            ax.grid(alpha=0.3)
        for k in range(len(criteria), rows * cols):
            axes[k // cols][k % cols].set_visible(False)
        # Ranks far down the list say only "no longer in contention": the axis stops at 15.
        worst = min(float(table.loc[table["candidate"].isin(shown), "rank"].max()), 15.0)
        axes[0][0].set_ylim(0.5, max(worst, 2.0) + 0.5)
        axes[0][0].yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        axes[0][0].invert_yaxis()  # rank 1 on top; the axes share y, so once inverts them all
        for r in range(rows):
            axes[r][0].set_ylabel("rank")
        handles = [
            Line2D(
                [], [], color=_GROUP_COLOURS[j % len(_GROUP_COLOURS)], label=str(names.get(c, c))
            )
            for j, c in enumerate(shown)
        ]
        legend = fig.legend(handles=handles, loc="outside lower center", ncols=min(5, len(shown)))
        for text in legend.get_texts():
            text.set_parse_math(False)
        return _svg_img(fig, "Rank of the best candidates as each criterion's weight varies")


def _draws_sentence(sens: Any, method: str = "weighted_sum") -> str:
    """How the weights were drawn, how many, and the seed that reproduces them."""
    options = getattr(sens, "options", None) or {}
    smaa = sens.acceptability
    how = ["drawn uniformly from every possible weighting (a flat Dirichlet on the simplex)"]
    if options.get("bounds"):
        how.append("each within the stated range")
    if options.get("order"):
        how.append("respecting the stated order of importance")
    text = f"{int(smaa.draws):,} random weight vectors, {', '.join(how)}, seed {int(sens.seed)}"
    if options.get("value_uncertainty"):
        text += "; the criterion values varied within their stated uncertainty at every draw"
    text += "; every draw scores the candidates with the weighted sum of their values"
    text += "."
    if sens.membership is not None:
        text += (
            f" The portfolio's integer program was solved again for {int(sens.membership.draws):,}"
            " of these draws."
        )
    if method != "weighted_sum":
        text += (
            f" The ranking above uses {method.replace('_', ' ')}; the robustness figures use the "
            "weighted sum, so a candidate's rank and its chances can disagree."
        )
    return f"<p>{_e(text)} The same seed gives the same figures.</p>"


def _summary_table(results: Results, sens: Any, order: list[str]) -> str:
    """Per candidate: its rank, the chance of rank 1 and of the top 3, and of the portfolio."""
    smaa = sens.acceptability
    table = smaa.acceptability
    k = min(_SHORTLIST, table.shape[1])
    first = table.iloc[:, 0]
    top = table.iloc[:, :k].sum(axis=1)
    member = sens.membership.probability if sens.membership is not None else None
    # Every candidate with a chance at the top or in the portfolio, at least the best ten.
    keep = top > 0
    if member is not None:
        keep |= member.reindex(table.index).fillna(0) > 0
    ids = [i for i in order if i in table.index]
    ids = [i for n, i in enumerate(ids) if n < 10 or bool(keep.get(i, False))]
    chosen = set(results.portfolio.ids) if results.portfolio is not None else set()
    head = ["Rank", "Candidate", "Rank 1", f"Top {k}", "Expected rank"]
    if member is not None:
        head.append("In the optimal portfolio")
    rows = []
    for i in ids:
        rank = results.ranking["rank"].get(i)
        row = [
            "–" if rank is None or pd.isna(rank) else str(int(rank)),
            _e(results.ranking["name"].get(i, i)) + (" ★" if i in chosen else ""),
            _share(first.get(i)),
            _share(top.get(i)),
            _fmt(smaa.expected_rank.get(i), 3),
        ]
        if member is not None:
            row.append(_share(member.get(i)))
        rows.append(row)
    more = len(table) - len(ids)
    note = (
        f'<p class="muted">The {more} other candidates were never in the top {k} nor in the '
        "optimal portfolio.</p>"
        if more
        else ""
    )
    return _table(head, rows, num={0, 2, 3, 4, 5}) + note


def _interval(lo: object, hi: object) -> str:
    return f"{100 * float(lo):.1f} %–{100 * float(hi):.1f} %"  # type: ignore[arg-type]


def _ids(cell: object) -> list[str]:
    return [s for s in str(cell or "").split(";") if s]


def _stability_table(results: Results, stability: pd.DataFrame) -> str:
    """Each criterion's weight range within which first place, top N and portfolio hold."""
    by_id = {c.id: c for c in results.study.criteria}
    kinds = [k for k in ("first", "top_n", "portfolio") if f"{k}_lo" in stability]
    first_row = stability.iloc[0]
    heads = {
        "first": "First place",
        "top_n": f"Top {len(_ids(first_row.get('top_n')))}",
        "portfolio": "Portfolio",
    }
    head = ["Criterion", "Weight now"]
    for kind in kinds:
        now = ", ".join(_names(results, _ids(first_row.get(kind))))
        head.append(f"{heads[kind]} ({_e(now)}) holds for")
    rows = []
    for _, row in stability.iterrows():
        crit = str(row["criterion"])
        cells = [_e(by_id[crit].label if crit in by_id else crit), f"{100 * row['weight']:.1f} %"]
        for kind in kinds:
            held = _ids(row[kind])
            turns = []
            for side, word in (("below", "below"), ("above", "above")):
                then = _ids(row.get(f"{kind}_{side}"))
                if then:
                    turns.append(f"{word}: {_swap(results, held, then)}")
            detail = f'<br><span class="muted">{_e("; ".join(turns))}</span>' if turns else ""
            cells.append(_interval(row[f"{kind}_lo"], row[f"{kind}_hi"]) + detail)
        rows.append(cells)
    return (
        "<h3>Weight stability intervals</h3>"
        '<p class="muted">For each criterion, the range of its weight (the others rescaled in '
        "proportion) within which the result stays the same, and what changes just outside it. "
        "0 %–100 %: no weight of this criterion changes it.</p>" + _table(head, rows, num={1})
    )


def _membership_section(results: Results, membership: Any) -> str:
    """How often each candidate, and each whole portfolio, is the optimal choice."""
    p = membership.probability
    shown = p[p > 0].sort_values(ascending=False, kind="stable")
    chosen = set(results.portfolio.ids) if results.portfolio is not None else set()
    rows = [
        [
            _e(results.ranking["name"].get(i, i)) + (" ★" if i in chosen else ""),
            _share(v),
        ]
        for i, v in shown.items()
    ]
    portfolios = membership.portfolios.head(10)
    prow = [
        [_e(", ".join(_names(results, _ids(r["portfolio"])))), _share(r["share"])]
        for _, r in portfolios.iterrows()
    ]
    more = len(membership.portfolios) - len(portfolios)
    tail = f'<p class="muted">And {more} other portfolios, each less often.</p>' if more > 0 else ""
    return (
        "<h3>Portfolio membership</h3>"
        f'<p class="muted">Share of the {int(membership.draws):,} draws in which the optimal '
        f"portfolio contains the candidate (★: the study's portfolio); the other "
        f"{len(p) - len(shown)} candidates never enter it.</p>"
        + _table(["Candidate", "In the optimal portfolio"], rows, num={1})
        + "<h3>Optimal portfolios across the draws</h3>"
        + _table(["Sites", "Share of draws"], prow, num={1})
        + tail
    )


def _robustness_section(results: Results) -> str:
    """The robustness analysis (``results.sensitivity``): how sure the shortlist is."""
    sens = getattr(results, "sensitivity", None)
    if sens is None:
        return ""
    names = results.ranking["name"]
    order = [str(i) for i in results.ranking.index]
    labels = {c.id: c.label for c in results.study.criteria}
    smaa = sens.acceptability
    parts = [
        "<h2>How robust is the ranking?</h2>",
        _draws_sentence(sens, results.study.method.name),
    ]
    table = smaa.acceptability
    if not table.empty:
        rows = list(smaa.expected_rank.sort_values(kind="stable").index[:_ACCEPT_ROWS])
        shown = table.loc[rows].iloc[:, :_ACCEPT_RANKS]
        parts.append(
            "<h3>Rank acceptability</h3><figure>"
            + _acceptability_svg(shown, [str(names.get(i, i)) for i in rows])
            + f"<figcaption>Per cent of the {int(smaa.draws):,} weight draws in which each "
            "candidate takes each of the first ranks (SMAA-2, Lahdelma &amp; Salminen 2001); "
            "the best candidates by expected rank.</figcaption></figure>"
            + _summary_table(results, sens, order)
        )
    oat = sens.one_at_a_time
    if oat is not None and not oat.empty:
        parts.append(
            "<h3>One weight at a time</h3><figure>"
            + _oat_svg(oat, labels, names, order)
            + f"<figcaption>Rank of the best {_OAT_LINES} candidates as one criterion's weight "
            "goes from 0 to 100 % and the others shrink in proportion; the dashed line is the "
            "study's weight.</figcaption></figure>"
        )
    if sens.stability is not None and not sens.stability.empty:
        parts.append(_stability_table(results, sens.stability))
    if sens.membership is not None:
        parts.append(_membership_section(results, sens.membership))
    return "".join(parts)


def _reference_section(results: Results, crit_ids: list[str]) -> str:
    """The Novosibirsk reference scored under the same criteria, beside the best candidates."""
    ref = results.reference
    if ref is None or len(ref.sites) == 0:
        return ""
    sites = ref.sites
    by_id = {c.id: c for c in results.study.criteria}
    kept = results.ranking.index[results.ranking["excluded_reason"] == ""]
    # One footing for both: the weighted sum under the study's weights.
    candidate_sums = ref.candidates.reindex(kept)
    names = sites["name"] if "name" in sites else pd.Series(sites.index, index=sites.index)
    raw = ref.raw.reindex(index=sites.index, columns=crit_ids)
    best = results.top(1).index
    # Criteria down, sites across: a table that stays narrow however many criteria there are.
    head = ["", *(_e(names[sid]) for sid in sites.index)]
    if len(best):
        head.append(_e(results.ranking.at[best[0], "name"]) + " (best candidate)")
    rows = []
    for c in crit_ids:
        unit = f" ({by_id[c].unit})" if by_id[c].unit else ""
        row = [_e(by_id[c].label + unit), *(_fmt(raw.at[sid, c]) for sid in sites.index)]
        if len(best):
            row.append(_fmt(results.raw.at[best[0], c]))
        rows.append(row)
    scores, places = ["<strong>Score (weighted sum)</strong>"], ["<strong>Would rank</strong>"]
    for sid in sites.index:
        score = float(ref.score.get(sid, float("nan")))
        scores.append(f"<strong>{_fmt(score)}</strong>")
        places.append(f"{ref.places[sid]} of {len(kept) + 1}")
    if len(best):
        scores.append(f"<strong>{_fmt(candidate_sums.get(best[0]))}</strong>")
        places.append("1")
    rows = [scores, places, *rows]
    return (
        "<h2>The reference: Novosibirsk</h2>"
        '<p class="muted">The Novosibirsk science cities measured with the same criteria, value '
        "functions and weights (weighted sum), and where they would rank among the candidates. "
        "They are never ranked or chosen.</p>" + _table(head, rows, num=set(range(1, len(head))))
    )


def _map_section(results: Results) -> str:
    png = render_static_map(results, dpi=110)
    note = boundary_note(base_map(results))
    caveat = f"<br>Boundaries: {_e(note)}" if note else ""
    return (
        "<h2>Map</h2><figure>"
        + _png_img(png, "Map of the candidates coloured by score, the portfolio ringed in red")
        + "<figcaption>Candidates coloured by score (grey crosses: excluded); red rings: the "
        "portfolio. The interactive map (map.html) explains every score and lets you try other "
        f"weights.{caveat}</figcaption></figure>"
    )


def render_report(results: Results, *, lang: str | None = None) -> str:
    """The report as one HTML string (see :func:`write_report`)."""
    study = results.study
    crit_ids = [c.id for c in study.criteria if c.id in results.values.columns]
    kept = results.ranking["excluded_reason"].fillna("") == ""
    n_kept = int(kept.sum())
    description = f'<p class="lead">{_e(study.description)}</p>' if study.description else ""
    summary = (
        f"<p>{len(results.ranking)} candidates, {n_kept} of them ranked "
        f"({len(results.ranking) - n_kept} excluded by hard constraints), on {len(crit_ids)} "
        f"criteria. Criteria file: <code>{_e(Path(results.source).name)}</code>.</p>"
    )
    top = results.top(3)
    if not top.empty:
        summary += "<p>Best candidates: " + ", ".join(
            f"{_e(n)} ({_fmt(s)})" for n, s in zip(top["name"], top["score"], strict=True)
        )
        summary += "." + (
            " Chosen portfolio: "
            + ", ".join(_e(results.ranking["name"].get(i, i)) for i in results.portfolio.ids)
            + ".</p>"
            if results.portfolio is not None
            else "</p>"
        )
    sections = [
        _map_section(results),
        _ranking_section(results, crit_ids),
        _portfolio_section(results),
        _criteria_section(results, crit_ids, kept),
        _weights_section(results, crit_ids),
        _reference_section(results, crit_ids),
        _methods_section(results),
        _robustness_section(results),
    ]
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{_e(study.study)}: report</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(study.study)}</h1>{description}{summary}"
        + "".join(sections)
        + f'<p class="muted">Written by siting. Scores by {_e(study.method.name)}; every number '
        "above comes from the criteria file and the data layers it names.</p></body></html>\n"
    )


def write_report(
    results: Results,
    path: str | Path,
    *,
    lang: str | None = None,
) -> Path:
    """Write the report as one self-contained HTML file, atomically.

    Parameters
    ----------
    results
        The run.
    path
        Where to write (``report.html``).

    Returns
    -------
    Path
        ``path``.
    """
    return write_text(Path(path), render_report(results, lang=lang))
