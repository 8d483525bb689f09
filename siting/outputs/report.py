"""The report: one self-contained HTML file a minister can read without the tool, in three languages.

The answer comes first: a first page with the recommended sites, why, how sure the study is
and what would change the answer, in plain words (from :attr:`Results.recommendation` and the
binding rules' details), with the date, the criteria file and its hash, and the tool and data
versions.  Then the detail: contents, the map, every shortlisted town's strengths and what
holds it back, the ranking, the portfolio and its rules, robustness, method agreement,
criteria and value functions, weights, the Novosibirsk reference, what the data leave out, a
glossary, and the inputs.

The file holds the report in Kazakh, Russian and English, one after the other; a switch of
three radio buttons shows one of them with CSS alone, so that it works offline, with scripts
off and under the page's Content-Security-Policy (``default-src 'none'``: nothing is fetched,
no script runs).  It opens in the run's language.  Charts are inline SVG with their text as
text, drawn per language by :mod:`siting.outputs.svg`; the static map is the PNG of
:func:`~siting.outputs.static_map.render_static_map` in each language (the same bytes as
``map.png``).  Printed (A4), it shows the chosen language only, numbers its pages, keeps
headings with what follows and prints collapsed parts open.  Every text taken from data or
from the criteria file goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting import value as value_functions
from siting.i18n import LANGUAGES, NATIVE_NAMES, Translator, render, translator
from siting.outputs.files import write_text
from siting.outputs.manifest import versions
from siting.outputs.map.payload import boundary_note
from siting.outputs.static_map import render_static_map
from siting.outputs.surface_report import SURFACE_TITLE, surface_section
from siting.outputs.svg import LineChart, Series
from siting.outputs.words import GLOSSARY, Words, data_fingerprint, local
from siting.results import Results
from siting.spec import Criterion, Decay, Measure

__all__ = ["render_report", "value_function_svg", "write_report"]

_COLOURS = ["#3b6fb6", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
_MAX_ROWS = 100  # longer tables are cut, with a note: the CSV holds them all
_PRINT_ROWS = 25  # ranks printed (the screen shows them all)
_DETAIL_ROWS = 20  # candidates in the printed tables of every contribution and every method rank
_ACCEPT_ROWS = 15  # candidates in the rank-acceptability table, best expected rank first
_ACCEPT_RANKS = 10  # first ranks shown there
_OAT_LINES = 5  # candidates drawn in each one-at-a-time chart
_SHORTLIST = 3  # the "top 3" of the robustness table
_MAP_DPI = 150  # the report shows map.png itself

_CSS = """
:root { --ink: #1d1d1f; --muted: #5f6368; --line: #e2e2e2; --accent: #2f5f9e; --warn: #b3261e; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans",
  sans-serif; color: var(--ink); max-width: 980px; margin: 0 auto; padding: 0 16px 40px;
  overflow-wrap: break-word; }
h1 { font-size: 26px; line-height: 1.25; margin: 8px 0 6px; }
h2 { font-size: 20px; margin: 30px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 3px; }
h3 { font-size: 16px; margin: 16px 0 4px; }
p, ul, ol { margin: 6px 0 10px; } ul, ol { padding-left: 22px; }
a { color: var(--accent); }
.kicker { text-transform: uppercase; letter-spacing: .04em; font-size: 12px; color: var(--muted);
  margin: 14px 0 0; }
.lead { font-size: 16px; color: #333; }
.muted, figcaption, .terms { color: var(--muted); font-size: 13.5px; }
.answer { border: 2px solid var(--accent); border-radius: 8px; padding: 4px 16px 8px; margin: 14px 0; }
.answer h2 { border: 0; margin-top: 10px; }
.headline { font-size: 21px; font-weight: 650; line-height: 1.35; margin: 6px 0; }
.close { color: var(--warn); font-weight: 600; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font-size: 13px;
  color: var(--muted); margin: 10px 0; }
.meta dt { font-weight: 600; } .meta dd { margin: 0; }
code, .hash { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px;
  overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13.5px; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #f4f4f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.excluded td { color: #888; } tr.chosen td { font-weight: 600; }
.verdicts td { min-width: 9em; } .verdicts ul { margin: 0; padding-left: 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 290px), 1fr));
  gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.card h3 { margin-top: 2px; }
