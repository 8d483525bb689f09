"""The report and the static map: self-contained, three languages, escaped, complete, reproducible."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gettext
import itertools
import re
import struct
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import siting.i18n
from siting.i18n import translator
from siting.outputs import static_map
from siting.outputs.report import render_report, value_function_svg, write_report
from siting.outputs.static_map import (
    draw_static_map,
    label_boxes,
    render_static_map,
    write_static_map,
)
from siting.outputs.words import GLOSSARY, Words
from siting.recommendation import Point as Strength
from siting.recommendation import Recommendation, Verdict, recommend
from siting.results import Results
from siting.spec import Coverage
from tests.builders import (
    EVIL,
    ROOT,
    analysed,
    choice,
    html_escaped,
    reference_for,
    run_tiny,
    share_text,
)

DAY = dt.date(2026, 3, 2)
NBSP = "\xa0"


@pytest.fixture(scope="module")
def tiny() -> Results:
    return run_tiny()


#: A 1×1 PNG, drawn instead of the static map where a test reads only the report's text.
STUB_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def quick_map(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Draw the static map (0.5 s a language) only in the tests that look at it."""
    if request.node.name != "test_static_map_is_drawn_once_per_language":
        monkeypatch.setattr("siting.outputs.report.render_static_map", lambda *a, **k: STUB_PNG)


@pytest.fixture(scope="module")
def report(tiny: Results) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("siting.outputs.report.render_static_map", lambda *a, **k: STUB_PNG)
        return render_report(tiny, today=DAY)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def part(text: str, lang: str) -> str:
    """The rendering of one language."""
    start = text.index(f'<div class="lang lang-{lang}" lang="{lang}">')
    ends = [text.find(f'<div class="lang lang-{o}"', start + 1) for o in ("kk", "ru", "en")]
    ends = [e for e in ends if e > start]
    return text[start : min(ends) if ends else len(text)]


def section(text: str, key: str, lang: str = "en") -> str:
    page = part(text, lang)
    start = page.index(f'<section id="{lang}-{key}">')
    return page[start : page.index("</section>", start)]


# --------------------------------------------------------------------------- the file


def test_report_is_self_contained(report: str) -> None:
    assert "<script" not in report
    for attr in re.findall(r'(?:src|href)="([^"]*)"', report):
        assert attr.startswith(("data:", "#")), attr
    assert "default-src 'none'" in report


def test_three_languages_behind_a_css_switch(tiny: Results) -> None:
    text = render_report(tiny, lang="ru", today=DAY)
    assert text.startswith('<!DOCTYPE html>\n<html lang="ru">')
    for lang in ("kk", "ru", "en"):
        assert text.count(f'<div class="lang lang-{lang}" lang="{lang}">') == 1
        assert f'<label for="pick-{lang}" lang="{lang}">' in text
    # the radio of the opening language is the checked one, and only it
    assert re.findall(r'id="pick-(\w+)" checked', text) == ["ru"]
    # numbers follow each language's locale: 0,998 in Kazakh and Russian, 0.998 in English
    assert "0,998" in part(text, "kk") and "0,998" in part(text, "ru")
    assert "0.998" in part(text, "en")
    # anchors are unique across the three renderings
    ids = re.findall(r' id="([^"]+)"', text)
    assert len(ids) == len(set(ids))
    # the default language is the study's
    assert re.findall(r'id="pick-(\w+)" checked', render_report(tiny, today=DAY)) == ["en"]


def test_answer_first_with_date_file_hash_and_versions(report: str, tiny: Results) -> None:
    page = part(report, "en")
    cover = page[: page.index("</header>")]
    assert '<p class="headline">Recommended sites: Almaty and Astana.</p>' in cover
    assert "Why these sites" in cover and "How sure" in cover
    assert translator("en").date(DAY) in cover
    criteria_file, digest = next(iter(tiny.inputs.items()))
    assert f"<code>{criteria_file.name}</code>" in cover and digest[:16] in cover
    assert "siting 0.1.0" in cover or re.search(r"siting \d", cover)
    assert "fingerprint" in cover
    # a table of contents that links every section
    toc = page[page.index('<nav class="toc"') : page.index("</nav>")]
    for key in re.findall(r'<section id="en-([\w-]+)">', page):
        assert f'href="#en-{key}"' in toc


