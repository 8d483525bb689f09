"""The report and the static map: self-contained, escaped, complete, reproducible."""

from __future__ import annotations

import base64
import dataclasses
import re
import struct
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from siting.outputs.report import render_report, value_function_svg, write_report
from siting.outputs.static_map import render_static_map, write_static_map
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


@pytest.fixture(scope="module")
def tiny() -> Results:
    return run_tiny()


@pytest.fixture(scope="module")
def report(tiny: Results) -> str:
    return render_report(tiny)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def images(text: str) -> list[tuple[str, bytes]]:
    return [
        (kind, base64.b64decode(data))
        for kind, data in re.findall(r'<img src="data:image/([a-z+]+);base64,([^"]+)"', text)
    ]


def test_report_is_self_contained(report: str) -> None:
    assert "<script" not in report
    for attr in re.findall(r'(?:src|href)="([^"]*)"', report):
        assert attr.startswith("data:"), attr
    assert "default-src 'none'" in report


def test_report_has_every_part(report: str, tiny: Results) -> None:
    assert "Six Kazakh cities, four universities, three institutes." in report  # description
    for c in tiny.study.criteria:
        assert c.label in report
    # tiny study: weights 25 %, 25 %, 50 % (groups 1 : 1 : 2, one criterion each)
    assert report.count("weight 25.0 %") == 2 and "weight 50.0 %" in report
    assert "fewer than 50,000 inhabitants" in report  # the excluded candidate's reason
    for name in tiny.ranking["name"]:
        assert name in report
    assert "Almaty ★" in report and "Astana ★" in report  # the portfolio
    assert "Rules that bind" in report
    kinds = [k for k, _ in images(report)]
    # a value-function chart per criterion, the weights chart, the static map
    assert kinds.count("svg+xml") == len(tiny.study.criteria) + 1
    assert kinds.count("png") == 1


def test_ranking_table_follows_the_ranking(report: str, tiny: Results) -> None:
    table = report[report.index("<h2>Ranking</h2>") : report.index("<details>")]
    names = re.findall(r"<tr[^>]*><td class=num>[^<]*</td><td>([^<★]+?)(?: ★)?</td>", table)
    assert names == list(tiny.ranking["name"])
    assert '<tr class="excluded"><td class=num>–</td><td>Kurchatov</td>' in table


def test_value_function_chart_draws_the_candidates(tiny: Results) -> None:
    crit = next(c for c in tiny.study.criteria if c.id == "university_km")
    kept = tiny.ranking["excluded_reason"] == ""
    tag = value_function_svg(crit, tiny.raw[crit.id], tiny.values[crit.id], kept)
    ((kind, svg),) = images(tag)
    text = svg.decode()
    assert kind == "svg+xml" and text.lstrip().startswith("<?xml")
    assert ">km<" in text  # the unit labels the axis (text kept as text, not paths)
    # five kept candidates drawn filled, one excluded drawn hollow
    kept_dots = re.search(r'<g id="kept">(.*?)</g>', text, re.S)
    excluded_dots = re.search(r'<g id="excluded">(.*?)</g>', text, re.S)
    assert kept_dots is not None and kept_dots.group(1).count("<use ") == 5
    assert excluded_dots is not None and excluded_dots.group(1).count("<path ") == 1


def test_malicious_text_is_escaped(tiny: Results) -> None:
    candidates = tiny.candidates.copy()
    ranking = tiny.ranking.copy()
    candidates.loc["karaganda", "name"] = EVIL
    ranking.loc["karaganda", "name"] = EVIL
    study = tiny.study.model_copy(update={"description": "<b>bold</b> & more"})
    evil = dataclasses.replace(tiny, candidates=candidates, ranking=ranking, study=study)
    text = render_report(evil)
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
    assert "Almaty $\\frac{1$" in render_report(odd)


def test_report_is_reproducible(tiny: Results, report: str) -> None:
    assert render_report(tiny) == report


def test_optional_sections_only_when_present(tiny: Results, report: str) -> None:
    assert "Do the methods agree?" not in report
    assert "How robust" not in report
    assert "The reference: Novosibirsk" not in report
    assert "Alternative portfolios" not in report and "population covered" not in report
    kept = list(tiny.included)
    ranks = pd.DataFrame({"weighted_sum": [1, 2, 3, 4, 5], "topsis": [2, 1, 3, 4, 5]}, index=kept)
    agreement = pd.DataFrame(
        [
            {
                "method_a": "weighted_sum",
                "method_b": "topsis",
                "spearman_rho": 0.9,
                "kendall_tau_b": 0.8,
            }
        ]
    )
    extended = dataclasses.replace(
        tiny,
        method_ranks=ranks,
        agreement=agreement,
        reference=reference_for(tiny, facilities=False),
    )
    text = render_report(extended)
    assert "Do the methods agree?" in text and "Kendall τ-b" in text
    reference = text[text.index("The reference: Novosibirsk") :]
    # Akademgorodok has every value 1, so it beats every candidate (Almaty: 0.998); Koltsovo
    # has every value 0.5: only Almaty and Astana (above 0.99) beat it (Karaganda: 0.499).
    assert (
        "<td class=num><strong>1</strong></td><td class=num><strong>0.5</strong></td>" in reference
    )
    assert "<td class=num>1 of 6</td><td class=num>3 of 6</td><td class=num>1</td>" in reference
    assert "<th class=num>Akademgorodok &lt;NSC&gt;</th>" in reference
    assert len(images(text)) == len(images(report))


