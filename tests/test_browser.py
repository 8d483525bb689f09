"""The map and the report in a real browser: headless Debian chromium driven by Playwright.

Every request that is not file:// or data: is blocked and recorded; each test
asserts that none was attempted, so a page that would reach out to a CDN or a
tile server fails here even though it would render from the cache elsewhere.
The tests skip only when /usr/bin/chromium is missing and CI is not set (in CI
they must run; the README's test command installs chromium).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from siting.outputs.maps import write_map
from siting.outputs.report import write_report
from siting.results import PortfolioChoice, Results
from tests.builders import EVIL, ROOT, analysed, reference_for, renamed, run_tiny, share_text

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip("headless chromium is not installed at /usr/bin/chromium", allow_module_level=True)

from playwright.sync_api import Browser, ConsoleMessage, Page, Route, sync_playwright  # noqa: E402


def varied(results: Results, n: int = 30, seed: int = 1) -> Results:
    """The tiny study's criteria on ``n`` candidates with random values, so weights reorder them.

    In the tiny study itself every candidate dominates the next one, so no weights
    change its order; these candidates trade criteria off against each other.
    """
    rng = np.random.default_rng(seed)
    crit = list(results.values.columns)
    ids = [f"t{i:02d}" for i in range(n)]
    values = pd.DataFrame(rng.uniform(0, 1, (n, len(crit))), index=ids, columns=crit)
    raw = values * 100
    contributions = values * results.weights
    score = contributions.sum(axis=1)
    excluded = pd.Series("", index=ids)
    excluded.iloc[-1] = "fewer than 50,000 inhabitants"
    kept = score[excluded == ""].sort_values(ascending=False, kind="stable")
    order = [*kept.index, *excluded.index[excluded != ""]]
    rank = pd.array([*range(1, len(kept) + 1), None], dtype="Int64")
    names = pd.Series([f"Town {i}" for i in range(n)], index=ids)
    ranking = pd.DataFrame(
        {
            "name": names[order],
            "score": score[order],
            "rank": rank,
            "excluded_reason": excluded[order],
        }
    )
    candidates = gpd.GeoDataFrame(
        {"name": names},
        geometry=[
            Point(p) for p in zip(rng.uniform(52, 85, n), rng.uniform(41, 55, n), strict=True)
        ],
        crs="EPSG:4326",
    )
    portfolio = PortfolioChoice(
        ids=list(kept.index[:2]),
        objective=float(kept.iloc[:2].sum()),
        status="Optimal",
        solver="cbc",
        solver_version="test",
        seconds=0.0,
        binding=["The spacing rule binds: Town 3 is 120 km from Town 7."],
    )
    return dataclasses.replace(
        results,
        candidates=candidates,
        raw=raw,
        values=values,
        contributions=contributions,
        ranking=ranking,
        portfolio=portfolio,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def tiny() -> Results:
    return renamed(run_tiny(), "karaganda", EVIL)


@pytest.fixture(scope="module")
def files(tiny: Results, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("browser")
    return {
        "map": write_map(tiny, out / "map.html"),
        "varied": write_map(varied(tiny), out / "varied.html"),
    }


@dataclasses.dataclass
class Watched:
    page: Page
    blocked: list[str]
    errors: list[str]
    dialogs: list[str]


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    w = Watched(page, [], [], [])

    def route(r: Route) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            w.blocked.append(url)
            r.abort()

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            w.errors.append(msg.text)

    def dialog(d: Any) -> None:
        w.dialogs.append(d.message)
        d.dismiss()

    page.route("**/*", route)
    page.on("console", console)
    page.on("pageerror", lambda exc: w.errors.append(str(exc)))
    page.on("dialog", dialog)
    yield w
    context.close()
    assert w.blocked == [], f"the page tried to reach the network: {w.blocked}"


def open_map(w: Watched, path: Path) -> Page:
    w.page.goto(path.as_uri())
    w.page.wait_for_function("window.siting && window.siting.ready", timeout=10_000)
    return w.page


def test_map_loads_offline_without_errors(watched: Watched, files: dict[str, Path]) -> None:
    page = open_map(watched, files["map"])
    assert watched.errors == []
    assert page.locator("#title").inner_text() == "Tiny fixture"
    # Leaflet's layers control and the legend are there: the inlined library ran.
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".legend").count() == 1


def test_one_marker_per_candidate(watched: Watched, files: dict[str, Path], tiny: Results) -> None:
    page = open_map(watched, files["map"])
    assert page.locator("path.candidate-marker").count() == len(tiny.ranking) == 6
    excluded = (tiny.ranking["excluded_reason"] != "").sum()
    assert page.locator("path.excluded-marker").count() == excluded == 1
    assert page.locator("path.portfolio-ring").count() == len(tiny.portfolio.ids)
    assert page.locator("#ranking tbody tr").count() == len(tiny.ranking) - excluded


def test_popup_explains_the_score(watched: Watched, files: dict[str, Path], tiny: Results) -> None:
    page = open_map(watched, files["map"])
    index = list(tiny.ranking.index).index("almaty")
    page.locator(f"path.cand-{index}").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("h3").inner_text() == "Almaty"
    assert "Rank 1 of 5" in popup.inner_text()
    rows = popup.locator("tr.crit-row")
    assert rows.count() == tiny.values.shape[1]
    for k, cid in enumerate(tiny.values.columns):
        row = rows.nth(k)
        assert row.get_attribute("data-criterion") == cid
        shown = float(row.locator("td.contribution").inner_text())
        assert shown == pytest.approx(tiny.contributions.at["almaty", cid], abs=6e-4)
    # tiny study: Almaty's population (2.2 million) is past the piecewise top, value 1,
    # weight 50 % (enablers 2 of 4 group points), contribution 0.5.
    pop = rows.nth(list(tiny.values.columns).index("population"))
    assert pop.locator("td").nth(1).inner_text() == "2,200,000 people"
    assert pop.locator("td.contribution").inner_text() == "0.5"


def python_whatif(results: Results, group_sliders: dict[str, float]) -> tuple[pd.Series, list[str]]:
    """The weighted sum the page should compute after setting some group sliders (0..100)."""
    by_id = {c.id: c for c in results.study.criteria}
    crit = list(results.values.columns)
    group = pd.Series({c: by_id[c].group for c in crit})
    share = results.weights[crit].groupby(group).sum()
    local = results.weights[crit] / share[group].to_numpy()
    sliders = 100 * share
    for g, v in group_sliders.items():
        sliders[g] = v
    w = (sliders / sliders.sum())[group].to_numpy() * local
    scores = results.values[crit] @ w
    kept = results.ranking.index[results.ranking["excluded_reason"] == ""]
    order = scores[kept].sort_values(ascending=False, kind="stable")
    return w, list(order.index)


def test_slider_reranks_as_the_weighted_sum(
    watched: Watched, files: dict[str, Path], tiny: Results
) -> None:
    results = varied(tiny)
    page = open_map(watched, files["varied"])
    before = page.eval_on_selector_all("#ranking tbody tr", "rows => rows.map(r => r.dataset.id)")
    assert before == list(results.ranking.index[results.ranking["rank"].notna()])
    groups = [c.group for c in results.study.criteria]
    slider = page.locator("input[data-kind=group]").nth(groups.index("enablers"))
    slider.fill("0")
    w, expected = python_whatif(results, {"enablers": 0.0})
    after = page.eval_on_selector_all("#ranking tbody tr", "rows => rows.map(r => r.dataset.id)")
    assert after == expected
    assert after != before  # the move did reorder the candidates
    ids = list(results.ranking.index)  # the page keeps the candidates in ranking order
    weights = page.evaluate("window.siting.weights()")
    np.testing.assert_allclose(weights, w.to_numpy(), rtol=0, atol=1e-15)
    scores = pd.Series(page.evaluate("window.siting.scores()"), index=ids)
    expected_scores = results.values @ w
    np.testing.assert_allclose(scores[ids], expected_scores[ids], rtol=0, atol=1e-12)
    # Reset gives back the study's ranking and scores.
    page.locator("#reset").click()
    reset = page.eval_on_selector_all("#ranking tbody tr", "rows => rows.map(r => r.dataset.id)")
    assert reset == before
    assert watched.errors == []


def test_malicious_name_is_shown_as_text(
    watched: Watched, files: dict[str, Path], tiny: Results
) -> None:
    page = open_map(watched, files["map"])
    assert page.locator("#ranking tbody").inner_text().count(EVIL) == 1
    assert EVIL in page.locator(".town-label").all_inner_texts()
    index = list(tiny.ranking.index).index("karaganda")
    page.locator(f"path.cand-{index}").click()
    assert page.locator(".leaflet-popup-content h3").inner_text() == EVIL
    assert page.locator("img").count() == 0  # no element was made from the name
    page.wait_for_timeout(200)  # an onerror handler would have fired by now
    assert watched.dialogs == []
    assert watched.errors == []


def test_tiles_that_cannot_load_leave_the_map_working(
    watched: Watched, tiny: Results, tmp_path: Path
) -> None:
    page = open_map(watched, write_map(tiny, tmp_path / "tiles.html", tiles="osm"))
    assert watched.blocked == []  # offered in the layers control, not fetched
    page.locator(".leaflet-control-layers").hover()  # the list is collapsed until hovered
    label = page.locator(".leaflet-control-layers-overlays label", has_text="Online tiles")
    label.locator("input").check()
    page.wait_for_function("document.getElementById('status').textContent.includes('tiles')")
    assert watched.blocked and all("tile.openstreetmap.org" in u for u in watched.blocked)
    watched.blocked.clear()  # the reader asked for them; the network said no
    assert page.locator("path.candidate-marker").count() == len(tiny.ranking)
    page.locator("input[data-kind=group]").first.fill("0")  # the page still responds
    assert page.locator("#ranking tbody tr").count() == len(tiny.included)
    assert [e for e in watched.errors if "Failed to load resource" not in e] == []


def extended(results: Results) -> Results:
    """The tiny study with a reference, one alternative portfolio and a Pareto front."""
    reference = reference_for(results)
    reference = dataclasses.replace(
        reference, sites=reference.sites.assign(name=["Akademgorodok", "Koltsovo"])
    )
    alternative = dataclasses.replace(results.portfolio, ids=["astana", "karaganda"], binding=[])
    return dataclasses.replace(
        results,
        reference=reference,
        alternatives=[alternative],
        pareto=pd.DataFrame(
            {
                "total_score": [1.99, 1.49, 1.2],
                "population_covered": [2_400_000.0, 2_900_000.0, 3_000_000.0],
                "ids": [["almaty", "astana"], ["astana", "oskemen"], ["almaty", "pavlodar"]],
                "optimal_for_score": [True, False, False],
            }
        ),
    )


def test_optional_layers_draw_and_explain(watched: Watched, tiny: Results, tmp_path: Path) -> None:
    page = open_map(watched, write_map(extended(tiny), tmp_path / "extended.html"))
    assert page.locator("path.alternative-ring").count() == 0  # offered, off at start
    page.locator(".leaflet-control-layers").hover()  # the list is collapsed until hovered
    label = page.locator(".leaflet-control-layers-overlays label", has_text="Alternative 1")
    label.locator("input").check()
    assert page.locator("path.alternative-ring").count() == 2
    assert "Karaganda instead of Almaty" in page.locator("#alternatives").inner_text().replace(
        EVIL, "Karaganda"
    )
    assert page.locator("path.reference-marker").count() == 2
    # Akademgorodok has every value 1: it would beat all five ranked candidates.
    assert (
        "Akademgorodok: weighted-sum score 1; it would rank 1 of 6."
        in page.locator("#reference-score").inner_text()
    )
    page.evaluate("window.siting.map.setView([54.9, 83.14], 9, {animate: false})")
    page.locator("path.reference-marker").nth(1).click()
    popup = page.locator(".leaflet-popup-content")
    assert popup.locator("h3").inner_text() == "Koltsovo"
    assert popup.locator("tr.crit-row").count() == tiny.values.shape[1]
    assert watched.errors == []


def test_pareto_point_rings_its_sites(watched: Watched, tiny: Results, tmp_path: Path) -> None:
    page = open_map(watched, write_map(extended(tiny), tmp_path / "pareto.html"))
    assert page.locator("#pareto circle.pareto-point").count() == 3
    assert page.locator("path.pareto-ring").count() == 0  # nothing chosen yet
    page.locator("#pareto circle.pareto-point").nth(1).click()
    assert page.locator("path.pareto-ring").count() == 2
    info = page.locator("#pareto-info").inner_text()
    assert info == "Point 2: population covered 2,900,000, total score 1.49: Astana, Oskemen"
    assert page.locator(".pareto-table tbody tr").nth(1).get_attribute("class") == "selected"
    # the table chooses too; the best total score is starred
    row = page.locator(".pareto-table tbody tr").nth(0)
    assert row.locator("td").nth(0).inner_text() == "1 ★"
    row.click()
    assert page.locator("#pareto-info").inner_text().endswith(": Almaty, Astana")
    assert page.locator("path.pareto-ring").count() == 2
    assert watched.errors == []


def test_membership_layer_shows_the_probabilities(
    watched: Watched, tiny: Results, tmp_path: Path
) -> None:
    robust = analysed(tiny)
    boundaries = gpd.read_file(ROOT / "data" / "boundaries.geojson")
    path = write_map(dataclasses.replace(robust, boundaries=boundaries), tmp_path / "robust.html")
    page = open_map(watched, path)
    p = robust.sensitivity.membership.probability
    assert page.locator("path.membership-marker").count() == 0  # off at start
    page.locator(".leaflet-control-layers").hover()  # the list is collapsed until hovered
    label = page.locator(".leaflet-control-layers-overlays label", has_text="membership")
    assert "(200 draws)" in label.inner_text()
    label.locator("input").check()
    ids = list(robust.ranking.index)
    assert page.locator("path.membership-marker").count() == int((p > 0).sum()) == 3
    texts = page.evaluate(
        "window.siting.layers.membership.getLayers()"
        ".map(l => l.getPopup().getContent().textContent)"
    )
    expected = [
        f"{robust.ranking.at[cid, 'name']}in the optimal portfolio in {share_text(escaped=False, p=v)} "
        "of 200 weight draws."
        for cid, v in p.reindex(ids).items()
        if v > 0
    ]
    assert texts == expected
    # each candidate's popup: its chance of rank 1, of the top 3 and of the portfolio
    table = robust.sensitivity.acceptability.acceptability
    i = ids.index("astana")
    page.locator(f"path.cand-{i}").click()
    lines = page.locator(".leaflet-popup-content .robustness div").all_inner_texts()
    assert lines == [
        f"Rank 1 in {share_text(escaped=False, p=table.at['astana', 1])} and top 3 in "
        f"{share_text(escaped=False, p=table.loc['astana', [1, 2, 3]].sum())} of 2,000 random weight draws.",
        f"In the optimal portfolio in {share_text(escaped=False, p=p['astana'])} of 200 weight draws.",
    ]
    # the boundaries' own caveat sits in the legend
    note = page.locator("#boundary-note")
    assert note.locator("summary").inner_text().startswith("Boundaries: Pre-2022 regional layout")
    assert "these lines are not drawn" in note.text_content()
    assert watched.errors == []


def test_report_renders_with_its_charts(watched: Watched, tiny: Results, tmp_path: Path) -> None:
    robust = extended(analysed(tiny))
    page = watched.page
    page.goto(write_report(robust, tmp_path / "report.html").as_uri())
    page.wait_for_load_state("load")
    images = page.locator("img")
    # a value-function chart per criterion, the weights chart, the static map, the Pareto
    # front, the rank-acceptability heatmap and the one-at-a-time charts
    assert images.count() == tiny.values.shape[1] + 5
    for i in range(images.count()):
        img = images.nth(i)
        assert img.evaluate("el => el.complete && el.naturalWidth > 0"), i
        box = img.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
    assert EVIL in page.locator("body").inner_text()
    assert watched.errors == [] and watched.dialogs == []