def test_report_has_every_part(report: str, tiny: Results) -> None:
    page = part(report, "en")
    assert "Six Kazakh cities, four universities, three institutes." in page  # description
    for c in tiny.study.criteria:
        assert c.label in page
    # tiny study: weights 25 %, 25 %, 50 % (groups 1 : 1 : 2, one criterion each)
    criteria = section(report, "criteria")
    assert criteria.count(f"weight 25.0{NBSP}%") == 2 and f"weight 50.0{NBSP}%" in criteria
    assert "fewer than 50,000 inhabitants" in page  # the excluded candidate's reason
    for name in tiny.ranking["name"]:
        assert name in page
    assert "Almaty ★" in page and "Astana ★" in page  # the portfolio
    assert "Rules that bind" in page
    assert page.count('<svg class="chart"') == len(tiny.study.criteria)  # value functions
    assert page.count("data:image/png;base64,") == 1  # the static map


def test_ranking_table_follows_the_ranking(report: str, tiny: Results) -> None:
    table = section(report, "ranking")
    table = table[: table.index("</table>")]
    names = re.findall(r"<tr[^>]*><td class=num>[^<]*</td><td>([^<★]+?)(?: ★)?</td>", table)
    assert names == list(tiny.ranking["name"])
    assert '<tr class="excluded"><td class=num>–</td><td>Kurchatov</td>' in table


def test_value_function_chart_draws_the_candidates(tiny: Results) -> None:
    crit = next(c for c in tiny.study.criteria if c.id == "university_km")
    kept = tiny.ranking["excluded_reason"] == ""
    svg = value_function_svg(crit, tiny.raw[crit.id], tiny.values[crit.id], kept, lang="ru")
    assert svg.startswith('<svg class="chart"')
    assert ">km<" in svg  # the unit titles the axis, as text
    kept_dots = re.search(r'<g class="kept"[^>]*>(.*?)</g>', svg, re.S)
    excluded_dots = re.search(r'<g class="excluded"[^>]*>(.*?)</g>', svg, re.S)
    assert kept_dots is not None and kept_dots.group(1).count("<circle ") == 5
    assert excluded_dots is not None and excluded_dots.group(1).count("<circle ") == 1
    assert ">1,0<" in svg  # the value axis in the Russian number format
    assert " id=" not in svg  # no ids: three renderings share a page


def test_malicious_text_is_escaped(tiny: Results) -> None:
    candidates = tiny.candidates.copy()
    ranking = tiny.ranking.copy()
    candidates.loc["karaganda", "name"] = EVIL
    ranking.loc["karaganda", "name"] = EVIL
    study = tiny.study.model_copy(update={"description": "<b>bold</b> & more"})
    evil = dataclasses.replace(tiny, candidates=candidates, ranking=ranking, study=study)
    text = render_report(evil, today=DAY)
    assert EVIL not in text
    assert html_escaped(EVIL) in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in text


def test_dollar_signs_are_text_not_mathtext(tiny: Results) -> None:
    """Matplotlib reads $...$ as mathtext; names and units from data must stay plain text."""
    candidates = tiny.candidates.copy()
    ranking = tiny.ranking.copy()
    candidates.loc["almaty", "name"] = ranking.loc["almaty", "name"] = r"Almaty $\frac{1$"
    criteria = [c.model_copy(update={"unit": "$ per $"}) for c in tiny.study.criteria]
    study = tiny.study.model_copy(update={"study": "Cost in $ and $", "criteria": criteria})
    odd = dataclasses.replace(tiny, candidates=candidates, ranking=ranking, study=study)
    assert "Almaty $\\frac{1$" in render_report(odd, today=DAY)


