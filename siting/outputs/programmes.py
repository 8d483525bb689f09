"""The outputs of a joint allocation (``siting programmes``), written as one set.

- ``allocation.csv``: one row per allocated site (site, programme, score, rank within the
  programme, the programmes that would choose the town alone, share of weight draws that keep
  it);
- ``programmes.csv``: one row per programme (its sites, total score against its score alone,
  what it gives up and to whom, its score under the sequential approach);
- ``map.html``: the sites coloured by programme, offline (Leaflet inlined, as the study map:
  :class:`~siting.outputs.map.elements.SitingMap`), with the country's boundaries;
- ``report.html``: the answer first (the allocation, what each programme gives up, how sure),
  then the comparison with the sequential approach and the binding shared rules; in Kazakh,
  Russian and English;
- ``manifest.json``: input hashes (the programme file, every profile and layer), versions,
  solver, status, timings, output hashes.

All through :class:`~siting.outputs.publish.Publication`, as ``siting run`` writes its set.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import folium
import pandas as pd
from folium.features import GeoJson
from folium.template import Template

from siting.i18n import LANGUAGES, N_, NATIVE_NAMES, Translator, translator
from siting.outputs.files import file_size_limit_as_error, write_csv, write_text
from siting.outputs.manifest import MANIFEST, sha256, versions
from siting.outputs.map.elements import SitingMap, _TextMacro
from siting.outputs.map.payload import base_map, boundary_features
from siting.outputs.publish import Publication
from siting.programmes import Allocation

__all__ = [
    "COLOURS",
    "allocation_map",
    "render_programmes_report",
    "write_programmes",
]

#: One colour per programme (Okabe–Ito, distinguishable with colour-blindness), in file order.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")

_RULE_WORDS = {
    "per_town": N_("at most {count} programmes per town"),
    "compatible": N_("only the listed pairs of programmes may share a town"),
    "shared_budget": N_("the shared budget of {limit}"),
    "spacing_across": N_("sites of different programmes at least {km} km apart"),
    "at_most_per_group_all": N_("at most {count} sites of all programmes per {field}"),
}


def _e(text: object) -> str:
    return html.escape(str(text))


def _m(text: object) -> str:
    """Text for the map's HTML: escaped, and braces as entities.

    folium renders its elements' scripts as templates a second time, so a ``{{`` in a place
    name would be read as template code.
    """
    return _e(text).replace("{", "&#123;").replace("}", "&#125;")


def _colour(k: int) -> str:
    return COLOURS[k % len(COLOURS)]


def _place(allocation: Allocation, site: str, t: Translator) -> str:
    row = allocation.runs[0].candidates.loc[site]
    return t.place(row.to_dict(), fallback=str(site))


def _rule(allocation: Allocation, family: str, t: Translator) -> str:
    joint = allocation.joint
    values: dict[str, Any] = {}
    if family == "per_town":
        values = {"count": joint.per_site}
    elif family == "shared_budget":
        values = {"limit": t.number(joint.budget)}
    elif family == "spacing_across" and joint.spacing is not None:
        values = {"km": t.number(joint.spacing.min_km)}
    elif family == "at_most_per_group_all" and joint.groups is not None:
        values = {"count": joint.groups.at_most, "field": joint.groups.field}
    return t(_RULE_WORDS[family], **values)


# --------------------------------------------------------------------------- tables


def allocation_frame(allocation: Allocation) -> pd.DataFrame:
    """``allocation.csv``: the allocation table (see :attr:`siting.programmes.Allocation.table`)."""
    return allocation.table.copy()


def write_allocation_csv(allocation: Allocation, path: Path) -> Path:
    """Write ``allocation.csv`` atomically."""
    return write_csv(path, allocation_frame(allocation))


def write_summary_csv(allocation: Allocation, path: Path) -> Path:
    """Write ``programmes.csv`` (one row per programme) atomically."""
    return write_csv(path, allocation.summary)


# --------------------------------------------------------------------------- map


def allocation_map(allocation: Allocation, *, lang: str | None = None) -> folium.Map:
    """The allocation on an offline map: one colour per programme, the boundaries beneath.

    A site that hosts two programmes is drawn as two rings, the second larger.

    Parameters
    ----------
    allocation
        The allocation.
    lang
        Language of the labels and popups (default: the programme file's).

    Returns
    -------
    folium.Map
        A :class:`~siting.outputs.map.elements.SitingMap` (Leaflet inlined, nothing fetched).
    """
    t = translator(lang or allocation.spec.language)
    title = allocation.spec.title.get(t.lang)
    candidates = allocation.runs[0].candidates
    lat, lon = candidates.geometry.y, candidates.geometry.x
    m = SitingMap(
        title=title,
        lang=t.lang,
        offline=True,
        location=[float(lat.mean()), float(lon.mean())],
        zoom_start=5,
        zoom_snap=0.25,
        font_size="12px",
    )
    features, _ = boundary_features(base_map(allocation.runs[0]))
    if features:
        GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=_m(t("Border and regions")),
            style_function=lambda f: {
                "color": "#777",
                "weight": 0.8,
                "fillColor": "#f4f1ea",
                "fillOpacity": 0.4,
            },
        ).add_to(m)
    others = folium.FeatureGroup(name=_m(t("Other candidates")), show=True)
    taken = set(allocation.table["site"])
    for cid, y, x in zip(candidates.index, lat, lon, strict=True):
        if str(cid) not in taken:
            folium.CircleMarker(
                [float(y), float(x)],
                radius=2,
                color="#999",
                weight=1,
                fill=True,
                fill_opacity=0.6,
                tooltip=_place(allocation, str(cid), t),
            ).add_to(others)
    others.add_to(m)
    seen: dict[str, int] = {}
    for k, p in enumerate(allocation.spec.programmes):
        # Leaflet writes layer names as HTML: the label is escaped
        group = folium.FeatureGroup(name=_m(allocation.label(k, t.lang)), show=True)
        for _, row in allocation.table[allocation.table["programme"] == p.id].iterrows():
            site = str(row["site"])
            ring = seen.get(site, 0)
            seen[site] = ring + 1
            point = candidates.loc[site].geometry
            lines = [
                _m(_place(allocation, site, t)),
                _m(allocation.label(k, t.lang)),
                _m(
                    t(
                        "score {score}, rank {rank} in this programme",
                        score=t.number(row["score"]),
                        rank=int(row["rank"]),
                    )
                ),
            ]
            alone = [a for a in str(row["alone"] or "").split(";") if a]
            if alone:
                names = ", ".join(
                    allocation.label(
                        allocation.spec.programmes.index(_by_id(allocation, a)), t.lang
                    )
                    for a in alone
                )
                lines.append(_m(t("alone, chosen by: {names}", names=names)))
            if row["share"] is not None and not pd.isna(row["share"]):
                lines.append(
                    _m(t("kept in {share} of weight draws", share=t.percent(float(row["share"]))))
                )
            folium.CircleMarker(
                [point.y, point.x],
                radius=8 + 5 * ring,
                color=_colour(k),
                weight=4,
                fill=ring == 0,
                fill_color=_colour(k),
                fill_opacity=0.8 if ring == 0 else 0.0,
                # a tooltip, not a popup: folium's popups need jQuery, which the offline page
                # does not carry; Leaflet opens a tooltip on tap on a phone
                tooltip=folium.Tooltip("<br>".join(lines)),
            ).add_to(group)
        group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]])
    legend = "".join(
        f'<li><span class="dot" style="background:{_colour(k)}"></span>'
        f"{_m(allocation.label(k, t.lang))}</li>"
        for k in range(len(allocation.spec.programmes))
    )
    m.add_child(_Legend(f'<div class="legend"><b>{_m(title)}</b><ul>{legend}</ul></div>'))
    return m


class _Legend(_TextMacro):
    """The title and the programmes' colours; the page's style sheet (the map fills the page)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}{{ this.css }}{% endmacro %}
        {% macro html(this, kwargs) %}{{ this.markup }}{% endmacro %}
        """
    )

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.css = _MAP_CSS
        self.markup = markup


_MAP_CSS = (
    "<style>html,body{height:100%;margin:0}"
    ".legend{position:absolute;z-index:1000;bottom:1rem;left:1rem;background:#fff;"
    "padding:.5rem .8rem;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
    "font:13px system-ui,sans-serif;max-width:22rem}"
    ".legend ul{list-style:none;margin:.3rem 0 0;padding:0}"
    ".legend .dot{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;"
    "margin-right:.4rem;vertical-align:middle}</style>"
)


def _by_id(allocation: Allocation, pid: str) -> Any:
    return next(p for p in allocation.spec.programmes if p.id == pid)


def write_allocation_map(allocation: Allocation, path: Path, *, lang: str | None = None) -> Path:
    """Write ``map.html``: the allocation map as one self-contained offline page."""
    page = str(allocation_map(allocation, lang=lang).get_root().render())
    return write_text(path, page)


# --------------------------------------------------------------------------- report


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.92rem}th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}.answer{background:#f3f7fb;border-left:4px solid #0072B2;padding:.6rem 1rem}
.dot{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;margin-right:.35rem;vertical-align:middle}
.pick{position:absolute;opacity:0}.switch label{margin-right:1rem;cursor:pointer;text-decoration:underline}
.page{display:none}#pick-kk:checked~#page-kk,#pick-ru:checked~#page-ru,#pick-en:checked~#page-en{display:block}
.note{color:#555;font-size:.9rem}
"""


