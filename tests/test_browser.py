"""The map and the report in a real browser: headless Debian chromium driven by Playwright.

Every request that is not file:// or data: is blocked and recorded; each test
asserts that none was attempted, so a page that would reach out to a CDN or a
tile server fails here even though it would render from the cache elsewhere.
The tests skip only when /usr/bin/chromium is missing and CI is not set (in CI
they must run; the README's test command installs chromium).  One browser serves
the whole module; each test opens its own context (viewport, routes).
"""

from __future__ import annotations

import dataclasses
import functools
import gettext
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import siting.i18n
from siting import choice, mcda, optimise
from siting.i18n import script_messages, translator
from siting.outputs.map.payload import expand
from siting.outputs.maps import write_map
from siting.outputs.report import write_report
from siting.outputs.words import Words
from siting.recommendation import recommend
from siting.results import PortfolioChoice, Results
from tests.builders import EVIL, ROOT, analysed, reference_for, renamed, run_tiny
from tests.chromium import CHROMIUM

pytestmark = pytest.mark.browser


if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip("headless chromium is not installed at /usr/bin/chromium", allow_module_level=True)

from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from playwright.sync_api import (  # noqa: E402
    Browser,
    ConsoleMessage,
    Frame,
    Page,
    Route,
)

SHIPPED = ("novosibirsk", "technopark", "academic_campus", "biotech_city", "nuclear_town")
MACRO_REGIONS = ("north", "south", "east", "west", "central")


@functools.cache
def run_shipped(name: str) -> Results:
    """A shipped study (criteria/<name>.yaml), run once per session without its robustness."""
    import siting.pipeline

    return siting.pipeline.run(ROOT / "criteria" / f"{name}.yaml", sensitivity=False)


def shown_share(p: float) -> str:
    """A probability as the page writes it in English: exact ends, never rounded to 0 or 100 %."""
    if p <= 0:
        return "0\xa0%"
    if p >= 1:
        return "100\xa0%"
    if p < 0.001:
        return "< 0.1\xa0%"
    if p > 0.999:
        return "> 99.9\xa0%"
    return f"{100 * p:.1f}\xa0%"


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
        {"name": names, "macro_region": [MACRO_REGIONS[i % 5] for i in range(n)]},
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
    out = dataclasses.replace(
        results,
        candidates=candidates,
        raw=raw,
        values=values,
        contributions=contributions,
        ranking=ranking,
        portfolio=portfolio,
    )
    return dataclasses.replace(out, recommendation=recommend(out))


@pytest.fixture(scope="module")
def tiny() -> Results:
    return renamed(run_tiny(), "karaganda", EVIL)