def test_report_is_reproducible(tiny: Results, report: str) -> None:
    assert render_report(tiny, today=DAY) == report


def test_optional_sections_only_when_present(tiny: Results, report: str) -> None:
    page = part(report, "en")
    assert "Do the methods agree?" not in page
    assert "How sure is the answer?" not in page
    assert "The reference: Novosibirsk" not in page
    assert "Alternative portfolios" not in page and "population covered" not in page
    kept = list(tiny.included)
    ranks = pd.DataFrame({"weighted_sum": [1, 2, 3, 4, 5], "topsis": [2, 1, 3, 4, 5]}, index=kept)
    agreement = pd.DataFrame(
        [
            {
                "method_a": "weighted_sum",
                "method_b": "topsis",
                "spearman_rho": 0.9,
                "kendall_tau_b": 0.8,
                "top_k_overlap": 1.0,
                "k": 5,
            }
        ]
    )
    extended = dataclasses.replace(
        tiny,
        method_ranks=ranks,
        agreement=agreement,
        reference=reference_for(tiny, facilities=False),
    )
    text = render_report(extended, today=DAY)
    methods = section(text, "methods")
    assert "Kendall τ-b" in methods and "<td class=num>0.80</td>" in methods
    # TOPSIS is glossed where it is first used, and listed in the glossary
    assert "imaginary ideal town" in part(text, "en")
    reference = section(text, "reference")
    # Akademgorodok has every value 1, so it beats every candidate (Almaty: 0.998); Koltsovo
    # has every value 0.5: only Almaty and Astana (above 0.99) beat it (Karaganda: 0.499).
    assert (
        "<td class=num><strong>1.000</strong></td><td class=num><strong>0.500</strong></td>"
        in reference
    )
    assert "<td class=num>1 of 6</td><td class=num>3 of 6</td><td class=num>1</td>" in reference
    assert "<th class=num>Akademgorodok &lt;NSC&gt;</th>" in reference
    assert "Rank by TOPSIS" in section(text, "ranking")


def test_alternatives_and_pareto_front(tiny: Results) -> None:
    front = pd.DataFrame(
        {
            "total_score": [1.49, 1.99],
            "population_covered": [2_900_000.0, 2_400_000.0],
            "covered_share": [0.6, 0.5],
            "ids": [["astana", "oskemen"], ["almaty", "astana"]],
            "optimal_for_score": [False, True],
        }
    )
    portfolio = tiny.study.portfolio.model_copy(update={"coverage": Coverage(radius_km=120)})
    extended = dataclasses.replace(
        tiny,
        study=tiny.study.model_copy(update={"portfolio": portfolio}),
        portfolio=dataclasses.replace(tiny.portfolio, population_covered=3_100_000.0),
        alternatives=[choice(["almaty", "karaganda"], 1.5)],
        pareto=front,
    )
    text = section(render_report(extended, today=DAY), "portfolio")
    assert "within 150 km" not in text and "within 120 km: 3,100,000 live within reach" in text
    score = tiny.ranking["score"]
    total = score["almaty"] + score["karaganda"]
    gap = score["astana"] - score["karaganda"]
    assert (
        f"<td>Almaty, Karaganda</td><td class=num>{total:.3f}</td><td class=num>{gap:.3f}</td>"
        "<td>Karaganda instead of Astana</td>"
    ) in text
    # the front by increasing population, the best total score starred
    rows = re.findall(r"<tr><td class=num>(\d ?★?)</td><td class=num>([\d,]+)</td>", text)
    assert rows == [("1 ★", "2,400,000"), ("2", "2,900,000")]
    assert "<td>Astana, Oskemen</td>" in text
    chart = re.search(r'<svg class="chart"[^>]*aria-label="Pareto front.*?</svg>', text, re.S)
    assert chart is not None and chart.group(0).count("<circle ") >= 2  # both points drawn


