"""Comparing studies: the tiny study against edited copies of itself."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from scipy import stats

import siting
from siting.compare import compare, spec_differences
from siting.errors import DataError
from siting.outputs.comparison import write_comparison
from tests.chromium import CHROMIUM, launch

EVIL = "<img src=x onerror=alert(1)>"


def run(path: Path) -> siting.Results:
    return siting.run(path)


@pytest.fixture
def pair(tiny, edit) -> tuple[siting.Results, siting.Results]:
    """The tiny study, and a copy with other weights, rules, criteria and an exclusion."""
    study = tiny / "study.yaml"
    other = tiny / "other.yaml"
    other.write_text(study.read_text(encoding="utf-8"), encoding="utf-8")
    edit(other, "enablers: {weight: 2}", "enablers: {weight: 0.5}")
    edit(other, "min_spacing_km: 300", "min_spacing_km: 500")
    edit(other, "below: 50000", "below: 400000")
    edit(
        other,
        "    direction: benefit\n    unit: institutes\n    weight: 1",
        "    direction: benefit\n    unit: institutes\n    weight: 3",
    )
    edit(
        other,
        "exclude:",
        "  - id: institutes_300km\n    label: Research institutes within 300 km\n"
        "    group: science\n    measure: {count: institutes, within_km: 300}\n"
        "    direction: benefit\n    weight: 1\nexclude:",
    )
    return run(study), run(other)


def test_ranks_and_changes(pair):
    a, b = pair
    cmp = compare([a, b])
    assert cmp.labels == ["study", "other"]
    ranks = cmp.ranks.set_index("id")
    assert list(ranks.index[: len(a.ranking)]) == list(a.ranking.index)
    for cid in a.ranking.index:
        assert (
            ranks.at[cid, "rank_study"] is pd.NA
            or ranks.at[cid, "rank_study"] == a.ranking.at[cid, "rank"]
        )
    # Pavlodar and Oskemen (370,000 people) fall below the new 400,000 threshold.
    assert ranks.at["pavlodar", "rank_other"] is pd.NA
    assert ranks.at["pavlodar", "excluded_other"] == "fewer than 50,000 inhabitants"
    assert ranks.at["pavlodar", "change_other"] is pd.NA
    kept = ranks["rank_other"].notna() & ranks["rank_study"].notna()
    expected = ranks.loc[kept, "rank_study"] - ranks.loc[kept, "rank_other"]
    assert ranks.loc[kept, "change_other"].tolist() == expected.tolist()
    assert ranks.at["almaty", "portfolio_study"]
    assert ranks["portfolio_other"].sum() == len(b.portfolio.ids)


def test_pairs_match_scipy(pair):
    a, b = pair
    cmp = compare([a, b], k=2)
    row = cmp.pairs.iloc[0]
    both = a.ranking["rank"].notna() & b.ranking["rank"].reindex(a.ranking.index).notna()
    ids = a.ranking.index[both]
    x = a.ranking.loc[ids, "rank"].astype(float)
    y = b.ranking.loc[ids, "rank"].astype(float)
    assert row["common"] == len(ids)
    assert row["kendall_tau_b"] == pytest.approx(stats.kendalltau(x, y).statistic)
    assert row["spearman_rho"] == pytest.approx(stats.spearmanr(x, y).statistic)
    top_a = set(a.ranking.index[a.ranking["rank"] <= 2])
    top_b = set(b.ranking.index[b.ranking["rank"] <= 2])
    assert row["top_k_common"] == len(top_a & top_b)
    assert row["top_k_overlap"] == len(top_a & top_b) / 2
    assert row["portfolio_common"] == len(set(a.portfolio.ids) & set(b.portfolio.ids))


def test_identical_studies_agree_completely(tiny):
    a = run(tiny / "study.yaml")
    cmp = compare([a, a], labels=["left", "right"])
    row = cmp.pairs.iloc[0]
    assert row["kendall_tau_b"] == pytest.approx(1.0) and row["spearman_rho"] == pytest.approx(1.0)
    assert row["top_k_overlap"] == 1.0
    assert cmp.differences.empty
    assert (cmp.ranks["change_right"].dropna() == 0).all()
    assert set(cmp.portfolios["status"]) == {"shared"}
    assert cmp.portfolios["in_left"].tolist() == cmp.portfolios["in_right"].tolist()
    assert (cmp.weights["change_right"] == 0).all()
    assert cmp.warnings == []


def test_differences_name_what_changed(pair):
    a, b = pair
    diff = pd.DataFrame(spec_differences(a, b, label="other"))

    def pick(section, item, field=""):
        hit = diff[(diff.section == section) & (diff.item == item) & (diff.field == field)]
        assert len(hit) == 1, (section, item, field, diff)
        return hit.iloc[0]

    added = pick("criteria", "institutes_300km")
    assert added["change"] == "added" and json.loads(added["value"])["measure"]["within_km"] == 300
    w = pick("criteria", "institutes_100km", "weight")
    assert (w["baseline"], w["value"]) == ("1.0", "3.0")
    g = pick("groups", "enablers", "weight")
    assert (g["change"], g["baseline"], g["value"]) == ("changed", "2.0", "0.5")
    spacing = pick("portfolio", "portfolio", "min_spacing_km")
    assert (spacing["baseline"], spacing["value"]) == ("300.0", "500.0")
    assert set(diff[diff.section == "exclude"]["change"]) == {"added", "removed"}
    # The weights the runs used are compared in their own table, not here.
    assert "global weight" not in set(diff["field"])
    # Nothing else: the measures, directions and value functions did not change.
    assert not diff["field"].isin(["measure", "direction", "value"]).any()


def test_measure_direction_and_candidate_set_changes(tiny, edit):
    a = run(tiny / "study.yaml")
    other = tiny / "b.yaml"
    other.write_text((tiny / "study.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    edit(other, "within_km: 100}", "within_km: 150}")
    edit(other, "value: {linear: {best: 0, worst: 500}}", "value: {linear: {best: 0, worst: 800}}")
    data = json.loads((tiny / "candidates.geojson").read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"]["id"] != "oskemen"]
    (tiny / "fewer.geojson").write_text(json.dumps(data), encoding="utf-8")
    edit(other, "candidates: candidates.geojson", "candidates: fewer.geojson")
    diff = compare([a, run(other)]).differences
    fields = set(zip(diff["item"], diff["field"], strict=True))
    assert ("institutes_100km", "measure") in fields
    assert ("university_km", "value") in fields
    assert ("candidates", "") in fields
    assert "oskemen" in set(diff.loc[diff.section == "candidate set", "item"])


def test_slope_chart_and_map_in_a_language(pair, tmp_path):
    from siting.outputs.comparison import render_map

    cmp = compare(list(pair))
    page = render_map(cmp, lang="ru")
    assert page.startswith('<!DOCTYPE html>\n<html lang="ru">')
    written = write_comparison(cmp, tmp_path, lang="kk")
    assert written["comparison.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert '<html lang="kk">' in written["comparison_map.html"].read_text(encoding="utf-8")


def test_bad_calls(tiny):
    a = run(tiny / "study.yaml")
    with pytest.raises(DataError, match="at least two studies"):
        compare([a])
    with pytest.raises(DataError, match="repeated"):
        compare([a, a], labels=["x", "x"])
    with pytest.raises(DataError, match="3 labels were given for 2"):
        compare([a, a], labels=["x", "y", "z"])
    # Default labels from the same file are made unique.
    assert compare([a, a, a]).labels == ["study", "study_2", "study_3"]


def test_write_comparison_is_offline_escaped_and_reproducible(tiny, edit, tmp_path):
    edit(tiny / "candidates.geojson", '"name": "Karaganda"', f'"name": "{EVIL}"')
    a = run(tiny / "study.yaml")
    other = tiny / "other.yaml"
    other.write_text((tiny / "study.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    edit(other, "enablers: {weight: 2}", "enablers: {weight: 0.2}")
    b = run(other)
    first = write_comparison(compare([a, b]), tmp_path / "one")
    second = write_comparison(compare([a, b]), tmp_path / "two")
    assert set(first) == {
        "comparison.csv", "comparison_weights.csv", "comparison_pairs.csv",
        "comparison_portfolios.csv", "comparison_differences.csv", "comparison.png",
        "comparison_map.html", "manifest.json",
    }  # fmt: skip
    manifest = json.loads(first["manifest.json"].read_text(encoding="utf-8"))
    assert set(manifest["outputs"]) == set(first) - {"manifest.json"}
    assert str((tiny / "other.yaml").resolve()) in manifest["inputs"]
    for name, path in first.items():
        if name.endswith((".csv", ".html")):
            assert path.read_bytes() == second[name].read_bytes(), name
    table = pd.read_csv(first["comparison.csv"])
    assert EVIL in set(table["name"])
    page = first["comparison_map.html"].read_text(encoding="utf-8")
    assert EVIL not in page and "<img" not in page
    # Nothing is fetched: no external script, stylesheet or image; a CSP forbids it anyway.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)
    assert "default-src 'none'" in page
    data = re.search(r'id="comparison-data">(.*?)</script>', page, re.S).group(1)
    studies = json.loads(data)["studies"]
    assert [s["label"] for s in studies] == ["study", "other"]
    names = {site["name"]["en"] for site in studies[0]["sites"]}
    assert EVIL in names  # the JSON decodes back to the original text
    # every text a person reads is there in three languages; the page opens in the study's
    payload = json.loads(data)
    assert set(payload["messages"]) == {"kk", "ru", "en"} and payload["lang"] == "en"
    assert set(studies[0]["title"]) == {"kk", "ru", "en"}
    south, west, north, east = payload["bounds"]
    assert (south, west, north, east) == (43.2567, 71.446, 52.2873, 82.6017)  # its towns
    assert first["comparison.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- like with like: methods, effective weights, portfolios by site ------------------------------


@pytest.fixture
def methods(tiny) -> tuple[siting.Results, siting.Results]:
    """The tiny study under the weighted sum, and the same study under TOPSIS (in memory)."""
    study = siting.Study.load(tiny / "study.yaml")
    return siting.run(study), siting.run(study.replace(method="topsis"))


def test_each_score_names_its_method_and_different_methods_are_a_warning(methods):
    a, b = methods
    cmp = compare([a, b], labels=["ws", "topsis"])
    assert cmp.methods == {"ws": "weighted_sum", "topsis": "topsis"}
    columns = list(cmp.ranks.columns)
    # the method sits beside the scores it made
    assert columns.index("method_ws") == columns.index("score_ws") + 1
    assert set(cmp.ranks["method_ws"]) == {"weighted_sum"}
    assert set(cmp.ranks["method_topsis"]) == {"topsis"}
    (warning,) = cmp.warnings
    assert "different methods" in warning and "ws: weighted sum" in warning
    assert "topsis: TOPSIS" in warning and "compare their ranks" in warning
    # the same method twice: nothing to warn about
    assert compare([a, a]).warnings == []


def test_the_warning_reaches_every_comparison_output(methods, tmp_path):
    a, b = methods
    written = write_comparison(compare([a, b], labels=["ws", "topsis"]), tmp_path, lang="ru")
    manifest = json.loads(written["manifest.json"].read_text(encoding="utf-8"))
    assert manifest["methods"] == {"ws": "weighted_sum", "topsis": "topsis"}
    assert "different methods" in manifest["warnings"][0]
    page = written["comparison_map.html"].read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="comparison-data">(.*?)</script>', page, re.S).group(1))
    assert set(data["warnings"][0]) == {"kk", "ru", "en"}
    assert "different methods" in data["warnings"][0]["en"]
    assert [s["method"]["en"] for s in data["studies"]] == ["weighted sum", "TOPSIS"]
    assert 'id="warning"' in page
    table = pd.read_csv(written["comparison.csv"])
    assert set(table["method_topsis"]) == {"topsis"}


def test_effective_weights_side_by_side(pair):
    a, b = pair
    cmp = compare([a, b])
    weights = cmp.weights.set_index("criterion")
    # every criterion of either study, the baseline's first
    assert list(weights.index) == [*a.weights.index, "institutes_300km"]
    for cid in a.weights.index:
        assert weights.at[cid, "weight_study"] == pytest.approx(a.weights[cid])
        assert weights.at[cid, "weight_other"] == pytest.approx(b.weights[cid])
    assert weights["weight_study"].sum() == pytest.approx(1.0)
    assert weights["weight_other"].sum() == pytest.approx(1.0)
    # the file says institutes_100km went from 1 to 3; what the run used is what counts
    change = weights["weight_other"].fillna(0) - weights["weight_study"].fillna(0)
    assert weights["change_other"].tolist() == pytest.approx(change.tolist())
    # a criterion the baseline lacks weighs 0 there
    assert pd.isna(weights.at["institutes_300km", "weight_study"])
    assert weights.at["institutes_300km", "change_other"] == pytest.approx(
        b.weights["institutes_300km"]
    )


def test_portfolios_are_lined_up_by_site(tiny):
    study = siting.Study.load(tiny / "study.yaml")
    a = siting.run(study)
    # 1,000 km apart at least: Almaty and Astana (about 970 km) cannot both be chosen
    b = siting.run(study.replace(portfolio={"min_spacing_km": 1000}))
    cmp = compare([a, b], labels=["near", "far"])
    table = cmp.portfolios.set_index("id")
    shared = set(a.portfolio.ids) & set(b.portfolio.ids)
    assert shared and set(a.portfolio.ids) != set(b.portfolio.ids)
    assert list(table.index[: len(shared)]) == [c for c in a.portfolio.ids if c in shared]
    for cid in table.index:
        inside = (cid in a.portfolio.ids, cid in b.portfolio.ids)
        assert (table.at[cid, "in_near"], table.at[cid, "in_far"]) == inside
        expected = {(True, True): "shared", (True, False): "only in near"}.get(
            inside, "only in far"
        )
        assert table.at[cid, "status"] == expected
    # the same site in both is one row, whatever its place in each portfolio
    assert len(table) == len(set(a.portfolio.ids) | set(b.portfolio.ids))


def test_compare_in_the_terminal(tiny):
    from typer.testing import CliRunner

    from siting.cli import app

    other = tiny / "topsis.yaml"
    other.write_text(
        (tiny / "study.yaml")
        .read_text(encoding="utf-8")
        .replace("portfolio:", "method: {name: topsis}\nportfolio:"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app,
        ["compare", str(tiny / "study.yaml"), str(other), "--out", str(tiny / "out")],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    text = result.output
    assert "The studies score by different methods (study: weighted sum, topsis: TOPSIS)" in text
    # the method in the header of each study's column
    header = next(
        line
        for line in text.splitlines()
        if "weighted sum" in line and "TOPSIS" in line and "┃" in line
    )
    assert header.index("weighted sum") < header.index("TOPSIS")
    assert "Weights each study uses" in text
    assert "Chosen sites, lined up by site" in text
    assert "shared" in text
    assert text.index("Weights each study uses") < text.index("Rank agreement")
    assert (tiny / "out" / "comparison_weights.csv").exists()


@pytest.mark.browser
@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="headless chromium is not at /usr/bin/chromium (in CI it must be)",
)
def test_map_in_a_browser_is_synced_offline_and_inert(tiny, edit, tmp_path):
    from playwright.sync_api import sync_playwright

    edit(tiny / "candidates.geojson", '"name": "Karaganda"', f'"name": "{EVIL}"')
    a = run(tiny / "study.yaml")
    shipped = gpd.read_file(Path(__file__).parent.parent / "data" / "boundaries.geojson")
    a = dataclasses.replace(a, boundaries=shipped)
    page_path = write_comparison(compare([a, a]), tmp_path)["comparison_map.html"]
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1200, "height": 700})
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("dialog", lambda d: problems.append("dialog " + d.message))
        page.on(
            "request",
            lambda r: problems.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
        )
        page.goto(page_path.as_uri())
        page.wait_for_selector(".leaflet-interactive")
        assert page.locator(".map").count() == 2
        # the first view holds the whole country, on every map
        assert page.evaluate(
            "window.siting.maps.every(m => m.getBounds().contains(window.siting.country))"
        )
        # the language switch rewrites the page's texts
        page.click("button[data-lang=ru]")
        assert page.evaluate("document.documentElement.lang") == "ru"
        assert page.evaluate("window.siting.language()") == "ru"
        centre = (
            "Array.from(document.querySelectorAll('.leaflet-map-pane')).map(e => e.style.transform)"
        )
        before = page.evaluate(centre)
        page.mouse.move(300, 400)
        page.mouse.down()
        page.mouse.move(200, 300, steps=5)
        page.mouse.up()
        page.wait_for_timeout(200)
        after = page.evaluate(centre)
        assert after[0] != before[0]
        # The second map followed the first (sub-pixel differences aside).
        moved = [[round(float(x)) for x in re.findall(r"-?[\d.]+(?=px)", t)] for t in after]
        assert all(abs(p - q) <= 1 for p, q in zip(moved[0], moved[1], strict=True))
        # The hostile name is shown as text, never parsed as HTML.
        assert page.locator("img[src='x']").count() == 0
        browser.close()
    assert problems == []