@pytest.fixture(scope="module")
def files(tiny: Results, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("browser")
    return {
        "map": write_map(tiny, out / "map.html"),
        "varied": write_map(varied(tiny), out / "varied.html"),
        "novosibirsk": write_map(run_shipped("novosibirsk"), out / "novosibirsk.html"),
    }


@dataclasses.dataclass
class Watched:
    page: Page
    blocked: list[str]
    errors: list[str]
    dialogs: list[str]


def watch(browser: Browser, viewport: tuple[int, int]) -> tuple[Any, Watched]:
    """A new context and page whose every non-local request is blocked and recorded."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    w = Watched(page, [], [], [])

    def route(r: Route) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:", "about:")):
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
    return context, w


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context, w = watch(browser, (1280, 860))
    yield w
    context.close()
    assert w.blocked == [], f"the page tried to reach the network: {w.blocked}"


@pytest.fixture
def opened(browser: Browser) -> Iterator[Callable[..., Watched]]:
    """Open a map at a viewport size: ``opened(path, (width, height))``."""
    contexts: list[tuple[Any, Watched]] = []

    def open_(path: Path, viewport: tuple[int, int] = (1280, 860)) -> Watched:
        context, w = watch(browser, viewport)
        contexts.append((context, w))
        open_map(w, path)
        return w

    yield open_
    for context, w in contexts:
        context.close()
        assert w.blocked == [], f"the page tried to reach the network: {w.blocked}"
        assert w.errors == [], w.errors


def open_map(w: Watched, path: Path) -> Page:
    w.page.goto(path.as_uri())
    wait_until(w.page, "!!(window.siting && window.siting.ready)")
    return w.page


def wait_until(page: Page | Frame, expression: str, timeout: float = 20.0) -> None:
    """Poll ``expression`` until it is true.

    Playwright's ``wait_for_function`` evaluates its predicate as a string inside the page, which
    the page's Content-Security-Policy (no ``'unsafe-eval'``) rightly refuses; ``evaluate`` runs
    through the browser's debugging protocol instead.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(20)


def idle(page: Page) -> None:
    """Wait until the page has scored, ranked and solved for every slider move made."""
    page.evaluate("window.siting.idle()")


def ranking_ids(page: Page) -> list[str]:
    return page.eval_on_selector_all("#ranking tbody tr", "rows => rows.map(r => r.dataset.id)")


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


def test_slider_reranks_as_the_weighted_sum(
    watched: Watched, files: dict[str, Path], tiny: Results
) -> None:
    results = varied(tiny)
    page = open_map(watched, files["varied"])
    before = ranking_ids(page)
    assert before == list(results.ranking.index[results.ranking["rank"].notna()])
    groups = [c.group for c in results.study.criteria]
    slider = page.locator("input[data-kind=group]").nth(groups.index("enablers"))
    slider.fill("0")
    idle(page)
    # the enablers' share goes to the other groups in proportion (the shares stay a whole)
    crit = list(results.values.columns)
    group = pd.Series({c.id: c.group for c in results.study.criteria})[crit]
    share = results.weights[crit].groupby(group).sum()
    local = results.weights[crit] / share[group].to_numpy()
    share["enablers"] = 0
    w = (share / share.sum())[group].to_numpy() * local
    kept = results.included
    expected = list(
        (results.values.loc[kept] @ w).sort_values(ascending=False, kind="stable").index
    )
    after = ranking_ids(page)
    assert after == expected
    assert after != before  # the move did reorder the candidates
    weights = pd.Series(page.evaluate("window.siting.weights()"))
    np.testing.assert_allclose(weights[crit], w.to_numpy(), rtol=0, atol=1e-15)
    scores = pd.Series(page.evaluate("window.siting.scores()"))
    assert set(scores.index) == set(kept)
    np.testing.assert_allclose(scores[kept], (results.values @ w)[kept], rtol=0, atol=1e-12)
    # Reset gives back the study's ranking and scores.
    page.locator("#reset").click()
    idle(page)
    assert ranking_ids(page) == before
    assert page.evaluate("window.siting.portfolio()") == results.portfolio.ids
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
    wait_until(page, "document.getElementById('status').textContent.includes('tiles')")
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
    # (a statement, not an expression: the map object would be sent back to Python)
    page.evaluate("() => { window.siting.map.setView([54.9, 83.14], 9, {animate: false}); }")
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
    assert info == "Point 2: population covered 2,900,000, total score 1.49: Astana and Oskemen"
    assert page.locator(".pareto-table tbody tr").nth(1).get_attribute("class") == "selected"
    # the table chooses too; the best total score is starred
    row = page.locator(".pareto-table tbody tr").nth(0)
    assert row.locator("td").nth(0).inner_text() == "1 ★"
    row.click()
    assert page.locator("#pareto-info").inner_text().endswith(": Almaty and Astana")
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
        ".map(l => { const c = l.getPopup().getContent(); return (c.call ? c(l) : c).textContent; })"
    )
    expected = [
        f"{robust.ranking.at[cid, 'name']}In the optimal portfolio in {shown_share(v)} "
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
        f"Rank 1 in {shown_share(table.at['astana', 1])} and top 3 in "
        f"{shown_share(table.loc['astana', [1, 2, 3]].sum())} of 2,000 random weight draws.",
        f"In the optimal portfolio in {shown_share(p['astana'])} of 200 weight draws.",
    ]
    # the boundaries' own caveat sits in the legend
    note = page.locator("#boundary-note")
    # (folded on this screen: read as text)
    assert (
        note.locator("summary").text_content().startswith("Boundaries: Regional layout before 2018")
    )
    assert "Later changes are not drawn" in note.text_content()
    assert watched.errors == []


def test_report_renders_with_its_charts(watched: Watched, tiny: Results, tmp_path: Path) -> None:
    robust = extended(analysed(tiny))
    page = watched.page
    page.goto(write_report(robust, tmp_path / "report.html").as_uri())
    page.wait_for_load_state("load")
    # the charts of the language shown: pictures (the static map, the heatmap) and drawings
    # (a value function per criterion, the Pareto front, the one-at-a-time sweeps)
    images = page.locator("img:visible")
    charts = page.locator("svg.chart:visible")
    assert images.count() >= 1 and charts.count() >= tiny.values.shape[1] + 2
    for i in range(images.count()):
        img = images.nth(i)
        assert img.evaluate("el => el.complete && el.naturalWidth > 0"), i
        box = img.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50, i
    assert EVIL in page.locator("body").inner_text()
    assert watched.errors == [] and watched.dialogs == []