@pytest.fixture(scope="module")
def robust(tiny: Results) -> Results:
    return analysed(tiny)


def test_robustness_section_from_the_analysis(robust: Results) -> None:
    sens = robust.sensitivity
    text = section(render_report(robust, today=DAY), "robustness")
    assert "2,000 random weightings" in text and f"seed {robust.study.seed}" in text
    assert "found again for 200 of these draws" in text
    assert "varied within their stated uncertainty" in text
    # each cell of 0.5 % or more shows its per cent
    first = sens.acceptability.acceptability.loc["almaty", 1]
    assert f">{100 * first:.0f}{NBSP}%</td>" in text
    assert text.count("stroke-dasharray") >= robust.values.shape[1]  # the study's weights
    assert "Distance to the nearest university with" in text  # criteria by their labels
    # stability: Almaty stays first while the university weight is in [lo, hi]
    row = sens.stability.set_index("criterion").loc["university_km"]
    lo, hi = (translator("en").percent(row[k], 1) for k in ("first_lo", "first_hi"))
    assert f"<td class=num>25.0{NBSP}%</td><td>{lo}–{hi}" in text
    # membership: every candidate that was ever in the best portfolio, with its share
    words = Words(robust, translator("en"))
    p = sens.membership.probability
    for cid, share in p[p > 0].items():
        name = robust.ranking.at[cid, "name"]
        star = " ★" if cid in robust.portfolio.ids else ""
        assert f"<td>{name}{star}</td><td class=num>{html_escaped(words.share(share))}</td>" in text
    for _, r in sens.membership.portfolios.iterrows():
        names = ", ".join(robust.ranking.loc[r["portfolio"].split(";"), "name"])
        assert f"<td>{names}</td><td class=num>{html_escaped(words.share(r['share']))}</td>" in text
    assert share_text(0.0) == "0 %"  # the builders' helper is still what the map uses


def test_robustness_section_escapes_names(robust: Results) -> None:
    candidates = robust.candidates.copy()
    ranking = robust.ranking.copy()
    candidates.loc["karaganda", "name"] = ranking.loc["karaganda", "name"] = EVIL
    text = render_report(dataclasses.replace(robust, candidates=candidates, ranking=ranking))
    assert EVIL not in text
    assert html_escaped(EVIL) in section(text, "robustness")


def test_boundaries_note_under_the_map(tiny: Results) -> None:
    shipped = gpd.read_file(ROOT / "data" / "boundaries.geojson")
    figure = section(render_report(dataclasses.replace(tiny, boundaries=shipped)), "map")
    assert "<br>Boundaries: Regional layout before 2018 (14 regions" in figure
    assert "Ulytau from Karaganda.</figcaption>" in figure


def test_write_report(tiny: Results, tmp_path: Path) -> None:
    path = write_report(tiny, tmp_path / "report.html", lang="kk")
    text = path.read_text(encoding="utf-8")
    assert text.startswith('<!DOCTYPE html>\n<html lang="kk">')


# --------------------------------------------------------------------------- words


def close_call(results: Results) -> Results:
    """``results`` whose second site (Astana) is a close call, Karaganda its contender."""
    rec = recommend(results)
    sites = tuple(
        dataclasses.replace(v, share=0.42, firm=False, contender="karaganda")
        if v.id == "astana"
        else dataclasses.replace(v, share=1.0)
        for v in rec.sites
    )
    shortlist = tuple(next((s for s in sites if s.id == v.id), v) for v in rec.shortlist)
    rec = dataclasses.replace(rec, sites=sites, shortlist=shortlist, close=True, draws=500)
    return dataclasses.replace(results, recommendation=rec)