def test_alternatives_and_pareto_front(tiny: Results, report: str) -> None:
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
    text = render_report(extended)
    assert "within 120 km: 3,100,000 people live within reach" in text
    section = text[text.index("<h3>Alternative portfolios</h3>") :]
    score = tiny.ranking["score"]
    total = score["almaty"] + score["karaganda"]
    gap = score["astana"] - score["karaganda"]
    assert (
        f"<td>Almaty, Karaganda</td><td class=num>{total:.4g}</td><td class=num>{gap:.3g}</td>"
        "<td>Karaganda instead of Astana</td>"
    ) in section
    # the front by increasing population, the best total score starred
    rows = re.findall(r"<tr><td class=num>(\d ?★?)</td><td class=num>([\d,]+)</td>", section)
    assert rows == [("1 ★", "2,400,000"), ("2", "2,900,000")]
    assert "<td>Astana, Oskemen</td>" in section
    assert len(images(text)) == len(images(report)) + 1  # the Pareto chart
    ((_, chart),) = [svg for svg in images(section) if b"population covered" in svg[1]]
    assert chart.count(b"<use ") >= 2  # both points drawn


@pytest.fixture(scope="module")
def robust(tiny: Results) -> Results:
    return analysed(tiny)


def test_robustness_section_from_the_analysis(robust: Results, report: str) -> None:
    sens = robust.sensitivity
    text = render_report(robust)
    section = text[text.index("<h2>How robust is the ranking?</h2>") :]
    assert "2,000 random weight vectors" in section and f"seed {robust.study.seed}" in section
    assert "solved again for 200 of these draws" in section
    assert "the criterion values varied within their stated uncertainty" in section
    assert len(images(text)) == len(images(report)) + 2  # the heatmap and the small multiples
    heatmap, oat = (svg for _, svg in images(section))
    # each cell of 0.5 % or more is labelled with its per cent
    first = sens.acceptability.acceptability.loc["almaty", 1]
    assert f">{100 * first:.0f}<".encode() in heatmap
    assert oat.count(b"stroke-dasharray") >= robust.values.shape[1]  # the study's weights
    assert b"Distance to the nearest university with" in oat  # criteria by their labels
    # stability: Almaty stays first while the university weight is in [lo, hi]
    row = sens.stability.set_index("criterion").loc["university_km"]
    interval = f"{100 * row['first_lo']:.1f} %–{100 * row['first_hi']:.1f} %"
    assert f"<td class=num>25.0 %</td><td>{interval}" in section
    # membership: every candidate that was ever in the optimal portfolio, with its share
    p = sens.membership.probability
    for cid, share in p[p > 0].items():
        name = robust.ranking.at[cid, "name"]
        star = " ★" if cid in robust.portfolio.ids else ""
        assert f"<td>{name}{star}</td><td class=num>{share_text(share)}</td>" in section
    for _, r in sens.membership.portfolios.iterrows():
        names = ", ".join(robust.ranking.loc[r["portfolio"].split(";"), "name"])
        assert f"<td>{names}</td><td class=num>{share_text(r['share'])}</td>" in section


def test_robustness_section_escapes_names(robust: Results) -> None:
    candidates = robust.candidates.copy()
    ranking = robust.ranking.copy()
    candidates.loc["karaganda", "name"] = ranking.loc["karaganda", "name"] = EVIL
    text = render_report(dataclasses.replace(robust, candidates=candidates, ranking=ranking))
    assert EVIL not in text
    section = text[text.index("<h2>How robust is the ranking?</h2>") :]
    assert html_escaped(EVIL) in section


def test_boundaries_note_under_the_map(tiny: Results) -> None:
    shipped = gpd.read_file(ROOT / "data" / "boundaries.geojson")
    text = render_report(dataclasses.replace(tiny, boundaries=shipped))
    figure = text[text.index("<h2>Map</h2>") : text.index("<h2>Ranking</h2>")]
    assert "<br>Boundaries: Pre-2022 regional layout (14 regions" in figure
    assert "these lines are not drawn.</figcaption>" in figure


def test_static_map_png(tiny: Results, tmp_path: Path) -> None:
    path = write_static_map(tiny, tmp_path / "map.png")
    data = path.read_bytes()
    assert png_size(data) == (1200, 780)  # 8 × 5.2 inches at 150 dpi
    assert render_static_map(tiny) == data  # no timestamp: the same run, the same bytes
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]


def test_write_report(tiny: Results, tmp_path: Path) -> None:
    path = write_report(tiny, tmp_path / "report.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