# --------------------------------------------------------------------------- the live portfolio


@pytest.mark.parametrize("study", SHIPPED)
def test_the_portfolio_follows_the_sliders_exactly(
    study: str, opened: Callable[..., Watched], tmp_path: Path
) -> None:
    """200 seeded weightings set in the page: its scores, ranks and portfolio are Python's.

    Python's side: siting.mcda.score_study with the study's method and options, and the study's
    portfolio rules solved with those scores (siting.optimise.solve_rules); it runs in a thread
    while the browser works through the same weightings.
    """
    results = run_shipped(study)
    page = opened(write_map(results, tmp_path / f"{study}.html")).page
    assert page.evaluate("[window.siting.engine, window.siting.live]") == ["engine", True]
    crit = list(results.values.columns)
    rng = np.random.default_rng(20251127)
    draws = rng.dirichlet(np.ones(len(crit)), size=200)
    draws[::7, rng.integers(len(crit))] = 0  # some criteria left out
    draws[1::7] *= 37.0  # any non-negative weights, normalised as the study's are
    weightings = [dict(zip(crit, map(float, row), strict=True)) for row in draws]
    kept = results.included
    method = results.study.method

    def python_side() -> list[tuple[pd.Series, list[str], float]]:
        rules = choice.portfolio_rules(results, solver="highs")
        out = []
        for weights in weightings:
            w = pd.Series(weights)
            scores = mcda.score_study(
                results.values, w / w.sum(), method, methods=[method.name], kept=kept
            )[method.name].loc[kept]
            best = optimise.solve_rules(rules.with_scores(scores.to_numpy()), explain_binding=False)
            out.append((scores, sorted(str(kept[j]) for j in best.selected), best.objective))
        return out

    with ThreadPoolExecutor(1) as pool:
        expected = pool.submit(python_side)
        got = page.evaluate(
            """async (weightings) => {
                const out = [];
                for (const w of weightings) {
                    await window.siting.setWeights(w);
                    out.push([window.siting.scores(), window.siting.portfolio(),
                              window.siting.objective()]);
                }
                return out;
            }""",
            weightings,
        )
        python = expected.result()
    for k, ((scores, portfolio, objective), (py_scores, py_sites, py_objective)) in enumerate(
        zip(got, python, strict=True)
    ):
        page_scores = pd.Series(scores, dtype=float)
        assert set(page_scores.index) == set(kept), k
        np.testing.assert_allclose(page_scores[kept], py_scores, rtol=0, atol=1e-9, err_msg=str(k))
        assert sorted(portfolio) == py_sites, (k, weightings[k])
        assert objective == pytest.approx(py_objective, abs=1e-9), k


def test_the_answer_follows_the_sliders_and_reset_returns(
    opened: Callable[..., Watched], files: dict[str, Path]
) -> None:
    results = run_shipped("novosibirsk")
    page = opened(files["novosibirsk"]).page
    study_ids = results.portfolio.ids
    answer = page.locator("#answer-sites li")
    assert [answer.nth(k).get_attribute("data-id") for k in range(3)] == study_ids
    assert page.locator("#answer-heading").inner_text() == "Recommended sites"
    # industry alone: the page re-solves and the answer, rings and rules follow
    industry = {c.id: (1.0 if c.group == "industry" else 0.0) for c in results.study.criteria}
    page.evaluate("w => window.siting.setWeights(w)", industry)
    chosen = page.evaluate("window.siting.portfolio()")
    assert chosen != study_ids
    assert page.locator("#answer-heading").inner_text().startswith("What if")
    assert "not the study's answer" in page.locator("#headline").inner_text()
    assert [answer.nth(k).get_attribute("data-id") for k in range(answer.count())] == chosen
    assert page.locator("path.portfolio-ring").count() == len(chosen)
    # the nearest alternative and the rules that bind, as the page re-solved them
    lines = page.locator("#answer-extra .line").all_inner_texts()
    binding = page.evaluate("window.siting.binding()")
    assert lines[0].startswith("Nearest alternative: ")
    assert len(lines) == 1 + sum(d["binds"] for d in binding)
    assert all(line.startswith("Keeping the rule “") for line in lines[1:])
    page.locator("#reset").click()
    idle(page)
    assert page.evaluate("window.siting.portfolio()") == study_ids
    assert page.locator("#answer-heading").inner_text() == "Recommended sites"
    weights = pd.Series(page.evaluate("window.siting.weights()"))
    np.testing.assert_array_equal(weights[results.weights.index], results.weights)