def test_a_close_call_is_said_with_its_contender(tiny: Results) -> None:
    text = part(render_report(close_call(tiny), today=DAY), "en")
    cover = text[: text.index("</header>")]
    assert "Recommended sites: Almaty and Astana or Karaganda." in cover
    assert "Site 2 of 2: Astana or Karaganda — a close call." in cover
    assert f"Astana is in the best portfolio in only 42{NBSP}% of 500 weight draws." in cover
    assert "Close call" in cover and "Contender" in cover  # both terms glossed on the page


def test_binding_rules_in_words(tiny: Results) -> None:
    spacing = {
        "rule": "min_spacing_km",
        "value": 300.0,
        "binds": True,
        "objective": 1.99,
        "objective_without": 2.2,
        "selected_without": ["almaty", "karaganda"],
        "pairs": [["astana", "karaganda", 192.89]],
    }
    group = {
        "rule": "at_most_per_group",
        "value": 1,
        "binds": True,
        "objective": 1.99,
        "objective_without": 2.0,
        "selected_without": ["astana", "pavlodar"],
        "groups": ["north"],
    }
    loose = {**spacing, "binds": False}
    portfolio = dataclasses.replace(tiny.portfolio, binding_details=[spacing, group, loose])
    words = Words(dataclasses.replace(tiny, portfolio=portfolio), translator("en"))
    assert words.binding(spacing) == (
        "Keeping the rule “sites at least 300 km apart” costs 0.210 of total score: without it "
        "Karaganda would replace Astana (Karaganda is 193 km from Astana)."
    )
    # The tiny layer's own field, with no `groupings:` labels: its name and values as written
    # (tests/test_groupings.py checks the labelled words).
    assert words.binding(group) == (
        "Keeping the rule “at most 1 site per macro region” costs 0.010 of total score: without "
        "it Pavlodar would replace Almaty (Astana and Pavlodar would all be in north)."
    )
    assert words.binding(loose).startswith("The rule “sites at least 300 km apart” does not change")
    assert words.binding_sentences() == [words.binding(spacing), words.binding(group)]
    russian = Words(dataclasses.replace(tiny, portfolio=portfolio), translator("ru"))
    assert "0,210" in russian.binding(spacing)


def test_strengths_and_weaknesses_against_the_leader(tiny: Results) -> None:
    words = Words(tiny, translator("en"))
    strong = words.strengths("karaganda")
    weak = words.weaknesses("karaganda")
    assert strong and weak
    assert all("(average candidate:" in s for s in strong)
    assert all("(Almaty:" in s and "costs" in s for s in weak)
    # the leader is measured against the runner-up
    assert all("(Astana:" in s for s in words.weaknesses("almaty"))


def test_what_the_data_leave_out(tiny: Results) -> None:
    layer = gpd.GeoDataFrame(
        {
            "name": ["A", "B", "C"],
            "position": ["city", "site", "city"],
            "precision_km": [3.0, 1.0, 9.0],
            "students": [5000.0, None, 7000.0],
            "region": ["North", "North", "South"],
        },
        geometry=[Point(70, 50), Point(71, 50), Point(72, 45)],
        crs="EPSG:4326",
    )
    candidates = tiny.candidates.copy()
    candidates["region"] = ["North", "South", "East", "North", "East", "East"]
    results = dataclasses.replace(tiny, layers={"universities": layer}, candidates=candidates)
    gaps = Words(results, translator("en")).data_gaps()
    texts = {g.kind: g.text for g in gaps}
    assert texts["position"].startswith("2 of 3 entries stand on their town's point")
    assert "For 1 of them the true site is more than 5 km away." in texts["position"]
    # the field in words (issue 11: no raw field names)
    assert (
        texts["unknown"]
        == "Unknown values: “number of students” for 1 of 3 (a criterion reads it)."
    )
    assert texts["none"] == "No entry in 1 region: East."
    assert texts["few"] == "A single entry in 1 region: South."
    page = section(render_report(results, today=DAY), "gaps")
    assert "universities" in page and "read by the criteria" in page


