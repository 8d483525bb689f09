"""The answer of a run as a notebook shows it: the recommendation, how sure, the top ten.

``Results._repr_html_`` returns :func:`summary_html`, so that a run's answer is the first thing
an analyst sees in Jupyter; ``results.map()`` shows the map.  The facts are the run's own
(:attr:`~siting.results.Results.recommendation`, the ranking, the robustness analysis), written
in the study's language, with the names and lists of :class:`~siting.outputs.words.Words` as the
report and the map write them; every data text is escaped.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from siting.i18n import Translator, translator
from siting.outputs.words import Words
from siting.results import Results

if TYPE_CHECKING:
    from siting.recommendation import Verdict

__all__ = ["summary_html"]

_STYLE = (
    "font:13px/1.4 system-ui,sans-serif;max-width:760px;"
    "border:1px solid #ddd;border-radius:4px;padding:8px 12px"
)


def _labels(results: Results, lang: str) -> dict[str, str]:
    return {c.id: c.label.get(lang) for c in results.study.criteria}


def _site_line(results: Results, v: Verdict, w: Words) -> str:
    rec = results.recommendation
    t = w.t
    labels = _labels(results, t.lang)
    parts = []
    if v.strengths:
        criteria = w.both([labels[p.criterion] for p in v.strengths])
        parts.append(t("strong on {criteria}", criteria=criteria))
    sure = []
    if v.rank is not None:
        sure.append(t("rank {rank}", rank=t.integer(v.rank)))
    if rec is not None and v.share is not None and rec.draws > 0:
        sure.append(
            t.plural(
                "in the optimal portfolio in {share} of {n} weight draw",
                "in the optimal portfolio in {share} of {n} weight draws",
                rec.draws,
                share=_share(t, v.share),
            )
        )
    if not v.firm and v.contender is not None:
        sure.append(t("a close call with {contender}", contender=w.name(v.contender)))
    why = f" — {html.escape(parts[0])}" if parts else ""
    more = f'<br><span style="color:#555">{html.escape("; ".join(sure))}</span>' if sure else ""
    return f"<li><strong>{html.escape(w.name(v.id))}</strong>{why}{more}</li>"


def _share(t: Translator, p: float) -> str:
    """A probability as the map writes it: exact ends, never rounded to 0 or 100 %."""
    if p <= 0:
        return t.percent(0.0)
    if p >= 1:
        return t.percent(1.0)
    if p < 0.001:
        return "< " + t.percent(0.001, 1)
    if p > 0.999:
        return "> " + t.percent(0.999, 1)
    return t.percent(p, 1)


def summary_html(results: Results, lang: str | None = None, *, top: int = 10) -> str:
    """The run's answer as compact HTML: the recommendation, how sure, the top ten.

    Parameters
    ----------
    results
        The run.
    lang
        ``kk``, ``ru`` or ``en`` (default: the study's ``language``).
    top
        How many of the best-ranked candidates the table lists.

    Returns
    -------
    str
        An HTML fragment (no script, nothing fetched).
    """
    t = translator(lang or results.study.language)
    w = Words(results, t)
    rec = results.recommendation
    title = results.study.study.get(t.lang)
    out = [
        f'<div class="siting-summary" style="{_STYLE}">',
        f"<h3 style='margin:4px 0'>{html.escape(title)}</h3>",
    ]
    if rec is not None:
        sites = w.both(w.names(v.id for v in rec.sites))
        if results.portfolio is not None:
            head = t("The study recommends {sites}.", sites=sites)
        else:
            head = t("The best-ranked candidates are {sites}.", sites=sites)
        close = next((k for k, v in enumerate(rec.sites) if not v.firm and v.contender), None)
        if rec.close and close is not None:
            v = rec.sites[close]
            head += " " + t(
                "{position}: {site} or {contender} — a close call.",
                position=_ordinal(t, close),
                site=w.name(v.id),
                contender=w.name(v.contender),
            )
        elif rec.close:
            head += " " + t("A close call: another portfolio scores almost as much.")
        out.append(f"<p style='margin:4px 0;font-weight:600'>{html.escape(head)}</p>")
        out.append("<ol style='margin:4px 0;padding-left:20px'>")
        out += [_site_line(results, v, w) for v in rec.sites]
        out.append("</ol>")
        if rec.alternative is not None and rec.gap is not None:
            line = t(
                "Nearest alternative: {sites}, total score {gap} lower.",
                sites=w.both(w.names(rec.alternative.ids)),
                gap=t.percent(rec.gap, 1),
            )
            out.append(f"<p style='margin:4px 0;color:#444'>{html.escape(line)}</p>")
    out.append(_top_table(results, w, top))
    note = t("results.map() shows the interactive map; results.top(n) the ranking as a table.")
    out.append(f"<p style='margin:4px 0;color:#666;font-size:12px'>{html.escape(note)}</p>")
    out.append("</div>")
    return "\n".join(out)


def _ordinal(t: Translator, k: int) -> str:
    words = [t("First site"), t("Second site"), t("Third site"), t("Fourth site"), t("Fifth site")]
    return words[k] if k < len(words) else t("Site {n}", n=t.integer(k + 1))


def _top_table(results: Results, w: Words, top: int) -> str:
    t = w.t
    shares: pd.Series | None = None
    sens = results.sensitivity
    if sens is not None and sens.membership is not None:
        shares = sens.membership.probability
    chosen = set(results.portfolio.ids) if results.portfolio is not None else set()
    head = [t("Rank"), t("Candidate"), t("Score")]
    if shares is not None:
        head.append(t("In the optimal portfolio"))
    rows = [
        "<tr>"
        + "".join(
            f"<th style='text-align:left;padding:1px 6px'>{html.escape(h)}</th>" for h in head
        )
        + "</tr>"
    ]
    for cid, row in results.top(top).iterrows():
        cells = [
            t.integer(row["rank"]),
            w.name(cid) + (" ★" if cid in chosen else ""),
            t.number(float(row["score"]), 3),
        ]
        if shares is not None:
            cells.append(_share(t, float(shares.get(cid, 0.0))))
        rows.append(
            "<tr>"
            + "".join(f"<td style='padding:1px 6px'>{html.escape(c)}</td>" for c in cells)
            + "</tr>"
        )
    caption = t("Top {n} of the ranking", n=t.integer(min(top, len(results.included))))
    return (
        f"<table style='border-collapse:collapse;margin:6px 0'><caption style='text-align:left;"
        f"color:#555'>{html.escape(caption)}</caption>{''.join(rows)}</table>"
    )