def shown_rules(page: Page) -> list[str]:
    """The rules that decide, as the answer words them (the portfolio box only names them)."""
    box = page.locator("#portfolio-binding li").all_inner_texts()
    answer = page.locator("#answer-extra .line").all_inner_texts()
    # under the answer: the nearest alternative, then one sentence per binding rule, shown once
    sentences = answer[len(answer) - len(box) :]
    assert page.evaluate("window.siting.ruleSentences()") == sentences
    # the box names each rule, in the words of the sentence ("Keeping the rule “…” costs …")
    assert len(box) == len(sentences)
    for name, sentence in zip(box, sentences, strict=True):
        assert name != sentence and (f"“{name}”" in sentence or f"«{name}»" in sentence)
    return sentences


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_rules_read_as_the_report_writes_them(
    lang: str, opened: Callable[..., Watched], files: dict[str, Path]
) -> None:
    """One answer everywhere: the page's rules that decide are the sentences of words.py.

    At the study's weights the page shows the sentences Python wrote; after a what-if, the
    study's weights set again make the page re-solve and word the rules itself, with the same
    messages, words and number formats: the same sentences, to the character.
    """
    results = run_shipped("novosibirsk")
    portfolio = results.portfolio
    assert portfolio is not None
    expected = Words(results, translator(lang)).binding_sentences()
    assert len(expected) == 2  # the spacing and one site per macro-region both bind
    page = opened(files["novosibirsk"]).page
    assert page.evaluate(f"window.siting.setLanguage({lang!r})")
    assert shown_rules(page) == expected
    # a what-if: the page words the facts it solved for as words.py words the same facts
    education = {c.id: (1.0 if c.group == "education" else 0.0) for c in results.study.criteria}
    page.evaluate("w => window.siting.setWeights(w)", education)
    chosen = page.evaluate("window.siting.portfolio()")
    assert chosen != portfolio.ids
    solved = dataclasses.replace(
        portfolio, ids=chosen, binding_details=page.evaluate("window.siting.binding()")
    )
    what_if = Words(dataclasses.replace(results, portfolio=solved), translator(lang))
    assert len(what_if.binding_sentences()) == 2
    assert shown_rules(page) == what_if.binding_sentences()
    # back to the study's weights, still a what-if: the page words the rules itself
    study = {str(k): float(v) for k, v in results.weights.items()}
    page.evaluate("w => window.siting.setWeights(w)", study)
    assert page.evaluate("window.siting.portfolio()") == portfolio.ids
    # a what-if still: the page worded the rules from the facts it solved for
    assert "what-if" in (page.locator("#answer").get_attribute("class") or "")
    assert [d["rule"] for d in page.evaluate("window.siting.binding()") if d["binds"]] == [
        d["rule"] for d in portfolio.binding_details if d["binds"]
    ]
    assert shown_rules(page) == expected
    page.locator("#reset").click()
    idle(page)
    assert shown_rules(page) == expected