def test_every_term_used_is_in_the_glossary_and_glossed_once(robust: Results) -> None:
    text = render_report(close_call(robust), today=DAY)
    for lang in ("en", "kk"):
        page = part(text, lang)
        glossary = section(text, "glossary", lang)
        for key in set(re.findall(rf'href="#{lang}-g-([\w]+)"', page)):
            assert f'id="{lang}-g-{key}"' in glossary, key
        words = Words(robust, translator(lang))
        for term in GLOSSARY:
            gloss = html_escaped(words.term(term.key).gloss)
            # once where it is first used, once in the glossary
            assert page.count(gloss) <= 2, term.key


class Pseudo(gettext.NullTranslations):
    """A catalog that "translates" every message by wrapping it in ⟦ ⟧, placeholders kept."""

    def gettext(self, message: str) -> str:
        return f"⟦{message}⟧"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"

    def pgettext(self, context: str, message: str) -> str:
        return f"⟦{message}⟧"


def visible_text(page: str) -> str:
    """The text a reader sees in an HTML fragment (tags dropped, entities decoded)."""
    import html

    page = re.sub(r"<(title|style)>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_every_word_goes_through_the_catalog(
    robust: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pseudo-translate every message: no English word of the code may be left over."""
    results = close_call(robust)
    english = render_report(results, today=DAY)
    monkeypatch.setattr(siting.i18n, "_translations", lambda lang: Pseudo())
    text = visible_text(part(render_report(results, lang="kk", today=DAY), "kk"))
    while "⟦" in text:  # messages nest (a list of strengths inside a sentence)
        text = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
    # What remains must come from the data and the criteria file, not from the code.
    data = [str(n) for n in results.ranking["name"]]
    data += [str(c.label) for c in results.study.criteria]
    data += [str(c.unit) for c in results.study.criteria if c.unit]
    data += [str(results.study.study), str(results.study.description or "")]
    data += [str(r) for r in results.ranking["excluded_reason"] if r]
    data += [p.name for p in results.inputs]
    data += ["cbc", "CBC", "test", "siting", "python", "numpy", "pandas", "geopandas"]
    data += ["pulp", "highspy", "matplotlib", "Akademgorodok", "NSC", "Koltsovo"]
    data += [str(g) for g in (results.study.groups or {})]
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " ")
    text = re.sub(r"\b[0-9a-f]{12,}\b", " ", text)  # hashes
    left = sorted({w for w in re.findall(r"[A-Za-z]{3,}", text)})
    assert left == [], left
    assert "0,998" in english.replace("0.998", "0,998")  # sanity: the page rendered


# --------------------------------------------------------------------------- static map


def test_static_map_png(tiny: Results, tmp_path: Path) -> None:
    path = write_static_map(tiny, tmp_path / "map.png")
    data = path.read_bytes()
    assert png_size(data) == (1200, 780)  # 8 × 5.2 inches at 150 dpi
    assert render_static_map(tiny) == data  # no timestamp: the same run, the same bytes
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]


def test_static_map_is_drawn_once_per_language(
    tiny: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = dataclasses.replace(tiny)  # a run of its own: nothing cached for it yet
    drawn: list[str | None] = []
    real = static_map.draw_static_map

    def counting(results: Results, *, lang: str | None = None):
        drawn.append(lang)
        return real(results, lang=lang)

    monkeypatch.setattr(static_map, "draw_static_map", counting)
    first = render_static_map(run, lang="kk")
    render_report(run, lang="kk", today=DAY)
    assert sorted(drawn) == ["en", "kk", "ru"]  # the report reused map.png's drawing
    assert render_static_map(run, lang="kk") is first


def clustered(results: Results, seed: int = 3) -> Results:
    """Forty towns, a dozen of them crowded within 40 km of Almaty, as in the real data."""
    rng = np.random.default_rng(seed)
    n = 40
    ids = [f"t{i:02d}" for i in range(n)]
    lon = np.r_[76.9 + rng.normal(0, 0.25, 12), rng.uniform(52, 84, n - 12)]
    lat = np.r_[43.3 + rng.normal(0, 0.15, 12), rng.uniform(42, 54, n - 12)]
    names = pd.Series([f"Townname {i}" for i in range(n)], index=ids)
    score = pd.Series(np.linspace(0.95, 0.1, n), index=ids)
    ranking = pd.DataFrame(
        {
            "name": names,
            "score": score,
            "rank": pd.array(range(1, n + 1), dtype="Int64"),
            "excluded_reason": "",
        }
    )
    candidates = gpd.GeoDataFrame(
        {"name": names},
        geometry=[Point(x, y) for x, y in zip(lon, lat, strict=True)],
        crs="EPSG:4326",
    )
    portfolio = choice(["t00", "t05", "t20"], float(score[["t00", "t05", "t20"]].sum()))
    out = dataclasses.replace(
        results, candidates=candidates, ranking=ranking, portfolio=portfolio, recommendation=None
    )
    verdicts = tuple(
        Verdict(cid, k + 1, float(score[cid]), (Strength("population", 0.1, 0.0),), ())
        for k, cid in enumerate(["t00", "t05", "t20"])
    )
    close = dataclasses.replace(verdicts[2], firm=False, contender="t30", share=0.4)
    rec = Recommendation(
        sites=(*verdicts[:2], close), shortlist=(*verdicts[:2], close), leader="t00"
    )
    return dataclasses.replace(out, recommendation=rec)


def test_static_map_names_never_overlap(tiny: Results) -> None:
    crowded = clustered(tiny)
    fig = draw_static_map(crowded, lang="en")
    boxes = dict(label_boxes(fig))
    # the chosen sites and the contender are always named; crowded ones are dropped
    for cid in ("t00", "t05", "t20", "t30"):
        assert crowded.ranking.at[cid, "name"] in boxes
    assert len(boxes) < len(crowded.ranking)
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not box_a.overlaps(box_b), (a, b)
    # no ring covers a name
    ax = fig.axes[0]
    rings = [c for c in ax.collections if str(c.get_gid()).startswith("ring-")]
    assert {str(c.get_gid()) for c in rings} == {"ring-chosen", "ring-close", "ring-contender"}
    renderer = fig.canvas.get_renderer()
    for ring in rings:
        for centre in ring.get_offsets():
            cx, cy = ax.transData.transform(centre)
            r = 7 * fig.dpi / 72  # the ring's radius in pixels (marker area 220 pt²)
            for name, box in boxes.items():
                inside_x = box.x0 - r < cx < box.x1 + r and box.y0 < cy < box.y1
                inside_y = box.y0 - r < cy < box.y1 + r and box.x0 < cx < box.x1
                assert not (inside_x or inside_y), name
    assert renderer is not None


def test_static_map_is_projected_for_kazakhstan(tiny: Results) -> None:
    fig = draw_static_map(tiny, lang="en")
    ax = fig.axes[0]
    x0, x1 = ax.get_xlim()
    assert x1 - x0 > 100_000  # metres of a conic projection, not degrees
    assert ax.get_aspect() == 1.0  # the country keeps its shape
    assert not ax.axison  # no longitude and latitude axes
    title = ax.get_title()
    assert "Recommended sites: Almaty and Astana." in title


def test_static_map_names_only_the_first_sites_by_priority(
    tiny: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With thousands of candidates only the first NAMES_TRIED are tried (chosen ones first)."""
    crowded = clustered(tiny)
    monkeypatch.setattr(static_map, "NAMES_TRIED", 5)
    boxes = dict(label_boxes(draw_static_map(crowded, lang="en")))
    assert len(boxes) <= 5
    for cid in ("t00", "t05", "t20", "t30"):
        assert crowded.ranking.at[cid, "name"] in boxes