def _page(allocation: Allocation, t: Translator, day: dt.date) -> str:
    a = allocation
    spec = a.spec
    title = spec.title.get(t.lang)
    out = [f'<div class="page" id="page-{t.lang}" lang="{t.lang}"><h1>{_e(title)}</h1>']
    out.append(f'<p class="note">{_e(t.date(day))}</p>')
    # the answer first: who gets which town
    out.append(f'<div class="answer"><h2>{_e(t("The allocation"))}</h2><ul>')
    for k, p in enumerate(spec.programmes):
        rows = a.table[a.table["programme"] == p.id]
        towns = ", ".join(_place(a, str(s), t) for s in rows["site"])
        out.append(
            f'<li><span class="dot" style="background:{_colour(k)}"></span><b>{_e(a.label(k, t.lang))}</b>: '
            f"{_e(towns or t('no site'))}</li>"
        )
    out.append("</ul>")
    given = a.summary[a.summary["given_up"] > 1e-9]
    if given.empty:
        out.append(
            f"<p>{_e(t('Every programme gets the sites it would choose alone: the shared rules cost nothing.'))}</p>"
        )
    else:
        for _, row in given.iterrows():
            k = [p.id for p in spec.programmes].index(row["programme"])
            out.append(
                "<p>"
                + _e(
                    t(
                        "{programme} gives up {lost} of its score ({percent} of what it would get alone).",
                        programme=a.label(k, t.lang),
                        lost=t.number(row["given_up"]),
                        percent=t.percent(row["given_up_percent"] / 100, 1),
                    )
                )
                + " "
                + _e(_lost_words(a, str(row["lost"]), t))
                + "</p>"
            )
    status = a.best.status
    if a.best.proved:
        sure = t(
            "The allocation is proved optimal by the solver ({solver}).", solver=a.solver_version
        )
    else:
        sure = t(
            "The solver stopped at the time limit: the best allocation found, not proved optimal ({status}).",
            status=status,
        )
    out.append(f"<p>{_e(sure)}</p>")
    if a.same_share is not None:
        out.append(
            "<p>"
            + _e(
                t(
                    "How sure: when every programme's criteria weights are drawn at random ({draws} draws), {share} of the draws give exactly this allocation; the share per site is in the table below.",
                    draws=a.draws,
                    share=t.percent(a.same_share),
                )
            )
            + "</p>"
        )
    out.append("</div>")
    # the sites
    out.append(f"<h2>{_e(t('Sites by programme'))}</h2><table><tr>")
    heads = [
        t("Programme"),
        t("Site"),
        t("Score"),
        t("Rank in the programme"),
        t("Alone, chosen by"),
    ]
    if a.same_share is not None:
        heads.append(t("Kept in the draws"))
    out.append("".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr>")
    ids = [p.id for p in spec.programmes]
    for _, row in a.table.iterrows():
        k = ids.index(row["programme"])
        alone = ", ".join(
            a.label(ids.index(x), t.lang) for x in str(row["alone"] or "").split(";") if x
        )
        cells = [
            f'<td><span class="dot" style="background:{_colour(k)}"></span>{_e(a.label(k, t.lang))}</td>',
            f"<td>{_e(_place(a, str(row['site']), t))}</td>",
            f'<td class="n">{_e(t.number(row["score"]))}</td>',
            f'<td class="n">{int(row["rank"])}</td>',
            f"<td>{_e(alone or '—')}</td>",
        ]
        if a.same_share is not None:
            cells.append(f'<td class="n">{_e(t.percent(float(row["share"])))}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    # what each gives up, and the sequential approach
    out.append(f"<h2>{_e(t('What each programme gives up'))}</h2><table><tr>")
    heads = [
        t("Programme"),
        t("Weight"),
        t("Score together"),
        t("Score alone"),
        t("Given up"),
        t("Score, programme after programme"),
    ]
    out.append("".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr>")
    for k, (_, row) in enumerate(a.summary.iterrows()):
        seq = row["value_sequential"]
        out.append(
            "<tr>"
            + f"<td>{_e(a.label(k, t.lang))}</td>"
            + f'<td class="n">{_e(t.number(row["weight"]))}</td>'
            + f'<td class="n">{_e(t.number(row["value"]))}</td>'
            + f'<td class="n">{_e(t.number(row["value_alone"]))}</td>'
            + f'<td class="n">{_e(t.number(row["given_up"]))} ({_e(t.percent(row["given_up_percent"] / 100, 1))})</td>'
            + f'<td class="n">{_e("—" if pd.isna(seq) else t.number(seq))}</td>'
            + "</tr>"
        )
    out.append("</table>")
    total_alone = float(
        sum(
            p.weight * o.values[k]
            for k, (p, o) in enumerate(zip(a.joint.programmes, a.alone, strict=True))
        )
    )
    seq = a.sequential
    out.append(
        "<p>"
        + _e(
            t(
                "Weighted total: {joint} chosen together; {alone} if every programme could have its own optimum (not possible under the shared rules).",
                joint=t.number(a.best.objective),
                alone=t.number(total_alone),
            )
        )
        + " "
    )
    order = ", ".join(a.label(k, t.lang) for k in seq.order)
    if seq.failed_at is not None:
        out.append(
            _e(
                t(
                    "Choosing programme after programme ({order}) fails: no sites are left for {programme} under the shared rules.",
                    order=order,
                    programme=a.label(seq.failed_at, t.lang),
                )
            )
        )
    else:
        out.append(
            _e(
                t(
                    "Choosing programme after programme ({order}) gives {sequential}, {gap} less than choosing them together.",
                    order=order,
                    sequential=t.number(seq.objective),
                    gap=t.number(a.best.objective - seq.objective),
                )
            )
        )
    out.append("</p>")
    # the shared rules
    out.append(f"<h2>{_e(t('Shared rules'))}</h2><ul>")
    for b in a.binding:
        rule = _rule(a, b.family, t)
        if b.binds:
            text = t(
                "{rule} binds: without it the weighted total would be {without} instead of {value}.",
                rule=rule,
                without=t.number(b.objective_without),
                value=t.number(b.objective),
            )
        else:
            text = t("{rule} does not bind: the best allocation is as good without it.", rule=rule)
        out.append(f"<li>{_e(text)}</li>")
    if not a.binding:
        out.append(f"<li>{_e(t('No shared rule can constrain this allocation.'))}</li>")
    out.append("</ul>")
    out.append(
        '<p class="note">'
        + _e(
            t(
                "Solver {solver}, status {status}; {variables} variables, {constraints} constraints; {seconds} s in all.",
                solver=a.solver_version,
                status=a.best.status,
                variables=a.best.variables,
                constraints=a.best.constraints,
                seconds=t.number(a.seconds, 1),
            )
        )
        + "</p></div>"
    )
    return "".join(out)


def _lost_words(a: Allocation, lost: str, t: Translator) -> str:
    parts = []
    ids = [p.id for p in a.spec.programmes]
    for item in [x for x in lost.split(";") if x]:
        site, _, who = item.partition("→")
        if who == "rules":
            parts.append(t("{site} is left out by the shared rules", site=_place(a, site, t)))
        elif who.split("+")[0] in _RULE_WORDS:
            rules = ", ".join(_rule(a, f, t) for f in who.split("+"))
            parts.append(t("{site} is left out by {rules}", site=_place(a, site, t), rules=rules))
        else:
            names = ", ".join(a.label(ids.index(w), t.lang) for w in who.split("+"))
            parts.append(
                t("{site} goes to {programmes}", site=_place(a, site, t), programmes=names)
            )
    return "; ".join(parts) + ("." if parts else "")


def render_programmes_report(
    allocation: Allocation, *, lang: str | None = None, today: dt.date | None = None
) -> str:
    """The report as one HTML page in three languages, opening in ``lang``."""
    first = translator(lang or allocation.spec.language).lang
    day = today or dt.date.today()
    pages = "".join(_page(allocation, translator(code), day) for code in LANGUAGES)
    picks = "".join(
        f'<input type="radio" name="lang" class="pick" id="pick-{code}"{" checked" if code == first else ""} aria-label="{_e(NATIVE_NAMES[code])}">'
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
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    title = allocation.spec.title.get(first)
    return (
        f'<!DOCTYPE html>\n<html lang="{first}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>{picks}{switch}{pages}</body></html>\n"
    )


# --------------------------------------------------------------------------- the set


def _inputs(allocation: Allocation) -> dict[Path, str]:
    found = {allocation.file.path: sha256(allocation.file.path)}
    for run in allocation.runs:
        found |= run.inputs
    return found


def _manifest(allocation: Allocation, outputs: dict[str, Path]) -> dict[str, Any]:
    a = allocation
    return {
        "study": str(a.spec.title),
        # read by the publication to recognise its own files
        "criteria_file": str(a.file.path),
        "programmes_file": str(a.file.path),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": {str(p): digest for p, digest in _inputs(a).items()},
        "seed": a.spec.seed,
        "draws": a.draws,
        "versions": versions(),
        "solver": {
            "name": a.joint.solver,
            "version": a.solver_version,
            "status": a.best.status,
            "proved_optimal": a.best.proved,
        },
        "timings_s": {k: round(v, 4) for k, v in a.timings.items()},
        "outputs": {name: sha256(p) for name, p in outputs.items()},
    }


def write_programmes(
    allocation: Allocation, out_dir: str | Path, *, lang: str | None = None
) -> dict[str, Path]:
    """Write every output of an allocation into ``out_dir`` as one set (see the module).

    Parameters
    ----------
    allocation
        The allocation (:func:`siting.pipeline.programmes`).
    out_dir
        The output folder; it holds the previous set or this one, never a mix.
    lang
        Language the map and the report open in (default: the programme file's).

    Returns
    -------
    dict
        Output name → its path in ``out_dir``, manifest last.

    Raises
    ------
    OutputError
        An output would replace an input or a file this tool did not write, or the disk
        stopped the writing; ``out_dir`` is then as it was.
    """
    names = ["allocation.csv", "programmes.csv", "map.html", "report.html", MANIFEST]
    inputs = list(_inputs(allocation))
    with file_size_limit_as_error(), Publication(out_dir) as folder:
        folder.refuse(names, inputs)
        stage = folder.staging
        written = {
            "allocation.csv": write_allocation_csv(allocation, stage / "allocation.csv"),
            "programmes.csv": write_summary_csv(allocation, stage / "programmes.csv"),
            "map.html": write_allocation_map(allocation, stage / "map.html", lang=lang),
            "report.html": write_text(
                stage / "report.html", render_programmes_report(allocation, lang=lang)
            ),
        }
        manifest = _manifest(allocation, written)
        written[MANIFEST] = write_text(
            stage / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        )
        folder.publish(written, inputs)
    return {name: Path(out_dir) / name for name in written}