NUMBERS = [0.0, -0.0, 0.0005, 0.0015, -0.0004, 0.125, 0.1845, 2.5, 3.5, 2.675, 10.05, 12.25,
           12.35, 24.3, 99.95, 99.995, 192.894361339455, 312.5, 313.5, -1234.5, 1234.5678,
           999_999.5, 1.5e-7, 1e-4, 1e21, 1 / 3]  # fmt: skip


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_numbers_read_as_the_report_writes_them(
    lang: str, opened: Callable[..., Watched], files: dict[str, Path]
) -> None:
    """Numbers in the page's sentences are Python's (Babel): the same digits, ties to even.

    Intl would round the binary value half away from zero (0.0005 to 0.001, 2.5 to 3); the
    page rounds the shortest decimal of the value half to even, as Babel and Python's round.
    """
    page = opened(files["map"]).page
    page.evaluate(f"window.siting.setLanguage({lang!r})")
    w = Words(run_tiny(), translator(lang))
    got = page.evaluate(
        """xs => xs.map(x => { const n = window.siting.numbers;
            return [n.score(x), n.quantity(x), n.integer(x), n.percent(x, 1), n.percent(x, 0)]; })""",
        NUMBERS,
    )
    t = translator(lang)
    expected = [
        [w.score(x), w.quantity(x), t.integer(x), t.percent(x, 1), t.percent(x, 0)] for x in NUMBERS
    ]
    assert got == expected
    assert page.evaluate("[null, NaN].map(x => window.siting.numbers.score(x))") == ["–", "–"]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_exclusion_reasons_read_as_the_report_writes_them(
    lang: str, opened: Callable[..., Watched], files: dict[str, Path]
) -> None:
    results = run_shipped("novosibirsk")
    w = Words(results, translator(lang))
    page = opened(files["novosibirsk"]).page
    page.locator(f"#languages button[data-lang={lang}]").click()
    ranking = results.ranking
    excluded = [str(c) for c in ranking.index[ranking["excluded_reason"] != ""]]
    assert excluded
    expected = [f"{w.name(c)}: {w.exclusion_reason(c)}" for c in excluded]
    assert page.locator("#excluded-list li").all_text_contents() == expected
    # and in the popup of an excluded candidate
    i = list(ranking.index).index(excluded[0])
    page.evaluate(f"() => {{ window.siting.markers[{i}].openPopup(); }}")
    popup = page.locator(".leaflet-popup-content .excluded").inner_text()
    assert w.exclusion_reason(excluded[0]) in popup
    assert not re.search(r"[A-Za-z]{3,}", popup)  # no English left in Kazakh or Russian


def test_the_thumb_shows_the_share_it_sets(
    opened: Callable[..., Watched], files: dict[str, Path]
) -> None:
    results = run_shipped("novosibirsk")
    page = opened(files["novosibirsk"]).page
    groups = list(results.weighting.groups.index)
    outputs = page.locator("input[data-kind=group] + output")
    # the study's shares: science, education and industry 3 of 11 points each, enablers 2
    assert outputs.all_inner_texts() == ["27.3\xa0%", "27.3\xa0%", "27.3\xa0%", "18.2\xa0%"]
    page.locator("input[data-kind=group]").nth(groups.index("science")).fill("100")
    idle(page)
    assert outputs.all_inner_texts() == ["100.0\xa0%", "0.0\xa0%", "0.0\xa0%", "0.0\xa0%"]
    weights = pd.Series(page.evaluate("window.siting.weights()"))
    science = [c.id for c in results.study.criteria if c.group == "science"]
    assert weights[science].sum() == pytest.approx(1.0, abs=1e-12)
    page.locator("input[data-kind=group]").nth(groups.index("science")).fill("40")
    idle(page)
    # the others share the rest in the proportions they had
    assert outputs.all_inner_texts() == ["40.0\xa0%", "20.0\xa0%", "20.0\xa0%", "20.0\xa0%"]


def test_all_weights_at_zero_are_refused(watched: Watched, files: dict[str, Path]) -> None:
    page = open_map(watched, files["map"])
    before = page.evaluate("window.siting.scores()")
    message = page.evaluate(
        "window.siting.setWeights({university_km: 0, institutes_100km: 0, population: 0})"
        ".then(() => 'accepted', e => e.message)"
    )
    assert message == "Every weight is 0: give at least one criterion some weight."
    assert page.locator("#weights-message").inner_text() == message
    assert page.evaluate("window.siting.scores()") == before
    bad = page.evaluate(
        "window.siting.setWeights({population: -1}).then(() => 'accepted', e => e.message)"
    )
    assert bad == "The weight of population must be a number of 0 or more."
    # a slider cannot take every weight to 0: the others take up its share
    for k in range(3):
        page.locator("input[data-kind=group]").nth(k).fill("0")
    idle(page)
    assert sum(page.evaluate("Object.values(window.siting.weights())")) == pytest.approx(1.0)
    assert watched.errors == []


def test_the_live_portfolio_can_be_switched_off(
    opened: Callable[..., Watched], tiny: Results, tmp_path: Path
) -> None:
    page = opened(write_map(varied(tiny), tmp_path / "off.html", live=False)).page
    assert page.evaluate("window.siting.live") is False
    before = page.evaluate("window.siting.portfolio()")
    page.evaluate(
        "window.siting.setWeights({university_km: 1, institutes_100km: 0, population: 0})"
    )
    assert page.evaluate("window.siting.portfolio()") == before
    assert "does not re-solve the portfolio" in page.locator("#headline").inner_text()