figure { margin: 8px 0; } figure img, svg.chart { max-width: 100%; height: auto; display: block; }
.pill { display: inline-block; padding: 0 7px; border-radius: 8px; background: #eee; font-size: 12px; }
.bars { width: 100%; } .bars td { border: 0; padding: 2px 6px; } .bars td.bar { width: 45%; }
.bar span { display: block; height: 12px; border-radius: 2px; }
.heat td.num { color: #222; } .heat td.hi { color: #fff; }
.legend span { display: inline-block; margin-right: 12px; font-size: 13px; }
.legend i { display: inline-block; width: 14px; height: 3px; margin-right: 4px; vertical-align: middle; }
.toc ol, ol.key { columns: 2 16em; }
.glossary dt { font-weight: 600; margin-top: 6px; } .glossary dd { margin: 0 0 4px; }
svg.chart text { font-size: 10px; fill: #333; }
svg.chart text.axis { font-size: 11px; fill: #222; }
.pick { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; }
.switch { display: flex; flex-wrap: wrap; gap: 6px; justify-content: flex-end; padding: 10px 0 0; }
.switch label { border: 1px solid var(--accent); border-radius: 14px; padding: 3px 12px;
  cursor: pointer; color: var(--accent); font-size: 14px; }
.lang { display: none; }
#pick-kk:checked ~ .lang-kk, #pick-ru:checked ~ .lang-ru, #pick-en:checked ~ .lang-en { display: block; }
#pick-kk:checked ~ .switch label[for="pick-kk"], #pick-ru:checked ~ .switch label[for="pick-ru"],
#pick-en:checked ~ .switch label[for="pick-en"] { background: var(--accent); color: #fff; }
#pick-kk:focus-visible ~ .switch label[for="pick-kk"], #pick-ru:focus-visible ~ .switch label[for="pick-ru"],
#pick-en:focus-visible ~ .switch label[for="pick-en"] { outline: 2px solid var(--ink); }
.more { position: absolute; opacity: 0; width: 1px; height: 1px; }
.more + label { display: inline-block; cursor: pointer; color: var(--accent); margin: 4px 0; }
.more + label::before { content: "▸ "; } .more:checked + label::before { content: "▾ "; }
.more:not(:checked) + label + .more-body { display: none; }
.more:focus-visible + label { outline: 2px solid var(--ink); }
.print-only { display: none; }
@media (max-width: 600px) {
  body { font-size: 15px; padding: 0 12px 32px; } h1 { font-size: 22px; } .headline { font-size: 18px; }
  .meta { grid-template-columns: 1fr; } .meta dd { margin-bottom: 4px; }
  table { font-size: 12.5px; } th, td { padding: 3px 5px; }
}
@page { size: A4; margin: 14mm 13mm 16mm;
  @bottom-center { content: counter(page) " / " counter(pages); font: 9pt sans-serif; color: #555; } }
@media print {
  body { font-size: 9pt; line-height: 1.35; max-width: none; padding: 0; }
  h1 { font-size: 16pt; } h2 { font-size: 12.5pt; margin: 10pt 0 4pt; } h3 { font-size: 10pt; margin: 8pt 0 3pt; }
  p, ul, ol { margin: 3pt 0 5pt; }
  .headline { font-size: 13pt; } .answer { padding: 2pt 10pt 4pt; }
  .muted, figcaption, .terms { font-size: 8pt; }
  h2, h3, .keep-next { break-after: avoid-page; page-break-after: avoid; }
  .keep, figure, tr, .card, .answer li, .glossary div, svg.chart { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .switch, .more + label { display: none; }
  .more:not(:checked) + label + .more-body { display: block; }
  .cover { break-after: page; page-break-after: always; }
  .scroll { overflow: visible; }
  table { font-size: 7.5pt; width: 100%; } th, td { padding: 1pt 4pt; }
  .verdicts td:nth-child(4), .verdicts td:nth-child(5) { width: 38%; }
  .verdicts td { min-width: 0; } .verdicts ul, .gaps ul { padding-left: 10pt; }
  .cards { grid-template-columns: repeat(3, 1fr); gap: 5pt; } .card { padding: 3pt 5pt; }
  .card p { font-size: 7.5pt; margin: 2pt 0; } .card h3 { font-size: 8.5pt; margin: 0 0 2pt; }
  .toc ol, ol.key, .glossary { columns: 2; column-gap: 14pt; }
  a { color: inherit; text-decoration: none; }
  .map img { max-height: 120mm; width: auto; max-width: 100%; margin: 0 auto; }
  .bars td { padding: 0 4pt; }
  tr.tail { display: none; } .print-only { display: block; }
  .cards.small { grid-template-columns: repeat(4, 1fr); }
  .meta { grid-template-columns: fit-content(30%) 1fr fit-content(30%) 1fr; gap: 0 8pt; }
  /* The answer fits its page in every language: Russian and Kazakh run a third longer. */
  .cover { font-size: 8.3pt; line-height: 1.27; }
  .cover .terms, .cover .meta { font-size: 7pt; } .cover .meta { margin: 4pt 0 0; }
  .cover h3 { margin: 5pt 0 2pt; } .cover p, .cover ul { margin: 2pt 0 3pt; }
}
"""


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _table(
    head: list[str],
    rows: Iterable[list[str]],
    *,
    num: set[int] | None = None,
    classes: list[str] | None = None,
    css: str = "",
) -> str:
    """An HTML table from cells that are already escaped, in a box that scrolls on a phone.

    ``num`` marks right-aligned columns; ``classes`` gives each row a CSS class.
    """
    num = num or set()
    th = "".join(f"<th{' class=num' if i in num else ''}>{h}</th>" for i, h in enumerate(head))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{classes[r]}"' if classes and classes[r] else ""
        tds = "".join(f"<td{' class=num' if i in num else ''}>{c}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{tds}</tr>")
    table_css = f' class="{css}"' if css else ""
    return (
        f'<div class="scroll"><table{table_css}><thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _ids(cell: object) -> list[str]:
    return [s for s in str(cell or "").split(";") if s]


def _present(obj: object) -> bool:
    """Whether an optional result is there: not None and, for a table, not empty."""
    if obj is None:
        return False
    if isinstance(obj, pd.DataFrame | pd.Series):
        return not obj.empty
    if isinstance(obj, Mapping | list | tuple):
        return len(obj) > 0
    return True


# --------------------------------------------------------------------------- value functions


def _curve(criterion: Criterion, raw: pd.Series, kept: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Sample the criterion's value function over its defining points and the candidates' range."""
    spec = criterion.value
    finite = raw[np.isfinite(raw)].to_numpy(dtype=float)
    # only the range matters: its ends, not a Python float per candidate
    marks: list[float] = [float(finite.min()), float(finite.max())] if finite.size else []
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
    xs = np.linspace(lo - pad, hi + pad, 121)
    if spec.piecewise is not None:  # the kinks exactly, not between two samples
        xs = np.sort(np.append(xs, [float(p[0]) for p in spec.piecewise.points]))
    if spec.threshold is not None:  # draw the step as a step, not a steep slope
        xs = np.sort(np.append(xs, [spec.threshold.at, np.nextafter(spec.threshold.at, -np.inf)]))
    among = raw[kept & np.isfinite(raw)].to_numpy(dtype=float)
    ys = value_functions.apply(criterion, xs, among=among if among.size else None)
    return xs, ys


def value_function_svg(
    criterion: Criterion,
    raw: pd.Series,
    values: pd.Series,
    kept: pd.Series,
    *,
    lang: str = "en",
) -> str:
    """A small chart of one value function with the candidates on it, as an inline ``<svg>``.

    Parameters
    ----------
    criterion
        The criterion (its value function, direction and unit).
    raw, values
        The candidates' raw values and value-function outputs for this criterion.
    kept
        Which candidates passed the exclusions (drawn filled, in ``<g class="kept">``; the
        others hollow, in ``<g class="excluded">``).
    lang
        Language of the axis titles and numbers.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    t = translator(lang)
    xs, ys = _curve(criterion, raw, kept)
    unit = local(criterion.unit, t.lang) if criterion.unit is not None else t("raw value")
    span = float(xs.max() - xs.min())

    def fmt(v: float) -> str:
        return t.integer(v) if span >= 20 or float(v).is_integer() else t.number(v, 1)

    chart = LineChart(
        width=300,
        height=170,
        x_range=(float(xs.min()), float(xs.max())),
        y_range=(-0.05, 1.05),
        x_label=unit,
        y_label=t("value"),
        x_format=fmt,
        y_format=lambda v: t.number(v, 1),
        y_ticks=(0.0, 0.5, 1.0),
        title=t("Value function of {criterion}", criterion=local(criterion.label, t.lang)),
    )
    chart.add(Series(xs, ys, colour="#3b6fb6", kind="line"))
    r = raw.to_numpy(dtype=float)
    v = values.to_numpy(dtype=float)
    k = kept.to_numpy(dtype=bool)
    chart.add(Series(r[k], v[k], colour="#222", kind="dots", css="kept"))
    if (~k & np.isfinite(r) & np.isfinite(v)).any():
        chart.add(Series(r[~k], v[~k], colour="#999", kind="rings", css="excluded"))
    return chart.svg()


# --------------------------------------------------------------------------- one language


@dataclass
class _Page:
    """The report in one language: every section, with terms glossed where first used."""

    results: Results
    t: Translator
    today: dt.date
    map_png: bytes | None
    versions: dict[str, str] = field(default_factory=dict)
    words: Words = field(init=False)
    glossed: set[str] = field(default_factory=set, init=False)
    used: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.words = Words(self.results, self.t)

    # ---------------------------------------------------------------- helpers

    def id(self, name: str) -> str:
        """An anchor unique to this language's rendering."""
        return f"{self.t.lang}-{name}"

    def name(self, cid: object) -> str:
        return _e(self.words.name(cid))

    def names(self, ids: Iterable[object]) -> str:
        return _e(", ".join(self.words.names(ids)))

    def num(self, x: object, digits: int = 3) -> str:
        if x is None or x is pd.NA:
            return "–"
        try:
            v = float(x)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return _e(x)
        return _e(self.t.number(v, digits))

    def share(self, p: object) -> str:
        if p is None or p is pd.NA:
            return "–"
        return _e(self.words.share(float(p)))  # type: ignore[arg-type]

    def rank(self, r: object) -> str:
        return "–" if r is None or pd.isna(r) else _e(self.t.integer(int(r)))  # type: ignore[call-overload]

    def term(self, key: str) -> str:
        """A term linked to its glossary entry."""
        self.used.add(key)
        return f'<a href="#{self.id("g-" + key)}">{_e(self.words.term(key).name)}</a>'

    def gloss(self, *keys: str) -> str:
        """Plain-language glosses of the terms not yet glossed on this page (once per page)."""
        new = [k for k in keys if k not in self.glossed]
        self.glossed.update(new)
        self.used.update(new)
        if not new:
            return ""
        items = []
        for k in new:
            term = self.words.term(k)
            items.append(f'<a href="#{self.id("g-" + k)}">{_e(term.name)}</a>: {_e(term.gloss)}')
        return f'<p class="terms">{" ".join(items)}</p>'

    def section(self, key: str, title: str, body: str, intro: str = "") -> str:
        """A section: its heading kept with its first lines when printed."""
        if not body:
            return ""
        return (
            f'<section id="{self.id(key)}"><div class="keep"><h2>{_e(title)}</h2>{intro}</div>'
            f"{body}</section>"
        )

    def more(self, key: str, label: str, body: str) -> str:
        """A collapsed part (a checkbox and its label; printed open)."""
        box = self.id("more-" + key)
        return (
            f'<input type="checkbox" class="more" id="{box}"><label for="{box}">{_e(label)}</label>'
            f'<div class="more-body">{body}</div>'
        )

    # ---------------------------------------------------------------- the page

    def render(self) -> str:
        t = self.t
        # The cover first: the terms it glosses are not glossed again further down.
        cover = self.cover()
        sections = [
            ("map", t("Map"), self.map_section()),
            ("surface", t(SURFACE_TITLE), surface_section(self.results, t)),
            ("shortlist", t("Strengths and what holds each back"), self.shortlist_section()),
            ("ranking", t("Ranking"), self.ranking_section()),
            ("portfolio", t("The chosen sites and their rules"), self.portfolio_section()),
            ("robustness", t("How sure is the answer?"), self.robustness_section()),
            ("stakeholders", t("The stakeholders"), self.stakeholders_section()),
            ("methods", t("Do the methods agree?"), self.methods_section()),
            ("criteria", t("Criteria and value functions"), self.criteria_section()),
            ("weights", t("Weights"), self.weights_section()),
            ("reference", t("The reference: Novosibirsk"), self.reference_section()),
            ("gaps", t("What the data leave out"), self.gaps_section()),
        ]
        # The glossary lists every term used, so it is written after the sections.
        sections.append(("glossary", t("Glossary"), self.glossary_section()))
        sections.append(("inputs", t("Inputs and versions"), self.inputs_section()))
        shown = [(k, title, body) for k, title, body in sections if body]
        toc = "".join(f'<li><a href="#{self.id(k)}">{_e(title)}</a></li>' for k, title, _ in shown)
        body = "".join(self.section(k, title, html) for k, title, html in shown)
        contents = (
            f'<nav class="toc" id="{self.id("contents")}"><h2>{_e(t("Contents"))}</h2>'
            f"<ol>{toc}</ol></nav>"
        )
        lang = t.lang
        return (
            f'<div class="lang lang-{lang}" lang="{lang}">{cover}{contents}{self.about()}'
            f"{body}"
            f'<p class="muted">{_e(t("Written by siting. Every number comes from the criteria file and the data layers it names."))}</p></div>'
        )

    # ---------------------------------------------------------------- first page

    def cover(self) -> str:
        t, w, results = self.t, self.words, self.results
        study = results.study
        title = local(study.study, t.lang)
        answer = [
            f'<h2 id="{self.id("answer")}">{_e(t("The answer"))}</h2>',
            f'<p class="headline">{_e(w.headline())}</p>',
        ]
        answer += [f'<p class="close">{_e(s)}</p>' for s in w.close_calls()]
        if w.limit_note():
            answer.append(f'<p class="close">{_e(w.limit_note())}</p>')
        rec = results.recommendation
        if rec is not None:
            why = "".join(f"<li>{self.why(v.id)}</li>" for v in rec.sites)
            answer.append(f"<h3>{_e(t('Why these sites'))}</h3><ul>{why}</ul>")
        sure = "".join(f"<li>{_e(s)}</li>" for s in w.how_sure())
        answer.append(f"<h3>{_e(t('How sure'))}</h3><ul>{sure}</ul>")
        change = [w.binding(d) for d in self._details() if d.get("binds")]
        alternative = w.alternative()
        if alternative:
            change.append(alternative)
        if change:
            items = "".join(f"<li>{_e(s)}</li>" for s in change)
            answer.append(f"<h3>{_e(t('What would change it'))}</h3><ul>{items}</ul>")
        keys = ["score", "portfolio", "binding_rule", "total_score"]
        if results.sensitivity is not None:
            keys.append("smaa")
        if rec is not None and any(not v.firm for v in rec.sites):
            keys += ["close_call", "contender"]
        answer.append(self.gloss(*keys))
        return (
            f'<header class="cover"><p class="kicker">{_e(t("Site selection report"))}</p>'
            f'<h1>{_e(title)}</h1><section class="answer">{"".join(answer)}</section>'
            f"{self.meta()}</header>"
        )

    def about(self) -> str:
        """What the study is for, in its own words (the criteria file's description)."""
        description = self.results.study.description
        if not description:
            return ""
        return (
            f"<h3>{_e(self.t('About this study'))}</h3>"
            f'<p class="lead">{_e(local(description, self.t.lang))}</p>'
        )

    def why(self, cid: str) -> str:
        """A chosen site: its rank and score, what makes it strong, what holds it back."""
        t, w = self.t, self.words
        strong, weak = w.strengths(cid, inline=True), w.weaknesses(cid, inline=True)
        text = f"<strong>{self.name(cid)}</strong> ({_e(w.standing(cid))})"
        if strong:
            text += "<br>" + _e(t("Strong on: {items}.", items="; ".join(strong)))
        if weak:
            text += "<br>" + _e(t("Held back by: {items}.", items="; ".join(weak)))
        return text

    def _details(self) -> list[dict[str, Any]]:
        p = self.results.portfolio
        return list(p.binding_details) if p is not None else []

    def meta(self) -> str:
        """Date, criteria file and hash, tool and data versions: what this report is of."""
        t, results = self.t, self.results
        first = next(iter(results.inputs.items()), None)
        study_file = Path(first[0]).name if first else Path(results.source).name
        digest = first[1][:16] if first else "–"
        tool = self.versions.get("siting", "–")
        rows = [
            (t("Date"), _e(t.date(self.today))),
            (
                t("Criteria file"),
                f"<code>{_e(study_file)}</code> · {_e(t('SHA-256'))} "
                f'<span class="hash">{_e(digest)}…</span>',
            ),
            (t("Tool"), _e(t("siting {version}", version=tool))),
            (
                t("Data"),
                _e(
                    t.plural(
                        "{n} layer file, fingerprint {fingerprint}",
                        "{n} layer files, fingerprint {fingerprint}",
                        max(len(results.inputs) - 1, 0),
                        fingerprint=data_fingerprint(results),
                    )
                )
                + f' (<a href="#{self.id("inputs")}">{_e(t("list"))}</a>)',
            ),
            (t("Method"), _e(self.words.method(results.study.method.name))),
            (t("Seed"), _e(str(results.study.seed))),
        ]
        items = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in rows)
        return f'<dl class="meta">{items}</dl>'

    # ---------------------------------------------------------------- map

    def map_section(self) -> str:
        t = self.t
        if self.map_png is None:
            return ""
        data = base64.b64encode(self.map_png).decode("ascii")
        alt = t("Map of the candidates coloured by score, the chosen sites ringed in red")
        text = boundary_note(self.words.results.boundaries, t.lang)
        caveat = "<br>" + _e(t("Boundaries: {note}", note=text)) if text else ""
        return (
            f'<figure class="map"><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
            f"<figcaption>"
            + _e(
                t(
                    "Candidates coloured by score (grey crosses: excluded); red rings: the chosen "
                    "sites, dashed where a site is a close call, with its contender in orange. "
                    "The interactive map (map.html) explains every score and lets you try other "
                    "weights."
                )
            )
            + f"{caveat}</figcaption></figure>"
        )

    # ---------------------------------------------------------------- shortlist

    def shortlist_section(self) -> str:
        t, w, results = self.t, self.words, self.results
        rec = results.recommendation
        if rec is None:
            return ""
        chosen = set(results.portfolio.ids) if results.portfolio is not None else set()
        rows, classes = [], []
        for v in rec.shortlist:
            strong = "".join(f"<li>{_e(s)}</li>" for s in w.strengths(v.id))
            weak = "".join(f"<li>{_e(s)}</li>" for s in w.weaknesses(v.id))
            star = " ★" if v.id in chosen else ""
            share = ""
            if v.share is not None and results.portfolio is not None:
                share = "<br>" + _e(
                    t("in the best portfolio in {share} of draws", share=w.share(v.share))
                )
            rows.append(
                [
                    self.rank(v.rank),
                    f"{self.name(v.id)}{star}{share}",
                    self.num(v.score),
                    f"<ul>{strong}</ul>" if strong else "–",
                    f"<ul>{weak}</ul>" if weak else "–",
                ]
            )
            classes.append("chosen" if v.id in chosen else "")
        leader = w.name(rec.leader)
        intro = _e(
            t(
                "The ten best-ranked towns and every chosen site (★). Strengths are the criteria "
                "on which a town gains most against the average candidate; what holds it back, "
                "where it loses most against the leader, {leader} (for the leader itself: "
                "against the runner-up), with the score that costs it.",
                leader=leader,
            )
        )
        return f'<p class="muted">{intro}</p>' + _table(
            [
                _e(t("Rank")),
                _e(t("Candidate")),
                _e(t("Score")),
                _e(t("Strengths")),
                _e(t("What holds it back")),
            ],
            rows,
            num={0, 2},
            classes=classes,
            css="verdicts",
        )

    # ---------------------------------------------------------------- ranking

    def ranking_section(self) -> str:
        t, w, results = self.t, self.words, self.results
        ranking = results.ranking
        chosen = set(results.portfolio.ids) if results.portfolio is not None else set()
        method = results.study.method.name
        others = [m for m in results.method_ranks.columns if m != method]
        head = [_e(t("Rank")), _e(t("Candidate")), _e(t("Score"))]
        head += [_e(t("Rank by {method}", method=w.method(m))) for m in others]
        head.append(_e(t("Excluded because")))
        rows, classes = [], []
        for cid, row in ranking.head(_MAX_ROWS).iterrows():
            reason = w.exclusion_reason(str(cid))
            cells = [
                self.rank(row["rank"]),
                self.name(cid) + (" ★" if cid in chosen else ""),
                self.num(row["score"]),
            ]
            for m in others:
                r = results.method_ranks[m].get(cid)
                cells.append(self.rank(r))
            cells.append(_e(reason))
            rows.append(cells)
            cls = "excluded" if reason else ("chosen" if cid in chosen else "")
            rank = row["rank"]
            # A printed page lists the head of the ranking and the excluded towns.
            if not reason and not pd.isna(rank) and int(rank) > _PRINT_ROWS and cid not in chosen:
                cls = "tail"
            classes.append(cls)
        more = (
            f'<p class="muted">{_e(t("First {n} of {total} candidates; ranking.csv has them all.", n=t.integer(_MAX_ROWS), total=t.integer(len(ranking))))}</p>'
            if len(ranking) > _MAX_ROWS
            else ""
        )
        intro = (
            f'<p class="muted">{_e(t("Scores by the study method; ★ marks the chosen sites."))}'
            f" {self.term(method) if method in {g.key for g in GLOSSARY} else ''}</p>"
        )
        intro += self.gloss(method, *[m for m in others if m in {g.key for g in GLOSSARY}])
        table = _table(head, rows, num=set(range(len(head) - 1)) - {1}, classes=classes)
        tail = classes.count("tail")
        printed = (
            '<p class="print-only muted">'
            + _e(
                t.plural(
                    "Printed: the first {first} and the excluded towns; {n} more is in the "
                    "report on screen and in ranking.csv.",
                    "Printed: the first {first} and the excluded towns; {n} more are in the "
                    "report on screen and in ranking.csv.",
                    tail,
                    first=t.integer(_PRINT_ROWS),
                )
            )
            + "</p>"
            if tail
            else ""
        )
        return (
            intro
            + table
            + printed
            + more
            + self.more(
                "contributions",
                t("Every contribution (the best {n})", n=t.integer(_DETAIL_ROWS)),
                self._contributions(),
            )
        )

    def _contributions(self) -> str:
        t, w, results = self.t, self.words, self.results
        crit_ids = [c.id for c in results.study.criteria if c.id in results.contributions.columns]
        top = list(results.top(_DETAIL_ROWS).index)
        contributions = results.contributions.reindex(index=top, columns=crit_ids)
        # Criteria by number: their labels are too long for the columns of a printed page.
        head = [_e(t("Candidate"))] + [_e(t.integer(k + 1)) for k in range(len(crit_ids))]
        head.append(_e(t("Score")))
        rows = []
        for cid in top:
            row = [self.name(cid)]
            row += [self.num(contributions.at[cid, c]) for c in crit_ids]
            row.append(self.num(results.ranking.at[cid, "score"]))
            rows.append(row)
        key = "".join(f"<li>{_e(w.criterion(c))}</li>" for c in crit_ids)
        note = _e(
            t(
                "Each cell is the criterion's value (0–1) times its weight; a row adds up to the "
                "weighted-sum score. ranking.csv has every candidate, raw value and value."
            )
        )
        return (
            f'<p class="muted">{note}</p>'
            + _table(head, rows, num=set(range(1, len(head))))
            + f'<ol class="key muted">{key}</ol>'
        )

    # ---------------------------------------------------------------- portfolio

    def portfolio_section(self) -> str:
        t, w, results = self.t, self.words, self.results
        p = results.portfolio
        if p is None:
            return ""
        spec = results.study.portfolio
        sites = "".join(
            f"<li>{self.name(i)} ({_e(t('score'))} {self.num(results.ranking['score'].get(i))})</li>"
            for i in p.ids
        )
        rules = [w.rule(d) for d in self._details()]
        count = spec.sites if spec is not None else len(p.ids)
        rules_text = t.plural("{n} site", "{n} sites", count)
        if rules:
            rules_text += "; " + "; ".join(rules)
        solver = f"{p.solver} {p.solver_version}"
        solved = (
            t(
                "Solved exactly by {solver} ({status}); total score {total}.",
                solver=solver,
                status=w.status(p.status),
                total=self.t.number(p.objective, 3),
            )
            if p.proven
            else t(
                "Found by {solver} ({status}); total score {total}.",
                solver=solver,
                status=w.status(p.status),
                total=self.t.number(p.objective, 3),
            )
        )
        parts = [
            self.gloss("portfolio", "integer_program", "total_score", "binding_rule"),
            f"<p>{_e(t('Rules: {rules}.', rules=rules_text))} " + _e(solved) + "</p>",
            f"<ol>{sites}</ol>",
        ]
        if not p.proven:
            parts.append(f'<p class="close">{_e(w.limit_note())}</p>')
        note = w.grouping_note()
        if note is not None:
            word = w.group_word()
            parts.append(f'<p class="terms">{_e(word[:1].upper() + word[1:])}: {_e(note)}</p>')
        binding = [w.binding(d) for d in self._details() if d.get("binds")]
        loose = [w.binding(d) for d in self._details() if not d.get("binds")]
        none = (
            t("None: the best-scoring sites already obey every rule.")
            if p.proven
            else t(
                "Not known: a rule binds when dropping it changes the optimum, and this "
                "portfolio is not proved optimal."
            )
        )
        items = "".join(f"<li>{_e(s)}</li>" for s in binding) or f"<li>{_e(none)}</li>"
        parts.append(f"<h3>{_e(t('Rules that bind'))}</h3><ul>{items}</ul>")
        if loose:
            parts.append(
                "<ul>" + "".join(f'<li class="muted">{_e(s)}</li>' for s in loose) + "</ul>"
            )
        coverage = spec.coverage if spec is not None else None
        if coverage is not None:
            parts.append(self.gloss("population_covered"))
            covered = p.population_covered
            parts.append(
                '<p class="muted">'
                + _e(
                    t(
                        "A site serves the people within {km} km: {people} live within reach of "
                        "the chosen sites.",
                        km=w.quantity(coverage.radius_km),
                        people=t.integer(covered) if covered is not None else "–",
                    )
                )
                + "</p>"
            )
        parts.append(self.alternatives())
        parts.append(self.pareto())
        return "".join(parts)

    def alternatives(self) -> str:
        t, w, results = self.t, self.words, self.results
        if not results.alternatives or results.portfolio is None:
            return ""
        scores = results.ranking["score"].astype(float)
        best = [str(i) for i in results.portfolio.ids]
        best_total = float(scores.reindex(best).sum())
        rows = []
        for k, alt in enumerate(results.alternatives):
            ids = [str(i) for i in alt.ids]
            total = float(scores.reindex(ids).sum())
            dropped = [i for i in best if i not in ids]
            added = [i for i in ids if i not in best]
            if len(dropped) == 1 and len(added) == 1:
                swap = t("{new} instead of {old}", new=w.name(added[0]), old=w.name(dropped[0]))
            else:
                swap = t(
                    "without {old}; with {new}",
                    old=w.both(w.names(dropped)),
                    new=w.both(w.names(added)),
                )
            rows.append(
                [
                    _e(t.integer(k + 1)),
                    self.names(ids),
                    self.num(total, 3),
                    self.num(best_total - total, 3),
                    _e(swap),
                ]
            )
        return (
            f"<h3>{_e(t('Alternative portfolios'))}</h3>"
            + self.gloss("alternative")
            + _table(
                [
                    "#",
                    _e(t("Sites")),
                    _e(t("Total score")),
                    _e(t("Below the best")),
                    _e(t("Against the best")),
                ],
                rows,
                num={0, 2, 3},
            )
        )

    def pareto(self) -> str:
        t, results = self.t, self.results
        front = results.pareto
        if front is None or len(front) == 0:
            return ""
        front = front.sort_values("population_covered", kind="stable").reset_index(drop=True)
        x = front["population_covered"].to_numpy(dtype=float)
        y = front["total_score"].to_numpy(dtype=float)
        optimal = (
            front["optimal_for_score"].to_numpy(dtype=bool)
            if "optimal_for_score" in front
            else np.zeros(len(front), dtype=bool)
        )
        xpad = (x.max() - x.min()) * 0.08 or max(abs(x.max()) * 0.05, 1.0)
        ypad = (y.max() - y.min()) * 0.12 or max(abs(y.max()) * 0.05, 0.01)
        chart = LineChart(
            width=460,
            height=230,
            x_range=(float(x.min() - xpad), float(x.max() + xpad)),
            y_range=(float(y.min() - ypad), float(y.max() + ypad)),
            x_label=t("population covered"),
            y_label=t("total score"),
            x_format=lambda v: t.integer(v),
            y_format=lambda v: t.number(v, 2),
            title=t("Pareto front: total score against population covered"),
            margin=(10, 16, 34, 50),
        )
        chart.add(Series(x, y, colour="#9bb5dc", kind="line"))
        labels = [t.integer(k + 1) for k in range(len(x))]
        chart.add(Series(x, y, colour="#3b6fb6", kind="dots", css="pareto-points", labels=labels))
        if optimal.any():
            chart.add(Series(x[optimal], y[optimal], colour="#d62728", kind="rings"))
        rows = []
        for k, (_, row) in enumerate(front.iterrows()):
            share = row.get("covered_share")
            star = " ★" if bool(row.get("optimal_for_score", False)) else ""
            rows.append(
                [
                    f"{_e(t.integer(k + 1))}{star}",
                    _e(t.integer(float(row["population_covered"]))),
                    "" if share is None or pd.isna(share) else _e(t.percent(float(share), 1)),
                    self.num(row["total_score"], 3),
                    self.names(row["ids"]),
                ]
            )
        caption = t(
            "Each point is a portfolio under the same rules that no other beats on both total "
            "score and people within reach; red ring and ★: the best total score."
        )
        return (
            f"<h3>{_e(t('Total score against population covered'))}</h3>"
            + self.gloss("pareto")
            + f"<figure>{chart.svg()}<figcaption>{_e(caption)}</figcaption></figure>"
            + _table(
                [
                    "#",
                    _e(t("Population covered")),
                    _e(t("Share")),
                    _e(t("Total score")),
                    _e(t("Sites")),
                ],
                rows,
                num={0, 1, 2, 3},
            )
        )

    # ---------------------------------------------------------------- robustness

    def robustness_section(self) -> str:
        t, results = self.t, self.results
        sens = results.sensitivity
        if sens is None:
            return ""
        parts = [self.gloss("smaa"), f"<p>{_e(self.draws_sentence())}</p>"]
        smaa = sens.acceptability
        table = smaa.acceptability
        if not table.empty:
            parts.append(f"<h3>{_e(t('Rank acceptability'))}</h3>" + self.gloss("acceptability"))
            parts.append(self.heat_table())
            parts.append(self.summary_table())
        oat = sens.one_at_a_time
        if oat is not None and not oat.empty:
            parts.append(f"<h3>{_e(t('One weight at a time'))}</h3>" + self.gloss("one_at_a_time"))
            parts.append(self.oat_charts(oat))
        if sens.stability is not None and not sens.stability.empty:
            parts.append(self.stability_table(sens.stability))
        if sens.membership is not None:
            parts.append(self.membership())
        return "".join(parts)

    def draws_sentence(self) -> str:
        t, results = self.t, self.results
        sens = results.sensitivity
        assert sens is not None
        options = getattr(sens, "options", None) or {}
        text = t(
            "{n} random weightings were drawn, every possible weighting as likely as any other, "
            "with seed {seed} (the same seed gives the same figures).",
            n=t.integer(int(sens.acceptability.draws)),
            seed=str(int(sens.seed)),
        )
        if options.get("bounds"):
            text += " " + t("Each weight stayed within its stated range.")
        if options.get("order"):
            text += " " + t("The stated order of importance was kept.")
        if options.get("value_uncertainty"):
            text += " " + t(
                "The criterion values varied within their stated uncertainty at every draw."
            )
        text += " " + t("Every draw scores the candidates with the weighted sum.")
        if sens.membership is not None:
            text += " " + t(
                "The best portfolio was found again for {n} of these draws.",
                n=t.integer(int(sens.membership.draws)),
            )
        if results.study.method.name != "weighted_sum":
            text += " " + t(
                "The ranking above uses {method}; these figures use the weighted sum, so a "
                "town's rank and its chances can disagree.",
                method=self.words.method(results.study.method.name),
            )
        return text

    def heat_table(self) -> str:
        t, results = self.t, self.results
        sens = results.sensitivity
        assert sens is not None
        smaa = sens.acceptability
        rows_ids = list(smaa.expected_rank.sort_values(kind="stable").index[:_ACCEPT_ROWS])
        shown = smaa.acceptability.loc[rows_ids].iloc[:, :_ACCEPT_RANKS]
        head = "".join(
            [f"<th>{_e(t('Candidate'))}</th>"]
            + [f"<th class=num>{_e(t.integer(int(c)))}</th>" for c in shown.columns]
        )
        rows = []
        for cid in rows_ids:
            cells = "".join(_heat_cell(v, t) for v in shown.loc[cid].to_numpy(dtype=float))
            rows.append(f"<tr><td>{self.name(cid)}</td>{cells}</tr>")
        caption = t(
            "Per cent of the {n} weight draws in which each town takes each of the first ranks "
            "(columns: rank); the towns with the best expected rank.",
            n=t.integer(int(smaa.draws)),
        )
        table = (
            f'<div class="scroll"><table class="heat"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )
        return table + f'<p class="muted">{_e(caption)}</p>'

    def summary_table(self) -> str:
        t, results = self.t, self.results
        sens = results.sensitivity
        assert sens is not None
        smaa = sens.acceptability
        table = smaa.acceptability
        k = min(_SHORTLIST, table.shape[1])
        first = table.iloc[:, 0]
        top = table.iloc[:, :k].sum(axis=1)
        member = sens.membership.probability if sens.membership is not None else None
        keep = top > 0
        if member is not None:
            keep |= member.reindex(table.index).fillna(0) > 0
        order = [str(i) for i in results.ranking.index if str(i) in table.index]
        ids = [i for n, i in enumerate(order) if n < 10 or bool(keep.get(i, False))]
        chosen = set(results.portfolio.ids) if results.portfolio is not None else set()
        head = [
            _e(t("Rank")),
            _e(t("Candidate")),
            _e(t("Rank 1")),
            _e(t("Top {k}", k=t.integer(k))),
            _e(t("Expected rank")),
        ]
        if member is not None:
            head.append(_e(t("In the best portfolio")))
        rows = []
        for i in ids:
            row = [
                self.rank(results.ranking["rank"].get(i)),
                self.name(i) + (" ★" if i in chosen else ""),
                self.share(first.get(i)),
                self.share(top.get(i)),
                self.num(smaa.expected_rank.get(i), 1),
            ]
            if member is not None:
                row.append(self.share(member.get(i)))
            rows.append(row)
        more = len(table) - len(ids)
        note = (
            '<p class="muted">'
            + _e(
                t(
                    "The {n} other towns were never in the top {k} nor in the best portfolio.",
                    n=t.integer(more),
                    k=t.integer(k),
                )
            )
            + "</p>"
            if more
            else ""
        )
        return _table(head, rows, num={0, 2, 3, 4, 5}) + note

    def oat_charts(self, table: pd.DataFrame) -> str:
        t, w, results = self.t, self.words, self.results
        criteria = list(dict.fromkeys(table["criterion"]))
        present = set(table["candidate"])
        order = [str(i) for i in results.ranking.index]
        shown = [c for c in order if c in present][:_OAT_LINES]
        worst = min(float(table.loc[table["candidate"].isin(shown), "rank"].max()), 15.0)
        cards = []
        for crit in criteria:
            part = table[table["criterion"] == crit]
            current = part.loc[part["current"].astype(bool), "weight"]
            chart = LineChart(
                width=240,
                height=150,
                x_range=(0.0, 1.0),
                y_range=(0.5, max(worst, 2.0) + 0.5),
                x_label=t("weight"),
                y_label=t("rank"),
                x_format=lambda v: t.percent(v),
                y_format=lambda v: t.integer(v),
                invert_y=True,
                integer_y=True,
                vlines=[float(current.iloc[0])] if len(current) else [],
                title=t(
                    "Rank of the best towns as the weight of {criterion} varies",
                    criterion=w.criterion(str(crit), inline=True),
                ),
                margin=(6, 8, 32, 34),
            )
            for j, cid in enumerate(shown):
                line = part[part["candidate"] == cid].sort_values("weight")
                ranks = np.minimum(line["rank"].to_numpy(dtype=float), worst + 0.5)
                chart.add(
                    Series(
                        line["weight"].to_numpy(dtype=float),
                        ranks,
                        colour=_COLOURS[j % len(_COLOURS)],
                    )
                )
            cards.append(
                f'<div class="card"><h3>{_e(w.criterion(str(crit)))}</h3>{chart.svg()}</div>'
            )
        legend = "".join(
            f'<span><i style="background:{_COLOURS[j % len(_COLOURS)]}"></i>{self.name(c)}</span>'
            for j, c in enumerate(shown)
        )
        caption = t(
            "Rank of the best {n} towns as one criterion's weight goes from 0 to 100 % and the "
            "others shrink in proportion; the dashed line is the study's weight.",
            n=t.integer(len(shown)),
        )
        return (
            f'<p class="legend">{legend}</p><div class="cards small">{"".join(cards)}</div>'
            f'<p class="muted">{_e(caption)}</p>'
        )

    def stability_table(self, stability: pd.DataFrame) -> str:
        t, w = self.t, self.words
        kinds = [k for k in ("first", "top_n", "portfolio") if f"{k}_lo" in stability]
        first_row = stability.iloc[0]
        heads = {
            "first": t("First place"),
            "top_n": t("Top {n}", n=t.integer(len(_ids(first_row.get("top_n"))))),
            "portfolio": t("Chosen sites"),
        }
        head = [_e(t("Criterion")), _e(t("Weight now"))]
        for kind in kinds:
            now = ", ".join(w.names(_ids(first_row.get(kind))))
            head.append(_e(t("{what} ({now}) holds for", what=heads[kind], now=now)))
        rows = []
        for _, row in stability.iterrows():
            crit = str(row["criterion"])
            cells = [_e(w.criterion(crit)), _e(t.percent(float(row["weight"]), 1))]
            for kind in kinds:
                held = _ids(row[kind])
                turns = []
                for side, word in (("below", t("below")), ("above", t("above"))):
                    then = _ids(row.get(f"{kind}_{side}"))
                    if then:
                        turns.append(f"{word}: {self._swap(held, then)}")
                detail = f'<br><span class="muted">{_e("; ".join(turns))}</span>' if turns else ""
                interval = t(
                    "{lo}–{hi}",
                    lo=t.percent(float(row[f"{kind}_lo"]), 1),
                    hi=t.percent(float(row[f"{kind}_hi"]), 1),
                )
                cells.append(_e(interval) + detail)
            rows.append(cells)
        intro = t(
            "For each criterion, the range of its weight (the others rescaled in proportion) "
            "within which the result stays the same, and what changes just outside it. "
            "0 %–100 %: no weight of this criterion changes it."
        )
        return (
            f"<h3>{_e(t('Weight stability intervals'))}</h3>"
            + self.gloss("stability")
            + f'<p class="muted">{_e(intro)}</p>'
            + _table(head, rows, num={1})
        )

    def _swap(self, now: list[str], then: list[str]) -> str:
        t, w = self.t, self.words
        dropped = [i for i in now if i not in then]
        added = [i for i in then if i not in now]
        if not dropped and not added:
            return t("the same sites")
        if len(dropped) == 1 and len(added) == 1:
            return t("{new} instead of {old}", new=w.name(added[0]), old=w.name(dropped[0]))
        return t(
            "without {old}; with {new}", old=w.both(w.names(dropped)), new=w.both(w.names(added))
        )

    def membership(self) -> str:
        t, results = self.t, self.results
        sens = results.sensitivity
        assert sens is not None and sens.membership is not None
        membership = sens.membership
        p = membership.probability
        shown = p[p > 0].sort_values(ascending=False, kind="stable")
        chosen = set(results.portfolio.ids) if results.portfolio is not None else set()
        rows = [
            [self.name(i) + (" ★" if i in chosen else ""), self.share(v)] for i, v in shown.items()
        ]
        portfolios = membership.portfolios.head(10)
        prow = [
            [self.names(_ids(r["portfolio"])), self.share(r["share"])]
            for _, r in portfolios.iterrows()
        ]
        more = len(membership.portfolios) - len(portfolios)
        tail = (
            f'<p class="muted">{_e(t("And {n} other portfolios, each less often.", n=t.integer(more)))}</p>'
            if more > 0
            else ""
        )
        intro = t(
            "Share of the {n} draws in which the best portfolio contains the town (★: the "
            "study's choice); the other {rest} towns never enter it.",
            n=t.integer(int(membership.draws)),
            rest=t.integer(len(p) - len(shown)),
        )
        return (
            f"<h3>{_e(t('How often each town is chosen'))}</h3>"
            f'<p class="muted">{_e(intro)}</p>'
            + _table([_e(t("Candidate")), _e(t("In the best portfolio"))], rows, num={1})
            + f"<h3>{_e(t('Best portfolios across the draws'))}</h3>"
            + _table([_e(t("Sites")), _e(t("Share of draws"))], prow, num={1})
            + tail
        )

    # ---------------------------------------------------------------- stakeholders

    def stakeholders_section(self) -> str:
        """Each stakeholder's weights, consistency and choice; leave-one-out; the sites' support."""
        from siting.outputs.stakeholders import member_name, stakeholder_sentences

        t, w, results = self.t, self.words, self.results
        a = results.stakeholders
        if a is None:
            return ""
        lang = t.lang
        sentences = "".join(f"<p>{_e(s)}</p>" for s in stakeholder_sentences(results, t))
        chosen = set(results.portfolio.ids) if results.portfolio is not None else set()
        rows = []
        for sid, m in a.members.iterrows():
            worst = (
                t(
                    "{a} vs {b}: {judgement} (the others imply {consistent})",
                    a=w.criterion(str(m["worst_a"])),
                    b=w.criterion(str(m["worst_b"])),
                    judgement=t.number(float(m["worst_judgement"]), 3),
                    consistent=t.number(float(m["worst_consistent"]), 3),
                )
                if m["kind"] == "ahp" and m["worst_a"]
                else "–"
            )
            rows.append(
                [
                    _e(member_name(results, str(sid), lang)),
                    _e(t.percent(float(m["voice"]))),
                    self.num(m["cr"], 3) if m["kind"] == "ahp" else "–",
                    _e(worst),
                    _e(t.percent(float(m["distance"]))),
                    self.names(m["portfolio"]) or "–",
                    self.names(m["loo_dropped"]) or "–",
                    self.names(m["loo_added"]) or "–",
                ]
            )
        members = _table(
            [
                _e(t("Stakeholder")),
                _e(t("Voice")),
                "CR",
                _e(t("Judgement that causes most inconsistency")),
                _e(t("Weight that differs from the group's")),
                _e(t("Their own portfolio")),
                _e(t("Without them: leaves")),
                _e(t("Without them: enters")),
            ],
            rows,
            num={1, 2, 4},
        )
        spec = results.study.stakeholders
        notes = [
            f"<li>{_e(member_name(results, m.id, lang))}: {_e(local(m.note, lang))}</li>"
            for m in (spec.members if spec is not None else [])
            if m.note
        ]
        if notes:
            members += f'<ul class="muted">{"".join(notes)}</ul>'
        ids = a.panel.ids
        table = a.panel.table
        weights = _table(
            [_e(t("Criterion"))]
            + [_e(member_name(results, sid, lang)) for sid in ids]
            + [_e(t("Group"))],
            [
                [_e(w.criterion(str(cid)))]
                + [_e(t.percent(float(v), 1)) for v in table.loc[cid, [*ids, "group"]]]
                for cid in table.index
            ],
            num=set(range(1, len(ids) + 2)),
        )
        sites = a.sites
        shown = sites[(sites["group_rank"] <= 10) | sites.get("in_portfolio", False)]
        has_portfolio = "chosen_by" in sites.columns
        head = [_e(t("Candidate")), _e(t("Group's rank")), _e(t("Ranks by stakeholder"))]
        sens = results.sensitivity
        uniform = sens.membership.probability if sens and sens.membership is not None else None
        if has_portfolio:
            head += [_e(t("In the portfolio of")), _e(t("Mixtures of their weights"))]
            if uniform is not None:
                head.append(_e(t("Any weights (uniform draws)")))
        site_rows = []
        for cid, row in shown.iterrows():
            cells = [
                self.name(cid) + (" ★" if cid in chosen else ""),
                self.rank(row["group_rank"]),
                _e(f"{t.integer(int(row['best_rank']))}–{t.integer(int(row['worst_rank']))}"),
            ]
            if has_portfolio:
                by = [member_name(results, s, lang) for s in str(row["chosen_by"]).split(";") if s]
                cells += [_e(", ".join(by)) or "–", self.share(row["hull_membership"])]
                if uniform is not None:
                    cells.append(self.share(uniform.get(cid, 0.0)))
            site_rows.append(cells)
        caption = t(
            "Mixtures: share of {n} weightings drawn as random mixtures of the stakeholders' "
            "weights (the convex hull of their set) whose best portfolio contains the town; "
            "seed {seed}. Ranks are competition ranks under {method}.",
            n=t.integer(a.hull_draws),
            seed=str(a.seed),
            method=w.method(results.study.method.name),
        )
        if has_portfolio and uniform is not None:
            caption += " " + t(
                "Any weights: the same share among the robustness analysis's uniform weight "
                "draws (every weighting as likely), for comparison."
            )
        return (
            sentences
            + members
            + f"<h3>{_e(t('Their weights'))}</h3>"
            + weights
            + f"<h3>{_e(t('Whose weights choose each town'))}</h3>"
            + _table(head, site_rows, num={1, 4, 5} if has_portfolio else {1})
            + f'<p class="muted">{_e(caption)}</p>'
        )

    # ---------------------------------------------------------------- methods

    def methods_section(self) -> str:
        t, w, results = self.t, self.words, self.results
        ranks = results.method_ranks
        agreement = results.agreement
        if not _present(ranks) or ranks.shape[1] < 2:  # one method agrees with itself
            return ""
        keys = {g.key for g in GLOSSARY}
        parts = [self.gloss(*[m for m in ranks.columns if m in keys])]
        if _present(agreement):
            parts.append(self.gloss("spearman", "kendall", "top_k"))
            rows = []
            for _, r in agreement.iterrows():
                rows.append(
                    [
                        _e(w.method(str(r["method_a"]))),
                        _e(w.method(str(r["method_b"]))),
                        self.num(r.get("spearman_rho"), 2),
                        self.num(r.get("kendall_tau_b"), 2),
                        self.share(r.get("top_k_overlap")) if "top_k_overlap" in r else "–",
                    ]
                )
            parts.append(
                _table(
                    [
                        _e(t("Method")),
                        _e(t("Method")),
                        _e(w.term("spearman").name),
                        _e(w.term("kendall").name),
                        _e(
                            t(
                                "Top-{k} overlap",
                                k=t.integer(int(agreement["k"].iloc[0]))
                                if "k" in agreement
                                else "k",
                            )
                        ),
                    ],
                    rows,
                    num={2, 3, 4},
                )
            )
        parts.append(
            '<p class="muted">'
            + _e(t("The rank of every town under each method is in the ranking above."))
            + "</p>"
        )
        return "".join(parts)

    # ---------------------------------------------------------------- criteria and weights

    def criteria_section(self) -> str:
        t, w, results = self.t, self.words, self.results
        crit_ids = [c.id for c in results.study.criteria if c.id in results.values.columns]
        kept = results.ranking["excluded_reason"].fillna("") == ""
        groups = results.study.groups or {}
        cards = []
        # the candidates' rows looked up once for every criterion (100,000 ids: not per chart)
        raws = results.raw.reindex(index=results.ranking.index, columns=crit_ids)
        valss = results.values.reindex(index=results.ranking.index, columns=crit_ids)
        for c in results.study.criteria:
            if c.id not in crit_ids:
                continue
            raw = raws[c.id].astype(float)
            vals = valss[c.id].astype(float)
            chart = value_function_svg(c, raw, vals, kept, lang=t.lang)
            group = groups.get(c.group or "")
            group_label = (
                local(group.label, t.lang) if group is not None and group.label else (c.group or "")
            )
            direction = t("more is better") if c.direction == "benefit" else t("less is better")
            note = f'<p class="muted">{_e(local(c.note, t.lang))}</p>' if c.note else ""
            cards.append(
                f'<div class="card"><h3>{_e(w.criterion(c.id))}</h3>'
                f'<p class="muted"><span class="pill">{_e(group_label or t("no group"))}</span> '
                f"{_e(direction)} · {_e(t('weight {share}', share=t.percent(float(results.weights.get(c.id, 0.0)), 1)))}</p>"
                f"<p>{_e(self._describe(c))}</p>{chart}{note}</div>"
            )
        exclusions = ""
        if results.study.exclude:
            items = "".join(f"<li>{_e(self._exclusion(ex))}</li>" for ex in results.study.exclude)
            exclusions = (
                f"<h3>{_e(t('Hard constraints: a town is set aside when'))}</h3>"
                + self.gloss("hard_constraint")
                + f"<ul>{items}</ul>"
            )
        intro = t(
            "Each chart shows how a raw value becomes a value between 0 (worst) and 1 (best); "
            "the dots are the towns (hollow: set aside)."
        )
        return (
            self.gloss("criterion", "value_function")
            + f'<p class="muted">{_e(intro)}</p><div class="cards">{"".join(cards)}</div>'
            + exclusions
        )

    def _exclusion(self, ex: Any) -> str:
        t, w = self.t, self.words
        if ex.reason:
            get = getattr(ex.reason, "get", None)
            return str(get(t.lang)) if callable(get) else str(ex.reason)
        subject = w.criterion(ex.criterion, inline=True) if ex.criterion else w.field_word(ex.field)
        parts = []
        if ex.above is not None:
            parts.append(t("{what} above {value}", what=subject, value=w.quantity(ex.above)))
        if ex.below is not None:
            parts.append(t("{what} below {value}", what=subject, value=w.quantity(ex.below)))
        if ex.equals is not None:
            parts.append(t("{what} is {value}", what=subject, value=str(ex.equals)))
        return w.either(parts)

    def _describe(self, c: Criterion) -> str:
        """What a criterion measures and how its value function reads it, in words.

        Layers, fields and categories are named in the reader's language
        (:meth:`~siting.outputs.words.Words.layer`, ``field_word``, ``value_word``); a distance
        decay is said in words from its kernel; a yes/no criterion says "yes" and "no".
        """
        text = self._measure_text(c)
        if c.measure.where:
            text = self.t(
                "{text}, counting only entries with {tests}",
                text=text,
                tests=self._where_text(c.measure),
            )
        return self.t("{measure}; {value}.", measure=text, value=self._value_text(c))

    def _measure_text(self, c: Criterion) -> str:
        """What a criterion measures, in words (without its filters)."""
        t, w = self.t, self.words
        m = c.measure
        kind = m.kind
        layer = w.layer(m.layer) if m.layer is not None else ""
        field = w.field_word(m.field) if m.field else ""
        kernel = m.kernel
        if kind == "nearest":
            text = t("Distance to the nearest entry of “{layer}”", layer=layer)
        elif kernel is not None and kind in ("count", "sum", "access", "gravity"):
            decay = self._decay(kernel)
            if field:
                text = t(
                    "Sum of “{field}” over “{layer}”, {decay}",
                    field=field,
                    layer=layer,
                    decay=decay,
                )
            else:
                text = t("Number of entries of “{layer}”, {decay}", layer=layer, decay=decay)
        elif kind == "count":
            text = t(
                "Number of entries of “{layer}” within {km} km",
                layer=layer,
                km=w.quantity(m.within_km),
            )
        elif kind == "sum":
            text = t(
                "Sum of “{field}” over “{layer}” within {km} km",
                field=field,
                layer=layer,
                km=w.quantity(m.within_km),
            )
        elif w.binary(c.id):
            subject = w.field_word(m.attribute)
            if m.in_ is not None:
                subject = t(
                    "{field} one of {values}",
                    field=subject,
                    values=", ".join(w.value_word(m.attribute, v) for v in m.in_),
                )
            text = t("{fact} (yes or no)", fact=subject)
            text = text[:1].upper() + text[1:]
        else:
            text = t("The town's own “{field}”", field=w.field_word(m.attribute))
        return text

    def _where_text(self, m: Measure) -> str:
        """A measure's filters on its layer's features, in words."""
        t, w = self.t, self.words
        tests = []
        if m.where:
            for name, b in m.where.items():
                bits = []
                word = w.field_word(name)
                if b.min is not None:
                    bits.append(t("{field} at least {value}", field=word, value=w.quantity(b.min)))
                if b.max is not None:
                    bits.append(t("{field} at most {value}", field=word, value=w.quantity(b.max)))
                if b.in_ is not None:
                    bits.append(
                        t(
                            "{field} one of {values}",
                            field=word,
                            values=", ".join(w.value_word(name, v) for v in b.in_),
                        )
                    )
                if b.equals is not None:
                    bits.append(
                        t("{field} is {value}", field=word, value=w.value_word(name, b.equals))
                    )
                tests.append(w.both(bits))
        return "; ".join(tests)

    def _value_text(self, c: Criterion) -> str:
        """How a criterion's value function reads the raw value, in words."""
        t, w = self.t, self.words
        if w.binary(c.id):
            yes, no = value_functions.apply(c, np.array([1.0, 0.0]), among=np.array([0.0, 1.0]))
            return t(
                "value {yes} for yes, {no} for no",
                yes=w.quantity(float(yes)),
                no=w.quantity(float(no)),
            )
        spec = c.value
        if spec.linear is not None:
            value = t(
                "value 0 at {worst}, 1 at {best}, straight between",
                worst=w.quantity(spec.linear.worst),
                best=w.quantity(spec.linear.best),
            )
        elif spec.threshold is not None:
            value = (
                t(
                    "value 1 from {at} up, else {below}",
                    at=w.quantity(spec.threshold.at),
                    below=w.quantity(spec.threshold.below),
                )
                if c.direction == "benefit"
                else t(
                    "value 1 up to {at}, else {below}",
                    at=w.quantity(spec.threshold.at),
                    below=w.quantity(spec.threshold.below),
                )
            )
        elif spec.piecewise is not None:
            value = t(
                "value rising in steps through {points}",
                points=", ".join(
                    f"{w.quantity(x)} → {t.number(y, 2)}" for x, y in spec.piecewise.points
                ),
            )
        elif spec.categories is not None:
            pairs = [
                f"{w.group_value(str(c.measure.attribute), str(k))} → {t.number(v, 2)}"
                for k, v in spec.categories.items()
            ]
            if spec.default is not None:
                pairs.append(t("any other → {value}", value=t.number(spec.default, 2)))
            value = t("value by category: {pairs}", pairs=", ".join(pairs))
        else:
            value = (
                t("value 1 for the largest among the kept towns, 0 for the smallest")
                if c.direction == "benefit"
                else t("value 1 for the smallest among the kept towns, 0 for the largest")
            )
        return value

    def _decay(self, kernel: Decay) -> str:
        """How a distance decay counts an entry, in words, from its kernel's distances."""
        t, w = self.t, self.words
        d = kernel.distances
        if kernel.kind == "linear":
            return t(
                "each counted fully up to {full} km, less and less farther out and not at all "
                "from {zero} km",
                full=w.quantity(d["full_km"]),
                zero=w.quantity(d["zero_km"]),
            )
        if kernel.kind == "gaussian":
            sigma = d["sigma_km"]
            # exp(-d²/2σ²) is one half at σ·√(2 ln 2) and about 1 % at 3σ.
            return t(
                "each counted less the farther it is: fully close by, half at {half} km, "
                "hardly at all beyond {far} km",
                half=w.quantity(round(sigma * math.sqrt(2 * math.log(2)))),
                far=w.quantity(round(3 * sigma)),
            )
        # exp(-d/d0) halves every d0·ln 2.
        return t(
            "each counted less the farther it is, half as much every {km} km",
            km=w.quantity(round(d["scale_km"] * math.log(2))),
        )

    def weights_section(self) -> str:
        t, w, results = self.t, self.words, self.results
        crit_ids = [c.id for c in results.study.criteria if c.id in results.values.columns]
        by_id = {c.id: c for c in results.study.criteria}
        groups = list(dict.fromkeys(by_id[c].group or "" for c in crit_ids))
        colour = {g: _COLOURS[i % len(_COLOURS)] for i, g in enumerate(groups)}
        spec = results.study.groups or {}

        def group_label(g: str) -> str:
            label = getattr(spec.get(g), "label", None)
            return local(label, t.lang) if label else (g or t("other"))

        weights = results.weights.reindex(crit_ids).fillna(0.0)
        top = float(weights.max()) or 1.0
        rows = []
        for cid in crit_ids:
            share = float(weights[cid])
            width = 100 * share / top
            rows.append(
                f"<tr><td>{_e(w.criterion(cid))}</td>"
                f'<td class="bar"><span style="width:{width:.1f}%;background:{colour[by_id[cid].group or ""]}"></span></td>'
                f'<td class="num">{_e(t.percent(share, 1))}</td></tr>'
            )
        bars = (
            f'<div class="scroll"><table class="bars"><tbody>{"".join(rows)}</tbody></table></div>'
        )
        legend = ""
        if len(groups) > 1 or groups[0]:
            legend = (
                '<p class="legend">'
                + "".join(
                    f'<span><i style="background:{colour[g]}"></i>{_e(group_label(g))}</span>'
                    for g in groups
                )
                + "</p>"
            )
        shares: dict[str, float] = {}
        for cid in crit_ids:
            g = by_id[cid].group or ""
            shares[g] = shares.get(g, 0.0) + float(weights[cid])
        group_table = ""
        if len(shares) > 1 or next(iter(shares)):
            group_table = f"<h3>{_e(t('Groups'))}</h3>" + _table(
                [_e(t("Group")), _e(t("Share of the score"))],
                [[_e(group_label(g)), _e(t.percent(s, 1))] for g, s in shares.items()],
                num={1},
            )
        intro = t(
            "A criterion's weight is its group's share times its share within the group; the "
            "weights add up to 100 %."
        )
        return (
            self.gloss("weight")
            + f'<p class="muted">{_e(intro)}</p>{legend}{bars}{group_table}{self.consistency()}'
        )

    def consistency(self) -> str:
        t, results = self.t, self.results
        parts = []
        notes = results.weight_notes
        if notes:
            parts.append("<ul>" + "".join(f"<li>{_e(render(n, t))}</li>" for n in notes) + "</ul>")
        ahp = results.ahp
        if ahp:
            rows = []
            for scope, res in ahp.items():
                get = res.get if isinstance(res, Mapping) else lambda k, r=res: getattr(r, k, None)
                ok = get("acceptable")
                rows.append(
                    [
                        _e(scope),
                        self.num(get("lambda_max"), 3),
                        self.num(get("ci"), 3),
                        self.num(get("ri"), 3),
                        self.num(get("cr"), 3),
                        "–"
                        if ok is None
                        else (_e(t("yes")) if ok else f"<strong>{_e(t('no'))}</strong>"),
                    ]
                )
            parts.append(
                f"<h3>{_e(t('AHP consistency'))}</h3>"
                + self.gloss("ahp")
                + _table(
                    [_e(t("Judgements")), "λmax", "CI", "RI", "CR", _e(t("Acceptable"))],
                    rows,
                    num={1, 2, 3, 4},
                )
            )
        return "".join(parts)

    # ---------------------------------------------------------------- reference

    def reference_section(self) -> str:
        t, w, results = self.t, self.words, self.results
        ref = results.reference
        if ref is None or len(ref.sites) == 0:
            return ""
        crit_ids = [c.id for c in results.study.criteria if c.id in results.values.columns]
        sites = ref.sites
        kept = results.included
        names = {sid: t.place(sites.loc[sid], fallback=str(sid)) for sid in sites.index}
        raw = ref.raw.reindex(index=sites.index, columns=crit_ids)
        best = results.top(1).index
        head = ["", *(_e(names[sid]) for sid in sites.index)]
        if len(best):
            head.append(_e(t("{name} (best candidate)", name=w.name(best[0]))))
        rows = []
        scores = [f"<strong>{_e(t('Score (weighted sum)'))}</strong>"]
        places = [f"<strong>{_e(t('Would rank'))}</strong>"]
        for sid in sites.index:
            scores.append(f"<strong>{self.num(ref.score.get(sid, float('nan')))}</strong>")
            places.append(
                _e(
                    t(
                        "{rank} of {n}",
                        rank=t.integer(int(ref.places[sid])),
                        n=t.integer(len(kept) + 1),
                    )
                )
            )
        if len(best):
            scores.append(f"<strong>{self.num(ref.candidates.get(best[0]))}</strong>")
            places.append(_e(t.integer(1)))
        rows += [scores, places]
        for c in crit_ids:
            # A yes/no criterion reads "yes" / "no" and needs no unit.
            unit = "" if w.binary(c) else w.unit(c)
            row = [_e(w.criterion(c)) + (f" ({_e(unit)})" if unit else "")]
            row += [_e(w.raw_text(c, raw.at[sid, c])) for sid in sites.index]
            if len(best):
                row.append(_e(w.raw_text(c, results.raw.at[best[0], c])))
            rows.append(row)
        intro = t(
            "The Novosibirsk science cities measured with the same criteria, value functions "
            "and weights (weighted sum), and where they would rank among the towns."
        )
        return (
            self.gloss("reference")
            + f'<p class="muted">{_e(intro)}</p>'
            + _table(head, rows, num=set(range(1, len(head))))
        )

    # ---------------------------------------------------------------- data, glossary, inputs

    def gaps_section(self) -> str:
        t, w = self.t, self.words
        gaps = w.data_gaps()
        if not gaps:
            return ""
        layers = list(dict.fromkeys(g.layer for g in gaps))
        read = {g.layer for g in gaps if g.kind != "unknown" and g.used}
        rows = []
        for layer in sorted(layers, key=lambda name: name not in read):
            items = "".join(f"<li>{_e(g.text)}</li>" for g in gaps if g.layer == layer)
            mark = (
                f'<br><span class="muted">{_e(t("read by the criteria"))}</span>'
                if layer in read
                else ""
            )
            rows.append([f"{_e(w.layer(layer))}{mark}", f"<ul>{items}</ul>"])
        intro = t(
            "What the layers behind the criteria do not hold, counted from the files "
            "themselves. A gap in a layer the criteria read can move a town's score; "
            "data/README.md gives the sources."
        )
        return f'<p class="muted">{_e(intro)}</p>' + _table(
            [_e(t("Layer")), _e(t("What is missing"))], rows, css="gaps"
        )

    def glossary_section(self) -> str:
        t = self.t
        keys = {g.key for g in GLOSSARY}
        used = self.used | {"score", "criterion", "weight", "value_function", "weighted_sum"}
        used |= {m for m in self.results.study.method.all if m in keys}
        items = []
        for term in GLOSSARY:
            if term.key not in used:
                continue
            local = self.words.term(term.key)
            items.append(
                f'<div><dt id="{self.id("g-" + term.key)}">{_e(local.name)}</dt>'
                f"<dd>{_e(local.gloss)}</dd></div>"
            )
        intro = t("The terms of this report in plain words.")
        return f'<p class="muted">{_e(intro)}</p><dl class="glossary">{"".join(items)}</dl>'

    def inputs_section(self) -> str:
        t, results = self.t, self.results
        rows = [
            [f"<code>{_e(Path(p).name)}</code>", f'<span class="hash">{_e(d)}</span>']
            for p, d in results.inputs.items()
        ]
        files = _table([_e(t("File")), _e(t("SHA-256"))], rows)
        v = self.versions
        keep = ("siting", "python", "numpy", "pandas", "geopandas", "pulp", "highspy", "matplotlib")
        text = ", ".join(f"{k} {v[k]}" for k in keep if k in v)
        solver = ""
        if results.portfolio is not None:
            p = results.portfolio
            name = f"{p.solver} {p.solver_version}"
            solver = " " + _e(t("Solver: {solver}.", solver=name))
        return files + f'<p class="muted">{_e(t("Versions: {list}.", list=text))}{solver}</p>'


def _heat_cell(v: float, t: Translator) -> str:
    """One cell of the rank-acceptability table: its share as text and as a shade of blue."""
    if not math.isfinite(v) or v < 0.005:
        return '<td class="num"></td>'
    alpha = min(1.0, 0.08 + 0.92 * v)
    cls = "num hi" if v > 0.6 else "num"
    return (
        f'<td class="{cls}" style="background:rgba(47,95,158,{alpha:.2f})">{_e(t.percent(v))}</td>'
    )


# --------------------------------------------------------------------------- the file


def render_report(
    results: Results,
    *,
    lang: str | None = None,
    today: dt.date | None = None,
) -> str:
    """The report as one HTML string in three languages, opening in ``lang`` (see :func:`write_report`)."""
    first = translator(lang or results.study.language).lang
    day = today or dt.date.today()
    pages = []
    found = versions()  # read once: each package's metadata is a file to parse
    for code in LANGUAGES:
        png = render_static_map(results, dpi=_MAP_DPI, lang=code)
        pages.append(_Page(results, translator(code), day, png, found).render())
    picks = "".join(
        f'<input type="radio" name="lang" class="pick" id="pick-{code}"'
        f'{" checked" if code == first else ""} aria-label="{_e(NATIVE_NAMES[code])}">'
        for code in LANGUAGES
    )
    switch = (
        '<div class="switch">'
        + "".join(
            f'<label for="pick-{code}" lang="{code}">{_e(NATIVE_NAMES[code])}</label>'
            for code in LANGUAGES
        )
        + "</div>"
    )
    t = translator(first)
    title = t("{study}: report", study=local(results.study.study, first))
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    return (
        f'<!DOCTYPE html>\n<html lang="{first}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"{picks}{switch}{''.join(pages)}</body></html>\n"
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
    lang
        The language it opens in (default: the study's); the other two are a click away.

    Returns
    -------
    Path
        ``path``.
    """
    return write_text(Path(path), render_report(results, lang=lang))