# --------------------------------------------------------------------------- the first view


def kazakhstan() -> tuple[float, float, float, float]:
    """South, west, north, east of the shipped border."""
    border = gpd.read_file(ROOT / "data" / "boundaries.geojson")
    west, south, east, north = border[border["level"] == "country"].total_bounds
    return south, west, north, east


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
def test_the_first_view_is_the_country_and_the_answer(
    viewport: tuple[int, int], opened: Callable[..., Watched], files: dict[str, Path]
) -> None:
    results = run_shipped("novosibirsk")
    page = opened(files["novosibirsk"], viewport).page
    south, west, north, east = page.evaluate(
        "(() => { const b = window.siting.map.getBounds();"
        " return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; })()"
    )
    s, w, n, e = kazakhstan()
    assert south <= s and west <= w and north >= n and east >= e
    width, height = viewport
    # the answer, without scrolling: the chosen sites, why, how sure
    sites = page.locator("#answer-sites li")
    assert sites.count() == len(results.portfolio.ids)
    for k in range(sites.count()):
        box = sites.nth(k).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, k
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert "strong on" in sites.nth(k).inner_text()
    headline = page.locator("#headline").inner_text()
    # without the robustness analysis the close call comes from the nearest alternative
    assert "Third site: Atyrau or Oskemen — a close call." in headline
    # and the map itself is in view, whole, under the answer on a phone
    box = page.locator(".folium-map").bounding_box()
    assert box is not None and box["y"] + box["height"] <= height + 1 and box["width"] > 300


# --------------------------------------------------------------------------- labels


LABELS = """() => {
    const rect = (n) => { const r = n.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const shown = [...document.querySelectorAll(".town-label")].filter(n => n.style.display !== "none");
    return {
        labels: shown.map(n => [n.dataset.id, rect(n)]),
        rings: [...document.querySelectorAll("path.portfolio-ring")].map(rect),
    };
}"""


def overlap(a: list[float], b: list[float], slack: float = 0.5) -> bool:
    return (
        a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack
    )


@pytest.mark.parametrize(
    "viewport", [(1920, 1080), (1366, 768), (390, 844)], ids=["desktop", "laptop", "phone"]
)
def test_labels_never_overlap(
    viewport: tuple[int, int], opened: Callable[..., Watched], files: dict[str, Path]
) -> None:
    results = run_shipped("novosibirsk")
    page = opened(files["novosibirsk"], viewport).page
    counts = []
    for step in range(4):
        if step:
            page.evaluate(
                "() => { const m = window.siting.map; m.setZoom(m.getZoom() + 1, {animate: false}); }"
            )
        seen = page.evaluate(LABELS)
        boxes = [box for _, box in seen["labels"]]
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                assert not overlap(boxes[i], boxes[j]), (step, seen["labels"][i], seen["labels"][j])
            for ring in seen["rings"]:
                assert not overlap(boxes[i], ring), (step, seen["labels"][i], ring)
        labelled = {cid for cid, _ in seen["labels"]}
        assert set(results.portfolio.ids) <= labelled, step  # chosen sites always labelled
        counts.append(len(labelled))
    # labels that collide at country scale come back as the reader zooms in
    assert counts[0] < len(results.ranking) and counts[-1] > counts[0]


# --------------------------------------------------------------------------- phones


def test_on_a_phone_popups_fit_and_the_legend_folds(
    opened: Callable[..., Watched], files: dict[str, Path]
) -> None:
    results = run_shipped("novosibirsk")
    page = opened(files["novosibirsk"], (390, 844)).page
    assert page.evaluate("document.getElementById('legend').open") is False
    legend = page.locator("#legend").bounding_box()
    assert legend is not None and legend["width"] < 120 and legend["height"] < 40
    index = list(results.ranking.index).index("almaty")
    page.evaluate(f"() => {{ window.siting.markers[{index}].openPopup(); }}")
    popup = page.locator(".leaflet-popup")
    popup.wait_for()
    page.wait_for_timeout(400)  # the map pans the popup into view
    box = popup.bounding_box()
    frame = page.locator(".folium-map").bounding_box()
    assert box is not None and frame is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert (
        box["y"] >= frame["y"] - 1 and box["y"] + box["height"] <= frame["y"] + frame["height"] + 1
    )
    # opened, the legend is still inside the map
    page.locator("#legend > summary").click()
    legend = page.locator("#legend").bounding_box()
    assert legend is not None and legend["x"] >= 0 and legend["x"] + legend["width"] <= 390


# --------------------------------------------------------------------------- languages


class Pseudo(gettext.NullTranslations):
    """A catalog that marks every message it renders: ⟦…⟧ around the catalog's text."""

    def gettext(self, message: str) -> str:
        return f"⟦{message}⟧"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"


@pytest.fixture(scope="module")
def pseudo_map(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped study's map with kk and ru catalogs that mark every message they render."""
    real = siting.i18n._translations
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            siting.i18n,
            "_translations",
            lambda lang: Pseudo() if lang in ("kk", "ru") else real(lang),
        )
        return write_map(run_shipped("novosibirsk"), tmp_path_factory.mktemp("pseudo") / "map.html")


def page_data(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    match = re.search(
        r'<script type="application/json" id="siting-data">(.*?)</script>', text, re.S
    )
    assert match is not None
    return expand(json.loads(match.group(1)))


def sentences(text: str) -> set[str]:
    """``text`` and each of its sentences (a page may show the first apart from the rest)."""
    if not text.strip():
        return set()
    return {text.strip(), *(p.strip() for p in re.split(r"(?<=[.!?])\s+", text) if p.strip())}


def strings(node: Any) -> Iterator[str]:
    """Every string inside ``node`` (the values of dicts, the items of lists)."""
    if isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)
    elif isinstance(node, str):
        yield node


def per_language(node: Any, lang: str, key: str = "") -> Iterator[str]:
    """Every string of the texts ``node`` gives per language (``{kk, ru, en}``), in ``lang``."""
    if key in ("messages", "model"):
        return  # the catalogs themselves, the engine's model
    if isinstance(node, dict):
        if set(node) == {"kk", "ru", "en"}:
            yield from strings(node[lang])
            return
        for k, v in node.items():
            yield from per_language(v, lang, k)
    elif isinstance(node, list):
        for v in node:
            yield from per_language(v, lang, key)


def reader_texts(data: Any, lang: str) -> set[str]:
    """Every text the page's data gives a reader in ``lang``, and each of its sentences.

    That is: the texts given per language (place names, the study's labels and notes, the
    sentences words.py wrote, the study's words for groups), and the names that exist in one
    language only (facilities, the languages' own names).  Raw facts are left out (ids, field
    names such as ``macro_region``, group values such as ``north``, the criteria file's
    exclusion reasons as written): the page must word them, so that one shown raw is caught.
    """
    reference = data["reference"] or {}
    layers = [*data["layers"], *reference.get("facilities", [])]
    texts = [
        *per_language(data, lang),
        *(language["name"] for language in data["languages"]),
        *(name for layer in layers for name in layer["names"]),
    ]
    return {piece for text in texts for piece in sentences(text)}


PAGE_TEXTS = """() => {
    const skip = ".leaflet-control-attribution, .leaflet-control-zoom, script, style";
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        if (!node.parentElement || node.parentElement.closest(skip)) continue;
        if (node.textContent.trim()) out.push(node.textContent.trim());
    }
    document.querySelectorAll("[title], [aria-label]").forEach(el => {
        if (el.closest(".leaflet-control-attribution")) return;
        ["title", "aria-label"].forEach(a => { if (el.getAttribute(a)) out.push(el.getAttribute(a)); });
    });
    return out;
}"""

# Words the locale's own list formatting puts between items (Intl.ListFormat).
CONJUNCTIONS = {"kk": ("және",), "ru": ("и",), "en": ("and",)}


def everything_shown(page: Page) -> list[str]:
    """Open every part of the page a reader can open, then read every text in it."""
    page.locator("#legend > summary").click()
    page.locator("#excluded-list summary").click()
    page.locator(".leaflet-control-layers").hover()
    page.evaluate("() => { window.siting.markers[0].openPopup(); }")
    page.evaluate("window.siting.choosePareto(0)")
    return page.evaluate(PAGE_TEXTS)


def leftover(texts: list[str], allowed: set[str], lang: str) -> list[str]:
    """What remains of each text once catalog marks, data and the locale's words are taken out."""
    by_length = sorted(allowed, key=len, reverse=True)
    out = []
    for text in texts:
        rest = text
        while re.search(r"⟦[^⟦⟧]*⟧", rest):  # messages inside messages: innermost first
            rest = re.sub(r"⟦[^⟦⟧]*⟧", " ", rest)
        for piece in by_length:
            if piece in rest:
                rest = rest.replace(piece, " ")
        rest = re.sub(rf"\b({'|'.join(CONJUNCTIONS[lang])})\b", " ", rest)
        rest = rest.replace("Δ", " ")  # the sign of a change of rank, not a word
        if re.search(r"[^\W\d_]", rest):
            out.append(f"{text!r} leaves {rest.strip()!r}")
    return out


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_after_a_switch_every_text_is_from_the_catalog_or_the_data(
    lang: str, opened: Callable[..., Watched], pseudo_map: Path
) -> None:
    """With catalogs that mark what they render, a switched page shows no unmarked interface text.

    This holds before any translation exists: a text the page wrote without its catalog (or a
    place name in English where the data has it in Russian) would be left over.
    """
    page = opened(pseudo_map).page
    page.locator(f"#languages button[data-lang={lang}]").click()
    assert page.evaluate("[document.documentElement.lang, window.siting.language()]") == [
        lang,
        lang,
    ]
    texts = everything_shown(page)
    assert any("⟦Recommended sites⟧" in t for t in texts)
    data = page_data(pseudo_map)
    assert leftover(texts, reader_texts(data, lang), lang) == []
    # place names in the page's language, and numbers in its format
    almaty = data["candidates"]["id"].index("almaty")
    assert data["candidates"]["name"][lang][almaty] in page.locator("#answer-sites").inner_text()
    assert re.search(r"\d,\d{3}", page.locator("#ranking").inner_text())  # 0,985, not 0.985


def map_messages_missing(lang: str) -> list[str]:
    messages = script_messages("en", ("map.js",))
    return [m for m in siting.i18n.missing_translations(lang) if m in messages]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_no_english_interface_text_is_left_once_translated(
    lang: str, opened: Callable[..., Watched], files: dict[str, Path]
) -> None:
    """With the real catalogs: switched to Russian or Kazakh, no English interface text is left.

    Skipped while the catalog lacks the page's messages (the translators fill them); it runs
    by itself once they are there.
    """
    missing = map_messages_missing(lang)
    if missing:
        pytest.skip(f"{len(missing)} of the map's messages are not translated into {lang} yet")
    page = opened(files["novosibirsk"]).page
    page.locator(f"#languages button[data-lang={lang}]").click()
    texts = everything_shown(page)
    # Latin words a translation keeps (TOPSIS, km ...) are allowed; no other English is
    translated = " ".join(
        v if isinstance(v, str) else " ".join(v)
        for k, v in script_messages(lang, ("map.js",)).items()
        if k != "__forms__"
    )
    kept_latin = set(re.findall(r"[A-Za-z]+", translated))
    allowed = reader_texts(page_data(files["novosibirsk"]), lang)
    english = [
        f"{text!r} leaves {words}"
        for text in texts
        if (words := english_left(text, allowed, kept_latin))
    ]
    assert english == []


def english_left(text: str, allowed: set[str], kept: set[str]) -> list[str]:
    """The English words of the interface text in ``text``: what remains once data is taken out.

    Only interface text is checked.  The study's own texts are data in the reader's language,
    and keep their acronyms and proper names (the criteria file's Russian label "IT-хаба"):
    every text the data gives (:func:`reader_texts`) is taken out first, so that its Latin
    letters count as the data's, not as English the page forgot to translate.  All-caps
    acronyms (IT, TOPSIS, VIKOR, OWA, AHP, SMAA) are allowed too, wherever they stand: a
    translation keeps them as they are, as a sentence built around a study's text may.  So
    are the Latin words the translations themselves keep (``kept``: km, TOPSIS).
    """
    rest = text
    for piece in sorted(allowed, key=len, reverse=True):
        rest = rest.replace(piece, " ")
    return [
        w
        for w in re.findall(r"[A-Za-z]+", rest)
        if w not in kept and not (len(w) > 1 and w.isupper())
    ]


# --------------------------------------------------------------------------- notebooks


def test_the_notebook_shows_the_map_offline(browser: Browser, tiny: Results) -> None:
    context, w = watch(browser, (1000, 760))
    try:
        w.page.set_content(tiny.map()._repr_html_())
        frame = w.page.frames[1]
        wait_until(frame, "!!(window.siting && window.siting.ready)")
        assert frame.locator("path.candidate-marker").count() == len(tiny.ranking)
        wait_until(frame, "window.siting.engineReadyAt > 0")
        assert w.errors == [] and w.blocked == []
    finally:
        context.close()
